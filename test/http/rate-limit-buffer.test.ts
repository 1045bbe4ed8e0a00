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
    expect((await store.rateLimits.hitMany([{ key: 'submit-ip:ip1', windowMs: 60_000, by: 0 }], now))[0]!.count).toBe(1);
  });
});
