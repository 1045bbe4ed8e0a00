import { z } from 'zod';
import { idSchema, textSchema } from '../../models/common';
import { formatNumber, hasAtMostDecimals, roundScore, toHundredths } from './grading';

/**
 * 专家评分: several evaluators score the ordinary indicators independently, each on a sheet of
 * their own, and the scorecard takes the combination the evaluation states. Where the experts'
 * scores for an indicator differ by more than the threshold, the indicator is flagged for 合议
 * (a consensus score agreed together), and the evaluation cannot be locked until it has one.
 */

/**
 * - auto: the mean of the experts' scores; with five or more experts the trimmed mean (the highest
 *   and the lowest score dropped, then the mean), so one outlier cannot move the score alone;
 * - mean: always the mean.
 */
export const COMBINATION_RULES = ['auto', 'mean'] as const;
export type CombinationRule = (typeof COMBINATION_RULES)[number];
export const TRIM_FROM = 5;
export const DEFAULT_THRESHOLD = 1;

const pointsValue = z
  .number()
  .min(0)
  .max(100)
  .refine((v) => hasAtMostDecimals(v, 2), 'at most 2 decimals');

export const expertSheetSchema = z.object({
  name: textSchema(100).pipe(z.string().min(1)),
  scores: z.record(idSchema, pointsValue).default(() => ({})),
  updatedAt: z.iso.datetime(),
});
export type ExpertSheet = z.output<typeof expertSheetSchema>;

export const consensusSchema = z.object({ score: pointsValue, note: textSchema(1000).default('') });
export type Consensus = z.output<typeof consensusSchema>;

export const expertPanelSchema = z.object({
  rule: z.enum(COMBINATION_RULES).default('auto'),
  /** Points: experts whose scores for an indicator differ by more than this are asked to agree (合议). */
  threshold: z
    .number()
    .gt(0)
    .max(100)
    .refine((v) => hasAtMostDecimals(v, 2), 'at most 2 decimals')
    .default(DEFAULT_THRESHOLD),
  /** One sheet per expert, keyed by user id. */
  sheets: z
    .record(idSchema, expertSheetSchema)
    .refine((m) => Object.keys(m).length <= 50, 'more than 50 experts')
    .default(() => ({})),
  consensus: z.record(idSchema, consensusSchema).default(() => ({})),
});
export type ExpertPanel = z.output<typeof expertPanelSchema>;

export const emptyPanel = (): ExpertPanel => expertPanelSchema.parse({});

export type CombinationMethod = 'mean' | 'trimmedMean';

/** The method the rule gives for this many scores. */
export const methodFor = (rule: CombinationRule, count: number): CombinationMethod => (rule === 'auto' && count >= TRIM_FROM ? 'trimmedMean' : 'mean');

/**
 * The combined score of one indicator, rounded to 2 decimals (the one rounding, as for any entered
 * score). Sums are taken in hundredths, so three scores of 2.1 give 2.1, not 2.0999….
 */
export function combineScores(scores: readonly number[], rule: CombinationRule): number | null {
  if (scores.length === 0) return null;
  const sorted = [...scores].map(toHundredths).sort((a, b) => a - b);
  const used = methodFor(rule, scores.length) === 'trimmedMean' ? sorted.slice(1, -1) : sorted;
  return roundScore(used.reduce((s, v) => s + v, 0) / used.length / 100);
}

export interface IndicatorExperts {
  indicatorId: string;
  /** The experts' scores, in sheet order (name, score). */
  scores: { expertId: string; name: string; score: number }[];
  method: CombinationMethod;
  combined: number | null;
  /** Highest − lowest, in points. */
  spread: number;
  divergent: boolean;
  consensus: Consensus | null;
  /** What the scorecard uses: the consensus when there is one, else the combination. */
  score: number | null;
}

/** For each indicator some expert scored: the scores, their combination, the spread and whether 合议 is needed. */
export function expertResults(panel: ExpertPanel, leafIds: readonly string[]): IndicatorExperts[] {
  const sheets = Object.entries(panel.sheets);
  const out: IndicatorExperts[] = [];
  for (const indicatorId of leafIds) {
    const scores = sheets.flatMap(([expertId, sheet]) => (sheet.scores[indicatorId] === undefined ? [] : [{ expertId, name: sheet.name, score: sheet.scores[indicatorId]! }]));
    if (!scores.length) continue;
    const values = scores.map((s) => s.score);
    const spread = (toHundredths(Math.max(...values)) - toHundredths(Math.min(...values))) / 100;
    const combined = combineScores(values, panel.rule);
    const consensus = panel.consensus[indicatorId] ?? null;
    out.push({
      indicatorId,
      scores,
      method: methodFor(panel.rule, values.length),
      combined,
      spread,
      divergent: toHundredths(spread) > toHundredths(panel.threshold),
      consensus,
      score: consensus ? consensus.score : combined,
    });
  }
  return out;
}

/** The scores the scorecard uses: an indicator the experts scored takes their result; the others keep what was entered. */
export function effectiveScores<S extends { score: number | null; note: string }>(
  scores: Readonly<Record<string, S>>,
  panel: ExpertPanel | undefined,
  leafIds: readonly string[],
): Record<string, S | { score: number | null; note: string }> {
  if (!panel || Object.keys(panel.sheets).length === 0) return { ...scores };
  const out: Record<string, S | { score: number | null; note: string }> = { ...scores };
  for (const r of expertResults(panel, leafIds)) out[r.indicatorId] = { ...(scores[r.indicatorId] ?? { note: '' }), score: r.score };
  return out;
}

export interface PanelSummary {
  experts: number;
  rule: CombinationRule;
  /** The method used for the most indicators (what the report names). */
  method: CombinationMethod;
  threshold: number;
  scored: number;
  divergent: number;
  /** Divergent indicators without an agreed score: they block the lock. */
  unresolved: string[];
  agreed: number;
}

export function summarisePanel(panel: ExpertPanel, leafIds: readonly string[]): PanelSummary {
  const results = expertResults(panel, leafIds);
  const experts = Object.keys(panel.sheets).length;
  return {
    experts,
    rule: panel.rule,
    method: methodFor(panel.rule, experts),
    threshold: panel.threshold,
    scored: results.length,
    divergent: results.filter((r) => r.divergent).length,
    unresolved: results.filter((r) => r.divergent && !r.consensus).map((r) => r.indicatorId),
    agreed: results.filter((r) => r.consensus).length,
  };
}

/** Scores on a sheet that cannot count: above the indicator's points, or for an indicator that is not an ordinary leaf. */
export function checkSheet(scores: Readonly<Record<string, number>>, leaves: ReadonlyMap<string, { name: string; points: number }>): { indicatorId: string; key: 'aboveMax' | 'notScorable'; params: Record<string, string> }[] {
  const problems: { indicatorId: string; key: 'aboveMax' | 'notScorable'; params: Record<string, string> }[] = [];
  for (const [id, score] of Object.entries(scores)) {
    const leaf = leaves.get(id);
    if (!leaf) problems.push({ indicatorId: id, key: 'notScorable', params: { id } });
    else if (toHundredths(score) > toHundredths(leaf.points)) problems.push({ indicatorId: id, key: 'aboveMax', params: { name: leaf.name, score: formatNumber(score), points: formatNumber(leaf.points) } });
  }
  return problems;
}
