import { poolEvidence } from '../../server/domain/pooled-evidence';
import { bindingRuleText, evaluationText, ruleText, scoreBinding, type Evidence } from '../../server/domain/scoring-rules';

const evidence = (cases: Evidence['cases']): Evidence => ({
  received: 10,
  valid: 10,
  index: 80,
  indexCi: null,
  rate: 85,
  rateCi: null,
  adequate: true,
  requiredSample: 10,
  cases,
  computedAt: '2026-03-30T00:00:00.000Z',
});

describe('binding an indicator to the 以评促改 rates', () => {
  const ratio90 = { kind: 'ratio' as const, target: 90 };

  it('gives full points at or above the target rate and points in proportion below', () => {
    const full = scoreBinding(10, { measure: 'rectified', rule: ratio90 }, evidence({ rectified: [19, 20], onTimeClosure: [1, 2] }));
    expect(full).toMatchObject({ status: 'scored', value: 95, score: 10 });
    const below = scoreBinding(10, { measure: 'onTimeClosure', rule: ratio90 }, evidence({ rectified: [19, 20], onTimeClosure: [27, 40] }));
    // 67.5% of a 90% target: 10 × 0.675 / 0.9 = 7.5 points.
    expect(below).toMatchObject({ status: 'scored', value: 67.5, score: 7.5 });
  });

  it('states the rule and the figure in words', () => {
    const r = scoreBinding(10, { measure: 'onTimeClosure', rule: ratio90 }, evidence({ rectified: [0, 0], onTimeClosure: [27, 40] }));
    expect(evaluationText(r.explanation, 'zh-CN')).toBe('按时办结率 67.5%（应办结的 40 件中 27 件按期办结），得 7.5 分（分值 10 分）');
    expect(bindingRuleText({ measure: 'onTimeClosure', rule: ratio90 }, 'zh-CN')).toBe('按时办结率达到 90% 得满分，低于时按比例得分：得分 = 分值 × min(按时办结率 ÷ 90%, 1)');
    expect(bindingRuleText({ measure: 'rate', rule: ratio90 }, 'zh-CN')).toBe(ruleText(ratio90, 'zh-CN'));
  });

  it('has no score, not 0, when no case was due', () => {
    expect(scoreBinding(10, { measure: 'rectified', rule: ratio90 }, evidence({ rectified: [0, 0], onTimeClosure: [0, 0] }))).toMatchObject({ status: 'no-evidence', score: null });
    expect(scoreBinding(10, { measure: 'rectified', rule: ratio90 }, evidence(undefined))).toMatchObject({ status: 'no-evidence' });
  });

  it('adds the case counts of several surveys', () => {
    const part = (cases: [number, number]) => ({ received: 1, valid: 1, strata: [], scale: { min: 0, max: 100 }, adequate: true, required: 1, cases: { rectified: cases, onTimeClosure: cases } });
    expect(poolEvidence([part([1, 2]), part([3, 4])], '2026-03-30T00:00:00.000Z').cases).toEqual({ rectified: [4, 6], onTimeClosure: [4, 6] });
  });
});
