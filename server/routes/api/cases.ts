import { Router } from 'express';
import { assertMayTakeSteps, caseDetail, recordStep, surveyCases } from '../../services/cases';
import { caseForApi } from '../../services/cases-api';
import { caseStepSchema, stepFromBody } from '../../services/case-step-input';
import type { Deps } from '../../services/context';
import { parseInput } from '../../services/validate';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

/** 以评促改 over the API: a survey's cases, one case, one step. Contacts are never part of it. */
export function casesApi(deps: Deps): Router {
  const router = Router();
  router.get('/surveys/:id/cases', async (req, res) => {
    const cases = await surveyCases(deps, req.actor, req.params.id, { siteId: str(req.query.site), status: str(req.query.status), late: req.query.late === '1' || req.query.late === 'true' });
    res.json({ cases: cases.map(caseForApi) });
  });
  router.get('/cases/:id', async (req, res) => {
    const d = await caseDetail(deps, req.actor, req.params.id, { withContact: false });
    res.json({ case: caseForApi(d.case) });
  });
  router.patch('/cases/:id', async (req, res) => {
    assertMayTakeSteps(req.actor);
    const body = parseInput(caseStepSchema, req.body);
    await recordStep(deps, req.actor, req.params.id, stepFromBody(body), body.updatedAt);
    const d = await caseDetail(deps, req.actor, req.params.id, { withContact: false });
    res.json({ case: caseForApi(d.case) });
  });
  return router;
}
