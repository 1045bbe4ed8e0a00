import { Schema } from 'mongoose';
import { z } from 'zod';
import { freeTextSchema, nameSchema, requiredNameSchema, type Id, type IsoTime } from './common';

export const QUESTION_TYPES = ['likert5', 'single', 'multi', 'rating', 'nps', 'number', 'text'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

export const SURVEY_STATUSES = ['draft', 'open', 'closed', 'archived'] as const;
export type SurveyStatus = (typeof SURVEY_STATUSES)[number];

/** Built-in dimensions (维度); a question may also name a custom one. */
export const DIMENSIONS = ['attitude', 'competence', 'timeliness', 'effect', 'environment', 'overall'] as const;

/** Likert levels, 5 = 非常满意 … 1 = 非常不满意; NOT_APPLICABLE = 不了解/不适用 (outside every denominator). */
export { LIKERT_LEVELS } from './likert';
export const NOT_APPLICABLE = 'na';

export interface QuestionOption {
  id: string;
  label: string;
}

export interface Question {
  /** Stable across versions, so statistics can join versions by question. */
  id: string;
  type: QuestionType;
  text: string;
  help: string;
  required: boolean;
  /** single/multi: the choices; likert5: labels of levels 5..1 (ids '5'..'1'). */
  options: QuestionOption[];
  /** Built-in dimension key or a custom name; null when the question has none. */
  dimension: string | null;
  /** Whether this Likert item enters the satisfaction index and rate. */
  countsTowardSatisfaction: boolean;
  /** likert5: offer 不了解/不适用. */
  allowNotApplicable: boolean;
  notApplicableLabel: string;
  /** rating: 1..max; number: min..max; nps: 0..10. */
  min: number | null;
  max: number | null;
  /** text: maximum characters (≤ 1000). */
  maxLength: number | null;
}

export const DUPLICATE_POLICIES = ['one-per-device', 'unlimited'] as const;
export type DuplicatePolicy = (typeof DUPLICATE_POLICIES)[number];

export const QUALITY_RULES = ['speeder', 'straightline', 'burst', 'multisite'] as const;
export type QualityRule = (typeof QUALITY_RULES)[number];

/**
 * Flags that are not rules a survey switches: `honeypot` (the hidden anti-bot field was filled)
 * always leaves a response out of the valid count, whatever the survey's rules, unless a person
 * keeps it; `cleaned` (characters that are never stored were removed from a text answer) is a
 * note that never does.
 */
export const ALWAYS_INVALID_FLAGS = ['honeypot'] as const;
export const NOTE_FLAGS = ['cleaned'] as const;
export type QualityFlag = QualityRule | (typeof ALWAYS_INVALID_FLAGS)[number] | (typeof NOTE_FLAGS)[number];

export interface SurveySettings {
  opensAt: IsoTime | null;
  closesAt: IsoTime | null;
  duplicatePolicy: DuplicatePolicy;
  /** Answers faster than this are flagged speeder (not refused). */
  minAnswerSeconds: number;
  targetSamplePerSite: number | null;
  /** Weights of levels 5,4,3,2,1 (default 100/80/60/40/20). */
  likertWeights: [number, number, number, number, number];
  /** Levels counted as satisfied (default 5,4,3 = 非常满意+满意+基本满意). */
  satisfiedLevels: number[];
  /** Quality rules that make a flagged response invalid. */
  qualityRules: QualityRule[];
  /** burst: more than this many submissions per publication per minute. */
  burstPerMinute: number;
  /** 以评促改: levels that open a case and working days per step (defaults in server/domain/cases/case-flow.ts). */
  cases?: { levels: number[]; contactDays: number; verifyDays: number; closeDays: number };
}

export interface Survey {
  id: Id;
  title: string;
  description: string;
  status: SurveyStatus;
  /** Current version; bumped when questions change after responses exist. */
  version: number;
  questions: Question[];
  segmentQuestionId: string | null;
  settings: SurveySettings;
  locale: string;
  timeZone: string;
  responseCount: number;
  isDemo: boolean;
  createdBy: Id | null;
  createdAt: IsoTime;
  updatedAt: IsoTime;
}

/** The questions one version asked; responses point to it. */
export interface SurveyVersion {
  surveyId: Id;
  version: number;
  questions: Question[];
  segmentQuestionId: string | null;
  createdAt: IsoTime;
}

export const DEFAULT_WEIGHTS: SurveySettings['likertWeights'] = [100, 80, 60, 40, 20];
export const PRESET_WEIGHTS: SurveySettings['likertWeights'] = [100, 80, 60, 30, 0];

export function defaultSettings(): SurveySettings {
  return {
    opensAt: null,
    closesAt: null,
    duplicatePolicy: 'one-per-device',
    minAnswerSeconds: 20,
    targetSamplePerSite: null,
    likertWeights: [...DEFAULT_WEIGHTS],
    satisfiedLevels: [5, 4, 3],
    // An answer faster than the minimum time is not credible; the other rules are opt-in.
    qualityRules: ['speeder'],
    burstPerMinute: 10,
  };
}

const optionSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  label: requiredNameSchema(200),
});

export const questionSchema = z.strictObject({
  id: z.string().regex(/^[A-Za-z0-9_-]{1,32}$/),
  type: z.enum(QUESTION_TYPES),
  text: freeTextSchema(500, { min: 1 }),
  help: freeTextSchema(500).default(''),
  required: z.boolean().default(false),
  options: z.array(optionSchema).max(50).default([]),
  dimension: nameSchema(40).nullable().default(null),
  countsTowardSatisfaction: z.boolean().default(false),
  allowNotApplicable: z.boolean().default(false),
  notApplicableLabel: nameSchema(40).default(''),
  min: z.number().finite().min(-1e9).max(1e9).nullable().default(null),
  max: z.number().finite().min(-1e9).max(1e9).nullable().default(null),
  maxLength: z.number().int().min(1).max(1000).nullable().default(null),
});

const isoSchema = z.iso.datetime({ offset: true }).nullable();
const weightSchema = z.number().min(0).max(100);

export const settingsSchema = z.strictObject({
  opensAt: isoSchema.default(null),
  closesAt: isoSchema.default(null),
  duplicatePolicy: z.enum(DUPLICATE_POLICIES).default('one-per-device'),
  minAnswerSeconds: z.number().int().min(0).max(3600).default(20),
  targetSamplePerSite: z.number().int().min(1).max(1_000_000).nullable().default(null),
  // 0–100: the index is a mean of weights, and evaluations read it as a 0–100 figure.
  likertWeights: z.tuple([weightSchema, weightSchema, weightSchema, weightSchema, weightSchema]).default([...DEFAULT_WEIGHTS]),
  satisfiedLevels: z.array(z.number().int().min(1).max(5)).min(1).max(5).default([5, 4, 3]),
  qualityRules: z.array(z.enum(QUALITY_RULES)).max(4).default(['speeder']),
  burstPerMinute: z.number().int().min(1).max(10_000).default(10),
  cases: z
    .strictObject({
      levels: z.array(z.number().int().min(1).max(5)).min(1).max(4),
      contactDays: z.number().int().min(0).max(60),
      verifyDays: z.number().int().min(0).max(60),
      closeDays: z.number().int().min(0).max(120),
    })
    .optional(),
});

export const surveyInputSchema = z.strictObject({
  title: requiredNameSchema(200),
  description: freeTextSchema(2000).default(''),
  questions: z.array(questionSchema).max(200).default([]),
  segmentQuestionId: nameSchema(32).nullable().default(null),
  settings: settingsSchema.default(defaultSettings()),
  locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
});
export type SurveyInput = z.infer<typeof surveyInputSchema>;

const questionMongo = new Schema(
  {
    id: String,
    type: String,
    text: String,
    help: String,
    required: Boolean,
    options: [{ _id: false, id: String, label: String }],
    dimension: { type: String, default: null },
    countsTowardSatisfaction: Boolean,
    allowNotApplicable: Boolean,
    notApplicableLabel: String,
    min: { type: Number, default: null },
    max: { type: Number, default: null },
    maxLength: { type: Number, default: null },
  },
  { _id: false },
);

export const surveyMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    title: { type: String, required: true },
    description: { type: String, default: '' },
    status: { type: String, enum: SURVEY_STATUSES, required: true },
    version: { type: Number, required: true },
    questions: [questionMongo],
    segmentQuestionId: { type: String, default: null },
    settings: { type: Schema.Types.Mixed, required: true },
    locale: { type: String, required: true },
    timeZone: { type: String, required: true },
    // No responseCount: on MongoDB it is counted from the responses when a survey is read (no counter written by every submission).
    isDemo: { type: Boolean, default: false },
    createdBy: { type: String, default: null },
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'surveys', minimize: false },
);

export const surveyVersionMongoSchema = new Schema(
  {
    surveyId: { type: String, required: true },
    version: { type: Number, required: true },
    questions: [questionMongo],
    segmentQuestionId: { type: String, default: null },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'survey_versions' },
);
surveyVersionMongoSchema.index({ surveyId: 1, version: 1 }, { unique: true });
