/**
 * The MongoDB adapter's tally writes, replayed with mingo on in-memory collections: the same filter,
 * update and pipeline documents the adapter sends (server/store/mongo/pipelines.ts), applied the way
 * MongoDB applies them one operation at a time. What it cannot show is concurrency inside one
 * operation (snapshots, write conflicts): the contract suite covers that where a server exists.
 */
import { find, updateMany, updateOne } from 'mingo';
import { update } from 'mingo/updater';
import type { SurveyResponse } from '../../models/response';
import type { TallyDelta } from '../../models/tally';
import { mergeDeltas } from '../../server/domain/tally';
import { appliedReview, pendingClear, pendingDeltas, pendingReview, pendingSelection, tallyDocsToDeltas, tallyUpdate } from '../../server/store/mongo/pipelines';
import type { ReviewChange } from '../../server/store/store';

export type Doc = Record<string, unknown>;

export class MingoTallies {
  readonly responses: Doc[] = [];
  readonly tallies: Doc[] = [];

  /** insert: the response alone with its deltas pending; a stored submission token stores nothing (unique index). */
  insert(r: SurveyResponse, deltas: TallyDelta[]): boolean {
    if (find(this.responses, { submissionToken: r.submissionToken }).all().length) return false;
    const { id, ...rest } = r;
    // structuredClone: as the driver reads documents back, plain objects (test answers may have no prototype).
    this.responses.push(structuredClone({ ...rest, _id: id, submittedAt: new Date(r.submittedAt), startedAt: new Date(r.startedAt), pendingTally: mergeDeltas(deltas) }));
    return true;
  }

  /** One applier transaction: the oldest pending (at most `limit`), exactly their markers cleared, their summed deltas $inc'ed. */
  applyBatch(limit: number, surveyId?: string): number {
    const sel = pendingSelection(surveyId);
    const batch = find(this.responses, sel.filter, sel.projection).sort(sel.sort).limit(limit).all() as Doc[];
    if (!batch.length) return 0;
    const clear = pendingClear(batch.map((d) => d._id as string));
    const cleared = updateMany(this.responses, clear.filter, clear.update as never).modifiedCount;
    if (cleared !== batch.length) throw new Error(`cleared ${cleared} of ${batch.length}`);
    this.inc(mergeDeltas(pendingDeltas(batch)));
    return batch.length;
  }

  /** setReview: the pending path (one update pipeline), else the applied path with its tally move. */
  review(id: string, change: ReviewChange, deltas: TallyDelta[]): boolean {
    const pending = pendingReview(id, change, deltas);
    if (updateOne(this.responses, pending.filter, pending.update as never).modifiedCount === 1) return true;
    const applied = appliedReview(id, change);
    if (updateOne(this.responses, applied.filter, applied.update as never).modifiedCount === 0) return false;
    this.inc(deltas);
    return true;
  }

  pendingCount(surveyId?: string): number {
    return find(this.responses, pendingSelection(surveyId).filter).all().length;
  }

  dump(): TallyDelta[] {
    return tallyDocsToDeltas(this.tallies);
  }

  /** bulkWrite of upserting updateOne({key}, {$inc}) per delta. */
  private inc(deltas: TallyDelta[]) {
    for (const d of deltas) {
      const { filter, update: expr } = tallyUpdate(d);
      let doc = find(this.tallies, filter).next() as Doc | undefined;
      if (!doc) this.tallies.push((doc = { ...filter, cells: {} }));
      update(doc, expr as never);
    }
  }
}
