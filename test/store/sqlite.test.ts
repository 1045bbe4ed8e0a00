import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../server/store/sqlite';
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
});
