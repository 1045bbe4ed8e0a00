import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { DuplicateKeyError } from '../store';
import { MIGRATIONS } from './migrations';

export type Db = Database.Database;

/** Opens (creating if needed) the database file with WAL, foreign keys and durable commits, then migrates. */
export function openDatabase(file: string): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // FULL: a commit is on disk before it is acknowledged, so an accepted response survives a crash.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  immediateTransactions(db);
  migrate(db);
  cachePreparedStatements(db);
  return db;
}

/**
 * Every `db.transaction(fn)` begins IMMEDIATE: it takes the write lock at BEGIN, waiting for it
 * through busy_timeout. Another connection writes the same file (the group commit's writer thread),
 * and a DEFERRED transaction that reads first and writes later fails with SQLITE_BUSY_SNAPSHOT when
 * that connection committed in between — a failure the busy handler never retries. A transaction
 * called inside another still becomes a savepoint; `.deferred` stays available for reads alone.
 */
function immediateTransactions(db: Db): void {
  const transaction = db.transaction.bind(db);
  db.transaction = ((fn: Parameters<typeof transaction>[0]) => transaction(fn).immediate) as typeof db.transaction;
}

/**
 * Repositories write `db.prepare(sql)` where they need it; preparing the same SQL on every request
 * costs more than running it, so prepared statements are kept by their SQL text (bounded).
 */
function cachePreparedStatements(db: Db): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, ReturnType<typeof prepare>>();
  db.prepare = ((sql: string) => {
    let stmt = cache.get(sql);
    if (!stmt) {
      if (cache.size >= 2000) cache.clear();
      stmt = prepare(sql);
      cache.set(sql, stmt);
    }
    return stmt;
  }) as typeof db.prepare;
}

/**
 * Applies the migrations not yet applied, all in one IMMEDIATE transaction that reads the schema
 * version only once it holds the write lock: two processes opening a new database at once (the
 * server and a CLI command, say) apply each migration once — the second waits (busy_timeout), then
 * finds nothing left to do.
 */
export function migrate(db: Db): void {
  const pending = () => {
    const current = db.pragma('user_version', { simple: true }) as number;
    return MIGRATIONS.filter((m) => m.version > current);
  };
  if (pending().length === 0) return;
  db.transaction(() => {
    for (const m of pending()) {
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }
  }).immediate();
}

/** Maps SQLite's UNIQUE constraint failure to the port's DuplicateKeyError. */
export function mapUnique<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    const e = err as { code?: string; message?: string };
    if (e.code === 'SQLITE_CONSTRAINT_UNIQUE' || e.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') {
      const m = /UNIQUE constraint failed: \w+\.(\w+)/.exec(e.message ?? '');
      throw new DuplicateKeyError(m?.[1] ?? 'key');
    }
    throw err;
  }
}

export const bool = (v: unknown): boolean => v === 1 || v === true;
export const int = (b: boolean): number => (b ? 1 : 0);

/** `IN (?, ?, …)` for a list of values. */
export function placeholders(values: readonly unknown[]): string {
  return values.map(() => '?').join(', ');
}

/** Adds `column IN (…)` to a WHERE clause; an empty list matches nothing, undefined adds nothing. */
export function addInList(parts: string[], values: unknown[], column: string, list: readonly unknown[] | undefined): void {
  if (!list) return;
  if (list.length === 0) {
    parts.push('0');
    return;
  }
  parts.push(`${column} IN (${placeholders(list)})`);
  values.push(...list);
}
