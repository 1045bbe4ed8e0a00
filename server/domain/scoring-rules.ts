import { z } from 'zod';
import { idSchema, type IsoTime } from '../../models/common';
import * as casesCatalog from '../i18n/areas/cases-evaluation';
import * as estimationCatalog from '../i18n/areas/estimation';
import * as evaluationCatalog from '../i18n/areas/evaluation';
import * as fundingCatalog from '../i18n/areas/funding';
import { formatNumber, hasAtMostDecimals, roundScore, roundTo } from './grading';

/**
 * Scoring rules: how a satisfaction figure S (0–100) becomes the points of a bound indicator.
 * S is the satisfaction index (满意度指数, already 0–100) or the satisfaction rate (满意率, as a
 * percentage), whichever the binding names.
 */

/** The catalog areas the evaluation domain speaks from: the scorecard's, 资金情况's checks and the estimators' names. */
const catalog = {
  zh: { ...evaluationCatalog.zh, ...fundingCatalog.zh, ...estimationCatalog.zh, ...casesCatalog.zh },
  en: { ...evaluationCatalog.en, ...fundingCatalog.en, ...estimationCatalog.en, ...casesCatalog.en },
};

export type EvaluationMessageKey = keyof typeof catalog.zh;
export type EvaluationParams = Record<string, string | number>;

/** A catalog message the caller translates (keys live in server/i18n/areas/evaluation.ts). */
export interface EvaluationMessage {
  key: EvaluationMessageKey;
  params: EvaluationParams;
}

/** One thing wrong with an evaluation; `nodeId` is the indicator concerned, or null for the whole. */
export interface EvaluationProblem extends EvaluationMessage {
  nodeId: string | null;
}

export type EvaluationLocale = 'zh-CN' | 'en';

/** Fills a message from the evaluation catalog, for text the domain itself must produce (rule text kept with a lock). */
export function evaluationText(message: EvaluationMessage, locale: EvaluationLocale): string {
  const template: string = locale === 'en' ? catalog.en[message.key] : catalog.zh[message.key];
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in message.params ? String(message.params[name]) : whole));
}

/**
 * index and rate read satisfaction; rectified (整改完成率) and onTimeClosure (按时办结率) read the
 * bound surveys' 以评促改 cases, as percentages (see server/domain/cases/metrics.ts).
 */
export const MEASURES = ['index', 'rate', 'rectified', 'onTimeClosure'] as const;
export type Measure = (typeof MEASURES)[number];
export const CASE_MEASURES: readonly Measure[] = ['rectified', 'onTimeClosure'];

/** A case rate's parts: numerator and denominator. */
export type CaseCount = [number, number];

const percentSchema = z.number().min(0).max(100);
const twoDecimals = (v: number) => hasAtMostDecimals(v, 2);

const ratioRuleSchema = z.object({
  kind: z.literal('ratio'),
  target: z.number().gt(0).max(100).refine(twoDecimals, 'at most 2 decimals').default(90),
});

const thresholdRuleSchema = z.object({
  kind: z.literal('threshold'),
  target: percentSchema.refine(twoDecimals, 'at most 2 decimals'),
  deductionPerPoint: z.number().gt(0).max(100).refine(twoDecimals, 'at most 2 decimals'),
});

const bandSchema = z.object({
  min: percentSchema.refine(twoDecimals, 'at most 2 decimals'),
  share: z.number().min(0).max(1).refine((v) => hasAtMostDecimals(v, 4), 'at most 4 decimals'),
});

const bandsRuleSchema = z
  .object({ kind: z.literal('bands'), bands: z.array(bandSchema).min(1).max(10) })
  .refine((r) => new Set(r.bands.map((b) => b.min)).size === r.bands.length, { path: ['bands'], message: 'two bands with the same minimum' })
  .refine((r) => sortedBands(r.bands).every((b, i, all) => i === 0 || b.share <= all[i - 1]!.share), {
    path: ['bands'],
    message: 'a higher band must not earn a smaller share',
  });

const linearRuleSchema = z
  .object({
    kind: z.literal('linear'),
    floor: percentSchema.refine(twoDecimals, 'at most 2 decimals'),
    target: percentSchema.refine(twoDecimals, 'at most 2 decimals'),
  })
  .refine((r) => r.floor <= r.target, { path: ['floor'], message: 'floor above target' });

export const scoringRuleSchema = z.discriminatedUnion('kind', [ratioRuleSchema, thresholdRuleSchema, bandsRuleSchema, linearRuleSchema]);

/**
 * - ratio: points × min(S ÷ target, 1)
 * - threshold: full points at S ≥ target, else points − deductionPerPoint × (target − S), not below 0
 * - bands: points × the share of the highest band whose min ≤ S (0 below every band)
 * - linear: 0 at S ≤ floor, full at S ≥ target, linear between (floor = target is a step at target)
 */
export type ScoringRule = z.output<typeof scoringRuleSchema>;
export type ScoringRuleKind = ScoringRule['kind'];
export const RULE_KINDS: readonly ScoringRuleKind[] = ['ratio', 'threshold', 'bands', 'linear'];

export interface Band {
  min: number;
  share: number;
}

/** Bands from the highest minimum down. */
function sortedBands(bands: readonly Band[]): Band[] {
  return [...bands].sort((a, b) => b.min - a.min);
}

/**
 * The estimators evidence can come from: respondent-level, stratified by station with population
 * weights (the default), or with weights by respondents when a station's population is missing.
 * Evidence frozen before estimators were named has none: its figures pooled the answers.
 */
export const ESTIMATORS = ['stratified-population', 'stratified-respondents'] as const;
export type Estimator = (typeof ESTIMATORS)[number];

/**
 * What the statistics service found for a binding's responses. `index` is 0–100; `rate` is a
 * percentage 0–100; each interval is 95%; `estimator` names how index and rate were estimated.
 */
export interface Evidence {
  received: number;
  valid: number;
  index: number | null;
  indexCi: [number, number] | null;
  rate: number | null;
  rateCi: [number, number] | null;
  adequate: boolean;
  requiredSample: number | null;
  estimator?: Estimator;
  /** Respondents the figures rest on. */
  respondents?: number;
  /** 以评促改 (cases of the bound surveys, stations and days): 整改率 and on-time closure as [numerator, denominator]. */
  cases?: { rectified: CaseCount; onTimeClosure: CaseCount };
  computedAt: IsoTime;
}

const intervalSchema = z
  .tuple([percentSchema, percentSchema])
  .refine(([lo, hi]) => lo <= hi, 'interval bounds reversed')
  .nullable();

export const evidenceSchema = z
  .object({
    received: z.number().int().min(0),
    valid: z.number().int().min(0),
    index: percentSchema.nullable(),
    indexCi: intervalSchema,
    rate: percentSchema.nullable(),
    rateCi: intervalSchema,
    adequate: z.boolean(),
    requiredSample: z.number().int().min(0).nullable(),
    estimator: z.enum(ESTIMATORS).optional(),
    respondents: z.number().int().min(0).optional(),
    cases: z
      .object({
        rectified: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
        onTimeClosure: z.tuple([z.number().int().min(0), z.number().int().min(0)]),
      })
      .optional(),
    computedAt: z.iso.datetime(),
  })
  .refine((e) => e.valid <= e.received, { path: ['valid'], message: 'more valid than received responses' });

const daySchema = z.iso.date();

/** The fields of a binding: which responses, which figure, which rule. */
export const bindingShape = {
  surveyIds: z.array(idSchema).min(1).max(20),
  siteIds: z.array(idSchema).max(1000).optional(),
  dayFrom: daySchema.optional(),
  dayTo: daySchema.optional(),
  measure: z.enum(MEASURES),
  rule: scoringRuleSchema,
};

/** The checks across a binding's fields (an object schema with bindingShape's fields, and maybe more). */
export const withBindingChecks = <T extends z.ZodType<{ surveyIds: string[]; dayFrom?: string; dayTo?: string }>>(schema: T): T =>
  schema
    .refine((b) => new Set(b.surveyIds).size === b.surveyIds.length, { path: ['surveyIds'], message: 'a survey listed twice' })
    .superRefine((b, ctx) => {
      if (b.dayFrom && b.dayTo && b.dayFrom > b.dayTo) {
        ctx.addIssue({ code: 'custom', path: ['dayTo'], input: b.dayTo, message: 'period ends before it starts', params: { key: 'filters.toBeforeFrom', params: { from: b.dayFrom, to: b.dayTo } } });
      }
    });

/** An indicator scored from survey responses: which responses, which figure, which rule. */
export const bindingSchema = withBindingChecks(z.strictObject(bindingShape));

export type Binding = z.output<typeof bindingSchema>;

/**
 * The points a satisfaction figure S earns under a rule, rounded to 2 decimals: the one place a
 * rule's result is rounded. S outside 0–100 is clamped.
 */
export function applyRule(points: number, rule: ScoringRule, satisfaction: number): number {
  const s = Math.min(Math.max(satisfaction, 0), 100);
  let score: number;
  switch (rule.kind) {
    case 'ratio':
      score = points * Math.min(s / rule.target, 1);
      break;
    case 'threshold':
      score = s >= rule.target ? points : Math.max(points - rule.deductionPerPoint * (rule.target - s), 0);
      break;
    case 'bands':
      score = points * (sortedBands(rule.bands).find((b) => b.min <= s)?.share ?? 0);
      break;
    case 'linear':
      // Target first: when floor = target the rule is a step and there is nothing to divide by.
      if (s >= rule.target) score = points;
      else if (s <= rule.floor) score = 0;
      else score = (points * (s - rule.floor)) / (rule.target - rule.floor);
      break;
  }
  return roundScore(score);
}

export type BindingScore =
  | { status: 'scored'; score: number; value: number; valid: number; explanation: EvaluationMessage }
  | { status: 'no-evidence'; score: null; value: null; valid: number; explanation: EvaluationMessage };

/** The figure a binding reads from its evidence, or null when there is none to read. */
export function measuredValue(measure: Measure, evidence: Evidence | null | undefined): number | null {
  if (CASE_MEASURES.includes(measure)) {
    const parts = evidence?.cases?.[measure as 'rectified' | 'onTimeClosure'];
    return parts && parts[1] > 0 ? roundTo((parts[0] / parts[1]) * 100, 2) : null;
  }
  if (!evidence || evidence.valid <= 0) return null;
  const value = measure === 'index' ? evidence.index : evidence.rate;
  return value !== null && Number.isFinite(value) ? value : null;
}

/**
 * Scores a bound indicator. Without evidence, or with no valid responses, the indicator has no
 * score (status 'no-evidence'), never a silent 0. The explanation names the estimator the figure
 * comes from (evidence frozen before estimators were named keeps its earlier wording).
 */
export function scoreBinding(points: number, binding: Pick<Binding, 'measure' | 'rule'>, evidence: Evidence | null | undefined): BindingScore {
  const value = measuredValue(binding.measure, evidence);
  const valid = evidence?.valid ?? 0;
  if (value === null) return { status: 'no-evidence', score: null, value: null, valid, explanation: { key: 'evaluation.explain.noEvidence', params: {} } };
  const score = applyRule(points, binding.rule, value);
  if (CASE_MEASURES.includes(binding.measure)) {
    const [num, den] = evidence!.cases![binding.measure as 'rectified' | 'onTimeClosure'];
    const explanation: EvaluationMessage = { key: `evaluation.explain.${binding.measure as 'rectified' | 'onTimeClosure'}`, params: { value: formatNumber(value), num, den, score: formatNumber(score), points: formatNumber(points) } };
    return { status: 'scored', score, value, valid: den, explanation };
  }
  const params = { value: formatNumber(value), n: valid, score: formatNumber(score), points: formatNumber(points) };
  const estimator = evidence?.estimator;
  const explanation: EvaluationMessage = estimator
    ? { key: `est.explain.${binding.measure as 'index' | 'rate'}.${estimator}`, params: { ...params, respondents: evidence?.respondents ?? 0 } }
    : { key: binding.measure === 'index' ? 'evaluation.explain.index' : 'evaluation.explain.rate', params };
  return { status: 'scored', score, value, valid, explanation };
}

/**
 * The rule of a binding in words: a 以评促改 rate under the ratio rule names its figure ("整改完成率
 * 达到 90% 得满分，低于时按比例得分…"); every other binding reads as ruleText.
 */
export function bindingRuleText(binding: Pick<Binding, 'measure' | 'rule'>, locale: EvaluationLocale): string {
  if (CASE_MEASURES.includes(binding.measure) && binding.rule.kind === 'ratio') {
    const metric = evaluationText({ key: `evaluation.metric.${binding.measure as 'rectified' | 'onTimeClosure'}`, params: {} }, locale);
    return evaluationText({ key: 'evaluation.rule.caseRatio', params: { metric, full: formatNumber(binding.rule.target) } }, locale);
  }
  return ruleText(binding.rule, locale);
}

/** The rule stated in words, for the scorecard and for the report that quotes it. */
export function ruleText(rule: ScoringRule, locale: EvaluationLocale): string {
  const text = (key: EvaluationMessageKey, params: EvaluationParams = {}) => evaluationText({ key, params }, locale);
  switch (rule.kind) {
    case 'ratio':
      return text('evaluation.rule.ratio', { target: formatNumber(rule.target) });
    case 'threshold':
      return text('evaluation.rule.threshold', { target: formatNumber(rule.target), deduction: formatNumber(rule.deductionPerPoint) });
    case 'bands': {
      const bands = sortedBands(rule.bands)
        .map((b) => text('evaluation.rule.band', { min: formatNumber(b.min), share: formatNumber(roundTo(b.share * 100, 2)) }))
        .join(text('evaluation.rule.bandSeparator'));
      return text('evaluation.rule.bands', { bands });
    }
    case 'linear':
      if (rule.floor === rule.target) return text('evaluation.rule.step', { target: formatNumber(rule.target) });
      return text('evaluation.rule.linear', { floor: formatNumber(rule.floor), target: formatNumber(rule.target) });
  }
}
