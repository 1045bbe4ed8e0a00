import type { ReportFacts } from '../domain/report/facts';

/**
 * The reference report's facts (嘉峪关市社会工作服务站项目绩效评价报告, 2021-2023年度), as printed in
 * ../shared/reference/evaluation-report-jiayuguan-social-work-stations.txt: the demo seeds them and
 * the tests reproduce the report from them. Texts are the report's own, typos included (社工人人员);
 * line breaks the PDF put inside sentences are joined.
 */
export const REFERENCE_FACTS: Omit<ReportFacts, 'indicators'> = {
  outline: 'reference',
  evaluationType: '财政评价',
  purpose:
    '为强化项目单位支出责任，提高财政资金使用效益，采取“财政+第三方机构”模式，对社会工作服务站项目开展绩效评价，评价工作以预算资金管理为主线，从决策、过程、产出、效益等方面，衡量项目实施效果，为优化预算决策、改进管理、完善政策提供依据。',
  goals: [
    '充实基层民政力量，提升专业服务能力',
    '强化资源整合，营造基层治理新格局',
    '巩固脱贫攻坚成果，服务乡村振兴战略',
    '发挥专业优势，推动社会工作行业发展',
    '关注民政服务对象，尤其是特殊困难老年人群体、困境儿童、孤残等特殊困难群体、弱势群体等',
  ],
  scope: '社会工作服务站项目，涉及预算资金189万元。',
  bases: [
    { title: '甘肃省民政厅关于印发〈2022年度全省乡镇（街道）社会工作服务站设立实施方案〉的通知', docNo: '甘民发〔2021〕125号' },
    { title: '甘肃省民政厅关于印发〈甘肃省乡镇（街道）社会工作服务站设立补助资金管理办法〉的通知', docNo: '甘民发〔2022〕135号' },
    { title: '关于巩固省级示范成果 加快推进乡镇（街道）社工站设立工作的通知', docNo: '甘民电〔2022〕132号' },
    { title: '关于全面做好2023年乡镇（街道）社工站设立工作的通知', docNo: '甘民发〔2023〕23号' },
    { title: '嘉峪关市乡镇（街道）设立省级示范社会工作服务站实施细则', docNo: '' },
  ],
  methods: ['comprehensive', 'comparison', 'factor', 'costBenefit', 'expert', 'publicSatisfaction'],
  methodsOther: '',
  dataCollection:
    '信息与数据收集采取对抽样的单位和部门及项目进行实地调研、采集相关基础数据、解读嘉峪关市社会工作服务站相关文件等方式进行，数据处理采取计算分析、专家评价、现场评分、问卷调查、访谈进行分析、综合分析方法开展。',
  process: [
    { name: '接受委托任务', from: '2023-08-25', to: null },
    { name: '拟定方案', from: null, to: null },
    { name: '开展培训', from: null, to: null },
    { name: '现场评价', from: null, to: null },
    { name: '撰写报告', from: null, to: null },
    { name: '结果应用', from: null, to: '2023-10-20' },
  ],
  experiences: '',
  problems: [
    { id: 'p1', text: '社工站服务覆盖面小，服务内容不完善。', cause: '', indicatorIds: ['station-coverage'] },
    { id: 'p2', text: '社工人人员流动频繁，团队稳定性较差。', cause: '', indicatorIds: ['team-stability'] },
    { id: 'p3', text: '社工人人员持证率较低经验缺乏。', cause: '', indicatorIds: ['certified-ratio'] },
    { id: 'p4', text: '内部督导力度不够，缺少培训考核机制。', cause: '', indicatorIds: ['supervision-training'] },
    { id: 'p5', text: '部门接续工作不及时，出现“空档期”。', cause: '', indicatorIds: ['service-continuity'] },
    { id: 'p6', text: '社会组织孵化能力有待加强，资源链接能力不足。', cause: '', indicatorIds: ['org-incubation', 'resource-linking'] },
    { id: 'p7', text: '文书档案管理不规范。', cause: '', indicatorIds: ['record-keeping'] },
    { id: 'p8', text: '未及时编制财务凭证，凭证装订不规范。', cause: '', indicatorIds: ['financial-management'] },
  ],
  suggestions: [
    {
      id: 's1',
      text: '划分社工服务内容，积极培育专业志愿者队伍。一是厘清社工服务清单，对社工站的职责范围进行合理调整；二是建议民政局统筹全区社工服务项目运营管理，形成根据社区人口变化对社工人人员数量配置标准进行动态调整的机制。同时社工站加强社会组织孵化工作，扩大社工服务对象覆盖范围及覆盖面。',
      problemIds: ['p1'],
    },
    { id: 's2', text: '建立薪酬待遇动态调整机制。建议民政部门以改变服务购买方式为契机，根据专业服务需求和服务内容设置，根据当地实际情况合理划分服务费用的支付范围。', problemIds: ['p2'] },
    { id: 's3', text: '鼓励报考社工专业水平考试。鼓励社工站工作人员报考社工专业水平考试，提高社工专业能力；同时吸引社工专业毕业大学生就业，为社工站培育更多的社工人才。', problemIds: ['p3'] },
    {
      id: 's4',
      text: '加强督导培训。建议民政局要求社工服务机构必须在规定期限内做好培训计划和实施方案，定期与不定期地开展包括服务对象需求调查、服务计划设计、服务过程管理、服务成效测评等内容的社工服务专业培训，完善机构内部培训制度。',
      problemIds: ['p4'],
    },
    {
      id: 's5',
      text: '完善工作制度体系，加强沟通协调。民政部门要结合社工站工作，进一步完善目标责任制，对每项工作都建立工作标准，做到“定任务、定时限、定质量、定责任”；同时要与社工站及相关部门建立畅通的沟通协调机制，以提高办事效率和质量为核心，明确沟通目标及内容。',
      problemIds: ['p5'],
    },
    {
      id: 's6',
      text: '积极挖掘社会资源，促进资源整合。一是社工站要积极开发资源方的优势潜能，引导资源方自主参与，促进资源的转化输出及共享流通；二是社工或机构应加强社工、项目、机构、行业相互之间资源、信息的互联共享，促进社会服务资源整合；三是机构应指导社工对资源链接工作进行动态、全程评估，及时发现资源链接的问题，提出建议并落实整改、追踪效果，以进一步提升社工链接资源的能力及成效。',
      problemIds: ['p6'],
    },
    { id: 's7', text: '加强档案管理，规范工作流程。健全社工服务档案管理制度，明确档案必须详细记录服务对象基本信息、服务时间、服务内容、现场照片等必要内容。', problemIds: ['p7'] },
    {
      id: 's8',
      text: '加强财务管理监督，提升财务工作水平。一是建立健全财务管理制度，严格落实执行。社工站严格按照会计基础工作达标的要求，认真登记各类账簿及台账，做到账账相符、账实相符；二是民政部门加强财务监督。民政部门对各社工站财务加大审查力度，完善监督制度，定期对社工站财务进行审查，及时掌握各社工站财务日常运转状况，对检查中发现的问题及时纠正。',
      problemIds: ['p8'],
    },
  ],
  otherMatters: [
    '一是采取统筹规划评价工期、规范评价管理流程、严格评价机构筛选、强化评价过程管控、优化评价组织模式等措施，统筹推进项目实施。',
    '二是采用第三方机构“内审+终审”、财政业务科与绩效科“初审+终审”等机制，提高绩效评价服务水平和报告质量。',
    '三是对财政绩效评价结果及有关情况进行了通报，要求各有关部门举一反三、跟踪落实问效，充分发挥“以评促改”的积极作用，对标对表分析本部门本行业在预算绩效管理方面存在的短板弱项，做好问题整改和政策落实。',
  ].join('\n'),
  reportDate: '2023-10-20',
};

/**
 * 扣分原因 for every indicator of the reference template that the reference scores (REFERENCE_SCORES)
 * score below its points. The report publishes only the dimension rates and its 存在问题, so these
 * are illustrative: the eight problems where they apply, plausible findings elsewhere.
 */
export const REFERENCE_DEDUCTIONS: Readonly<Record<string, string>> = {
  'objective-soundness': '部分绩效目标与年度工作内容对应不够紧密，预期效果表述较笼统。',
  budgeting: '预算测算依据不够细化，部分支出未按标准测算。',
  'budget-execution-rate': '预算执行率94.55%，未全部执行。',
  'financial-management': '未及时编制财务凭证，凭证装订不规范。',
  'record-keeping': '文书档案管理不规范。',
  'supervision-training': '内部督导力度不够，缺少培训考核机制。',
  'completion-rate': '部分站点个案、小组工作量未达到年度计划。',
  'station-coverage': '社工站服务覆盖面小，服务内容不完善。',
  'service-visits': '服务人次未达到计划数。',
  casework: '个案服务数量未达到计划数。',
  'group-work': '小组活动数量未达到计划数。',
  'community-activities': '社区活动数量未达到计划数。',
  'quality-rate': '部分服务记录不完整，质量达标率未达到要求。',
  'certified-ratio': '社工人员持证率较低，经验缺乏。',
  'staffing-rate': '部分站点社工配备未达到实施方案要求。',
  'service-standards': '需求评估和成效评估环节记录不完整。',
  'timely-completion': '部分工作未按计划时间完成。',
  'service-continuity': '部门接续工作不及时，出现“空档期”。',
  'cost-saving-rate': '部分支出高于计划成本。',
  'unit-cost': '人均服务成本高于同类项目平均水平。',
  'social-benefits': '社会效益初步显现，但在基层治理中的作用有待加强。',
  sustainability: '长效运行机制尚不健全。',
  'vulnerable-support': '困难群体台账不够完整，服务覆盖不足。',
  'resource-linking': '资源链接能力不足。',
  'org-incubation': '社会组织孵化能力有待加强。',
  volunteers: '志愿者队伍不够稳定，服务开展较少。',
};
