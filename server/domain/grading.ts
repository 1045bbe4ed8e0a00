import { z } from 'zod';

/**
 * Numbers of the evaluation scorecard: the one rounding rule, zero-safe rates, how figures are
 * shown, and the grade a total earns. Scores keep 2 decimals (分), rates 4 decimals (shown as a
 * percentage with 2 decimals, e.g. 0.9455 → 94.55%).
 */
export const SCORE_DIGITS = 2;
export const RATE_DIGITS = 4;

/**
 * Rounds half away from zero. `toPrecision(12)` first drops the binary noise of the product, so
 * 1.005 → 1.01 and 9.100000000000001 → 9.1, as a person rounding the printed figure would.
 */
export function roundTo(value: number, digits: number): number {
  const factor = 10 ** digits;
  const scaled = Number((value * factor).toPrecision(12));
  const rounded = (Math.sign(scaled) * Math.round(Math.abs(scaled))) / factor;
  return rounded === 0 ? 0 : rounded; // no -0

}

export const roundScore = (value: number): number => roundTo(value, SCORE_DIGITS);

/** numerator ÷ denominator rounded to 4 decimals; null when the denominator is 0 (never NaN or Infinity). */
export function rateOf(numerator: number, denominator: number): number | null {
  if (!Number.isFinite(numerator) || !Number.isFinite(denominator) || denominator === 0) return null;
  return roundTo(numerator / denominator, RATE_DIGITS);
}

/** Whole hundredths, so sums of points and scores are exact integers (no 0.1 + 0.2 drift). */
export const toHundredths = (value: number): number => Math.round(value * 100);

/** True when `value` is a finite number written with at most `digits` decimals. */
export function hasAtMostDecimals(value: number, digits: number): boolean {
  return Number.isFinite(value) && Math.abs(value) < 1e15 && Number(value.toFixed(digits)) === value;
}

/** A figure for text: at most 2 decimals, trailing zeros dropped (90, 92.5, 14.25). */
export const formatNumber = (value: number): string => String(roundTo(value, 2));

/** A score as printed in the report: always 2 decimals (80.15, 16.40). */
export const formatScore = (value: number | null): string => (value === null ? '—' : roundScore(value).toFixed(2));

/** A rate (0.9455) as printed in the report (94.55%); '—' when there is no rate. */
export const formatPercent = (rate: number | null): string => (rate === null ? '—' : `${roundTo(rate * 100, 2).toFixed(2)}%`);

/** 评价等级: 优 (excellent), 良 (good), 中 (fair), 差 (poor). */
export const GRADES = ['excellent', 'good', 'fair', 'poor'] as const;
export type Grade = (typeof GRADES)[number];

/** The lowest total of each grade; 优 ≥ 90, 良 ≥ 80, 中 ≥ 60, else 差 unless an evaluation says otherwise. */
export interface GradeThresholds {
  excellent: number;
  good: number;
  fair: number;
}

export const DEFAULT_GRADES: GradeThresholds = { excellent: 90, good: 80, fair: 60 };

const thresholdSchema = z
  .number()
  .min(0)
  .max(100)
  .refine((v) => hasAtMostDecimals(v, 2), 'at most 2 decimals');

export const gradeThresholdsSchema = z
  .object({ excellent: thresholdSchema, good: thresholdSchema, fair: thresholdSchema })
  .refine((g) => g.excellent > g.good, { path: ['good'], message: 'good must be below excellent' })
  .refine((g) => g.good > g.fair, { path: ['fair'], message: 'fair must be below good' });

/** The grade of a total: a total exactly at a threshold earns that grade (80.00 is 良). */
export function gradeOf(total: number, thresholds: GradeThresholds = DEFAULT_GRADES): Grade {
  const t = toHundredths(total);
  if (t >= toHundredths(thresholds.excellent)) return 'excellent';
  if (t >= toHundredths(thresholds.good)) return 'good';
  if (t >= toHundredths(thresholds.fair)) return 'fair';
  return 'poor';
}
