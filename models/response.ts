import { Schema } from 'mongoose';
import type { Id, IsoTime, LocalDay } from './common';

/**
 * How an answer arrived: scanned QR code, shared link, entered by station staff for a resident
 * (assisted, 代填) or transcribed by station staff from a paper questionnaire (paper, 纸质录入).
 */
export const CHANNELS = ['qr', 'link', 'assisted', 'paper'] as const;
export type Channel = (typeof CHANNELS)[number];
/** Channels in which a station worker enters the answers: they name who entered them and answer time means nothing. */
export const STAFF_CHANNELS: readonly Channel[] = ['assisted', 'paper'];

/**
 * A person's decision on a response, beside the automatic one (the survey's quality rules):
 * excluded (剔除: never counts) or kept (确认有效: counts whatever its flags). null = automatic.
 */
export const REVIEWS = ['excluded', 'kept'] as const;
export type Review = (typeof REVIEWS)[number];

/** An option id (single, likert5, 'na'), option ids (multi), a number (rating, nps, number) or text. */
export type AnswerValue = string | string[] | number;

/** One submitted questionnaire. Never edited after submission except its review (exclude/keep/restore), which is audited. */
export interface SurveyResponse {
  id: Id;
  surveyId: Id;
  version: number;
  siteId: Id;
  publicationId: Id;
  channel: Channel;
  startedAt: IsoTime;
  submittedAt: IsoTime;
  /** Local day of submittedAt in the survey's time zone. */
  day: LocalDay;
  durationMs: number;
  answers: Record<string, AnswerValue>;
  /** Answer to the segment question (option id), '' when none. */
  segment: string;
  /** Quality flags computed at submit: speeder, straightline, burst, multisite. */
  flags: string[];
  /** The current decision by a person, with its reason, who (user id) and when; all null when automatic. */
  review: Review | null;
  reviewReason: string | null;
  reviewedBy: Id | null;
  reviewedAt: IsoTime | null;
  /** Salted hashes; raw device tokens and IPs are never stored. */
  deviceHash: string;
  ipHash: string;
  /** One-time token from the form; a retried POST with it stores nothing twice. */
  submissionToken: string;
  /** The station worker who entered an assisted or paper response. */
  enteredBy: Id | null;
  /** Paper questionnaires: the date written on the paper (also the response's day); null otherwise. */
  paperDate: LocalDay | null;
  isDemo: boolean;
}

/**
 * A response as an exported table shows it (the CSV and XLSX exports): one row per response. Without
 * the hashes, the submission token and the other fields no column shows, so a store can read and
 * decode only these (see ResponseRepo.streamForTable).
 */
export type ResponseForTable = Pick<
  SurveyResponse,
  'id' | 'version' | 'siteId' | 'channel' | 'paperDate' | 'submittedAt' | 'durationMs' | 'flags' | 'review' | 'reviewReason' | 'reviewedBy' | 'reviewedAt' | 'answers'
>;

export const responseMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    surveyId: { type: String, required: true },
    version: { type: Number, required: true },
    siteId: { type: String, required: true },
    publicationId: { type: String, required: true },
    channel: { type: String, enum: CHANNELS, required: true },
    startedAt: { type: Date, required: true },
    submittedAt: { type: Date, required: true },
    day: { type: String, required: true },
    durationMs: { type: Number, required: true },
    answers: { type: Schema.Types.Mixed, default: {} },
    segment: { type: String, default: '' },
    flags: { type: [String], default: [] },
    review: { type: String, enum: [...REVIEWS, null], default: null },
    reviewReason: { type: String, default: null },
    reviewedBy: { type: String, default: null },
    reviewedAt: { type: Date, default: null },
    deviceHash: { type: String, required: true },
    ipHash: { type: String, required: true },
    submissionToken: { type: String, required: true, unique: true },
    enteredBy: { type: String, default: null },
    paperDate: { type: String, default: null },
    isDemo: { type: Boolean, default: false },
    /**
     * MongoDB only, never part of the domain object: the response's tally deltas (TallyDelta[]) while
     * they wait to be applied; absent once applied. Its presence is the pending marker.
     */
    pendingTally: { type: [Schema.Types.Mixed], default: undefined },
  },
  { versionKey: false, collection: 'responses', minimize: false },
);
/** Only pending responses are in the applier's indexes, so they stay as small as the backlog. */
const PENDING_ONLY = { partialFilterExpression: { pendingTally: { $exists: true } } };
/** The applier and the freshness of all surveys: pending responses, oldest first. */
responseMongoSchema.index({ submittedAt: 1, _id: 1 }, { ...PENDING_ONLY, name: 'pending_by_age' });
/** settle(surveyId), freshness(surveyId) and pending(surveyId): one survey's pending responses, oldest first. */
responseMongoSchema.index({ surveyId: 1, submittedAt: 1, _id: 1 }, { ...PENDING_ONLY, name: 'pending_by_survey_age' });
/** Listing, streaming and counting a survey's responses in id order (responseCount derives from it). */
responseMongoSchema.index({ surveyId: 1, _id: 1 });
responseMongoSchema.index({ surveyId: 1, deviceHash: 1, siteId: 1 });
responseMongoSchema.index({ publicationId: 1, submittedAt: 1 });
