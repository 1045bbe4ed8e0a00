import { Router } from 'express';
import { z } from 'zod';
import { statsForApi } from '../../services/api-stats';
import { surveyCaseMetrics } from '../../services/cases';
import { surveyMetricsForApi } from '../../services/cases-api';
import type { Deps } from '../../services/context';
import { crossTab } from '../../services/responses-view';
import { computeDashboard, resolveFilters } from '../../services/statistics';
import { parseInput } from '../../services/validate';

/** The two questions of a cross-tab, by id: both required (a missing one is a 400, not a 404). */
export const crossTabQuery = z.object({ row: z.string().min(1).max(32), col: z.string().min(1).max(32) });

/** Statistics over the API, with the dashboard's filters as query parameters; rates as fractions. */
export function statsApi(deps: Deps): Router {
  const router = Router();
  router.get('/surveys/:id/stats', async (req, res) => {
    const filters = await resolveFilters(deps, req.params.id, req.query);
    const stats = statsForApi(await computeDashboard(deps, req.actor, req.params.id, filters));
    res.json({ ...stats, cases: surveyMetricsForApi(await surveyCaseMetrics(deps, req.actor, req.params.id)) });
  });
  router.get('/surveys/:id/crosstab', async (req, res) => {
    const { row, col } = parseInput(crossTabQuery, { row: req.query.row, col: req.query.col });
    res.json(await crossTab(deps, req.actor, req.params.id, await resolveFilters(deps, req.params.id, req.query), row, col));
  });
  return router;
}
