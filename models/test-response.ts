import { Schema } from 'mongoose';
import type { Id, IsoTime } from './common';
import type { AnswerValue } from './response';

/**
 * An answer given in preview/test mode (试填) by an evaluator trying the real form. Stored apart
 * from responses, so no count, tally, statistic or export can include it; listed and deletable.
 */
export interface TestResponse {
  id: Id;
  surveyId: Id;
  version: number;
  /** The station the preview showed, or null when previewed without one. */
  siteId: Id | null;
  answers: Record<string, AnswerValue>;
  durationMs: number;
  submittedAt: IsoTime;
  /** The user who answered in test mode. */
  enteredBy: Id;
  /** The form's one-time token: a retried test submission is stored once. */
  submissionToken: string;
}

export const testResponseMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    surveyId: { type: String, required: true },
    version: { type: Number, required: true },
    siteId: { type: String, default: null },
    answers: { type: Schema.Types.Mixed, default: {} },
    durationMs: { type: Number, required: true },
    submittedAt: { type: Date, required: true },
    enteredBy: { type: String, required: true },
    submissionToken: { type: String, required: true, unique: true },
  },
  { versionKey: false, collection: 'test_responses', minimize: false },
);
testResponseMongoSchema.index({ surveyId: 1, _id: 1 });
