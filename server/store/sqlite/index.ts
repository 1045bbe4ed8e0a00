import fs from 'node:fs';
import type { Store } from '../store';
import { sqliteApiTokenRepo, sqliteAuditRepo, sqliteRateLimitRepo, sqliteSessionRepo, sqliteUserRepo } from './account-repos';
import { sqliteCalendarRepo, sqliteCaseRepo } from './case-repo';
import { openDatabase, type Db } from './db';
import { sqliteEvidenceBlobRepo } from './evidence-blob-repo';
import { sqliteResponseRepo } from './response-repo';
import { commitQueue, inlineWriter, threadWriter, type GroupWriter, type WriterMode } from './writer-thread';
import { sqliteTallyRepo } from './tally-repo';
import { sqliteTestResponseRepo } from './test-response-repo';
import { sqliteEvaluationRepo, sqlitePublicationRepo, sqliteSiteRepo, sqliteSurveyRepo } from './survey-repos';

export interface SqliteStoreOptions {
  /**
   * Where the group commit of responses runs (SQLITE_WRITER): 'thread' (default), a worker thread
   * with its own connection, so the main thread serves while the disk syncs; 'inline', on the main
   * connection. An in-memory database is always written inline (no other connection can reach it).
   */
  writer?: WriterMode;
}

/**
 * The embedded store: one SQLite file (WAL) under DATA_DIR. `db` is exposed for bulk tools
 * (benchmarks, demo seeding), never for services; `writer` says where responses are committed.
 */
export function openSqliteStore(file: string, options: SqliteStoreOptions = {}): Store & { file: string; db: Db; writer: Pick<GroupWriter, 'mode' | 'startMs'> } {
  const db = openDatabase(file);
  // Rate-limit counters change on every submission but need no durability (losing a window's
  // count in a crash is harmless): their own connection commits without waiting for the disk.
  const counters = file === ':memory:' ? db : openDatabase(file);
  if (counters !== db) counters.pragma('synchronous = NORMAL');
  const ping = db.prepare('SELECT 1 AS ok');
  const stamp = db.prepare('SELECT n FROM catalog_stamp WHERE id = 1').pluck();
  const inline = () => inlineWriter(db);
  const writer = file !== ':memory:' && (options.writer ?? 'thread') === 'thread' ? threadWriter(file, inline) : inline();
  const commits = commitQueue(writer);
  return {
    kind: 'sqlite',
    file,
    db,
    writer: { mode: writer.mode, startMs: writer.startMs },
    users: sqliteUserRepo(db),
    sessions: sqliteSessionRepo(db),
    tokens: sqliteApiTokenRepo(db),
    audit: sqliteAuditRepo(db),
    sites: sqliteSiteRepo(db),
    surveys: sqliteSurveyRepo(db),
    publications: sqlitePublicationRepo(db),
    responses: sqliteResponseRepo(db, commits),
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
    catalogStampNow() {
      return stamp.get() as number;
    },
    async close() {
      // Every queued response is written (each submission answered) before the connections close.
      await commits.close();
      if (counters !== db && counters.open) counters.close();
      if (db.open) db.close();
    },
  };
}
