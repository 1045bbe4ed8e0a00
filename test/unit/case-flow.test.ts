import type { CaseRecord } from '../../models/case';
import type { Question } from '../../models/survey';
import {
  applyStep,
  badAnswers,
  DEFAULT_CASE_SETTINGS,
  isLate,
  markNamed,
  openCase,
  StepRefused,
  type StepContext,
  type StepInput,
} from '../../server/domain/cases/case-flow';
import { caseMetrics, caseMetricsBySite, median } from '../../server/domain/cases/metrics';
import { workCalendar } from '../../server/domain/cases/working-days';

const cal = workCalendar([]);
const likert = (id: string, extra: Partial<Question> = {}): Question => ({
  id,
  type: 'likert5',
  text: id,
  help: '',
  required: true,
  options: [],
  dimension: null,
  countsTowardSatisfaction: true,
  allowNotApplicable: true,
  notApplicableLabel: '',
  min: null,
  max: null,
  maxLength: null,
  ...extra,
});

const ctx = (at: string, extra: Partial<StepContext> = {}): StepContext => ({
  at,
  today: at.slice(0, 10),
  by: 'u1',
  byName: 'worker',
  cal,
  settings: DEFAULT_CASE_SETTINGS,
  ...extra,
});

function opened(day = '2026-03-02', siteId = 's1', id = `c-${Math.random()}`): CaseRecord {
  return openCase(cal, DEFAULT_CASE_SETTINGS, { id, responseId: `r-${id}`, surveyId: 'sv', siteId, at: `${day}T02:00:00.000Z`, day, questionIds: ['q1'] });
}

function run(c: CaseRecord, steps: [string, StepInput][]): CaseRecord {
  return steps.reduce((acc, [at, s]) => applyStep(acc, s, ctx(at)), c);
}

describe('which responses open a case', () => {
  const questions = [likert('q1'), likert('q2', { countsTowardSatisfaction: false, dimension: 'overall' }), likert('q3', { countsTowardSatisfaction: false }), { ...likert('t'), type: 'text' as const }];

  it('opens one for 非常不满意 or 不满意 on a satisfaction item or the overall question', () => {
    expect(badAnswers(questions, { q1: '1', q2: '4' }, [2, 1])).toEqual(['q1']);
    expect(badAnswers(questions, { q1: '4', q2: '2' }, [2, 1])).toEqual(['q2']);
  });

  it('ignores items outside satisfaction, 不了解 and the satisfied levels', () => {
    expect(badAnswers(questions, { q1: 'na', q2: '3', q3: '1', t: '1' }, [2, 1])).toEqual([]);
  });

  it('follows the survey’s configured levels', () => {
    expect(badAnswers(questions, { q1: '2' }, [1])).toEqual([]);
    expect(badAnswers(questions, { q1: '3' }, [3, 2, 1])).toEqual(['q1']);
  });
});

describe('case steps', () => {
  it('sets due days in working days from the opening day (1, 5 and 15 by default)', () => {
    // Friday 2026-09-25 before National Day: 9-28, 9-29, 9-30, 10-08, 10-09 (5th), 10-10 (Saturday, 调休), … 10-22 (15th).
    const c = opened('2026-09-25');
    expect(c.due).toEqual({ contact: '2026-09-28', verify: '2026-10-09', close: '2026-10-22' });
    expect(c.nextDue).toBe('2026-10-09');
    expect(markNamed(c, '2026-09-25T03:00:00.000Z').nextDue).toBe('2026-09-28');
  });

  it('opens with no due days and names the year when the calendar stops', () => {
    const c = opened('2026-12-18');
    expect(c.calendarGap).toBe(2027);
    expect(c.due.contact).toBe('2026-12-21');
    expect(c.due.close).toBeNull();
  });

  it('walks open → contacted → verified → actioned → closed → reviewed', () => {
    const c = run(opened(), [
      ['2026-03-02T03:00:00.000Z', { step: 'contact', note: '电话' }],
      ['2026-03-03T03:00:00.000Z', { step: 'verify', finding: 'partly', note: '部分属实' }],
      ['2026-03-04T03:00:00.000Z', { step: 'act', action: 'deadline', item: '更换座椅', itemDue: '2026-03-10', note: '' }],
      ['2026-03-09T03:00:00.000Z', { step: 'close', note: '' }],
      ['2026-03-10T03:00:00.000Z', { step: 'review', note: '回访满意' }],
    ]);
    expect(c.status).toBe('reviewed');
    expect(c.action).toEqual({ kind: 'deadline', item: '更换座椅', itemDue: '2026-03-10' });
    expect(c.history.map((e) => e.step)).toEqual(['open', 'contact', 'verify', 'act', 'close', 'review']);
    expect(c.nextDue).toBeNull();
  });

  it('refuses a step the status does not allow', () => {
    expect(() => applyStep(opened(), { step: 'close', note: '' }, ctx('2026-03-02T03:00:00.000Z'))).toThrow(StepRefused);
  });

  it('refuses a verification without a reason and rectification of a 不属实 finding', () => {
    expect(() => applyStep(opened(), { step: 'verify', finding: 'true', note: ' ' }, ctx('2026-03-02T03:00:00.000Z'))).toThrow('cases.error.noteRequired');
    const v = applyStep(opened(), { step: 'verify', finding: 'false', note: '查无此事' }, ctx('2026-03-02T03:00:00.000Z'));
    expect(() => applyStep(v, { step: 'act', action: 'immediate', item: '', itemDue: null, note: '' }, ctx('2026-03-02T04:00:00.000Z'))).toThrow('cases.error.explainOnly');
  });

  it('refuses 限期整改 without an item or with a past date', () => {
    const v = applyStep(opened(), { step: 'verify', finding: 'true', note: '属实' }, ctx('2026-03-02T03:00:00.000Z'));
    expect(() => applyStep(v, { step: 'act', action: 'deadline', item: '', itemDue: '2026-03-09', note: '' }, ctx('2026-03-03T03:00:00.000Z'))).toThrow('cases.error.itemRequired');
    expect(() => applyStep(v, { step: 'act', action: 'deadline', item: 'x', itemDue: '2026-03-01', note: '' }, ctx('2026-03-03T03:00:00.000Z'))).toThrow('cases.error.itemDuePast');
  });

  it('reopens with new deadlines from the day of reopening and keeps the history', () => {
    const closed = run(opened(), [
      ['2026-03-02T03:00:00.000Z', { step: 'verify', finding: 'true', note: '属实' }],
      ['2026-03-02T04:00:00.000Z', { step: 'act', action: 'immediate', item: '', itemDue: null, note: '' }],
      ['2026-03-02T05:00:00.000Z', { step: 'close', note: '' }],
    ]);
    const re = applyStep(closed, { step: 'reopen', note: '居民仍不满意' }, ctx('2026-03-16T03:00:00.000Z'));
    expect(re.status).toBe('open');
    expect(re.reopenCount).toBe(1);
    expect(re.openedDay).toBe('2026-03-16');
    expect(re.due.verify).toBe('2026-03-23');
    expect(re.history).toHaveLength(5);
  });

  it('records 申诉复核 once, with a reason, whatever the status', () => {
    const a = applyStep(opened(), { step: 'appeal', appeal: 'malicious', note: '同一设备连续差评' }, ctx('2026-03-02T03:00:00.000Z'));
    expect(a.appeal).toMatchObject({ kind: 'malicious', reason: '同一设备连续差评' });
    expect(a.status).toBe('open');
    expect(() => applyStep(a, { step: 'appeal', appeal: 'mistaken', note: 'x' }, ctx('2026-03-02T04:00:00.000Z'))).toThrow('cases.error.appealed');
  });

  it('is late once the awaited step’s due day has passed', () => {
    const c = opened('2026-03-02');
    expect(isLate(c, c.nextDue!)).toBe(false);
    expect(isLate(c, '2026-03-10')).toBe(true);
  });
});

describe('case metrics', () => {
  const dayOf = (iso: string) => iso.slice(0, 10);
  const T = (d: string) => `${d}T03:00:00.000Z`;

  /**
   * Station s1, all opened Monday 2026-03-02 (contact due 03-03, verify 03-09, close 03-23):
   * A named, contacted 03-03 (on time), 属实, 立行立改, closed 03-05 (3 working days), 回访 recorded.
   * B named, contacted 03-04 (late), 部分属实, 限期整改, closed 03-25 (late, 17 working days).
   * C anonymous, 不属实, 解释说明, closed 03-06 (4 working days), reopened 03-09, still open.
   * D anonymous, still open at 03-30 (late).
   * E named, marked 恶意: left out. Station s2: F anonymous, 属实, 立行立改 not yet closed.
   */
  function fixture(): CaseRecord[] {
    const A = run(markNamed(opened('2026-03-02', 's1', 'A'), T('2026-03-02')), [
      [T('2026-03-03'), { step: 'contact', note: '' }],
      [T('2026-03-03'), { step: 'verify', finding: 'true', note: 'x' }],
      [T('2026-03-04'), { step: 'act', action: 'immediate', item: '', itemDue: null, note: '' }],
      [T('2026-03-05'), { step: 'close', note: '' }],
      [T('2026-03-06'), { step: 'review', note: '满意' }],
    ]);
    const B = run(markNamed(opened('2026-03-02', 's1', 'B'), T('2026-03-02')), [
      [T('2026-03-04'), { step: 'contact', note: '' }],
      [T('2026-03-05'), { step: 'verify', finding: 'partly', note: 'x' }],
      [T('2026-03-06'), { step: 'act', action: 'deadline', item: '修门', itemDue: '2026-03-20', note: '' }],
      [T('2026-03-25'), { step: 'close', note: '' }],
    ]);
    const C = run(opened('2026-03-02', 's1', 'C'), [
      [T('2026-03-03'), { step: 'verify', finding: 'false', note: 'x' }],
      [T('2026-03-04'), { step: 'act', action: 'explain', item: '', itemDue: null, note: '' }],
      [T('2026-03-06'), { step: 'close', note: '' }],
      [T('2026-03-09'), { step: 'reopen', note: '再查' }],
    ]);
    const D = opened('2026-03-02', 's1', 'D');
    const E = run(markNamed(opened('2026-03-02', 's1', 'E'), T('2026-03-02')), [[T('2026-03-03'), { step: 'appeal', appeal: 'malicious', note: '恶意' }]]);
    const F = run(opened('2026-03-02', 's2', 'F'), [
      [T('2026-03-03'), { step: 'verify', finding: 'true', note: 'x' }],
      [T('2026-03-04'), { step: 'act', action: 'immediate', item: '', itemDue: null, note: '' }],
    ]);
    return [A, B, C, D, E, F];
  }

  it('gives the stated rates on a fixture with known dates', () => {
    const { overall, sites } = caseMetricsBySite(fixture(), '2026-03-30', dayOf, cal);
    const s1 = sites.get('s1')!;
    expect(s1.opened).toBe(4);
    expect(s1.appealed).toBe(1);
    expect(s1.callback).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    expect(s1.onTimeContact).toEqual({ numerator: 1, denominator: 2, rate: 0.5 });
    expect(s1.rectified).toEqual({ numerator: 2, denominator: 2, rate: 1 });
    // Closed or past closing (03-23): A on time, B late; C (reopened, new close day 03-30) and D (03-23, passed).
    expect(s1.onTimeClosure).toEqual({ numerator: 1, denominator: 3, rate: 1 / 3 });
    expect(s1.medianDaysToClose).toBe(10);
    expect(s1.reopened).toEqual({ numerator: 1, denominator: 3, rate: 1 / 3 });
    expect(overall.opened).toBe(5);
    expect(overall.rectified).toEqual({ numerator: 2, denominator: 3, rate: 2 / 3 });
    expect(sites.get('s2')!.late).toBe(1);
  });

  it('answers null, not 0 %, when nothing was due', () => {
    const m = caseMetrics([], '2026-03-30', dayOf, cal);
    expect(m.callback.rate).toBeNull();
    expect(m.medianDaysToClose).toBeNull();
    expect(median([3, 1, 2])).toBe(2);
  });
});
