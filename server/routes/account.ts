import { Router, type Request, type RequestHandler, type Response } from 'express';
import { AppError } from '../errors';
import { CHANGE_PASSWORD_PATH, requireUser } from '../http/auth';
import type { Deps } from '../services/context';
import { changeOwnPassword } from '../services/users';

/**
 * /account: what every logged-in person does for themself, whatever their role. Outside /admin, so
 * that someone who must change their password can reach this page and nothing else.
 */
export function accountRouter(deps: Deps, changeLimiter: RequestHandler): Router {
  const router = Router();
  router.use('/account', requireUser, (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });

  const show = (req: Request, res: Response, errors: Record<string, string> = {}, status = 200) => {
    res.page('account/password', { title: req.t('account.title'), errors, forced: req.user!.mustChangePassword }, { status });
  };

  router.get(CHANGE_PASSWORD_PATH, (req, res) => show(req, res));

  router.post(CHANGE_PASSWORD_PATH, changeLimiter, async (req, res, next) => {
    let user;
    try {
      user = await changeOwnPassword(deps, req.actor, req.body);
    } catch (err) {
      // Passwords are never sent back into the form: the page shows which field to fix.
      if (err instanceof AppError && err.status === 400 && err.fields) {
        const errors: Record<string, string> = {};
        for (const [k, v] of Object.entries(err.fields)) errors[k] = req.t(v.key, v.params);
        return show(req, res, errors, 400);
      }
      throw err;
    }
    // Every session of this person has ended; this browser gets a new one (a new id).
    req.session.regenerate((err) => {
      if (err) return next(err);
      req.session.userId = user.id;
      req.session.flash = [{ kind: 'ok', text: req.t('account.changed') }];
      req.session.save((err2) => (err2 ? next(err2) : res.redirect(303, '/admin')));
    });
  });

  return router;
}
