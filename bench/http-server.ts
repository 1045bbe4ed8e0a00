/**
 * The benchmark server: the real app (production settings: compiled, views cached, durable SQLite) behind an
 * outer Express app that also answers GET /bench/bare with 204 — the baseline on the same process.
 * Prints one JSON line with the port and the publication codes, then serves until killed. On the
 * store the app would open: MongoDB when MONGODB_URI is set (the stress suites under test:mongo).
 */
import fs from 'node:fs';
import zlib from 'node:zlib';
import os from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import express from 'express';
import pino from 'pino';
import { preseedResponses } from './seed';

/**
 * The app as `npm start` runs it: the JavaScript tsc compiles into dist/ (built first when a source
 * is newer). Under tsx, esbuild keeps function names by wrapping closures in a helper call, which
 * compiled code does not pay (about 1.5% of a submission's thread). BENCH_FROM_SOURCE=1 serves the
 * TypeScript sources through tsx instead.
 */
const fromSource = process.env.BENCH_FROM_SOURCE === '1';
const requireHere = createRequire(__filename);
if (!fromSource) (requireHere('../scripts/build-if-needed') as { buildIfNeeded: () => void }).buildIfNeeded();
const load = <T>(module: string): T => requireHere(path.join(__dirname, '..', fromSource ? 'server' : 'dist/server', module)) as T;
const { createApp } = load<typeof import('../server/app')>('app');
const { loadConfig } = load<typeof import('../server/config')>('config');
const { SYSTEM_ACTOR } = load<typeof import('../server/services/context')>('services/context');
const { publishAtSites } = load<typeof import('../server/services/publications')>('services/publications');
const { createFromTemplate, setSurveyStatus } = load<typeof import('../server/services/surveys')>('services/surveys');
const { openStore } = load<typeof import('../server/store')>('store');
const { createAppServer } = load<typeof import('../server/http/app-server')>('http/app-server');

async function main() {
  const dir = process.env.DATA_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-bench-http-'));
  const config = loadConfig({ ...process.env, DATA_DIR: dir, LOG_LEVEL: 'silent', NODE_ENV: 'production', TRUST_PROXY: 'true' });
  const store = await openStore(config);
  const logger = pino({ level: 'silent' });
  const deps = { config, store, clock: () => new Date(), logger };
  // REUSE=1: serve the database already in DATA_DIR (a restart after a crash), else seed a fresh one.
  const existing = process.env.REUSE === '1' ? (await store.surveys.list())[0] : undefined;
  let survey = existing;
  let pubs = existing ? await store.publications.listBySurvey(existing.id) : [];
  if (!survey) {
    const sites = Array.from({ length: 10 }, (_, i) => ({
      id: `bench-site-${i}`,
      code: `B${i}`,
      name: `基准站点 ${i}`,
      township: '',
      kind: 'street' as const,
      recipients: 500,
      active: true,
      isDemo: true,
      createdAt: new Date().toISOString(),
      updatedAt: new Date().toISOString(),
    }));
    await store.sites.createMany(sites);
    survey = await createFromTemplate(deps, SYSTEM_ACTOR, { locale: 'zh-CN' });
    survey = (await store.surveys.update(survey.id, { settings: { ...survey.settings, duplicatePolicy: 'unlimited' } }))!;
    survey = await setSurveyStatus(deps, SYSTEM_ACTOR, survey.id, { status: 'open' });
    pubs = (await publishAtSites(deps, SYSTEM_ACTOR, survey.id, { siteIds: sites.map((s) => s.id) })).created;
    // BENCH_PRESEED=n: n responses already stored (direct SQL), for the submission benchmark at 100k and 1M.
    const preseed = Number(process.env.BENCH_PRESEED ?? 0);
    const db = (store as { db?: Parameters<typeof preseedResponses>[0] }).db;
    if (preseed > 0 && db) preseedResponses(db, survey, pubs, preseed);
  }
  const app = createApp({ config, store, logger });
  const outer = express();
  outer.disable('x-powered-by');
  outer.set('trust proxy', true);
  outer.get('/bench/bare', (_req, res) => {
    res.status(204).end();
  });
  // The physical ceiling of the page: the resident form's gzip bytes and headers captured once, sent as they are.
  let staticPage: { headers: Record<string, string | string[]>; body: Buffer } | null = null;
  outer.get('/bench/static-page', (_req, res) => {
    if (!staticPage) return res.status(503).end();
    res.writeHead(200, staticPage.headers);
    res.end(staticPage.body);
  });
  outer.get('/bench/capture', async (_req, res) => {
    const page = await fetch(`http://127.0.0.1:${(server.address() as { port: number }).port}/s/${pubs[0]!.code}`, { headers: { 'accept-encoding': 'gzip' } });
    const body = Buffer.from(await page.arrayBuffer());
    const headers: Record<string, string | string[]> = {};
    page.headers.forEach((v, k) => (headers[k] = v));
    headers['set-cookie'] = page.headers.getSetCookie();
    delete headers['content-length'];
    delete headers['transfer-encoding'];
    staticPage = { headers: { ...headers, 'content-encoding': 'gzip' }, body: zlib.gzipSync(body) };
    res.status(204).end();
  });
  // CPU time the server process has used (user + system, µs): the load generator reads it before and after each run.
  outer.get('/bench/cpu', (_req, res) => {
    const u = process.cpuUsage();
    res.json({ us: u.user + u.system });
  });
  // The app is served as in production (the request listener itself, not mounted inside another
  // app, which would add a second router and prototype switch per request); only /bench/ goes to `outer`.
  // The app's own server (server/http/app-server.ts: requests born with the app's prototypes), as npm start runs it.
  const server = createAppServer(app);
  server.removeAllListeners('request');
  server.on('request', (req, res) => ((req.url ?? '').startsWith('/bench/') ? outer(req, res) : app(req, res)));
  server.listen(0, '127.0.0.1', () => {
    const address = server.address() as { port: number };
    console.log(JSON.stringify({ port: address.port, surveyId: survey!.id, codes: pubs.map((p) => p.code), publicationIds: pubs.map((p) => p.id), dir }));
  });
  const stop = () => {
    server.closeAllConnections();
    server.close(() => store.close().finally(() => process.exit(0)));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
