import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { DuplicateKeyError } from '../store';
import type { Question } from '../../../models/survey';
import type { TallyDelta } from '../../../models/tally';
import type { Db } from './db';
import { groupCommitter, type GroupItem, type InsertResult, type Outcome } from './group-commit';

/** Where a group commit's transaction runs: a writer thread with its own connection, or inline on the main one. */
export type WriterMode = 'thread' | 'inline';

/** Writes one group in one transaction; at most one group at a time. */
export interface GroupWriter {
  write(group: readonly GroupItem[]): Promise<Outcome[]>;
  /** Closes what the writer opened (the thread and its connection); the caller drains its queue first. */
  close(): Promise<void>;
  /** Where the next group is written ('thread' until the thread failed to start or stopped). */
  mode(): WriterMode;
  /** Milliseconds from starting the thread to its connection being open; null until then (and inline). */
  startMs(): number | null;
}

/** Today's group commit on the calling thread's connection: the main thread waits for the disk sync. */
export function inlineWriter(db: Db): GroupWriter {
  const write = groupCommitter(db);
  return {
    async write(group) {
      return write(group);
    },
    async close() {},
    mode: () => 'inline',
    startMs: () => null,
  };
}

/** An error as it crosses between threads: structured clone keeps neither its class nor its own properties. */
export interface WireError {
  name: string;
  message: string;
  code?: string;
  field?: string;
  stack?: string;
}

/** What the writer thread sends back for one item: the stored response travels only when it is not the one sent. */
export type WireOutcome = { inserted: true } | { inserted: false; response: InsertResult['response'] } | { error: WireError };

/**
 * One item as it crosses to the thread: tallies given as questions travel as the number of a
 * question list sent before (or in the same message), so a survey version's questions cross once,
 * not with every submission.
 */
export type WireItem = Omit<GroupItem, 'tallies'> & { tallies: TallyDelta[] | { questionsId: number } };
export type ToWriter =
  | {
      type: 'write';
      group: WireItem[];
      /** Question lists the thread has not seen yet, by number. */
      questions: [number, readonly Question[]][];
      /** The thread forgets every list it holds first (the main thread's record of them was full and started over). */
      forget: boolean;
    }
  | { type: 'close' };

/** How many question lists the thread keeps (survey versions being answered at once); past that both sides start over. */
const MAX_QUESTION_LISTS = 64;

/**
 * The main thread's side of the question lists: each list (the array the catalog cache holds for a
 * survey version) gets a number the first time a group carries it, and is sent with that group.
 */
export function questionLists(max = MAX_QUESTION_LISTS) {
  const ids = new Map<readonly Question[], number>();
  let next = 0;
  return (group: readonly GroupItem[]): Omit<Extract<ToWriter, { type: 'write' }>, 'type'> => {
    const needed = new Set<readonly Question[]>();
    for (const { tallies } of group) if (!Array.isArray(tallies)) needed.add(tallies.questions);
    let unseen = 0;
    for (const q of needed) if (!ids.has(q)) unseen++;
    // Full: both sides start over (the thread forgets first, then takes this message's lists).
    const forget = unseen > 0 && ids.size + unseen > max;
    if (forget) ids.clear();
    const questions: [number, readonly Question[]][] = [];
    for (const q of needed) {
      if (ids.has(q)) continue;
      ids.set(q, next);
      questions.push([next++, q]);
    }
    const wire = group.map((item): WireItem => (Array.isArray(item.tallies) ? (item as WireItem) : { ...item, tallies: { questionsId: ids.get(item.tallies.questions)! } }));
    return { group: wire, questions, forget };
  };
}

/** The thread's side: the lists it has been sent, and each wire item as a GroupItem again. */
export function questionsReceiver() {
  const lists = new Map<number, readonly Question[]>();
  return (m: Extract<ToWriter, { type: 'write' }>): GroupItem[] => {
    if (m.forget) lists.clear();
    for (const [id, questions] of m.questions) lists.set(id, questions);
    return m.group.map((item): GroupItem => {
      const t = item.tallies;
      if (Array.isArray(t)) return item as GroupItem;
      const questions = lists.get(t.questionsId);
      if (!questions) throw new Error(`the SQLite writer thread has no question list ${t.questionsId}`);
      return { ...item, tallies: { questions } };
    });
  };
}
export type FromWriter =
  | { type: 'ready' }
  | { type: 'done'; outcomes: WireOutcome[] }
  | { type: 'failed'; error: WireError };

export function describeError(err: unknown): WireError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const e = err as Error & { code?: unknown; field?: unknown };
  return {
    name: e.name,
    message: e.message,
    ...(typeof e.code === 'string' ? { code: e.code } : {}),
    ...(typeof e.field === 'string' ? { field: e.field } : {}),
    ...(e.stack ? { stack: e.stack } : {}),
  };
}

/** The error the writer thread threw, as its own class again (SQLite's with its code, such as SQLITE_CONSTRAINT_UNIQUE). */
export function rebuildError(w: WireError): Error {
  let err: Error;
  if (w.name === 'SqliteError') err = new Database.SqliteError(w.message, w.code ?? 'SQLITE_ERROR');
  else if (w.name === 'DuplicateKeyError') err = new DuplicateKeyError(w.field ?? 'key');
  else {
    err = new Error(w.message);
    err.name = w.name;
    if (w.code !== undefined) (err as Error & { code: string }).code = w.code;
  }
  if (w.stack) err.stack = `${w.stack}\n    --- in the SQLite writer thread, sent to the main thread ---${err.stack?.slice(err.stack.indexOf('\n')) ?? ''}`;
  return err;
}

/**
 * How the writer thread is started by each way the code runs: compiled (`npm start` runs dist/, where
 * writer-worker.js sits beside this file) or from TypeScript sources (tsx for `npm run dev` and the
 * benchmarks, ts-jest for the tests). A worker thread gets neither tsx's hooks nor jest's transform,
 * so for a .ts entry it registers tsx first (a devDependency: only sources need it).
 */
function newWorker(file: string): Worker {
  const options = { workerData: { file }, stdout: false, stderr: false };
  const compiled = path.join(__dirname, 'writer-worker.js');
  if (path.extname(__filename) === '.js' && fs.existsSync(compiled)) return new Worker(compiled, options);
  const source = path.join(__dirname, 'writer-worker.ts');
  const tsx = require.resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)}); require(${JSON.stringify(source)});`, { ...options, eval: true });
}

/**
 * The group commit's transaction in a worker thread with its own connection to `file` (same
 * PRAGMAs: WAL, synchronous=FULL), so the main thread keeps serving while the disk syncs. Started
 * on the first group; unref'd while idle, so an open store never keeps a process alive. When the
 * thread cannot start, or stops, writing goes on inline through `fallback()` (a process warning says so).
 */
export function threadWriter(file: string, fallback: () => GroupWriter): GroupWriter {
  let worker: Worker | null = null;
  let starting: Promise<Worker | null> | null = null;
  let inline: GroupWriter | null = null;
  let started: number | null = null;
  let current: { group: readonly GroupItem[]; resolve: (o: Outcome[]) => void; reject: (e: unknown) => void } | null = null;
  let closing = false;
  const wireOf = questionLists();

  const fallBack = (why: string) => {
    if (inline) return;
    inline = fallback();
    process.emitWarning(`SQLite writer thread: ${why}; responses are written on the main thread from now on`, { code: 'MANYI_SQLITE_WRITER' });
  };

  const onMessage = (m: FromWriter) => {
    if (m.type === 'done' || m.type === 'failed') {
      const c = current;
      current = null;
      worker?.unref();
      if (!c) return;
      if (m.type === 'failed') c.reject(rebuildError(m.error));
      else
        c.resolve(
          m.outcomes.map((o, i): Outcome => {
            if ('error' in o) return { err: rebuildError(o.error) };
            // The response written is the one sent: it does not travel back.
            return { ok: o.inserted ? { inserted: true, response: c.group[i]!.response } : { inserted: false, response: o.response } };
          }),
        );
    }
  };

  const start = (): Promise<Worker | null> => {
    starting ??= new Promise<Worker | null>((resolve) => {
      const t0 = performance.now();
      let w: Worker;
      try {
        w = newWorker(file);
      } catch (err) {
        fallBack(`could not start (${(err as Error).message})`);
        resolve(null);
        return;
      }
      let ready = false;
      w.on('message', (m: FromWriter) => {
        if (m.type === 'ready') {
          ready = true;
          started = performance.now() - t0;
          worker = w;
          if (!current) w.unref();
          resolve(w);
        } else onMessage(m);
      });
      w.on('error', (err) => {
        if (!ready) fallBack(`could not start (${err.message})`);
        else fallBack(`stopped (${err.message})`);
      });
      w.on('exit', (code) => {
        worker = null;
        if (!ready) {
          fallBack(`could not start (exit code ${code})`);
          resolve(null);
        } else if (!closing) fallBack(`stopped (exit code ${code})`);
        const c = current;
        current = null;
        // Whether its group committed is unknown: refused, a retry finds it by its submission token.
        c?.reject(new Error(`the SQLite writer thread stopped (exit code ${code}) before answering`));
      });
    });
    return starting;
  };

  const send = (w: Worker, group: readonly GroupItem[]): Promise<Outcome[]> => {
    if (current) return Promise.reject(new Error('the SQLite writer thread writes one group at a time'));
    const answered = new Promise<Outcome[]>((resolve, reject) => {
      current = { group, resolve, reject };
    });
    // Held while a group is out, so a process waiting for its acknowledgement does not exit.
    w.ref();
    w.postMessage({ type: 'write', ...wireOf(group) } satisfies ToWriter);
    return answered;
  };

  return {
    write(group) {
      if (inline) return inline.write(group);
      // Posted at once when the thread runs (no await in between), so the group is on its way when this returns.
      if (worker) return send(worker, group);
      return start().then((w) => (w && !inline ? send(w, group) : inline!.write(group)));
    },
    async close() {
      const w = starting ? await starting : null;
      if (w && worker === w) {
        closing = true;
        w.ref();
        const exited = new Promise<void>((resolve) => w.once('exit', () => resolve()));
        // The thread closes its connection (the last one checkpoints the WAL) and its port, and ends.
        w.postMessage({ type: 'close' } satisfies ToWriter);
        await exited;
      }
      await inline?.close();
    },
    mode: () => (inline ? 'inline' : 'thread'),
    startMs: () => started,
  };
}

type Pending = { item: GroupItem; resolve: (r: InsertResult) => void; reject: (e: unknown) => void };

/**
 * Group commit: submissions that arrive while a group is being committed are written together in
 * the next one, so one disk sync (synchronous=FULL) covers many responses, and the groups grow with
 * the load. At most one group is out at a time. Each promise resolves only after the transaction
 * holding its response has committed.
 */
export function commitQueue(writer: GroupWriter, maxGroup = 500) {
  let queue: Pending[] = [];
  let scheduled = false;
  let busy = false;
  let closed = false;
  let drained: (() => void)[] = [];

  const schedule = () => {
    if (scheduled || busy) return;
    scheduled = true;
    setImmediate(flush);
  };
  const flush = () => {
    scheduled = false;
    if (busy) return;
    if (queue.length === 0) {
      for (const done of drained) done();
      drained = [];
      return;
    }
    const group = queue.length <= maxGroup ? queue : queue.slice(0, maxGroup);
    queue = queue.length <= maxGroup ? [] : queue.slice(maxGroup);
    busy = true;
    let out: Promise<Outcome[]>;
    try {
      out = writer.write(group.map((p) => p.item));
    } catch (err) {
      out = Promise.reject(err);
    }
    // The next group (what queued up during this one) goes to a writer thread before this one's
    // submissions are answered: the thread starts on it while this thread sends their 303s. An
    // inline writer would commit it right here, before those answers: it waits for them (setImmediate).
    const next = () => {
      busy = false;
      if (queue.length) {
        if (writer.mode() === 'thread') flush();
        else schedule();
      } else {
        for (const done of drained) done();
        drained = [];
      }
    };
    void out.then(
      (outcomes) => {
        next();
        group.forEach((p, i) => {
          const o = outcomes[i]!;
          if ('ok' in o) p.resolve(o.ok);
          else p.reject(o.err);
        });
      },
      (err: unknown) => {
        next();
        for (const p of group) p.reject(err);
      },
    );
  };

  return {
    insert(item: GroupItem): Promise<InsertResult> {
      if (closed) return Promise.reject(new TypeError('The database connection is not open'));
      return new Promise<InsertResult>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        schedule();
      });
    },
    /** Writes what is queued (each promise settles), then closes the writer; later inserts are refused. */
    async close(): Promise<void> {
      if (!closed) {
        closed = true;
        if (busy || queue.length) await new Promise<void>((resolve) => drained.push(resolve));
      }
      await writer.close();
    },
  };
}

export type CommitQueue = ReturnType<typeof commitQueue>;
