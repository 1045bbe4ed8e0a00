import { Router } from 'express';
import { z } from 'zod';
import { AppError, NotFoundError } from '../../errors';
import { requireRole } from '../../http/auth';
import { audit } from '../../services/audit';
import type { Deps } from '../../services/context';
import { createApiToken } from '../../services/tokens';
import { createUser } from '../../services/users';

const asList = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : typeof v === 'string' && v ? [v] : []);

export function usersRouter(deps: Deps): Router {
  const router = Router();
  router.use(requireRole('admin'));

  const show = async (req: Parameters<Parameters<Router['get']>[1]>[0], res: Parameters<Parameters<Router['get']>[1]>[1], extra: Record<string, unknown> = {}, status = 200) => {
    const [users, sites] = await Promise.all([deps.store.users.list(), deps.store.sites.list()]);
    res.page('admin/users', { title: req.t('nav.users'), users, sites, errors: {}, form: { username: '', role: 'evaluator', siteIds: [] }, newToken: null, ...extra }, { status });
  };

  router.get('/', async (req, res) => show(req, res));

  router.post('/', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const form = { username: String(body.username ?? ''), password: String(body.password ?? ''), role: String(body.role ?? ''), siteIds: asList(body.siteIds) };
    try {
      await createUser(deps, form, req.actor);
      res.redirect(303, '/admin/users');
    } catch (err) {
      if (err instanceof AppError && err.status < 500) {
        const errors: Record<string, string> = {};
        for (const [k, v] of Object.entries(err.fields ?? { username: { key: err.messageKey, params: err.params } })) errors[k] = req.t(v.key, v.params);
        return show(req, res, { errors, form: { ...form, password: '' } }, err.status);
      }
      throw err;
    }
  });

  router.post('/:id/tokens', async (req, res) => {
    const user = await deps.store.users.get(req.params.id);
    if (!user) throw new NotFoundError();
    const scope = z.enum(['read', 'write']).catch('read').parse((req.body as Record<string, unknown>).scope);
    const { token } = await createApiToken(deps, user, { name: 'web', scope }, req.actor);
    await show(req, res, { newToken: { username: user.username, token } });
  });

  router.post('/:id/active', async (req, res) => {
    const user = await deps.store.users.get(req.params.id);
    if (!user) throw new NotFoundError();
    const active = (req.body as Record<string, unknown>).active === 'true';
    if (user.id === req.user!.id && !active) throw new AppError(409, 'conflict', 'error.forbidden');
    await deps.store.users.update(user.id, { active, lockedUntil: null, failedLogins: 0, updatedAt: deps.clock().toISOString() });
    if (!active) await deps.store.sessions.destroyForUser(user.id);
    await audit(deps, req.actor, active ? 'user.activate' : 'user.deactivate', { type: 'user', id: user.id });
    res.redirect(303, '/admin/users');
  });

  return router;
}
