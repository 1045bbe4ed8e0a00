/**
 * The SQLite writer thread's entry (started by writer-thread.ts): its own connection to the
 * database file, opened with the same PRAGMAs, runs each group commit it is sent and answers with
 * one outcome per item. Runs only as a worker thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { openDatabase } from './db';
import { groupCommitter } from './group-commit';
import { describeError, questionsReceiver, type FromWriter, type ToWriter, type WireOutcome } from './writer-thread';

const port = parentPort;
if (!port) throw new Error('writer-worker runs only as a worker thread');
const db = openDatabase((workerData as { file: string }).file);
const write = groupCommitter(db, { keepTallies: true });
const received = questionsReceiver();
const answer = (m: FromWriter) => port.postMessage(m);

port.on('message', (m: ToWriter) => {
  if (m.type === 'close') {
    db.close();
    port.close();
    return;
  }
  try {
    const outcomes = write(received(m)).map((o): WireOutcome => {
      if ('err' in o) return { error: describeError(o.err) };
      // The response stored is the one sent: only the one found under its submission token travels back.
      return o.ok.inserted ? { inserted: true } : { inserted: false, response: o.ok.response };
    });
    answer({ type: 'done', outcomes });
  } catch (err) {
    answer({ type: 'failed', error: describeError(err) });
  }
});
answer({ type: 'ready' });
