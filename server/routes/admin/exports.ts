import { Router } from 'express';
import { z } from 'zod';
import type { Deps } from '../../services/context';
import { CONTENT_TYPES, EXPORT_FORMATS, exportResponses } from '../../services/exports';
import { listComments } from '../../services/responses-view';
import { levelBands } from '../../domain/statistics';
import { computeDashboard, filtersQuery, parseFilters } from '../../services/statistics';
import { exportStatistics, statisticsTables } from '../../services/stats-tables';
import { getSurvey } from '../../services/surveys';
import { parseInput } from '../../services/validate';
import { dimensionChart, stationChart } from './stats-charts';


/** A file name like 满意度调查-20261202.csv (non-ASCII sent per RFC 6266 by res.attachment). */
function fileName(title: string, what: string, ext: string, now: Date): string {
  const safe = title.replace(/[\\/:*?"<>|\r\n]/g, '_').slice(0, 60);
  return `${safe}-${what}-${now.toISOString().slice(0, 10).replace(/-/g, '')}.${ext}`;
}

/** Downloads (streamed from the store, never buffered whole) and the printable report. */
export function exportsRouter(deps: Deps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    res.page('admin/exports/index', { title: req.t('nav.exports'), surveys: await deps.store.surveys.list() });
  });

  router.get('/:id', async (req, res) => {
    const survey = await getSurvey(deps, req.params.id);
    const filters = parseFilters(req.query);
    const query = filtersQuery(filters);
    const counts = await computeDashboard(deps, req.actor, survey.id, filters);
    res.page('admin/exports/show', { title: `${req.t('nav.exports')} · ${survey.title}`, survey, query, qs: query ? `?${query}` : '', counts: counts.overall, filters });
  });

  router.get('/:id/responses.:format', async (req, res) => {
    const format = parseInput(z.enum(EXPORT_FORMATS), req.params.format);
    const survey = await getSurvey(deps, req.params.id);
    const filters = parseFilters(req.query);
    // attachment() sets a type from the extension; ours (with charset, or NDJSON's) comes after it.
    res.attachment(fileName(survey.title, req.t('export.file.responses'), format, deps.clock()));
    res.type(CONTENT_TYPES[format]);
    res.set('Cache-Control', 'no-store');
    await exportResponses(deps, req.actor, { surveyId: survey.id, filters, format, options: { locale: req.locale, codes: req.query.codes === '1' } }, res);
  });

  router.get('/:id/statistics.:format', async (req, res) => {
    const format = parseInput(z.enum(['xlsx', 'zip']), req.params.format);
    const survey = await getSurvey(deps, req.params.id);
    res.attachment(fileName(survey.title, req.t('export.file.statistics'), format, deps.clock()));
    res.type(CONTENT_TYPES[format]);
    res.set('Cache-Control', 'no-store');
    await exportStatistics(deps, req.actor, survey.id, parseFilters(req.query), format, req.locale, res);
  });

  router.get('/:id/report', async (req, res) => {
    const survey = await getSurvey(deps, req.params.id);
    const filters = parseFilters(req.query);
    const stats = await computeDashboard(deps, req.actor, survey.id, filters);
    const comments = await listComments(deps, req.actor, survey.id, filters, { search: '', page: 1, pageSize: 30 });
    res.page(
      'admin/exports/report',
      {
        title: req.t('report.title'),
        survey,
        stats,
        tables: statisticsTables(stats, req.locale),
        comments: comments.rows.filter((c) => c.valid),
        commentTotal: comments.total,
        charts: { stations: stationChart(stats, req.t), dimensions: dimensionChart(stats, req.t) },
        levels: levelBands(stats.survey.weights),
        query: filtersQuery(filters),
        scripts: ['/static/vendor/chart.js/chart.umd.min.js', '/static/js/charts.js'],
        stylesheet: 'report',
      },
      { layout: 'layouts/print' },
    );
  });

  return router;
}
