import { Router } from 'express';
import { requireUser, requireWriteScope } from '../../http/auth';
import type { Deps } from '../../services/context';
import { publicUser } from '../../services/users';
import { statsApi } from './stats';
import { surveysApi } from './surveys';
import { sitesApi } from './sites';

/** /api/v1: JSON over the same services; a session or a bearer token is required for every route. */
export function apiRouter(deps: Deps): Router {
  void deps;
  const router = Router();
  router.use(requireUser, requireWriteScope);
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.get('/me', (req, res) => {
    res.json({ user: publicUser(req.user!), scope: req.apiTokenScope ?? 'session' });
  });
  router.use('/sites', sitesApi(deps));
  router.use('/surveys', surveysApi(deps));
  router.use(statsApi(deps));
  return router;
}
