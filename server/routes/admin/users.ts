import { Router, type Request, type Response } from 'express';
import type { User } from '../../../models/user';
import { accountStates } from '../../domain/accounts';
import { localDateTime } from '../../domain/time';
import { AppError } from '../../errors';
import { requireRole } from '../../http/auth';
import type { Deps } from '../../services/context';
import { listSites } from '../../services/sites';
import { createTokenForUser, createUser, getUser, listUsers, resetPassword, setUserActive, updateUserAccess } from '../../services/users';

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : typeof v === 'string' && v ? [v] : []);
const text = (v: unknown) => (typeof v === 'string' ? v : '');
const idOf = (req: Request) => (typeof req.params.id === 'string' ? req.params.id : '');

interface AccessForm {
  role: string;
  siteIds: string[];
}

/** /admin/users: administrators only. Every change goes through services/users.ts and is audited there. */
export function usersRouter(deps: Deps): Router {
  const router = Router();
  router.use(requireRole('admin'));

  const errorsOf = (req: Request, err: AppError, fallbackField: string): Record<string, string> => {
    const errors: Record<string, string> = {};
    for (const [k, v] of Object.entries(err.fields ?? { [fallbackField]: { key: err.messageKey, params: err.params } })) errors[k] = req.t(v.key, v.params);
    return errors;
  };

  /** Helpers the views use to show states and times (in the configured zone, named). */
  const viewHelpers = () => {
    const zone = deps.config.timeZone;
    return {
      statesOf: (u: User) => accountStates(u, deps.clock()),
      when: (iso: string) => `${localDateTime(iso, zone).slice(0, 16)} (${zone})`,
    };
  };

  const flash = (req: Request, message: string) => {
    req.session.flash = [...(req.session.flash ?? []), { kind: 'ok', text: message }];
  };

  const showList = async (req: Request, res: Response, extra: Record<string, unknown> = {}, status = 200) => {
    const [users, sites] = await Promise.all([listUsers(deps, req.actor), listSites(deps, req.actor)]);
    res.page(
      'admin/users/list',
      { title: req.t('nav.users'), users, sites, errors: {}, form: { username: '', role: 'evaluator', siteIds: [] }, ...viewHelpers(), ...extra },
      { status },
    );
  };

  const showUser = async (req: Request, res: Response, target: User, extra: { errors?: Record<string, string>; form?: AccessForm; newToken?: string | null } = {}, status = 200) => {
    const sites = await listSites(deps, req.actor);
    res.page(
      'admin/users/edit',
      {
        title: req.t('users.editOf', { username: target.username }),
        target,
        sites,
        errors: {},
        form: { role: target.role, siteIds: target.siteIds },
        newToken: null,
        ...viewHelpers(),
        ...extra,
      },
      { status },
    );
  };

  router.get('/', async (req, res) => showList(req, res));

  router.post('/', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const form = { username: text(body.username), password: text(body.password), role: text(body.role), siteIds: asList(body.siteIds) };
    try {
      await createUser(deps, form, req.actor);
      res.redirect(303, '/admin/users');
    } catch (err) {
      if (err instanceof AppError && (err.status === 400 || err.status === 409)) {
        return showList(req, res, { errors: errorsOf(req, err, 'username'), form: { ...form, password: '' } }, err.status);
      }
      throw err;
    }
  });

  router.get('/:id', async (req, res) => showUser(req, res, await getUser(deps, req.actor, idOf(req))));

  router.post('/:id', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const form: AccessForm = { role: text(body.role), siteIds: asList(body.siteIds) };
    const target = await getUser(deps, req.actor, idOf(req));
    try {
      const updated = await updateUserAccess(deps, req.actor, target.id, form);
      const changed = updated.role !== target.role || updated.siteIds.join() !== target.siteIds.join();
      flash(req, req.t(changed ? 'users.updated' : 'users.unchanged', { username: target.username }));
      res.redirect(303, `/admin/users/${target.id}`);
    } catch (err) {
      if (err instanceof AppError && err.status === 400) return showUser(req, res, target, { errors: errorsOf(req, err, 'role'), form }, 400);
      throw err;
    }
  });

  // The one-time password is in this response only: no redirect, no flash, nothing stored in clear.
  router.post('/:id/password', async (req, res) => {
    const { user, password } = await resetPassword(deps, req.actor, idOf(req));
    res.page('admin/users/reset', { title: req.t('users.resetTitle'), target: user, password });
  });

  router.post('/:id/active', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const user = await setUserActive(deps, req.actor, idOf(req), body.active === 'true');
    flash(req, req.t(user.active ? 'users.activated' : 'users.deactivated', { username: user.username }));
    res.redirect(303, body.back === 'user' ? `/admin/users/${user.id}` : '/admin/users');
  });

  router.post('/:id/tokens', async (req, res) => {
    const { user, token } = await createTokenForUser(deps, req.actor, idOf(req), (req.body as Record<string, unknown>).scope);
    await showUser(req, res, user, { newToken: token });
  });

  return router;
}
