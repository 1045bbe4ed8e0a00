import { z } from 'zod';
import { CHANNELS } from '../../models/response';
import { SURVEY_STATUSES } from '../../models/survey';
import { roundTo, RATE_DIGITS } from '../domain/grading';
import type { OptionShare, QuestionSummary, Satisfaction } from '../domain/statistics';
import { caseSurveyMetricsSchema } from './cases-api';
import type { DashboardStats, GroupStats, RespondentFigures } from './statistics';
import { FILTER_MODES, GRANULARITIES } from './statistics';

/**
 * The statistics as the API gives them. One convention for the whole API: every rate or share
 * (满意率, 有效率, 回收率, an option's share, 资金到位率, 得分率) is a fraction 0–1 with 4 decimals;
 * the pages print it as a percentage. The 满意度指数 is not a rate: it stays on the weights'
 * 0–100 scale, as does NPS (−100…100). The schemas here are the OpenAPI document's response
 * schemas, and the functions are typed by them, so the document and the answer cannot drift apart.
 */

const count = z.number().int().min(0);
export const fraction = z.number().min(0).max(1).meta({ description: 'a fraction 0–1 (0.9455 = 94.55%)' });
const interval = <T extends z.ZodType>(bound: T) => z.tuple([bound, bound]).nullable();

/** One item's answers (or a dimension's answers pooled): each respondent answers an item once. */
export const satisfactionSchema = z.object({
  n: count.meta({ description: 'answers with a level (不了解 left out)' }),
  insufficient: z.boolean().meta({ description: 'fewer than 5 answers: no interval (样本不足)' }),
  notApplicable: count,
  index: z.number().nullable().meta({ description: '满意度指数 of the item, on the weights’ scale (0–100 by default)' }),
  indexCi: interval(z.number()).meta({ description: '95% t-interval of the index' }),
  rate: fraction.nullable().meta({ description: '满意率 of the item (answers in the satisfied levels), a fraction 0–1' }),
  rateCi: interval(fraction).meta({ description: 'Wilson 95% interval of the rate, fractions' }),
  sum: z.number(),
  sumsq: z.number(),
  satisfied: count,
});

/** Respondent-level figures: the index is the mean of respondents' mean scores, the rate the share of satisfied respondents. */
export const respondentSatisfactionSchema = z.object({
  n: count.meta({ description: 'respondents with at least one satisfaction answer with a level' }),
  satisfied: count.meta({ description: 'respondents whose mean score reaches the satisfied threshold' }),
  index: z.number().nullable().meta({ description: '满意度指数 on the weights’ scale: mean of respondent means (stratified for the survey, station and dimension figures)' }),
  indexCi: interval(z.number()).meta({ description: '95% interval of the index (t; all-equal bound; census)' }),
  rate: fraction.nullable().meta({ description: '满意率: share of respondents satisfied, a fraction 0–1' }),
  rateCi: interval(fraction).meta({ description: 'Wilson 95% interval (at the effective sample size when stratified), fractions' }),
  insufficient: z.boolean().meta({ description: 'fewer than 5 respondents: no interval (样本不足)' }),
  method: z.enum(['t', 'all-equal', 'census']).nullable().meta({ description: 'how the index interval was obtained' }),
  df: z.number().nullable().meta({ description: 'degrees of freedom of the t-interval (Satterthwaite when stratified)' }),
});

const optionShareSchema = z.object({ id: z.string(), label: z.string(), count, share: fraction.nullable().meta({ description: 'of the question’s denominator, a fraction' }) });
const likertCountsSchema = z.object({ '5': count, '4': count, '3': count, '2': count, '1': count, na: count });
const questionBase = { id: z.string(), text: z.string() };

export const questionSummarySchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('likert5'), ...questionBase, dimension: z.string().nullable(), counts: likertCountsSchema, options: z.array(optionShareSchema), satisfaction: satisfactionSchema }),
  z.object({ type: z.enum(['single', 'multi']), ...questionBase, answered: count, options: z.array(optionShareSchema) }),
  z.object({
    type: z.enum(['rating', 'nps']),
    ...questionBase,
    answered: count,
    options: z.array(optionShareSchema),
    mean: z.number().nullable(),
    median: z.number().nullable(),
    nps: z.number().min(-100).max(100).nullable().meta({ description: 'Net Promoter Score, −100…100 (a score, not a rate)' }),
  }),
  z.object({ type: z.literal('number'), ...questionBase, answered: count, mean: z.number().nullable(), sd: z.number().nullable(), ci: interval(z.number()) }),
  z.object({ type: z.literal('text'), ...questionBase, answered: count }),
]);

const groupShape = {
  received: count.meta({ description: 'every response received (收到)' }),
  valid: count.meta({ description: 'valid responses (有效), in either mode' }),
  validRate: fraction.nullable().meta({ description: '有效率 = valid ÷ received' }),
  satisfaction: respondentSatisfactionSchema,
};

export const statsSchema = z
  .object({
    survey: z.object({
      id: z.string(),
      title: z.string(),
      status: z.enum(SURVEY_STATUSES),
      version: z.number().int(),
      isDemo: z.boolean(),
      weights: z.array(z.number()),
      satisfiedLevels: z.array(z.number().int()),
      qualityRules: z.array(z.string()),
      threshold: z.number().meta({ description: 'a respondent is satisfied when their mean score reaches this (the smallest weight of the satisfied levels)' }),
    }),
    filters: z.object({
      sites: z.array(z.string()).optional(),
      from: z.string().optional(),
      to: z.string().optional(),
      segments: z.array(z.string()).optional(),
      channels: z.array(z.enum(CHANNELS)).optional(),
      mode: z.enum(FILTER_MODES),
      granularity: z.enum(GRANULARITIES).optional(),
    }),
    overall: z.object({
      ...groupShape,
      estimator: z.object({
        weighting: z.enum(['population', 'respondents']).meta({ description: 'stratum weights: service recipients (population), or valid respondents when a population is missing' }),
        strata: count.meta({ description: 'stations with respondents' }),
        emptyStrata: z.array(z.string()).meta({ description: 'stations in scope with no respondent: not represented' }),
        missingPopulation: z.array(z.string()),
        populationBelowRespondents: z.array(z.string()).meta({ description: 'stations with fewer recipients than respondents: no finite-population correction' }),
        coverage: fraction.nullable().meta({ description: 'share of the population in represented stations' }),
      }),
      pooled: respondentSatisfactionSchema.meta({ description: 'the same respondents pooled without strata, for comparison' }),
      required: count.meta({ description: 'overall sample for ±5 points: the sum of the stations’ shares under the allocation' }),
      stationsRequired: count.meta({ description: 'the sum of what each station needs for its own figure to ±5 points' }),
      allocation: z.enum(['proportional', 'neyman', 'target', 'none']),
      moe: fraction.nullable().meta({ description: 'achieved margin of error at the current n (p = 0.5), a fraction' }),
      adequate: z.boolean().meta({ description: 'whether the achieved margin is within ±5 points and every station is represented (or every station reaches the survey’s target)' }),
      unrepresented: z.array(z.string()),
    }),
    bySite: z.array(
      z.object({
        ...groupShape,
        site: z.object({ id: z.string(), code: z.string(), name: z.string(), recipients: z.number().int().nullable() }),
        required: count.meta({ description: 'what the station needs for its own figure to ±5 points (with its FPC), or the survey’s target' }),
        allocated: count.nullable().meta({ description: 'its share of the overall requirement under the allocation' }),
        moe: fraction.nullable().meta({ description: 'achieved margin of error at its current n (p = 0.5), a fraction' }),
        adequate: z.boolean(),
        responseRate: z.number().min(0).nullable().meta({ description: '回收率 = valid ÷ service recipients, a fraction (above 1 when recipients are undercounted)' }),
        weight: fraction.nullable().meta({ description: 'its stratum weight in the overall figures' }),
      }),
    ),
    lowest: z
      .object({ siteId: z.string(), name: z.string(), index: z.number(), indexCi: z.tuple([z.number(), z.number()]), overlapping: z.array(z.string()) })
      .nullable()
      .meta({ description: 'the station with the lowest index and an interval, and the stations whose intervals overlap its own' }),
    bySegment: z.array(z.object({ ...groupShape, value: z.string(), label: z.string() })),
    segmentsApart: z.array(z.tuple([z.string(), z.string()])).meta({ description: 'pairs of segments whose index intervals do not overlap' }),
    dimensions: z.array(z.object({ dimension: z.string(), satisfaction: respondentSatisfactionSchema, answers: satisfactionSchema })),
    questions: z.array(questionSummarySchema),
    trendGranularity: z.enum(GRANULARITIES).meta({ description: 'the buckets used: as asked, else by the span (day ≤ 31 days, week ≤ 26 weeks, month beyond)' }),
    trend: z.array(
      z.object({
        bucket: z.string().meta({ description: 'YYYY-MM-DD, YYYY-Www or YYYY-MM' }),
        received: count,
        valid: count,
        respondents: count,
        index: z.number().nullable().meta({ description: 'respondent-level, all stations pooled' }),
        rate: fraction.nullable(),
        insufficient: z.boolean(),
      }),
    ),
    quality: z.object({
      received: count,
      valid: count,
      excluded: count,
      kept: count,
      flags: z.record(z.string(), count),
      clean: count,
    }),
    computedAt: z.iso.datetime(),
    talliesAsOf: z.iso
      .datetime()
      .nullable()
      .meta({ description: 'null when every stored response is in the figures; on MongoDB, while tallies are still being applied, the submission time up to which they are' }),
    cases: caseSurveyMetricsSchema.optional().meta({ description: '以评促改: case metrics overall and per station (all of the survey’s cases; the filters do not apply)' }),
  })
  .meta({ description: 'Dashboard statistics. `mode` chooses the responses the figures use (valid, or all received); `received` and `valid` are always the two counts.' });

export type ApiStats = z.output<typeof statsSchema>;

/** A percentage (94.12) as the API's fraction (0.9412); null stays null. */
export const toFraction = (percent: number | null): number | null => (percent === null ? null : roundTo(percent / 100, RATE_DIGITS));

const intervalFraction = (ci: [number, number] | null): [number, number] | null => (ci ? [toFraction(ci[0])!, toFraction(ci[1])!] : null);

export const satisfactionForApi = (s: Satisfaction): z.output<typeof satisfactionSchema> => ({ ...s, rate: toFraction(s.rate), rateCi: intervalFraction(s.rateCi) });

export const respondentsForApi = (s: RespondentFigures): z.output<typeof respondentSatisfactionSchema> => ({ ...s, rate: toFraction(s.rate), rateCi: intervalFraction(s.rateCi) });

const optionsForApi = (options: OptionShare[]) => options.map((o) => ({ ...o, share: toFraction(o.share) }));

function questionForApi(q: QuestionSummary): z.output<typeof questionSummarySchema> {
  switch (q.type) {
    case 'likert5':
      return { ...q, options: optionsForApi(q.options), satisfaction: satisfactionForApi(q.satisfaction) };
    case 'single':
    case 'multi':
    case 'rating':
    case 'nps':
      return { ...q, options: optionsForApi(q.options) };
    default:
      return q;
  }
}

const groupForApi = <G extends GroupStats>(g: G) => ({ ...g, validRate: toFraction(g.validRate), satisfaction: respondentsForApi(g.satisfaction) });

/** The dashboard's figures (percentages, as the pages print them) in the API's fractions. */
export function statsForApi({ strata: _strata, scale: _scale, ...stats }: DashboardStats): ApiStats {
  const o = stats.overall;
  return {
    ...stats,
    overall: {
      ...groupForApi(o),
      estimator: { ...o.estimator, coverage: toFraction(o.estimator.coverage) },
      pooled: respondentsForApi(o.pooled),
      moe: toFraction(o.moe),
    },
    bySite: stats.bySite.map((s) => ({ ...groupForApi(s), responseRate: toFraction(s.responseRate), moe: toFraction(s.moe), weight: toFraction(s.weight) })),
    bySegment: stats.bySegment.map(groupForApi),
    dimensions: stats.dimensions.map((d) => ({ dimension: d.dimension, satisfaction: respondentsForApi(d.satisfaction), answers: satisfactionForApi(d.answers) })),
    questions: stats.questions.map(questionForApi),
    trend: stats.trend.map((p) => ({ ...p, rate: toFraction(p.rate) })),
  };
}
