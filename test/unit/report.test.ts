import fc from 'fast-check';
import JSZip from 'jszip';
import { analysisTable, computeScorecard, fundingRates, newEvaluationData, type EvaluationData, type Evidence } from '../../server/domain/evaluation';
import { combineScores, effectiveScores, emptyPanel, expertResults, summarisePanel, type ExpertPanel } from '../../server/domain/experts';
import { problemCandidates } from '../../server/domain/report/candidates';
import { basesLines, compose, fundingCheckLines, indicatorSystemSentence, methodsText, processText, satisfactionParagraph } from '../../server/domain/report/compose';
import { evidenceExtension, matchesSignature, pruneFacts } from '../../server/domain/report/facts';
import { lockRefusals } from '../../server/domain/report/lock-checks';
import type { SurveySnapshot } from '../../server/domain/report/satisfaction';
import { chineseNumeral, formatSpan, ordinalSeries, reportText, sentence } from '../../server/domain/report/text';
import { fixZipTimes } from '../../server/documents/zip-times';
import { REFERENCE_FUNDING, REFERENCE_PROJECT, REFERENCE_SCORES } from '../../server/services/demo-seed';
import { REFERENCE_DEDUCTIONS, REFERENCE_FACTS } from '../../server/services/reference-report';

/** The reference evaluation as data: template, funding, the 36 scores (服务对象满意度 entered as 9.10), reasons and facts. */
function reference(over: Partial<EvaluationData> = {}): EvaluationData {
  const base = newEvaluationData({ ...REFERENCE_PROJECT }, 'zh-CN');
  const scores = { ...REFERENCE_SCORES, satisfaction: 9.1 };
  return {
    ...base,
    funding: REFERENCE_FUNDING,
    scores: Object.fromEntries(Object.entries(scores).map(([id, score]) => [id, { score, note: REFERENCE_DEDUCTIONS[id] ?? (id === 'satisfaction' ? '满意度未达目标值。' : '') }])),
    report: { ...REFERENCE_FACTS, indicators: base.report.indicators },
    ...over,
  };
}

function composeOf(data: EvaluationData, locale: 'zh-CN' | 'en' = 'zh-CN', surveys: SurveySnapshot[] = [], evidence: Record<string, Evidence> = {}) {
  const card = computeScorecard(data, evidence);
  return compose({ locale, name: data.project.name, isDemo: false, data, scorecard: card, analysis: analysisTable(card), rates: fundingRates(data.funding), surveys, ruleTexts: {}, timeZone: 'Asia/Shanghai', generatedAt: '2026-12-01T02:00:00.000Z', updatedAt: '2026-12-01T01:00:00.000Z', base: '/admin/evaluations/e1' });
}

function snapshot(over: Partial<SurveySnapshot> = {}): SurveySnapshot {
  return {
    surveyId: 's1',
    title: '社工站服务对象满意度调查',
    isDemo: false,
    indicatorIds: ['satisfaction'],
    firstDay: '2023-09-01',
    lastDay: '2023-09-30',
    stations: 3,
    stationsAnswered: 3,
    received: 310,
    valid: 300,
    recipients: 600,
    responseRate: 50,
    index: 81.9,
    indexCi: [80.12, 83.68],
    rate: 88.5,
    rateCi: [84.4, 91.7],
    required: 235,
    adequate: true,
    excluded: 4,
    ruledOut: 6,
    flags: { speeder: 6, straightline: 3 },
    qualityRules: ['speeder'],
    weights: [100, 80, 60, 40, 20],
    satisfiedLevels: [5, 4, 3],
    stationRows: [
      { code: 'A', name: '雄关街道社工站', recipients: 200, received: 110, valid: 105, index: 85.2, indexCi: [82, 88.4], rate: 92, rateCi: [85, 96], required: 132, adequate: false, responseRate: 52.5 },
      { code: 'B', name: '峪泉镇社工站', recipients: 200, received: 100, valid: 98, index: 78.1, indexCi: [75, 81.2], rate: 84, rateCi: [76, 90], required: 132, adequate: false, responseRate: 49 },
      { code: 'C', name: '文殊镇社工站', recipients: 200, received: 100, valid: 97, index: 81.5, indexCi: [78, 85], rate: 89, rateCi: [81, 94], required: 132, adequate: false, responseRate: 48.5 },
    ],
    dimensions: [],
    questions: [
      { id: 'q_attitude', text: '您对社工的服务态度是否满意？', type: 'likert5', n: 300, options: [{ label: '非常满意', count: 150, share: 50 }, { label: '满意', count: 90, share: 30 }, { label: '基本满意', count: 30, share: 10 }, { label: '不满意', count: 20, share: 6.67 }, { label: '非常不满意', count: 10, share: 3.33 }], index: 83.33, rate: 90 },
      { id: 'q_environment', text: '您对社工站的环境设施是否满意？', type: 'likert5', n: 280, options: [{ label: '非常满意', count: 80, share: 28.57 }, { label: '满意', count: 100, share: 35.71 }, { label: '基本满意', count: 60, share: 21.43 }, { label: '不满意', count: 30, share: 10.71 }, { label: '非常不满意', count: 10, share: 3.57 }, { label: '不了解/不适用', count: 20, share: null }], index: 74.86, rate: 85.71 },
    ],
    computedAt: '2023-10-01T00:00:00.000Z',
    ...over,
  };
}

const textOf = (doc: ReturnType<typeof compose>) =>
  [...doc.sections, ...doc.annexes]
    .flatMap((s) => [s.heading, ...s.blocks.flatMap((b) => (b.kind === 'table' ? b.rows.flatMap((r) => r.flatMap((c) => c.text)) : b.kind === 'chart' ? [b.title] : [b.text]))])
    .join('\n');

describe('report text', () => {
  it('writes counts and section numbers in Chinese numerals', () => {
    expect([1, 4, 7, 10, 11, 20, 36, 99].map(chineseNumeral)).toEqual(['一', '四', '七', '十', '十一', '二十', '三十六', '九十九']);
  });

  it('writes a span of days with the year once when both ends share it', () => {
    expect(formatSpan('2023-08-25', '2023-10-20', 'zh-CN')).toBe('2023年8月25日-10月20日');
    expect(formatSpan('2023-12-25', '2024-01-10', 'zh-CN')).toBe('2023年12月25日-2024年1月10日');
    expect(formatSpan('2023-08-25', null, 'zh-CN')).toBe('2023年8月25日');
    expect(formatSpan('2023-08-25', '2023-10-20', 'en')).toBe('25 August – 20 October 2023');
  });

  it('sets goals as the reference does: 一是…；二是…。 whatever punctuation they were typed with', () => {
    expect(ordinalSeries(['充实基层民政力量。', '强化资源整合；', ' 巩固脱贫攻坚成果 '], 'zh-CN')).toBe('一是充实基层民政力量；二是强化资源整合；三是巩固脱贫攻坚成果。');
    expect(ordinalSeries([], 'zh-CN')).toBe('');
    expect(sentence('文书档案管理不规范', 'zh-CN')).toBe('文书档案管理不规范。');
    expect(sentence('文书档案管理不规范。', 'zh-CN')).toBe('文书档案管理不规范。');
  });
});

describe('composing the report', () => {
  it('derives the 指标体系 sentence, 评价依据, 评价办法 and 工作过程 of the reference from the tree and the facts', () => {
    const data = reference();
    expect(indicatorSystemSentence(data, 'zh-CN')).toBe('围绕决策、过程、产出、效益四个维度构建绩效评价指标体系，其中：一级指标4个、二级指标11个、三级指标36个，决策等四个一级指标占比分别为15%、17%、34%、34%。');
    expect(basesLines(data.report, 'zh-CN')[0]).toBe('1.《甘肃省民政厅关于印发〈2022年度全省乡镇（街道）社会工作服务站设立实施方案〉的通知》（甘民发〔2021〕125号）；');
    expect(basesLines(data.report, 'zh-CN')[4]).toBe('5.《嘉峪关市乡镇（街道）设立省级示范社会工作服务站实施细则》。');
    expect(methodsText(data.report, 'zh-CN')).toBe('综合评分法、比较法、因素分析法、成本效益分析法、专家咨询法、公众满意度。');
    expect(methodsText({ ...data.report, methods: ['expert', 'comprehensive'], methodsOther: '文献分析法、 ' }, 'zh-CN')).toBe('综合评分法、专家咨询法、文献分析法。');
    expect(processText(data.report, 'zh-CN')).toBe('接受委托任务、拟定方案、开展培训、现场评价、撰写报告、结果应用（2023年8月25日-10月20日）。');
  });

  it('shows the two 核对提示 of the reference’s funding with their arithmetic, and none when the figures agree', () => {
    const t = reportText('zh-CN');
    expect(fundingCheckLines(reference(), t)).toEqual([
      '【核对提示】预算安排资金：60 + 139 = 199 ≠ 189（中央、省级、市级财政之和与合计不一致，万元）。',
      '【核对提示】结转结余资金：110.5 − 104.476 = 6.024 ≠ 7（实际到位资金 − 实际支出资金与结转结余资金不一致，万元）。',
    ]);
    const agreeing = { ...REFERENCE_FUNDING, budget: { total: 199, central: 0, provincial: 60, municipal: 139 }, carriedOver: 6.024 };
    expect(fundingCheckLines(reference({ funding: agreeing }), t)).toEqual([]);
  });

  it('composes the reference’s seven sections with its figures, and the 2020 outline’s seven sections from the same facts', () => {
    const doc = composeOf(reference());
    expect(doc.sections.map((s) => s.heading)).toEqual(['一、项目基本情况', '二、部门绩效目标', '三、评价基本情况', '四、评价结论和绩效分析', '五、存在问题', '六、有关对策建议', '七、其他需要说明的事项']);
    expect(doc.annexes.map((s) => s.heading)).toEqual(['附件1 指标体系及评分表']);
    expect(doc.cover).toMatchObject({ lines: ['嘉峪关市社会工作服务站项目'], subtitle: '绩效评价报告', facts: ['评价机构：甘肃道瑞科技咨询有限公司', '报告日期：2023年10月'] });
    expect(doc.generated).toBe('生成时间：2026-12-01 10:00（北京时间）');
    expect(doc.fixedAt).toBe('2026-12-01T01:00:00.000Z');
    const text = textOf(doc);
    for (const f of ['80.15 分', '95.00%', '96.47%', '75.88%', '69.71%', '80.15%', '94.55%']) expect(text).toContain(f);

    const mof = composeOf(reference({ report: { ...reference().report, outline: 'mof2020' } }));
    expect(mof.sections.map((s) => s.heading)).toEqual(['一、基本情况', '二、绩效评价工作开展情况', '三、综合评价情况及评价结论（附评分表）', '四、绩效评价指标分析', '五、主要经验及做法、存在的问题及原因分析', '六、有关建议', '七、其他需要说明的问题']);
    expect(textOf(mof)).toContain('产出类指标分值34分，得分25.80分，得分率75.88%。');
  });

  it('marks the score provisional while indicators are unscored, and prints a missing 扣分原因 as missing', () => {
    const data = reference();
    const { budgeting: _b, ...rest } = data.scores;
    const doc = composeOf({ ...data, scores: { ...rest, 'unit-cost': { score: 1.3, note: '' } } });
    const text = textOf(doc);
    expect(text).toContain('尚有1个指标未评分，评价得分和等级为暂定。');
    expect(text).toContain('（缺扣分原因）');
  });

  it('writes the satisfaction paragraph from the survey’s figures: period, stations, sample, respondents, index and rate with intervals, the estimator, exclusions', () => {
    const current: Partial<SurveySnapshot> = { estimator: 'stratified-population', respondents: 296, missingPopulation: [], insufficient: false, threshold: 60, allocation: 'proportional' };
    expect(satisfactionParagraph(snapshot(current), 'zh-CN')).toBe(
      '满意度调查：2023年9月1日-9月30日，对3个社工站的服务对象开展《社工站服务对象满意度调查》问卷调查，收回问卷310份，有效问卷300份（有效率96.77%），有效问卷约占服务对象600人的50%。' +
        '296位受访者回答了满意度题，满意度指数为81.9（95%置信区间80.12–83.68），满意率为88.5%（95%置信区间84.4%–91.7%）。' +
        '满意度指数以受访者为分析单位：每位受访者的得分为其满意度题答案按非常满意 100、满意 80、基本满意 60、不满意 40、非常不满意 20赋值后的平均值（“不了解/不适用”不计入）；满意率为平均得分达到60分的受访者所占比例；' +
        '总体结果按站点分层、以各站点服务对象人数加权（3个站点，各站点做有限总体校正）。指数区间按 t 分布计算，满意率区间按 Wilson 法计算；受访者不足5人时不给出区间。' +
        '共剔除无效问卷10份（人工剔除4份，按质量规则判定无效6份）。样本量达到抽样要求（需235份）。调查情况详见附件2。',
    );
    // A station without its number of service recipients: weighted by respondents, and the station named.
    expect(satisfactionParagraph(snapshot({ ...current, estimator: 'stratified-respondents', missingPopulation: ['峪泉镇社工站'] }), 'zh-CN')).toContain(
      '总体结果按站点分层；因峪泉镇社工站缺少服务对象人数，改以各站点有效受访者数加权（3个站点）。',
    );
    // Too few respondents: no interval, 样本不足.
    const few = satisfactionParagraph(snapshot({ ...current, respondents: 4, insufficient: true, indexCi: null, rateCi: null }), 'zh-CN');
    expect(few).toContain('4位受访者回答了满意度题，满意度指数为81.9（样本不足，不给出区间），满意率为88.5%。');
    expect(satisfactionParagraph(snapshot(current), 'en')).toContain('296 respondents answered a satisfaction question');
    // A snapshot frozen before the estimator was recorded keeps the wording of its time.
    expect(satisfactionParagraph(snapshot(), 'zh-CN')).toContain('满意率为选择非常满意、满意、基本满意的答案所占比例');
    const annex = textOf(composeOf(reference(), 'zh-CN', [snapshot(current)]));
    expect(annex).toContain('置信区间由受访者得分的方差计算');
    expect(annex).toContain('总体所需样本量为总体要求按服务对象人数分配到各站点的份额之和');
    expect(annex).not.toContain('按答案分值的均值和标准差计算');
    const doc = composeOf(reference(), 'zh-CN', [snapshot()]);
    expect(doc.annexes.map((a) => a.heading)).toEqual(['附件1 指标体系及评分表', '附件2 满意度调查情况']);
    const charts = doc.annexes[1]!.blocks.filter((b) => b.kind === 'chart');
    expect(charts.map((c) => c.kind === 'chart' && c.chart.labels.length)).toEqual([3, 2]);
    expect(textOf(doc)).toContain('选择“不了解/不适用”的答案不计入比例：“您对社工站的环境设施是否满意？”20份。');
  });
});

describe('expert scoring', () => {
  const panel = (sheets: Record<string, Record<string, number>>, over: Partial<ExpertPanel> = {}): ExpertPanel => ({
    ...emptyPanel(),
    sheets: Object.fromEntries(Object.entries(sheets).map(([id, scores]) => [id, { name: id, scores, updatedAt: '2026-12-01T00:00:00.000Z' }])),
    ...over,
  });

  it('gives three experts’ scores their mean, rounded once to 2 decimals', () => {
    expect(combineScores([3, 2, 2.5], 'auto')).toBe(2.5);
    expect(combineScores([2.5, 2.5, 3], 'auto')).toBe(2.67);
    expect(combineScores([2.1, 2.1, 2.1], 'auto')).toBe(2.1);
    expect(combineScores([], 'auto')).toBeNull();
  });

  it('drops the highest and the lowest score from five experts or more (auto), and never with the rule “mean”', () => {
    expect(combineScores([1, 2, 2, 2.5, 3], 'auto')).toBe(2.17);
    expect(combineScores([1, 2, 2, 2.5, 3], 'mean')).toBe(2.1);
    expect(combineScores([0, 2, 2, 2], 'auto')).toBe(1.5);
  });

  it('keeps the combined score within the experts’ range whatever they give (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 12 }), fc.constantFrom('auto' as const, 'mean' as const), (hundredths, rule) => {
        const scores = hundredths.map((h) => h / 100);
        const combined = combineScores(scores, rule)!;
        return combined >= Math.min(...scores) - 0.005 && combined <= Math.max(...scores) + 0.005;
      }),
    );
  });

  it('flags an indicator whose experts differ by more than the threshold, not by exactly it, until an agreed score settles it', () => {
    const p = panel({ a: { budgeting: 3, 'fund-allocation': 2 }, b: { budgeting: 1.5, 'fund-allocation': 1 } });
    const results = expertResults(p, ['budgeting', 'fund-allocation']);
    expect(results.map((r) => [r.indicatorId, r.spread, r.divergent, r.score])).toEqual([
      ['budgeting', 1.5, true, 2.25],
      ['fund-allocation', 1, false, 1.5],
    ]);
    expect(summarisePanel(p, ['budgeting', 'fund-allocation']).unresolved).toEqual(['budgeting']);
    const agreed = { ...p, consensus: { budgeting: { score: 2.5, note: '合议' } } };
    expect(summarisePanel(agreed, ['budgeting']).unresolved).toEqual([]);
    expect(effectiveScores({ budgeting: { score: 1, note: '扣分原因' } }, agreed, ['budgeting'])).toEqual({ budgeting: { score: 2.5, note: '扣分原因' } });
  });

  it('leaves entered scores alone where no expert scored, and the scorecard takes the experts’ result where they did', () => {
    const data = reference({ experts: panel({ a: { budgeting: 3 }, b: { budgeting: 2 } }) });
    const card = computeScorecard(data, {});
    expect(card.nodes.find((n) => n.id === 'budgeting')!.score).toBe(2.5);
    expect(card.nodes.find((n) => n.id === 'fund-allocation')!.score).toBe(2);
    expect(card.total).toBe(80.15);
  });
});

describe('before the lock', () => {
  it('asks for a 扣分原因 where an ordinary indicator lost points, not where a bound one did (its rule explains it)', () => {
    const data = reference();
    data.scores.budgeting = { score: 2.5, note: '  ' };
    data.bindings.satisfaction = { surveyIds: ['s1'], measure: 'index', rule: { kind: 'ratio', target: 90 } };
    const evidence: Evidence = { received: 10, valid: 10, index: 80, indexCi: null, rate: 90, rateCi: null, adequate: true, requiredSample: 5, computedAt: '2026-12-01T00:00:00.000Z' };
    const refusals = lockRefusals(data, computeScorecard(data, { satisfaction: evidence }));
    expect(refusals).toEqual({ missingReasons: [{ id: 'budgeting', name: '预算编制科学性' }], unresolved: [] });
  });
});

describe('candidates for 存在问题', () => {
  it('offers the indicators that lost most points, the lowest-rated questions and stations, marking those already taken', () => {
    const data = reference({ report: { ...reference().report, problems: [{ id: 'p1', text: '社会组织孵化能力有待加强。', cause: '', indicatorIds: [] }] } });
    const candidates = problemCandidates(data, computeScorecard(data, {}), [snapshot()], 'zh-CN');
    expect(candidates.slice(0, 2)).toEqual([
      { key: 'indicator:org-incubation', kind: 'indicator', text: '社会组织孵化能力有待加强。', indicatorIds: ['org-incubation'], taken: true },
      { key: 'indicator:resource-linking', kind: 'indicator', text: '资源链接能力不足。', indicatorIds: ['resource-linking'], taken: false },
    ]);
    expect(candidates.filter((c) => c.kind === 'question').map((c) => c.text)).toEqual([
      '服务对象对“您对社工站的环境设施是否满意？”的评价较低：满意度指数74.86，满意率85.71%。',
      '服务对象对“您对社工的服务态度是否满意？”的评价较低：满意度指数83.33，满意率90%。',
    ]);
    expect(candidates.filter((c) => c.kind === 'station').map((c) => c.key)).toEqual(['station:s1:B', 'station:s1:C', 'station:s1:A']);
  });
});

describe('report facts', () => {
  it('keeps only what still points somewhere after the tree changes', () => {
    const facts = reference().report;
    const pruned = pruneFacts({ ...facts, problems: facts.problems.slice(0, 2) }, new Set(['station-coverage', 'budgeting']));
    expect(Object.keys(pruned.indicators).sort()).toEqual(['budgeting', 'station-coverage']);
    expect(pruned.problems.map((p) => p.indicatorIds)).toEqual([['station-coverage'], []]);
    expect(pruned.suggestions.map((s) => s.problemIds).slice(0, 3)).toEqual([['p1'], ['p2'], []]);
  });

  it('accepts evidence by extension only when the bytes start as that kind of file must', () => {
    expect(evidenceExtension('照片.JPG')).toBe('jpg');
    expect(evidenceExtension('setup.exe')).toBeNull();
    expect(evidenceExtension('无扩展名')).toBeNull();
    expect(matchesSignature('pdf', Buffer.from('%PDF-1.7'))).toBe(true);
    expect(matchesSignature('pdf', Buffer.from('<html>'))).toBe(false);
    expect(matchesSignature('docx', Buffer.from('PK\x03\x04rest', 'latin1'))).toBe(true);
    expect(matchesSignature('webp', Buffer.from('RIFF\x00\x00\x00\x00WEBPVP8 ', 'latin1'))).toBe(true);
    expect(matchesSignature('webp', Buffer.from('RIFF\x00\x00\x00\x00WAVEfmt ', 'latin1'))).toBe(false);
  });
});

describe('ZIP entry times', () => {
  it('sets every entry’s time to the moment given, whenever the file was packed, and leaves the content readable', async () => {
    const pack = async () => {
      const zip = new JSZip();
      zip.file('a.txt', 'one', { date: new Date() });
      zip.file('dir/b.xml', '<b/>', { date: new Date(Date.now() - 3_600_000) });
      return zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' });
    };
    const at = new Date('2023-10-20T08:30:14.000Z');
    const first = fixZipTimes(await pack(), at);
    await new Promise((r) => setTimeout(r, 2100));
    const second = fixZipTimes(await pack(), at);
    expect(second.equals(first)).toBe(true);
    const read = await JSZip.loadAsync(first);
    expect(await read.file('dir/b.xml')!.async('string')).toBe('<b/>');
    // MS-DOS time keeps even seconds; JSZip reads it in the local zone, so compare the fields.
    const d = read.file('a.txt')!.date;
    expect([d.getFullYear(), d.getMonth() + 1, d.getDate(), d.getHours(), d.getMinutes(), d.getSeconds()]).toEqual([2023, 10, 20, 8, 30, 14]);
  });
});
