import { Router, type Request, type Response } from 'express';
import { DIMENSIONS, QUESTION_TYPES, type Question, type Survey } from '../../../models/survey';
import { POSTER_STAGES, surveyStage } from '../../domain/lifecycle';
import { nextStatuses } from '../../domain/survey-definition';
import { localDateTime } from '../../domain/time';
import { AppError, NotFoundError } from '../../errors';
import type { Deps } from '../../services/context';
import { canManage } from '../../services/permissions';
import { listPublications, publishAtSites } from '../../services/publications';
import { listSites } from '../../services/sites';
import { countTestResponses } from '../../services/test-responses';
import {
  createFromTemplate,
  createSurvey,
  deleteSurvey,
  editQuestions,
  getSurvey,
  listSurveys,
  listVersions,
  setSurveyStatus,
  shortId,
  updateSurveyMeta,
} from '../../services/surveys';

type Body = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : '');
const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' && v ? [v] : []);
const optionalNumber = (v: unknown) => (str(v).trim() === '' ? null : Number(str(v)));
/** datetime-local (local time in the survey's zone is what evaluators type) → ISO with offset. */
const localToIso = (v: unknown, offset: string) => (str(v).trim() === '' ? null : `${str(v).trim()}:00${offset}`);

function translateErrors(req: Request, err: AppError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(err.fields ?? { form: { key: err.messageKey, params: err.params } })) out[k] = req.t(v.key, v.params);
  return out;
}

/** +08:00 for Asia/Shanghai: the offset used to read datetime-local inputs. */
function zoneOffset(timeZone: string, at: Date): string {
  const name = new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-]\d{2}:\d{2})?/.exec(name);
  return m?.[1] ?? '+00:00';
}

/**
 * ISO instant → the value of a datetime-local input in the survey's time zone. A value that is no
 * instant (a refused input such as 2026-13-01T10:00) goes back as it was typed.
 */
const toLocalInput = (timeZone: string) => (iso: string | null) => {
  if (!iso) return '';
  if (Number.isNaN(Date.parse(iso))) return iso.replace(/:00(?:[+-]\d{2}:\d{2}|Z)$/, '');
  return localDateTime(iso, timeZone).replace(' ', 'T').slice(0, 16);
};

export function surveysRouter(deps: Deps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const surveys = await listSurveys(deps);
    res.page('admin/surveys/list', { title: req.t('nav.surveys'), surveys, canManage: canManage(req.actor), stageOf: (s: Survey) => surveyStage(s, deps.clock()) });
  });

  router.post('/from-template', async (req, res) => {
    const survey = await createFromTemplate(deps, req.actor, { locale: str((req.body as Body).locale) || req.locale });
    res.redirect(303, `/admin/surveys/${survey.id}`);
  });

  router.post('/', async (req, res) => {
    const body = req.body as Body;
    try {
      const survey = await createSurvey(deps, req.actor, { title: str(body.title), locale: req.locale });
      res.redirect(303, `/admin/surveys/${survey.id}`);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500) throw err;
      const surveys = await listSurveys(deps);
      res.page(
        'admin/surveys/list',
        { title: req.t('nav.surveys'), surveys, canManage: canManage(req.actor), stageOf: (s: Survey) => surveyStage(s, deps.clock()), errors: translateErrors(req, err), newTitle: str(body.title) },
        { status: err.status },
      );
    }
  });

  async function showSurvey(req: Request, res: Response, survey: Survey, extra: Record<string, unknown> = {}, status = 200) {
    const [publications, sites, versions, testCount] = await Promise.all([
      listPublications(deps, req.actor, survey),
      listSites(deps, req.actor, { active: true }),
      listVersions(deps, survey.id),
      canManage(req.actor) ? countTestResponses(deps, survey.id) : Promise.resolve(0),
    ]);
    const published = new Set(publications.map((p) => p.site.id));
    const forPosters = publications.filter((p) => POSTER_STAGES.includes(p.stage));
    res.page(
      'admin/surveys/show',
      {
        title: survey.title,
        survey,
        publications,
        unpublishedSites: sites.filter((s) => !published.has(s.id)),
        versions,
        next: nextStatuses(survey.status),
        stage: surveyStage(survey, deps.clock()),
        testCount,
        posterCount: forPosters.length,
        leftOut: publications.filter((p) => !POSTER_STAGES.includes(p.stage)),
        canManage: canManage(req.actor),
        questionTypes: QUESTION_TYPES,
        errors: {},
        ...extra,
      },
      { status },
    );
  }

  router.get('/:id', async (req, res) => {
    await showSurvey(req, res, await getSurvey(deps, req.params.id));
  });

  /** Runs a builder action; a validation problem re-renders the survey page with the message. */
  async function act(req: Request, res: Response, action: () => Promise<unknown>, back?: string) {
    try {
      await action();
      res.redirect(303, back ?? `/admin/surveys/${req.params.id}`);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.status === 403 || err.status === 404) throw err;
      await showSurvey(req, res, await getSurvey(deps, String(req.params.id)), { errors: translateErrors(req, err) }, err.status);
    }
  }

  const version = (req: Request) => Number(str((req.body as Body).version)) || 0;

  router.post('/:id/status', (req, res) => act(req, res, () => setSurveyStatus(deps, req.actor, req.params.id, { status: str((req.body as Body).status) })));

  router.post('/:id/delete', (req, res) => act(req, res, () => deleteSurvey(deps, req.actor, req.params.id), '/admin/surveys'));

  router.post('/:id/publish', (req, res) =>
    act(req, res, async () => {
      const result = await publishAtSites(deps, req.actor, req.params.id, { siteIds: list((req.body as Body).siteIds), open: (req.body as Body).open === '1' });
      if (result.stillDraft && result.created.length) req.session.flash = [{ kind: 'error', text: req.t('publish.publishedDraft', { count: result.created.length }) }];
    }, `/admin/surveys/${req.params.id}#publications`),
  );

  router.post('/:id/questions', (req, res) => {
    const body = req.body as Body;
    const text = str(body.text).trim() || req.t('survey.newQuestionText');
    return act(req, res, () => editQuestions(deps, req.actor, req.params.id, version(req), { op: 'add', type: body.type, text }));
  });

  router.post('/:id/questions/:qid/move', (req, res) =>
    act(req, res, () => editQuestions(deps, req.actor, req.params.id, version(req), { op: 'move', questionId: req.params.qid, delta: str((req.body as Body).delta) === 'up' ? -1 : 1 })),
  );
  router.post('/:id/questions/:qid/duplicate', (req, res) => act(req, res, () => editQuestions(deps, req.actor, req.params.id, version(req), { op: 'duplicate', questionId: req.params.qid })));
  router.post('/:id/questions/:qid/delete', (req, res) => act(req, res, () => editQuestions(deps, req.actor, req.params.id, version(req), { op: 'delete', questionId: req.params.qid })));
  router.post('/:id/segment', (req, res) => {
    const q = str((req.body as Body).questionId);
    return act(req, res, () => editQuestions(deps, req.actor, req.params.id, version(req), { op: 'segment', questionId: q || null }));
  });

  async function questionPage(req: Request, res: Response, survey: Survey, question: Question, errors: Record<string, string> = {}, status = 200) {
    res.page('admin/surveys/question', { title: req.t('survey.editQuestion'), survey, question, errors, dimensions: DIMENSIONS, canManage: canManage(req.actor) }, { status });
  }

  router.get('/:id/questions/:qid', async (req, res) => {
    const survey = await getSurvey(deps, req.params.id);
    const question = survey.questions.find((q) => q.id === req.params.qid);
    if (!question) throw new NotFoundError();
    await questionPage(req, res, survey, question);
  });

  router.post('/:id/questions/:qid', async (req, res) => {
    const survey = await getSurvey(deps, req.params.id);
    const current = survey.questions.find((q) => q.id === req.params.qid);
    if (!current) throw new NotFoundError();
    const body = req.body as Body;
    const ids = list(body.optionId);
    const labels = list(body.optionLabel);
    const options =
      current.type === 'likert5'
        ? current.options.map((o, i) => ({ id: o.id, label: (labels[i] ?? '').trim() || o.label }))
        : labels
            .map((label, i) => ({ id: ids[i] || shortId('o'), label: label.trim() }))
            .filter((o) => o.label !== '');
    const dimension = str(body.dimension) === '_custom' ? str(body.customDimension).trim() || null : str(body.dimension) || null;
    const question: Question = {
      ...current,
      text: str(body.text).trim(),
      help: str(body.help).trim(),
      required: body.required === 'on',
      options,
      dimension,
      countsTowardSatisfaction: current.type === 'likert5' && body.countsTowardSatisfaction === 'on',
      allowNotApplicable: current.type === 'likert5' && body.allowNotApplicable === 'on',
      notApplicableLabel: str(body.notApplicableLabel).trim(),
      min: current.type === 'number' ? optionalNumber(body.min) : current.type === 'rating' ? 1 : current.min,
      max: current.type === 'number' || current.type === 'rating' ? optionalNumber(body.max) : current.max,
      maxLength: current.type === 'text' ? optionalNumber(body.maxLength) : current.maxLength,
    };
    try {
      await editQuestions(deps, req.actor, survey.id, version(req), { op: 'update', question });
      res.redirect(303, `/admin/surveys/${survey.id}#question-${question.id}`);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.status === 403) throw err;
      const errors = translateErrors(req, err);
      // Errors on questions.N.field, or on the question's own fields.
      const flat: Record<string, string> = {};
      for (const [k, v] of Object.entries(errors)) flat[k.replace(/^questions\.\d+\./, '')] = v;
      await questionPage(req, res, survey, question, flat, err.status);
    }
  });

  router.get('/:id/settings', async (req, res) => {
    const survey = await getSurvey(deps, req.params.id);
    res.page('admin/surveys/settings', { title: req.t('survey.settings'), survey, form: null, errors: {}, toLocal: toLocalInput(survey.timeZone) });
  });

  router.post('/:id/settings', async (req, res) => {
    const survey = await getSurvey(deps, req.params.id);
    const body = req.body as Body;
    const offset = zoneOffset(survey.timeZone, deps.clock());
    const weights = [0, 1, 2, 3, 4].map((i) => Number(str(body[`weight${i}`])));
    const form = {
      title: str(body.title),
      description: str(body.description),
      settings: {
        opensAt: localToIso(body.opensAt, offset),
        closesAt: localToIso(body.closesAt, offset),
        duplicatePolicy: str(body.duplicatePolicy),
        minAnswerSeconds: Number(str(body.minAnswerSeconds) || 0),
        targetSamplePerSite: optionalNumber(body.targetSamplePerSite),
        likertWeights: weights,
        satisfiedLevels: list(body.satisfiedLevels).map(Number),
        qualityRules: list(body.qualityRules),
        burstPerMinute: Number(str(body.burstPerMinute) || 0),
      },
    };
    try {
      await updateSurveyMeta(deps, req.actor, survey.id, form);
      res.redirect(303, `/admin/surveys/${survey.id}`);
    } catch (err) {
      if (!(err instanceof AppError) || err.status >= 500 || err.status === 403) throw err;
      // The opening window goes back exactly as typed (a refused 2026-02-30 is not shown as 03-02).
      const typed = new Map([
        [form.settings.opensAt, str(body.opensAt).trim()],
        [form.settings.closesAt, str(body.closesAt).trim()],
      ]);
      const toLocal = (iso: string | null) => typed.get(iso) ?? toLocalInput(survey.timeZone)(iso);
      res.page('admin/surveys/settings', { title: req.t('survey.settings'), survey, form, errors: translateErrors(req, err), toLocal }, { status: err.status });
    }
  });

  return router;
}
