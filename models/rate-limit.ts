import { Schema } from 'mongoose';

/** A fixed-window hit counter, kept in the store so several app instances share it. */
export interface RateLimitHit {
  count: number;
  resetAt: number;
}

export const rateLimitMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    count: { type: Number, required: true },
    resetAt: { type: Date, required: true, expires: 0 },
  },
  { versionKey: false, collection: 'rate_limits' },
);
