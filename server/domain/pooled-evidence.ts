import type { IsoTime } from '../../models/common';
import { mergeSums, stratifiedEstimate, type StratumInput } from './estimation';
import type { Estimator, Evidence } from './scoring-rules';
import { round } from './statistics';

/**
 * One survey's share of a bound indicator's evidence: its response counts, its respondents' sums
 * by station (unrounded, from the dashboard) and its own sample adequacy.
 */
export interface EvidencePart {
  received: number;
  valid: number;
  /** Respondent sums per station, each with its population. */
  strata: StratumInput[];
  /** The range respondent scores can take in this survey (its weights' smallest and largest). */
  scale: { min: number; max: number };
  adequate: boolean;
  required: number;
  /** 以评促改: the survey's cases in the binding's stations and days, as [numerator, denominator]. */
  cases?: { rectified: [number, number]; onTimeClosure: [number, number] };
}

const clampPercent = (x: number) => Math.min(Math.max(x, 0), 100);

/** The estimator an Evidence names, from the weighting the stratified estimate used. */
export const estimatorOf = (weighting: 'population' | 'respondents'): Estimator => (weighting === 'population' ? 'stratified-population' : 'stratified-respondents');

/**
 * Pools several surveys into one Evidence with the dashboard's estimator: the respondents of every
 * survey at one station form that station's stratum, and the index and rate are stratified by
 * station (population weights, per-station FPC; weights by respondents when a population is
 * missing) with their intervals — see estimation.ts. A survey of 10 respondents therefore weighs
 * like 10 respondents, not like a survey of 1,000. received and valid are summed. The pooled sample
 * is adequate only when every survey's own sample is (a large survey cannot make up for one that was
 * barely answered); the required sample is the sum of theirs. With no parts, or no respondent with
 * a satisfaction answer, index and rate are null (no evidence, not 0).
 */
export function poolEvidence(parts: readonly EvidencePart[], computedAt: IsoTime): Evidence {
  const byStation = new Map<string, StratumInput>();
  for (const part of parts) {
    for (const s of part.strata) {
      const seen = byStation.get(s.id);
      byStation.set(s.id, seen ? { id: s.id, population: seen.population ?? s.population, sums: mergeSums(seen.sums, s.sums) } : { ...s });
    }
  }
  const scale = parts.length
    ? { min: Math.min(...parts.map((p) => p.scale.min)), max: Math.max(...parts.map((p) => p.scale.max)) }
    : { min: 0, max: 100 };
  const e = stratifiedEstimate([...byStation.values()], { scale });
  const pct = (x: number | null) => (x === null ? null : round(clampPercent(x), 2));
  const index = pct(e.index);
  const rate = e.rate === null ? null : pct(e.rate * 100);
  const received = parts.reduce((k, p) => k + p.received, 0);
  const valid = parts.reduce((k, p) => k + p.valid, 0);
  return {
    received,
    valid,
    index,
    indexCi: index !== null && e.indexCi ? [pct(e.indexCi[0])!, pct(e.indexCi[1])!] : null,
    rate,
    rateCi: rate !== null && e.rateCi ? [pct(e.rateCi[0] * 100)!, pct(e.rateCi[1] * 100)!] : null,
    adequate: parts.length > 0 && valid > 0 && parts.every((p) => p.adequate),
    requiredSample: parts.length > 0 ? parts.reduce((k, p) => k + p.required, 0) : null,
    estimator: estimatorOf(e.weighting),
    respondents: e.n,
    ...(parts.some((p) => p.cases) ? { cases: sumCases(parts) } : {}),
    computedAt,
  };
}

/** Case counts add up across surveys: numerators with numerators, denominators with denominators. */
function sumCases(parts: readonly EvidencePart[]): NonNullable<Evidence['cases']> {
  const sum = (k: 'rectified' | 'onTimeClosure'): [number, number] => [
    parts.reduce((n, p) => n + (p.cases?.[k][0] ?? 0), 0),
    parts.reduce((n, p) => n + (p.cases?.[k][1] ?? 0), 0),
  ];
  return { rectified: sum('rectified'), onTimeClosure: sum('onTimeClosure') };
}
