import path from 'node:path';
import pino from 'pino';
import { startServer } from '../../bench/http';
import { loadConfig } from '../../server/config';
import { verifyTallies } from '../../server/services/tallies';
import { openDatabase } from '../../server/store/sqlite/db';
import { testStorePlace, type TestStorePlace } from '../helpers/store';
import { runResidents } from './residents';

const SECONDS = Number(process.env.STRESS_CRASH_SECONDS ?? 20);

describe('crash: SIGKILL in the middle of a load', () => {
  let place: TestStorePlace;
  beforeEach(() => {
    place = testStorePlace();
  });
  afterEach(async () => {
    await place.cleanup();
  });

  it('keeps every acknowledged response exactly once, opens cleanly and keeps tallies equal to a rebuild', async () => {
    const { child, info } = await startServer(place.env);
    const base = `http://127.0.0.1:${info.port}`;
    const stop = { stop: false };
    const running = runResidents(base, info.codes, 100, SECONDS, stop);
    await new Promise((r) => setTimeout(r, (SECONDS / 2) * 1000));
    child.kill('SIGKILL');
    stop.stop = true;
    const ack = await running;
    await new Promise((r) => (child.exitCode !== null || child.signalCode !== null ? r(null) : child.once('exit', r)));
    console.info(`crash (${place.kind}): killed after ${SECONDS / 2} s with ${ack.tokens.size} acknowledged`);
    expect(ack.tokens.size).toBeGreaterThan(10);

    // SQLite: the file opens cleanly (WAL recovery) and passes SQLite's own integrity check. (MongoDB
    // keeps what it acknowledged with w=majority and journaling; the checks below hold on both.)
    if (place.kind === 'sqlite') {
      const db = openDatabase(path.join(info.dir, 'manyi.db'));
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      db.close();
    }

    // A restarted server serves the same data.
    const again = await startServer({ ...place.env, REUSE: '1' });
    const ready = await fetch(`http://127.0.0.1:${again.info.port}/readyz`);
    expect(ready.status).toBe(200);
    again.child.kill('SIGTERM');
    await new Promise((r) => again.child.once('exit', r));

    const store = await place.open();
    const deps = { config: { ...loadConfig(place.env), sessionSecret: 'x'.repeat(32) }, store, clock: () => new Date(), logger: pino({ level: 'silent' }) };
    try {
      for (const token of ack.tokens) expect(await store.responses.findBySubmissionToken(token)).not.toBeNull();
      const tokens = new Set<string>();
      let n = 0;
      for await (const r of store.responses.stream({ surveyId: info.surveyId })) {
        tokens.add(r.submissionToken);
        n++;
      }
      expect(tokens.size).toBe(n);
      expect((await store.surveys.get(info.surveyId))!.responseCount).toBe(n);
      expect(await verifyTallies(deps, info.surveyId)).toEqual({ same: true });
    } finally {
      await store.close();
    }
  });
});
