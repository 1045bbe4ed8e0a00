import { Router, type Request, type Response } from 'express';
import { CASE_STATUSES } from '../../../models/case';
import { answerLabels } from '../../domain/answer-labels';
import { ConflictError, ValidationError } from '../../errors';
import {
  assertMayTakeSteps,
  caseDetail,
  readStep,
  recordStep,
  surveyCaseMetrics,
  caseStationRows,
  surveyCases,
} from '../../services/cases';
import { calendarPage, saveCalendarYear, saveCaseSettings } from '../../services/case-admin';
import { setNoticeEmail } from '../../services/case-notices';
import type { Deps } from '../../services/context';
import { canManage } from '../../services/permissions';
import { caseSettingsOf } from '../../domain/cases/case-flow';
import { getSite, listSites } from '../../services/sites';
import { getSurvey } from '../../services/surveys';

function flash(req: Request, text: string, kind: 'ok' | 'error' = 'ok'): void {
  req.session.flash = [...(req.session.flash ?? []), { kind, text }];
}

const str = (v: unknown) => (typeof v === 'string' ? v : '');

/** 以评促改 handling: a case's page and its steps, a survey's cases, the working-day calendar. */
export function casesRouter(deps: Deps): Router {
  const router = Router();

  async function renderCase(req: Request, res: Response, id: string, options: { status?: number; errors?: Record<string, string>; values?: Record<string, unknown> } = {}) {
    const d = await caseDetail(deps, req.actor, id);
    const site = await getSite(deps, req.actor, d.case.siteId);
    const answers = d.questions
      .filter((q) => d.response.answers[q.id] !== undefined)
      .map((q) => ({ id: q.id, text: q.text, answer: answerLabels(q, d.response.answers[q.id]).join('、') }));
    res.page(
      'admin/cases/case',
      {
        title: req.t('cases.case.title'),
        c: d.case,
        survey: d.survey,
        site,
        answers,
        contact: d.contact,
        steps: d.steps,
        errors: options.errors ?? {},
        values: options.values ?? {},
        contactDays: deps.config.caseContactDays,
      },
      { status: options.status ?? 200 },
    );
  }

  router.get('/cases/:id', async (req, res) => {
    await renderCase(req, res, String(req.params.id));
  });

  router.post('/cases/:id/step', async (req, res) => {
    const id = String(req.params.id);
    const body = (req.body ?? {}) as Record<string, unknown>;
    assertMayTakeSteps(req.actor);
    try {
      const input = readStep(body);
      await recordStep(deps, req.actor, id, input, str(body.updatedAt) || undefined);
      flash(req, req.t('cases.saved'));
    } catch (err) {
      if (err instanceof ConflictError) return renderCase(req, res, id, { status: 409, errors: { step: req.t(err.messageKey, err.params) }, values: body });
      if (!(err instanceof ValidationError)) throw err;
      const errors: Record<string, string> = {};
      for (const [k, v] of Object.entries(err.fields ?? {})) errors[k] = req.t(v.key, v.params);
      return renderCase(req, res, id, { status: 400, errors, values: body });
    }
    res.redirect(303, `/admin/cases/${encodeURIComponent(id)}`);
  });

  router.get('/surveys/:id/cases', async (req, res) => {
    const surveyId = String(req.params.id);
    const survey = await getSurvey(deps, surveyId);
    const filter = { siteId: str(req.query.site) || undefined, status: str(req.query.status) || undefined, late: req.query.late === '1' };
    const [cases, metrics, sites] = await Promise.all([surveyCases(deps, req.actor, surveyId, filter), surveyCaseMetrics(deps, req.actor, surveyId), listSites(deps, req.actor)]);
    const siteById = new Map(sites.map((s) => [s.id, s]));
    const stationRows = caseStationRows(metrics.sites, siteById);
    res.page('admin/cases/list', {
      title: req.t('cases.list.title'),
      survey,
      cases,
      siteById,
      sites: sites.filter((s) => req.actor.role !== 'station' || req.actor.siteIds.includes(s.id)),
      statuses: CASE_STATUSES,
      filter,
      metrics,
      stationRows,
      canManageSurvey: canManage(req.actor),
      caseSettings: caseSettingsOf(survey.settings),
    });
  });

  router.post('/surveys/:id/cases/settings', async (req, res) => {
    const surveyId = String(req.params.id);
    try {
      await saveCaseSettings(deps, req.actor, surveyId, (req.body ?? {}) as Record<string, unknown>);
      flash(req, req.t('cases.settings.saved'));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const first = Object.values(err.fields ?? {})[0];
      flash(req, first ? req.t(first.key, first.params) : req.t('error.validation'), 'error');
    }
    res.redirect(303, `/admin/surveys/${encodeURIComponent(surveyId)}/cases#settings`);
  });

  router.post('/notice-email', async (req, res) => {
    try {
      await setNoticeEmail(deps, req.actor, (req.body as Record<string, unknown> | undefined)?.email);
      flash(req, req.t('cases.email.saved'));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      flash(req, req.t('cases.error.email'), 'error');
    }
    res.redirect(303, '/admin#notice-email');
  });

  router.get('/calendar', async (req, res) => {
    res.page('admin/cases/calendar', { title: req.t('cases.calendar.title'), ...(await calendarPage(deps, req.actor)), errors: {}, values: {} });
  });

  router.post('/calendar', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    try {
      const { year, count, refreshed } = await saveCalendarYear(deps, req.actor, body.year, body.lines);
      flash(req, req.t('cases.calendar.saved', { year, n: count, refreshed }));
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const errors: Record<string, string> = {};
      for (const [k, v] of Object.entries(err.fields ?? {})) errors[k] = req.t(v.key, v.params);
      return res.page('admin/cases/calendar', { title: req.t('cases.calendar.title'), ...(await calendarPage(deps, req.actor)), errors, values: body }, { status: 400 });
    }
    res.redirect(303, '/admin/calendar');
  });

  return router;
}
