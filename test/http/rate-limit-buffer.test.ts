import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BufferedRateLimitStore } from '../../server/http/rate-limit';
import { openSqliteStore } from '../../server/store/sqlite';

describe('submission limits counted in memory with the store as backstop', () => {
  let dir: string;
  let store: ReturnType<typeof openSqliteStore>;
  let now = Date.UTC(2026, 11, 1, 2, 0, 0);
  const clock = () => new Date(now);
  const make = () => {
    const s = new BufferedRateLimitStore(store, clock, 'submit-ip:');
    s.init({ windowMs: 60_000 } as never);
    return s;
  };
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-rate-'));
    store = openSqliteStore(path.join(dir, 'manyi.db'));
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('counts every hit on one instance exactly, before and after it syncs', async () => {
    const a = make();
    const totals = [];
    for (let i = 0; i < 5; i++) totals.push((await a.increment('ip1')).totalHits);
    expect(totals).toEqual([1, 2, 3, 4, 5]);
    await a.sync();
    expect((await a.increment('ip1')).totalHits).toBe(6);
    await a.sync();
    // The store holds every hit: a fresh hit straight to the store sees them.
    expect((await store.rateLimits.hit('submit-ip:ip1', 60_000, now)).count).toBe(7);
  });

  it('holds two instances sharing one store to the limit once they have synced', async () => {
    const a = make();
    const b = make();
    for (let i = 0; i < 20; i++) await a.increment('ip1');
    await a.sync();
    // b has seen nothing of ip1 yet; its first sync brings a's 20 hits.
    expect((await b.increment('ip1')).totalHits).toBe(1);
    await b.sync();
    expect((await b.increment('ip1')).totalHits).toBe(22);
  });

  it('starts a new window when the old one has passed, and forgets idle keys', async () => {
    const a = make();
    await a.increment('ip1');
    await a.increment('ip1');
    await a.sync();
    now += 60_000;
    expect((await a.increment('ip1')).totalHits).toBe(1);
    await a.sync();
    expect((await store.rateLimits.hitMany([{ key: 'submit-ip:ip1', windowMs: 60_000, by: 0, startMs: now }], now))[0]!.count).toBe(1);
  });

  it('ends a window 60 s after its first hit even when the hits reach the store late', async () => {
    const t0 = now;
    const a = make();
    for (let i = 0; i < 3; i++) await a.increment('ip1');
    now = t0 + 900;
    await a.sync();
    now = t0 + 59_999;
    const last = await a.increment('ip1');
    expect([last.totalHits, last.resetTime.getTime()]).toEqual([4, t0 + 60_000]);
    await a.sync();
    now = t0 + 60_001;
    const next = await a.increment('ip1');
    expect([next.totalHits, next.resetTime.getTime()]).toEqual([1, t0 + 120_001]);
    await a.sync();
    // The store agrees: its window for the key started again, with that one hit.
    expect(await store.rateLimits.hit('submit-ip:ip1', 60_000, now)).toEqual({ count: 2, resetAt: t0 + 120_001 });
  });

  it('starts no window in the store for hits whose window was over when they got there', async () => {
    const t0 = now;
    const a = make();
    await a.increment('ip1');
    await a.increment('ip1');
    now = t0 + 61_000;
    await a.sync();
    expect(await store.rateLimits.hit('submit-ip:ip1', 60_000, now)).toEqual({ count: 1, resetAt: t0 + 121_000 });
    expect((await a.increment('ip1')).totalHits).toBe(1);
  });

  it("ends an instance's window with the shared one another instance started earlier", async () => {
    const t0 = now;
    const a = make();
    const b = make();
    await b.increment('ip1');
    now = t0 + 100;
    await b.sync();
    now = t0 + 30_000;
    await a.increment('ip1');
    now = t0 + 30_100;
    await a.sync();
    now = t0 + 59_999;
    const last = await a.increment('ip1');
    expect([last.totalHits, last.resetTime.getTime()]).toEqual([3, t0 + 60_000]);
    now = t0 + 60_000;
    expect((await a.increment('ip1')).totalHits).toBe(1);
  });

  it('gives back a hit already in the store both there and in what the instance knows of it', async () => {
    const a = make();
    await a.increment('ip1');
    await a.increment('ip1');
    await a.sync();
    await a.decrement('ip1');
    expect((await a.increment('ip1')).totalHits).toBe(2);
    await a.sync();
    expect((await store.rateLimits.hit('submit-ip:ip1', 60_000, now)).count).toBe(3);
  });

  it('gives back a hit that was on its way to the store once it has arrived', async () => {
    const a = make();
    await a.increment('ip1');
    await a.increment('ip1');
    const syncing = a.sync();
    await a.decrement('ip1');
    await syncing;
    // One hit stands: the store says so as soon as the sync is done, and so does the instance.
    expect((await store.rateLimits.hit('submit-ip:ip1', 60_000, now)).count).toBe(2);
    expect((await a.increment('ip1')).totalHits).toBe(2);
  });
});
