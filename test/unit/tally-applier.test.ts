/**
 * When MongoDB's pending tallies are applied (server/store/mongo/applier.ts): the scheduling alone,
 * with a batch function that records its calls (the batches themselves are checked with mingo and by
 * the contract suite).
 */
import { createApplier, type ApplierOptions } from '../../server/store/mongo/applier';

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recorder(results: (number | Error)[] = []) {
  const calls: (string | undefined)[] = [];
  const batch = async (surveyId: string | undefined) => {
    calls.push(surveyId);
    const next = results.shift() ?? 0;
    if (next instanceof Error) throw next;
    return next;
  };
  return { calls, batch };
}

const options = (over: Partial<ApplierOptions> = {}): ApplierOptions => ({ batchSize: 500, delayMs: 20, everyMs: 60_000, maxBatches: 40, onError: () => undefined, ...over });

describe('tally applier scheduling', () => {
  it('runs one background batch for a burst of inserts, shortly after the first', async () => {
    const { calls, batch } = recorder([12]);
    const applier = createApplier(batch, options());
    for (let i = 0; i < 10; i++) applier.soon();
    expect(calls).toEqual([]);
    await wait(80);
    expect(calls).toEqual([undefined]);
    await applier.close();
  });

  it('settles one survey batch after batch while batches come back full, and stops at one that is not', async () => {
    const { calls, batch } = recorder([500, 500, 3]);
    const applier = createApplier(batch, options());
    expect(await applier.settle('s1')).toBe(1003);
    expect(calls).toEqual(['s1', 's1', 's1']);
    expect(await applier.settle('s1')).toBe(0);
    await applier.close();
  });

  it('takes at most maxBatches batches in one run, so a run cannot chase an endless stream', async () => {
    const { calls, batch } = recorder(Array.from({ length: 10 }, () => 500));
    const applier = createApplier(batch, options({ maxBatches: 3 }));
    expect(await applier.settle()).toBe(1500);
    expect(calls).toHaveLength(3);
    await applier.close();
  });

  it('reports a failed background run and applies on the next timer run', async () => {
    const errors: unknown[] = [];
    const { calls, batch } = recorder([new Error('WriteConflict'), 7]);
    const applier = createApplier(batch, options({ everyMs: 40, onError: (err) => errors.push(err) }));
    applier.soon();
    await wait(150);
    expect(errors).toEqual([new Error('WriteConflict')]);
    expect(calls.length).toBeGreaterThanOrEqual(2);
    await applier.close();
  });

  it('lets pages settling one survey at once share the run under way and one more after it', async () => {
    const calls: (string | undefined)[] = [];
    let release: () => void = () => undefined;
    const applier = createApplier(async (surveyId) => {
      const firstCall = calls.push(surveyId) === 1;
      if (firstCall) await new Promise<void>((resolve) => (release = resolve));
      return firstCall ? 3 : 0;
    }, options());
    const first = applier.settle('s1');
    const later = [applier.settle('s1'), applier.settle('s1'), applier.settle('s1')];
    const other = applier.settle('s2');
    await wait(10);
    expect(calls).toEqual(['s1', 's2']);
    release();
    expect(await first).toBe(3);
    expect(await Promise.all(later)).toEqual([0, 0, 0]);
    expect(await other).toBe(0);
    expect(calls).toEqual(['s1', 's2', 's1']);
    await applier.close();
  });

  it('passes a failed settle to its caller', async () => {
    const { batch } = recorder([new Error('no primary')]);
    const applier = createApplier(batch, options());
    await expect(applier.settle('s1')).rejects.toThrow('no primary');
    await applier.close();
  });

  it('on close stops its timers and waits for a batch under way; afterwards it applies nothing', async () => {
    let finished = false;
    const calls: (string | undefined)[] = [];
    const applier = createApplier(async (surveyId) => {
      calls.push(surveyId);
      await wait(60);
      finished = true;
      return 1;
    }, options({ everyMs: 30 }));
    const settling = applier.settle('s1');
    await applier.close();
    expect(finished).toBe(true);
    await expect(settling).resolves.toBe(1);
    applier.soon();
    expect(await applier.settle('s1')).toBe(0);
    await wait(80);
    expect(calls).toEqual(['s1']);
  });
});
