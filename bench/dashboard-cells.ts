/**
 * What the unfiltered dashboard reads at each size, and its time: the station-level tally rows
 * (all days, by station × segment × state), their cells, and among them the respondent-profile
 * cells ('_r~…', '_rd~…') whose number grows with the responses until every group has seen every
 * profile. Usage: `npx tsx bench/dashboard-cells.ts DIR…` on folders made by bench/dash-seed.ts.
 */
import path from 'node:path';
import pino from 'pino';
import { loadConfig } from '../server/config';
import { SYSTEM_ACTOR } from '../server/services/context';
import { computeDashboard, parseFilters } from '../server/services/statistics';
import { openSqliteStore } from '../server/store/sqlite';
import { timeIt } from './dashboard';

async function main() {
  for (const dir of process.argv.slice(2)) {
    const store = openSqliteStore(path.join(dir, 'manyi.db'));
    const config = { ...loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), sessionSecret: 'bench-secret-bench-secret-bench-secret-0123' };
    const deps = { config, store, clock: () => new Date('2026-11-30T10:00:00Z'), logger: pino({ level: 'silent' }) };
    const [survey] = await store.surveys.list();
    const responses = (store.db.prepare('SELECT COUNT(*) AS n FROM responses').get() as { n: number }).n;
    const rows = store.db.prepare("SELECT cells FROM tallies WHERE survey_id = ? AND day = '*'").pluck().all(survey!.id) as string[];
    let cells = 0;
    let profileCells = 0;
    let dimensionCells = 0;
    let bytes = 0;
    for (const c of rows) {
      bytes += c.length;
      for (const k of Object.keys(JSON.parse(c) as object)) {
        cells++;
        if (k.startsWith('_r~')) profileCells++;
        else if (k.startsWith('_rd~')) dimensionCells++;
      }
    }
    const run = (query: Record<string, string>) => () => computeDashboard(deps, SYSTEM_ACTOR, survey!.id, parseFilters(query));
    const cpu0 = process.cpuUsage();
    const overviewMs = await timeIt(run({}));
    const cpu = process.cpuUsage(cpu0);
    const oneStationMs = await timeIt(run({ sites: 'site-001' }));
    console.log(
      JSON.stringify({
        responses,
        stationRows: rows.length,
        cells,
        profileCells,
        dimensionCells,
        kB: Math.round(bytes / 1024),
        overviewMs: Math.round(overviewMs * 10) / 10,
        overviewCpuMsPerRun: Math.round(((cpu.user + cpu.system) / 1000 / 18) * 10) / 10,
        oneStationMs: Math.round(oneStationMs * 10) / 10,
      }),
    );
    await store.close();
  }
}
void main();
