import { spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import autocannon from 'autocannon';
import { DEVICE_COOKIE } from '../server/http/device';
import { newSecretToken } from '../server/ids';
import { deriveKey } from '../server/secrets';
import { newFormToken, signFormToken } from '../server/services/form-token';
import { openSqliteStore } from '../server/store/sqlite';

const SECRET = 'bench-secret-bench-secret-bench-secret-http';
const ROOT = path.resolve(__dirname, '..');

interface Started {
  child: ChildProcess;
  info: { port: number; surveyId: string; codes: string[]; publicationIds: string[]; dir: string };
}

/**
 * Starts bench/http-server.ts in its own process (so the load generator does not share its CPU
 * time). It opens SQLite in a folder of its own unless `env` names the store (DATA_DIR, and
 * MONGODB_URI for MongoDB): a MONGODB_URI in this process's environment is never used by itself.
 */
export function startServer(env: Record<string, string> = {}): Promise<Started> {
  const inherited = { ...process.env };
  delete inherited.MONGODB_URI;
  return new Promise((resolve, reject) => {
    // `node -r tsx/cjs file` runs the server in this very child (tsx's CLI would start a grandchild
    // that a SIGKILL to the child never reaches — the crash test must kill the server itself).
    // BENCH_NODE_ARGS: extra node options for the server (e.g. --cpu-prof, which NODE_OPTIONS refuses).
    const nodeArgs = (env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, '-r', require.resolve('tsx/cjs'), path.join(ROOT, 'bench', 'http-server.ts')], {
      env: { ...inherited, SESSION_SECRET: SECRET, SUBMIT_LIMIT_PER_IP: '1000000', SUBMIT_LIMIT_PER_STATION: '10000000', ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      const line = buf.split('\n')[0];
      if (buf.includes('\n') && line) {
        try {
          resolve({ child, info: JSON.parse(line) });
        } catch (e) {
          reject(e);
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`bench server exited ${code}`)));
  });
}

export async function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

async function serverCpuUs(port: number): Promise<number> {
  return ((await (await fetch(`http://127.0.0.1:${port}/bench/cpu`)).json()) as { us: number }).us;
}

/**
 * Runs a load and also returns the server's CPU time per request (µs): on a machine shared with
 * other work, requests per second move with the neighbours' load, CPU per request much less.
 */
async function measured<T>(port: number, requests: () => Promise<T>, count: (r: T) => number): Promise<{ result: T; cpuUs: number }> {
  const before = await serverCpuUs(port);
  const result = await requests();
  const used = (await serverCpuUs(port)) - before;
  return { result, cpuUs: used / Math.max(1, count(result)) };
}

const answers = (i: number) => {
  const levels = ['5', '4', '3', '2', '1', 'na'];
  const p = new URLSearchParams();
  const add = (k: string, v: string) => p.append(k, v);
  add('q_category', ['tekun', 'dibao', 'elderly', 'child', 'orphan', 'disabled', 'temporary', 'other'][i % 8]!);
  add('q_age', '70_79');
  add('q_received', 'visit');
  add('q_received', 'home');
  for (const [j, id] of ['attitude', 'competence', 'timeliness', 'effect', 'environment', 'overall'].entries()) add(`q_${id}`, levels[(i + j) % 6]!);
  add('q_know_address', 'yes');
  add('q_suggestions', '希望多组织活动');
  return p;
};

/**
 * What a phone that has just opened the form holds: a fresh signed device cookie and a form token
 * issued a minute ago and bound to that device (the form's CSRF check) — made here with the
 * server's secret (the same functions the server uses), so every submission comes from a new
 * device without a GET before it. `sameDevice` keeps one device for every submission (a station's
 * shared tablet, or the old benchmark).
 */
function phoneMaker(sameDevice: boolean) {
  const cookieSecret = deriveKey(SECRET, 'cookie').toString('hex');
  const formKey = deriveKey(SECRET, 'form-token');
  const make = () => {
    const deviceId = newSecretToken(18);
    const signed = `s:${deviceId}.${crypto.createHmac('sha256', cookieSecret).update(deviceId).digest('base64').replace(/=+$/, '')}`;
    return { cookie: `${DEVICE_COOKIE}=${encodeURIComponent(signed)}`, deviceId };
  };
  const shared = make();
  return {
    next: () => (sameDevice ? shared : make()),
    formToken: (publicationId: string, deviceId: string) => signFormToken(formKey, newFormToken(publicationId, 1, Date.now() - 60_000, 'qr'), deviceId),
  };
}

export interface SubmitRun {
  connections: number;
  rps: number;
  total: number;
  acknowledged: number;
  non303: number;
}

/** The submissions a window is expected to need at most (per second), prepared before it starts. */
const PREPARED_PER_SECOND = 3_500;

/**
 * Durable submissions to a running server, each from a fresh device (or one shared device). What
 * each phone holds (its signed device cookie, its form token, its answers) is made before the
 * window opens: on the street every phone makes its own request, so the load generator sharing the
 * server's two cores should spend them on sending, not on HMACs it stands in for (a window that
 * needs more than were prepared makes the rest as it goes).
 */
export async function runSubmissions(info: Started['info'], seconds: number, connections: number, sameDevice = false): Promise<SubmitRun> {
  const base = `http://127.0.0.1:${info.port}`;
  const phones = phoneMaker(sameDevice);
  const submission = (n: number) => {
    const pub = n % info.codes.length;
    const phone = phones.next();
    const body = answers(n);
    body.append('ft', phones.formToken(info.publicationIds[pub]!, phone.deviceId));
    return {
      path: `/s/${info.codes[pub]}`,
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: phone.cookie, 'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` },
      body: body.toString(),
    };
  };
  const prepared = Array.from({ length: Math.ceil(seconds * PREPARED_PER_SECOND) }, (_, n) => submission(n));
  let i = 0;
  let acknowledged = 0;
  let non303 = 0;
  const result = await run({
    url: base,
    connections,
    duration: seconds,
    requests: [
      {
        method: 'POST',
        setupRequest: (req) => {
          const n = i++;
          const s = prepared[n] ?? submission(n);
          prepared[n] = undefined!;
          return { ...req, path: s.path, headers: { ...req.headers, ...s.headers }, body: s.body };
        },
        onResponse: (status) => {
          if (status === 303) acknowledged++;
          else non303++;
        },
      },
    ],
  });
  return { connections, rps: result.requests.average, total: result.requests.total, acknowledged, non303 };
}

/** The responses stored in the benchmark server's database, counted once it has stopped; its folder is then removed (a 1M database is 0.8 GB). */
async function storedCount(info: Started['info']): Promise<number> {
  const store = openSqliteStore(path.join(info.dir, 'manyi.db'));
  try {
    return await store.responses.count({ surveyId: info.surveyId });
  } finally {
    await store.close();
    fs.rmSync(info.dir, { recursive: true, force: true });
  }
}

export interface HttpLevel {
  connections: number;
  bare: number;
  form: number;
  submit: number;
  /** The same page's bytes and headers sent as they are: the page's physical ceiling. */
  staticPage: number;
  /** Server CPU time per request (µs). */
  cpu: { bare: number; form: number; submit: number; staticPage: number };
  formRatio: number;
  submitRatio: number;
  acknowledged: number;
  non303: number;
}

export interface HttpResult {
  seconds: number;
  levels: HttpLevel[];
  /** Responses stored at the end, counted in the database (every level's submissions). */
  stored: number;
  acknowledged: number;
  non303: number;
}

/** Requests per second of the bare 204 route, the resident form and a durable submission, side by side, at each connection count. */
export async function benchHttp(seconds = 10, connectionsList: number[] = [10, 50]): Promise<HttpResult> {
  const { child, info } = await startServer();
  try {
    const levels: HttpLevel[] = [];
    for (const connections of connectionsList) {
      const base = `http://127.0.0.1:${info.port}`;
      const total = (r: autocannon.Result) => r.requests.total;
      const { result: bare, cpuUs: bareCpu } = await measured(info.port, () => run({ url: `${base}/bench/bare`, connections, duration: seconds }), total);
      // A resident's first visit: no cookies, so every request gets a new device cookie and CSRF token.
      const { result: form, cpuUs: formCpu } = await measured(
        info.port,
        () => run({ url: `${base}/s/${info.codes[0]}`, connections, duration: seconds, headers: { 'accept-encoding': 'gzip' } }),
        total,
      );
      await fetch(`${base}/bench/capture`);
      const { result: staticPage, cpuUs: staticCpu } = await measured(info.port, () => run({ url: `${base}/bench/static-page`, connections, duration: seconds }), total);
      const { result: submit, cpuUs: submitCpu } = await measured(info.port, () => runSubmissions(info, seconds, connections), (r) => r.total);
      levels.push({
        connections,
        staticPage: staticPage.requests.average,
        cpu: { bare: bareCpu, form: formCpu, submit: submitCpu, staticPage: staticCpu },
        bare: bare.requests.average,
        form: form.requests.average,
        submit: submit.rps,
        formRatio: form.requests.average / bare.requests.average,
        submitRatio: submit.rps / bare.requests.average,
        acknowledged: submit.acknowledged,
        non303: submit.non303,
      });
    }
    await stopServer(child);
    return {
      seconds,
      levels,
      stored: await storedCount(info),
      acknowledged: levels.reduce((n, l) => n + l.acknowledged, 0),
      non303: levels.reduce((n, l) => n + l.non303, 0),
    };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

export interface GrowthPoint {
  preseeded: number;
  seedSeconds: number;
  /** The median window's submissions per second. */
  submit: number;
  /** Every window's, in the order measured (interleaved with the other sizes). */
  windows: number[];
  stored: number;
  acknowledged: number;
  non303: number;
}

/**
 * Submissions per second (50 connections, fresh devices) with `preseeded` responses already stored,
 * and then `windows` back-to-back runs from one shared device (a station's tablet: its history grows).
 */
export async function benchGrowth(seconds: number, sizes: number[], connections = 50, rounds = 3): Promise<{ points: GrowthPoint[]; tablet: number[] }> {
  // Every size gets its own server, all started first (seeded one after another), then measured in
  // turn, `rounds` windows each, interleaved: the machine's speed drifts by a third over minutes, so a
  // size measured minutes after another would compare the machine as much as the data. The median window counts.
  const servers: { preseeded: number; seedSeconds: number; started: Started; runs: SubmitRun[] }[] = [];
  const tablet: number[] = [];
  try {
    for (const preseeded of sizes) {
      const t0 = Date.now();
      const started = await startServer({ BENCH_PRESEED: String(preseeded) });
      servers.push({ preseeded, seedSeconds: (Date.now() - t0) / 1000, started, runs: [] });
    }
    for (const s of servers) await runSubmissions(s.started.info, 2, connections);
    for (let round = 0; round < rounds; round++) {
      for (const s of servers) s.runs.push(await runSubmissions(s.started.info, seconds, connections));
    }
    const first = servers[0]!;
    for (let w = 0; w < 4; w++) tablet.push((await runSubmissions(first.started.info, Math.max(3, Math.round(seconds / 2)), connections, true)).rps);
    const points: GrowthPoint[] = [];
    for (const s of servers) {
      await stopServer(s.started.child);
      const median = [...s.runs].sort((a, b) => a.rps - b.rps)[Math.floor(s.runs.length / 2)]!;
      points.push({
        preseeded: s.preseeded,
        seedSeconds: s.seedSeconds,
        submit: median.rps,
        windows: s.runs.map((r) => r.rps),
        stored: (await storedCount(s.started.info)) - s.preseeded,
        acknowledged: s.runs.reduce((n, r) => n + r.acknowledged, 0),
        non303: s.runs.reduce((n, r) => n + r.non303, 0),
      });
    }
    return { points, tablet };
  } finally {
    for (const s of servers) if (s.started.child.exitCode === null) s.started.child.kill('SIGKILL');
  }
}

if (require.main === module) {
  const seconds = Number(process.argv[2] ?? 10);
  (async () => {
    console.log(JSON.stringify(await benchHttp(seconds), null, 2));
    if (process.argv[3]) console.log(JSON.stringify(await benchGrowth(seconds, process.argv[3].split(',').map(Number)), null, 2));
  })().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
