import {
  analysisTable,
  applyRule,
  bindingSchema,
  checkBindings,
  checkEvaluation,
  checkScores,
  checkTree,
  computeScorecard,
  DEFAULT_GRADES,
  evaluationDataSchema,
  evaluationText,
  flattenTree,
  formatPercent,
  formatScore,
  fundingRates,
  gradeKey,
  gradeOf,
  leavesOf,
  newEvaluationData,
  rateOf,
  referenceTemplate,
  roundTo,
  ruleText,
  scorecardEvidence,
  scoreBinding,
  scoringRuleSchema,
  type Binding,
  type EvaluationData,
  type Evidence,
  type EvaluationMessageKey,
  type Funding,
  type IndicatorNode,
  type ScoringRule,
} from '../../server/domain/evaluation';
import { emptyPanel } from '../../server/domain/experts';
import { emptyReportFacts } from '../../server/domain/report/facts';
import * as catalog from '../../server/i18n/areas/evaluation';
import * as estimationCatalog from '../../server/i18n/areas/estimation';
import * as fundingCatalog from '../../server/i18n/areas/funding';
import * as casesCatalog from '../../server/i18n/areas/cases-evaluation';

/** The messages the evaluation domain speaks from (its own area, 资金情况's checks and the estimators' names). */
const evaluationZh: Record<EvaluationMessageKey, string> = { ...catalog.zh, ...fundingCatalog.zh, ...estimationCatalog.zh, ...casesCatalog.zh };

const evidence = (over: Partial<Evidence> = {}): Evidence => ({
  received: 120,
  valid: 100,
  index: 88,
  indexCi: [85.2, 90.8],
  rate: 92,
  rateCi: [85.0, 96.0],
  adequate: true,
  requiredSample: 80,
  computedAt: '2026-12-02T08:00:00.000Z',
  ...over,
});

const leaf = (id: string, points: number): IndicatorNode => ({ id, name: id, points, children: [] });
const group = (id: string, points: number, children: IndicatorNode[]): IndicatorNode => ({ id, name: id, points, children });

/** A small valid tree: two dimensions of 60 and 40 points. */
const smallTree = (): IndicatorNode[] => [
  group('d1', 60, [group('g1', 60, [leaf('a', 30), leaf('b', 30)])]),
  group('d2', 40, [group('g2', 40, [leaf('c', 25), leaf('sat', 15)])]),
];

const ratio = (target = 90): ScoringRule => ({ kind: 'ratio', target });
const BANDS: ScoringRule = {
  kind: 'bands',
  bands: [
    { min: 80, share: 0.7 },
    { min: 95, share: 1 },
    { min: 90, share: 0.9 },
  ],
};

describe('applyRule: ratio (points × min(S ÷ target, 1))', () => {
  it('gives full points exactly at the target', () => {
    expect(applyRule(10, ratio(90), 90)).toBe(10);
  });

  it('never gives more than full points above the target', () => {
    expect(applyRule(10, ratio(90), 99.5)).toBe(10);
    expect(applyRule(10, ratio(90), 100)).toBe(10);
  });

  it('scales below the target and reaches 0 at S = 0', () => {
    expect(applyRule(10, ratio(90), 81)).toBe(9);
    expect(applyRule(10, ratio(90), 45)).toBe(5);
    expect(applyRule(10, ratio(90), 0)).toBe(0);
  });

  it('rounds once, to 2 decimals, without binary noise', () => {
    expect(2 * (50.4 / 90)).toBe(1.1199999999999999);
    expect(applyRule(2, ratio(90), 50.4)).toBe(1.12);
    expect(applyRule(10, ratio(90), 81.9)).toBe(9.1);
    expect(applyRule(10, ratio(90), 86.66667)).toBe(9.63);
  });

  it('uses 90% as the target when none is given', () => {
    expect(scoringRuleSchema.parse({ kind: 'ratio' })).toEqual({ kind: 'ratio', target: 90 });
  });
});

describe('applyRule: threshold (deduction per percentage point below the target)', () => {
  const rule: ScoringRule = { kind: 'threshold', target: 90, deductionPerPoint: 0.5 };

  it('gives full points exactly at and above the target', () => {
    expect(applyRule(10, rule, 90)).toBe(10);
    expect(applyRule(10, rule, 97)).toBe(10);
  });

  it('deducts per percentage point below the target', () => {
    expect(applyRule(10, rule, 87.5)).toBe(8.75);
    expect(applyRule(10, rule, 89.9)).toBe(9.95);
  });

  it('floors far-below scores at 0, never negative', () => {
    expect(applyRule(10, rule, 70)).toBe(0);
    expect(applyRule(10, rule, 0)).toBe(0);
    expect(applyRule(10, { kind: 'threshold', target: 90, deductionPerPoint: 1 }, 80.01)).toBe(0.01);
  });
});

describe('applyRule: bands (share of the highest band reached)', () => {
  it('gives a band’s share exactly at its minimum', () => {
    expect(applyRule(10, BANDS, 95)).toBe(10);
    expect(applyRule(10, BANDS, 90)).toBe(9);
    expect(applyRule(10, BANDS, 80)).toBe(7);
  });

  it('uses the highest band whose minimum is reached, whatever the order given', () => {
    expect(applyRule(10, BANDS, 94.99)).toBe(9);
    expect(applyRule(10, BANDS, 100)).toBe(10);
  });

  it('gives 0 below every band', () => {
    expect(applyRule(10, BANDS, 79.99)).toBe(0);
    expect(applyRule(10, BANDS, 0)).toBe(0);
  });
});

describe('applyRule: linear (0 at the floor, full at the target)', () => {
  const rule: ScoringRule = { kind: 'linear', floor: 60, target: 90 };

  it('gives 0 at and below the floor', () => {
    expect(applyRule(10, rule, 60)).toBe(0);
    expect(applyRule(10, rule, 20)).toBe(0);
  });

  it('gives full points at and above the target', () => {
    expect(applyRule(10, rule, 90)).toBe(10);
    expect(applyRule(10, rule, 95)).toBe(10);
  });

  it('interpolates between floor and target', () => {
    expect(applyRule(10, rule, 75)).toBe(5);
    expect(applyRule(12, rule, 80)).toBe(8);
  });

  it('treats floor = target as a step at the target, never dividing by zero', () => {
    const step: ScoringRule = { kind: 'linear', floor: 85, target: 85 };
    expect(applyRule(10, step, 85)).toBe(10);
    expect(applyRule(10, step, 84.99)).toBe(0);
    expect(applyRule(10, step, 100)).toBe(10);
    expect(applyRule(10, { kind: 'linear', floor: 0, target: 0 }, 0)).toBe(10);
  });
});

describe('scoreBinding: a bound indicator scored from its evidence', () => {
  const binding: Pick<Binding, 'measure' | 'rule'> = { measure: 'index', rule: ratio(90) };

  it('scores from the satisfaction index and explains the figure it used', () => {
    const result = scoreBinding(10, binding, evidence({ index: 81, valid: 64 }));
    expect(result).toEqual({
      status: 'scored',
      score: 9,
      value: 81,
      valid: 64,
      explanation: { key: 'evaluation.explain.index', params: { value: '81', n: 64, score: '9', points: '10' } },
    });
    expect(evaluationText(result.explanation, 'zh-CN')).toBe('满意度指数 81（有效答卷 64 份），得 9 分（分值 10 分）');
  });

  it('names the estimator its figure comes from (stratified by station, and how it is weighted)', () => {
    const byPopulation = scoreBinding(10, binding, evidence({ index: 81, valid: 64, estimator: 'stratified-population', respondents: 60 }));
    expect(byPopulation.explanation).toEqual({ key: 'est.explain.index.stratified-population', params: { value: '81', n: 64, score: '9', points: '10', respondents: 60 } });
    expect(evaluationText(byPopulation.explanation, 'zh-CN')).toBe('满意度指数 81（按站点分层、服务对象人数加权；受访者 60 人，有效答卷 64 份），得 9 分（分值 10 分）');
    const byRespondents = scoreBinding(10, { measure: 'rate', rule: ratio(90) }, evidence({ rate: 99, estimator: 'stratified-respondents', respondents: 70 }));
    expect(evaluationText(byRespondents.explanation, 'en')).toBe('satisfaction rate 99% (stratified by station, weighted by respondents; 70 respondents, 100 valid responses): 10 of 10 points');
  });

  it('reads the satisfaction rate when the binding measures the rate', () => {
    const result = scoreBinding(10, { measure: 'rate', rule: ratio(90) }, evidence({ index: 50, rate: 99 }));
    expect(result).toMatchObject({ status: 'scored', score: 10, value: 99, explanation: { key: 'evaluation.explain.rate' } });
  });

  it('reports no evidence, not 0, when there is no evidence at all', () => {
    for (const missing of [null, undefined]) {
      expect(scoreBinding(10, binding, missing)).toEqual({ status: 'no-evidence', score: null, value: null, valid: 0, explanation: { key: 'evaluation.explain.noEvidence', params: {} } });
    }
  });

  it('reports no evidence when no response is valid, whatever figures come with it', () => {
    const result = scoreBinding(10, binding, evidence({ received: 12, valid: 0, index: 0, rate: 0 }));
    expect(result.status).toBe('no-evidence');
    expect(result.score).toBeNull();
  });

  it('reports no evidence when the measured figure is missing', () => {
    expect(scoreBinding(10, { measure: 'rate', rule: ratio() }, evidence({ rate: null })).status).toBe('no-evidence');
    expect(scoreBinding(10, { measure: 'index', rule: ratio() }, evidence({ index: null })).status).toBe('no-evidence');
  });
});

describe('ruleText: the rule in words', () => {
  it('states a ratio rule in Chinese and English', () => {
    expect(ruleText(ratio(90), 'zh-CN')).toBe('得分 = 分值 × min(满意度 ÷ 90%, 1)');
    expect(ruleText(ratio(92.5), 'en')).toBe('score = points × min(S ÷ 92.5%, 1)');
  });

  it('states a threshold rule', () => {
    const rule: ScoringRule = { kind: 'threshold', target: 90, deductionPerPoint: 0.5 };
    expect(ruleText(rule, 'zh-CN')).toBe('满意度 ≥ 90% 得满分；低于 90% 时每低 1 个百分点扣 0.5 分，扣完为止');
    expect(ruleText(rule, 'en')).toBe('full points when S ≥ 90%; below 90%, 0.5 points off per percentage point, down to 0');
  });

  it('states bands from the highest down', () => {
    expect(ruleText(BANDS, 'zh-CN')).toBe(
      '按满意度分档计分：满意度 ≥ 95% 得分值的 100%；满意度 ≥ 90% 得分值的 90%；满意度 ≥ 80% 得分值的 70%；低于最低档得 0 分',
    );
    expect(ruleText(BANDS, 'en')).toBe('by bands of S: S ≥ 95%: 100% of the points; S ≥ 90%: 90% of the points; S ≥ 80%: 70% of the points; below the lowest band, 0');
  });

  it('states a linear rule, and a step when floor equals target', () => {
    expect(ruleText({ kind: 'linear', floor: 60, target: 90 }, 'zh-CN')).toBe('满意度 ≤ 60% 得 0 分，≥ 90% 得满分，其间得分 = 分值 × (满意度 − 60) ÷ (90 − 60)');
    expect(ruleText({ kind: 'linear', floor: 60, target: 90 }, 'en')).toBe('0 when S ≤ 60%, full points when S ≥ 90%, in between score = points × (S − 60) ÷ (90 − 60)');
    expect(ruleText({ kind: 'linear', floor: 85, target: 85 }, 'zh-CN')).toBe('满意度 ≥ 85% 得满分，否则得 0 分');
    expect(ruleText({ kind: 'linear', floor: 85, target: 85 }, 'en')).toBe('full points when S ≥ 85%, otherwise 0');
  });
});

describe('scoring rule and binding schemas', () => {
  it('accepts each kind of rule', () => {
    for (const rule of [ratio(90), { kind: 'threshold', target: 90, deductionPerPoint: 0.5 }, BANDS, { kind: 'linear', floor: 60, target: 90 }, { kind: 'linear', floor: 85, target: 85 }]) {
      expect(scoringRuleSchema.safeParse(rule).success).toBe(true);
    }
  });

  it('rejects a floor above the target, bands that repeat a minimum or pay less for more, shares above 1, unknown kinds', () => {
    const bad = [
      { kind: 'linear', floor: 91, target: 90 },
      { kind: 'bands', bands: [{ min: 90, share: 1 }, { min: 90, share: 0.5 }] },
      { kind: 'bands', bands: [{ min: 95, share: 0.8 }, { min: 90, share: 0.9 }] },
      { kind: 'bands', bands: [{ min: 95, share: 1.2 }] },
      { kind: 'bands', bands: [] },
      { kind: 'ratio', target: 0 },
      { kind: 'ratio', target: 120 },
      { kind: 'threshold', target: 90, deductionPerPoint: 0 },
      { kind: 'magic', target: 90 },
    ];
    for (const rule of bad) expect(`${JSON.stringify(rule)}:${scoringRuleSchema.safeParse(rule).success}`).toBe(`${JSON.stringify(rule)}:false`);
  });

  it('needs at least one survey, real days and a period that does not end before it starts', () => {
    const ok = { surveyIds: ['s1'], measure: 'index', rule: { kind: 'ratio' } };
    expect(bindingSchema.parse(ok)).toEqual({ surveyIds: ['s1'], measure: 'index', rule: { kind: 'ratio', target: 90 } });
    expect(bindingSchema.safeParse({ ...ok, dayFrom: '2023-01-01', dayTo: '2023-01-01' }).success).toBe(true);
    expect(bindingSchema.safeParse({ ...ok, surveyIds: [] }).success).toBe(false);
    expect(bindingSchema.safeParse({ ...ok, surveyIds: ['s1', 's1'] }).success).toBe(false);
    expect(bindingSchema.safeParse({ ...ok, dayFrom: '2023-13-01' }).success).toBe(false);
    expect(bindingSchema.safeParse({ ...ok, dayFrom: '2023-05-02', dayTo: '2023-05-01' }).success).toBe(false);
    expect(bindingSchema.safeParse({ ...ok, measure: 'median' }).success).toBe(false);
  });
});

describe('checkTree: where the tree does not add up', () => {
  it('finds nothing wrong with a tree that adds up', () => {
    expect(checkTree(smallTree())).toEqual([]);
  });

  it('reports a parent whose points differ from its children’s sum', () => {
    const tree = smallTree();
    tree[0]!.children[0]!.children[1]!.points = 25;
    expect(checkTree(tree)).toEqual([{ nodeId: 'g1', key: 'evaluation.tree.sumMismatch', params: { name: 'g1', points: '60', sum: '55' } }]);
  });

  it('reports a dimension whose groups do not add up to it', () => {
    const tree = smallTree();
    tree[1]!.points = 45;
    expect(checkTree(tree)).toEqual([
      { nodeId: 'd2', key: 'evaluation.tree.sumMismatch', params: { name: 'd2', points: '45', sum: '40' } },
      { nodeId: null, key: 'evaluation.tree.totalNot100', params: { sum: '105' } },
    ]);
  });

  it('reports first-level points that do not total 100, including an empty tree', () => {
    const tree = smallTree().slice(0, 1);
    expect(checkTree(tree)).toEqual([{ nodeId: null, key: 'evaluation.tree.totalNot100', params: { sum: '60' } }]);
    expect(checkTree([])).toEqual([{ nodeId: null, key: 'evaluation.tree.totalNot100', params: { sum: '0' } }]);
  });

  it('compares in hundredths, so decimal points that add up are not reported', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    const tree = [
      group('d1', 33.33, [group('g1', 33.33, [leaf('a', 11.11), leaf('b', 22.22)])]),
      group('d2', 33.33, [group('g2', 33.33, [leaf('c', 33.33)])]),
      group('d3', 33.34, [group('g3', 0.3, [leaf('e', 0.1), leaf('f', 0.2)]), group('g4', 33.04, [leaf('g', 33.04)])]),
    ];
    expect(checkTree(tree)).toEqual([]);
  });

  it('reports duplicate ids', () => {
    const tree = smallTree();
    tree[1]!.children[0]!.children[0]!.id = 'a';
    expect(checkTree(tree)).toEqual([{ nodeId: 'a', key: 'evaluation.tree.duplicateId', params: { id: 'a', name: 'c' } }]);
  });

  it('reports dimensions and groups without indicators, and indicators below level 3', () => {
    const tree = [
      group('d1', 50, []),
      group('d2', 50, [group('g2', 30, []), group('g3', 20, [group('deep', 20, [leaf('x', 20)])])]),
    ];
    expect(checkTree(tree)).toEqual([
      { nodeId: 'd1', key: 'evaluation.tree.needsChildren', params: { name: 'd1', level: 1 } },
      { nodeId: 'g2', key: 'evaluation.tree.needsChildren', params: { name: 'g2', level: 2 } },
      { nodeId: 'deep', key: 'evaluation.tree.tooDeep', params: { name: 'deep' } },
    ]);
  });
});

describe('checkScores and checkBindings', () => {
  const data = (scores: EvaluationData['scores']) => ({ tree: smallTree(), scores });

  it('accepts scores from 0 up to exactly the points, and a note without a score', () => {
    expect(checkScores(data({ a: { score: 0, note: '' }, b: { score: 30, note: '' }, c: { score: null, note: '待核实' } }))).toEqual([]);
  });

  it('reports a score above the indicator’s points', () => {
    expect(checkScores(data({ a: { score: 30.01, note: '' } }))).toEqual([
      { nodeId: 'a', key: 'evaluation.score.aboveMax', params: { name: 'a', score: '30.01', points: '30' } },
    ]);
  });

  it('reports a negative score', () => {
    expect(checkScores(data({ c: { score: -1, note: '' } }))).toEqual([{ nodeId: 'c', key: 'evaluation.score.negative', params: { name: 'c', score: '-1', points: '25' } }]);
  });

  it('reports a score on a parent and a score for an indicator that does not exist', () => {
    expect(checkScores(data({ g1: { score: 50, note: '' }, gone: { score: 1, note: '' } }))).toEqual([
      { nodeId: 'g1', key: 'evaluation.score.notLeaf', params: { name: 'g1', score: '50', points: '60' } },
      { nodeId: 'gone', key: 'evaluation.score.unknownIndicator', params: { id: 'gone' } },
    ]);
  });

  it('reports bindings to a missing indicator or to a parent', () => {
    const binding: Binding = { surveyIds: ['s1'], measure: 'index', rule: ratio() };
    expect(checkBindings({ tree: smallTree(), bindings: { sat: binding } })).toEqual([]);
    expect(checkBindings({ tree: smallTree(), bindings: { g2: binding, nope: binding } })).toEqual([
      { nodeId: 'g2', key: 'evaluation.binding.notLeaf', params: { name: 'g2' } },
      { nodeId: 'nope', key: 'evaluation.binding.unknownIndicator', params: { id: 'nope' } },
    ]);
  });
});

/** The 资金情况 of the reference report as printed, in 万元 (see test/unit/funding.test.ts for the funding rules). */
const REPORT_FUNDING: Funding = {
  budget: { total: 189, central: 0, provincial: 60, municipal: 139 },
  received: { total: 110.5, central: 0, provincial: 60, municipal: 50.5 },
  spent: 104.476,
  carriedOver: 7,
};

describe('grades, rounding and rates', () => {
  it('grades 优 from 90, 良 from 80, 中 from 60, else 差, a total exactly at a threshold earning that grade', () => {
    expect([100, 90, 89.99, 80, 79.99, 60, 59.99, 0].map((t) => gradeOf(t))).toEqual(['excellent', 'excellent', 'good', 'good', 'fair', 'fair', 'poor', 'poor']);
    expect(gradeOf(80.15)).toBe('good');
  });

  it('uses an evaluation’s own thresholds', () => {
    const strict = { excellent: 95, good: 85, fair: 70 };
    expect([95, 94.99, 85, 70, 69.99].map((t) => gradeOf(t, strict))).toEqual(['excellent', 'good', 'good', 'fair', 'poor']);
  });

  it('names grades by catalog key (优/良/中/差)', () => {
    expect(['excellent', 'good', 'fair', 'poor'].map((g) => evaluationZh[gradeKey(g as 'good')])).toEqual(['优', '良', '中', '差']);
  });

  it('rounds half away from zero as printed figures are rounded, never returning -0', () => {
    expect(roundTo(1.005, 2)).toBe(1.01);
    expect(roundTo(0.96470588, 4)).toBe(0.9647);
    expect(roundTo(9.100000000000001, 2)).toBe(9.1);
    expect(Object.is(roundTo(-0.001, 2), 0)).toBe(true);
  });

  it('gives a null rate for a zero denominator and formats rates and scores as the report does', () => {
    expect(rateOf(5, 0)).toBeNull();
    expect(rateOf(0, 10)).toBe(0);
    expect(formatPercent(0.95)).toBe('95.00%');
    expect(formatScore(16.4)).toBe('16.40');
    expect(formatScore(null)).toBe('—');
  });
});

describe('computeScorecard: rolling scores up the tree', () => {
  const binding: Binding = { surveyIds: ['s1'], measure: 'index', rule: ratio(90) };
  const base = () => ({ tree: smallTree(), scores: {} as EvaluationData['scores'], bindings: {} as EvaluationData['bindings'], grades: { excellent: 90, good: 80, fair: 60 } });
  const byId = (card: ReturnType<typeof computeScorecard>, id: string) => card.nodes.find((n) => n.id === id)!;

  it('sums leaves into groups and dimensions, with rates, a total and a grade', () => {
    const data = { ...base(), scores: { a: { score: 28.5, note: '' }, b: { score: 27, note: '依据充分' }, c: { score: 20, note: '' } }, bindings: { sat: binding } };
    const card = computeScorecard(data, { sat: evidence({ index: 81 }) });
    expect(card.nodes.map((n) => [n.id, n.level, n.parentId])).toEqual([
      ['d1', 1, null],
      ['g1', 2, 'd1'],
      ['a', 3, 'g1'],
      ['b', 3, 'g1'],
      ['d2', 1, null],
      ['g2', 2, 'd2'],
      ['c', 3, 'g2'],
      ['sat', 3, 'g2'],
    ]);
    expect(byId(card, 'g1')).toMatchObject({ score: 55.5, rate: 0.925, status: 'scored', missing: 0, leaf: false });
    expect(byId(card, 'b')).toMatchObject({ score: 27, rate: 0.9, status: 'scored', note: '依据充分' });
    expect(byId(card, 'sat')).toMatchObject({ score: 13.5, rate: 0.9, status: 'bound', value: 81, measure: 'index', rule: binding.rule });
    expect(card.dimensions).toEqual([
      { id: 'd1', name: 'd1', points: 60, score: 55.5, rate: 0.925, missing: 0 },
      { id: 'd2', name: 'd2', points: 40, score: 33.5, rate: 0.8375, missing: 0 },
    ]);
    expect(card).toMatchObject({ points: 100, total: 89, rate: 0.89, grade: 'good', complete: true, missing: 0 });
  });

  it('rounds each indicator’s score to 2 decimals first and sums the rounded scores exactly (the rounding rule)', () => {
    // Three indicators of 5 points bound to an index of 89 under ratio 90%: each earns 5 × 89 ÷ 90 = 4.9444… → 4.94.
    const fives = (ids: string[]) => ids.map((id) => leaf(id, 5));
    const tree = [group('d', 100, [group('g', 15, fives(['x', 'y', 'z'])), group('h', 85, [leaf('rest', 85)])])];
    const bindings = Object.fromEntries(['x', 'y', 'z'].map((id) => [id, { surveyIds: ['s'], measure: 'index' as const, rule: ratio(90) }]));
    const card = computeScorecard({ tree, grades: DEFAULT_GRADES, scores: { rest: { score: 0.01, note: '' } }, bindings }, { x: evidence({ index: 89 }), y: evidence({ index: 89 }), z: evidence({ index: 89 }) });
    expect(['x', 'y', 'z'].map((id) => byId(card, id).score)).toEqual([4.94, 4.94, 4.94]);
    // 14.82, the sum of the rounded scores, not 14.83 (the rounded sum of 14.8333…).
    expect(byId(card, 'g').score).toBe(14.82);
    // Sums are in whole hundredths: 14.82 + 0.01 is 14.83, not 14.830000000000002.
    expect(card.total).toBe(14.83);
    // A rate is the only other rounding: 14.83 ÷ 100 to 4 decimals.
    expect(card.rate).toBe(0.1483);
    expect(byId(card, 'g').rate).toBe(0.988);
  });

  it('counts an unscored leaf as 0 but reports it, so the card is not complete', () => {
    const data = { ...base(), scores: { a: { score: 30, note: '' }, c: { score: 25, note: '' } }, bindings: { sat: binding } };
    const card = computeScorecard(data, { sat: evidence({ index: 90 }) });
    expect(byId(card, 'b')).toMatchObject({ score: null, rate: null, status: 'unscored', missing: 1 });
    expect(byId(card, 'g1')).toMatchObject({ score: 30, status: 'unscored', missing: 1 });
    expect(card).toMatchObject({ total: 70, complete: false, missing: 1 });
  });

  it('leaves a bound indicator without evidence unscored as no-evidence, never as a silent 0', () => {
    const data = { ...base(), scores: { a: { score: 30, note: '' }, b: { score: 30, note: '' }, c: { score: 25, note: '' } }, bindings: { sat: binding } };
    for (const live of [{}, { sat: null }, { sat: evidence({ valid: 0, received: 3 }) }]) {
      const card = computeScorecard(data, live);
      expect(byId(card, 'sat')).toMatchObject({ score: null, rate: null, status: 'no-evidence', missing: 1, explanation: { key: 'evaluation.explain.noEvidence' } });
      expect(byId(card, 'd2')).toMatchObject({ score: 25, status: 'unscored', missing: 1 });
      expect(card).toMatchObject({ total: 85, complete: false });
    }
  });

  it('scores a bound indicator from its evidence even when a score was also entered', () => {
    const data = { ...base(), scores: { sat: { score: 1, note: '访谈情况良好' } }, bindings: { sat: binding } };
    const card = computeScorecard(data, { sat: evidence({ index: 95 }) });
    expect(byId(card, 'sat')).toMatchObject({ score: 15, status: 'bound', note: '访谈情况良好' });
  });

  it('keeps an entered score within 0…points (checkScores reports the entry)', () => {
    const data = { ...base(), scores: { a: { score: 45, note: '' }, b: { score: -3, note: '' } } };
    const card = computeScorecard(data, {});
    expect(byId(card, 'a').score).toBe(30);
    expect(byId(card, 'b').score).toBe(0);
    expect(checkScores(data).map((p) => p.key)).toEqual(['evaluation.score.aboveMax', 'evaluation.score.negative']);
  });

  it('gives a null rate to an indicator worth 0 points', () => {
    const tree = [group('d1', 100, [group('g1', 100, [leaf('a', 100), leaf('zero', 0)])])];
    const card = computeScorecard({ ...base(), tree, scores: { a: { score: 100, note: '' }, zero: { score: 0, note: '' } } }, {});
    expect(byId(card, 'zero')).toMatchObject({ score: 0, rate: null, status: 'scored' });
    expect(card).toMatchObject({ total: 100, grade: 'excellent', complete: true });
  });

  it('grades the total at the 90/80/60 boundaries', () => {
    const at = (score: number) => computeScorecard({ ...base(), tree: [group('d', 100, [group('g', 100, [leaf('x', 100)])])], scores: { x: { score, note: '' } } }, {}).grade;
    expect([90, 89.99, 80, 79.99, 60, 59.99].map(at)).toEqual(['excellent', 'good', 'good', 'fair', 'fair', 'poor']);
  });

  it('is not complete for an empty tree', () => {
    expect(computeScorecard({ ...base(), tree: [] }, {})).toMatchObject({ nodes: [], dimensions: [], points: 0, total: 0, rate: null, complete: false });
  });

  it('uses the evidence frozen in the lock once the evaluation is locked', () => {
    const frozen = evidence({ index: 72 });
    const live = { sat: evidence({ index: 99 }) };
    const lock = { at: '2023-10-20T08:00:00.000Z', by: 'wang', evidence: { sat: frozen } };
    expect(scorecardEvidence({ lock }, live)).toBe(lock.evidence);
    expect(scorecardEvidence({ lock: null }, live)).toBe(live);
    const card = computeScorecard({ ...base(), bindings: { sat: binding } }, scorecardEvidence({ lock }, live));
    expect(byId(card, 'sat')).toMatchObject({ score: 12, value: 72, evidence: frozen });
  });
});

const REQUIRED_LEAVES = [
  '立项依据充分性', '立项程序规范性', '绩效目标合理性', '绩效指标明确性', '预算编制科学性', '资金分配合理性',
  '资金到位率', '预算执行率', '资金使用合规性', '管理制度健全性', '制度执行有效性', '实际完成率', '质量达标率',
  '完成及时性', '成本节约率', '社会效益', '可持续影响', '服务对象满意度',
];

describe('referenceTemplate: the 36-indicator reference scorecard', () => {
  const tree = referenceTemplate('zh-CN');
  const flat = flattenTree(tree);

  it('has 4 dimensions, 11 groups and 36 indicators, all indicators at level 3', () => {
    expect(flat.filter((f) => f.level === 1)).toHaveLength(4);
    expect(flat.filter((f) => f.level === 2)).toHaveLength(11);
    expect(flat.filter((f) => f.level === 3)).toHaveLength(36);
    expect(leavesOf(tree)).toHaveLength(36);
    expect(flat.every((f) => (f.level === 3) === (f.node.children.length === 0))).toBe(true);
  });

  it('weights 决策 15, 过程 17, 产出 34, 效益 34, totalling 100, with every parent equal to its children’s sum', () => {
    expect(tree.map((d) => [d.name, d.points])).toEqual([
      ['决策', 15],
      ['过程', 17],
      ['产出', 34],
      ['效益', 34],
    ]);
    expect(checkTree(tree)).toEqual([]);
  });

  it('has the report’s second-level groups', () => {
    expect(tree.map((d) => d.children.map((g) => g.name))).toEqual([
      ['项目立项', '绩效目标', '资金投入'],
      ['资金管理', '组织实施'],
      ['产出数量', '产出质量', '产出时效', '产出成本'],
      ['项目效益', '满意度'],
    ]);
  });

  it('includes the framework’s indicators, and 服务对象满意度 (id satisfaction, 10 points) under 效益/满意度', () => {
    const names = leavesOf(tree).map((n) => n.name);
    for (const name of REQUIRED_LEAVES) expect(names).toContain(name);
    const sat = flat.find((f) => f.node.id === 'satisfaction')!;
    expect(sat.node).toMatchObject({ name: '服务对象满意度', points: 10 });
    expect(sat.parentId).toBe('satisfaction-group');
    expect(flat.find((f) => f.node.id === 'satisfaction-group')!.parentId).toBe('benefit');
  });

  it('has unique, readable ids that are the same in both languages', () => {
    const ids = flat.map((f) => f.node.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9-]+$/);
    expect(flattenTree(referenceTemplate('en')).map((f) => f.node.id)).toEqual(ids);
  });

  it('is named in English for locale en', () => {
    const en = referenceTemplate('en');
    expect(en.map((d) => d.name)).toEqual(['Decision', 'Process', 'Outputs', 'Benefits']);
    for (const { node } of flattenTree(en)) expect(node.name).not.toMatch(/[\u4e00-\u9fff]/);
    expect(flattenTree(en).find((f) => f.node.id === 'satisfaction')!.node.name).toBe('Satisfaction of service recipients');
  });

  it('returns a fresh copy each time', () => {
    const first = referenceTemplate('zh-CN');
    first[0]!.points = 99;
    first[0]!.children[0]!.children.pop();
    expect(checkTree(referenceTemplate('zh-CN'))).toEqual([]);
  });
});

describe('evaluationDataSchema', () => {
  it('fills defaults around a project name and accepts a new evaluation on the template', () => {
    const parsed = evaluationDataSchema.parse({ project: { name: '嘉峪关市社会工作服务站项目绩效评价' } });
    expect(parsed).toEqual({
      project: { name: '嘉峪关市社会工作服务站项目绩效评价', period: '', commissioner: '', evaluator: '', subject: '' },
      funding: { budget: { total: 0, central: 0, provincial: 0, municipal: 0 }, received: { total: 0, central: 0, provincial: 0, municipal: 0 }, spent: 0, carriedOver: 0 },
      tree: [],
      grades: { excellent: 90, good: 80, fair: 60 },
      scores: {},
      bindings: {},
      lock: null,
      // Data stored before reports existed loads with empty report facts and no expert sheets, and before 整改 with no items.
      report: emptyReportFacts(),
      experts: emptyPanel(),
      rectification: { items: [] },
    });
    const fresh = newEvaluationData({ name: '测试项目', period: '2021-2023年度' }, 'zh-CN');
    expect(evaluationDataSchema.parse(fresh)).toEqual(fresh);
    expect(checkEvaluation(fresh)).toEqual([]);
  });

  it('accepts a full evaluation with scores, a binding and a lock', () => {
    const data = {
      ...newEvaluationData({ name: 'x' }, 'en'),
      funding: REPORT_FUNDING,
      scores: { 'initiation-basis': { score: 2.75, note: 'ok' } },
      bindings: { satisfaction: { surveyIds: ['s1'], siteIds: ['JYG01'], dayFrom: '2023-08-25', dayTo: '2023-10-20', measure: 'rate', rule: BANDS } },
      lock: { at: '2023-10-20T08:00:00.000Z', by: 'wang', evidence: { satisfaction: evidence() } },
    };
    expect(evaluationDataSchema.safeParse(data).success).toBe(true);
  });

  const withTree = (tree: unknown) => evaluationDataSchema.safeParse({ project: { name: 'x' }, tree });
  const tree = (): IndicatorNode[] => smallTree();

  it('rejects names over 100 characters, points outside 0–100 or with more than 2 decimals', () => {
    const long = tree();
    long[0]!.name = '长'.repeat(101);
    expect(withTree(long).success).toBe(false);
    const precise = tree();
    precise[0]!.children[0]!.children[0]!.points = 29.999;
    expect(withTree(precise).success).toBe(false);
    const big = tree();
    big[0]!.points = 100.01;
    expect(withTree(big).success).toBe(false);
    const negative = tree();
    negative[1]!.children[0]!.children[0]!.points = -1;
    expect(withTree(negative).success).toBe(false);
    expect(withTree(tree()).success).toBe(true);
  });

  it('requires indicators at exactly level 3', () => {
    expect(withTree([group('d', 100, [leaf('g', 100)])]).success).toBe(false);
    expect(withTree([group('d', 100, [group('g', 100, [group('x', 100, [leaf('y', 100)])])])]).success).toBe(false);
    expect(withTree([leaf('d', 100)]).success).toBe(false);
  });

  it('rejects more than 200 nodes', () => {
    const leaves = (prefix: string) => Array.from({ length: 98 }, (_, i) => leaf(`${prefix}${i}`, 0));
    const at200 = [group('d1', 0, [group('g1', 0, leaves('a'))]), group('d2', 0, [group('g2', 0, leaves('b'))])];
    expect(flattenTree(at200)).toHaveLength(200);
    expect(withTree(at200).success).toBe(true);
    at200[1]!.children[0]!.children.push(leaf('one-more', 0));
    expect(withTree(at200).success).toBe(false);
  });

  it('rejects scores with more than 2 decimals or above 100, grade thresholds out of order, a lock without its author', () => {
    const parse = (extra: object) => evaluationDataSchema.safeParse({ project: { name: 'x' }, ...extra }).success;
    expect(parse({ scores: { a: { score: 1.234 } } })).toBe(false);
    expect(parse({ scores: { a: { score: 101 } } })).toBe(false);
    expect(parse({ scores: { a: { score: 1.23 } } })).toBe(true);
    expect(parse({ grades: { excellent: 80, good: 90, fair: 60 } })).toBe(false);
    expect(parse({ lock: { at: '2023-10-20T08:00:00.000Z', by: '', evidence: {} } })).toBe(false);
    expect(parse({ lock: { at: 'yesterday', by: 'wang', evidence: {} } })).toBe(false);
    expect(parse({ project: { name: '' } })).toBe(false);
  });
});

describe('the reference report (嘉峪关市社会工作服务站项目, 2021-2023年度)', () => {
  // Leaf scores chosen so the dimensions come to the report's 14.25/15, 16.4/17, 25.8/34, 23.7/34;
  // 服务对象满意度 is bound: satisfaction index 81.9 under the 90% ratio rule gives 10 × 0.91 = 9.10.
  const ENTERED: Record<string, number> = {
    'initiation-basis': 3, 'initiation-procedure': 2, 'objective-soundness': 2.75, 'indicator-clarity': 2, budgeting: 2.5, 'fund-allocation': 2,
    'funds-received-rate': 2, 'budget-execution-rate': 1.9, 'fund-use-compliance': 2, 'financial-management': 1.8,
    'rules-in-place': 2, 'rules-enforced': 2, 'record-keeping': 1.8, 'supervision-training': 1.9, 'team-stability': 1,
    'completion-rate': 2.5, 'station-coverage': 2, 'service-visits': 1.8, casework: 1.6, 'group-work': 1.5, 'community-activities': 1.8,
    'quality-rate': 2.4, 'certified-ratio': 1, 'staffing-rate': 1.6, 'service-standards': 2.4,
    'timely-completion': 2.4, 'service-continuity': 1, 'cost-saving-rate': 2.5, 'unit-cost': 1.3,
    'social-benefits': 3.5, sustainability: 2.4, 'vulnerable-support': 3, 'resource-linking': 2.2, 'org-incubation': 1.8, volunteers: 1.7,
  };

  const reportData = (): EvaluationData => ({
    ...newEvaluationData(
      { name: '嘉峪关市社会工作服务站项目绩效评价', period: '2021-2023年度', commissioner: '嘉峪关市财政局', evaluator: '甘肃道瑞科技咨询有限公司', subject: '嘉峪关市社会工作服务站' },
      'zh-CN',
    ),
    funding: REPORT_FUNDING,
    scores: Object.fromEntries(Object.entries(ENTERED).map(([id, score]) => [id, { score, note: '' }])),
    bindings: { satisfaction: { surveyIds: ['station-survey'], measure: 'index', rule: { kind: 'ratio', target: 90 } } },
  });

  it('scores every indicator', () => {
    expect(Object.keys(ENTERED)).toHaveLength(35);
    const data = reportData();
    expect(checkEvaluation({ ...data, funding: { ...REPORT_FUNDING, budget: { ...REPORT_FUNDING.budget, total: 199 }, carriedOver: 6.024 } })).toEqual([]);
    expect(computeScorecard(data, { satisfaction: evidence({ index: 81.9 }) })).toMatchObject({ complete: true, missing: 0 });
  });

  it('reproduces the 绩效分析 table: 95.00%, 96.47%, 75.88%, 69.71%, total 80.15, grade 良', () => {
    const card = computeScorecard(reportData(), { satisfaction: evidence({ index: 81.9 }) });
    expect(card.nodes.find((n) => n.id === 'satisfaction')).toMatchObject({ score: 9.1, status: 'bound' });
    expect(card.dimensions.map((d) => [d.name, d.points, d.score])).toEqual([
      ['决策', 15, 14.25],
      ['过程', 17, 16.4],
      ['产出', 34, 25.8],
      ['效益', 34, 23.7],
    ]);
    expect(card.total).toBe(80.15);
    expect(card.grade).toBe('good');
    expect(evaluationZh[gradeKey(card.grade)]).toBe('良');

    const table = analysisTable(card);
    expect(table.columns.map((c) => c.name)).toEqual(['决策', '过程', '产出', '效益']);
    expect(table.rows.map((r) => [evaluationZh[r.label], ...r.text])).toEqual([
      ['分值', '15', '17', '34', '34', '100'],
      ['得分', '14.25', '16.40', '25.80', '23.70', '80.15'],
      ['得分率', '95.00%', '96.47%', '75.88%', '69.71%', '80.15%'],
    ]);
    expect(table.rows[2]!.values).toEqual([0.95, 0.9647, 0.7588, 0.6971, 0.8015]);
    expect([evaluationZh[table.corner], evaluationZh[table.totalLabel]]).toEqual(['指标', '合计']);
  });

  it('gives the same result from the evidence frozen in the lock', () => {
    const data = { ...reportData(), lock: { at: '2023-10-20T08:00:00.000Z', by: 'evaluator', evidence: { satisfaction: evidence({ index: 81.9 }) } } };
    const card = computeScorecard(data, scorecardEvidence(data, { satisfaction: evidence({ index: 50 }) }));
    expect(card.total).toBe(80.15);
  });

  it('reproduces the 预算执行率 of 94.55%', () => {
    expect(formatPercent(fundingRates(reportData().funding).executionRate)).toBe('94.55%');
  });
});

describe('the evaluation catalog area', () => {
  it('has the same keys and placeholders in both languages, none empty', () => {
    const names = (s: string) => (s.match(/\{\w+\}/g) ?? []).sort().join();
    expect(Object.keys(catalog.en).sort()).toEqual(Object.keys(catalog.zh).sort());
    for (const key of Object.keys(catalog.zh) as (keyof typeof catalog.zh)[]) {
      expect(`${key}:${names(catalog.en[key])}`).toBe(`${key}:${names(catalog.zh[key])}`);
      expect(catalog.en[key].trim()).not.toBe('');
    }
  });

  it('leaves unknown placeholders visible when filling a message', () => {
    expect(evaluationText({ key: 'evaluation.tree.totalNot100', params: {} }, 'en')).toBe('The first-level indicators add up to {sum} points; they must add up to 100.');
  });
});
