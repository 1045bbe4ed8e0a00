import { SYSTEM_ACTOR } from '../server/services/context';
import { computeDashboard, parseFilters } from '../server/services/statistics';
import { seedBulk } from './seed';

/** Median of `runs` timings (ms) after `warm` warm-up runs. */
export async function timeIt(fn: () => Promise<unknown>, runs = 15, warm = 3): Promise<number> {
  for (let i = 0; i < warm; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

export interface DashboardResult {
  responses: number;
  seedSeconds: number;
  overviewMs: number;
  lastMonthMs: number;
  oneStationMs: number;
  tallyRows: number;
}

/** Dashboard statistics on the embedded store at each size: unfiltered, the last 30 days, one station. */
export async function benchDashboard(sizes: number[]): Promise<DashboardResult[]> {
  const out: DashboardResult[] = [];
  for (const n of sizes) {
    const t0 = Date.now();
    const s = await seedBulk(n);
    const seedSeconds = (Date.now() - t0) / 1000;
    const run = (query: Record<string, string>) => () => computeDashboard(s.deps, SYSTEM_ACTOR, s.surveyId, parseFilters(query));
    const tallyRows = (s.store.db.prepare('SELECT COUNT(*) AS n FROM tallies').get() as { n: number }).n;
    out.push({
      responses: n,
      seedSeconds,
      overviewMs: await timeIt(run({})),
      lastMonthMs: await timeIt(run({ from: '2026-11-01', to: '2026-11-30', granularity: 'week' }), 7, 1),
      oneStationMs: await timeIt(run({ sites: 'site-001' })),
      tallyRows,
    });
    await s.close();
    console.error(`dashboard ${n}: ${JSON.stringify(out[out.length - 1])}`);
  }
  return out;
}

if (require.main === module) {
  const sizes = process.argv.slice(2).map(Number).filter((x) => x > 0);
  benchDashboard(sizes.length ? sizes : [1000, 100_000]).then((r) => console.log(JSON.stringify(r, null, 2)));
}
