import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
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
    const child = spawn(process.execPath, ['-r', require.resolve('tsx/cjs'), path.join(ROOT, 'bench', 'http-server.ts')], {
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

function run(opts: autocannon.Options): Promise<autocannon.Result> {
  return new Promise((resolve, reject) => {
    autocannon(opts, (err, result) => (err ? reject(err) : resolve(result)));
  });
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

export interface HttpResult {
  connections: number;
  seconds: number;
  bare: number;
  form: number;
  submit: number;
  submitNon303: number;
  stored: number;
  acknowledged: number;
  formRatio: number;
  submitRatio: number;
}

/** Requests per second of the bare 204 route, the resident form and a durable submission, side by side. */
export async function benchHttp(seconds = 10, connections = 50): Promise<HttpResult> {
  const { child, info } = await startServer();
  try {
    const base = `http://127.0.0.1:${info.port}`;
    // One phone's cookies and CSRF token; each request gets its own signed form token.
    const first = await fetch(`${base}/s/${info.codes[0]}`);
    const cookies = first.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
    const csrf = /name="_csrf" value="([^"]+)"/.exec(await first.text())![1]!;
    const key = deriveKey(SECRET, 'form-token');
    const bare = await run({ url: `${base}/bench/bare`, connections, duration: seconds });
    const form = await run({ url: `${base}/s/${info.codes[0]}`, connections, duration: seconds, headers: { 'accept-encoding': 'gzip' } });
    let i = 0;
    let acknowledged = 0;
    let non303 = 0;
    const submit = await run({
      url: base,
      connections,
      duration: seconds,
      requests: [
        {
          method: 'POST',
          setupRequest: (req) => {
            const n = i++;
            const pub = n % info.codes.length;
            const token = newFormToken(info.publicationIds[pub]!, 1, Date.now() - 60_000, 'qr');
            const body = answers(n);
            body.append('_csrf', csrf);
            body.append('ft', signFormToken(key, token));
            return {
              ...req,
              path: `/s/${info.codes[pub]}`,
              headers: { ...req.headers, 'content-type': 'application/x-www-form-urlencoded', cookie: cookies, 'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` },
              body: body.toString(),
            };
          },
          onResponse: (status) => {
            if (status === 303) acknowledged++;
            else non303++;
          },
        },
      ],
    });
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    const store = openSqliteStore(path.join(info.dir, 'manyi.db'));
    const stored = await store.responses.count({ surveyId: info.surveyId });
    await store.close();
    return {
      connections,
      seconds,
      bare: bare.requests.average,
      form: form.requests.average,
      submit: submit.requests.average,
      submitNon303: non303,
      stored,
      acknowledged,
      formRatio: form.requests.average / bare.requests.average,
      submitRatio: submit.requests.average / bare.requests.average,
    };
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

if (require.main === module) {
  benchHttp(Number(process.argv[2] ?? 10)).then((r) => console.log(JSON.stringify(r, null, 2)));
}
