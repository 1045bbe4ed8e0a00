import type Database from 'better-sqlite3';
import type { TallyDelta } from '../../../models/tally';
import type { Db } from './db';

/*
 * Tally writes, apart from the tally repository so the writer thread loads them without the
 * models (mongoose schemas): it imports only what a group commit needs.
 */

/** Stored form of a cell: its count alone (most cells: options), or [count, sum, sumsq] for numbers. */
export type StoredCell = number | [number, number, number];
export type StoredCells = Record<string, StoredCell>;

const KEY_COLUMNS = 'survey_id = ? AND day = ? AND version = ? AND site_id = ? AND channel = ? AND segment = ? AND state = ?';

interface TallyStatements {
  read: Database.Statement;
  write: Database.Statement;
  remove: Database.Statement;
}
const statements = new WeakMap<Db, TallyStatements>();
function statementsOf(db: Db): TallyStatements {
  let s = statements.get(db);
  if (!s) {
    s = {
      read: db.prepare(`SELECT cells FROM tallies WHERE ${KEY_COLUMNS}`).pluck(),
      write: db.prepare(
        `INSERT INTO tallies (survey_id, day, version, site_id, channel, segment, state, cells) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (survey_id, day, version, site_id, channel, segment, state) DO UPDATE SET cells = excluded.cells`,
      ),
      remove: db.prepare(`DELETE FROM tallies WHERE ${KEY_COLUMNS}`),
    };
    statements.set(db, s);
  }
  return s;
}

const isEmpty = (o: object) => {
  for (const k in o) if (Object.hasOwn(o, k)) return false;
  return true;
};

/**
 * Adds deltas to their groups (read, add, write back; a group whose every cell comes to zero is
 * deleted). Runs inside the caller's transaction, so a response and its tallies commit together.
 */
export function applyTallyDeltas(db: Db, deltas: TallyDelta[]): void {
  const { read, write, remove } = statementsOf(db);
  for (const d of deltas) {
    const k = d.key;
    const stored = read.get(k.surveyId, k.day, k.version, k.siteId, k.channel, k.segment, k.state) as string | undefined;
    const cells: StoredCells = stored ? (JSON.parse(stored) as StoredCells) : {};
    for (const key in d.cells) {
      const c = d.cells[key]!;
      const old = cells[key];
      const count = (old === undefined ? 0 : typeof old === 'number' ? old : old[0]) + c.count;
      const sum = (old === undefined || typeof old === 'number' ? 0 : old[1]) + c.sum;
      const sumsq = (old === undefined || typeof old === 'number' ? 0 : old[2]) + c.sumsq;
      // A cell whose count fell to zero holds nothing (sums only move with counts).
      if (count === 0) delete cells[key];
      else cells[key] = sum === 0 && sumsq === 0 ? count : [count, sum, sumsq];
    }
    if (isEmpty(cells)) remove.run(k.surveyId, k.day, k.version, k.siteId, k.channel, k.segment, k.state);
    else write.run(k.surveyId, k.day, k.version, k.siteId, k.channel, k.segment, k.state, JSON.stringify(cells));
  }
}
