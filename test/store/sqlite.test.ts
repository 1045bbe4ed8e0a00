import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../server/store/sqlite';
import { openDatabase } from '../../server/store/sqlite/db';
import { MIGRATIONS } from '../../server/store/sqlite/migrations';
import { DEVICE_AT_OTHER_SITE_SQL, RECENT_COUNT_SQL } from '../../server/store/sqlite/response-repo';
import { publicationFixture, responseFixture, siteFixture, surveyFixture } from '../helpers/fixtures';
import { openTestStore } from '../helpers/store';
import { storeContract } from './contract';

/*
 * SQLite's adapter, whatever store the rest of the suite follows: the embedded store is always
 * there, so its contract and its own file (migrations, PRAGMAs) are checked on every run.
 */
describe('SQLite store', () => {
  storeContract(() => openTestStore({ kind: 'sqlite' }));

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

  it('migrates a version-1 database to the paper channel without losing a response', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-store-'));
    const file = path.join(dir, 'old.db');
    const old = new Database(file);
    old.pragma('foreign_keys = ON');
    old.exec(MIGRATIONS[0]!.sql);
    old.pragma('user_version = 1');
    const site = siteFixture({ code: 'OLD1' });
    const { survey } = surveyFixture();
    const pub = publicationFixture(survey.id, site.id);
    const r = responseFixture(pub, { channel: 'assisted', enteredBy: 'w1' });
    // Rows written the way version 1 of the app wrote them.
    old.prepare('INSERT INTO sites (id, code, name, township, kind, recipients, active, is_demo, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)').run(site.id, site.code, site.name, site.township, site.kind, site.recipients, 1, 0, site.createdAt, site.updatedAt);
    old.prepare(`INSERT INTO surveys (id, title, description, status, version, questions, segment_question_id, settings, locale, time_zone, response_count, is_demo, created_by, created_at, updated_at)
      VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`).run(survey.id, survey.title, '', survey.status, 1, JSON.stringify(survey.questions), null, JSON.stringify(survey.settings), 'zh-CN', 'Asia/Shanghai', 1, 0, null, survey.createdAt, survey.updatedAt);
    old.prepare('INSERT INTO publications (id, survey_id, site_id, code, active, created_at) VALUES (?,?,?,?,?,?)').run(pub.id, pub.surveyId, pub.siteId, pub.code, 1, pub.createdAt);
    old.prepare(`INSERT INTO responses (id, survey_id, version, site_id, publication_id, channel, started_at, submitted_at, day, duration_ms, answers, segment, flags, excluded, device_hash, ip_hash, submission_token, entered_by, is_demo)
      VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`).run(r.id, r.surveyId, 1, r.siteId, r.publicationId, r.channel, r.startedAt, r.submittedAt, r.day, r.durationMs, JSON.stringify(r.answers), r.segment, JSON.stringify(r.flags), 0, r.deviceHash, r.ipHash, r.submissionToken, r.enteredBy, 0);
    expect(() => old.prepare("UPDATE responses SET channel = 'paper'").run()).toThrow(/CHECK constraint/);
    old.close();

    const store = openSqliteStore(file);
    expect(await store.responses.get(r.id)).toEqual({ ...r, paperDate: null });
    const paper = responseFixture(pub, { channel: 'paper', paperDate: '2026-11-20', day: '2026-11-20' });
    await store.responses.insert(paper, []);
    expect((await store.responses.get(paper.id))!.paperDate).toBe('2026-11-20');
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('migration 4 turns an excluded response into review "excluded", keeping reason, who and when', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-store-'));
    const db = new Database(path.join(dir, 'old.db'));
    db.exec(MIGRATIONS.find((m) => m.version === 1)!.sql);
    db.pragma('user_version = 1');
    db.exec(`INSERT INTO sites (id, code, name, kind, created_at, updated_at) VALUES ('s', 'S', '站', 'township', 'x', 'x');
      INSERT INTO surveys (id, title, status, version, questions, settings, locale, time_zone, created_at, updated_at) VALUES ('v', 't', 'open', 1, '[]', '{}', 'zh-CN', 'Asia/Shanghai', 'x', 'x');
      INSERT INTO publications (id, survey_id, site_id, code, created_at) VALUES ('p', 'v', 's', 'c', 'x');`);
    const insert = db.prepare(`INSERT INTO responses (id, survey_id, version, site_id, publication_id, channel, started_at, submitted_at, day, duration_ms, answers, excluded, excluded_reason, excluded_by, excluded_at, device_hash, ip_hash, submission_token)
      VALUES (?, 'v', 1, 's', 'p', 'qr', 'a', 'b', '2026-11-01', 1000, '{}', ?, ?, ?, ?, 'd', 'i', ?)`);
    insert.run('r1', 1, '重复', 'u1', '2026-11-05T00:00:00.000Z', 't1');
    insert.run('r2', 0, null, null, null, 't2');
    db.close();
    const migrated = openDatabase(path.join(dir, 'old.db'));
    expect(migrated.prepare('SELECT id, review, review_reason, reviewed_by, reviewed_at FROM responses ORDER BY id').all()).toEqual([
      { id: 'r1', review: 'excluded', review_reason: '重复', reviewed_by: 'u1', reviewed_at: '2026-11-05T00:00:00.000Z' },
      { id: 'r2', review: null, review_reason: null, reviewed_by: null, reviewed_at: null },
    ]);
    expect(() => migrated.prepare("UPDATE responses SET review = 'maybe' WHERE id = 'r2'").run()).toThrow(/CHECK/);
    migrated.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  it('migration 8 keeps every survey\'s response count, now apart from the survey row', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-store-'));
    const file = path.join(dir, 'old.db');
    const db = new Database(file);
    for (const m of MIGRATIONS.filter((x) => x.version < 8)) db.exec(m.sql);
    db.pragma(`user_version = ${Math.max(...MIGRATIONS.filter((x) => x.version < 8).map((x) => x.version))}`);
    db.exec(`INSERT INTO surveys (id, title, status, version, questions, settings, locale, time_zone, response_count, created_at, updated_at)
      VALUES ('v', 't', 'open', 1, '[]', '{}', 'zh-CN', 'Asia/Shanghai', 7, 'x', 'x'), ('w', 't', 'draft', 1, '[]', '{}', 'zh-CN', 'Asia/Shanghai', 0, 'y', 'y')`);
    db.close();
    const store = openSqliteStore(file);
    expect((await store.surveys.list()).map((s) => [s.id, s.responseCount])).toEqual([
      ['w', 0],
      ['v', 7],
    ]);
    expect(store.db.prepare("SELECT COUNT(*) AS n FROM pragma_table_info('surveys') WHERE name = 'response_count'").get()).toEqual({ n: 0 });
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers the one-phone-several-stations and burst checks by index seeks, never a scan of the data', async () => {
    const store = openSqliteStore(':memory:');
    const plan = (sql: string, ...args: unknown[]) =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[]).map((r) => r.detail).join('\n');
    const device = plan(DEVICE_AT_OTHER_SITE_SQL, { surveyId: 'v', deviceHash: 'd', siteId: 's' });
    expect(device).toMatch(/SEARCH responses USING COVERING INDEX responses_device \(survey_id=\? AND device_hash=\? AND site_id<\?\)/);
    expect(device).toMatch(/SEARCH responses USING COVERING INDEX responses_device \(survey_id=\? AND device_hash=\? AND site_id>\?\)/);
    expect(device).not.toMatch(/SCAN responses/);
    const recent = plan(RECENT_COUNT_SQL, 'p', '2026-11-01', 10);
    expect(recent).toMatch(/SEARCH responses USING COVERING INDEX responses_publication \(publication_id=\? AND submitted_at>\?\)/);
    expect(recent).not.toMatch(/SCAN responses/);
    await store.close();
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

  it('numbers its migrations in order, one version each', () => {
    const versions = MIGRATIONS.map((m) => m.version);
    expect(versions).toEqual([...versions].sort((a, b) => a - b));
    expect(new Set(versions).size).toBe(versions.length);
  });

  it('migrates a new database once when several processes open it at the same moment', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-store-'));
    const file = path.join(dir, 'manyi.db');
    const root = path.resolve(__dirname, '../..');
    const script = `require('./server/store/sqlite/db').openDatabase(${JSON.stringify(file)}).close()`;
    const runs = await Promise.all(
      [1, 2, 3, 4].map(
        () =>
          new Promise<{ code: number | null; stderr: string }>((resolve) => {
            const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
            let stderr = '';
            child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
            child.on('exit', (code) => resolve({ code, stderr }));
          }),
      ),
    );
    expect(runs).toEqual([1, 2, 3, 4].map(() => ({ code: 0, stderr: '' })));
    const db = openDatabase(file);
    expect(db.pragma('user_version', { simple: true })).toBe(MIGRATIONS[MIGRATIONS.length - 1]!.version);
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
