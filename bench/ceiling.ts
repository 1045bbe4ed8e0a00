/**
 * The machine's physical ceilings for the resident path, measured the same way as the app:
 * - durable writes: responses with their tallies committed by the app's own group commit (the code
 *   the SQLite writer thread runs: groupCommitter, tallies computed from the version's questions,
 *   tally groups kept between commits), with the app's schema and pragmas (WAL, synchronous=FULL),
 *   in one thread doing nothing else, at 1, 10, 28 and 100 responses per transaction;
 * - the page: bench/http-server.ts serves GET /bench/static-page, the resident form's gzip bytes
 *   captured once and sent as they are (the ratio a page with no per-request work would reach).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { prng, syntheticResponse } from '../server/services/synthetic-responses';
import { groupCommitter } from '../server/store/sqlite/group-commit';
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
    const commit = groupCommitter(s.store.db, { keepTallies: true });
    const rand = prng(3);
    const today = new Date().toISOString().slice(0, 10);
    const out: WriteCeiling[] = [];
    for (const per of batches) {
      let rows = 0;
      let spentNs = 0n;
      const end = Date.now() + seconds * 1000;
      while (Date.now() < end) {
        // Only the transaction is timed: making synthetic answers is not the store's work.
        const batch = Array.from({ length: per }, () => ({
          response: syntheticResponse(rand, survey, pubs[Math.floor(rand() * pubs.length)]!, 0.05, { days: 1, lastDay: today }),
          tallies: { questions: survey.questions },
        }));
        const t0 = process.hrtime.bigint();
        const outcomes = commit(batch);
        spentNs += process.hrtime.bigint() - t0;
        if (!outcomes.every((o) => 'ok' in o && o.ok.inserted)) throw new Error('a response of the ceiling run was refused by the group commit');
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
