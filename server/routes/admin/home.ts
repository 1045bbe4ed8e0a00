import { Router } from 'express';
import type { Deps } from '../../services/context';
import { getHome } from '../../services/home';

export function homeRouter(deps: Deps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const home = await getHome(deps, req.actor);
    if (home.kind === 'station') res.page('admin/station-home', { title: req.t('home.title'), stations: home.stations, open: home.open });
    else res.page('admin/home', { title: req.t('home.title'), counts: home.counts });
  });
  return router;
}
