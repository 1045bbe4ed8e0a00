/**
 * When the MongoDB adapter applies pending tallies: shortly after an insert (one run for a burst of
 * inserts), on a timer while the store is open, and on demand (settle). Every app instance runs one;
 * they need no coordination because each batch is one transaction that clears exactly the markers it
 * applies (two appliers on the same batch: one commits, the other's transaction conflicts and is
 * retried on what is left). No I/O here: `applyBatch` does the work, so this is tested without a server.
 */
export interface ApplierOptions {
  /** Responses per batch (one transaction each). */
  batchSize: number;
  /** Delay after an insert before the background run, so a burst of inserts is applied together. */
  delayMs: number;
  /** The timer that catches what no insert in this instance announced (other instances, a crash). */
  everyMs: number;
  /** At most this many batches per run, so one run cannot chase an endless stream of new responses. */
  maxBatches: number;
  /** A background run failed (the next one retries: nothing was applied by a failed batch). */
  onError: (err: unknown) => void;
}

export const APPLIER_DEFAULTS: Omit<ApplierOptions, 'onError'> = { batchSize: 500, delayMs: 200, everyMs: 5000, maxBatches: 40 };

export interface Applier {
  /** An insert happened: run in the background soon. */
  soon(): void;
  /**
   * Applies what is pending (of one survey, or all) now; resolves with how many responses the run
   * applied (callers who share a run get the same number).
   */
  settle(surveyId?: string): Promise<number>;
  /** Stops the timers and waits for runs under way; later calls do nothing. */
  close(): Promise<void>;
}

/** `applyBatch(surveyId, limit)` applies at most `limit` of the oldest pending responses and says how many it applied. */
export function createApplier(applyBatch: (surveyId: string | undefined, limit: number) => Promise<number>, options: ApplierOptions): Applier {
  let closed = false;
  let soonTimer: NodeJS.Timeout | null = null;
  let background: Promise<void> | null = null;
  let again = false;
  const running = new Set<Promise<unknown>>();

  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p);
    const done = () => running.delete(p);
    p.then(done, done);
    return p;
  };

  const drain = async (surveyId?: string): Promise<number> => {
    let applied = 0;
    for (let i = 0; i < options.maxBatches && !closed; i++) {
      const n = await applyBatch(surveyId, options.batchSize);
      applied += n;
      // A batch that was not full took everything pending when it read.
      if (n < options.batchSize) break;
    }
    return applied;
  };

  /** One background run at a time in this instance; a request during a run starts one more after it. */
  const kick = () => {
    if (closed) return;
    if (background) {
      again = true;
      return;
    }
    background = track(drain().then(() => undefined, options.onError)).finally(() => {
      background = null;
      if (again) {
        again = false;
        kick();
      }
    });
  };

  /**
   * settle() per survey (or all): while a run for the same key is under way, callers share one more
   * run after it (the run under way may have read before their responses were stored), so many pages
   * opened at once in this instance do not all contend for the same batch.
   */
  const slots = new Map<string, { run: Promise<number>; queued: Promise<number> | null }>();
  const start = (key: string, surveyId: string | undefined): Promise<number> => {
    const slot = { run: track(drain(surveyId)), queued: null as Promise<number> | null };
    slots.set(key, slot);
    const done = () => {
      if (slots.get(key) === slot) slots.delete(key);
    };
    slot.run.then(done, done);
    return slot.run;
  };

  const every = setInterval(kick, options.everyMs);
  every.unref();

  return {
    soon() {
      if (closed || soonTimer) return;
      soonTimer = setTimeout(() => {
        soonTimer = null;
        kick();
      }, options.delayMs);
      soonTimer.unref();
    },
    settle(surveyId) {
      if (closed) return Promise.resolve(0);
      const key = surveyId ?? '';
      const slot = slots.get(key);
      if (!slot) return start(key, surveyId);
      slot.queued ??= slot.run.then(
        () => start(key, surveyId),
        () => start(key, surveyId),
      );
      return slot.queued;
    },
    async close() {
      closed = true;
      clearInterval(every);
      if (soonTimer) clearTimeout(soonTimer);
      soonTimer = null;
      while (running.size) await Promise.allSettled([...running]);
    },
  };
}
