/**
 * The machine's physical ceilings for the resident path, measured the same way as the app:
 * - durable writes: responses with their tallies (merged per transaction, as the group commit does)
 *   committed by better-sqlite3 with the app's schema and pragmas (WAL, synchronous=FULL), on the
 *   thread that would also serve HTTP, at 1, 10, 28 and 100 responses per transaction;
 * - the page: bench/http-server.ts serves GET /bench/static-page, the resident form's gzip bytes
 *   captured once and sent as they are (the ratio a page with no per-request work would reach).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { mergeDeltas, tallyDeltas } from '../server/domain/tally';
import { prng, syntheticResponse } from '../server/services/synthetic-responses';
import { applyTallyDeltas } from '../server/store/sqlite/tally-repo';
import { responseInserter } from '../server/store/sqlite/response-rows';
import { seedBulk } from './seed';

export interface WriteCeiling {
  perTransaction: number;
  rowsPerSecond: number;
}

/** Responses per second committed durably with their tallies, for each batch size, `seconds` each. */
export async function writeCeiling(seconds = 3, batches = [1, 10, 28, 100]): Promise<WriteCeiling[]> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-ceiling-'));
  const s = await seedBulk(0, { dir });
  try {
    const survey = (await s.store.surveys.get(s.surveyId))!;
    const pubs = await s.store.publications.listBySurvey(s.surveyId);
    const insert = responseInserter(s.store.db);
    const bump = s.store.db.prepare('INSERT INTO survey_counts (survey_id, n) VALUES (?, ?) ON CONFLICT (survey_id) DO UPDATE SET n = n + excluded.n');
    const rand = prng(3);
    const today = new Date().toISOString().slice(0, 10);
    const out: WriteCeiling[] = [];
    for (const per of batches) {
      let rows = 0;
      let spentNs = 0n;
      const end = Date.now() + seconds * 1000;
      while (Date.now() < end) {
        // Only the transaction is timed: making synthetic answers is not the store's work.
        const batch = Array.from({ length: per }, () => syntheticResponse(rand, survey, pubs[Math.floor(rand() * pubs.length)]!, 0.05, { days: 1, lastDay: today }));
        const t0 = process.hrtime.bigint();
        s.store.db.transaction(() => {
          for (const r of batch) insert(r);
          bump.run(survey.id, batch.length);
          applyTallyDeltas(s.store.db, mergeDeltas(batch.flatMap((r) => tallyDeltas(r, survey.questions))));
        })();
        spentNs += process.hrtime.bigint() - t0;
        rows += per;
      }
      out.push({ perTransaction: per, rowsPerSecond: rows / (Number(spentNs) / 1e9) });
    }
    return out;
  } finally {
    await s.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  writeCeiling(Number(process.argv[2] ?? 3)).then((r) => console.log(JSON.stringify(r, null, 2)));
}
