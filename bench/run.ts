/**
 * `npm run bench`: every benchmark of docs/benchmarks.md in one run, written back to that file.
 * BENCH_SIZES (default 1000,100000,1000000) and BENCH_HTTP_SECONDS (default 15) shorten a run.
 */
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { SYSTEM_ACTOR } from '../server/services/context';
import { computeDashboard, parseFilters } from '../server/services/statistics';
import { timeIt } from './dashboard';
import { writeCeiling } from './ceiling';
import { benchGrowth, benchHttp, startServer } from './http';
import { seedBulk } from './seed';
import { tokenCosts } from './token-costs';

const ROOT = path.resolve(__dirname, '..');
const tsxCjs = require.resolve('tsx/cjs');

function compressedBytes(url: string): Promise<{ bytes: number; encoding: string | undefined; raw: number }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { 'accept-encoding': 'gzip' } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const body = Buffer.concat(chunks);
          const encoding = res.headers['content-encoding'];
          resolve({ bytes: body.length, encoding, raw: encoding === 'gzip' ? zlib.gunzipSync(body).length : body.length });
        });
      })
      .on('error', reject);
  });
}

async function pageWeight() {
  const { child, info } = await startServer();
  try {
    const base = `http://127.0.0.1:${info.port}`;
    const html = await compressedBytes(`${base}/s/${info.codes[0]}`);
    const css = await compressedBytes(`${base}/static/css/respond.css`);
    const page = await (await fetch(`${base}/s/${info.codes[0]}`)).text();
    return { htmlGzip: html.bytes, htmlRaw: html.raw, cssGzip: css.bytes, cssRaw: css.raw, total: html.bytes + css.bytes, scripts: (page.match(/<script/g) ?? []).length };
  } finally {
    child.kill('SIGTERM');
  }
}

/** Built server from a cold process to the first 200 from /readyz, on an empty data folder. */
async function coldStart(runs = 5) {
  execFileSync(process.execPath, [path.join(ROOT, 'scripts', 'build-if-needed.js')], { stdio: 'inherit' });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-cold-'));
    const port = 34000 + i;
    const started = Date.now();
    const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'server', 'main.js')], {
      env: { ...process.env, DATA_DIR: dir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'silent', NODE_ENV: 'production', ADMIN_PASSWORD: 'cold-start-password' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    for (;;) {
      // A server that exits before it is ready would otherwise be waited for forever.
      if (child.exitCode !== null) throw new Error(`cold start: the server exited with ${child.exitCode}: ${stderr.slice(-2000)}`);
      try {
        const res = await fetch(`http://127.0.0.1:${port}/readyz`);
        if (res.status === 200) break;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 10));
    }
    times.push(Date.now() - started);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return { medianMs: times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!, runs: times };
}

function exportChild(dir: string, format: string) {
  const out = execFileSync(process.execPath, ['--expose-gc', '-r', tsxCjs, path.join(ROOT, 'bench', 'export-child.ts'), dir, format], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out.trim().split('\n').pop()!) as {
    rows: number;
    seconds: number;
    rowsPerSecond: number;
    rowsPerCpuSecond: number;
    bytes: number;
    peakRssGrowthMb: number;
    heapUsedGrowthMb: number;
    externalGrowthMb: number;
  };
}

async function main() {
  const sizes = (process.env.BENCH_SIZES ?? '1000,100000,1000000').split(',').map(Number);
  const httpSeconds = Number(process.env.BENCH_HTTP_SECONDS ?? 15);
  const started = new Date();
  console.error('http…');
  const httpResult = await benchHttp(httpSeconds, [10, 50]);
  console.error(JSON.stringify(httpResult));
  const growthSizes = (process.env.BENCH_GROWTH ?? '0,100000,1000000').split(',').map(Number);
  console.error('submissions as data grow…');
  const growth = await benchGrowth(httpSeconds, growthSizes);
  console.error(JSON.stringify(growth));
  console.error('durable-write ceiling…');
  const ceiling = await writeCeiling(Math.max(2, Math.round(httpSeconds / 3)));
  console.error(JSON.stringify(ceiling));
  console.error('token costs…');
  const tokens = tokenCosts();
  console.error('page weight…');
  const weight = await pageWeight();
  console.error('cold start…');
  const cold = await coldStart();
  const dashboards: { responses: number; seedSeconds: number; overviewMs: number; lastMonthMs: number; oneStationMs: number }[] = [];
  let exports: ReturnType<typeof exportChild>[] = [];
  for (const n of sizes) {
    console.error(`seeding ${n}…`);
    const t0 = Date.now();
    const s = await seedBulk(n);
    const seedSeconds = (Date.now() - t0) / 1000;
    const run = (q: Record<string, string>) => () => computeDashboard(s.deps, SYSTEM_ACTOR, s.surveyId, parseFilters(q));
    dashboards.push({
      responses: n,
      seedSeconds,
      overviewMs: await timeIt(run({})),
      lastMonthMs: await timeIt(run({ from: '2026-11-01', to: '2026-11-30', granularity: 'week' }), 7, 1),
      oneStationMs: await timeIt(run({ sites: 'site-001' })),
    });
    console.error(JSON.stringify(dashboards[dashboards.length - 1]));
    if (n === sizes[sizes.length - 1]) {
      console.error('exports…');
      exports = ['csv', 'xlsx'].map((f) => exportChild(s.dir, f));
      console.error(JSON.stringify(exports));
    }
    await s.close();
  }
  const report = renderReport({ started, httpResult, growth, ceiling, tokens, weight, cold, dashboards, exports });
  fs.writeFileSync(path.join(ROOT, 'docs', 'benchmarks.md'), report);
  console.log(report);
}

function renderReport(r: {
  started: Date;
  httpResult: Awaited<ReturnType<typeof benchHttp>>;
  growth: Awaited<ReturnType<typeof benchGrowth>>;
  ceiling: Awaited<ReturnType<typeof writeCeiling>>;
  tokens: Record<string, number>;
  weight: Awaited<ReturnType<typeof pageWeight>>;
  cold: Awaited<ReturnType<typeof coldStart>>;
  dashboards: { responses: number; seedSeconds: number; overviewMs: number; lastMonthMs: number; oneStationMs: number }[];
  exports: ReturnType<typeof exportChild>[];
}): string {
  const f = (x: number, d = 1) => x.toFixed(d);
  const first = r.dashboards[0]!;
  const last = r.dashboards[r.dashboards.length - 1]!;
  const h = r.httpResult;
  const ok = (pass: boolean) => (pass ? 'met' : '**missed**');
  const cpu = os.cpus();
  return `# Benchmarks

Measured ${r.started.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${os.type()} ${os.release()}, ${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, Node.js ${process.version}, ${Math.round(os.totalmem() / 2 ** 30)} GiB RAM, the embedded SQLite store (WAL, \`synchronous=FULL\` for responses). Absolute numbers vary between machines; the targets are ratios measured side by side in one run.

Reproduce: \`npm run bench\` (about 20 minutes on this 2-core machine, most of it seeding the million-response dashboard; writes this file). Shorter: \`BENCH_SIZES=1000,100000 BENCH_HTTP_SECONDS=5 npm run bench\`. Parts: \`npx tsx bench/http.ts\`, \`npx tsx bench/dashboard.ts 1000 100000\`, \`npx tsx bench/dash-seed.ts DIR N\` then \`npx tsx bench/dashboard-cells.ts DIR\` (what the dashboard reads), \`npx tsx bench/export-seed.ts DIR 1000000\` then \`node --expose-gc -r tsx/cjs bench/export-child.ts DIR csv\` (or \`xlsx\`).

## Resident page and submission vs a bare route (autocannon, ${h.seconds} s each, loopback)

The server runs in its own process with production settings: the JavaScript tsc compiles into \`dist/\`, as \`npm start\` runs it (built first if a source is newer; \`BENCH_FROM_SOURCE=1\` runs the TypeScript through tsx instead), views cached, LOG_LEVEL=silent; the bare route is \`GET /bench/bare → 204\` in a small Express app of its own in the same process and on the same port (the server is the app's own, \`createAppServer\` as \`npm start\` runs it, and the app itself is the request listener; only \`/bench/…\` goes to the small app, an ordinary Express app). The form is fetched as on a first visit (no cookies: a new device cookie and form token each time). Each submission comes from a fresh device (its own signed device cookie and a form token bound to it, the questionnaire's CSRF check, made by the load generator with the server's secret before each window opens — on the street each phone makes its own request, so the generator, which shares the server's two cores, spends them on sending; a window that needs more makes the rest as it goes) and is a full one: the signed form token checked for the device, validation against the survey version, rate limits, quality checks, and the response with its tallies committed durably (group commit, \`synchronous=FULL\`) before the 303.

| Connections | bare \`GET\` → 204 (req/s) | form \`GET /s/:code\` gzip (req/s) | form ratio (≥ 0.65) | submission \`POST /s/:code\` (req/s) | submit ratio (≥ 0.25, aim 0.40) | ceiling: the same page pre-gzipped (req/s, ratio) |
|---:|---:|---:|---:|---:|---:|---:|
${h.levels.map((l) => `| ${l.connections} | ${f(l.bare, 0)} | ${f(l.form, 0)} | ${f(l.formRatio, 3)} ${ok(l.formRatio >= 0.65)} | ${f(l.submit, 0)} | ${f(l.submitRatio, 3)} ${ok(l.submitRatio >= 0.25)} | ${f(l.staticPage, 0)} (${f(l.staticPage / l.bare, 2)}) |`).join('\n')}

Server CPU time per request (µs; user + system of the server process over each run ÷ requests — steadier than requests/s on a machine shared with other work):

| Connections | bare | form | pre-gzipped page | submission |
|---:|---:|---:|---:|---:|
${h.levels.map((l) => `| ${l.connections} | ${f(l.cpu.bare, 0)} | ${f(l.cpu.form, 0)} | ${f(l.cpu.staticPage, 0)} | ${f(l.cpu.submit, 0)} |`).join('\n')}

Durable-write ceiling (\`bench/ceiling.ts\`): responses with their tallies committed by the app's own group commit (the code the SQLite writer thread runs: tallies computed from the version's questions, tally groups kept between commits) with the app's schema and pragmas (WAL, \`synchronous=FULL\`), in one thread doing nothing else: ${r.ceiling.map((c) => `${f(c.rowsPerSecond, 0)}/s at ${c.perTransaction} per transaction`).join(', ')}.

What a first visit's per-request parts cost, one call at a time in one thread (\`bench/token-costs.ts\`, median of 5 rounds of 100,000 calls): ${Object.entries(r.tokens).map(([k, v]) => `${k} ${f(v, 2)} µs`).join('; ')}.

Submissions acknowledged (303): ${h.acknowledged}; stored (counted in the database afterwards): ${h.stored}; non-303 answers: ${h.non303}.

## Submissions as the data grow (50 connections, ${h.seconds} s windows, fresh devices)

Each row is a server of its own whose database already holds that many responses (added with direct SQL on the 60 days before; \`bench/seed.ts\` preseedResponses). All are started first, then measured in turn, one window each per round, the rounds interleaved (the machine's speed drifts over minutes); the median window counts.

| Stored before | Seeding (s) | Submissions/s (median) | Windows, in the order measured | Stored by the run (the first row's includes the shared-device windows) | Acknowledged | Non-303 |
|---:|---:|---:|---|---:|---:|---:|
${r.growth.points.map((p) => `| ${p.preseeded.toLocaleString('en')} | ${f(p.seedSeconds)} | ${f(p.submit, 0)} | ${p.windows.map((w) => f(w, 0)).join(', ')} | ${p.stored} | ${p.acknowledged} | ${p.non303} |`).join('\n')}

Last ÷ first: **${f(r.growth.points[r.growth.points.length - 1]!.submit / r.growth.points[0]!.submit, 2)}** (target ≥ 0.9: ${ok(r.growth.points[r.growth.points.length - 1]!.submit / r.growth.points[0]!.submit >= 0.9)}). One shared device (a station tablet) submitting in ${r.growth.tablet.length} back-to-back windows on the first server: ${r.growth.tablet.map((x) => f(x, 0)).join(' → ')} submissions/s.

## Resident page weight and cold start

| Measure | Value | Target | |
|---|---:|---:|---|
| HTML of \`/s/:code\`, gzip | ${r.weight.htmlGzip} B (${r.weight.htmlRaw} B uncompressed) | | |
| \`respond.css\`, gzip | ${r.weight.cssGzip} B (${r.weight.cssRaw} B uncompressed) | | |
| HTML + CSS, gzip | ${r.weight.total} B | ≤ 20 480 B | ${ok(r.weight.total <= 20480)} |
| \`<script>\` elements on the page | ${r.weight.scripts} | 0 required | ${ok(r.weight.scripts === 0)} |
| cold start to \`/readyz\` 200 (built, empty data folder, first admin created), median of ${r.cold.runs.length} | ${r.cold.medianMs} ms (${r.cold.runs.join(', ')}) | | |

## Dashboard statistics (\`computeDashboard\`, median of 15 runs after 3 warm-ups)

20 stations, the template survey, synthetic responses over 60 days (80% QR, 10% link, 10% assisted; 4% too fast; 1% excluded).

| Responses | Seeding (s) | Overview (ms) | Last 30 days by week (ms) | One station (ms) |
|---:|---:|---:|---:|---:|
${r.dashboards.map((d) => `| ${d.responses.toLocaleString('en')} | ${f(d.seedSeconds)} | ${f(d.overviewMs)} | ${f(d.lastMonthMs)} | ${f(d.oneStationMs)} |`).join('\n')}

Overview at ${last.responses.toLocaleString('en')} ÷ at ${first.responses.toLocaleString('en')}: **${f(last.overviewMs / first.overviewMs, 2)}×** (target ≤ 1.5×: ${ok(last.overviewMs / first.overviewMs <= 1.5)}).${r.dashboards.length > 2 ? ` From ${r.dashboards[1]!.responses.toLocaleString('en')} to ${last.responses.toLocaleString('en')}: ${f(last.overviewMs / r.dashboards[1]!.overviewMs, 2)}×.` : ''}

## Exports of ${r.exports[0]?.rows.toLocaleString('en') ?? '—'} responses (streamed to a slow sink, own process)

| Format | Rows/s (wall) | Rows per CPU second | Seconds | Size | Peak RSS growth (JS heap in use, Buffers) | Target | |
|---|---:|---:|---:|---:|---:|---:|---|
${r.exports.map((e, i) => `| ${['CSV', 'XLSX'][i]} | ${e.rowsPerSecond.toLocaleString('en')} | ${e.rowsPerCpuSecond.toLocaleString('en')} | ${f(e.seconds)} | ${f(e.bytes / 2 ** 20)} MiB | ${f(e.peakRssGrowthMb)} MiB (${f(e.heapUsedGrowthMb)}, ${f(e.externalGrowthMb)}) | ≥ 50,000 rows/s (CSV), ≤ 64 MiB | ${ok(e.peakRssGrowthMb <= 64 && (i > 0 || e.rowsPerSecond >= 50_000))} |`).join('\n')}

## Notes on the targets

Measurements made by hand (exports at 1M rows, the submission's CPU before and after, the dashboard's cells) are in [benchmark-measurements.md](benchmark-measurements.md); this file is rewritten by \`npm run bench\`.


- **Where the form stands (issue 17).** ${formNote(h, r.tokens)}
- **Where the submission stands.** ${submitNote(h, r.ceiling)}
- **Dashboard 1M vs 1k.** The overview's time follows the number of cells in the station-level tally rows (one row per version × station × segment × state, all days). Rows and question cells saturate early; the respondent-profile cells (\`_r~…\`: how many satisfaction items got each level, kept so that the index follows changed weights and satisfied levels) keep growing with the responses long after (937 distinct at 1k, 22,512 at 100k, 54,387 at 1M, 249,480 possible with the template's 6 items; about 1.2–1.9 ms per 1,000 cells read, so 1M ÷ 1k was 6.7× and 1M ÷ 10k 3.7× on 2026-12-07); \`bench/dash-seed.ts\` and \`bench/dashboard-cells.ts\` print them per size. Since the third session of 2026-12-07 the store's merge of those cells allocates nothing per cell already in its group and decides once per cell name whether a question is wanted (the trend asks for two of them in rows holding all): on the same 100k folder, side by side, the overview went from 115–117 to 71–85 ms and one station from 58–62 to 47–48 ms; the ratio moves less, since the 1k case gains too, and JSON parsing of the rows stays. Making it flat would mean storing per group the respondent sums under the current scoring instead of the profiles (a rebuild after a change of weights; sums in another order, so last bits could move): not done. A period filter reads day groups, so its cost follows days × stations.
- **Exports.** CSV and XLSX read only the columns a row shows (\`streamForTable\`: SQLite rows as arrays, MongoDB a projection) in batches of 128 and wait for a slow reader. CSV records are stringified 128 at a time by csv-stringify's synchronous API with \`CSV_OPTIONS\` (\`csvBatch\`) and written at once; zone offsets are kept per quarter hour, since export order is not time order. Its memory used to rise with the run (+108 MiB at 1M rows): short-lived garbage per row (a date formatted per row, csv-stringify's objects per field) promoted to the old generation; with both gone the JavaScript heap in use grows about 16 MiB, and it stays so only while each batch dies young (batches of 1000 rows grew it by 127 MiB). XLSX: exceljs's writer has no back-pressure, so it is throttled on its zip entry's buffer (\`sheetGate\` in server/services/exports.ts); its peak RSS growth is then bounded (60–86 MiB at 1M rows since it reads the same small batches as CSV, 110–125 MiB before; without the throttle 980 MiB): mostly Buffers (exceljs's StreamBuf, the zip streams, deflate), the JavaScript heap in use growing about 21 MiB. It already uses \`useSharedStrings: false\` and shared style objects; under 64 MiB would need writing the sheet XML ourselves.
`;
}

/** The form's paragraph of the notes, from this run's figures. */
function formNote(h: Awaited<ReturnType<typeof benchHttp>>, tokens: Record<string, number>): string {
  const l = h.levels[h.levels.length - 1]!;
  const met = h.levels.every((x) => x.formRatio >= 0.65);
  const token = (part: string) => Object.entries(tokens).find(([k]) => k.startsWith(part))?.[1] ?? 0;
  const perVisit = token('cookieWriter') + token('form token bound');
  return [
    `The blank form is a cached page with its form token spliced into one reserved slot near its end and its static parts gzip-compressed once (one gzip member), served ahead of Express's router: the query, cookie parsing, the catalog check, a new device's cookie, the form token bound to the device (the form's CSRF check: no CSRF token or cookie), helmet's headers as recorded at start, one \`writeHead\` (see docs/decisions.md; anything else goes the full way).`,
    `In this run, at ${l.connections} connections, it cost ${l.cpu.form.toFixed(0)} µs of server CPU per request, against ${l.cpu.bare.toFixed(0)} µs for the bare route and ${l.cpu.staticPage.toFixed(0)} µs for the same bytes pre-gzipped and sent as they are by a small Express route (that page's own ratio to the bare route: ${(l.staticPage / l.bare).toFixed(2)}).`,
    `The step that made the difference (fourth session of 2026-12-07): the app's HTTP server creates requests and responses with the app's Express prototypes from birth (\`createAppServer\`, Node's documented \`IncomingMessage\`/\`ServerResponse\` options), so Express's per-request \`Object.setPrototypeOf\` changes nothing; switching prototypes moved both objects to new hidden classes and Node's HTTP code, which touches many of their properties per request, off its fast paths — on the form about half its CPU (side by side: 194 → about 100 µs per form). The bare route and the pre-gzipped page here are ordinary Express routes and still pay it, which is why the form can now beat them.`,
    `Before that, the same session: the CSRF token folded into the device-bound form token (6–8%), the page's CRC-32 started from the cached head (4%), the form served before the router and without a promise when the catalog stamp can be read at once (SQLite) — 293 → 194 µs side by side. The first visit's randomness, MACs and cookies cost about ${perVisit.toFixed(0)} µs one call at a time (the list above: the signed device cookie, the bound form token).`,
    met ? `Target 0.65× **met** at every connection count in this run.` : `Target 0.65× **missed** in this run at ${h.levels.filter((x) => x.formRatio < 0.65).map((x) => x.connections).join(' and ')} connections.`,
  ].join(' ');
}

/** The submission's paragraph of the notes, from this run's figures. */
function submitNote(h: Awaited<ReturnType<typeof benchHttp>>, ceiling: Awaited<ReturnType<typeof writeCeiling>>): string {
  const l = h.levels[h.levels.length - 1]!;
  const best = ceiling.reduce((a, c) => (c.rowsPerSecond > a.rowsPerSecond ? c : a), ceiling[0]!);
  return [
    `Per submission the store work is constant (a bounded burst count, not read at all while a burst lasts; an index seek for the device at another station; the response row, whose unique submission token finds a repeat; and per group commit one count update and one write per tally row; the rate-limit counters reach the store once a second).`,
    `In this run a durable submission cost ${l.cpu.submit.toFixed(0)} µs of server CPU (both threads) at ${l.connections} connections against ${l.cpu.bare.toFixed(0)} µs for the bare route: 0.25× would need about ${(l.cpu.bare * 4).toFixed(0)} µs per submission, everything included.`,
    `The group commit runs in a writer thread with its own connection (\`SQLITE_WRITER=thread\`, the default): the server's main thread neither runs its transaction nor waits for its disk sync (in its profile the group commit fell from 21% of the thread to 0.5%), and pays instead for copying each group to the thread (\`postMessage\`, about 7%); what that buys is a server that keeps answering while the disk syncs (the form's median latency during submissions 36–55 → 9–13 ms, and on a disk with 20 ms syncs 72–89 → 3–4 ms; docs/benchmark-measurements.md), not fewer CPU microseconds per submission.`,
    `An anonymous resident's POST runs the app's own middleware straight instead of being matched layer by layer, its CSRF check is the device-bound form token (verified once, reused by the handler), and the server is the compiled code on the app's own HTTP server \`npm start\` runs (requests born with the app's prototypes: side by side at 50 connections about 1,000–1,100 → 650–970 µs per submission; docs/decisions.md).`,
    `Then helmet's headers replayed as recorded, the working-day calendar kept in memory (a third of the benchmark's answers are bad reviews, each opening a case), one copy of the tally cells instead of three and the IP hash once per request: about 10% less CPU per submission side by side (854 → 765 µs).`,
    `Fifth session (2026-12-08): a response's tallies are computed in the writer thread from its version's questions (sent to the thread once per version), so the main thread neither builds them (about 9% of it) nor copies them (most of the 8% postMessage took); a repeat is found by the insert's unique submission token rather than looked up first (unless the survey's one-per-device rule needs it first); the next group goes to the thread before the last one's 303s are sent; submission tokens begin with their issue time, so they are inserted at the unique index's recent end instead of a random page each; and the writer keeps the tally groups' cells between commits (forgotten whenever \`PRAGMA data_version\` says another connection wrote). Per thread, side by side at 50 connections (/proc, user + system): main thread 496–500 → 300–302 µs per submission, writer thread 215–221 → 164–172 µs (docs/benchmark-measurements.md).`,
    `At 50 connections a submission is now paced by a two-stage pipeline rather than by one saturated thread: the 50 connections make groups of about 25; while the writer commits one group (per response about 60–100 µs to insert it with its case and tally cells, 45–70 µs for the group's tally rows, 100–200 µs in the COMMIT: WAL pages and the disk sync), the main thread answers the last group and takes the next (the main thread about 20% idle). All threads spend ${l.cpu.submit.toFixed(0)} µs of CPU per submission in this run and the load generator shares the same two cores; the durable-write ceiling with tallies (above; best ${best.rowsPerSecond.toFixed(0)}/s at ${best.perTransaction} per transaction, one thread doing nothing else) is itself ${(best.rowsPerSecond / l.bare).toFixed(2)}× of the bare route's rate in this run.`,
  ].join(' ');
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
