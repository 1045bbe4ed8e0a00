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
  const base = process.memoryUsage();
  const baseline = base.rss;
  let peak = baseline;
  // Where RSS goes: the JavaScript heap (committed and in use) and memory outside it (Buffers, native).
  let peakHeapTotal = base.heapTotal;
  let peakHeapUsed = base.heapUsed;
  let peakExternal = base.external;
  const sample = () => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    peakHeapTotal = Math.max(peakHeapTotal, m.heapTotal);
    peakHeapUsed = Math.max(peakHeapUsed, m.heapUsed);
    peakExternal = Math.max(peakExternal, m.external);
  };
  const timer = setInterval(sample, 20);
  let bytes = 0;
  const sink = new Writable({
    write(chunk: Buffer, _enc, cb) {
      bytes += chunk.length;
      // A client on a real network reads slower than memory: yield so back-pressure is exercised.
      setImmediate(cb);
    },
  });
  const started = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const rows = await exportResponses(deps, SYSTEM_ACTOR, { surveyId: survey!.id, filters: parseFilters({ mode: 'raw' }), format, options: { locale: 'zh-CN', codes: false } }, sink);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  // CPU time of this process (user + system): steadier than wall time on a machine shared with other work.
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  clearInterval(timer);
  sample();
  const mb = (x: number) => Math.round((x / 2 ** 20) * 10) / 10;
  console.log(
    JSON.stringify({
      format,
      rows,
      seconds,
      rowsPerSecond: Math.round(rows / seconds),
      cpuSeconds,
      rowsPerCpuSecond: Math.round(rows / cpuSeconds),
      bytes,
      baselineRssMb: baseline / 2 ** 20,
      peakRssGrowthMb: (peak - baseline) / 2 ** 20,
      heapTotalGrowthMb: mb(peakHeapTotal - base.heapTotal),
      heapUsedGrowthMb: mb(peakHeapUsed - base.heapUsed),
      externalGrowthMb: mb(peakExternal - base.external),
    }),
  );
  await store.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
