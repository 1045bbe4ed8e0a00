import { Router } from 'express';
import type { Deps } from '../../services/context';
import { getHome } from '../../services/home';
import { stationCases } from '../../services/cases';

export function homeRouter(deps: Deps): Router {
  const router = Router();
  router.get('/', async (req, res) => {
    const home = await getHome(deps, req.actor);
    if (home.kind === 'station') {
      const cases = await stationCases(deps, req.actor);
      const caseSites = new Map(home.stations.map((s) => [s.site.id, s.site]));
      return res.page('admin/station-home', { title: req.t('home.title'), stations: home.stations, open: home.open, cases, caseSites, timeZone: deps.config.timeZone });
    }
    else res.page('admin/home', { title: req.t('home.title'), counts: home.counts });
  });
  return router;
}
