import { Router, type RequestHandler } from 'express';
import { cleanSnippet } from '../domain/text-input';
import { CHANGE_PASSWORD_PATH } from '../http/auth';
import { audit } from '../services/audit';
import type { Deps } from '../services/context';
import { actorOf, authenticate } from '../services/users';

const NOTICES = { loggedOut: 'login.loggedOut', required: 'login.required' } as const;

/** Only same-site paths may be a post-login destination (no open redirect). */
export function safeNext(value: unknown): string {
  return typeof value === 'string' && /^\/(?![/\\])[\x21-\x7e]*$/.test(value) ? value : '/admin';
}

export function authRouter(deps: Deps, loginLimiter: RequestHandler): Router {
  const router = Router();

  router.get('/', (req, res) => res.redirect(303, req.user ? '/admin' : '/login'));

  router.get('/login', (req, res) => {
    if (req.user) return res.redirect(303, '/admin');
    const notice = typeof req.query.notice === 'string' && req.query.notice in NOTICES ? NOTICES[req.query.notice as keyof typeof NOTICES] : null;
    res.page(
      'auth/login',
      { title: req.t('login.title'), next: safeNext(req.query.next), error: null, username: '', notice: notice ? req.t(notice) : null },
      { layout: 'layouts/public' },
    );
  });

  router.post('/login', loginLimiter, async (req, res, next) => {
    const body = req.body as Record<string, unknown>;
    const username = typeof body.username === 'string' ? body.username : '';
    const password = typeof body.password === 'string' ? body.password : '';
    const nextPath = safeNext(body.next);
    const result = await authenticate(deps, username, password);
    if (!result.ok) {
      const error = result.reason === 'locked' ? req.t('login.locked', { minutes: result.minutes }) : req.t('login.failed');
      if (result.reason === 'invalid') {
        await audit(deps, req.actor, 'login.failed', { type: 'user' }, { username: cleanSnippet(username, 40) });
      }
      return res.page(
        'auth/login',
        { title: req.t('login.title'), next: nextPath, error, username: username.slice(0, 40), notice: null },
        { layout: 'layouts/public', status: result.reason === 'locked' ? 429 : 401 },
      );
    }
    // A new session id at login: a session id planted before login is worthless (no fixation).
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.userId = result.user.id;
      req.session.save(async (err2) => {
        if (err2) return next(err2);
        await audit(deps, actorOf(result.user), 'login', { type: 'user', id: result.user.id });
        // After a reset the one-time password leads only to choosing a new one.
        res.redirect(303, result.user.mustChangePassword ? CHANGE_PASSWORD_PATH : nextPath);
      });
    });
  });

  router.post('/logout', (req, res, next) => {
    const user = req.user;
    req.session.destroy(async (err) => {
      if (err) return next(err);
      res.clearCookie('manyi.sid', { path: '/' });
      if (user) await audit(deps, actorOf(user), 'logout', { type: 'user', id: user.id });
      res.redirect(303, '/login?notice=loggedOut');
    });
  });

  return router;
}
