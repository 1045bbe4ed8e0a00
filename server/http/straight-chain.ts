import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * Runs middleware one after another, as a router would, without matching a path per layer: the
 * app's straight path for a request whose every other layer is known to do nothing. A step's error
 * (thrown, a rejected promise, or passed to next) goes to `done(err)` as Express would send it to the
 * error handlers; next() after the last step goes to `done()`.
 */
export function straightChain(steps: readonly RequestHandler[]): RequestHandler {
  return (req: Request, res: Response, done: NextFunction) => {
    let i = 0;
    const next = (err?: unknown) => {
      if (err !== undefined && err !== null) return done(err);
      const step = steps[i++];
      if (!step) return done();
      try {
        const ran = step(req, res, next) as unknown;
        // Express 5 sends a rejected promise of a handler to the error handlers the same way.
        if (ran instanceof Promise) ran.then(undefined, (e: unknown) => next(e ?? new Error('Rejected promise')));
      } catch (e) {
        next(e);
      }
    };
    next();
  };
}
