import fc from 'fast-check';
import type { AnswerValue, SurveyResponse } from '../../models/response';
import type { Question } from '../../models/survey';
import { ALL, ALL_DAYS, type TallyDelta } from '../../models/tally';
import { cellKey, dimensionKey, mergeDeltas, moveDeltas, parseDimensionCell, RESPONDENT_CELLS, RESPONSES_CELL, respondentCells, responseCells, sameTallies, tallyDeltas, tallyFreshnessTime, tallyKeys, tallyState } from '../../server/domain/tally';
import { publicationFixture, question, responseFixture } from '../helpers/fixtures';

const questions: Question[] = [
  question({ id: 'seg', type: 'single', required: true, options: [{ id: 'a', label: '特困人员' }, { id: 'b', label: '残疾人' }] }),
  question({ id: 'q1', type: 'likert5', required: true }),
  question({ id: 'q2', type: 'likert5' }),
  question({ id: 'm', type: 'multi', options: [{ id: 'x', label: '到站' }, { id: 'y', label: '上门' }, { id: 'z', label: '电话' }] }),
  question({ id: 'r', type: 'rating', min: 1, max: 5 }),
  question({ id: 'nps', type: 'nps' }),
  question({ id: 'n', type: 'number', min: null, max: null }),
  question({ id: 'c', type: 'text' }),
];

const pub = publicationFixture('survey-1', 'site-1', { id: 'pub-1' });

function response(over: Partial<SurveyResponse> = {}): SurveyResponse {
  return responseFixture(pub, {
    durationMs: 120_000,
    answers: { seg: 'a', q1: '5', q2: 'na', m: ['x', 'y'], r: 4, nps: 9, n: 70.5, c: '很好' },
    segment: 'a',
    ...over,
  });
}

const cell = (count: number, sum = 0, sumsq = 0) => ({ count, sum, sumsq });

describe('responseCells', () => {
  it('adds one cell per chosen option, value or answered question, and the response count with its answer time', () => {
    expect(responseCells(response(), questions)).toEqual({
      '_n~': cell(1, 120_000, 0),
      'seg~a': cell(1),
      'q1~5': cell(1),
      'q2~na': cell(1),
      'm~': cell(1),
      'm~x': cell(1),
      'm~y': cell(1),
      'r~4': cell(1),
      'nps~9': cell(1),
      'n~': cell(1, 70.5, 4970.25),
      'c~': cell(1),
    });
  });

  it('has only the response cell when nothing was answered', () => {
    expect(responseCells(response({ answers: {}, durationMs: 0 }), questions)).toEqual({ [RESPONSES_CELL]: cell(1, 0, 0) });
  });

  it('skips empty answers, answers of the wrong type and answers to questions of other versions', () => {
    const cells = responseCells(response({ answers: { seg: '', m: [], r: '4', n: '7', q1: 5, c: 3, gone: 'x' } as Record<string, AnswerValue> }), questions);
    expect(Object.keys(cells)).toEqual([RESPONSES_CELL]);
  });

  it('sums a number question and its square, and counts NPS 0 and a number 0', () => {
    const cells = responseCells(response({ answers: { n: -3, nps: 0 } }), questions);
    expect(cells['n~']).toEqual(cell(1, -3, 9));
    expect(cells['nps~0']).toEqual(cell(1));
  });

  it('names cells <question>~<option or value>', () => {
    expect(cellKey('q1', '5')).toBe('q1~5');
    expect(cellKey('n', '')).toBe('n~');
  });
});

describe('tallyState and tallyKeys', () => {
  it('is empty for a clean response, the sorted flags otherwise, and a person\'s review ("excluded", "kept") above all', () => {
    expect(tallyState({ review: null, flags: [] })).toBe('');
    expect(tallyState({ review: null, flags: ['straightline', 'burst', 'speeder'] })).toBe('burst,speeder,straightline');
    expect(tallyState({ review: 'excluded', flags: ['speeder'] })).toBe('excluded');
    expect(tallyState({ review: 'kept', flags: ['speeder', 'burst'] })).toBe('kept');
  });

  it('puts a response in its fine group, the all-days station rollup and the all-stations trend', () => {
    const r = response({ day: '2026-11-03', channel: 'link', segment: 'b', flags: ['speeder'] });
    const base = { surveyId: 'survey-1', version: 1, state: 'speeder' };
    expect(tallyKeys(r)).toEqual([
      { level: 'fine', key: { ...base, day: '2026-11-03', siteId: 'site-1', channel: 'link', segment: 'b' } },
      { level: 'sites', key: { ...base, day: ALL, siteId: 'site-1', channel: ALL, segment: 'b' } },
      { level: 'trend', key: { ...base, day: '2026-11-03', siteId: ALL, channel: ALL, segment: ALL } },
    ]);
    expect(ALL_DAYS).toBe('*');
  });
});

describe('tallyDeltas', () => {
  it('adds the same cells to the fine and the * group, and only counts, satisfaction levels and the respondent profile to the trend', () => {
    const r = response({ answers: { seg: 'a', q1: '4', q2: 'na', n: 2 }, durationMs: 30_000 });
    // One satisfaction answer at level 4 (不了解 left out): profile 0-1-0-0-0, overall and in the 'overall' dimension.
    const cells = { '_n~': cell(1, 30_000), 'seg~a': cell(1), 'q1~4': cell(1), 'q2~na': cell(1), 'n~': cell(1, 2, 4), '_r~0-1-0-0-0': cell(1), '_rd~overall:0-1-0-0-0': cell(1) };
    expect(tallyDeltas(r, questions).map((d) => [d.key.day, d.key.siteId, d.key.state, d.cells])).toEqual([
      ['2026-11-01', 'site-1', '', cells],
      ['*', 'site-1', '', cells],
      ['2026-11-01', '*', '', { '_n~': cell(1, 30_000), '_sat~4': cell(1), '_sat~na': cell(1), '_r~0-1-0-0-0': cell(1) }],
    ]);
  });

  it('removes with sign -1: negative counts and sums, and 0 rather than -0', () => {
    const r = response({ answers: { q1: '4', n: 2 }, durationMs: 30_000, review: 'excluded' });
    const [day, all] = tallyDeltas(r, questions, -1);
    const cells = { '_n~': cell(-1, -30_000, 0), 'q1~4': cell(-1, 0, 0), 'n~': cell(-1, -2, -4), '_r~0-1-0-0-0': cell(-1, 0, 0), '_rd~overall:0-1-0-0-0': cell(-1, 0, 0) };
    expect(day!.cells).toEqual(cells);
    expect(all!.cells).toEqual(cells);
    expect(Object.is(day!.cells['q1~4']!.sum, 0)).toBe(true);
    expect(day!.key.state).toBe('excluded');
  });

  it('gives each group its own cells, so adding into one leaves the other alone', () => {
    const [day, all] = tallyDeltas(response(), questions);
    day!.cells['q1~5']!.count += 10;
    expect(all!.cells['q1~5']!.count).toBe(1);
  });
});

describe('moveDeltas', () => {
  it('takes a response out of its old state and puts it in the new one, on its day and in *', () => {
    const before = response({ answers: { q1: '3' }, durationMs: 1000, flags: ['speeder'] });
    const after = { ...before, review: 'excluded' as const, reviewReason: '重复', reviewedBy: 'u1', reviewedAt: '2026-11-02T00:00:00.000Z' };
    const merged = mergeDeltas(moveDeltas(before, after, questions));
    expect(merged.map((d) => [d.key.day, d.key.siteId, d.key.state, d.cells])).toEqual([
      ['*', 'site-1', 'excluded', { '_n~': cell(1, 1000), 'q1~3': cell(1), '_r~0-0-1-0-0': cell(1), '_rd~overall:0-0-1-0-0': cell(1) }],
      ['*', 'site-1', 'speeder', { '_n~': cell(-1, -1000), 'q1~3': cell(-1), '_r~0-0-1-0-0': cell(-1), '_rd~overall:0-0-1-0-0': cell(-1) }],
      ['2026-11-01', '*', 'excluded', { '_n~': cell(1, 1000), '_sat~3': cell(1), '_r~0-0-1-0-0': cell(1) }],
      ['2026-11-01', '*', 'speeder', { '_n~': cell(-1, -1000), '_sat~3': cell(-1), '_r~0-0-1-0-0': cell(-1) }],
      ['2026-11-01', 'site-1', 'excluded', { '_n~': cell(1, 1000), 'q1~3': cell(1), '_r~0-0-1-0-0': cell(1), '_rd~overall:0-0-1-0-0': cell(1) }],
      ['2026-11-01', 'site-1', 'speeder', { '_n~': cell(-1, -1000), 'q1~3': cell(-1), '_r~0-0-1-0-0': cell(-1), '_rd~overall:0-0-1-0-0': cell(-1) }],
    ]);
  });

  it('changes nothing when the state does not change', () => {
    const r = response();
    expect(mergeDeltas(moveDeltas(r, { ...r }, questions))).toEqual([]);
  });
});

describe('mergeDeltas', () => {
  it('sums deltas of the same group, keeps groups apart and sorts them (day before station)', () => {
    const r1 = response({ answers: { q1: '5', n: 1 }, durationMs: 10 });
    const r2 = response({ answers: { q1: '4', n: 3 }, durationMs: 20 });
    const r3 = response({ answers: { q1: '4' }, durationMs: 5, siteId: 'site-0', day: '2026-11-02' });
    const merged = mergeDeltas([r1, r2, r3].flatMap((r) => tallyDeltas(r, questions)));
    expect(merged.map((d) => [d.key.siteId, d.key.day, d.cells])).toEqual([
      ['site-0', '*', { '_n~': cell(1, 5), 'q1~4': cell(1), '_r~0-1-0-0-0': cell(1), '_rd~overall:0-1-0-0-0': cell(1) }],
      ['site-1', '*', { '_n~': cell(2, 30), 'q1~5': cell(1), 'q1~4': cell(1), 'n~': cell(2, 4, 10), '_r~1-0-0-0-0': cell(1), '_rd~overall:1-0-0-0-0': cell(1), '_r~0-1-0-0-0': cell(1), '_rd~overall:0-1-0-0-0': cell(1) }],
      ['*', '2026-11-01', { '_n~': cell(2, 30), '_sat~5': cell(1), '_sat~4': cell(1), '_r~1-0-0-0-0': cell(1), '_r~0-1-0-0-0': cell(1) }],
      ['site-1', '2026-11-01', { '_n~': cell(2, 30), 'q1~5': cell(1), 'q1~4': cell(1), 'n~': cell(2, 4, 10), '_r~1-0-0-0-0': cell(1), '_rd~overall:1-0-0-0-0': cell(1), '_r~0-1-0-0-0': cell(1), '_rd~overall:0-1-0-0-0': cell(1) }],
      ['*', '2026-11-02', { '_n~': cell(1, 5), '_sat~4': cell(1), '_r~0-1-0-0-0': cell(1) }],
      ['site-0', '2026-11-02', { '_n~': cell(1, 5), 'q1~4': cell(1), '_r~0-1-0-0-0': cell(1), '_rd~overall:0-1-0-0-0': cell(1) }],
    ]);
  });

  it('drops cells whose count comes to zero and groups left with no cells', () => {
    const r1 = response({ answers: { q1: '5' } });
    const r2 = response({ answers: { q1: '4' } });
    const merged = mergeDeltas([...tallyDeltas(r1, questions), ...tallyDeltas(r2, questions), ...tallyDeltas(r1, questions, -1)]);
    expect(merged.map((d) => Object.keys(d.cells))).toEqual([
      ['_n~', 'q1~4', '_r~0-1-0-0-0', '_rd~overall:0-1-0-0-0'],
      ['_n~', '_r~0-1-0-0-0', '_sat~4'],
      ['_n~', 'q1~4', '_r~0-1-0-0-0', '_rd~overall:0-1-0-0-0'],
    ]);
    expect(mergeDeltas([...tallyDeltas(r2, questions), ...tallyDeltas(r2, questions, -1)])).toEqual([]);
    expect(mergeDeltas([])).toEqual([]);
  });

  it('does not change the deltas it is given', () => {
    const deltas = [...tallyDeltas(response(), questions), ...tallyDeltas(response(), questions)];
    const copy = structuredClone(deltas);
    mergeDeltas(deltas);
    expect(deltas).toEqual(copy);
  });
});

describe('sameTallies', () => {
  const a = [...tallyDeltas(response({ answers: { n: 0.1 } }), questions), ...tallyDeltas(response({ answers: { n: 0.2 } }), questions)];

  it('is the same for the same counts in any grouping or order', () => {
    expect(sameTallies(a, [...a].reverse())).toEqual({ same: true });
    expect(sameTallies(a, mergeDeltas(a))).toEqual({ same: true });
  });

  it('allows float rounding in sums but not in counts', () => {
    const merged = mergeDeltas(a);
    const nudged = structuredClone(merged);
    nudged[0]!.cells['n~']!.sum += 1e-12;
    expect(sameTallies(merged, nudged).same).toBe(true);
    const off = structuredClone(merged);
    off[0]!.cells['n~']!.sum += 1e-3;
    expect(sameTallies(merged, off)).toMatchObject({ same: false, difference: expect.stringContaining('cell n~') });
    const counted = structuredClone(merged);
    counted[0]!.cells['n~']!.count += 1;
    expect(sameTallies(merged, counted).same).toBe(false);
  });

  it('names a missing group or cell', () => {
    const merged = mergeDeltas(a);
    expect(sameTallies(merged, merged.slice(1))).toMatchObject({ same: false, difference: '3 groups vs 2' });
    const other = structuredClone(merged);
    other[0]!.key = { ...other[0]!.key, siteId: 'elsewhere' };
    expect(sameTallies(merged, other)).toMatchObject({ same: false, difference: expect.stringContaining('missing') });
    const fewer = structuredClone(merged);
    delete fewer[2]!.cells['n~'];
    expect(sameTallies(merged, fewer)).toMatchObject({ same: false, difference: expect.stringContaining('cell n~') });
  });
});

// ---- properties over random responses ----

const answersArb: fc.Arbitrary<Record<string, AnswerValue>> = fc
  .record(
    {
      seg: fc.constantFrom('a', 'b'),
      q1: fc.constantFrom('5', '4', '3', '2', '1'),
      q2: fc.constantFrom('5', '4', '3', '2', '1', 'na'),
      m: fc.subarray(['x', 'y', 'z'], { minLength: 1 }),
      r: fc.integer({ min: 1, max: 5 }),
      nps: fc.integer({ min: 0, max: 10 }),
      n: fc.integer({ min: -100_000, max: 100_000 }).map((c) => c / 100),
      c: fc.constantFrom('很好', '希望多组织活动'),
    },
    { requiredKeys: ['q1'] },
  )
  .map((a) => a as Record<string, AnswerValue>);

const responseArb: fc.Arbitrary<SurveyResponse> = fc
  .record({
    answers: answersArb,
    siteId: fc.constantFrom('site-1', 'site-2'),
    day: fc.constantFrom('2026-11-01', '2026-11-02', '2026-11-03'),
    channel: fc.constantFrom<SurveyResponse['channel']>('qr', 'link', 'assisted'),
    flags: fc.subarray(['speeder', 'straightline', 'burst', 'multisite']),
    review: fc.constantFrom<SurveyResponse['review']>(null, 'excluded', 'kept'),
    durationMs: fc.integer({ min: 0, max: 3_600_000 }),
  })
  .map((o) => response({ ...o, segment: typeof o.answers.seg === 'string' ? o.answers.seg : '' }));

/** The groups with their counts only: counts must agree exactly, sums up to rounding. */
const countsOf = (deltas: TallyDelta[]) => mergeDeltas(deltas).map((d) => [d.key, Object.fromEntries(Object.entries(d.cells).map(([k, c]) => [k, c.count]))]);

describe('tally properties', () => {
  it('merging all deltas at once equals merging per-response deltas in any order', () => {
    fc.assert(
      fc.property(
        fc.array(responseArb, { minLength: 1, maxLength: 25 }).chain((rs) => fc.tuple(fc.constant(rs), fc.shuffledSubarray(rs, { minLength: rs.length }))),
        ([rs, shuffled]) => {
          const once = mergeDeltas(rs.flatMap((r) => tallyDeltas(r, questions)));
          const stepwise = mergeDeltas(shuffled.flatMap((r) => mergeDeltas(tallyDeltas(r, questions))));
          expect(sameTallies(once, stepwise)).toEqual({ same: true });
          expect(countsOf(once)).toEqual(countsOf(stepwise));
          const responses = once.filter((d) => d.key.day === ALL_DAYS).reduce((n, d) => n + (d.cells[RESPONSES_CELL]?.count ?? 0), 0);
          expect(responses).toBe(rs.length);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('adding then removing a response leaves nothing, alone or among others', () => {
    fc.assert(
      fc.property(responseArb, fc.array(responseArb, { maxLength: 10 }), (r, others) => {
        expect(mergeDeltas([...tallyDeltas(r, questions), ...tallyDeltas(r, questions, -1)])).toEqual([]);
        const base = others.flatMap((o) => tallyDeltas(o, questions));
        const withAndWithout = [...base, ...tallyDeltas(r, questions), ...tallyDeltas(r, questions, -1)];
        expect(sameTallies(withAndWithout, base)).toEqual({ same: true });
        expect(countsOf(withAndWithout)).toEqual(countsOf(base));
      }),
      { numRuns: 200 },
    );
  });

  it('moving a response to another state equals tallying it in that state from the start', () => {
    fc.assert(
      fc.property(responseArb, fc.array(responseArb, { maxLength: 10 }), fc.constantFrom<SurveyResponse['review']>(null, 'excluded', 'kept'), (r, others, review) => {
        const after = { ...r, review };
        const moved = [...others, r].flatMap((o) => tallyDeltas(o, questions)).concat(moveDeltas(r, after, questions));
        const fresh = [...others, after].flatMap((o) => tallyDeltas(o, questions));
        expect(sameTallies(moved, fresh)).toEqual({ same: true });
        expect(countsOf(moved)).toEqual(countsOf(fresh));
      }),
      { numRuns: 200 },
    );
  });

  it('the station rollup equals the sum of the fine groups over days and channels, and the trend their satisfaction cells', () => {
    fc.assert(
      fc.property(fc.array(responseArb, { minLength: 1, maxLength: 25 }), (rs) => {
        const merged = mergeDeltas(rs.flatMap((r) => tallyDeltas(r, questions)));
        const fine = merged.filter((d) => d.key.day !== ALL && d.key.siteId !== ALL);
        const asSites = fine.map((d) => ({ key: { ...d.key, day: ALL, channel: ALL }, cells: d.cells }));
        expect(sameTallies(asSites, merged.filter((d) => d.key.day === ALL))).toEqual({ same: true });
        const asTrend = fine.map((d) => {
          const cells: TallyDelta['cells'] = { '_n~': d.cells['_n~']! };
          for (const [k, c] of Object.entries(d.cells)) {
            const m = /^(q1|q2)~(.+)$/.exec(k);
            if (m) (cells[`_sat~${m[2]}`] ??= { count: 0, sum: 0, sumsq: 0 }).count += c.count;
            if (k.startsWith('_r~')) cells[k] = c;
          }
          return { key: { ...d.key, siteId: ALL, channel: ALL, segment: ALL }, cells };
        });
        expect(sameTallies(asTrend, merged.filter((d) => d.key.siteId === ALL))).toEqual({ same: true });
      }),
      { numRuns: 200 },
    );
  });
});

describe('respondent profiles', () => {
  it('counts each response once by its satisfaction answers per level, overall and per dimension, 不了解 left out', () => {
    const qs: Question[] = [
      question({ id: 'a', type: 'likert5', dimension: '服务态度' }),
      question({ id: 'b', type: 'likert5', dimension: '服务态度' }),
      question({ id: 'c', type: 'likert5', dimension: 'env.2' }),
      question({ id: 'd', type: 'likert5', countsTowardSatisfaction: false }),
    ];
    const cells = respondentCells({ answers: { a: '5', b: '2', c: 'na', d: '1' } }, qs);
    expect(cells).toEqual({ '_r~1-0-0-1-0': cell(1), [`_rd~${dimensionKey('服务态度')}:1-0-0-1-0`]: cell(1) });
    // No '.' or '$' reaches a MongoDB field name; the dimension reads back.
    expect(dimensionKey('env.2')).toBe('env%2E2');
    expect(dimensionKey('$x')).toBe('%24x');
    expect(parseDimensionCell(`${dimensionKey('env.2')}:0-0-1-0-0`)).toEqual({ dimension: 'env.2', profile: '0-0-1-0-0' });
    // A response with no satisfaction answer still has its (empty) profile.
    expect(respondentCells({ answers: {} }, qs)).toEqual({ '_r~0-0-0-0-0': cell(1) });
  });

  it('keeps every group\'s respondent profiles adding up to its response count (property)', () => {
    fc.assert(
      fc.property(fc.array(responseArb, { minLength: 1, maxLength: 25 }), (rs) => {
        for (const d of mergeDeltas(rs.flatMap((r) => tallyDeltas(r, questions)))) {
          const profiles = Object.entries(d.cells).filter(([k]) => k.startsWith(`${RESPONDENT_CELLS}~`)).reduce((n, [, c]) => n + c.count, 0);
          expect(profiles).toBe(d.cells[RESPONSES_CELL]!.count);
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('tallyFreshnessTime', () => {
  it('names the time alone when the tallies lag within today, in the survey\'s zone', () => {
    // 02:00:05Z is 10:00:05 in Beijing; 'now' is later the same Beijing day.
    expect(tallyFreshnessTime('2026-11-01T02:00:05.000Z', '2026-11-01T02:00:09.000Z', 'Asia/Shanghai')).toBe('10:00:05');
    expect(tallyFreshnessTime('2026-11-01T02:00:05.000Z', '2026-11-01T15:59:59.000Z', 'Asia/Shanghai')).toBe('10:00:05');
  });

  it('names the date too when the oldest pending response is from an earlier local day', () => {
    // 15:59:59Z and 16:00:01Z fall on two Beijing days (23:59:59 and 00:00:01).
    expect(tallyFreshnessTime('2026-11-01T15:59:59.000Z', '2026-11-01T16:00:01.000Z', 'Asia/Shanghai')).toBe('2026-11-01 23:59:59');
    expect(tallyFreshnessTime('2026-11-01T15:59:59.000Z', '2026-11-01T16:00:01.000Z', 'UTC')).toBe('15:59:59');
  });
});
