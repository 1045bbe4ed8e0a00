import type { Request } from 'express';
import session from 'express-session';
import type { Config } from '../config';
import { deriveKey } from '../secrets';
import type { Store } from '../store';

export const SESSION_COOKIE = 'manyi.sid';
export const SESSION_HOURS = 8;

/** express-session's store interface over the Store port, so sessions live in SQLite or MongoDB. */
export class PortSessionStore extends session.Store {
  constructor(
    private readonly store: Store,
    private readonly clock: () => Date,
  ) {
    super();
  }

  override get(sid: string, cb: (err: unknown, session?: session.SessionData | null) => void): void {
    this.store.sessions
      .get(sid, this.clock().toISOString())
      .then((r) => cb(null, r ? (JSON.parse(r.data) as session.SessionData) : null))
      .catch(cb);
  }

  override set(sid: string, sess: session.SessionData, cb?: (err?: unknown) => void): void {
    this.store.sessions
      .set({ id: sid, data: JSON.stringify(sess), userId: sess.userId ?? null, expiresAt: this.expiry(sess) })
      .then(() => cb?.())
      .catch((e) => cb?.(e));
  }

  override destroy(sid: string, cb?: (err?: unknown) => void): void {
    this.store.sessions
      .destroy(sid)
      .then(() => cb?.())
      .catch((e) => cb?.(e));
  }

  override touch(sid: string, sess: session.SessionData, cb?: () => void): void {
    this.store.sessions
      .touch(sid, this.expiry(sess))
      .then(() => cb?.())
      .catch(() => cb?.());
  }

  /**
   * When the session ends, on the app's clock (the one get() compares with): fixed when the session
   * is first stored and kept in its data, so touches never move it (rolling: false). express-session
   * dates its cookie by the wall clock; deriving the store's expiry from that made every session
   * created under a moved app clock (tests, a skewed server) expire at once or never.
   */
  private expiry(sess: session.SessionData): string {
    sess.expiresAt ??= new Date(this.clock().getTime() + (sess.cookie?.originalMaxAge ?? SESSION_HOURS * 3600_000)).toISOString();
    return sess.expiresAt;
  }
}

/**
 * Whether the request carries a session cookie (after cookie-parser, which moves `s:`-prefixed
 * values such as express-session's out of req.cookies into req.signedCookies).
 */
export function hasSessionCookie(req: Request): boolean {
  return req.cookies?.[SESSION_COOKIE] !== undefined || req.signedCookies?.[SESSION_COOKIE] !== undefined;
}

export function sessionMiddleware(config: Config, store: Store, clock: () => Date) {
  return session({
    name: SESSION_COOKIE,
    secret: deriveKey(config.sessionSecret, 'session').toString('hex'),
    store: new PortSessionStore(store, clock),
    resave: false,
    saveUninitialized: false,
    rolling: false,
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      secure: config.secureCookies,
      maxAge: SESSION_HOURS * 3600_000,
      path: '/',
    },
  });
}
