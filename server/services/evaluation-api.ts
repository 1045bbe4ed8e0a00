import { z } from 'zod';
import {
  checkFunding,
  evaluationDataSchema,
  ESTIMATORS,
  evaluationText,
  fundingRates,
  fundingRecordSchema,
  gradeKey,
  GRADES,
  MEASURES,
  scoringRuleSchema,
  type Evidence,
  type Funding,
} from '../domain/evaluation';
import { evidenceFileSchema } from '../domain/report/facts';
import { RECTIFICATION_STATUSES, rectificationItems, rectificationSourceSchema } from '../domain/rectification';
import { translator, type Locale } from '../i18n';
import { fraction, toFraction } from './api-stats';
import type { EvaluationWithProblems, ScorecardModel } from './evaluations';

/**
 * The evaluation as the API gives it, and the schemas the OpenAPI document shows for it (the
 * functions are typed by them). Rates are fractions 0–1 as everywhere in the API; the satisfaction
 * index, the figure S a scoring rule reads and the rule's own parameters stay on the report's
 * 0–100 scale (see docs/api.md).
 */

const count = z.number().int().min(0);

export const problemSchema = z.object({
  nodeId: z.string().nullable().meta({ description: 'the indicator concerned, or null for the whole evaluation' }),
  key: z.string().meta({ description: 'catalog key, stable across languages' }),
  message: z.string().meta({ description: 'in the language of Accept-Language' }),
});

export const evidenceApiSchema = z
  .object({
    received: count,
    valid: count,
    index: z.number().min(0).max(100).nullable().meta({ description: '满意度指数, 0–100' }),
    indexCi: z.tuple([z.number(), z.number()]).nullable(),
    rate: fraction.nullable().meta({ description: '满意率, a fraction' }),
    rateCi: z.tuple([fraction, fraction]).nullable(),
    adequate: z.boolean(),
    requiredSample: count.nullable(),
    estimator: z
      .enum(ESTIMATORS)
      .optional()
      .meta({ description: 'stratified-population: respondent-level, stratified by station, weighted by service recipients; stratified-respondents: weighted by respondents (a population is missing); absent on evidence frozen before estimators were named (answers pooled)' }),
    respondents: count.optional().meta({ description: 'respondents the figures rest on' }),
    computedAt: z.iso.datetime(),
  })
  .meta({ description: 'the survey figures a bound indicator is scored from (several surveys: respondents pooled by station)' });

export const fundingReportSchema = fundingRecordSchema
  .extend({
    receivedRate: z.number().min(0).nullable().meta({ description: '资金到位率 = received.total ÷ budget.total, a fraction (null when nothing was budgeted)' }),
    executionRate: z.number().min(0).nullable().meta({ description: '预算执行率 = spent ÷ received.total, a fraction (null when nothing was received)' }),
    checks: z.array(problemSchema.omit({ nodeId: true })).meta({ description: '核对提示: figures that disagree (parts ≠ total, received − spent ≠ carriedOver); they are kept as entered' }),
  })
  .meta({ description: '资金情况 in 万元 as entered (totals beside their 中央/省级/市级 parts), its rates and its 核对提示' });

const recordShape = {
  id: z.string(),
  name: z.string(),
  locked: z.boolean(),
  isDemo: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.string().meta({ description: 'send it back with every write (409 when it has changed since)' }),
};

export const evaluationSummarySchema = z.object(recordShape);

export const rectificationApiItemSchema = z
  .object({
    id: z.string().meta({ description: 'the item’s id (an item of this evaluation’s own problem has the problem’s id); PATCH …/rectification/{itemId}' }),
    problemId: z.string().nullable().meta({ description: 'the 存在问题 (data.report.problems) it rectifies; null for an item carried over from an earlier evaluation' }),
    problem: z.string().meta({ description: 'the problem as written' }),
    unit: z.string().meta({ description: '责任单位' }),
    deadline: z.iso.date().nullable().meta({ description: '整改期限, a calendar day in the configured zone' }),
    status: z.enum(RECTIFICATION_STATUSES).meta({ description: 'open 未整改, inProgress 整改中, done 已完成, dropped 不再整改' }),
    reason: z.string().meta({ description: 'why it was dropped (status dropped only)' }),
    note: z.string().meta({ description: '整改情况: what was done' }),
    files: z.array(evidenceFileSchema).meta({ description: 'evidence files, served at /admin/evaluations/{id}/files/{fileId}' }),
    source: rectificationSourceSchema.nullable().meta({ description: 'where a carried-over item came from: the earlier evaluation and its item' }),
    updatedAt: z.iso.datetime().nullable(),
    updatedBy: z.string(),
    carried: z.boolean().meta({ description: 'carried over from an earlier evaluation' }),
    overdue: z.boolean().meta({ description: 'still open (open, inProgress) and its deadline is before today in the configured zone' }),
  })
  .meta({ description: 'A 整改 item: one per 存在问题, then those carried over. Editable after the lock.' });

export const evaluationApiSchema = z.object({
  evaluation: z.object({
    ...recordShape,
    data: evaluationDataSchema.extend({
      lock: z.object({ at: z.iso.datetime(), by: z.string(), evidence: z.record(z.string(), evidenceApiSchema) }).nullable(),
    }),
  }),
  funding: fundingReportSchema,
  problems: z.array(problemSchema),
  rectification: z.array(rectificationApiItemSchema).meta({ description: 'the 整改 items with their problem’s text and whether they are overdue (data.rectification holds them as stored)' }),
});

export type EvaluationApi = z.output<typeof evaluationApiSchema>;

/** Evidence with its rate as a fraction (the domain keeps the percentage S the rules read). */
export const evidenceForApi = (e: Evidence): z.output<typeof evidenceApiSchema> => ({
  ...e,
  rate: toFraction(e.rate),
  rateCi: e.rateCi ? [toFraction(e.rateCi[0])!, toFraction(e.rateCi[1])!] : null,
});

/** 资金情况 with its two rates and its 核对提示 in words. */
export function fundingForApi(funding: Funding, locale: Locale): z.output<typeof fundingReportSchema> {
  const t = translator(locale);
  const rates = fundingRates(funding);
  return {
    ...funding,
    receivedRate: rates.receivedRate,
    executionRate: rates.executionRate,
    checks: checkFunding(funding).map((p) => ({ key: p.key, message: t(p.key, p.params) })),
  };
}

/**
 * GET/PATCH/PUT … /evaluations/{id}: the record with its data, its funding block, its problems in
 * words and its 整改 items (overdue as of `today`, a local day in the configured zone).
 */
export function evaluationForApi(e: EvaluationWithProblems, locale: Locale, today: string): EvaluationApi {
  const t = translator(locale);
  // The lock's survey snapshots are the report's material (percentages, as printed); the API gives the evidence.
  const lock = e.data.lock ? { at: e.data.lock.at, by: e.data.lock.by, evidence: Object.fromEntries(Object.entries(e.data.lock.evidence).map(([id, ev]) => [id, evidenceForApi(ev)])) } : null;
  return {
    evaluation: { ...e.record, data: { ...e.data, lock } },
    funding: fundingForApi(e.data.funding, locale),
    problems: e.problems.map((p) => ({ nodeId: p.nodeId, key: p.key, message: t(p.key, p.params) })),
    rectification: rectificationItems(e.data.report.problems, e.data.rectification, today),
  };
}

export const scoreReportSchema = z
  .object({
    evaluationId: z.string(),
    name: z.string(),
    isDemo: z.boolean(),
    total: z.number().meta({ description: 'sum of the indicator scores, each rounded to 2 decimals first' }),
    points: z.number(),
    rate: fraction.nullable().meta({ description: '得分率 = total ÷ points' }),
    grade: z.enum(GRADES),
    gradeLabel: z.string(),
    complete: z.boolean().meta({ description: 'false while some indicator has no score (total and grade are then provisional)' }),
    missing: count,
    locked: z.boolean(),
    lockedAt: z.iso.datetime().nullable(),
    lockedBy: z.string().nullable(),
    dimensions: z.array(z.object({ id: z.string(), name: z.string(), points: z.number(), score: z.number(), rate: fraction.nullable() })),
    funding: fundingReportSchema,
    satisfaction: z.array(
      z.object({
        indicatorId: z.string(),
        name: z.string(),
        points: z.number(),
        score: z.number().nullable(),
        status: z.enum(['bound', 'no-evidence']),
        measure: z.enum(MEASURES),
        value: z.number().min(0).max(100).nullable().meta({ description: 'S, the figure the rule read, on its 0–100 scale (the index, or the rate in percent)' }),
        rule: scoringRuleSchema,
        ruleText: z.string().nullable(),
        explanation: z.string().nullable(),
        evidence: evidenceApiSchema.nullable(),
        surveys: z.array(
          z.object({
            surveyId: z.string(),
            title: z.string().nullable(),
            isDemo: z.boolean(),
            received: count,
            valid: count,
            index: z.number().nullable(),
            rate: fraction.nullable(),
            adequate: z.boolean(),
            required: count,
            dashboard: z.string(),
          }),
        ),
      }),
    ),
  })
  .meta({ description: 'The scorecard: total, grade, dimensions, funding, and for each bound indicator its evidence and rule' });

export type ScoreReport = z.output<typeof scoreReportSchema>;

/** GET …/score: the total, the grade, the dimensions, the funding and, for each bound indicator, its evidence and rule in words. */
export function scoreReport(model: ScorecardModel, locale: Locale): ScoreReport {
  const t = translator(locale);
  const card = model.scored.scorecard;
  const { record, data } = model.evaluation;
  return {
    evaluationId: record.id,
    name: record.name,
    isDemo: record.isDemo,
    total: card.total,
    points: card.points,
    rate: card.rate,
    grade: card.grade,
    gradeLabel: t(gradeKey(card.grade)),
    complete: card.complete,
    missing: card.missing,
    locked: data.lock !== null,
    lockedAt: data.lock?.at ?? null,
    lockedBy: data.lock?.by ?? null,
    dimensions: card.dimensions.map((d) => ({ id: d.id, name: d.name, points: d.points, score: d.score, rate: d.rate })),
    funding: fundingForApi(data.funding, locale),
    satisfaction: card.nodes.flatMap((n) =>
      n.rule === undefined || n.measure === undefined
        ? []
        : [
            {
              indicatorId: n.id,
              name: n.name,
              points: n.points,
              score: n.score,
              status: n.status === 'bound' ? ('bound' as const) : ('no-evidence' as const),
              measure: n.measure,
              value: n.value ?? null,
              rule: n.rule,
              ruleText: model.bound[n.id]?.ruleText ?? null,
              explanation: n.explanation ? evaluationText(n.explanation, locale) : null,
              evidence: n.evidence ? evidenceForApi(n.evidence) : null,
              surveys: (model.bound[n.id]?.surveys ?? []).map((s) => ({
                surveyId: s.surveyId,
                title: s.title,
                isDemo: s.isDemo,
                received: s.received,
                valid: s.valid,
                index: s.index,
                rate: toFraction(s.rate),
                adequate: s.adequate,
                required: s.required,
                dashboard: s.href,
              })),
            },
          ],
    ),
  };
}
