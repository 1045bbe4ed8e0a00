import { sign } from 'cookie-signature';
import express, { type RequestHandler, type Response } from 'express';

/**
 * The pieces a hot route needs to answer with one `writeHead` and one `end`, with the very headers
 * and cookies the full middleware chain would have produced — computed by the same code, not copied.
 */

/**
 * The headers a middleware that only sets fixed headers (helmet: CSP, frame options…) sets on every
 * response, recorded once by running it against a recorder. Null when it did anything else (called
 * next with an error, read the request, wrote a body): then it is not request-independent and must run per request.
 */
export function recordFixedHeaders(mw: RequestHandler): [string, string][] | null {
  return recordHeaderEffects(mw)?.set ?? null;
}

/**
 * A middleware that only sets fixed headers (helmet), replayed: the headers it removes, then the
 * ones it sets, in its order, by the response's own setHeader and removeHeader — what running it does,
 * without its dozen nested calls per request. `mw` itself when it is not such a middleware.
 */
export function fixedHeadersOf(mw: RequestHandler): RequestHandler {
  const effects = recordHeaderEffects(mw);
  if (!effects) return mw;
  const { set, removed } = effects;
  return (_req, res, next) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
    next();
  };
}

function recordHeaderEffects(mw: RequestHandler): { set: [string, string][]; removed: string[] } | null {
  const headers: [string, string][] = [];
  const removed: string[] = [];
  let ok = false;
  let other = false;
  const res = {
    setHeader(name: string, value: string | number | readonly string[]) {
      if (Array.isArray(value)) other = true;
      else headers.push([name, String(value)]);
      return res;
    },
    removeHeader(name: string) {
      // Removing before setting is what a replay can repeat; anything else (removing what it set) is not fixed.
      if (headers.some(([n]) => n.toLowerCase() === name.toLowerCase())) other = true;
      else removed.push(name);
      return res;
    },
    getHeader: () => undefined,
  };
  // A request that carries nothing: a middleware that reads any of it is not request-independent.
  const req = new Proxy(
    {},
    {
      get(_t, prop) {
        other = true;
        return prop === 'headers' ? {} : undefined;
      },
    },
  );
  try {
    void mw(req as never, res as never, (err?: unknown) => {
      ok = err === undefined;
    });
  } catch {
    return null;
  }
  return ok && !other ? { set: headers, removed } : null;
}

/** The Set-Cookie header value Express's `res.cookie` would append (its own code, on a stand-in response). */
export function cookieHeader(secret: string | undefined, name: string, value: string, options: express.CookieOptions): string {
  let header = '';
  const stand = {
    req: { secret },
    append(field: string, val: string) {
      if (field === 'Set-Cookie') header = val;
      return stand;
    },
  };
  const setCookie = express.response.cookie as (this: Response, name: string, value: string, options: express.CookieOptions) => Response;
  setCookie.call(stand as unknown as Response, name, value, options);
  return header;
}

export type CookieWriter = (name: string, value: string, options?: express.CookieOptions) => string;

/**
 * cookieHeader for a hot path: the attributes after the value (Max-Age, Path, Expires, HttpOnly,
 * SameSite…) depend only on the options and, through Expires, on the current second, so Express
 * serialises them once per second per cookie; each call adds only its own `name=value` (signed with
 * cookie-signature and encoded with encodeURIComponent, as Express and the cookie library do).
 * About 12 µs per cookie through res.cookie, 3 µs here (test/unit/lean-response.test.ts compares the two).
 */
export function cookieWriter(secret: string | undefined): CookieWriter {
  const attributes = new Map<string, { second: number; options: express.CookieOptions; json: string; suffix: string }>();
  return (name, value, options = {}) => {
    const second = Math.floor(Date.now() / 1000);
    let a = attributes.get(name);
    // The same options object (the device cookie's) is known at once; another one (csrf-csrf makes one per call) is compared as JSON.
    if (!a || a.second !== second || (a.options !== options && a.json !== JSON.stringify(options))) {
      const probe = cookieHeader(secret, name, 'x', { ...options, signed: false });
      const at = probe.indexOf(';');
      a = { second, options, json: JSON.stringify(options), suffix: at < 0 ? '' : probe.slice(at) };
      if (attributes.size >= 16) attributes.clear();
      attributes.set(name, a);
    }
    if (options.signed && !secret) throw new Error('a signed cookie needs a secret');
    const val = options.signed ? `s:${sign(value, secret!)}` : value;
    return `${name}=${encodeURIComponent(val)}${a.suffix}`;
  };
}

/**
 * Sends status, headers (a flat [name, value, name, value…] list; Set-Cookie may repeat) and body in
 * one writeHead and one end. Headers some middleware has already set on `res` (a request id) are kept.
 */
export function sendWhole(res: Response, status: number, headers: string[], body: Buffer): void {
  if (res.getHeaderNames().length === 0) {
    res.writeHead(status, headers);
  } else {
    // Node merges a flat list into headers already set one name at a time, so a repeated Set-Cookie
    // would keep only its last value: group the values by name instead.
    const grouped = new Map<string, { name: string; values: string[] }>();
    for (let i = 0; i < headers.length; i += 2) {
      const name = headers[i]!;
      const g = grouped.get(name.toLowerCase());
      if (g) g.values.push(headers[i + 1]!);
      else grouped.set(name.toLowerCase(), { name, values: [headers[i + 1]!] });
    }
    for (const { name, values } of grouped.values()) res.setHeader(name, values.length === 1 ? values[0]! : values);
    res.writeHead(status);
  }
  res.end(body);
}
