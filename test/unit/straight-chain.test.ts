import type { Request, RequestHandler, Response } from 'express';
import { straightChain } from '../../server/http/straight-chain';

const req = {} as Request;
const res = {} as Response;
/** Runs a chain and resolves with what reached its end: the error, or 'done'. */
const run = (steps: RequestHandler[]) =>
  new Promise<unknown>((resolve) => {
    straightChain(steps)(req, res, (err?: unknown) => resolve(err ?? 'done'));
  });

describe('straightChain', () => {
  it('runs every step in order, then hands on', async () => {
    const seen: number[] = [];
    const step = (n: number): RequestHandler => (_q, _s, next) => {
      seen.push(n);
      next();
    };
    expect(await run([step(1), step(2), step(3)])).toBe('done');
    expect(seen).toEqual([1, 2, 3]);
  });

  it('stops at a step that answers, and sends an error on as Express would (thrown, passed or rejected)', async () => {
    const boom = new Error('boom');
    const after = jest.fn();
    let ended = false;
    straightChain([(_q, _s, _next) => void (ended = true), after])(req, res, after);
    expect(ended).toBe(true);
    expect(after).not.toHaveBeenCalled();
    expect(await run([() => { throw boom; }, after])).toBe(boom);
    expect(await run([(_q, _s, next) => next(boom), after])).toBe(boom);
    expect(await run([async () => { throw boom; }, after])).toBe(boom);
    expect(await run([async () => Promise.reject(undefined), after])).toEqual(new Error('Rejected promise'));
    expect(after).not.toHaveBeenCalled();
  });
});
