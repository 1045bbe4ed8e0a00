import fs from 'node:fs';
import type { Store } from '../store';
import { sqliteApiTokenRepo, sqliteAuditRepo, sqliteRateLimitRepo, sqliteSessionRepo, sqliteUserRepo } from './account-repos';
import { sqliteCalendarRepo, sqliteCaseRepo } from './case-repo';
import { openDatabase, type Db } from './db';
import { sqliteEvidenceBlobRepo } from './evidence-blob-repo';
import { sqliteResponseRepo } from './response-repo';
import { sqliteTallyRepo } from './tally-repo';
import { sqliteTestResponseRepo } from './test-response-repo';
import { sqliteEvaluationRepo, sqlitePublicationRepo, sqliteSiteRepo, sqliteSurveyRepo } from './survey-repos';

/** The embedded store: one SQLite file (WAL) under DATA_DIR. */
/** The embedded store; `db` is exposed for bulk tools (benchmarks, demo seeding), never for services. */
export function openSqliteStore(file: string): Store & { file: string; db: Db } {
  const db = openDatabase(file);
  // Rate-limit counters change on every submission but need no durability (losing a window's
  // count in a crash is harmless): their own connection commits without waiting for the disk.
  const counters = file === ':memory:' ? db : openDatabase(file);
  if (counters !== db) counters.pragma('synchronous = NORMAL');
  const ping = db.prepare('SELECT 1 AS ok');
  const stamp = db.prepare('SELECT n FROM catalog_stamp WHERE id = 1').pluck();
  return {
    kind: 'sqlite',
    file,
    db,
    users: sqliteUserRepo(db),
    sessions: sqliteSessionRepo(db),
    tokens: sqliteApiTokenRepo(db),
    audit: sqliteAuditRepo(db),
    sites: sqliteSiteRepo(db),
    surveys: sqliteSurveyRepo(db),
    publications: sqlitePublicationRepo(db),
    responses: sqliteResponseRepo(db),
    testResponses: sqliteTestResponseRepo(db),
    tallies: sqliteTallyRepo(db),
    evaluations: sqliteEvaluationRepo(db),
    evidenceBlobs: sqliteEvidenceBlobRepo(db),
    rateLimits: sqliteRateLimitRepo(counters),
    cases: sqliteCaseRepo(db),
    calendar: sqliteCalendarRepo(db),
    async ping() {
      if (!db.open) throw new Error('database is closed');
      ping.get();
      // A database whose file can no longer be written cannot accept responses: not ready.
      if (file !== ':memory:') fs.accessSync(file, fs.constants.W_OK);
    },
    async catalogStamp() {
      return stamp.get() as number;
    },
    async close() {
      if (counters !== db && counters.open) counters.close();
      if (db.open) db.close();
    },
  };
}
