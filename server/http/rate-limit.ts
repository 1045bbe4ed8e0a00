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

export function limiter(
  store: Store,
  clock: () => Date,
  name: string,
  opts: { windowMs: number; limit: number; key: (req: Request) => string; skipSuccessfulRequests?: boolean },
) {
  return rateLimit({
    windowMs: opts.windowMs,
    limit: opts.limit,
    standardHeaders: 'draft-7',
    legacyHeaders: false,
    store: new PortRateLimitStore(store, clock, `${name}:`),
    skipSuccessfulRequests: opts.skipSuccessfulRequests ?? false,
    // A store outage must not turn into refused answers: the request goes on and its handler reports it.
    passOnStoreError: true,
    // Keys are salted hashes (see app.ts): no raw IP reaches the store.
    keyGenerator: opts.key,
    handler: (_req, _res, next) => next(new TooManyRequestsError()),
  });
}
