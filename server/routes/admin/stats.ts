import { Router, type Request, type Response } from 'express';
import { z } from 'zod';
import { localDateTime } from '../../domain/time';
import { AppError, NotFoundError } from '../../errors';
import type { Deps } from '../../services/context';
import { canManage, restrictSites } from '../../services/permissions';
import { crossTab, listComments, responseFilter } from '../../services/responses-view';
import { setExclusion } from '../../services/review';
import { allQuestions, computeDashboard, filtersQuery, parseFilters, type Filters } from '../../services/statistics';
import { getSurvey } from '../../services/surveys';
import { stationChart, trendChart, dimensionChart, likertChart, optionChart } from './stats-charts';

const CHART_SCRIPTS = ['/static/vendor/chart.js/chart.umd.min.js', '/static/js/charts.js'];
const pageSchema = z.coerce.number().int().min(1).max(1_000_000).catch(1);

/** Evaluator dashboards: overview, questions, comments, data quality. Filters live in the URL. */
export function statsRouter(deps: Deps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    res.page('admin/stats/index', { title: req.t('nav.stats'), surveys: await deps.store.surveys.list() });
  });

  /** Loads the survey, the filters and what the filter form needs to show. */
  async function context(req: Request) {
    const survey = await getSurvey(deps, String(req.params.id));
    const filters = parseFilters(req.query);
    const pubs = await deps.store.publications.listBySurvey(survey.id);
    const visible = restrictSites(req.actor, undefined);
    const sites = (await deps.store.sites.list({ ids: pubs.map((p) => p.siteId) })).filter((s) => !visible || visible.includes(s.id));
    const segmentQ = survey.questions.find((q) => q.id === survey.segmentQuestionId);
    const query = filtersQuery(filters);
    return { survey, filters, sites, segmentOptions: segmentQ?.options ?? [], query, qs: query ? `?${query}` : '' };
  }

  function renderWithFilters(req: Request, res: Response, view: string, ctx: Awaited<ReturnType<typeof context>>, locals: Record<string, unknown>) {
    res.page(view, { ...ctx, tab: view.split('/').pop(), canManage: canManage(req.actor), scripts: CHART_SCRIPTS, ...locals });
  }

  router.get('/:id', async (req, res) => {
    const ctx = await context(req);
    const stats = await computeDashboard(deps, req.actor, ctx.survey.id, ctx.filters);
    renderWithFilters(req, res, 'admin/stats/overview', ctx, {
      title: `${req.t('nav.stats')} · ${ctx.survey.title}`,
      stats,
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
      stats.questions.map((q) => [q.id, q.type === 'likert5' ? likertChart(q) : q.type === 'single' || q.type === 'multi' || q.type === 'rating' || q.type === 'nps' ? optionChart(q, req.t) : null]),
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
    const search = typeof req.query.q === 'string' ? req.query.q.trim().slice(0, 100) : '';
    const page = pageSchema.parse(req.query.page);
    const result = await listComments(deps, req.actor, ctx.survey.id, ctx.filters, { search, page, pageSize: 50 });
    const base = `/admin/stats/${ctx.survey.id}/comments?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(ctx.query)), ...(search ? { q: search } : {}) }).toString()}&`;
    renderWithFilters(req, res, 'admin/stats/comments', ctx, { title: `${req.t('stats.comments')} · ${ctx.survey.title}`, ...result, search, page, base });
  });

  router.get('/:id/quality', async (req, res) => {
    const ctx = await context(req);
    const show = req.query.show === 'excluded' ? 'excluded' : req.query.show === 'all' ? 'all' : 'flagged';
    const page = pageSchema.parse(req.query.page);
    const filter = { ...responseFilter(req.actor, ctx.survey.id, ctx.filters), ...(show === 'flagged' ? { flagged: true, excluded: false } : show === 'excluded' ? { excluded: true } : {}) };
    const [total, responses, stats] = await Promise.all([
      deps.store.responses.count(filter),
      deps.store.responses.list(filter, { limit: 50, offset: (page - 1) * 50, newestFirst: true }),
      computeDashboard(deps, req.actor, ctx.survey.id, { ...ctx.filters, mode: 'valid' }),
    ]);
    const sites = new Map(ctx.sites.map((s) => [s.id, s]));
    const base = `/admin/stats/${ctx.survey.id}/quality?${new URLSearchParams({ ...Object.fromEntries(new URLSearchParams(ctx.query)), show }).toString()}&`;
    renderWithFilters(req, res, 'admin/stats/quality', ctx, {
      title: `${req.t('stats.quality')} · ${ctx.survey.title}`,
      responses,
      total,
      page,
      pages: Math.max(1, Math.ceil(total / 50)),
      show,
      sitesById: sites,
      quality: stats.quality,
      base,
      back: req.originalUrl,
      localTime: (iso: string) => localDateTime(iso, ctx.survey.timeZone),
    });
  });

  return router;
}

/** POST /admin/responses/:rid/exclusion: exclude or re-include one response, with a reason. */
export function reviewRouter(deps: Deps): Router {
  const router = Router();
  router.post('/responses/:rid/exclusion', async (req, res) => {
    const body = req.body as Record<string, unknown>;
    const back = typeof body.back === 'string' && body.back.startsWith('/admin/stats/') ? body.back : '/admin/stats';
    try {
      await setExclusion(deps, req.actor, req.params.rid, { excluded: body.excluded === 'true', reason: typeof body.reason === 'string' ? body.reason : '' });
    } catch (err) {
      if (err instanceof AppError && err.status === 400) {
        const r = await deps.store.responses.get(req.params.rid);
        if (!r) throw new NotFoundError();
        req.session.flash = [{ kind: 'error', text: req.t('review.reasonRequired') }];
        return res.redirect(303, back);
      }
      throw err;
    }
    req.session.flash = [{ kind: 'ok', text: req.t(body.excluded === 'true' ? 'review.excluded' : 'review.included') }];
    res.redirect(303, back);
  });
  return router;
}

export type { Filters };
