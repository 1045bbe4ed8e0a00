import { z } from 'zod';
import { idSchema } from '../../../models/common';
import { ESTIMATORS } from '../scoring-rules';

/**
 * The satisfaction evidence a report quotes (its paragraph in section 四 and its Annex 2), as plain
 * figures taken from the statistics service for one bound survey over the binding's stations and
 * days. Computed live until the lock, then frozen with it, so a locked report does not move when
 * responses arrive or are excluded later.
 */

const interval = z.tuple([z.number(), z.number()]).nullable();
const percentOrNull = z.number().nullable();
const count = z.number().int().min(0);

const stationRowSchema = z.object({
  code: z.string().max(100),
  name: z.string().max(200),
  recipients: count.nullable(),
  received: count,
  valid: count,
  index: percentOrNull,
  indexCi: interval,
  rate: percentOrNull,
  rateCi: interval,
  required: count,
  adequate: z.boolean(),
  /** Valid responses ÷ service recipients, in percent. */
  responseRate: percentOrNull,
});

const optionSchema = z.object({ label: z.string().max(500), count, share: percentOrNull });

const questionSchema = z.object({
  id: z.string().max(64),
  text: z.string().max(1000),
  type: z.enum(['likert5', 'single', 'multi']),
  /** Answers counted (Likert: with a level, 不了解 outside). */
  n: count,
  options: z.array(optionSchema).max(60),
  index: percentOrNull,
  rate: percentOrNull,
});

const dimensionSchema = z.object({ dimension: z.string().max(100), n: count, index: percentOrNull, rate: percentOrNull });

export const surveySnapshotSchema = z.object({
  surveyId: idSchema,
  title: z.string().max(500),
  isDemo: z.boolean(),
  /** The bound indicators that read this survey. */
  indicatorIds: z.array(idSchema).max(200),
  /** The binding's period, or the first and last day with a response. */
  firstDay: z.iso.date().nullable(),
  lastDay: z.iso.date().nullable(),
  /** Stations the survey is published at (within the binding), and those with at least one valid response. */
  stations: count,
  stationsAnswered: count,
  received: count,
  valid: count,
  recipients: count.nullable(),
  responseRate: percentOrNull,
  index: percentOrNull,
  indexCi: interval,
  rate: percentOrNull,
  rateCi: interval,
  required: count,
  adequate: z.boolean(),
  excluded: count,
  /** Left to the quality rules and not counted (a flag whose rule is on). */
  ruledOut: count,
  flags: z.record(z.string().max(40), count),
  qualityRules: z.array(z.string().max(40)).max(20),
  weights: z.array(z.number()).max(5),
  satisfiedLevels: z.array(z.number()).max(5),
  stationRows: z.array(stationRowSchema).max(2000),
  dimensions: z.array(dimensionSchema).max(30),
  questions: z.array(questionSchema).max(200),
  computedAt: z.iso.datetime(),
  /**
   * How the index and rate were estimated (respondent-level, stratified by station). Absent on a
   * snapshot frozen before the estimator was recorded: its paragraph then names no estimator.
   */
  estimator: z.enum(ESTIMATORS).optional(),
  /** Respondents with a satisfaction answer (the unit of the index and the rate). */
  respondents: count.optional(),
  /** Represented stations without a number of service recipients (why weighting is by respondents). */
  missingPopulation: z.array(z.string().max(200)).max(2000).optional(),
  /** Too few respondents for an interval (样本不足). */
  insufficient: z.boolean().optional(),
  /** A respondent is satisfied when their mean reaches this score. */
  threshold: z.number().optional(),
  /** How the overall sample needed is shared among the stations. */
  allocation: z.enum(['proportional', 'neyman', 'target', 'none']).optional(),
});

export type SurveySnapshot = z.output<typeof surveySnapshotSchema>;
export type StationRow = z.output<typeof stationRowSchema>;
export type QuestionRow = z.output<typeof questionSchema>;
