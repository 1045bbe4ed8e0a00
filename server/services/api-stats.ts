import { z } from 'zod';
import { CHANNELS } from '../../models/response';
import { SURVEY_STATUSES } from '../../models/survey';
import { roundTo, RATE_DIGITS } from '../domain/grading';
import type { OptionShare, QuestionSummary, Satisfaction } from '../domain/statistics';
import type { DashboardStats, GroupStats } from './statistics';
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

export const satisfactionSchema = z.object({
  n: count.meta({ description: 'answers with a level (不了解 left out)' }),
  notApplicable: count,
  index: z.number().nullable().meta({ description: '满意度指数 on the weights’ scale (0–100 by default)' }),
  indexCi: interval(z.number()).meta({ description: '95% interval of the index' }),
  rate: fraction.nullable().meta({ description: '满意率, a fraction 0–1' }),
  rateCi: interval(fraction).meta({ description: 'Wilson 95% interval of the rate, fractions' }),
  sum: z.number(),
  sumsq: z.number(),
  satisfied: count,
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
  satisfaction: satisfactionSchema,
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
    }),
    filters: z.object({
      sites: z.array(z.string()).optional(),
      from: z.string().optional(),
      to: z.string().optional(),
      segments: z.array(z.string()).optional(),
      channels: z.array(z.enum(CHANNELS)).optional(),
      mode: z.enum(FILTER_MODES),
      granularity: z.enum(GRANULARITIES),
    }),
    overall: z.object({
      ...groupShape,
      required: count.meta({ description: 'sample the figures need (95%, ±5 points)' }),
      adequate: z.boolean().meta({ description: 'whether the responses the figures rest on (valid, or all in raw mode) reach it' }),
    }),
    bySite: z.array(
      z.object({
        ...groupShape,
        site: z.object({ id: z.string(), code: z.string(), name: z.string(), recipients: z.number().int().nullable() }),
        required: count,
        adequate: z.boolean(),
        responseRate: z.number().min(0).nullable().meta({ description: '回收率 = valid ÷ service recipients, a fraction (above 1 when recipients are undercounted)' }),
      }),
    ),
    bySegment: z.array(z.object({ ...groupShape, value: z.string(), label: z.string() })),
    dimensions: z.array(z.object({ dimension: z.string(), satisfaction: satisfactionSchema })),
    questions: z.array(questionSummarySchema),
    trend: z.array(
      z.object({
        bucket: z.string().meta({ description: 'YYYY-MM-DD, YYYY-Www or YYYY-MM' }),
        received: count,
        valid: count,
        index: z.number().nullable(),
        rate: fraction.nullable(),
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
  })
  .meta({ description: 'Dashboard statistics. `mode` chooses the responses the figures use (valid, or all received); `received` and `valid` are always the two counts.' });

export type ApiStats = z.output<typeof statsSchema>;

/** A percentage (94.12) as the API's fraction (0.9412); null stays null. */
export const toFraction = (percent: number | null): number | null => (percent === null ? null : roundTo(percent / 100, RATE_DIGITS));

const intervalFraction = (ci: [number, number] | null): [number, number] | null => (ci ? [toFraction(ci[0])!, toFraction(ci[1])!] : null);

export const satisfactionForApi = (s: Satisfaction): z.output<typeof satisfactionSchema> => ({ ...s, rate: toFraction(s.rate), rateCi: intervalFraction(s.rateCi) });

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

const groupForApi = <G extends GroupStats>(g: G) => ({ ...g, validRate: toFraction(g.validRate), satisfaction: satisfactionForApi(g.satisfaction) });

/** The dashboard's figures (percentages, as the pages print them) in the API's fractions. */
export function statsForApi(stats: DashboardStats): ApiStats {
  return {
    ...stats,
    overall: groupForApi(stats.overall),
    bySite: stats.bySite.map((s) => ({ ...groupForApi(s), responseRate: toFraction(s.responseRate) })),
    bySegment: stats.bySegment.map(groupForApi),
    dimensions: stats.dimensions.map((d) => ({ dimension: d.dimension, satisfaction: satisfactionForApi(d.satisfaction) })),
    questions: stats.questions.map(questionForApi),
    trend: stats.trend.map((p) => ({ ...p, rate: toFraction(p.rate) })),
  };
}
