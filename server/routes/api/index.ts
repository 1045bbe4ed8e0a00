import { Router } from 'express';
import { requirePasswordChanged, requireUser, requireWriteScope } from '../../http/auth';
import { requireJsonBody } from '../../http/body-guard';
import type { Deps } from '../../services/context';
import { publicUser } from '../../services/users';
import { openApiDocument } from './openapi';
import { responsesApi } from './responses';
import { evaluationsApi } from './evaluations';
import { statsApi } from './stats';
import { surveysApi } from './surveys';
import { sitesApi } from './sites';
import { casesApi } from './cases';

/** /api/v1: JSON over the same services; a session or a bearer token is required for every route. */
export function apiRouter(deps: Deps): Router {
  const router = Router();
  // The CSV import also takes text/csv bytes; every other body is JSON.
  router.use(requireUser, requirePasswordChanged, requireWriteScope, requireJsonBody(['/sites/import']));
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.get('/openapi.json', (_req, res) => {
    res.json(openApiDocument(deps.config.publicBaseUrl));
  });
  router.get('/me', (req, res) => {
    res.json({ user: publicUser(req.user!), scope: req.apiTokenScope ?? 'session' });
  });
  router.use('/sites', sitesApi(deps));
  router.use('/surveys', surveysApi(deps));
  router.use('/evaluations', evaluationsApi(deps));
  router.use(statsApi(deps));
  router.use(responsesApi(deps));
  router.use(casesApi(deps));
  return router;
}
