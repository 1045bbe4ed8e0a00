import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../services/context';
import { crossTab } from '../../services/responses-view';
import { computeDashboard, parseFilters } from '../../services/statistics';
import { parseInput } from '../../services/validate';

/** The two questions of a cross-tab, by id: both required (a missing one is a 400, not a 404). */
const crossTabQuery = z.object({ row: z.string().min(1).max(32), col: z.string().min(1).max(32) });

/** Statistics over the API, with the dashboard's filters as query parameters. */
export function statsApi(deps: Deps): Router {
  const router = Router();
  router.get('/surveys/:id/stats', async (req, res) => {
    res.json(await computeDashboard(deps, req.actor, req.params.id, parseFilters(req.query)));
  });
  router.get('/surveys/:id/crosstab', async (req, res) => {
    const { row, col } = parseInput(crossTabQuery, { row: req.query.row, col: req.query.col });
    res.json(await crossTab(deps, req.actor, req.params.id, parseFilters(req.query), row, col));
  });
  return router;
}
