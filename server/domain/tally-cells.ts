import type { SurveyResponse } from '../../models/response';
import type { Question } from '../../models/survey';
import type { TallyCell, TallyDelta, TallyKey, TallyLevel } from '../../models/tally';
import { LIKERT_LEVELS } from '../../models/likert';
import { ALL, ALL_DAYS } from '../../models/tally-all';

/**
 * The cells and groups one response adds to the tallies. Imports nothing heavy (no mongoose, zod or
 * statistics library): the SQLite writer thread computes a submission's tallies with it (see
 * ResponseTallies), and starts in tens of milliseconds.
 */

/** A respondent's satisfaction answers by level, levels 5, 4, 3, 2, 1 (不了解 left out). */
export type LevelCounts = [number, number, number, number, number];

/** Tally cell key of a level profile: "c5-c4-c3-c2-c1" (no '.', so MongoDB can use it as a field name). */
export const profileKey = (c: LevelCounts): string => c.join('-');

/** '_n~' counts responses; its sum is the total answer time in ms. */
export const RESPONSES_CELL = '_n~';
/** '_sat~<level>' counts a response's answers to the items that count toward satisfaction, by level. */
export const SATISFACTION_CELLS = '_sat';

/**
 * '_r~c5-c4-c3-c2-c1' counts respondents by their satisfaction answers per level (不了解 left out):
 * every response has exactly one, so a group's '_r' cells add up to its '_n~' count. From these
 * profiles each respondent's mean score and whether it reaches the satisfied threshold follow for
 * any weights and satisfied levels, which stay settings that change without a rebuild.
 */
export const RESPONDENT_CELLS = '_r';
/** '_rd~<dimension>:c5-c4-c3-c2-c1': the same profile over one dimension's items (respondents who answered one). */
export const DIMENSION_CELLS = '_rd';

export const cellKey = (questionId: string, key: string) => `${questionId}~${key}`;

/** A dimension as it appears in a cell key: percent-encoded, with '.' encoded too (MongoDB field names). */
export const dimensionKey = (dimension: string) => encodeURIComponent(dimension).replace(/\./g, '%2E');

/** The dimension and profile of a '_rd' cell key, or null. */
export function parseDimensionCell(key: string): { dimension: string; profile: string } | null {
  const at = key.lastIndexOf(':');
  if (at < 0) return null;
  try {
    return { dimension: decodeURIComponent(key.slice(0, at)), profile: key.slice(at + 1) };
  } catch {
    return null;
  }
}

/**
 * 'excluded' or 'kept' when a person decided, else the quality flags sorted and joined ('' when
 * clean): which flags invalidate is the survey's setting, read when counting, never stored here.
 */
export function tallyState(r: Pick<SurveyResponse, 'review' | 'flags'>): string {
  return r.review ?? [...r.flags].sort().join(',');
}

/** The cells one response adds, from the questions of the version it answered. */
export function responseCells(r: Pick<SurveyResponse, 'answers' | 'durationMs'>, questions: readonly Question[]): Record<string, TallyCell> {
  const cells: Record<string, TallyCell> = { [RESPONSES_CELL]: { count: 1, sum: r.durationMs, sumsq: 0 } };
  const add = (key: string, sum = 0) => {
    const c = (cells[key] ??= { count: 0, sum: 0, sumsq: 0 });
    c.count += 1;
    c.sum += sum;
    c.sumsq += sum * sum;
  };
  for (const q of questions) {
    const a = r.answers[q.id];
    if (a === undefined || a === '' || (Array.isArray(a) && a.length === 0)) continue;
    switch (q.type) {
      case 'likert5':
      case 'single':
        if (typeof a === 'string') add(cellKey(q.id, a));
        break;
      case 'multi':
        if (Array.isArray(a)) {
          add(cellKey(q.id, ''));
          for (const o of a) add(cellKey(q.id, o));
        }
        break;
      case 'rating':
      case 'nps':
        if (typeof a === 'number') add(cellKey(q.id, String(a)));
        break;
      case 'number':
        if (typeof a === 'number') add(cellKey(q.id, ''), a);
        break;
      case 'text':
        if (typeof a === 'string') add(cellKey(q.id, ''));
        break;
    }
  }
  return cells;
}

/** The respondent's level profile over the satisfaction items, overall and per dimension (see RESPONDENT_CELLS). */
export function respondentCells(r: Pick<SurveyResponse, 'answers'>, questions: readonly Question[]): Record<string, TallyCell> {
  const overall: LevelCounts = [0, 0, 0, 0, 0];
  const byDimension = new Map<string, LevelCounts>();
  for (const q of questions) {
    if (q.type !== 'likert5' || !q.countsTowardSatisfaction) continue;
    const a = r.answers[q.id];
    const level = typeof a === 'string' ? LIKERT_LEVELS.indexOf(a as (typeof LIKERT_LEVELS)[number]) : -1;
    if (level < 0) continue;
    overall[level]! += 1;
    if (q.dimension) {
      const d = byDimension.get(q.dimension) ?? byDimension.set(q.dimension, [0, 0, 0, 0, 0]).get(q.dimension)!;
      d[level]! += 1;
    }
  }
  const cells: Record<string, TallyCell> = { [cellKey(RESPONDENT_CELLS, profileKey(overall))]: { count: 1, sum: 0, sumsq: 0 } };
  for (const [dimension, c] of byDimension) cells[cellKey(DIMENSION_CELLS, `${dimensionKey(dimension)}:${profileKey(c)}`)] = { count: 1, sum: 0, sumsq: 0 };
  return cells;
}

/**
 * The three groups a response belongs to:
 * - fine: its day, station, channel and segment (period and channel filters read these);
 * - sites: all days and channels together ('*'), by station and segment (the unfiltered dashboard);
 * - trend: its day, all stations, channels and segments together (the unfiltered trend line).
 */
export function tallyKeys(r: SurveyResponse): { level: TallyLevel; key: TallyKey }[] {
  const { surveyId, version } = r;
  const state = tallyState(r);
  // Written out rather than spread from a common base: V8 builds spread keys on a slow path (~4 µs each).
  return [
    { level: 'fine', key: { surveyId, version, state, day: r.day, siteId: r.siteId, channel: r.channel, segment: r.segment } },
    { level: 'sites', key: { surveyId, version, state, day: ALL_DAYS, siteId: r.siteId, channel: ALL, segment: r.segment } },
    { level: 'trend', key: { surveyId, version, state, day: r.day, siteId: ALL, channel: ALL, segment: ALL } },
  ];
}

/** The trend group's cells: the response count, its satisfaction answers by level and its respondent profile, nothing per question. */
export function trendCells(cells: Record<string, TallyCell>, questions: readonly Question[]): Record<string, TallyCell> {
  const out: Record<string, TallyCell> = { [RESPONSES_CELL]: { ...cells[RESPONSES_CELL]! } };
  const respondent = `${RESPONDENT_CELLS}~`;
  for (const k in cells) if (k.startsWith(respondent)) out[k] = { ...cells[k]! };
  // One pass over the cells per satisfaction question would be questions × cells; a cell's question
  // is the text before its first '~' (question ids hold none), so one pass over the cells will do,
  // visiting them in question order as responseCells added them.
  const satisfaction = new Set<string>();
  for (const q of questions) if (q.type === 'likert5' && q.countsTowardSatisfaction) satisfaction.add(q.id);
  if (satisfaction.size === 0) return out;
  for (const k in cells) {
    const sep = k.indexOf('~');
    if (sep < 0 || !satisfaction.has(k.slice(0, sep))) continue;
    const level = cellKey(SATISFACTION_CELLS, k.slice(sep + 1));
    const t = (out[level] ??= { count: 0, sum: 0, sumsq: 0 });
    t.count += cells[k]!.count;
  }
  return out;
}

/** What storing (sign 1) or removing (sign -1) this response does to the tallies, in each of its groups. */
export function tallyDeltas(r: SurveyResponse, questions: readonly Question[], sign: 1 | -1 = 1): TallyDelta[] {
  // responseCells gives a new object: the respondent cells join it in place (their keys never clash).
  const cells = Object.assign(responseCells(r, questions), respondentCells(r, questions));
  // 0 - x rather than -1 * x: removing a zero sum gives 0, not -0.
  // Each group gets its own cells, so a consumer that adds into one does not change another.
  const signed = (source: Record<string, TallyCell>) => {
    const out: Record<string, TallyCell> = {};
    for (const k in source) {
      const c = source[k]!;
      out[k] = sign === 1 ? { count: c.count, sum: c.sum, sumsq: c.sumsq } : { count: 0 - c.count, sum: 0 - c.sum, sumsq: 0 - c.sumsq };
    }
    return out;
  };
  if (sign === -1) return tallyKeys(r).map(({ level, key }) => ({ key, cells: signed(level === 'trend' ? trendCells(cells, questions) : cells) }));
  // Adding (every submission): the cells just built go to the first group as they are, a copy to
  // each other, and the trend's own (trendCells builds new cells) — one copy instead of three.
  let given = false;
  return tallyKeys(r).map(({ level, key }) => {
    if (level === 'trend') return { key, cells: trendCells(cells, questions) };
    if (given) return { key, cells: signed(cells) };
    given = true;
    return { key, cells };
  });
}

/**
 * The tallies a stored response adds, as the caller hands them to ResponseRepo.insert: the deltas
 * themselves, or the questions of the version it answered, from which the store computes them
 * (`tallyDeltas`) where it writes — the SQLite writer thread, off the thread serving requests.
 */
export type ResponseTallies = TallyDelta[] | { questions: readonly Question[] };

/** The deltas of `tallies` for this response. */
export function deltasOf(r: SurveyResponse, tallies: ResponseTallies): TallyDelta[] {
  return Array.isArray(tallies) ? tallies : tallyDeltas(r, tallies.questions);
}
