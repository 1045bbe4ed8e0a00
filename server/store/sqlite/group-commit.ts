import type { SurveyResponse } from '../../../models/response';
import type { TallyDelta } from '../../../models/tally';
import type { CaseOpening } from '../store';
import { deltasOf, type ResponseTallies } from '../../domain/tally-cells';
import { mergeDeltas } from '../../domain/tally-merge';
import { caseInserter } from './case-repo';
import type { Db } from './db';
import { responseInserter, toResponse, type Row } from './response-rows';
import { applyTallyDeltas, keptTallies } from './tally-writes';

/** One submission of a group commit: the response, its tallies (computed here when given as questions) and the case its bad review opens. */
export interface GroupItem {
  response: SurveyResponse;
  tallies: ResponseTallies;
  opens?: CaseOpening;
}
export type InsertResult = { inserted: boolean; response: SurveyResponse };
/** What became of one item: stored (or found stored under its submission token), or refused. */
export type Outcome = { ok: InsertResult } | { err: unknown };

type BatchTotals = { counts: Map<string, number>; deltas: TallyDelta[] };

/**
 * The group commit's transaction, on whichever connection runs it (the writer thread's, or the main
 * one when writes stay inline): returns one outcome per item, or throws when the group could not be
 * written at all (then nothing of it is stored).
 *
 * A failing insert must roll back only itself. A savepoint per response does that, but costs each
 * response a sub-journal of every page it changes, so the group is first written without them: if
 * every response goes in (nearly always), that transaction commits. If any fails, the whole
 * transaction is rolled back and the group written again the careful way, each response in its own
 * savepoint, which ends exactly as if it had been written that way from the start.
 */
export function groupCommitter(db: Db, options: { keepTallies?: boolean } = {}): (group: readonly GroupItem[]) => Outcome[] {
  const insertRow = responseInserter(db);
  // The writer thread's connection writes nothing but group commits: it may keep the tally groups'
  // cells between them (keptTallies), forgetting them when another connection committed meanwhile
  // (data_version, read with the write lock held) or when a transaction rolls back.
  const kept = options.keepTallies ? keptTallies(db) : null;
  const dataVersion = db.prepare('PRAGMA data_version').pluck();
  let seenVersion: unknown = null;
  const byToken = db.prepare('SELECT * FROM responses WHERE submission_token = ?');
  const bump = db.prepare('INSERT INTO survey_counts (survey_id, n) VALUES (?, ?) ON CONFLICT (survey_id) DO UPDATE SET n = n + excluded.n');
  const insertCase = caseInserter(db);

  /**
   * Writes one response and what goes with it (the case a bad review opens) inside the group
   * commit's transaction. Its count and tallies are handed to `batch`, which applies those of the
   * whole group once, after the last response, in the same transaction: one write per tally row and
   * per survey, however many responses the group holds.
   */
  const insertOne = (item: GroupItem, batch: BatchTotals): InsertResult => {
    const r = item.response;
    const changes = insertRow(r);
    if (changes === 0) return { inserted: false, response: toResponse(byToken.get(r.submissionToken) as Row) };
    // A bad review opens its case with its response: a retried submission never opens a second.
    if (item.opens) insertCase(item.opens);
    batch.counts.set(r.surveyId, (batch.counts.get(r.surveyId) ?? 0) + 1);
    for (const d of deltasOf(r, item.tallies)) batch.deltas.push(d);
    return { inserted: true, response: r };
  };
  /** The same in its own savepoint, so a failing response rolls back only itself (and adds nothing to the batch). */
  const insertOneAlone = db.transaction((item: GroupItem, batch: BatchTotals) => {
    const mine: BatchTotals = { counts: new Map(), deltas: [] };
    const result = insertOne(item, mine);
    for (const [surveyId, n] of mine.counts) batch.counts.set(surveyId, (batch.counts.get(surveyId) ?? 0) + n);
    for (const d of mine.deltas) batch.deltas.push(d);
    return result;
  });
  const applyBatch = (batch: BatchTotals) => {
    for (const [surveyId, n] of batch.counts) bump.run(surveyId, n);
    const merged = mergeDeltas(batch.deltas);
    if (!kept) return applyTallyDeltas(db, merged);
    const version = dataVersion.get();
    if (version !== seenVersion) {
      kept.forget();
      seenVersion = version;
    }
    kept.apply(merged);
  };
  const writeAll = db.transaction((group: readonly GroupItem[]): Outcome[] => {
    const totals: BatchTotals = { counts: new Map(), deltas: [] };
    const outcomes = group.map((item): Outcome => ({ ok: insertOne(item, totals) }));
    applyBatch(totals);
    return outcomes;
  });
  const writeEachAlone = db.transaction((group: readonly GroupItem[]): Outcome[] => {
    const totals: BatchTotals = { counts: new Map(), deltas: [] };
    const outcomes = group.map((item): Outcome => {
      try {
        return { ok: insertOneAlone(item, totals) };
      } catch (err) {
        return { err };
      }
    });
    applyBatch(totals);
    return outcomes;
  });
  return (group) => {
    try {
      return writeAll(group);
    } catch {
      // Rolled back as a whole: nothing of the group is stored; written again one savepoint each.
      kept?.forget();
      try {
        return writeEachAlone(group);
      } catch (err) {
        kept?.forget();
        throw err;
      }
    }
  };
}
