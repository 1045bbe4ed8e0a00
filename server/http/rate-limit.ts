import type { Request } from 'express';
import { rateLimit, type Options, type Store as RateStore } from 'express-rate-limit';
import { TooManyRequestsError } from '../errors';
import type { Store } from '../store';

/** express-rate-limit's store over the Store port: counters live in SQLite or MongoDB, shared by all instances. */
export class PortRateLimitStore implements RateStore {
  private windowMs = 60_000;
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string) {
    const hit = await this.store.rateLimits.hit(this.prefix + key, this.windowMs, this.clock().getTime());
    return { totalHits: hit.count, resetTime: new Date(hit.resetAt) };
  }

  async decrement(key: string) {
    await this.store.rateLimits.decrement(this.prefix + key);
  }

  async resetKey(key: string) {
    await this.store.rateLimits.reset(this.prefix + key);
  }
}

/** How often an instance adds its submission counts to the store (BufferedRateLimitStore). */
export const RATE_SYNC_MS = 1_000;

interface LocalCount {
  /**
   * The end of the window [resetAt − windowMs, resetAt): windowMs after its first hit here, or the
   * shared window's end when the store's window for the key ends first.
   */
  resetAt: number;
  /** The store's count for the key at the last sync (every instance's hits, this one's included). */
  known: number;
  /** This instance's hits not yet added to the store. */
  pending: number;
}

/**
 * Counters kept in memory per app instance, with the store as the backstop that instances share:
 * every RATE_SYNC_MS the hits of all keys go to the store in one write (hitMany: one transaction on
 * SQLite) and each key learns the store's total. A request is counted against that total plus this
 * instance's unsynced hits, so one instance never lets more through than the limit, and several let
 * through at most the hits the others took within one sync interval more. Used for the resident
 * submission limits (the hot path); login, password and API limits count in the store on every request.
 *
 * Windows never stretch: a local window starts at its first hit and ends windowMs later; its hits go
 * to the store with that start, so a window the store starts for them is the same window (not one
 * starting at the sync), and what the store answers can end the local window earlier (the shared
 * window, started by another instance, ends first) but never later.
 */
export class BufferedRateLimitStore implements RateStore {
  private windowMs = 60_000;
  private readonly counts = new Map<string, LocalCount>();
  private timer: NodeJS.Timeout | null = null;
  private syncing: Promise<void> | null = null;

  constructor(
    private readonly store: Store,
    private readonly clock: () => Date,
    readonly prefix: string,
  ) {}

  init(options: Options): void {
    this.windowMs = options.windowMs;
  }

  async increment(key: string) {
    const now = this.clock().getTime();
    let c = this.counts.get(key);
    if (!c || c.resetAt <= now) {
      c = { resetAt: now + this.windowMs, known: 0, pending: 0 };
      this.counts.set(key, c);
    }
    c.pending++;
    this.timer ??= setTimeout(() => void this.sync(), RATE_SYNC_MS).unref();
    return { totalHits: c.known + c.pending, resetTime: new Date(c.resetAt) };
  }

  async decrement(key: string) {
    const c = this.counts.get(key);
    if (c && c.pending > 0) c.pending--;
    else {
      // The hit is in the store already: take it from what this instance knows of the store too.
      if (c && c.known > 0) c.known--;
      await this.store.rateLimits.decrement(this.prefix + key);
    }
  }

  async resetKey(key: string) {
    this.counts.delete(key);
    await this.store.rateLimits.reset(this.prefix + key);
  }

  /** Adds the pending hits to the store and reads the totals back; forgets keys whose window has passed. */
  sync(): Promise<void> {
    this.timer = null;
    if (this.syncing) return this.syncing;
    const now = this.clock().getTime();
    const batch: [string, LocalCount, number][] = [];
    for (const [key, c] of this.counts) {
      if (c.pending > 0) batch.push([key, c, c.pending]);
      else if (c.resetAt <= now) this.counts.delete(key);
    }
    if (batch.length === 0) return Promise.resolve();
    this.syncing = this.store.rateLimits
      .hitMany(
        batch.map(([key, c, by]) => ({ key: this.prefix + key, windowMs: this.windowMs, by, startMs: c.resetAt - this.windowMs })),
        now,
      )
      .then(
        async (totals) => {
          const givenBack: Promise<void>[] = [];
          batch.forEach(([key, c, by], i) => {
            const total = totals[i]!;
            // Hits given back (decrement) while on their way are in the store's count: take them out there.
            const left = c.pending - by;
            c.pending = Math.max(left, 0);
            c.known = total.count;
            for (let k = left; k < 0; k++) {
              if (c.known > 0) c.known--;
              givenBack.push(this.store.rateLimits.decrement(this.prefix + key));
            }
            // The window may end earlier (the shared one does), never later: no window outlasts windowMs.
            c.resetAt = Math.min(c.resetAt, total.resetAt);
          });
          // A give-back the store cannot take is lost: the hit stays counted (the safe side).
          await Promise.all(givenBack).catch(() => undefined);
        },
        // The store is down: the hits stay pending and go with the next sync; counting goes on locally.
        () => undefined,
      )
      .finally(() => {
        this.syncing = null;
        if ([...this.counts.values()].some((c) => c.pending > 0)) this.timer ??= setTimeout(() => void this.sync(), RATE_SYNC_MS).unref();
      });
    return this.syncing;
  }
}

export function limiter(
  store: Store,
  clock: () => Date,
  name: string,
  opts: { windowMs: number; limit: number; key: (req: Request) => string; skipSuccessfulRequests?: boolean; buffered?: boolean },
) {
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store: opts.buffered ? new BufferedRateLimitStore(store, clock, `${name}:`) : new PortRateLimitStore(store, clock, `${name}:`),
    skipSuccessfulRequests: opts.skipSuccessfulRequests ?? false,
    // A store outage must not turn into refused answers: the request goes on and its handler reports it.
    passOnStoreError: true,
    // Keys are salted hashes (see app.ts): no raw IP reaches the store.
    keyGenerator: opts.key,
    handler: (_req, _res, next) => next(new TooManyRequestsError()),
  });
}
