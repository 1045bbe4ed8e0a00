import type { Request } from 'express';

/**
 * Content negotiation remembered per header value. `req.acceptsLanguages(…)` and
 * `req.acceptsEncodings(…)` build an Accepts and a Negotiator object and parse the header on every
 * call (about 3% of the resident form's CPU); their answer depends on nothing but the header's text,
 * and phones send a handful of distinct ones. The memo holds at most `MAX_ENTRIES` values (emptied
 * when full) and never one for a header longer than `MAX_HEADER`, so odd clients cannot grow it.
 */
const MAX_ENTRIES = 512;
const MAX_HEADER = 512;

export function memoByHeader<T>(header: string, compute: (req: Request) => T): (req: Request) => T {
  const memo = new Map<string, T>();
  return (req) => {
    const raw = req.headers[header];
    const key = raw === undefined ? '' : typeof raw === 'string' ? `=${raw}` : null;
    if (key === null || key.length > MAX_HEADER) return compute(req);
    const known = memo.get(key);
    if (known !== undefined || memo.has(key)) return known as T;
    const value = compute(req);
    if (memo.size >= MAX_ENTRIES) memo.clear();
    memo.set(key, value);
    return value;
  };
}

/** Whether the response may be gzip-compressed (exactly `req.acceptsEncodings('gzip', 'identity') === 'gzip'`). */
export const acceptsGzip = memoByHeader('accept-encoding', (req) => req.acceptsEncodings('gzip', 'identity') === 'gzip');
