/**
 * Survey statistics from tallies: pure functions, zero-safe, rounded in one place (round()).
 * Per question (one answer per respondent and item) and per number question:
 * - satisfaction index of an item (满意度指数, per item) = Σ wᵢ·cᵢ / n over its valid answers
 *   (不了解/不适用 excluded), with the t-interval of server/domain/estimation.ts (t on n − 1 degrees
 *   of freedom, the all-equal bound, none below MIN_RESPONDENTS);
 * - satisfaction rate of an item (满意率, per item) = answers in the satisfied levels / n, with Wilson's interval;
 * - a number question's mean with its t-interval.
 * The index and rate of a station, a segment, a dimension or the survey are respondent-level and
 * stratified: see estimation.ts. Required samples: see sample-plan.ts.
 */
import { LIKERT_LEVELS, NOT_APPLICABLE, type Question } from '../../models/survey';
import { MIN_RESPONDENTS, simpleEstimate, sumsFromLevels, t95, weightRange, Z95, type Interval, type LevelCounts } from './estimation';

export { Z95, type Interval } from './estimation';
export { requiredSample } from './sample-plan';

export function round(x: number, digits?: number): number;
export function round(x: number | null, digits?: number): number | null;
export function round(x: number | null, digits = 2): number | null {
  if (x === null || !Number.isFinite(x)) return null;
  const f = 10 ** digits;
  return Math.round((x + Number.EPSILON * Math.sign(x)) * f) / f;
}

export const share = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

/** Mean, standard deviation and 95% t-interval (n − 1 degrees of freedom) from n, Σx and Σx²; the interval needs n ≥ 2. */
export function meanInterval(n: number, sum: number, sumsq: number): { mean: number | null; sd: number | null; ci: Interval | null } {
  if (n <= 0) return { mean: null, sd: null, ci: null };
  const mean = sum / n;
  if (n < 2) return { mean, sd: null, ci: null };
  const variance = Math.max(0, (sumsq - (sum * sum) / n) / (n - 1));
  const sd = Math.sqrt(variance);
  const half = (t95(n - 1) * sd) / Math.sqrt(n);
  return { mean, sd, ci: [mean - half, mean + half] };
}

/** Wilson score interval for k successes in n trials (as proportions 0–1). */
export function wilsonInterval(k: number, n: number, z = Z95): Interval | null {
  if (n <= 0) return null;
  const p = k / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

/** Counts of one or more Likert items: levels '5'…'1' and 'na'. */
export type LikertCounts = Record<(typeof LIKERT_LEVELS)[number] | typeof NOT_APPLICABLE, number>;

export const emptyLikert = (): LikertCounts => ({ '5': 0, '4': 0, '3': 0, '2': 0, '1': 0, na: 0 });

export function addLikert(into: LikertCounts, from: LikertCounts): LikertCounts {
  for (const k of Object.keys(into) as (keyof LikertCounts)[]) into[k] += from[k];
  return into;
}

export interface Satisfaction {
  /** Valid answers with a level (不了解 excluded). */
  n: number;
  /** Fewer than MIN_RESPONDENTS answers: no interval (样本不足). */
  insufficient: boolean;
  notApplicable: number;
  /** 满意度指数 on the weights' scale (0–100 by default). */
  index: number | null;
  indexCi: Interval | null;
  /** 满意率 in percent. */
  rate: number | null;
  rateCi: Interval | null;
  sum: number;
  sumsq: number;
  satisfied: number;
}

/** Satisfaction index and rate of Likert counts with the survey's weights (levels 5..1) and satisfied levels. */
export function satisfaction(counts: LikertCounts, weights: readonly number[], satisfiedLevels: readonly number[]): Satisfaction {
  let n = 0;
  let sum = 0;
  let sumsq = 0;
  let satisfied = 0;
  LIKERT_LEVELS.forEach((level, i) => {
    const c = counts[level];
    const w = weights[i] ?? 0;
    n += c;
    sum += w * c;
    sumsq += w * w * c;
    if (satisfiedLevels.includes(Number(level))) satisfied += c;
  });
  const levels = LIKERT_LEVELS.map((l) => counts[l]) as LevelCounts;
  const e = simpleEstimate(sumsFromLevels(levels, weights, satisfiedLevels), null, { scale: weightRange(weights) });
  const insufficient = n < MIN_RESPONDENTS;
  // An item's rate counts answers in the satisfied levels themselves (whatever their weights).
  const w = insufficient ? null : wilsonInterval(satisfied, n);
  return {
    n,
    insufficient,
    notApplicable: counts.na,
    index: round(e.index, 2),
    indexCi: e.indexCi ? [round(e.indexCi[0], 2), round(e.indexCi[1], 2)] : null,
    rate: n > 0 ? round((satisfied / n) * 100, 2) : null,
    rateCi: w ? [round(w[0] * 100, 2), round(w[1] * 100, 2)] : null,
    sum,
    sumsq,
    satisfied,
  };
}

/** Median of a discrete distribution [value, count][] (mean of the two middle values when n is even). */
export function medianOf(distribution: readonly [number, number][]): number | null {
  const sorted = [...distribution].filter(([, c]) => c > 0).sort((a, b) => a[0] - b[0]);
  const n = sorted.reduce((s, [, c]) => s + c, 0);
  if (n === 0) return null;
  const at = (k: number) => {
    let seen = 0;
    for (const [v, c] of sorted) {
      seen += c;
      if (seen > k) return v;
    }
    return sorted[sorted.length - 1]![0];
  };
  return n % 2 === 1 ? at((n - 1) / 2) : (at(n / 2 - 1) + at(n / 2)) / 2;
}

export interface CellSum {
  count: number;
  sum: number;
  sumsq: number;
}

export interface OptionShare {
  id: string;
  label: string;
  count: number;
  /** Percent of the question's denominator (answers, or respondents for multi). */
  share: number | null;
}

export type QuestionSummary =
  | { type: 'likert5'; id: string; text: string; dimension: string | null; counts: LikertCounts; options: OptionShare[]; satisfaction: Satisfaction }
  | { type: 'single' | 'multi'; id: string; text: string; answered: number; options: OptionShare[] }
  | { type: 'rating' | 'nps'; id: string; text: string; answered: number; options: OptionShare[]; mean: number | null; median: number | null; nps: number | null }
  | { type: 'number'; id: string; text: string; answered: number; mean: number | null; sd: number | null; ci: Interval | null }
  | { type: 'text'; id: string; text: string; answered: number };

export function likertCounts(cells: ReadonlyMap<string, CellSum>): LikertCounts {
  const c = emptyLikert();
  for (const k of Object.keys(c) as (keyof LikertCounts)[]) c[k] = cells.get(k)?.count ?? 0;
  return c;
}

const pct = (part: number, whole: number) => round(whole > 0 ? (part / whole) * 100 : null, 2);

/** The summary of one question from its cells (key → count/sum/sumsq) over the chosen responses. */
export function summariseQuestion(
  q: Question,
  cells: ReadonlyMap<string, CellSum>,
  weights: readonly number[],
  satisfiedLevels: readonly number[],
): QuestionSummary {
  const base = { id: q.id, text: q.text };
  switch (q.type) {
    case 'likert5': {
      const counts = likertCounts(cells);
      const s = satisfaction(counts, weights, satisfiedLevels);
      const options = q.options.map((o) => ({ id: o.id, label: o.label, count: counts[o.id as keyof LikertCounts] ?? 0, share: pct(counts[o.id as keyof LikertCounts] ?? 0, s.n) }));
      // 不了解/不适用 is reported with its count but no share: it is outside every denominator.
      if (q.allowNotApplicable || counts.na > 0) options.push({ id: NOT_APPLICABLE, label: q.notApplicableLabel, count: counts.na, share: null });
      return { ...base, type: 'likert5', dimension: q.dimension, counts, options, satisfaction: s };
    }
    case 'single': {
      const answered = q.options.reduce((n, o) => n + (cells.get(o.id)?.count ?? 0), 0);
      return { ...base, type: 'single', answered, options: q.options.map((o) => ({ id: o.id, label: o.label, count: cells.get(o.id)?.count ?? 0, share: pct(cells.get(o.id)?.count ?? 0, answered) })) };
    }
    case 'multi': {
      // Shares of a multiple choice are of the respondents who answered it, so they may add up to more than 100%.
      const answered = cells.get('')?.count ?? 0;
      return { ...base, type: 'multi', answered, options: q.options.map((o) => ({ id: o.id, label: o.label, count: cells.get(o.id)?.count ?? 0, share: pct(cells.get(o.id)?.count ?? 0, answered) })) };
    }
    case 'rating':
    case 'nps': {
      const min = q.type === 'nps' ? 0 : (q.min ?? 1);
      const max = q.type === 'nps' ? 10 : (q.max ?? 5);
      const dist: [number, number][] = [];
      for (let v = min; v <= max; v++) dist.push([v, cells.get(String(v))?.count ?? 0]);
      const answered = dist.reduce((s, [, c]) => s + c, 0);
      const total = dist.reduce((s, [v, c]) => s + v * c, 0);
      let nps: number | null = null;
      if (q.type === 'nps' && answered > 0) {
        const promoters = dist.filter(([v]) => v >= 9).reduce((s, [, c]) => s + c, 0);
        const detractors = dist.filter(([v]) => v <= 6).reduce((s, [, c]) => s + c, 0);
        nps = round(((promoters - detractors) / answered) * 100, 2);
      }
      return {
        ...base,
        type: q.type,
        answered,
        options: dist.map(([v, c]) => ({ id: String(v), label: String(v), count: c, share: pct(c, answered) })),
        mean: round(answered > 0 ? total / answered : null, 2),
        median: medianOf(dist),
        nps,
      };
    }
    case 'number': {
      const c = cells.get('') ?? { count: 0, sum: 0, sumsq: 0 };
      const m = meanInterval(c.count, c.sum, c.sumsq);
      return { ...base, type: 'number', answered: c.count, mean: round(m.mean, 2), sd: round(m.sd, 2), ci: m.ci ? [round(m.ci[0], 2), round(m.ci[1], 2)] : null };
    }
    case 'text':
      return { ...base, type: 'text', answered: cells.get('')?.count ?? 0 };
  }
}

export type Granularity = 'day' | 'week' | 'month';

/** The bucket of a local day: itself, its ISO week (YYYY-Www, weeks start on Monday) or its month (YYYY-MM). */
export function bucketOf(day: string, granularity: Granularity): string {
  if (granularity === 'day') return day;
  if (granularity === 'month') return day.slice(0, 7);
  const d = new Date(`${day}T00:00:00Z`);
  const weekday = (d.getUTCDay() + 6) % 7; // Monday = 0
  const thursday = new Date(d.getTime() + (3 - weekday) * 86400000);
  const year = thursday.getUTCFullYear();
  const jan1 = new Date(Date.UTC(year, 0, 1));
  const week = Math.floor((thursday.getTime() - jan1.getTime()) / 86400000 / 7) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/**
 * The trend's buckets chosen by the span it covers (first to last day, inclusive): days up to 31
 * days, ISO weeks up to 26 weeks (182 days), months beyond.
 */
export function granularityForSpan(firstDay: string, lastDay: string): Granularity {
  const days = Math.round((Date.parse(`${lastDay}T00:00:00Z`) - Date.parse(`${firstDay}T00:00:00Z`)) / 86_400_000) + 1;
  if (!Number.isFinite(days) || days <= 31) return 'day';
  return days <= 182 ? 'week' : 'month';
}

/**
 * The satisfaction levels 5..1 with the index range each stands for on the weights' scale: halfway
 * to the neighbouring weights (100/80/60/40/20: 非常满意 90–100, 满意 70–90 … 非常不满意 20–30).
 * Charts colour an index by the level it falls in.
 */
export function levelBands(weights: readonly number[]): { level: number; low: number; high: number }[] {
  const levels = LIKERT_LEVELS.map((l, i) => ({ level: Number(l), w: weights[i] ?? 0 })).sort((a, b) => b.w - a.w || b.level - a.level);
  return levels.map((x, i) => ({
    level: x.level,
    high: i === 0 ? x.w : (x.w + levels[i - 1]!.w) / 2,
    low: i === levels.length - 1 ? x.w : (x.w + levels[i + 1]!.w) / 2,
  }));
}

/** The level (1–5) an index falls in (see levelBands); a value on a boundary goes to the higher level. */
export function levelOf(value: number, weights: readonly number[]): number {
  const bands = levelBands(weights);
  return (bands.find((b) => value >= b.low) ?? bands[bands.length - 1]!).level;
}
