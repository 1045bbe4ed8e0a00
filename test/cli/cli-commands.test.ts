import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import pino from 'pino';
import request from 'supertest';
import { createApp } from '../../server/app';
import { loadConfig } from '../../server/config';
import { sha256 } from '../../server/ids';
import { resolveSessionSecret } from '../../server/secrets';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { createSite } from '../../server/services/sites';
import type { Store } from '../../server/store';
import { testStorePlace, type TestStorePlace } from '../helpers/store';
import { cliLinesOf, README_COMMANDS } from './readme-commands';

/**
 * The command line as people call it: every line is spawned through a shell exactly as typed
 * (`npm run cli -- …`, which builds dist/ when it is stale and runs scripts/cli.js), each test on
 * a fresh DATA_DIR and store (SQLite in DATA_DIR, or a MongoDB database of its own under
 * `npm run test:mongo`); state is read back from the store or through the HTTP app afterwards.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const README = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
/** Exit codes documented in README.md and server/cli.ts. */
const DONE = 0;
const FAILED = 1;
const USAGE = 2;

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

const ran = new Set<string>();

/** This test's store, not opened: the commands create it. */
let place: TestStorePlace;

/**
 * Runs one command line in a shell. Words of `placeholders` (e.g. ID) are replaced first; the line
 * as written is recorded, so the last test can tell that every README line was run.
 */
function run(line: string, dataDir: string, options: { placeholders?: Record<string, string>; cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  ran.add(line);
  let command = line;
  for (const [word, value] of Object.entries(options.placeholders ?? {})) command = command.replace(new RegExp(`\\b${word}\\b`, 'g'), value);
  const env: Record<string, string | undefined> = { ...process.env, ...place.env, DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...options.env };
  // The subprocess must use this test's store, whatever the developer's shell has set.
  if (!place.env.MONGODB_URI) delete env.MONGODB_URI;
  delete env.SESSION_SECRET;
  return new Promise((resolve, reject) => {
    const child = spawn(command, { shell: true, cwd: options.cwd ?? ROOT, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The value printed after "label: " on the line that contains `marker`. */
function printed(out: string, marker: string): string {
  const line = out.split('\n').find((l) => l.includes(marker));
  if (!line) throw new Error(`no line with ${marker} in:\n${out}`);
  return line.slice(line.lastIndexOf(': ') + 2).trim();
}

async function withStore<T>(fn: (store: Store) => Promise<T>): Promise<T> {
  const store = await place.open();
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** The web app on the same DATA_DIR as the command line (same session secret file, same database). */
async function withApp<T>(fn: (app: ReturnType<typeof createApp>) => Promise<T>): Promise<T> {
  const config = resolveSessionSecret(loadConfig({ ...place.env, LOG_LEVEL: 'silent' }));
  return withStore((store) => fn(createApp({ config, store, logger: pino({ level: 'silent' }) })));
}

async function loginStatus(app: ReturnType<typeof createApp>, username: string, password: string): Promise<request.Response> {
  const agent = request.agent(app);
  const page = await agent.get('/login').expect(200);
  const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
  return agent.post('/login').type('form').send({ _csrf: csrf, username, password });
}

describe('npm run cli, as the README shows it', () => {
  let dir: string;

  beforeAll(() => {
    // Build dist/ once here, so no single test pays for it (the first `npm run cli` would).
    execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-if-needed.js')], { cwd: ROOT, stdio: 'pipe', timeout: 240_000 });
  }, 240_000);
  beforeEach(() => {
    place = testStorePlace();
    dir = place.dir;
  });
  afterEach(async () => {
    await place.cleanup();
  });

  it('lists in README.md exactly the commands these tests run', () => {
    expect(cliLinesOf(README).sort()).toEqual(Object.values(README_COMMANDS).sort());
    expect(cliLinesOf('```sh\nnpm run cli -- check-db   # says what the store holds\n```\nnpm run cli -- not-in-a-code-block')).toEqual(['npm run cli -- check-db']);
  });

  it('prints the usage for help (exit 0), and on stderr with exit 2 when no command is given', async () => {
    const help = await run(README_COMMANDS.help, dir);
    expect(help.code).toBe(DONE);
    expect(help.stdout).toContain('manyi command line / manyi 命令行');
    for (const command of ['create-user', 'create-token', 'reset-password', 'check-db', 'rebuild-tallies', 'export', 'seed-demo']) {
      expect(help.stdout).toContain(`npm run cli -- ${command}`);
    }
    expect(help.stdout).toContain('Exit codes: 0 done; 1');
    expect(help.stdout).toContain('退出码：0 完成；1');

    const [bare, dashes] = await Promise.all([run('npm run cli', dir), run('npm run cli -- --help', dir)]);
    expect(bare.code).toBe(USAGE);
    expect(bare.stderr).toContain('manyi command line / manyi 命令行');
    expect(dashes.code).toBe(DONE);
    expect(dashes.stdout).toContain('npm run cli -- create-user');
  });

  it('creates an evaluator, and station staff of two existing stations, with passwords printed once that log in', async () => {
    await withStore(async (store) => {
      const deps = { config: loadConfig(place.env), store, clock: () => new Date(), logger: pino({ level: 'silent' }) };
      await createSite(deps, { code: 'JYG01', name: '城关镇社工站', kind: 'township' }, SYSTEM_ACTOR);
      await createSite(deps, { code: 'JYG02', name: '新城镇社工站', kind: 'township' }, SYSTEM_ACTOR);
    });

    const evaluator = await run(README_COMMANDS.createEvaluator, dir);
    const station = await run(README_COMMANDS.createStation, dir);

    expect(evaluator).toMatchObject({ code: DONE, stderr: '' });
    expect(evaluator.stdout).toContain('created Evaluator wang / 已新建评价人员 wang');
    expect(station.code).toBe(DONE);
    expect(station.stdout).toContain('created Station staff zhan1 / 已新建站点人员 zhan1');
    const wangPassword = printed(evaluator.stdout, 'password (shown once) / 密码（只显示这一次）');
    expect(wangPassword).toMatch(/^[A-Za-z0-9_-]{20}$/);
    await withStore(async (store) => {
      const sites = await store.sites.list();
      expect(await store.users.findByUsername('wang')).toMatchObject({ role: 'evaluator', siteIds: [], mustChangePassword: false });
      expect((await store.users.findByUsername('zhan1'))!.siteIds.sort()).toEqual(sites.map((s) => s.id).sort());
      expect((await store.users.findByUsername('wang'))!.passwordHash).not.toContain(wangPassword);
    });
    await withApp(async (app) => {
      expect((await loginStatus(app, 'wang', wangPassword)).status).toBe(303);
      expect((await loginStatus(app, 'zhan1', printed(station.stdout, 'password (shown once)'))).status).toBe(303);
    });
  });

  it('creates a read-only token, printed once on its own line, that the API accepts and that is stored only as a hash', async () => {
    expect((await run(README_COMMANDS.createEvaluator, dir)).code).toBe(DONE);

    const res = await run(README_COMMANDS.createToken, dir);

    expect(res.code).toBe(DONE);
    expect(res.stdout).toContain('token for wang (read), shown once / wang 的令牌（read），只显示这一次:');
    const token = res.stdout.trim().split('\n').pop()!;
    expect(token).toMatch(/^manyi_[A-Za-z0-9_-]{40,}$/);
    await withApp(async (app) => {
      const me = await request(app).get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(200);
      expect(me.body).toMatchObject({ user: { username: 'wang', role: 'evaluator' }, scope: 'read' });
      await request(app).post('/api/v1/sites').set('Authorization', `Bearer ${token}`).send({ code: 'RO1', name: '只读', kind: 'township' }).expect(403);
    });
    await withStore(async (store) => {
      expect(await store.tokens.findByHash(sha256(token))).toMatchObject({ scope: 'read', name: 'cli', revokedAt: null });
    });
  });

  it('resets a password: the printed one-time password logs in, leads only to changing it, and the old one fails', async () => {
    const created = await run(README_COMMANDS.createEvaluator, dir);
    const old = printed(created.stdout, 'password (shown once)');

    const res = await run(README_COMMANDS.resetPassword, dir);

    expect(res.code).toBe(DONE);
    const oneTime = printed(res.stdout, 'one-time password for wang');
    expect(oneTime).toMatch(/^[A-Za-z0-9_-]{20}$/);
    expect(oneTime).not.toBe(old);
    await withApp(async (app) => {
      expect((await loginStatus(app, 'wang', old)).status).toBe(401);
      const login = await loginStatus(app, 'wang', oneTime);
      expect(login.status).toBe(303);
      expect(login.headers.location).toBe('/account/password');
    });
    await withStore(async (store) => {
      const wang = await store.users.findByUsername('wang');
      expect(await store.audit.list({ limit: 5, action: 'user.passwordReset' })).toEqual([expect.objectContaining({ actorName: 'system', targetId: wang!.id })]);
    });
  });

  it('seeds the demo, says what the store holds, rebuilds drifted tallies and exports the responses as CSV', async () => {
    const seeded = await run(README_COMMANDS.seedDemo, dir);
    expect(seeded.code).toBe(DONE);
    expect(seeded.stdout).toMatch(/demo data: 5 stations, 330 responses, survey [0-9a-f-]{36}; user demo; 137 cases from bad reviews, handled to every stage/);
    const surveyId = /survey ([0-9a-f-]{36})/.exec(seeded.stdout)![1]!;

    const check = await run(README_COMMANDS.checkDb, dir);
    expect(check.code).toBe(DONE);
    expect(check.stdout).toContain(`store: ${place.kind} ok; users 1, sites 5, surveys 1, responses 330 / 数据库：${place.kind} 正常；用户 1，站点 5，问卷 1，答卷 330`);
    expect(check.stdout).toMatch(new RegExp(`\\n  ${surveyId}  open  330  `));
    // On MongoDB the seeding process may have ended before applying every submission's tallies.
    const pendingAtCheck = place.kind === 'sqlite' ? '0' : '\\d+';
    expect(check.stdout).toMatch(new RegExp(`\\n    tallies equal a rebuild from the responses \\(${pendingAtCheck} responses were pending when the check began; applied first\\) / 汇总与按答卷重算的结果一致`));

    // Tallies wiped behind the app's back: check-db says so (exit 1), the rebuild notices and repairs them.
    await withStore((store) => store.tallies.replaceForSurvey(surveyId, []));
    const drifted = await run(README_COMMANDS.checkDb, dir);
    expect(drifted.code).toBe(FAILED);
    expect(drifted.stdout).toContain(`    tallies differ from a rebuild from the responses: 0 groups vs `);
    expect(drifted.stdout).toContain(`run rebuild-tallies --survey ${surveyId}`);
    expect(drifted.stderr).toContain('the tallies of 1 surveys differ from their responses / 1 份问卷的汇总与答卷不一致');
    const repaired = await run(README_COMMANDS.rebuildOne, dir, { placeholders: { ID: surveyId } });
    expect(repaired.code).toBe(DONE);
    expect(repaired.stdout).toMatch(new RegExp(`^${surveyId}: \\d+ tally groups rebuilt in \\d+ ms; they had drifted`, 'm'));
    const all = await run(README_COMMANDS.rebuildAll, dir);
    expect(all.code).toBe(DONE);
    expect(all.stdout).toMatch(new RegExp(`^${surveyId}: \\d+ tally groups rebuilt in \\d+ ms; they already matched / `, 'm'));
    expect((await run(README_COMMANDS.checkDb, dir)).code).toBe(DONE);

    // Run from a folder of its own: --out is relative to where the command was typed, not to the package.
    fs.mkdirSync(path.join(ROOT, 'test-results'), { recursive: true });
    const here = fs.mkdtempSync(path.join(ROOT, 'test-results', 'cli-'));
    try {
      const exported = await run(README_COMMANDS.exportCsv, dir, { placeholders: { ID: surveyId }, cwd: here });
      expect(exported.code).toBe(DONE);
      const file = path.join(here, 'responses.csv');
      expect(exported.stdout).toContain(` responses written to ${file}`);
      const written = Number(/(\d+) responses written/.exec(exported.stdout)![1]);
      const rows = parseCsv(fs.readFileSync(file), { bom: true }) as string[][];
      expect(rows.length).toBe(written + 1);
      expect(written).toBeGreaterThan(250);
      expect(written).toBeLessThanOrEqual(330);
      expect(new Set(rows.slice(1).map((r) => r[0])).size).toBe(written);
      // An existing file is never overwritten.
      const again = await run(README_COMMANDS.exportCsv, dir, { placeholders: { ID: surveyId }, cwd: here });
      expect(again.code).toBe(FAILED);
      expect(again.stderr).toContain(`${file} already exists and an export never overwrites it: choose another --out, or remove the file first`);
      expect(again.stderr).toContain(`${file} 已存在，导出不会覆盖它`);
      expect(fs.readFileSync(file).length).toBeGreaterThan(0);
    } finally {
      fs.rmSync(here, { recursive: true, force: true });
    }

    const twice = await run(README_COMMANDS.seedDemo, dir);
    expect(twice.code).toBe(FAILED);
    expect(twice.stderr).toContain('the store is not empty: demo data is only added to an empty store / 数据库非空，演示数据只添加到空数据库');
  });

  it('refuses an unknown command and bad arguments with exit 2 and the usage on stderr, before opening any store', async () => {
    const results = await Promise.all([
      run('npm run cli -- explode', dir),
      run('npm run cli -- create-user --username wang --role evaluator --bogus', dir),
      run('npm run cli -- create-user --role evaluator', dir),
      run('npm run cli -- create-user --username wang --role boss', dir),
    ]);
    const [unknown, bogus, missing, role] = results;
    expect(unknown!.stderr).toContain('unknown command "explode" / 未知命令“explode”');
    expect(bogus!.stderr).toContain("bad argument: Unknown option '--bogus' / 参数有误：Unknown option '--bogus'");
    expect(missing!.stderr).toContain('--username is required / 缺少参数 --username');
    expect(role!.stderr).toContain('--role must be one of admin|evaluator|station|viewer / --role 只能是 admin|evaluator|station|viewer');
    for (const r of results) {
      expect(r.code).toBe(USAGE);
      expect(r.stderr).toContain('manyi command line / manyi 命令行');
      expect(r.stdout).not.toContain('created');
    }
    expect(await place.exists()).toBe(false);
  });

  it('fails with exit 1 and the reason in both languages: a missing user, an unknown station, an unknown survey, a bad configuration', async () => {
    const [ghost, station, survey, config] = await Promise.all([
      run('npm run cli -- create-token --username ghost', dir),
      run('npm run cli -- create-user --username stationer --role station --sites NOPE', dir),
      run('npm run cli -- rebuild-tallies --survey no-such-survey', dir),
      run(README_COMMANDS.checkDb, dir, { env: { PORT: '-1' } }),
    ]);
    expect(ghost!.stderr).toContain('No user named ghost. / 找不到用户 ghost。');
    expect(station!.stderr).toContain('siteIds: Station NOPE does not exist. / 站点 NOPE 不存在。');
    expect(survey!.stderr).toContain('no survey with ID no-such-survey (check-db lists the IDs) / 找不到问卷 no-such-survey');
    expect(config!.stderr).toContain('PORT:');
    for (const r of [ghost, station, survey, config]) {
      expect(r!.code).toBe(FAILED);
      expect(r!.stderr).not.toContain('manyi command line');
    }
    await withStore(async (store) => expect(await store.users.count()).toBe(0));
  });

  it('has run every command the README shows', () => {
    expect(Object.values(README_COMMANDS).filter((line) => !ran.has(line))).toEqual([]);
  });
});
