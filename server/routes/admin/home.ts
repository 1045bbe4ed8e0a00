import { Router } from 'express';
import type { Deps } from '../../services/context';

export function homeRouter(deps: Deps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const [sites, surveys] = await Promise.all([deps.store.sites.list(), deps.store.surveys.list()]);
    const responses = surveys.reduce((n, s) => n + s.responseCount, 0);
    res.page('admin/home', { title: req.t('home.title'), counts: { sites: sites.length, surveys: surveys.length, responses } });
  });
  return router;
}
