import multer from 'multer';
import { Router, type Request, type RequestHandler, type Response } from 'express';
import { COMBINATION_RULES } from '../../domain/experts';
import { EVALUATION_METHODS, EVIDENCE_MAX_BYTES, EVIDENCE_TYPES, indicatorFactsOf, OUTLINES } from '../../domain/report/facts';
import { AppError, ForbiddenError, NotFoundError } from '../../errors';
import type { Deps } from '../../services/context';
import { expertSheet, expertsOverview, saveExpertSheet, scorableLeaves, setConsensus, updatePanel } from '../../services/experts';
import { getEvaluation, scorecardModel } from '../../services/evaluations';
import { canManage } from '../../services/permissions';
import { acceptCandidate, addEvidenceFile, readEvidenceFile, removeEvidenceFile, reportDocx, reportForPrint, reportModel, setIndicatorFacts, updateReportFacts } from '../../services/report';
import { fieldsOf, nodePath, numberOrText, viewHelpers, failureOf, flash, type Failure, type Form } from './evaluation-forms';
import { FACT_PARTS, factsForms, factsInput, indicatorFactsForm, postedForm, rowErrors, sheetInput, type FactPart } from './report-forms';
import { listSurveys } from '../../services/surveys';

type Req = Request;
type Res = Response;

const idOf = (req: Req) => String(req.params.id ?? '');
const nodeOf = (req: Req) => String(req.params.nodeId ?? '');
const body = (req: Req) => (req.body ?? {}) as Record<string, unknown>;
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' && v ? [v] : []);

export const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** Where evidenceUpload() leaves what went wrong with the upload (res.locals), for the route to say. */
export const UPLOAD_ERROR = 'evidenceUploadError';

/** Throws what went wrong with an evidence upload (too large: 413, unreadable: 400) as an error on the file field. */
export function throwUploadProblem(res: Res): void {
  const problem = res.locals[UPLOAD_ERROR] as 'tooLarge' | 'failed' | undefined;
  if (!problem) return;
  const key = problem === 'tooLarge' ? 'reportui.files.tooLarge' : 'reportui.files.failed';
  throw new AppError(problem === 'tooLarge' ? 413 : 400, problem === 'tooLarge' ? 'too_large' : 'validation', 'error.validation', {}, { file: { key, params: { max: EVIDENCE_MAX_BYTES / 1024 / 1024 } } });
}

/**
 * Parses the evidence upload form (one file in memory, at most EVIDENCE_MAX_BYTES, the name in
 * UTF-8). app.ts mounts it before the CSRF check, which reads `_csrf` from this body; the check
 * still runs on every upload. Only those who may change evaluations get a body parsed.
 */
export function evidenceUpload(): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    defParamCharset: 'utf8',
    limits: { fileSize: EVIDENCE_MAX_BYTES, files: 1, fields: 4, parts: 5, fieldSize: 4096, fieldNameSize: 100, headerPairs: 20 },
  }).single('file');
  return (req, res, next) => {
    if (!canManage(req.actor)) return next(new ForbiddenError());
    upload(req, res, (err: unknown) => {
      if (err) res.locals[UPLOAD_ERROR] = err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE' ? 'tooLarge' : 'failed';
      next();
    });
  };
}

/** The path of the upload form, for app.ts to mount evidenceUpload() on. */
export const EVIDENCE_UPLOAD_PATH = '/admin/evaluations/:id/report/indicators/:nodeId/files';

/**
 * /admin/evaluations/:id/report…: the report (print page and Word file), the pages that edit its
 * facts, each indicator's 指标解释/评分标准/佐证材料, evidence files, and expert scoring.
 */
export function evaluationReportRouter(deps: Deps): Router {
  const router = Router();
  const manage: RequestHandler = (req, _res, next) => next(canManage(req.actor) ? undefined : new ForbiddenError());
  const base = (id: string) => `/admin/evaluations/${encodeURIComponent(id)}`;
  const helpers = (req: Req) => viewHelpers(req.locale, deps.config.timeZone);

  router.get('/:id/report', async (req, res) => {
    const model = await reportForPrint(deps, req.actor, idOf(req), req.locale);
    res.page(
      'admin/evaluations/report',
      { title: model.document.title, model, doc: model.document, charts: model.charts, canManage: canManage(req.actor), stylesheet: 'evaluation-report', base: base(idOf(req)) },
      { layout: 'layouts/print' },
    );
  });

  router.get('/:id/report.docx', async (req, res) => {
    const { buffer, fileName } = await reportDocx(deps, req.actor, idOf(req), req.locale);
    res.attachment(fileName);
    res.type(DOCX_TYPE);
    res.set('Cache-Control', 'no-store');
    res.send(buffer);
  });

  const showFacts = async (req: Req, res: Res, failure: Failure | null = null) => {
    const model = await reportModel(deps, req.actor, idOf(req), req.locale);
    const evaluation = model.scorecard.evaluation;
    const forms = factsForms(evaluation.data.report) as Record<string, Form>;
    if (failure) forms[failure.form] = failure.values;
    res.page(
      'admin/evaluations/report-facts',
      {
        title: `${req.t('reportui.facts.title')} · ${evaluation.record.name}`,
        evaluation,
        forms,
        failure,
        candidates: model.candidates,
        leaves: model.scorecard.scored.scorecard.nodes.filter((n) => n.leaf),
        methods: EVALUATION_METHODS,
        outlines: OUTLINES,
        canManage: canManage(req.actor),
        base: base(idOf(req)),
        ...helpers(req),
      },
      { status: failure?.status ?? 200 },
    );
  };

  router.get('/:id/report/facts', (req, res) => showFacts(req, res));

  router.post('/:id/report/facts/:part', manage, async (req, res) => {
    const part = String(req.params.part) as FactPart;
    if (!FACT_PARTS.includes(part)) throw new NotFoundError();
    const values = postedForm(part, body(req));
    const { input, rows } = factsInput(part, values);
    try {
      await updateReportFacts(deps, req.actor, idOf(req), { updatedAt: fieldsOf(body(req), ['updatedAt']).updatedAt, ...input });
      flash(req, req.t('evalui.saved'));
      res.redirect(303, `${base(idOf(req))}/report/facts#${part}`);
    } catch (err) {
      await showFacts(req, res, failureOf(req, err, part, values, (e) => rowErrors(part, e, rows)));
    }
  });

  router.post('/:id/report/candidates', manage, async (req, res) => {
    const values = fieldsOf(body(req), ['updatedAt', 'key']);
    try {
      await acceptCandidate(deps, req.actor, idOf(req), req.locale, values);
      flash(req, req.t('reportui.candidates.accepted'));
      res.redirect(303, `${base(idOf(req))}/report/facts#problems`);
    } catch (err) {
      await showFacts(req, res, failureOf(req, err, 'candidates', values));
    }
  });

  router.get('/:id/report/indicators', async (req, res) => {
    const model = await scorecardModel(deps, req.actor, idOf(req), req.locale);
    res.page('admin/evaluations/report-indicators', {
      title: `${req.t('reportui.annex.title')} · ${model.evaluation.record.name}`,
      model,
      facts: model.evaluation.data.report,
      factsOf: (id: string) => indicatorFactsOf(model.evaluation.data.report, id),
      canManage: canManage(req.actor),
      base: base(idOf(req)),
      ...helpers(req),
    });
  });

  const showIndicator = async (req: Req, res: Res, failure: Failure | null = null) => {
    const model = await scorecardModel(deps, req.actor, idOf(req), req.locale);
    const node = model.scored.scorecard.nodes.find((n) => n.id === nodeOf(req));
    if (!node || !node.leaf) throw new NotFoundError();
    const data = model.evaluation.data;
    const facts = indicatorFactsOf(data.report, node.id);
    const forms: Record<string, Form> = { facts: indicatorFactsForm(facts) };
    if (failure) forms[failure.form] = failure.values;
    res.page(
      'admin/evaluations/report-indicator',
      {
        title: `${node.name} · ${req.t('reportui.annex.title')}`,
        model,
        node,
        path: nodePath(data.tree, node.id),
        facts,
        note: data.scores[node.id]?.note ?? '',
        ruleText: model.bound[node.id]?.ruleText ?? null,
        forms,
        failure,
        surveys: await listSurveys(deps),
        maxMb: EVIDENCE_MAX_BYTES / 1024 / 1024,
        timeZone: deps.config.timeZone,
        accept: Object.keys(EVIDENCE_TYPES).map((e) => `.${e}`).join(','),
        types: Object.keys(EVIDENCE_TYPES).join(', '),
        canManage: canManage(req.actor),
        base: base(idOf(req)),
        ...helpers(req),
      },
      { status: failure?.status ?? 200 },
    );
  };

  router.get('/:id/report/indicators/:nodeId', (req, res) => showIndicator(req, res));

  router.post('/:id/report/indicators/:nodeId', manage, async (req, res) => {
    const fields = fieldsOf(body(req), ['updatedAt', 'explanation', 'criteria']);
    const values: Form = { explanation: fields.explanation ?? '', criteria: fields.criteria ?? '', surveyRefs: list(body(req).surveyRefs) };
    try {
      await setIndicatorFacts(deps, req.actor, idOf(req), nodeOf(req), { ...fields, surveyRefs: values.surveyRefs });
      flash(req, req.t('evalui.saved'));
      res.redirect(303, `${base(idOf(req))}/report/indicators/${encodeURIComponent(nodeOf(req))}`);
    } catch (err) {
      await showIndicator(req, res, failureOf(req, err, 'facts', values));
    }
  });

  router.post('/:id/report/indicators/:nodeId/files', manage, async (req, res) => {
    const values = fieldsOf(body(req), ['updatedAt']);
    try {
      throwUploadProblem(res);
      const file = req.file ? { name: req.file.originalname, bytes: req.file.buffer } : null;
      const { file: saved } = await addEvidenceFile(deps, req.actor, idOf(req), nodeOf(req), { updatedAt: values.updatedAt, file });
      flash(req, req.t('reportui.files.added', { name: saved.name }));
      res.redirect(303, `${base(idOf(req))}/report/indicators/${encodeURIComponent(nodeOf(req))}#files`);
    } catch (err) {
      await showIndicator(req, res, failureOf(req, err, 'upload', values));
    }
  });

  router.post('/:id/report/indicators/:nodeId/files/:fileId/remove', manage, async (req, res) => {
    const values = fieldsOf(body(req), ['updatedAt']);
    try {
      await removeEvidenceFile(deps, req.actor, idOf(req), nodeOf(req), String(req.params.fileId), values);
      flash(req, req.t('reportui.files.removed'));
      res.redirect(303, `${base(idOf(req))}/report/indicators/${encodeURIComponent(nodeOf(req))}#files`);
    } catch (err) {
      await showIndicator(req, res, failureOf(req, err, 'remove', values));
    }
  });

  router.get('/:id/files/:fileId', async (req, res) => {
    const { file, data } = await readEvidenceFile(deps, req.actor, idOf(req), String(req.params.fileId));
    // Served as a download of the type its extension and first bytes were checked against, never sniffed or shown inline.
    res.attachment(file.name);
    res.type(file.type);
    res.set({ 'X-Content-Type-Options': 'nosniff', 'Content-Security-Policy': "default-src 'none'; sandbox", 'Cache-Control': 'private, no-store' });
    res.send(data);
  });

  const showExperts = async (req: Req, res: Res, failure: Failure | null = null) => {
    const overview = await expertsOverview(deps, req.actor, idOf(req));
    const data = overview.evaluation.data;
    const forms: Record<string, Form> = { panel: { rule: data.experts.rule, threshold: String(data.experts.threshold) } };
    if (failure) forms[failure.form] = failure.values;
    res.page(
      'admin/evaluations/experts',
      { title: `${req.t('reportui.experts.title')} · ${overview.evaluation.record.name}`, overview, forms, failure, timeZone: deps.config.timeZone, rules: COMBINATION_RULES, canManage: canManage(req.actor), isExpert: canManage(req.actor) && !!req.actor.id, base: base(idOf(req)), ...helpers(req) },
      { status: failure?.status ?? 200 },
    );
  };

  router.get('/:id/experts', (req, res) => showExperts(req, res));

  router.post('/:id/experts/panel', manage, async (req, res) => {
    const values = fieldsOf(body(req), ['updatedAt', 'rule', 'threshold']);
    try {
      await updatePanel(deps, req.actor, idOf(req), { updatedAt: values.updatedAt, rule: values.rule, threshold: numberOrText(values.threshold) });
      flash(req, req.t('evalui.saved'));
      res.redirect(303, `${base(idOf(req))}/experts`);
    } catch (err) {
      await showExperts(req, res, failureOf(req, err, 'panel', values));
    }
  });

  router.post('/:id/experts/consensus/:nodeId', manage, async (req, res) => {
    const values = fieldsOf(body(req), ['updatedAt', 'score', 'note']);
    try {
      const score = numberOrText(values.score);
      await setConsensus(deps, req.actor, idOf(req), nodeOf(req), { updatedAt: values.updatedAt, score: score === undefined ? null : score, note: values.note });
      flash(req, req.t('evalui.saved'));
      res.redirect(303, `${base(idOf(req))}/experts#consensus-${encodeURIComponent(nodeOf(req))}`);
    } catch (err) {
      await showExperts(req, res, failureOf(req, err, `consensus-${nodeOf(req)}`, values));
    }
  });

  const showSheet = async (req: Req, res: Res, failure: Failure | null = null) => {
    const model = await expertSheet(deps, req.actor, idOf(req));
    const values: Form = Object.fromEntries(model.leaves.map((n) => [`score.${n.id}`, model.sheet?.scores[n.id] === undefined ? '' : String(model.sheet.scores[n.id])]));
    res.page(
      'admin/evaluations/expert-sheet',
      { title: `${req.t('reportui.sheet.title')} · ${model.evaluation.record.name}`, model, values: failure?.values ?? values, failure, base: base(idOf(req)), path: (id: string) => nodePath(model.evaluation.data.tree, id), ...helpers(req) },
      { status: failure?.status ?? 200 },
    );
  };

  router.get('/:id/experts/sheet', manage, (req, res) => showSheet(req, res));

  router.post('/:id/experts/sheet', manage, async (req, res) => {
    const evaluation = await getEvaluation(deps, req.actor, idOf(req));
    const { values, input } = sheetInput(body(req), scorableLeaves(evaluation.data).map((n) => n.id));
    try {
      await saveExpertSheet(deps, req.actor, idOf(req), { updatedAt: fieldsOf(body(req), ['updatedAt']).updatedAt, ...input });
      flash(req, req.t('reportui.sheet.saved'));
      res.redirect(303, `${base(idOf(req))}/experts`);
    } catch (err) {
      await showSheet(req, res, failureOf(req, err, 'sheet', values));
    }
  });

  return router;
}
