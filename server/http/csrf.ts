import type { Request } from 'express';
import { doubleCsrf } from 'csrf-csrf';
import type { Config } from '../config';
import { deriveKey } from '../secrets';

export const CSRF_COOKIE = 'manyi.csrf';
export const CSRF_FIELD = '_csrf';

/**
 * Double-submit CSRF tokens bound to the session (logged in) or the signed device cookie
 * (anonymous forms: login, a case's contact form). API calls with a bearer token skip it: browsers
 * never send those on their own. A questionnaire's POST is checked by its form token instead, signed
 * for the same device cookie (req.formToken, see respondRouter's formTokenCsrf and docs/decisions.md).
 */
export function csrfProtection(config: Config) {
  const secret = deriveKey(config.sessionSecret, 'csrf').toString('hex');
  return doubleCsrf({
    getSecret: () => secret,
    getSessionIdentifier: (req: Request) => (req.session?.userId ? `s:${req.sessionID}` : `d:${req.deviceId ?? ''}`),
    cookieName: CSRF_COOKIE,
    cookieOptions: { sameSite: 'lax', path: '/', secure: config.secureCookies, httpOnly: true },
    getCsrfTokenFromRequest: (req: Request) => {
      const body = req.body as Record<string, unknown> | undefined;
      const fromBody = body && typeof body[CSRF_FIELD] === 'string' ? (body[CSRF_FIELD] as string) : undefined;
      const header = req.headers['x-csrf-token'];
      return fromBody ?? (typeof header === 'string' ? header : undefined);
    },
    skipCsrfProtection: (req: Request) => req.apiTokenScope !== undefined || req.formToken?.deviceBound === true,
  });
}
