/** One export of the survey in DATA_DIR to a byte-counting sink, in its own process: rows/s and peak RSS growth. */
import path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { loadConfig } from '../server/config';
import { SYSTEM_ACTOR } from '../server/services/context';
import { exportResponses, type ExportFormat } from '../server/services/exports';
import { parseFilters } from '../server/services/statistics';
import { openSqliteStore } from '../server/store/sqlite';

async function main() {
  const [dir, format] = process.argv.slice(2) as [string, ExportFormat];
  const store = openSqliteStore(path.join(dir, 'manyi.db'));
  const config = { ...loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), sessionSecret: 'bench-secret-bench-secret-bench-secret-0123' };
  const deps = { config, store, clock: () => new Date(), logger: pino({ level: 'silent' }) };
  const [survey] = await store.surveys.list();
  global.gc?.();
  const baseline = process.memoryUsage().rss;
  let peak = baseline;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      // A client on a real network reads slower than memory: yield so back-pressure is exercised.
      setImmediate(cb);
    },
  });
  const started = process.hrtime.bigint();
  const rows = await exportResponses(deps, SYSTEM_ACTOR, { surveyId: survey!.id, filters: parseFilters({ mode: 'raw' }), format, options: { locale: 'zh-CN', codes: false } }, sink);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  console.log(JSON.stringify({ format, rows, seconds, rowsPerSecond: Math.round(rows / seconds), bytes, baselineRssMb: baseline / 2 ** 20, peakRssGrowthMb: (peak - baseline) / 2 ** 20 }));
  await store.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
