import http from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import request from 'supertest';
import { loadConfig } from '../../server/config';
import fc from 'fast-check';
import { cookieHeader, cookieWriter, fixedHeadersOf, recordFixedHeaders, sendWhole } from '../../server/http/lean-response';
import { securityHeaders } from '../../server/http/security';

describe('the lean response helpers', () => {
  it('records the security headers helmet sets on every response, the same as helmet sets them', async () => {
    const mw = securityHeaders({ ...loadConfig({}), secureCookies: true });
    const recorded = recordFixedHeaders(mw);
    expect(recorded).not.toBeNull();
    const app = express();
    app.use(mw);
    app.get('/', (_req, res) => void res.status(204).end());
    const res = await request(app).get('/').expect(204);
    for (const [name, value] of recorded!) expect(res.headers[name.toLowerCase()]).toBe(value);
    expect(recorded!.map(([n]) => n.toLowerCase())).toEqual(expect.arrayContaining(['content-security-policy', 'strict-transport-security', 'x-frame-options']));
  });

  it('replays helmet as recorded: the same headers, in the same order, and the same header removed', async () => {
    for (const secureCookies of [true, false]) {
      const helmet = securityHeaders({ ...loadConfig({}), secureCookies });
      const replayed = fixedHeadersOf(helmet);
      expect(replayed).not.toBe(helmet);
      const answer = (mw: express.RequestHandler) => {
        const app = express();
        app.disable('x-powered-by');
        // Something set before (helmet removes X-Powered-By whoever set it).
        app.use((_req, res, next) => (res.setHeader('X-Powered-By', 'someone'), next()));
        app.use(mw);
        app.get('/', (_req, res) => void res.status(204).end());
        return request(app).get('/').expect(204);
      };
      const [a, b] = [await answer(helmet), await answer(replayed)];
      const names = (h: Record<string, unknown>) => Object.keys(h).filter((k) => k !== 'date');
      expect(names(b.headers)).toEqual(names(a.headers));
      for (const name of names(a.headers)) expect([name, b.headers[name]]).toEqual([name, a.headers[name]]);
      expect(a.headers['x-powered-by']).toBeUndefined();
    }
    // A middleware that reads the request is not replayed: it runs as it is.
    const reads: express.RequestHandler = (req, res, next) => (res.setHeader('X-Lang', String(req.headers['accept-language'])), next());
    expect(fixedHeadersOf(reads)).toBe(reads);
  });

  it('refuses to record a middleware that reads the request or fails', () => {
    expect(recordFixedHeaders((req, res, next) => (res.setHeader('X-Lang', String(req.headers['accept-language'])), next()))).toBeNull();
    expect(recordFixedHeaders((_req, _res, next) => next(new Error('no')))).toBeNull();
    expect(recordFixedHeaders(() => undefined)).toBeNull();
  });

  it("makes the Set-Cookie value Express's res.cookie makes", async () => {
    const app = express();
    app.use((req, _res, next) => ((req as { secret?: string }).secret = 'k', next()));
    const options = { signed: true, httpOnly: true, sameSite: 'lax' as const, maxAge: 3_600_000, path: '/' };
    app.get('/', (_req, res) => void res.cookie('manyi.device', 'abc', options).status(204).end());
    const viaExpress = (await request(app).get('/')).headers['set-cookie']![0]!;
    const strip = (c: string) => c.replace(/Expires=[^;]+/, '');
    expect(strip(cookieHeader('k', 'manyi.device', 'abc', options))).toBe(strip(viaExpress));
  });

  it("writes, once its attributes are made, the very header Express's res.cookie makes for any value", () => {
    const write = cookieWriter('k-secret');
    const variants = [
      { signed: true, httpOnly: true, sameSite: 'lax' as const, secure: false, maxAge: 365 * 24 * 3600_000, path: '/' },
      { sameSite: 'lax' as const, path: '/', secure: true, httpOnly: true },
      {},
    ];
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), fc.constantFrom(...variants), (value, options) => {
        // Made within one second (Expires has a resolution of one second); a run across the boundary is tried again.
        for (;;) {
          const s0 = Math.floor(Date.now() / 1000);
          const mine = write('manyi.device', value, options);
          const express = cookieHeader('k-secret', 'manyi.device', value, options);
          if (Math.floor(Date.now() / 1000) !== s0) continue;
          expect(mine).toBe(express);
          return;
        }
      }),
      { numRuns: 300 },
    );
  });

  it('makes the attributes again when the second changes (Expires moves with the clock)', () => {
    jest.useFakeTimers({ now: Date.UTC(2026, 11, 7, 10, 0, 0, 100), doNotFake: ['nextTick', 'setImmediate', 'setTimeout', 'setInterval', 'queueMicrotask'] });
    try {
      const write = cookieWriter('k');
      const options = { maxAge: 60_000, path: '/' };
      const a = write('c', 'v', options);
      expect(a).toBe('c=v; Max-Age=60; Path=/; Expires=Mon, 07 Dec 2026 10:01:00 GMT');
      jest.setSystemTime(Date.UTC(2026, 11, 7, 10, 0, 2, 0));
      expect(write('c', 'v', options)).toBe('c=v; Max-Age=60; Path=/; Expires=Mon, 07 Dec 2026 10:01:02 GMT');
    } finally {
      jest.useRealTimers();
    }
    expect(() => cookieWriter(undefined)('c', 'v', { signed: true })).toThrow();
  });

  it('sends every Set-Cookie, also when a header was set before', async () => {
    const server = http.createServer((req, res) => {
      if (req.url === '/pre') res.setHeader('X-Request-Id', 'r1');
      sendWhole(res as never, 200, ['Content-Type', 'text/plain', 'Set-Cookie', 'a=1', 'Set-Cookie', 'b=2'], Buffer.from('ok'));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      for (const path of ['/', '/pre']) {
        const res = await fetch(base + path);
        expect(res.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
        expect(await res.text()).toBe('ok');
        expect(res.headers.get('x-request-id')).toBe(path === '/pre' ? 'r1' : null);
      }
    } finally {
      server.close();
    }
  });
});
