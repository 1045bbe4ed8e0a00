import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import type { Survey } from '../../../models/survey';
import { surveyStage } from '../../domain/lifecycle';
import { applyReviewAction, REVIEW_ACTIONS } from '../../domain/quality';
import { cleanSnippet } from '../../domain/text-input';
import { localDateTime } from '../../domain/time';
import { AppError, ConflictError } from '../../errors';
import { caseStationRows, surveyCaseMetrics } from '../../services/cases';
import type { Deps } from '../../services/context';
import { canManage } from '../../services/permissions';
import { findVisibleResponse, responseDetail } from '../../services/response-detail';
import { crossTab, filterChoices, listComments, listForReview, listSurveysForStats, REVIEW_TABS, reviewTab } from '../../services/responses-view';
import { bulkInput, MAX_BULK_IDS, reviewMany, reviewResponse } from '../../services/review';
import { bulkOutcomeText, flagEffectText, flagHelpText, flagNames, outcomeText, statusText, zonedTime } from '../../services/review-words';
import { allQuestions, computeDashboard, filtersQuery, resolveFilters, type Filters } from '../../services/statistics';
import { tallyFreshnessNote } from '../../services/tallies';
import { MIN_RESPONDENTS } from '../../domain/estimation';
import { levelBands } from '../../domain/statistics';
import { methodology, PLANNED_MARGIN_POINTS } from '../../services/methodology';
import { dimensionLabel } from '../../services/stats-tables';
import { stationChart, trendChart, dimensionChart, likertChart, optionChart } from './stats-charts';

const CHART_SCRIPTS = ['/static/vendor/chart.js/chart.umd.min.js', '/static/js/charts.js'];
const pageSchema = z.coerce.number().int().min(1).max(1_000_000).catch(1);
const PAGE_SIZE = 50;

/** Evaluator dashboards: overview, questions, comments, data quality. Filters live in the URL. */
export function statsRouter(deps: Deps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    res.page('admin/stats/index', { title: req.t('nav.stats'), surveys: await listSurveysForStats(deps), stageOf: (s: Survey) => surveyStage(s, deps.clock()) });
  });

  /** Loads the survey, the filters and what the filter form needs to show. */
  async function context(req: Request) {
    const { survey, sites, segmentOptions } = await filterChoices(deps, req.actor, String(req.params.id));
    const filters = await resolveFilters(deps, survey.id, req.query);
    const query = filtersQuery(filters);
    return { survey, filters, sites, segmentOptions, query, qs: query ? `?${query}` : '' };
  }

  function renderWithFilters(req: Request, res: Response, view: string, ctx: Awaited<ReturnType<typeof context>>, locals: Record<string, unknown>) {
    // When tallies lag (MongoDB applies them in batches), the header says up to when they count.
    const asOf = ((locals.stats as { talliesAsOf?: string | null } | undefined)?.talliesAsOf ?? locals.talliesAsOf ?? null) as string | null;
    const freshness = asOf ? tallyFreshnessNote(req.t, asOf, deps.clock().toISOString(), ctx.survey.timeZone) : null;
    res.page(view, {
      ...ctx,
      tab: view.split('/').pop(),
      canManage: canManage(req.actor),
      scripts: CHART_SCRIPTS,
      freshness,
      levels: levelBands(ctx.survey.settings.likertWeights),
      minRespondents: MIN_RESPONDENTS,
      ...locals,
    });
  }

  router.get('/:id', async (req, res) => {
    const ctx = await context(req);
    const stats = await computeDashboard(deps, req.actor, ctx.survey.id, ctx.filters);
    // Drill-down: one station is its own dashboard (the overview filtered to it), with a way back.
    const station = ctx.filters.sites?.length === 1 ? (stats.bySite.find((s) => s.site.id === ctx.filters.sites![0])?.site ?? null) : null;
    const withSites = (sites: string[] | undefined) => {
      const q = filtersQuery({ ...ctx.filters, sites });
      return q ? `?${q}` : '';
    };
    const caseMetrics = await surveyCaseMetrics(deps, req.actor, ctx.survey.id);
    const siteById = new Map(ctx.sites.map((s) => [s.id, s]));
    renderWithFilters(req, res, 'admin/stats/overview', ctx, {
      title: `${req.t('nav.stats')} · ${station ? `${station.name} · ` : ''}${ctx.survey.title}`,
      stats,
      metrics: caseMetrics,
      stationRows: caseStationRows(caseMetrics.sites, siteById),
      station,
      stationQs: (id: string) => withSites([id]),
      allStationsQs: withSites(undefined),
      methodItems: methodology(stats, req.t),
      plannedMargin: PLANNED_MARGIN_POINTS,
      dimensionLabel: (d: string) => dimensionLabel(req.t, d),
      charts: {
        stations: stationChart(stats, req.t),
        trend: trendChart(stats, req.t),
        dimensions: dimensionChart(stats, req.t),
      },
    });
  });

  router.get('/:id/questions', async (req, res) => {
    const ctx = await context(req);
    const stats = await computeDashboard(deps, req.actor, ctx.survey.id, ctx.filters);
    const charts = Object.fromEntries(
      stats.questions.map((q) => [q.id, q.type === 'likert5' ? likertChart(q, req.t) : q.type === 'single' || q.type === 'multi' || q.type === 'rating' || q.type === 'nps' ? optionChart(q, req.t) : null]),
    );
    const row = typeof req.query.row === 'string' ? req.query.row : '';
    const col = typeof req.query.col === 'string' ? req.query.col : '';
    let table = null;
    let crossError: string | null = null;
    if (row && col) {
      try {
        table = await crossTab(deps, req.actor, ctx.survey.id, ctx.filters, row, col);
      } catch (err) {
        if (!(err instanceof AppError) || err.status >= 500) throw err;
        crossError = req.t('stats.crossTabTypes');
      }
    }
    const questions = await allQuestions(deps, ctx.survey);
    renderWithFilters(req, res, 'admin/stats/questions', ctx, { title: `${req.t('stats.questions')} · ${ctx.survey.title}`, stats, charts, table, crossError, row, col, questions });
  });

  router.get('/:id/comments', async (req, res) => {
    const ctx = await context(req);
    const search = typeof req.query.q === 'string' ? cleanSnippet(req.query.q, 100) : '';
    const page = pageSchema.parse(req.query.page);
    const result = await listComments(deps, req.actor, ctx.survey.id, ctx.filters, { search, page, pageSize: 50 });
    const base = `/admin/stats/${ctx.survey.id}/comments?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(ctx.query)), ...(search ? { q: search } : {}) }).toString()}&`;
    const statusOf = (row: (typeof result.rows)[number]) => statusText(req.t, row.status, result.names, ctx.survey.timeZone);
    renderWithFilters(req, res, 'admin/stats/comments', ctx, { title: `${req.t('stats.comments')} · ${ctx.survey.title}`, ...result, search, page, base, statusOf });
  });

  /** The data-quality page; `extra` carries the bulk form's errors and input when it is shown again. */
  async function showQuality(req: Request, res: Response, extra: { bulk?: BulkForm; findError?: string; find?: string } = {}, status = 200) {
    const ctx = await context(req);
    const tab = reviewTab(req.query.show);
    const page = pageSchema.parse(req.query.page);
    const result = await listForReview(deps, req.actor, ctx.survey.id, ctx.filters, { tab, page, pageSize: PAGE_SIZE });
    const listQuery = new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(ctx.query)), show: tab });
    const sitesById = new Map(ctx.sites.map((s) => [s.id, s]));
    const tz = ctx.survey.timeZone;
    res.status(status);
    renderWithFilters(req, res, 'admin/stats/quality', ctx, {
      title: `${req.t('stats.quality')} · ${ctx.survey.title}`,
      rows: result.rows.map(({ response, status: st }) => ({ response, status: st, statusText: statusText(req.t, st, result.names, tz) })),
      total: result.total,
      page,
      pages: result.pages,
      show: tab,
      tabs: REVIEW_TABS,
      sitesById,
      quality: result.quality,
      base: `/admin/stats/${ctx.survey.id}/quality?${listQuery.toString()}&`,
      bulkAction: `/admin/stats/${ctx.survey.id}/quality/review?${new URLSearchParams({ ...Object.fromEntries(listQuery), ...(page > 1 ? { page: String(page) } : {}) }).toString()}`,
      actions: REVIEW_ACTIONS,
      maxBulk: MAX_BULK_IDS,
      bulk: extra.bulk ?? { ids: [], action: '', reason: '', errors: {} },
      find: extra.find ?? '',
      findError: extra.findError ?? null,
      localTime: (iso: string) => localDateTime(iso, tz),
      zone: tz,
      flagNames: (flags: string[]) => flagNames(req.t, flags),
      flagEffect: (flag: string) => flagEffectText(req.t, flag, ctx.survey.settings.qualityRules),
      flagHelp: (flag: string) => flagHelpText(req.t, flag, ctx.survey.settings),
    });
  }

  router.get('/:id/quality', async (req, res) => {
    const find = typeof req.query.rid === 'string' ? req.query.rid.trim() : '';
    if (find) {
      const id = await findVisibleResponse(deps, req.actor, find);
      if (id) return res.redirect(303, `/admin/responses/${encodeURIComponent(id)}`);
      return showQuality(req, res, { find, findError: req.t('review.notFoundId', { id: find.slice(0, 64) }) }, 404);
    }
    await showQuality(req, res);
  });

  /** Bulk exclude / keep / restore of the checked rows, with one reason; back to the same list. */
  router.post('/:id/quality/review', async (req, res) => {
    const input = bulkInput((req.body ?? {}) as Record<string, unknown>);
    try {
      const outcome = await reviewMany(deps, req.actor, String(req.params.id), input);
      const text = bulkOutcomeText(req.t, outcome);
      req.session.flash = [{ kind: 'ok', text: text.done }, ...(text.skipped ? [{ kind: 'error' as const, text: text.skipped }] : [])];
    } catch (err) {
      if (err instanceof AppError && err.status === 400 && err.fields) {
        const ids = (Array.isArray(input.ids) ? input.ids : []).filter((x): x is string => typeof x === 'string');
        const bulk = { ids, action: typeof input.action === 'string' ? input.action : '', reason: String(input.reason), errors: errorsOf(req, err) };
        return showQuality(req, res, { bulk }, 400);
      }
      throw err;
    }
    const back = new URLSearchParams(req.query as Record<string, string>).toString();
    res.redirect(303, `/admin/stats/${encodeURIComponent(String(req.params.id))}/quality${back ? `?${back}` : ''}`);
  });

  return router;
}

interface BulkForm {
  ids: string[];
  action: string;
  reason: string;
  errors: Record<string, string>;
}

/** Field errors in the reader's language. */
function errorsOf(req: Request, err: AppError): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(err.fields ?? {})) out[k.split('.')[0]!] ??= req.t(v.key, v.params);
  return out;
}

/** /admin/responses/:rid: one response, and its review (exclude / keep / restore) with a reason. */
export function reviewRouter(deps: Deps): Router {
  const router = Router();

  async function showResponse(req: Request, res: Response, form: { action: string; reason: string; errors: Record<string, string> } | null = null, status = 200) {
    const d = await responseDetail(deps, req.actor, String(req.params.rid));
    const tz = d.survey.timeZone;
    const at = (iso: string) => zonedTime(iso, tz);
    const seconds = Math.round(d.response.durationMs / 1000);
    res.status(status);
    res.page('admin/responses/show', {
      title: req.t('response.title', { id: d.response.id }),
      d,
      canManage: canManage(req.actor),
      statusText: statusText(req.t, d.status, d.names, tz),
      at,
      duration: req.t('response.durationValue', { m: Math.floor(seconds / 60), s: seconds % 60 }),
      flagHelp: (flag: string) => flagHelpText(req.t, flag, d.survey),
      flagEffect: (flag: string) => flagEffectText(req.t, flag, d.survey.qualityRules),
      actions: REVIEW_ACTIONS.filter((a) => !('skip' in applyReviewAction(d.response, a))),
      form: form ?? { action: '', reason: '', errors: {} },
    });
  }

  router.get('/responses/:rid', async (req, res) => {
    await showResponse(req, res);
  });

  router.post('/responses/:rid/review', async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const rid = String(req.params.rid);
    const input = { action: body.action, reason: typeof body.reason === 'string' ? body.reason : '' };
    const self = `/admin/responses/${encodeURIComponent(rid)}`;
    try {
      const outcome = await reviewResponse(deps, req.actor, rid, input);
      req.session.flash = [{ kind: 'ok', text: outcomeText(req.t, outcome) }];
    } catch (err) {
      if (err instanceof AppError && err.status === 400 && err.fields) {
        return showResponse(req, res, { action: typeof input.action === 'string' ? input.action : '', reason: input.reason, errors: errorsOf(req, err) }, 400);
      }
      if (err instanceof ConflictError) {
        req.session.flash = [{ kind: 'error', text: req.t(err.messageKey, err.params) }];
        return res.redirect(303, self);
      }
      throw err;
    }
    res.redirect(303, self);
  });
  return router;
}

export type { Filters };
