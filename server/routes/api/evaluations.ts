import { Router, type Request } from 'express';
import type { Deps } from '../../services/context';
import {
  bindIndicator,
  createEvaluation,
  getEvaluation,
  listEvaluations,
  lockEvaluation,
  replaceTree,
  scorecardModel,
  setScore,
  unbindIndicator,
  unlockEvaluation,
  updateEvaluation,
  type EvaluationWithProblems,
} from '../../services/evaluations';
import { evaluationForApi, scoreReport } from '../../services/evaluation-api';
import { reportDocx } from '../../services/report';
import { today, updateRectificationItem } from '../../services/rectification';
import { DOCX_TYPE } from '../admin/evaluation-report';

const idOf = (req: Request) => String(req.params.id ?? '');
const indicatorOf = (req: Request) => String(req.params.indicatorId ?? '');

/**
 * /api/v1/evaluations: the scorecard over JSON. Every write carries the `updatedAt` it was based
 * on (409 when someone saved since); the answer is the evaluation with its funding block (rates,
 * 核对提示) and its problems in words.
 */
export function evaluationsApi(deps: Deps): Router {
  const router = Router();

  const out = (req: Request, e: EvaluationWithProblems) => evaluationForApi(e, req.locale, today(deps));

  router.get('/', async (req, res) => {
    const records = await listEvaluations(deps, req.actor);
    res.json({ evaluations: records.map(({ data: _data, ...r }) => r) });
  });

  router.post('/', async (req, res) => {
    const body: unknown = req.body ?? {};
    const created = await createEvaluation(deps, req.actor, body && typeof body === 'object' && !Array.isArray(body) ? { locale: req.locale, ...body } : body);
    res.status(201).location(`/api/v1/evaluations/${created.record.id}`).json(out(req, await getEvaluation(deps, req.actor, created.record.id)));
  });

  router.get('/:id', async (req, res) => {
    res.json(out(req, await getEvaluation(deps, req.actor, idOf(req))));
  });

  router.patch('/:id', async (req, res) => {
    res.json(out(req, await updateEvaluation(deps, req.actor, idOf(req), req.body)));
  });

  router.put('/:id/indicators', async (req, res) => {
    res.json(out(req, await replaceTree(deps, req.actor, idOf(req), req.body)));
  });

  router.put('/:id/scores/:indicatorId', async (req, res) => {
    res.json(out(req, await setScore(deps, req.actor, idOf(req), indicatorOf(req), req.body)));
  });

  router.put('/:id/bindings/:indicatorId', async (req, res) => {
    res.json(out(req, await bindIndicator(deps, req.actor, idOf(req), indicatorOf(req), req.body)));
  });

  // DELETE may carry no body: updatedAt then comes from the query string.
  router.delete('/:id/bindings/:indicatorId', async (req, res) => {
    const body = req.body && typeof req.body === 'object' && Object.keys(req.body).length ? req.body : { updatedAt: req.query.updatedAt };
    res.json(out(req, await unbindIndicator(deps, req.actor, idOf(req), indicatorOf(req), body)));
  });

  // 整改 items stay editable after the lock.
  router.patch('/:id/rectification/:itemId', async (req, res) => {
    const { evaluation } = await updateRectificationItem(deps, req.actor, idOf(req), String(req.params.itemId ?? ''), req.body);
    res.json(out(req, evaluation));
  });

  router.post('/:id/lock', async (req, res) => {
    res.json(out(req, await lockEvaluation(deps, req.actor, idOf(req), req.body)));
  });

  router.post('/:id/unlock', async (req, res) => {
    res.json(out(req, await unlockEvaluation(deps, req.actor, idOf(req), req.body)));
  });

  router.get('/:id/score', async (req, res) => {
    res.json(scoreReport(await scorecardModel(deps, req.actor, idOf(req), req.locale), req.locale));
  });

  router.get('/:id/report.docx', async (req, res) => {
    const { buffer, fileName, sha256 } = await reportDocx(deps, req.actor, idOf(req), req.locale);
    res.attachment(fileName);
    res.type(DOCX_TYPE);
    res.set('ETag', `"${sha256}"`);
    res.send(buffer);
  });

  return router;
}
