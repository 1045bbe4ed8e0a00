import { Schema } from 'mongoose';
import type { Id } from './common';

/**
 * A tally group: one survey version at one site on one local day (or '*' for all days),
 * one channel, one segment value and one quality state. Its cells hold counts per
 * question option and sum / sum of squares per numeric question.
 *
 * state: 'excluded' or 'kept' (a person's review), or the response's quality flags sorted and joined by ',' ('' when clean).
 */
export interface TallyKey {
  surveyId: Id;
  version: number;
  siteId: Id;
  day: string;
  channel: string;
  segment: string;
  state: string;
}

/** '*' in a key field: all values together (a rollup group). */
export { ALL, ALL_DAYS } from './tally-all';

/**
 * Which groups a query reads: 'fine' (real day, station, channel, segment), 'sites' (all days and
 * channels, by station and segment) or 'trend' (by day, all stations, channels and segments).
 */
export const TALLY_LEVELS = ['fine', 'sites', 'trend'] as const;
export type TallyLevel = (typeof TALLY_LEVELS)[number];

export interface TallyCell {
  count: number;
  sum: number;
  sumsq: number;
}

/** Cell key: `${questionId}~${optionOrValue}`; '_n~' counts responses (sum = answer time ms). */
export interface TallyDelta {
  key: TallyKey;
  cells: Record<string, TallyCell>;
}

export const TALLY_GROUP_FIELDS = ['version', 'siteId', 'day', 'channel', 'segment', 'state'] as const;
export type TallyGroupField = (typeof TALLY_GROUP_FIELDS)[number];

export interface TallyQuery {
  surveyId: Id;
  level: TallyLevel;
  siteIds?: Id[];
  /** Inclusive local-day range (levels 'fine' and 'trend'). */
  dayFrom?: string;
  dayTo?: string;
  channels?: string[];
  segments?: string[];
  questionIds?: string[];
  groupBy: TallyGroupField[];
}

export interface TallyRow extends TallyCell {
  version?: number;
  siteId?: string;
  day?: string;
  channel?: string;
  segment?: string;
  state?: string;
  questionId: string;
  key: string;
}

export const tallyMongoSchema = new Schema(
  {
    surveyId: { type: String, required: true },
    version: { type: Number, required: true },
    siteId: { type: String, required: true },
    day: { type: String, required: true },
    channel: { type: String, required: true },
    segment: { type: String, required: true },
    state: { type: String, required: true },
    /** { "<questionId>~<key>": { c, s, q } } */
    cells: { type: Schema.Types.Mixed, default: {} },
  },
  { versionKey: false, collection: 'tallies', minimize: false },
);
tallyMongoSchema.index(
  { surveyId: 1, day: 1, version: 1, siteId: 1, channel: 1, segment: 1, state: 1 },
  { unique: true },
);
