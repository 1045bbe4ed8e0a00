import { ALL, type TallyCell, type TallyKey, type TallyLevel, type TallyQuery, type TallyRow } from '../../../models/tally';
import { TalliesChangedError, type TallyRepo } from '../store';
import { addInList, type Db } from './db';
import { applyTallyDeltas, type StoredCell, type StoredCells } from './tally-writes';

export { applyTallyDeltas } from './tally-writes';

type Row = Record<string, unknown>;

const unpack = (c: StoredCell): [number, number, number] => (typeof c === 'number' ? [c, 0, 0] : c);

/** The groups each level reads ('*' marks a rollup field; see domain/tally.ts tallyKeys). */
const LEVEL_WHERE: Record<TallyLevel, { sql: string; values: string[] }> = {
  fine: { sql: 'day <> ? AND site_id <> ? AND channel <> ?', values: [ALL, ALL, ALL] },
  sites: { sql: 'day = ?', values: [ALL] },
  trend: { sql: 'site_id = ? AND day <> ?', values: [ALL, ALL] },
};

const toKey = (r: Row): TallyKey => ({
  surveyId: r.survey_id as string,
  version: r.version as number,
  siteId: r.site_id as string,
  day: r.day as string,
  channel: r.channel as string,
  segment: r.segment as string,
  state: r.state as string,
});

export function sqliteTallyRepo(db: Db): TallyRepo {
  const repo: TallyRepo = {
    async query(q: TallyQuery) {
      return (await repo.queryMany(q, [q.groupBy]))[0]!;
    },
    async queryMany(q, groupBys) {
      const parts = ['survey_id = ?', LEVEL_WHERE[q.level].sql];
      const values: unknown[] = [q.surveyId, ...LEVEL_WHERE[q.level].values];
      if (q.level !== 'sites') {
        if (q.dayFrom) {
          parts.push('day >= ?');
          values.push(q.dayFrom);
        }
        if (q.dayTo) {
          parts.push('day <= ?');
          values.push(q.dayTo);
        }
      }
      addInList(parts, values, 'site_id', q.siteIds);
      addInList(parts, values, 'channel', q.channels);
      addInList(parts, values, 'segment', q.segments);
      // The trend level is found through its own index; the planner does not know that without ANALYZE.
      const from = q.level === 'trend' ? 'tallies INDEXED BY tallies_trend' : 'tallies';
      const rows = db.prepare(`SELECT version, site_id, day, channel, segment, state, cells FROM ${from} WHERE ${parts.join(' AND ')}`).all(...values) as Row[];
      const wanted = q.questionIds ? new Set(q.questionIds) : null;
      // Whether a cell belongs to a wanted question, decided once per cell name (names repeat in every row).
      const wantedCell = new Map<string, boolean>();
      const isWanted = (cell: string) => {
        let ok = wantedCell.get(cell);
        if (ok === undefined) wantedCell.set(cell, (ok = wanted!.has(cell.slice(0, cell.indexOf('~')))));
        return ok;
      };
      const results = groupBys.map(() => new Map<string, Map<string, TallyRow>>());
      // The hot loop of every statistics page: no allocation per cell that is already in its group.
      for (const r of rows) {
        const key = toKey(r);
        const cells = JSON.parse(r.cells as string) as StoredCells;
        for (let gi = 0; gi < groupBys.length; gi++) {
          const groupBy = groupBys[gi]!;
          const group = groupBy.map((g) => key[g]);
          const groupId = group.join('\u0001');
          let sums = results[gi]!.get(groupId);
          if (!sums) results[gi]!.set(groupId, (sums = new Map()));
          for (const cell in cells) {
            if (wanted && !isWanted(cell)) continue;
            const stored = cells[cell]!;
            const number = typeof stored === 'number';
            const count = number ? stored : stored[0];
            const sum = number ? 0 : stored[1];
            const sumsq = number ? 0 : stored[2];
            const t = sums.get(cell);
            if (t) {
              t.count += count;
              t.sum += sum;
              t.sumsq += sumsq;
              continue;
            }
            const sep = cell.indexOf('~');
            const questionId = cell.slice(0, sep);
            const out: TallyRow = { questionId, key: cell.slice(sep + 1), count, sum, sumsq };
            for (let i = 0; i < groupBy.length; i++) (out as unknown as Record<string, unknown>)[groupBy[i]!] = group[i];
            sums.set(cell, out);
          }
        }
      }
      return results.map((groups) => {
        const out: TallyRow[] = [];
        for (const sums of groups.values()) for (const r of sums.values()) if (r.count !== 0) out.push(r);
        return out;
      });
    },
    async dump(surveyId) {
      const rows = db.prepare('SELECT * FROM tallies WHERE survey_id = ? ORDER BY day, version, site_id, channel, segment, state').all(surveyId) as Row[];
      return rows.map((r) => {
        const cells: Record<string, TallyCell> = {};
        for (const [k, stored] of Object.entries(JSON.parse(r.cells as string) as StoredCells)) {
          const c = unpack(stored);
          if (c[0] !== 0) cells[k] = { count: c[0], sum: c[1], sumsq: c[2] };
        }
        return { key: toKey(r), cells };
      });
    },
    async replaceForSurvey(surveyId, deltas, through) {
      db.transaction(() => {
        // A response stored after the rebuild read its last one came with its tallies: replacing would drop them.
        if (through !== undefined) {
          const later = db.prepare('SELECT 1 FROM responses WHERE survey_id = ? AND id > ? LIMIT 1').get(surveyId, through ?? '');
          if (later) throw new TalliesChangedError(surveyId);
        }
        db.prepare('DELETE FROM tallies WHERE survey_id = ?').run(surveyId);
        applyTallyDeltas(db, deltas);
      })();
    },
    // A response and its tallies commit together here (group commit): nothing is ever pending.
    async settle() {
      return 0;
    },
    async freshness() {
      return null;
    },
    async pending() {
      return 0;
    },
  };
  return repo;
}
