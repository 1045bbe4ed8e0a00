/**
 * Comparing two answers of the resident pages that must be the same apart from what is new per
 * request: the lean and straight paths against the full middleware chain, a cached page against a
 * fresh render.
 */

/** The page with its per-request tokens (CSRF, form token) and a bad review's signed reference blanked out. */
export const withoutTokens = (html: string) =>
  html
    .replace(/\?r=[\w.-]+/g, '?r=ref')
    .replace(/name="_csrf" value="[^"]*"/g, 'name="_csrf" value=""')
    .replace(/name="ft" value="[^"]*"/g, 'name="ft" value=""');

/**
 * The headers without those that differ between any two responses (cookies, request ids, lengths,
 * dates), the rate limit's remaining count and seconds to reset, and a thank-you address's signed reference.
 */
export const stableHeaders = (h: Record<string, string>) => {
  const { 'x-request-id': _id, date: _d, 'set-cookie': _c, 'content-length': _l, 'transfer-encoding': _t, etag: _e, connection: _k, 'keep-alive': _a, ...rest } = h;
  if (rest.ratelimit) rest.ratelimit = rest.ratelimit.replace(/remaining=\d+/, 'remaining=n').replace(/reset=\d+/, 'reset=n');
  if (rest.location) rest.location = rest.location.replace(/\?r=[^&]+/, '?r=ref');
  return rest;
};
