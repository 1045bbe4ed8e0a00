import { Router } from 'express';
import { z } from 'zod';
import { sendDownloadHeaders } from '../../http/download';
import { analysisReport } from '../../services/analysis-report';
import type { Deps } from '../../services/context';
import { EXPORT_FORMATS, prepareResponsesExport } from '../../services/exports';
import { levelBands } from '../../domain/statistics';
import { computeDashboard, filtersQuery, resolveFilters } from '../../services/statistics';
import { prepareStatisticsExport } from '../../services/stats-tables';
import { getSurvey } from '../../services/surveys';
import { parseInput } from '../../services/validate';
import { dimensionChart, stationChart } from './stats-charts';
import { listSurveys } from '../../services/surveys';

/** Downloads (streamed from the store, never buffered whole, named for what they hold, audited) and the printable report. */
export function exportsRouter(deps: Deps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    res.page('admin/exports/index', { title: req.t('nav.exports'), surveys: await listSurveys(deps) });
  });

  router.get('/:id', async (req, res) => {
    const survey = await getSurvey(deps, req.params.id);
    const filters = await resolveFilters(deps, survey.id, req.query);
    const query = filtersQuery(filters);
    const counts = await computeDashboard(deps, req.actor, survey.id, filters);
    res.page('admin/exports/show', { title: `${req.t('nav.exports')} · ${survey.title}`, survey, query, qs: query ? `?${query}` : '', counts: counts.overall, filters });
  });

  router.get('/:id/responses.:format', async (req, res) => {
    const format = parseInput(z.enum(EXPORT_FORMATS), req.params.format);
    const job = await prepareResponsesExport(deps, req.actor, { surveyId: req.params.id, filters: await resolveFilters(deps, req.params.id, req.query), format, options: { locale: req.locale, codes: req.query.codes === '1' } });
    sendDownloadHeaders(res, job.download);
    await job.write(res);
  });

  router.get('/:id/statistics.:format', async (req, res) => {
    const format = parseInput(z.enum(['xlsx', 'zip']), req.params.format);
    const job = await prepareStatisticsExport(deps, req.actor, req.params.id, await resolveFilters(deps, req.params.id, req.query), format, req.locale);
    sendDownloadHeaders(res, job.download);
    await job.write(res);
  });

  router.get('/:id/report', async (req, res) => {
    const filters = await resolveFilters(deps, req.params.id, req.query);
    const report = await analysisReport(deps, req.actor, req.params.id, filters, req.locale);
    res.page(
      'admin/exports/report',
      {
        title: req.t('report.title'),
        ...report,
        charts: { stations: stationChart(report.stats, req.t), dimensions: dimensionChart(report.stats, req.t) },
        levels: levelBands(report.stats.survey.weights),
        query: filtersQuery(filters),
        scripts: ['/static/vendor/chart.js/chart.umd.min.js', '/static/js/charts.js'],
        stylesheet: 'report',
      },
      { layout: 'layouts/print' },
    );
  });

  return router;
}
