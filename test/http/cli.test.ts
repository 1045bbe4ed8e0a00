import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli } from '../../server/cli';
import { openSqliteStore } from '../../server/store/sqlite';
import { sha256 } from '../../server/ids';

describe('cli', () => {
  let dir: string;
  let out: string[];
  let err: string[];
  const env = () => ({ DATA_DIR: dir, LOG_LEVEL: 'silent' });
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-cli-'));
    out = [];
    err = [];
    jest.spyOn(console, 'log').mockImplementation((...a) => void out.push(a.join(' ')));
    jest.spyOn(console, 'error').mockImplementation((...a) => void err.push(a.join(' ')));
  });
  afterEach(() => {
    jest.restoreAllMocks();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('creates a user with a generated password shown once, then a token stored only as a hash', async () => {
    expect(await runCli(['create-user', '--username', 'eva', '--role', 'evaluator'], env())).toBe(0);
    expect(out.join('\n')).toMatch(/password \(shown once \/ 只显示一次\): \S{16,}/);
    expect(await runCli(['create-token', '--username', 'eva', '--scope', 'write'], env())).toBe(0);
    const token = out[out.length - 1]!;
    expect(token).toMatch(/^manyi_/);
    const store = openSqliteStore(path.join(dir, 'manyi.db'));
    const user = await store.users.findByUsername('eva');
    expect(user).toMatchObject({ role: 'evaluator' });
    expect(await store.tokens.findByHash(sha256(token))).toMatchObject({ userId: user!.id, scope: 'write' });
    await store.close();
  });

  it('explains bad arguments instead of crashing', async () => {
    expect(await runCli(['create-user', '--username', 'x', '--role', 'boss'], env())).toBe(1);
    expect(err.join('\n')).toContain('username: Usernames are 3–40 letters');
    expect(await runCli(['create-user', '--role', 'viewer'], env())).toBe(1);
    expect(err.join('\n')).toContain('--username is required');
    expect(await runCli(['create-user', '--bogus'], env())).toBe(1);
    expect(await runCli(['create-token', '--username', 'ghost'], env())).toBe(1);
    expect(err.join('\n')).toContain('No user named ghost.');
    expect(await runCli(['explode'], env())).toBe(2);
    expect(await runCli(['create-user', '--username', 'stationer', '--role', 'station', '--sites', 'NOPE'], env())).toBe(1);
    expect(err.join('\n')).toContain('Station NOPE does not exist.');
  });

  it('refuses a bad configuration with the variable named', async () => {
    expect(await runCli(['check-db'], { ...env(), PORT: '-1' })).toBe(1);
    expect(err.join('\n')).toContain('PORT:');
  });
});
