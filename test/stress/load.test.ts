import pino from 'pino';
import { startServer } from '../../bench/http';
import { loadConfig } from '../../server/config';
import { verifyTallies } from '../../server/services/tallies';
import { testStorePlace, type TestStorePlace } from '../helpers/store';
import { openAndAnswer, runResidents } from './residents';

/** 200 residents for STRESS_SECONDS (60 by default) across ten stations, on a real server process (on the store the suite follows). */
const SECONDS = Number(process.env.STRESS_SECONDS ?? 60);

async function check(place: TestStorePlace, surveyId: string, acknowledged: Set<string>) {
  const store = await place.open();
  const deps = { config: { ...loadConfig(place.env), sessionSecret: 'x'.repeat(32) }, store, clock: () => new Date(), logger: pino({ level: 'silent' }) };
  try {
    const missing: string[] = [];
    for (const token of acknowledged) if (!(await store.responses.findBySubmissionToken(token))) missing.push(token);
    const stored = await store.responses.count({ surveyId });
    const tokens = new Set<string>();
    for await (const r of store.responses.stream({ surveyId })) tokens.add(r.submissionToken);
    return { missing, stored, distinctTokens: tokens.size, tallies: await verifyTallies(deps, surveyId), responseCount: (await store.surveys.get(surveyId))!.responseCount };
  } finally {
    await store.close();
  }
}

describe('load: 200 concurrent residents', () => {
  let place: TestStorePlace;
  beforeEach(() => {
    place = testStorePlace();
  });
  afterEach(async () => {
    await place.cleanup();
  });

  it(`answers every request and stores every acknowledged response exactly once (${SECONDS} s)`, async () => {
    const { child, info } = await startServer(place.env);
    const base = `http://127.0.0.1:${info.port}`;
    const ack = await runResidents(base, info.codes, 200, SECONDS);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    console.info(`load (${place.kind}): ${ack.requests} requests, ${ack.tokens.size} acknowledged, statuses ${JSON.stringify(ack.statuses)}`);
    expect(ack.failures).toEqual([]);
    expect(ack.tokens.size).toBeGreaterThan(100);
    const result = await check(place, info.surveyId, ack.tokens);
    expect(result.missing).toEqual([]);
    expect(result.distinctTokens).toBe(result.stored);
    expect(result.stored).toBeGreaterThanOrEqual(ack.tokens.size);
    expect(result.responseCount).toBe(result.stored);
    expect(result.tallies).toEqual({ same: true });
  });

  it('stores one response when the same submission is sent five times at once', async () => {
    const { child, info } = await startServer(place.env);
    try {
      const base = `http://127.0.0.1:${info.port}`;
      const form = await openAndAnswer(base, info.codes[0]!, '10.9.9.9', new Map(), 1);
      const results = await Promise.all([1, 2, 3, 4, 5].map(() => form.send!()));
      expect(results.map((r) => r.status)).toEqual([303, 303, 303, 303, 303]);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
    const result = await check(place, info.surveyId, new Set());
    expect(result.stored).toBe(1);
    expect(result.tallies).toEqual({ same: true });
  });
});
