import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';

/**
 * A start that fails ends the process with a non-zero code within seconds, saying why — so a
 * supervisor (systemd, docker, Kubernetes) sees it — whether the store cannot be reached, the store
 * opens but the start fails after it (the first administrator cannot be created), or the port is taken.
 */
const ROOT = path.resolve(__dirname, '../..');

/**
 * Starts the server; `lingered` is how long the process lived after saying it could not start —
 * what a supervisor waits for (the start itself, tsx compiling included, is not what is measured).
 */
function start(env: Record<string, string>): Promise<{ code: number | null; stderr: string; lingered: number }> {
  let failedAt = 0;
  const child = spawn(process.execPath, ['-r', 'tsx/cjs', path.join(ROOT, 'server/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'silent', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => {
    stderr += b.toString();
    if (!failedAt && stderr.includes('无法启动')) failedAt = Date.now();
  });
  child.stdout.resume();
  return new Promise((resolve) => child.on('exit', (code) => resolve({ code, stderr, lingered: failedAt ? Date.now() - failedAt : Infinity })));
}

describe('a failed start exits non-zero within seconds', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-start-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('when MongoDB cannot be reached', async () => {
    const r = await start({ DATA_DIR: dir, PORT: '0', MONGODB_URI: 'mongodb://127.0.0.1:9/manyi?serverSelectionTimeoutMS=1000', SESSION_SECRET: 's'.repeat(40) });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('无法启动');
    expect(r.lingered).toBeLessThan(10_000);
  }, 90_000);

  it('when the store opens but the start fails after it', async () => {
    // A database whose schema version says "migrated" but has no tables: opening works, creating the first administrator does not.
    const db = new Database(path.join(dir, 'manyi.db'));
    db.pragma('user_version = 999');
    db.close();
    const r = await start({ DATA_DIR: dir, PORT: '0' });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('no such table');
    expect(r.lingered).toBeLessThan(10_000);
  }, 90_000);

  it('when the port is taken', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    try {
      const port = (taken.address() as net.AddressInfo).port;
      const r = await start({ DATA_DIR: dir, PORT: String(port) });
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('EADDRINUSE');
      expect(r.lingered).toBeLessThan(10_000);
    } finally {
      taken.close();
    }
  }, 90_000);
});
