import type { EvaluationLocale } from '../scoring-rules';
import type { IndicatorFacts } from './facts';

/**
 * 指标解释 and 评分标准 of the reference template's 36 indicators, as an evaluation firm's 评分表
 * writes them: the framework indicators follow 财预〔2020〕10号 附件1 (项目支出绩效评价指标体系框架)
 * word for word where it defines them; the 社工站 indicators state what is counted and how points
 * are taken off. They pre-fill a new evaluation and are the evaluator's to edit. 服务对象满意度 has
 * no written 评分标准: the report prints its scoring rule, derived from its binding.
 */
type Text = [zh: string, en: string];
type Entry = { explanation: Text; criteria: Text };

const TEXTS: Record<string, Entry> = {
  'initiation-basis': {
    explanation: ['项目立项是否符合法律法规、相关政策、发展规划以及部门职责，用以反映和考核项目立项依据情况。', 'Whether the project complies with laws, policies, development plans and the department’s remit.'],
    criteria: [
      '符合国家法律法规、国民经济发展规划和相关政策的，得1分；符合行业发展规划和政策要求、与部门职责范围相符的，得1分；与相关部门同类项目或部门内部相关项目不重复的，得1分。',
      '1 point if it complies with laws, national plans and policies; 1 point if it fits the sector’s plans and the department’s remit; 1 point if it does not duplicate a similar project.',
    ],
  },
  'initiation-procedure': {
    explanation: ['项目申请、设立过程是否符合相关要求，用以反映和考核项目立项的规范情况。', 'Whether the project was applied for and set up as required.'],
    criteria: [
      '按照规定的程序申请设立的，得1分；审批文件、材料符合相关要求，事前经过必要的可行性研究、专家论证、风险评估、集体决策的，得1分。',
      '1 point if set up through the required procedure; 1 point if the approval documents meet the requirements and feasibility study, expert review, risk assessment and collective decision preceded it.',
    ],
  },
  'objective-soundness': {
    explanation: ['项目所设定的绩效目标是否依据充分，是否符合客观实际，用以反映和考核项目绩效目标与项目实施的相符情况。', 'Whether the performance objectives are well founded and realistic.'],
    criteria: [
      '有明确绩效目标的，得1分；绩效目标与实际工作内容具有相关性的，得1分；预期产出效益和效果符合正常的业绩水平、与预算确定的资金量相匹配的，得1分。',
      '1 point for explicit objectives; 1 point if they relate to the actual work; 1 point if the expected outputs and effects are realistic and match the budget.',
    ],
  },
  'indicator-clarity': {
    explanation: ['依据绩效目标设定的绩效指标是否清晰、细化、可衡量，用以反映和考核项目绩效目标的明细化情况。', 'Whether the indicators set from the objectives are clear, detailed and measurable.'],
    criteria: [
      '将绩效目标细化分解为具体绩效指标的，得1分；通过清晰、可衡量的指标值予以体现，并与项目目标任务数或计划数相对应的，得1分。',
      '1 point if the objectives are broken down into indicators; 1 point if these have clear, measurable values matching the planned tasks.',
    ],
  },
  budgeting: {
    explanation: ['项目预算编制是否经过科学论证、有明确标准，资金额度与年度目标是否相适应，用以反映和考核项目预算编制的科学性、合理性。', 'Whether the budget was soundly argued, based on standards and in line with the year’s objectives.'],
    criteria: [
      '预算编制经过科学论证的，得1分；预算内容与项目内容匹配、测算依据充分、按照标准编制的，得1分；预算确定的资金量与工作任务相匹配的，得1分。',
      '1 point if the budget was soundly argued; 1 point if its content matches the project and follows the standards; 1 point if the amount matches the tasks.',
    ],
  },
  'fund-allocation': {
    explanation: ['项目预算资金分配是否有测算依据，与各社工站实际是否相适应，用以反映和考核预算资金分配的科学性、合理性。', 'Whether funds were allocated on a stated basis that fits each station.'],
    criteria: ['资金分配依据充分的，得1分；资金分配额度合理、与各社工站实际相适应的，得1分。', '1 point if the allocation has a sound basis; 1 point if the amounts are reasonable for each station.'],
  },
  'funds-received-rate': {
    explanation: ['实际到位资金与预算资金的比率，用以反映和考核资金落实情况对项目实施的总体保障程度。资金到位率 = 实际到位资金 ÷ 预算资金 × 100%。', 'Funds received as a share of the budget: received ÷ budgeted × 100%.'],
    criteria: ['得分 = 资金到位率 × 分值，资金全部到位的得满分。', 'Score = funds received rate × points; full points when all funds were received.'],
  },
  'budget-execution-rate': {
    explanation: ['项目预算资金是否按照计划执行，用以反映和考核项目预算执行情况。预算执行率 = 实际支出资金 ÷ 实际到位资金 × 100%。', 'Whether the budget was spent as planned: spent ÷ received × 100%.'],
    criteria: ['得分 = 预算执行率 × 分值。', 'Score = budget execution rate × points.'],
  },
  'fund-use-compliance': {
    explanation: ['项目资金使用是否符合相关的财务管理制度规定，用以反映和考核项目资金的规范运行情况。', 'Whether the funds were used according to the financial rules.'],
    criteria: [
      '符合国家财经法规、财务管理制度及专项资金管理办法规定的，得0.5分；资金拨付有完整审批程序和手续的，得0.5分；符合预算批复或合同规定用途的，得0.5分；不存在截留、挤占、挪用、虚列支出等情况的，得0.5分。',
      '0.5 points each: compliance with the financial rules; complete approval of payments; use as budgeted or contracted; no withholding, diversion or false expenditure.',
    ],
  },
  'financial-management': {
    explanation: ['社工站会计核算、凭证编制和财务档案是否规范，用以反映和考核项目财务管理的规范程度。', 'Whether the stations keep their accounts, vouchers and financial records properly.'],
    criteria: [
      '按规定设置账簿并及时登记的，得0.5分；及时编制会计凭证、凭证装订规范的，得0.5分；原始单据真实完整的，得0.5分；账账相符、账实相符的，得0.5分。',
      '0.5 points each: books kept and entered on time; vouchers prepared on time and bound properly; complete original receipts; books agreeing with each other and with assets.',
    ],
  },
  'rules-in-place': {
    explanation: ['项目实施单位的财务和业务管理制度是否健全，用以反映和考核管理制度对项目顺利实施的保障情况。', 'Whether the implementing units have complete financial and operational rules.'],
    criteria: ['已制定相应的财务和业务管理制度的，得1分；制度合法、合规、完整的，得1分。', '1 point if the rules exist; 1 point if they are lawful, compliant and complete.'],
  },
  'rules-enforced': {
    explanation: ['项目实施是否符合相关管理规定，用以反映和考核管理制度的有效执行情况。', 'Whether the project was carried out according to the rules.'],
    criteria: [
      '遵守相关法律法规和管理规定的，得1分；项目调整及支出调整手续完备，人员、场地设备、信息支撑等落实到位的，得1分。',
      '1 point for following laws and rules; 1 point if changes were approved properly and staff, premises and information systems were in place.',
    ],
  },
  'record-keeping': {
    explanation: ['社工服务档案和文书资料是否完整、规范，用以反映和考核项目资料管理情况。', 'Whether service records and documents are complete and orderly.'],
    criteria: [
      '建立服务档案管理制度的，得0.5分；服务对象基本信息、服务时间、服务内容、现场照片等记录完整的，得1分；档案分类归档、便于查阅的，得0.5分。',
      '0.5 points for a records policy; 1 point for complete records (recipient, time, content, photos); 0.5 points for records filed and easy to consult.',
    ],
  },
  'supervision-training': {
    explanation: ['社工服务机构是否按计划开展专业督导和培训，用以反映和考核社工队伍专业能力建设情况。', 'Whether supervision and training were given as planned.'],
    criteria: ['制定督导培训计划的，得0.5分；按计划开展督导、培训并有记录的，得1分；建立培训考核机制的，得0.5分。', '0.5 points for a plan; 1 point for supervision and training held and recorded; 0.5 points for assessing the training.'],
  },
  'team-stability': {
    explanation: ['评价期内社工人员的流动情况，用以反映和考核服务团队的稳定程度。', 'Staff turnover during the period.'],
    criteria: ['评价期内社工人员流失率不高于20%的，得满分；每高出5个百分点扣0.2分，扣完为止。', 'Full points at a turnover of 20% or less; 0.2 points off per 5 percentage points above, down to 0.'],
  },
  'completion-rate': {
    explanation: ['项目实施的实际产出数与计划产出数的比率，用以反映和考核项目产出数量目标的实现程度。', 'Actual outputs as a share of planned outputs.'],
    criteria: ['得分 = 实际完成率 × 分值，最高得满分。', 'Score = completion rate × points, at most full points.'],
  },
  'station-coverage': {
    explanation: ['已设立并运行的乡镇（街道）社工站占应设立数的比率，以及服务内容的完整程度，用以反映社工服务的覆盖情况。', 'Stations set up and running as a share of those planned, and how complete their services are.'],
    criteria: ['覆盖率100%且服务内容完整的，得满分；覆盖率每低1个百分点扣0.1分；服务覆盖面小、服务内容不完善的，酌情扣分。', 'Full points at 100% coverage with complete services; 0.1 points off per percentage point below; points off for narrow or incomplete services.'],
  },
  'service-visits': {
    explanation: ['评价期内社工站提供各类服务的人次与计划数的比较。', 'Service visits in the period against the plan.'],
    criteria: ['达到计划服务人次的，得满分；未达到的，按完成比例计分。', 'Full points when the plan is met; otherwise in proportion.'],
  },
  casework: {
    explanation: ['评价期内开展个案服务的数量与计划数的比较。', 'Casework cases in the period against the plan.'],
    criteria: ['达到计划数的，得满分；未达到的，按完成比例计分。', 'Full points when the plan is met; otherwise in proportion.'],
  },
  'group-work': {
    explanation: ['评价期内开展小组活动的数量与计划数的比较。', 'Group-work sessions in the period against the plan.'],
    criteria: ['达到计划数的，得满分；未达到的，按完成比例计分。', 'Full points when the plan is met; otherwise in proportion.'],
  },
  'community-activities': {
    explanation: ['评价期内开展社区活动的数量与计划数的比较。', 'Community activities in the period against the plan.'],
    criteria: ['达到计划数的，得满分；未达到的，按完成比例计分。', 'Full points when the plan is met; otherwise in proportion.'],
  },
  'quality-rate': {
    explanation: ['项目完成的质量达标产出数与实际产出数的比率，用以反映和考核项目产出质量目标的实现程度。', 'Outputs meeting the quality standard as a share of all outputs.'],
    criteria: ['得分 = 质量达标率 × 分值。', 'Score = quality compliance rate × points.'],
  },
  'certified-ratio': {
    explanation: ['持有社会工作者职业资格证书的人员占社工站工作人员的比例。', 'Certified social workers as a share of station staff.'],
    criteria: ['持证比例达到实施方案要求的，得满分；每低10个百分点扣0.5分，扣完为止。', 'Full points when the required share is met; 0.5 points off per 10 percentage points below, down to 0.'],
  },
  'staffing-rate': {
    explanation: ['社工人员配备达到实施方案要求的社工站占比。', 'Stations staffed as the plan requires, as a share of all stations.'],
    criteria: ['得分 = 配备达标率 × 分值。', 'Score = share of stations staffed to standard × points.'],
  },
  'service-standards': {
    explanation: ['社工服务是否按专业方法和流程开展（需求评估、服务计划、服务记录、成效评估）。', 'Whether services follow professional methods: needs assessment, service plan, records, outcome evaluation.'],
    criteria: ['需求评估、服务计划、服务过程记录、成效评估各环节完整规范的，各得0.75分。', '0.75 points for each of needs assessment, service plan, records and outcome evaluation done properly.'],
  },
  'timely-completion': {
    explanation: ['项目实际完成时间与计划完成时间的比较，用以反映和考核项目产出时效目标的实现程度。', 'Actual against planned completion time.'],
    criteria: ['按计划时间完成的，得满分；每延迟1个月扣0.5分，扣完为止。', 'Full points when on time; 0.5 points off per month late, down to 0.'],
  },
  'service-continuity': {
    explanation: ['服务购买合同到期与新合同之间服务是否接续，是否出现服务“空档期”。', 'Whether services continued between one purchase contract and the next, without a gap.'],
    criteria: ['服务无中断的，得满分；出现空档期的，每满1个月扣0.5分，扣完为止。', 'Full points without a gap; 0.5 points off per full month of gap, down to 0.'],
  },
  'cost-saving-rate': {
    explanation: ['完成项目计划工作目标的实际节约成本与计划成本的比率，用以反映和考核项目的成本节约程度。', 'Cost saved against the planned cost of the planned work.'],
    criteria: ['实际成本不超过计划成本的，得满分；超支的，按超支比例扣分。', 'Full points when within the planned cost; points off in proportion to any overrun.'],
  },
  'unit-cost': {
    explanation: ['项目支出与服务人次之比，与同类项目或当地标准比较。', 'Spending per service visit, against similar projects or local standards.'],
    criteria: ['不高于同类项目平均水平的，得满分；高出的，按比例扣分。', 'Full points when not above the average of similar projects; otherwise points off in proportion.'],
  },
  'social-benefits': {
    explanation: ['项目实施所产生的社会效益，如充实基层民政力量、提升基层治理和服务能力。', 'Social benefits, such as stronger grassroots civil-affairs capacity and better local governance and services.'],
    criteria: ['根据实地调研、访谈和佐证材料评判：效益显著的，得满分；较显著的，得分值的60%至80%；一般的，得分值的40%以下。', 'Judged from visits, interviews and evidence: full points when marked; 60% to 80% when fair; under 40% when slight.'],
  },
  sustainability: {
    explanation: ['项目实施对社会工作行业发展和服务机制建设的长期影响。', 'Lasting effects on the social-work sector and on service mechanisms.'],
    criteria: ['建立长效机制、具有可持续性的，得满分；机制尚不健全的，酌情扣分。', 'Full points when lasting mechanisms exist; points off where they are incomplete.'],
  },
  'vulnerable-support': {
    explanation: ['为特殊困难老年人、困境儿童、孤残人员等困难群体提供服务的成效。', 'Results of services for elderly people, children and disabled people in difficulty.'],
    criteria: ['建立困难群体台账并开展针对性服务、成效明显的，得满分；台账不全或服务覆盖不足的，酌情扣分。', 'Full points with a register and targeted services with clear results; points off for gaps.'],
  },
  'resource-linking': {
    explanation: ['社工站链接政府、社会、市场等资源服务群众的成效。', 'Resources from government, society and the market linked to serve residents.'],
    criteria: ['建立资源清单并有效链接资源的，得满分；链接资源较少或成效不明显的，酌情扣分。', 'Full points with a resource list and effective linking; points off when little was linked.'],
  },
  'org-incubation': {
    explanation: ['社工站孵化培育社区社会组织的数量和质量。', 'Community social organisations incubated: how many and how well they run.'],
    criteria: ['达到实施方案培育数量且组织运行良好的，得满分；未达到的，按比例计分。', 'Full points when the planned number runs well; otherwise in proportion.'],
  },
  volunteers: {
    explanation: ['社工站组建、培育志愿者队伍并开展志愿服务的情况。', 'Volunteer teams formed and trained, and the volunteer services they gave.'],
    criteria: ['组建志愿者队伍并定期开展服务的，得满分；队伍不稳定或服务较少的，酌情扣分。', 'Full points with a team serving regularly; points off for an unstable team or little service.'],
  },
  satisfaction: {
    explanation: ['服务对象对社工站服务的满意程度，以服务对象满意度问卷调查结果计，用以反映和考核服务对象对项目实施效果的满意程度。', 'How satisfied service recipients are, measured by the satisfaction survey.'],
    criteria: ['', ''],
  },
};

/** The pre-filled 指标解释 and 评分标准 of the reference template, in the template's language. */
export function referenceIndicatorFacts(locale: EvaluationLocale): Record<string, IndicatorFacts> {
  const i = locale === 'en' ? 1 : 0;
  return Object.fromEntries(Object.entries(TEXTS).map(([id, e]) => [id, { explanation: e.explanation[i]!, criteria: e.criteria[i]!, files: [], surveyRefs: [] }]));
}
