import { Router } from 'express';
import type { Deps } from '../../services/context';
import { crossTab } from '../../services/responses-view';
import { setExclusion } from '../../services/review';
import { computeDashboard, parseFilters } from '../../services/statistics';

/** Statistics over the API, with the dashboard's filters as query parameters. */
export function statsApi(deps: Deps): Router {
  const router = Router();
  router.get('/surveys/:id/stats', async (req, res) => {
    res.json(await computeDashboard(deps, req.actor, req.params.id, parseFilters(req.query)));
  });
  router.get('/surveys/:id/crosstab', async (req, res) => {
    const row = typeof req.query.row === 'string' ? req.query.row : '';
    const col = typeof req.query.col === 'string' ? req.query.col : '';
    res.json(await crossTab(deps, req.actor, req.params.id, parseFilters(req.query), row, col));
  });
  router.post('/responses/:id/exclusion', async (req, res) => {
    const r = await setExclusion(deps, req.actor, req.params.id, req.body);
    res.json({ response: { id: r.id, excluded: r.excluded, excludedReason: r.excludedReason, excludedAt: r.excludedAt } });
  });
  return router;
}
