import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../server/config';
import { openStore } from '../../server/store';
import { siteFixture } from '../helpers/fixtures';
import { openTestStore, testStorePlace } from '../helpers/store';
import { parse } from 'yaml';

/**
 * What makes the suites run on MongoDB where a server exists: the test store helper, `npm run
 * test:mongo`, the CI workflows and docker-compose.yml. Nothing here needs a MongoDB server.
 */
const ROOT = path.resolve(__dirname, '../..');

function run(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const withoutMongo = () => {
  const env = { ...process.env };
  delete env.MONGODB_URI;
  return env;
};

describe('openTestStore', () => {
  it('opens SQLite in a temporary folder when MONGODB_URI is not set, which openStore given its env (as the server and the CLI do) opens too', async () => {
    const ts = await openTestStore({ env: {} });
    try {
      expect(ts.kind).toBe('sqlite');
      expect(ts.store.kind).toBe('sqlite');
      expect(ts.env).toEqual({ DATA_DIR: ts.dir });
      expect(await ts.exists()).toBe(true);
      const site = siteFixture({ code: 'T01' });
      await ts.store.sites.create(site);

      // What server/main.ts and the CLI do with their environment.
      const other = await openStore(loadConfig(ts.env));
      try {
        expect(other.kind).toBe('sqlite');
        expect(await other.sites.get(site.id)).toEqual(site);
      } finally {
        await other.close();
      }
      const again = await ts.reopen();
      expect((await again.sites.list()).map((s) => s.code)).toEqual(['T01']);
    } finally {
      await ts.cleanup();
    }
    expect(fs.existsSync(ts.dir)).toBe(false);
  });

  it('reserves a store without creating it, for processes that must create it themselves', async () => {
    const place = testStorePlace({ env: {} });
    try {
      expect(await place.exists()).toBe(false);
      await (await place.open()).close();
      expect(await place.exists()).toBe(true);
    } finally {
      await place.cleanup();
    }
  });

  it('refuses to open MongoDB without MONGODB_URI, saying so', () => {
    expect(() => testStorePlace({ kind: 'mongodb', env: {} })).toThrow('a MongoDB test store needs MONGODB_URI (a replica set)');
  });
});

describe('npm run test:mongo', () => {
  it('refuses to start without MONGODB_URI, says what to set, and exits non-zero before running any test', async () => {
    const r = await run('npm', ['run', '-s', 'test:mongo'], withoutMongo());
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MONGODB_URI is not set. / 未设置 MONGODB_URI。');
    expect(r.stderr).toContain("MONGODB_URI='mongodb://localhost:27017/manyi?replicaSet=rs0' npm run test:mongo");
    expect(r.stdout).not.toContain('== test:mongo');
  });

  it('refuses a MONGODB_URI that is not a MongoDB connection string', async () => {
    const r = await run(process.execPath, ['scripts/test-mongo.js'], { ...withoutMongo(), MONGODB_URI: 'localhost:27017' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('MONGODB_URI must start with mongodb:// or mongodb+srv://');
  });
});

const parseYaml = (text: string): unknown => parse(text);
const describeYaml = describe;

interface Step {
  name?: string;
  uses?: string;
  run?: string;
}
interface Workflow {
  on: Record<string, unknown>;
  jobs: Record<string, { 'runs-on': string; container?: string; env?: Record<string, string>; steps: Step[] }>;
}
const readYaml = <T>(file: string) => parseYaml(fs.readFileSync(path.join(ROOT, file), 'utf8')) as T;

describeYaml('CI workflows', () => {
  it('runs the whole suite and the stress suite on mongo:7 started as a one-node replica set, with Node 20 and Debian\'s chromium', () => {
    const wf = readYaml<Workflow>('.github/workflows/mongo.yml');
    expect(Object.keys(wf.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    const [job] = Object.values(wf.jobs);
    expect(job!['runs-on']).toBe('ubuntu-latest');
    expect(job!.env?.MONGODB_URI).toBe('mongodb://localhost:27017/manyi?replicaSet=rs0');
    const script = job!.steps.map((s) => s.run ?? '').join('\n');
    expect(job!.steps[0]!.uses).toMatch(/^actions\/checkout@/);
    // Started, initiated as rs0 under the name the tests use, and waited for until it is primary, before the tests.
    expect(script).toMatch(/docker run -d --name mongo -p 27017:27017 mongo:7 --replSet rs0/);
    expect(script).toContain("rs.initiate({ _id: 'rs0', members: [{ _id: 0, host: 'localhost:27017' }] })");
    expect(script).toContain('isWritablePrimary');
    expect(script.indexOf('rs.initiate')).toBeLessThan(script.indexOf('npm run test:mongo'));
    expect(script).toMatch(/node:20-bookworm[\s\S]*apt-get install -y -qq chromium fonts-noto-cjk[\s\S]*npm ci[\s\S]*npm run test:mongo/);
    expect(script).toContain('-e MONGODB_URI');
  });

  it('runs .ci/run for the SQLite CI, in Debian with Node 20', () => {
    const wf = readYaml<Workflow>('.github/workflows/ci.yml');
    expect(Object.keys(wf.on)).toEqual(expect.arrayContaining(['push', 'pull_request']));
    const [job] = Object.values(wf.jobs);
    expect(job!.container).toBe('node:20-bookworm');
    expect(job!.steps.map((s) => s.uses ?? s.run)).toEqual(['actions/checkout@v4', 'bash .ci/run']);
  });

  it('docker-compose.yml starts mongo:7 as the replica set rs0 and points the app at it', () => {
    const compose = readYaml<{ services: Record<string, { image?: string; command?: string[]; environment?: Record<string, string>; healthcheck?: { test: string[] } }> }>('docker-compose.yml');
    expect(compose.services.mongo).toMatchObject({ image: 'mongo:7', command: expect.arrayContaining(['--replSet', 'rs0']) });
    expect(compose.services.mongo!.healthcheck!.test.join(' ')).toContain("rs.initiate({_id: 'rs0'");
    expect(compose.services.app!.environment!.MONGODB_URI).toBe('mongodb://mongo:27017/manyi?replicaSet=rs0');
  });
});

/** `docker compose` (the plugin) or docker-compose, when installed; `config` needs no engine. */
function composeCommand(): string[] | null {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const probe = spawnSync(cmd[0]!, [...cmd.slice(1), 'version'], { stdio: 'ignore' });
    if (probe.status === 0) return cmd;
  }
  return null;
}
const compose = composeCommand();
const describeCompose = compose ? describe : describe.skip;
if (!compose) console.info('docker compose config skipped: neither the docker compose plugin nor docker-compose is installed.');

describeCompose('docker-compose.yml', () => {
  it('is valid for docker compose config, which resolves it without an engine', async () => {
    const r = await run(compose![0]!, [...compose!.slice(1), '-f', 'docker-compose.yml', 'config', '--quiet'], { ...process.env, SESSION_SECRET: 's'.repeat(40) });
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: '' });
  });
});
