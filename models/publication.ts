import { Schema } from 'mongoose';
import type { Id, IsoTime } from './common';

/** A survey published at one site, reachable at PUBLIC_BASE_URL/s/<code>. */
export interface Publication {
  id: Id;
  surveyId: Id;
  siteId: Id;
  /** Short unguessable public code (10 characters from a 31-letter alphabet ≈ 49 bits). */
  code: string;
  active: boolean;
  createdAt: IsoTime;
}

export const publicationMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    surveyId: { type: String, required: true },
    siteId: { type: String, required: true },
    code: { type: String, required: true, unique: true },
    active: { type: Boolean, default: true },
    createdAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'publications' },
);
publicationMongoSchema.index({ surveyId: 1, siteId: 1 }, { unique: true });
