import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import { AppError, BadRequestError } from '../errors';

/** JSON deeper than this is refused: no form or API body of ours needs more than a dozen levels. */
export const MAX_BODY_DEPTH = 32;

/**
 * Key names that are never field names of ours and are what MongoDB operator injection and
 * prototype pollution send: `$…` operators, `__proto__`, `constructor`, `prototype`. Form field
 * names are flat (no qs nesting), so `__proto__[x]` or `constructor.prototype.x` are read by
 * their bracket and dot segments.
 */
function isHostileKey(key: string, form: boolean): boolean {
  const segments = form ? key.split(/[[\].]+/).filter(Boolean) : [key];
  return segments.some((s) => s.startsWith('$') || s === '__proto__' || s === 'constructor' || s === 'prototype');
}

/**
 * Refuses a parsed body (JSON, form or multipart fields) with a hostile key at any depth, or
 * nested deeper than MAX_BODY_DEPTH, with 400 before any route sees it. Runs after the CSRF
 * check, so a forged request still gets 403. Iterative, so a deep body cannot exhaust the stack.
 */
export const refuseHostileBodies: RequestHandler = (req, _res, next) => {
  const body: unknown = req.body;
  if (body === null || typeof body !== 'object' || Buffer.isBuffer(body)) return next();
  const form = !req.is('application/json');
  const stack: [unknown, number][] = [[body, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (depth > MAX_BODY_DEPTH) return next(new BadRequestError('error.tooDeep', { max: MAX_BODY_DEPTH }));
    for (const key of Object.keys(value)) {
      if (!Array.isArray(value) && isHostileKey(key, form)) return next(new BadRequestError('error.badKey', { name: key.slice(0, 60) }));
      stack.push([(value as Record<string, unknown>)[key], depth + 1]);
    }
  }
  next();
};

/**
 * body-parser `verify`: the bytes must be UTF-8, and a form's percent-escapes must decode as
 * UTF-8 too. Without it, GBK or broken bytes would be stored as U+FFFD (JSON) or as literal
 * "%D6%D0" (forms) instead of being refused; the error handler answers 415 (error.badEncoding).
 */
export function verifyUtf8(kind: 'json' | 'form') {
  return (_req: IncomingMessage, _res: unknown, buf: Buffer): void => {
    if (!isUtf8(buf)) throw new Error('request body is not UTF-8');
    if (kind === 'form') {
      try {
        decodeURIComponent(buf.toString('latin1').replace(/\+/g, ' '));
      } catch {
        throw new Error('form field is not percent-encoded UTF-8');
      }
    }
  };
}

/**
 * A request body on the API must be JSON (routes that take other types say so with `except`):
 * a text/plain, form or multipart body would otherwise be ignored and the request run as if it
 * had none. 415 names what to send.
 */
export function requireJsonBody(except: string[] = []): RequestHandler {
  return (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || except.includes(req.path)) return next();
    const length = req.headers['content-length'];
    const hasBody = req.headers['transfer-encoding'] !== undefined || (length !== undefined && Number(length) > 0);
    if (hasBody && !req.is('application/json')) return next(new AppError(415, 'unsupported_media_type', 'error.jsonOnly'));
    next();
  };
}
