import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { tallyDeltas } from '../../server/domain/tally';
import { DEFAULT_CASE_SETTINGS, openCase } from '../../server/domain/cases/case-flow';
import { workCalendar } from '../../server/domain/cases/working-days';
import { newId } from '../../server/ids';
import { openSqliteStore } from '../../server/store/sqlite';
import { openDatabase } from '../../server/store/sqlite/db';
import { commitQueue, inlineWriter, questionLists, questionsReceiver, threadWriter, type GroupWriter } from '../../server/store/sqlite/writer-thread';
import type { SurveyResponse } from '../../models/response';
import type { Question } from '../../models/survey';
import { responseFixture, seedPublication } from '../helpers/fixtures';

/*
 * The SQLite store commits responses in a writer thread with its own connection (SQLITE_WRITER,
 * default thread): what callers rely on must hold across the thread boundary, and the main
 * connection's transactions must not fail when the thread commits in the middle of them.
 */
const ROOT = path.resolve(__dirname, '../..');
let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-writer-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

async function seeded(file = path.join(dir, 'manyi.db'), options: Parameters<typeof openSqliteStore>[1] = {}) {
  const store = openSqliteStore(file, options);
  const { survey, pub } = await seedPublication(store);
  return { store, survey, pub, file };
}

const cal = workCalendar([]);
const opening = (r: SurveyResponse, receiptHash = crypto.randomBytes(16).toString('hex')) => ({
  case: openCase(cal, DEFAULT_CASE_SETTINGS, { id: newId(), responseId: r.id, surveyId: r.surveyId, siteId: r.siteId, at: '2026-03-02T02:00:00.000Z', day: '2026-03-02', questionIds: ['q1'] }),
  receiptHash,
});

/** Blocks this thread (as a long synchronous transaction would) for ms milliseconds. */
const block = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe('SQLite writer thread', () => {
  it('commits responses in a writer thread for a database file, and inline for an in-memory database or when asked', async () => {
    const threaded = await seeded();
    const r = responseFixture(threaded.pub);
    expect(threaded.store.writer.startMs()).toBeNull();
    await threaded.store.responses.insert(r, tallyDeltas(r, threaded.survey.questions));
    expect(threaded.store.writer.mode()).toBe('thread');
    expect(threaded.store.writer.startMs()).toBeGreaterThan(0);
    await threaded.store.close();

    const inline = await seeded(path.join(dir, 'inline.db'), { writer: 'inline' });
    await inline.store.responses.insert(responseFixture(inline.pub), []);
    expect(inline.store.writer.mode()).toBe('inline');
    await inline.store.close();

    const memory = await seeded(':memory:');
    const m = responseFixture(memory.pub);
    expect((await memory.store.responses.insert(m, [])).inserted).toBe(true);
    expect(memory.store.writer.mode()).toBe('inline');
    expect(await memory.store.responses.get(m.id)).toEqual(m);
    await memory.store.close();
  });

  it('refuses a failing response with SQLite\'s own error and code, as the main connection would', async () => {
    const { store, pub } = await seeded();
    const a = responseFixture(pub);
    const first = opening(a);
    await store.responses.insert(a, [], first);
    const b = responseFixture(pub);
    const refused = await store.responses.insert(b, [], opening(b, first.receiptHash)).then(
      () => null,
      (err: unknown) => err,
    );
    expect(refused).toBeInstanceOf(Database.SqliteError);
    expect(refused).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY', message: expect.stringContaining('case_receipts.hash') });
    expect(store.writer.mode()).toBe('thread');
    expect(await store.responses.get(b.id)).toBeNull();
    await store.close();
  });

  it('writes every queued and in-flight submission when closed, answers each, and refuses submissions after', async () => {
    const { store, survey, pub, file } = await seeded();
    await store.responses.insert(responseFixture(pub), []);
    const rs = Array.from({ length: 700 }, () => responseFixture(pub));
    const settled = Promise.allSettled(rs.map((r) => store.responses.insert(r, tallyDeltas(r, survey.questions))));
    // Let the first group leave for the thread, so close() finds one in flight and the rest queued.
    await new Promise((resolve) => setImmediate(resolve));
    await store.close();
    const outcomes = await settled;
    expect(outcomes.filter((o) => o.status === 'fulfilled' && o.value.inserted)).toHaveLength(700);
    await expect(store.responses.insert(responseFixture(pub), [])).rejects.toThrow(/not open/);

    const again = openSqliteStore(file);
    expect(await again.responses.count({ surveyId: survey.id })).toBe(701);
    expect((await again.surveys.get(survey.id))!.responseCount).toBe(701);
    await again.close();
  });

  it('lets a main-connection transaction that reads, then writes, finish while the writer thread commits', async () => {
    const { store, survey, pub, file } = await seeded();
    const writer = threadWriter(file, () => inlineWriter(store.db));
    // Started, so the next group is posted to the thread the moment write() is called.
    await writer.write([{ response: responseFixture(pub), tallies: [] }]);
    const probe = new Database(file, { readonly: true });
    const committed = (id: string) => !!probe.prepare('SELECT 1 FROM responses WHERE id = ?').get(id);
    const r = responseFixture(pub);
    let written: Promise<unknown> = Promise.resolve();

    const readThenWrite = store.db.transaction(() => {
      const before = (store.db.prepare('SELECT n FROM survey_counts WHERE survey_id = ?').get(survey.id) as { n: number }).n;
      written = writer.write([{ response: r, tallies: tallyDeltas(r, survey.questions) }]);
      // Wait (up to 0.5 s) for the thread's commit. A DEFERRED transaction holds only a read snapshot
      // here: the thread commits, and the write below fails with SQLITE_BUSY_SNAPSHOT. An IMMEDIATE
      // one holds the write lock: the thread waits for this commit instead.
      for (let waited = 0; waited < 500 && !committed(r.id); waited += 10) block(10);
      store.db.prepare('INSERT INTO audit_events (id, at, actor_id, actor_name, action, target_type, target_id, details) VALUES (?, ?, NULL, ?, ?, ?, ?, ?)')
        .run(newId(), '2026-11-01T00:00:00.000Z', 'test', 'count.read', 'survey', survey.id, JSON.stringify({ before }));
    });
    expect(() => readThenWrite()).not.toThrow();
    const [outcome] = (await written) as [{ ok?: { inserted: boolean } }];
    expect(outcome.ok?.inserted).toBe(true);
    expect(committed(r.id)).toBe(true);
    expect(await store.audit.count({})).toBe(1);
    probe.close();
    await writer.close();
    await store.close();
  });

  it('begins every transaction of a connection it opens IMMEDIATE, the rate-limit counters\' as well: the write lock is held from BEGIN', () => {
    const file = path.join(dir, 'locks.db');
    const a = openDatabase(file);
    const other = new Database(file, { timeout: 0 });
    const holds = a.transaction(() => {
      a.prepare('SELECT COUNT(*) FROM responses').get();
      try {
        other.exec('BEGIN IMMEDIATE');
        other.exec('ROLLBACK');
        return false;
      } catch (err) {
        return (err as { code?: string }).code === 'SQLITE_BUSY';
      }
    })();
    expect(holds).toBe(true);
    // Nested: a savepoint inside the same transaction, not a second BEGIN.
    expect(a.transaction(() => a.transaction(() => a.inTransaction)())()).toBe(true);
    other.close();
    a.close();
  });

  it('writes inline, with a warning, when the writer thread cannot open the database', async () => {
    const { store, pub } = await seeded();
    const notAFolder = path.join(dir, 'file');
    fs.writeFileSync(notAFolder, '');
    const warn = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    const writer = threadWriter(path.join(notAFolder, 'manyi.db'), () => inlineWriter(store.db));
    const r = responseFixture(pub);
    const [outcome] = await writer.write([{ response: r, tallies: [] }]);
    expect(outcome).toEqual({ ok: { inserted: true, response: r } });
    expect(writer.mode()).toBe('inline');
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/^SQLite writer thread: could not start \(.*EEXIST/), { code: 'MANYI_SQLITE_WRITER' });
    warn.mockRestore();
    expect(await store.responses.get(r.id)).toEqual(r);
    await writer.close();
    await store.close();
  });

  it('lets a process that stored a response and never closed its store exit', async () => {
    const file = path.join(dir, 'exit.db');
    const script = `
      const { openSqliteStore } = require('./server/store/sqlite');
      const { responseFixture, seedPublication } = require('./test/helpers/fixtures');
      (async () => {
        const store = openSqliteStore(${JSON.stringify(file)});
        const { pub } = await seedPublication(store);
        const r = await store.responses.insert(responseFixture(pub), []);
        process.stdout.write(store.writer.mode() + ' ' + r.inserted);
      })();`;
    const run = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout.on('data', (b: Buffer) => (out += b.toString()));
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve({ code, out });
      });
    });
    expect(run).toEqual({ code: 0, out: 'thread true' });
  }, 30_000);

  it('hands a writer thread the next group before answering the last one, and lets the last one be answered before an inline writer commits the next', async () => {
    const order = async (mode: 'thread' | 'inline') => {
      const events: string[] = [];
      const commits: (() => void)[] = [];
      const writer: GroupWriter = {
        write(group) {
          events.push(`write ${group.map((i) => i.response.id).join(',')}`);
          return new Promise((resolve) => commits.push(() => resolve(group.map((i) => ({ ok: { inserted: true, response: i.response } })))));
        },
        async close() {},
        mode: () => mode,
        startMs: () => null,
      };
      const queue = commitQueue(writer);
      const item = (id: string) => ({ response: { id } as SurveyResponse, tallies: [] });
      const a = queue.insert(item('a')).then(() => events.push('answered a'));
      await new Promise((r) => setImmediate(r));
      const b = queue.insert(item('b')).then(() => events.push('answered b'));
      commits.shift()!();
      await a;
      await new Promise((r) => setImmediate(r));
      commits.shift()!();
      await b;
      return events;
    };
    expect(await order('thread')).toEqual(['write a', 'write b', 'answered a', 'answered b']);
    expect(await order('inline')).toEqual(['write a', 'answered a', 'write b', 'answered b']);
  });

  it('sends a question list to the thread once, by number, and starts over on both sides when the record is full', () => {
    const wire = questionLists(2);
    const receive = questionsReceiver();
    const r = {} as SurveyResponse;
    const [a, b, c] = ['a', 'b', 'c'].map((id) => [{ id }] as unknown as Question[]) as [Question[], Question[], Question[]];
    const item = (questions: Question[]) => ({ response: r, tallies: { questions } });
    const first = wire([item(a), item(a), { response: r, tallies: [] }]);
    expect(first.questions).toEqual([[0, a]]);
    expect(first.forget).toBe(false);
    expect(first.group.map((i) => i.tallies)).toEqual([{ questionsId: 0 }, { questionsId: 0 }, []]);
    expect(receive({ type: 'write', ...first }).map((i) => i.tallies)).toEqual([{ questions: a }, { questions: a }, []]);
    // a crossed once: only b is new.
    const second = wire([item(a), item(b)]);
    expect(second.questions).toEqual([[1, b]]);
    expect(receive({ type: 'write', ...second }).map((i) => (i.tallies as { questions: unknown }).questions)).toEqual([a, b]);
    // Full (2): c starts both sides over, and every list this group needs crosses with it.
    const third = wire([item(a), item(c)]);
    expect(third.forget).toBe(true);
    expect(third.questions.map(([, q]) => q)).toEqual([a, c]);
    expect(receive({ type: 'write', ...third }).map((i) => (i.tallies as { questions: unknown }).questions)).toEqual([a, c]);
    // The thread forgot b: a list it does not hold is an error, not a silent zero.
    expect(() => receive({ type: 'write', group: [{ response: r, tallies: { questionsId: 1 } }], questions: [], forget: false })).toThrow(/no question list 1/);
  });

  it('loads only what a group commit needs in the writer thread (no mongoose, zod or statistics library, and only models that import nothing: it starts in tens of milliseconds)', async () => {
    const script = `
      require('./server/store/sqlite/group-commit');
      require('./server/store/sqlite/writer-thread');
      const heavy = Object.keys(require.cache).filter(
        (k) => /node_modules\\/(mongoose|mongodb|zod|@stdlib)\\//.test(k) || (/\\/models\\//.test(k) && require.cache[k].children.length > 0),
      );
      process.stdout.write(JSON.stringify(heavy));`;
    const out = await new Promise<string>((resolve, reject) => {
      const child = spawn(process.execPath, ['-r', 'tsx/cjs', '-e', script], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
      let text = '';
      child.stdout.on('data', (b: Buffer) => (text += b.toString()));
      child.on('exit', (code) => (code === 0 ? resolve(text) : reject(new Error(`exit ${code}`))));
    });
    expect(JSON.parse(out)).toEqual([]);
  }, 30_000);
});
