/**
 * Respondent-level, stratified estimation of satisfaction (pure; no rounding here: the service
 * rounds what it shows). The unit is the respondent, the stratum the station.
 *
 * - A respondent's score yᵢ is the mean Likert weight of the satisfaction items they answered with
 *   a level (不了解/不适用 left out); a respondent with none is not in the analysis. They are
 *   satisfied when yᵢ reaches the threshold τ, the smallest weight of the satisfied levels.
 * - Per station h: nₕ respondents, mean ȳₕ, variance sₕ² = Σ(yᵢ − ȳₕ)²/(nₕ − 1), sampling fraction
 *   fₕ = nₕ/Nₕ (Nₕ its service recipients; 0 when unknown, or when Nₕ < nₕ, which is named).
 * - Overall (separate-stratum estimator, Cochran 1977 §5.2–5.3): ȳ_st = Σ Wₕ ȳₕ with Wₕ = Nₕ/ΣN over
 *   the stations with respondents (or Wₕ = nₕ/n when a population is missing, named as such);
 *   v(ȳ_st) = Σ Wₕ²(1 − fₕ)sₕ²/nₕ; a station with fewer than 2 respondents, or all of them equal,
 *   borrows the pooled within-station variance (collapsed-strata substitute); interval ȳ_st ± t·√v with
 *   Satterthwaite's degrees of freedom, which for one station is n − 1: a t-interval.
 * - Rate p_st = Σ Wₕ pₕ; v(p_st) = Σ Wₕ²(1 − fₕ)pₕ(1 − pₕ)/nₕ; interval: Wilson's score interval at the
 *   effective sample size n* = p(1 − p)/v (Kish), at most Σ nₕ/(1 − fₕ) (Korn & Graubard 1998), or
 *   1/Σ Wₕ²(1 − fₕ)/nₕ when v = 0. For one station this is Wilson at n/(1 − f).
 * - Every respondent equal (no variance to estimate): the population mean lies between
 *   c − u(c − min) and c + u(max − c), u the Wilson upper bound of the share of respondents who
 *   would differ (0 of n*), min/max the weights' range: a bound that holds whatever the distribution.
 * - Below MIN_RESPONDENTS no interval is given ("样本不足").
 */
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { LIKERT_LEVELS } from '../../models/survey';
import { profileKey, type LevelCounts } from './tally-cells';

/** z for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/** Fewer respondents than this: no interval, "样本不足". */
export const MIN_RESPONDENTS = 5;

export type Interval = [number, number];

/** Quantile of Student's t for a two-sided 95% interval at `df` degrees of freedom (may be fractional). */
export const t95 = (df: number): number => tQuantile(0.975, Math.max(1, df));

/** A respondent's satisfaction answers by level (LevelCounts: levels 5, 4, 3, 2, 1, 不了解 left out) and its cell key. */
export { profileKey, type LevelCounts };

export function parseProfile(key: string): LevelCounts | null {
  const parts = key.split('-');
  if (parts.length !== 5 || !parts.every((p) => /^\d+$/.test(p))) return null;
  return parts.map(Number) as LevelCounts;
}

/** τ: the smallest weight among the satisfied levels (levels 5..1 ↔ weights[0..4]). */
export function satisfiedThreshold(weights: readonly number[], satisfiedLevels: readonly number[]): number {
  const ws = satisfiedLevels.map((l) => weights[LIKERT_LEVELS.indexOf(String(l) as (typeof LIKERT_LEVELS)[number])]).filter((w): w is number => w !== undefined);
  return ws.length ? Math.min(...ws) : Infinity;
}

/** The range respondent scores can take: the smallest and largest weight. */
export const weightRange = (weights: readonly number[]): { min: number; max: number } => ({ min: Math.min(...weights), max: Math.max(...weights) });

/** Respondent-level sums of a group: n, mean and Σ(y − ȳ)² (merged exactly, so all-equal stays 0), satisfied count. */
export interface RespondentSums {
  n: number;
  mean: number;
  m2: number;
  satisfied: number;
}

export const emptySums = (): RespondentSums => ({ n: 0, mean: 0, m2: 0, satisfied: 0 });

/** Chan et al.'s pairwise update: the sums of two disjoint groups together. */
export function mergeSums(a: RespondentSums, b: RespondentSums): RespondentSums {
  if (b.n === 0) return { ...a };
  if (a.n === 0) return { ...b };
  const n = a.n + b.n;
  const delta = b.mean - a.mean;
  return { n, mean: a.mean + (delta * b.n) / n, m2: a.m2 + b.m2 + (delta * delta * a.n * b.n) / n, satisfied: a.satisfied + b.satisfied };
}

/** `count` respondents who all scored y. */
export const constantSums = (count: number, y: number, satisfied: boolean): RespondentSums => ({ n: count, mean: y, m2: 0, satisfied: satisfied ? count : 0 });

/** One respondent's score and whether it reaches τ, from their answers by level; null with no answer with a level. */
export function respondentScore(c: LevelCounts, weights: readonly number[], threshold: number): { y: number; satisfied: boolean } | null {
  const m = c.reduce((s, x) => s + x, 0);
  if (m === 0) return null;
  const total = c.reduce((s, x, i) => s + x * (weights[i] ?? 0), 0);
  // Compared as Σw·c ≥ τ·m, with room for float error in fractional weights.
  return { y: total / m, satisfied: total >= threshold * m - 1e-9 * Math.max(1, Math.abs(threshold * m)) };
}

/** A respondent's score and whether it reaches τ, by profile key (null for an unreadable key or no answer with a level). */
export type ProfileScorer = (key: string) => { y: number; satisfied: boolean } | null;

/** A scorer for these weights and satisfied levels that remembers each profile it has scored (one dashboard reads the same profiles many times). */
export function profileScorer(weights: readonly number[], satisfiedLevels: readonly number[]): ProfileScorer {
  const threshold = satisfiedThreshold(weights, satisfiedLevels);
  const seen = new Map<string, { y: number; satisfied: boolean } | null>();
  return (key) => {
    let s = seen.get(key);
    if (s === undefined) {
      const c = parseProfile(key);
      s = c ? respondentScore(c, weights, threshold) : null;
      seen.set(key, s);
    }
    return s;
  };
}

/** Respondent sums from level profiles and how many respondents had each (in key order, so sums are reproducible). */
export function sumsFromProfiles(profiles: Iterable<[string, number]>, weights: readonly number[], satisfiedLevels: readonly number[], score: ProfileScorer = profileScorer(weights, satisfiedLevels)): RespondentSums {
  let out = emptySums();
  for (const [key, count] of [...profiles].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (count <= 0) continue;
    const s = score(key);
    if (s) out = mergeSums(out, constantSums(count, s.y, s.satisfied));
  }
  return out;
}

/** The sums of one item's answers (each respondent answers an item once): counts by level 5..1. */
export function sumsFromLevels(counts: LevelCounts, weights: readonly number[], satisfiedLevels: readonly number[]): RespondentSums {
  return sumsFromProfiles(
    counts.map((k, i) => [profileKey([0, 0, 0, 0, 0].map((_, j) => (j === i ? 1 : 0)) as LevelCounts), k] as [string, number]),
    weights,
    satisfiedLevels,
  );
}

/** Wilson's score interval for a proportion p observed on n (n may be an effective, fractional size). */
export function wilson(p: number, n: number, z = Z95): Interval {
  if (!Number.isFinite(n)) return [p, p];
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z / (1 + z2 / n)) * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n));
  return [Math.max(0, centre - half), Math.min(1, centre + half)];
}

export type Weighting = 'population' | 'respondents';

/** How an interval was obtained: t (the usual), the all-equal bound, a census (every recipient answered), or none. */
export type IntervalMethod = 't' | 'all-equal' | 'census';

export interface Estimate {
  /** Respondents in the analysis. */
  n: number;
  satisfied: number;
  /** Mean score on the weights' scale. */
  index: number | null;
  indexSe: number | null;
  indexDf: number | null;
  indexCi: Interval | null;
  indexMethod: IntervalMethod | null;
  /** Proportion 0–1 of respondents satisfied. */
  rate: number | null;
  rateCi: Interval | null;
  /** The effective sample size Wilson's interval used. */
  rateNeff: number | null;
  /** Below MIN_RESPONDENTS: no interval. */
  insufficient: boolean;
}

export interface StratumInput {
  id: string;
  /** Service recipients Nₕ; null when unknown. */
  population: number | null;
  sums: RespondentSums;
}

export interface StratifiedEstimate extends Estimate {
  weighting: Weighting;
  /** Stations with respondents (the strata represented). */
  strata: number;
  /** Stations in scope with no respondent: not represented by the estimate. */
  emptyStrata: string[];
  /** Represented stations with no known population (the reason for weighting by respondents). */
  missingPopulation: string[];
  /** Stations with fewer recipients than respondents: no finite-population correction applied. */
  populationBelowRespondents: string[];
  /** Wₕ of each represented station. */
  weights: Record<string, number>;
  /** Share of the known population living in represented stations (population weighting only). */
  coverage: number | null;
}

export interface EstimateOptions {
  scale: { min: number; max: number };
  minRespondents?: number;
  z?: number;
}

const sampled = (s: StratumInput) => s.sums.n > 0;
/** Σ(y − ȳ)² that is more than float noise on this scale (all-equal scores merge to exactly 0, but fractions may not). */
const spread = (m2: number, n: number, scale: { min: number; max: number }) => m2 > 1e-12 * n * Math.max(1, (scale.max - scale.min) ** 2);
const known = (p: number | null): p is number => p !== null && p > 0;

/** The sampling fraction fₕ, or 0 when the population is unknown or smaller than the sample. */
const fractionOf = (s: StratumInput) => (known(s.population) && s.population >= s.sums.n ? s.sums.n / s.population : 0);

/** The stratified estimate (see the file's header); with one station it is the simple respondent-level estimate with FPC. */
export function stratifiedEstimate(strata: readonly StratumInput[], options: EstimateOptions): StratifiedEstimate {
  const min = options.minRespondents ?? MIN_RESPONDENTS;
  const z = options.z ?? Z95;
  const { scale } = options;
  const S = strata.filter(sampled);
  const emptyStrata = strata.filter((s) => !sampled(s)).map((s) => s.id);
  const missingPopulation = S.filter((s) => !known(s.population)).map((s) => s.id);
  const populationBelowRespondents = S.filter((s) => known(s.population) && s.population < s.sums.n).map((s) => s.id);
  const weighting: Weighting = S.length > 0 && missingPopulation.length === 0 ? 'population' : 'respondents';
  const n = S.reduce((k, s) => k + s.sums.n, 0);
  const satisfied = S.reduce((k, s) => k + s.sums.satisfied, 0);
  const base = { weighting, strata: S.length, emptyStrata, missingPopulation, populationBelowRespondents, n, satisfied };
  if (n === 0) {
    return { ...base, index: null, indexSe: null, indexDf: null, indexCi: null, indexMethod: null, rate: null, rateCi: null, rateNeff: null, insufficient: true, weights: {}, coverage: null };
  }
  const totalPop = weighting === 'population' ? S.reduce((k, s) => k + s.population!, 0) : 0;
  const W = S.map((s) => (weighting === 'population' ? s.population! / totalPop : s.sums.n / n));
  const f = S.map(fractionOf);
  const a = S.map((s, i) => (W[i]! * W[i]! * (1 - f[i]!)) / s.sums.n);
  const index = S.reduce((k, s, i) => k + W[i]! * s.sums.mean, 0);
  const rate = S.reduce((k, s, i) => k + (W[i]! * s.sums.satisfied) / s.sums.n, 0);
  const weights = Object.fromEntries(S.map((s, i) => [s.id, W[i]!]));
  const allKnown = strata.filter((s) => known(s.population));
  const coverage = weighting === 'population' && allKnown.length === strata.length ? totalPop / allKnown.reduce((k, s) => k + s.population!, 0) : null;

  // Rate: Wilson at the effective sample size.
  const vp = S.reduce((k, s, i) => {
    const p = s.sums.satisfied / s.sums.n;
    return k + a[i]! * p * (1 - p);
  }, 0);
  const sumA = a.reduce((k, x) => k + x, 0);
  const kish = sumA > 0 ? 1 / sumA : Infinity;
  const cap = S.reduce((k, s, i) => k + (f[i]! < 1 ? s.sums.n / (1 - f[i]!) : Infinity), 0);
  const rateNeff = vp > 0 ? Math.min((rate * (1 - rate)) / vp, cap) : kish;

  // Index: separate-stratum variance, borrowed where a station cannot estimate its own.
  const own = S.map((s) => s.sums.n >= 2 && spread(s.sums.m2, s.sums.n, scale));
  const within = S.reduce((acc, s) => (s.sums.n >= 2 ? { m2: acc.m2 + s.sums.m2, df: acc.df + s.sums.n - 1 } : acc), { m2: 0, df: 0 });
  const total = S.reduce((acc, s) => mergeSums(acc, s.sums), emptySums());
  const substitute = spread(within.m2, within.df + 1, scale) ? { v: within.m2 / within.df, df: within.df } : spread(total.m2, total.n, scale) ? { v: total.m2 / (total.n - 1), df: total.n - 1 } : null;
  const ownTerms = S.map((s, i) => (own[i] ? a[i]! * (s.sums.m2 / (s.sums.n - 1)) : 0));
  const borrowedA = S.reduce((k, _s, i) => k + (own[i] ? 0 : a[i]!), 0);
  const borrowedTerm = substitute ? borrowedA * substitute.v : 0;
  const v = ownTerms.reduce((k, x) => k + x, 0) + borrowedTerm;

  let indexCi: Interval;
  let indexMethod: IntervalMethod;
  let indexDf: number | null = null;
  let indexSe: number | null = null;
  const clip = (x: number) => Math.min(scale.max, Math.max(scale.min, x));
  if (sumA === 0) {
    indexMethod = 'census';
    indexSe = 0;
    indexCi = [index, index];
  } else if (!substitute) {
    // Every respondent gave the same score c.
    indexMethod = 'all-equal';
    const u = wilson(0, kish, z)[1];
    indexCi = [index - u * (index - scale.min), index + u * (scale.max - index)];
  } else {
    indexMethod = 't';
    const denominator = S.reduce((k, s, i) => k + (own[i] ? (ownTerms[i]! * ownTerms[i]!) / (s.sums.n - 1) : 0), 0) + (borrowedA > 0 ? (borrowedTerm * borrowedTerm) / substitute.df : 0);
    indexDf = denominator > 0 ? (v * v) / denominator : n - 1;
    indexSe = Math.sqrt(v);
    const half = t95(indexDf) * indexSe;
    indexCi = [clip(index - half), clip(index + half)];
  }
  const insufficient = n < min;
  return {
    ...base,
    index,
    indexSe,
    indexDf,
    indexCi: insufficient ? null : indexCi,
    indexMethod: insufficient ? null : indexMethod,
    rate,
    rateCi: insufficient ? null : wilson(rate, rateNeff, z),
    rateNeff,
    insufficient,
    weights,
    coverage,
  };
}

/** One group of respondents (a station with its population, a segment, one item): the one-stratum case. */
export function simpleEstimate(sums: RespondentSums, population: number | null, options: EstimateOptions): Estimate {
  const e = stratifiedEstimate([{ id: '', population, sums }], options);
  return { n: e.n, satisfied: e.satisfied, index: e.index, indexSe: e.indexSe, indexDf: e.indexDf, indexCi: e.indexCi, indexMethod: e.indexMethod, rate: e.rate, rateCi: e.rateCi, rateNeff: e.rateNeff, insufficient: e.insufficient };
}

/** Whether two intervals share a point (overlapping intervals do not establish a difference). */
export const overlaps = (a: Interval | null, b: Interval | null): boolean => !a || !b || (a[0] <= b[1] && b[0] <= a[1]);
