/**
 * Aggregation pipelines and filters the MongoDB adapter sends. Pure (no mongoose import), so the
 * unit tests run every one of them through mingo over the same fixtures as the SQLite adapter.
 */
import type { ResponseForTable } from '../../../models/response';
import { ALL, type TallyDelta, type TallyQuery } from '../../../models/tally';
import type { ResponseFilter } from '../store';

type Doc = Record<string, unknown>;

const escapeRegex = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

export function responseMatch(f: ResponseFilter): Doc {
  const m: Doc = { surveyId: f.surveyId };
  if (f.siteIds) m.siteId = { $in: f.siteIds };
  if (f.channels) m.channel = { $in: f.channels };
  if (f.segments) m.segment = { $in: f.segments };
  if (f.dayFrom || f.dayTo) {
    const d: Doc = {};
    if (f.dayFrom) d.$gte = f.dayFrom;
    if (f.dayTo) d.$lte = f.dayTo;
    m.day = d;
  }
  if (f.flagged !== undefined) m['flags.0'] = { $exists: f.flagged };
  if (f.review) m.review = f.review === 'auto' ? null : f.review;
  const any: Doc[] = [];
  // review: null also matches a document without the field.
  if (f.validUnder) any.push({ $or: [{ review: 'kept' }, { review: null, flags: { $nin: [...f.validUnder] } }] });
  if (f.textQuestionIds) {
    const keys = f.textQuestionIds;
    const re = { $regex: escapeRegex(f.textContains ?? ''), $options: 'i' };
    any.push({ $or: keys.length ? keys.map((k) => ({ [`answers.${k}`]: re })) : [{ _id: { $exists: false } }] });
  }
  if (any.length === 1) Object.assign(m, any[0]);
  else if (any.length > 1) m.$and = any;
  return m;
}

/** The match over tally group documents of the query's level ('*' marks a rollup field). */
export function tallyMatch(q: TallyQuery): Doc {
  const m: Doc = { surveyId: q.surveyId };
  const days: Doc = {};
  if (q.level === 'sites') m.day = ALL;
  else {
    days.$ne = ALL;
    if (q.dayFrom) days.$gte = q.dayFrom;
    if (q.dayTo) days.$lte = q.dayTo;
    m.day = days;
  }
  if (q.level === 'trend') m.siteId = ALL;
  if (q.level === 'fine') {
    m.siteId = q.siteIds ? { $in: q.siteIds, $ne: ALL } : { $ne: ALL };
    m.channel = q.channels ? { $in: q.channels, $ne: ALL } : { $ne: ALL };
  } else if (q.siteIds) m.siteId = { $in: q.siteIds };
  if (q.level === 'sites' && q.channels) m.channel = { $in: q.channels };
  if (q.segments) m.segment = { $in: q.segments };
  return m;
}

/** Sums cells over matching groups; output rows have the TallyRow shape. */
export function tallyQueryPipeline(q: TallyQuery): Doc[] {
  const groupId: Doc = { cell: '$cells.k' };
  for (const g of q.groupBy) groupId[g] = `$${g}`;
  const project: Doc = {
    _id: 0,
    questionId: { $arrayElemAt: [{ $split: ['$_id.cell', '~'] }, 0] },
    key: { $arrayElemAt: [{ $split: ['$_id.cell', '~'] }, 1] },
    count: 1,
    sum: 1,
    sumsq: 1,
  };
  for (const g of q.groupBy) project[g] = `$_id.${g}`;
  const pipeline: Doc[] = [
    { $match: tallyMatch(q) },
    { $project: { version: 1, siteId: 1, day: 1, channel: 1, segment: 1, state: 1, cells: { $objectToArray: '$cells' } } },
    { $unwind: '$cells' },
  ];
  if (q.questionIds) {
    pipeline.push({
      $match: { $expr: { $in: [{ $arrayElemAt: [{ $split: ['$cells.k', '~'] }, 0] }, q.questionIds] } },
    });
  }
  pipeline.push(
    { $group: { _id: groupId, count: { $sum: '$cells.v.c' }, sum: { $sum: '$cells.v.s' }, sumsq: { $sum: '$cells.v.q' } } },
    { $match: { count: { $ne: 0 } } },
    { $project: project },
  );
  return pipeline;
}

/** The update that adds one delta's cells to its group document (upserted). */
export function tallyUpdate(delta: TallyDelta): { filter: Doc; update: Doc } {
  const k = delta.key;
  const inc: Doc = {};
  for (const [cell, v] of Object.entries(delta.cells)) {
    inc[`cells.${cell}.c`] = v.count;
    inc[`cells.${cell}.s`] = v.sum;
    inc[`cells.${cell}.q`] = v.sumsq;
  }
  return {
    filter: {
      surveyId: k.surveyId,
      day: k.day,
      version: k.version,
      siteId: k.siteId,
      channel: k.channel,
      segment: k.segment,
      state: k.state,
    },
    update: { $inc: inc },
  };
}

/** Groups from stored tally documents, dropping cells whose count is zero. */
export function tallyDocsToDeltas(docs: Doc[]): TallyDelta[] {
  const out: TallyDelta[] = [];
  for (const d of docs) {
    const cells: TallyDelta['cells'] = {};
    for (const [cell, v] of Object.entries((d.cells ?? {}) as Record<string, { c: number; s: number; q: number }>)) {
      if (v.c !== 0) cells[cell] = { count: v.c, sum: v.s, sumsq: v.q };
    }
    if (Object.keys(cells).length === 0) continue;
    out.push({
      key: {
        surveyId: d.surveyId as string,
        version: d.version as number,
        siteId: d.siteId as string,
        day: d.day as string,
        channel: d.channel as string,
        segment: d.segment as string,
        state: d.state as string,
      },
      cells,
    });
  }
  return out;
}

/**
 * Documents written before reviews had three states: `excluded: true` becomes review 'excluded',
 * the reason, who and when move to the review fields (SQLite migration 4 does the same).
 * The filter and update-pipeline stages of one updateMany, run at open; idempotent.
 */
export const LEGACY_EXCLUSION_FILTER: Doc = { excluded: { $exists: true } };
export const legacyExclusionStages: Doc[] = [
  {
    $set: {
      review: { $cond: [{ $eq: ['$excluded', true] }, 'excluded', null] },
      reviewReason: { $ifNull: ['$excludedReason', null] },
      reviewedBy: { $ifNull: ['$excludedBy', null] },
      reviewedAt: { $ifNull: ['$excludedAt', null] },
    },
  },
  { $unset: ['excluded', 'excludedReason', 'excludedBy', 'excludedAt'] },
];

/*
 * Tallies applied in batches (see docs/decisions.md). A response is stored alone, carrying its tally
 * deltas in `pendingTally`; the field's presence is the pending marker. An applier moves the deltas
 * of a batch of pending responses into the tally documents and removes their markers in one
 * transaction, so each response is applied exactly once.
 */

/** A response whose tallies are still pending. */
export const PENDING: Doc = { pendingTally: { $exists: true } };

/** The field the domain object never carries. */
export const PENDING_PROJECTION: Doc = { pendingTally: 0 };

/** The fields of ResponseForTable (with _id): what the exports' stream reads of each response. */
export const TABLE_PROJECTION: Doc = {
  version: 1,
  siteId: 1,
  channel: 1,
  paperDate: 1,
  submittedAt: 1,
  durationMs: 1,
  flags: 1,
  review: 1,
  reviewReason: 1,
  reviewedBy: 1,
  reviewedAt: 1,
  answers: 1,
};

const isoOrNull = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : ((v as string | null | undefined) ?? null));

/** A document read with TABLE_PROJECTION as ResponseForTable: Dates as ISO strings, a field a document predates as null. */
export function tableResponseFromDoc(d: Doc): ResponseForTable {
  return {
    id: d._id as string,
    version: d.version as number,
    siteId: d.siteId as string,
    channel: d.channel as ResponseForTable['channel'],
    paperDate: (d.paperDate as string | null | undefined) ?? null,
    submittedAt: isoOrNull(d.submittedAt) as string,
    durationMs: d.durationMs as number,
    flags: (d.flags as string[] | undefined) ?? [],
    review: (d.review as ResponseForTable['review'] | undefined) ?? null,
    reviewReason: (d.reviewReason as string | null | undefined) ?? null,
    reviewedBy: (d.reviewedBy as string | null | undefined) ?? null,
    reviewedAt: isoOrNull(d.reviewedAt),
    answers: (d.answers as ResponseForTable['answers'] | undefined) ?? {},
  };
}

/** Pending responses (of one survey, or all), oldest first: what the applier takes, in batches. */
export function pendingSelection(surveyId?: string): { filter: Doc; sort: Record<string, 1>; projection: Doc } {
  return {
    filter: surveyId === undefined ? { ...PENDING } : { surveyId: { $eq: surveyId }, ...PENDING },
    sort: { submittedAt: 1, _id: 1 },
    projection: { _id: 1, pendingTally: 1 },
  };
}

/** The deltas of a batch of pending responses, as stored. */
export function pendingDeltas(docs: readonly Doc[]): TallyDelta[] {
  return docs.flatMap((d) => (d.pendingTally ?? []) as TallyDelta[]);
}

/** Clears the markers of exactly these responses, and only where a marker is still set. */
export function pendingClear(ids: readonly string[]): { filter: Doc; update: Doc } {
  return { filter: { _id: { $in: [...ids] }, ...PENDING }, update: { $unset: { pendingTally: '' } } };
}

/**
 * rebuild-tallies: the markers its recomputation covered, i.e. the survey's pending responses up to
 * the last id it read (all of them when `through` is undefined; none when null: it read none).
 */
export function rebuildClear(surveyId: string, through?: string | null): { filter: Doc; update: Doc } | null {
  if (through === null) return null;
  const filter: Doc = { surveyId: { $eq: surveyId }, ...PENDING };
  if (through !== undefined) filter._id = { $lte: through };
  return { filter, update: { $unset: { pendingTally: '' } } };
}

/**
 * rebuild-tallies: a response after the last one the rebuild read whose tallies are already applied
 * (they would be lost by the replacement). Read in the replacing transaction's snapshot.
 */
export function rebuildLostFilter(surveyId: string, through: string | null): Doc {
  const filter: Doc = { surveyId: { $eq: surveyId }, pendingTally: { $exists: false } };
  if (through !== null) filter._id = { $gt: through };
  return filter;
}

interface ReviewFields {
  from: string | null;
  to: string | null;
  reason: string | null;
  by: string | null;
  at: string | null;
}

const reviewSet = (c: ReviewFields): Doc => ({
  review: c.to,
  reviewReason: c.reason,
  reviewedBy: c.by,
  reviewedAt: c.at ? new Date(c.at) : null,
});

/**
 * A review of a response whose tallies are still pending: one single-document update that sets
 * the review and appends the move to the pending deltas (the applier merges them), only if the
 * review is still `from` and the marker still set. An update pipeline, so values are $literal
 * (a reason starting with '$' is text, not a field path).
 */
export function pendingReview(id: string, change: ReviewFields, deltas: TallyDelta[]): { filter: Doc; update: Doc[] } {
  const set: Doc = {};
  for (const [k, v] of Object.entries(reviewSet(change))) set[k] = { $literal: v };
  set.pendingTally = { $concatArrays: ['$pendingTally', { $literal: deltas }] };
  return { filter: { _id: { $eq: id }, review: { $eq: change.from }, ...PENDING }, update: [{ $set: set }] };
}

/** A review of a response whose tallies are applied: the response's half of the review transaction. */
export function appliedReview(id: string, change: ReviewFields): { filter: Doc; update: Doc } {
  // review: null also matches a document without the field.
  return { filter: { _id: { $eq: id }, review: { $eq: change.from }, pendingTally: { $exists: false } }, update: { $set: reviewSet(change) } };
}

/** responseCount of several surveys, counted from their responses (index {surveyId: 1, _id: 1}). */
export function responseCountsPipeline(surveyIds: readonly string[]): Doc[] {
  return [{ $match: { surveyId: { $in: [...surveyIds] } } }, { $group: { _id: '$surveyId', n: { $sum: 1 } } }];
}

/*
 * Rate limits: a fixed-window counter per key, one document each, with SQLite's rule (RateLimitRepo in
 * store.ts): a window that has passed (or a new key) restarts with the hits and ends windowMs after
 * their start; a live window that began before the hits' own window ended takes them and keeps its end;
 * a live window that began after it ended is left as it is.
 */

/**
 * `by` hits counted in the window that started at `startMs` (default: one hit now), as one atomic upsert
 * with an update pipeline (findOneAndUpdate, returnDocument 'after'). An upserted document starts as the
 * filter's equality fields ({_id: key}): resetAt is missing. One $set stage reads the document as it was.
 */
export function rateLimitHit(key: string, windowMs: number, nowMs: number, by = 1, startMs = nowMs): { filter: Doc; update: Doc[] } {
  const now = new Date(nowMs);
  const end = Math.min(startMs, nowMs) + windowMs;
  const restart = { $or: [{ $eq: [{ $type: '$resetAt' }, 'missing'] }, { $lte: ['$resetAt', now] }] };
  // The live window's start (resetAt − windowMs) is at or after the end of the hits' window.
  const later = { $gte: ['$resetAt', new Date(end + windowMs)] };
  return {
    filter: { _id: { $eq: key } },
    update: [
      {
        $set: {
          count: { $cond: [restart, by, { $cond: [later, '$count', { $add: ['$count', by] }] }] },
          resetAt: { $cond: [restart, new Date(end), '$resetAt'] },
        },
      },
    ],
  };
}

/** Gives one hit back (a request that did not count), never below zero. */
export function rateLimitDecrement(key: string): { filter: Doc; update: Doc } {
  return { filter: { _id: { $eq: key }, count: { $gt: 0 } }, update: { $inc: { count: -1 } } };
}
