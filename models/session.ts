import { Schema } from 'mongoose';
import type { Id, IsoTime } from './common';

/** A login session (express-session data serialised as JSON), kept in the active store. */
export interface SessionRecord {
  id: string;
  data: string;
  userId: Id | null;
  expiresAt: IsoTime;
}

export const sessionMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    data: { type: String, required: true },
    userId: { type: String, default: null, index: true },
    expiresAt: { type: Date, required: true, expires: 0 },
  },
  { versionKey: false, collection: 'sessions' },
);
