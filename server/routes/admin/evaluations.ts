import { Router, type Request, type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { fundingRates, LEAF_LEVEL, MEASURES, RULE_KINDS, type EvaluationData } from '../../domain/evaluation';
import { ForbiddenError, NotFoundError } from '../../errors';
import { sendDownloadHeaders } from '../../http/download';
import type { Deps } from '../../services/context';
import {
  bindIndicator,
  createEvaluation,
  editTree,
  getEvaluation,
  listEvaluations,
  lockEvaluation,
  scorecardModel,
  setScore,
  unbindIndicator,
  unlockEvaluation,
  updateFunding,
  updateGrades,
  updateProject,
} from '../../services/evaluations';
import { prepareScorecardExport, printScorecard } from '../../services/evaluation-exports';
import { importSources } from '../../services/rectification';
import { canManage } from '../../services/permissions';
import { parseInput } from '../../services/validate';
import { listSurveys } from '../../services/surveys';
import { listSites } from '../../services/sites';
import {
  bindingForm,
  bindingInput,
  emptyBindingForm,
  fieldsOf,
  FUNDING_FIELDS,
  fundingForm,
  fundingInput,
  gradesForm,
  gradesInput,
  nodePath,
  projectForm,
  scoreForm,
  scoreInput,
  treeEditInput,
  viewHelpers,
  failureOf, flash, type Failure, type Form,
} from './evaluation-forms';

type Req = Request;
type Res = Response;

const idOf = (req: Req) => String(req.params.id ?? '');
const nodeOf = (req: Req) => String(req.params.nodeId ?? '');
const body = (req: Req) => (req.body ?? {}) as Record<string, unknown>;
const formatSchema = z.enum(['xlsx', 'csv']);

/**
 * /admin/evaluations: the list, the scorecard, and the pages that change it (project and funding,
 * indicator tree, one indicator's score or binding). Everyone signed in may look; admins and
 * evaluators change; only admins unlock. Every form works without JavaScript.
 */
export function evaluationsRouter(deps: Deps): Router {
  const router = Router();
  const manage: RequestHandler = (req, _res, next) => next(canManage(req.actor) ? undefined : new ForbiddenError());
  const base = (id: string) => `/admin/evaluations/${encodeURIComponent(id)}`;

  const showList = async (req: Req, res: Res, failure: Failure | null = null) => {
    res.page(
      'admin/evaluations/list',
      {
        title: req.t('nav.evaluations'),
        evaluations: await listEvaluations(deps, req.actor),
        canManage: canManage(req.actor),
        importSources: canManage(req.actor) ? await importSources(deps, req.actor) : [],
        form: failure?.values ?? { name: req.t('evalui.defaultName'), period: '' },
        errors: failure?.errors ?? {},
        message: failure?.message ?? null,
        failedForm: failure?.form ?? null,
      },
      { status: failure?.status ?? 200 },
    );
  };

  router.get('/', (req, res) => showList(req, res));

  router.post('/', manage, async (req, res) => {
    const values = fieldsOf(body(req), ['name', 'period', 'template', 'importRectificationFrom']);
    try {
      const created = await createEvaluation(deps, req.actor, {
        name: values.name,
        period: values.period,
        template: values.template || 'reference',
        locale: req.locale,
        importRectificationFrom: values.importRectificationFrom || undefined,
      });
      flash(req, req.t('evalui.created', { name: created.record.name }));
      res.redirect(303, base(created.record.id));
    } catch (err) {
      await showList(req, res, failureOf(req, err, values.template === 'blank' ? 'blank' : 'reference', values));
    }
  });

  const showScorecard = async (req: Req, res: Res, failure: Failure | null = null) => {
    const model = await scorecardModel(deps, req.actor, idOf(req), req.locale);
    res.page(
      'admin/evaluations/show',
      {
        title: model.evaluation.record.name,
        model,
        canManage: canManage(req.actor),
        isAdmin: req.actor.role === 'admin' && req.actor.scope !== 'read',
        failure,
        ...viewHelpers(req.locale, deps.config.timeZone),
      },
      { status: failure?.status ?? 200 },
    );
  };

  router.get('/:id', (req, res) => showScorecard(req, res));

  router.post('/:id/lock', manage, async (req, res) => {
    const values = fieldsOf(body(req), ['updatedAt']);
    try {
      await lockEvaluation(deps, req.actor, idOf(req), values);
      flash(req, req.t('evalui.lock.done'));
      res.redirect(303, base(idOf(req)));
    } catch (err) {
      await showScorecard(req, res, failureOf(req, err, 'lock', values));
    }
  });

  router.post('/:id/unlock', manage, async (req, res) => {
    const values = fieldsOf(body(req), ['updatedAt', 'reason']);
    try {
      await unlockEvaluation(deps, req.actor, idOf(req), values);
      flash(req, req.t('evalui.unlock.done'));
      res.redirect(303, base(idOf(req)));
    } catch (err) {
      await showScorecard(req, res, failureOf(req, err, 'unlock', values));
    }
  });

  const showSettings = async (req: Req, res: Res, failure: Failure | null = null) => {
    const evaluation = await getEvaluation(deps, req.actor, idOf(req));
    const data = evaluation.data;
    const forms: Record<string, Form> = { project: projectForm(data), funding: fundingForm(data), grades: gradesForm(data) };
    if (failure) forms[failure.form] = failure.values;
    res.page(
      'admin/evaluations/settings',
      {
        title: `${req.t('evalui.settings.title')} · ${evaluation.record.name}`,
        evaluation,
        forms,
        failure,
        rates: fundingRates(data.funding),
        fundingProblems: evaluation.problems.filter((p) => p.key.startsWith('evaluation.funding.')),
        canManage: canManage(req.actor),
        ...viewHelpers(req.locale, deps.config.timeZone),
      },
      { status: failure?.status ?? 200 },
    );
  };

  router.get('/:id/settings', (req, res) => showSettings(req, res));

  const settingsPost = (path: string, form: string, names: string[], save: (req: Req, values: Record<string, string>) => Promise<unknown>, done: string) => {
    router.post(`/:id/${path}`, manage, async (req, res) => {
      const values = fieldsOf(body(req), names);
      try {
        await save(req, values);
        flash(req, req.t('evalui.saved'));
        res.redirect(303, `${base(idOf(req))}/${done}`);
      } catch (err) {
        await showSettings(req, res, failureOf(req, err, form, values));
      }
    });
  };
  settingsPost('project', 'project', ['updatedAt', 'name', 'period', 'commissioner', 'evaluator', 'subject'], (req, v) => updateProject(deps, req.actor, idOf(req), v), 'settings');
  settingsPost('funding', 'funding', ['updatedAt', ...FUNDING_FIELDS], (req, v) => updateFunding(deps, req.actor, idOf(req), fundingInput(v)), 'settings#funding');
  settingsPost('grades', 'grades', ['updatedAt', 'excellent', 'good', 'fair'], (req, v) => updateGrades(deps, req.actor, idOf(req), gradesInput(v)), 'settings#grades');

  const showTree = async (req: Req, res: Res, failure: Failure | null = null) => {
    const model = await scorecardModel(deps, req.actor, idOf(req), req.locale);
    res.page(
      'admin/evaluations/tree',
      { title: `${req.t('evalui.tree.title')} · ${model.evaluation.record.name}`, model, failure, canManage: canManage(req.actor), leafLevel: LEAF_LEVEL, ...viewHelpers(req.locale, deps.config.timeZone) },
      { status: failure?.status ?? 200 },
    );
  };

  router.get('/:id/tree', (req, res) => showTree(req, res));

  router.post('/:id/tree', manage, async (req, res) => {
    const values = fieldsOf(body(req), ['updatedAt', 'op', 'nodeId', 'parentId', 'name', 'points']);
    const formId = values.op === 'add' ? `add-${values.parentId || 'root'}` : `${values.op}-${values.nodeId}`;
    try {
      const saved = await editTree(deps, req.actor, idOf(req), treeEditInput(values), req.locale);
      flash(req, req.t(values.op === 'remove' ? 'evalui.tree.removed' : values.op === 'add' ? 'evalui.tree.added' : 'evalui.saved'));
      res.redirect(303, `${base(idOf(req))}/tree#node-${values.op === 'remove' ? 'top' : saved.nodeId}`);
    } catch (err) {
      await showTree(req, res, failureOf(req, err, formId, values));
    }
  });

  const showIndicator = async (req: Req, res: Res, failure: Failure | null = null) => {
    const model = await scorecardModel(deps, req.actor, idOf(req), req.locale);
    const node = model.scored.scorecard.nodes.find((n) => n.id === nodeOf(req));
    if (!node || !node.leaf) throw new NotFoundError();
    const data: EvaluationData = model.evaluation.data;
    const binding = data.bindings[node.id];
    const forms: Record<string, Form> = {
      score: scoreForm(data, node.id),
      binding: binding ? bindingForm(binding) : emptyBindingForm(),
    };
    if (failure) forms[failure.form] = failure.values;
    res.page(
      'admin/evaluations/indicator',
      {
        title: `${node.name} · ${model.evaluation.record.name}`,
        model,
        node,
        path: nodePath(data.tree, node.id),
        binding: binding ?? null,
        detail: model.bound[node.id] ?? null,
        forms,
        failure,
        surveys: await listSurveys(deps),
        sites: await listSites(deps, req.actor),
        measures: MEASURES,
        ruleKinds: RULE_KINDS,
        canManage: canManage(req.actor),
        ...viewHelpers(req.locale, deps.config.timeZone),
      },
      { status: failure?.status ?? 200 },
    );
  };

  router.get('/:id/indicators/:nodeId', (req, res) => showIndicator(req, res));

  router.post('/:id/indicators/:nodeId/score', manage, async (req, res) => {
    const values = fieldsOf(body(req), ['updatedAt', 'score', 'note']);
    try {
      await setScore(deps, req.actor, idOf(req), nodeOf(req), { updatedAt: values.updatedAt, ...scoreInput(values) });
      flash(req, req.t('evalui.saved'));
      res.redirect(303, `${base(idOf(req))}#node-${encodeURIComponent(nodeOf(req))}`);
    } catch (err) {
      await showIndicator(req, res, failureOf(req, err, 'score', values));
    }
  });

  router.post('/:id/indicators/:nodeId/binding', manage, async (req, res) => {
    const raw = body(req);
    const fields = fieldsOf(raw, ['updatedAt', 'dayFrom', 'dayTo', 'measure', 'ruleKind', 'target', 'deduction', 'floor', 'bands']);
    const values: Form = { ...fields, surveyIds: listOf(raw.surveyIds), siteIds: listOf(raw.siteIds) };
    try {
      await bindIndicator(deps, req.actor, idOf(req), nodeOf(req), { updatedAt: fields.updatedAt, ...bindingInput(values) });
      flash(req, req.t('evalui.binding.saved'));
      res.redirect(303, `${base(idOf(req))}/indicators/${encodeURIComponent(nodeOf(req))}`);
    } catch (err) {
      await showIndicator(req, res, failureOf(req, err, 'binding', values));
    }
  });

  router.post('/:id/indicators/:nodeId/unbind', manage, async (req, res) => {
    const values = fieldsOf(body(req), ['updatedAt']);
    try {
      await unbindIndicator(deps, req.actor, idOf(req), nodeOf(req), values);
      flash(req, req.t('evalui.binding.removed'));
      res.redirect(303, `${base(idOf(req))}/indicators/${encodeURIComponent(nodeOf(req))}`);
    } catch (err) {
      await showIndicator(req, res, failureOf(req, err, 'unbind', values));
    }
  });

  router.get('/:id/print', async (req, res) => {
    const model = await printScorecard(deps, req.actor, idOf(req), req.locale);
    res.page('admin/evaluations/print', { title: model.evaluation.record.name, model, printedAt: deps.clock().toISOString(), stylesheet: 'scorecard', ...viewHelpers(req.locale, deps.config.timeZone) }, { layout: 'layouts/print' });
  });

  router.get('/:id/scorecard.:format', async (req, res) => {
    const format = parseInput(formatSchema, req.params.format);
    const job = await prepareScorecardExport(deps, req.actor, idOf(req), format, req.locale);
    sendDownloadHeaders(res, job.download);
    await job.write(res);
  });

  return router;
}

const listOf = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' && v ? [v] : []);
