import type Database from 'better-sqlite3';
import type { TallyDelta } from '../../../models/tally';
import { groupId } from '../../domain/tally-merge';
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

/** Adds one delta's cells to a group's stored cells, in place. */
function addCells(cells: StoredCells, d: TallyDelta): void {
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
}

/** Writes a group's cells back (a group whose every cell came to zero is deleted). */
function store(s: TallyStatements, d: TallyDelta, cells: StoredCells): void {
  const k = d.key;
  if (isEmpty(cells)) s.remove.run(k.surveyId, k.day, k.version, k.siteId, k.channel, k.segment, k.state);
  else s.write.run(k.surveyId, k.day, k.version, k.siteId, k.channel, k.segment, k.state, JSON.stringify(cells));
}

function readCells(s: TallyStatements, d: TallyDelta): StoredCells {
  const k = d.key;
  const stored = s.read.get(k.surveyId, k.day, k.version, k.siteId, k.channel, k.segment, k.state) as string | undefined;
  return stored ? (JSON.parse(stored) as StoredCells) : {};
}

/**
 * Adds deltas to their groups (read, add, write back; a group whose every cell comes to zero is
 * deleted). Runs inside the caller's transaction, so a response and its tallies commit together.
 */
export function applyTallyDeltas(db: Db, deltas: TallyDelta[]): void {
  const s = statementsOf(db);
  for (const d of deltas) {
    const cells = readCells(s, d);
    addCells(cells, d);
    store(s, d, cells);
  }
}

/** How many groups' cells a KeptTallies holds at most (then it starts over). */
const MAX_KEPT_GROUPS = 20_000;

/**
 * applyTallyDeltas for the group commit's own connection (the writer thread's), keeping each
 * group's cells as last written so the next group commit does not read and parse them again: a
 * group touched by every commit (a station's all-days row, the day's trend row) is written each
 * time but read once. What is kept is only as good as the knowledge that no one else wrote: the
 * caller runs `apply` inside a transaction that holds the write lock, and calls `forget` when
 * another connection may have committed since (`PRAGMA data_version` moved) and when a transaction
 * that applied rolls back.
 */
export function keptTallies(db: Db, max = MAX_KEPT_GROUPS) {
  const s = statementsOf(db);
  const kept = new Map<string, StoredCells>();
  return {
    apply(deltas: TallyDelta[]): void {
      for (const d of deltas) {
        const id = groupId(d.key);
        let cells = kept.get(id);
        if (!cells) {
          cells = readCells(s, d);
          if (kept.size >= max) kept.clear();
          kept.set(id, cells);
        }
        addCells(cells, d);
        store(s, d, cells);
      }
    },
    forget(): void {
      kept.clear();
    },
    size: () => kept.size,
  };
}
