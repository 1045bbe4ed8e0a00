import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../server/store/sqlite';
import Database from 'better-sqlite3';
import { openDatabase } from '../../server/store/sqlite/db';
import { MIGRATIONS } from '../../server/store/sqlite/migrations';
import { storeContract } from './contract';

describe('SQLite store', () => {
  storeContract(async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-store-'));
    const store = openSqliteStore(path.join(dir, 'manyi.db'));
    return {
      store,
      cleanup: async () => {
        await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  });

  it('opens with WAL, foreign keys, durable commits and every migration applied', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-store-'));
    const db = openDatabase(path.join(dir, 'x.db'));
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    db.close();
    // Opening again runs nothing twice.
    const again = openDatabase(path.join(dir, 'x.db'));
    expect(again.pragma('user_version', { simple: true })).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    again.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('migration 2 keeps the users of an existing database, none of them having to change their password', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-store-'));
    const file = path.join(dir, 'manyi.db');
    const v1 = new Database(file);
    v1.exec(MIGRATIONS.find((m) => m.version === 1)!.sql);
    v1.pragma('user_version = 1');
    v1.prepare(
      `INSERT INTO users (id, username, password_hash, role, site_ids, active, failed_logins, locked_until, created_at, updated_at)
       VALUES ('u1', 'old-admin', 'hash', 'admin', '[]', 1, 0, NULL, '2026-11-01T00:00:00.000Z', '2026-11-01T00:00:00.000Z')`,
    ).run();
    v1.close();

    const store = openSqliteStore(file);

    expect(store.db.pragma('user_version', { simple: true })).toBeGreaterThanOrEqual(2);
    expect(await store.users.findByUsername('old-admin')).toMatchObject({ id: 'u1', role: 'admin', passwordHash: 'hash', mustChangePassword: false });
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
