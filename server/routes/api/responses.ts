import { Router } from 'express';
import { z } from 'zod';
import type { SurveyResponse } from '../../../models/response';
import type { CountingStatus } from '../../domain/quality';
import { sendDownloadHeaders } from '../../http/download';
import type { Deps } from '../../services/context';
import { EXPORT_FORMATS, prepareResponsesExport } from '../../services/exports';
import { responseDetail } from '../../services/response-detail';
import { listResponses } from '../../services/responses-view';
import { reviewMany, reviewResponse, setExclusion, type ReviewOutcome } from '../../services/review';
import { resolveFilters } from '../../services/statistics';
import { prepareStatisticsExport } from '../../services/stats-tables';
import { parseInput } from '../../services/validate';

/**
 * A response as the API shows it: no device or IP hashes, no submission token; `status` is its
 * counting status (counted, countedFlagged, notCounted, excluded, kept), `valid` whether it counts,
 * `excluded` whether a person excluded it.
 */
export function publicResponse(r: SurveyResponse, status: CountingStatus) {
  const { deviceHash: _d, ipHash: _i, submissionToken: _s, ...rest } = r;
  return { ...rest, excluded: r.review === 'excluded', valid: status.counts, status: status.kind };
}

const reviewed = (o: ReviewOutcome) => ({ response: publicResponse(o.response, o.after), before: o.before.kind, after: o.after.kind, valid: o.valid });

export const pageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(100_000_000).default(0),
});
export const responsesExportQuery = z.object({ format: z.enum(EXPORT_FORMATS).default('ndjson') });
export const statsExportQuery = z.object({ format: z.enum(['xlsx', 'zip']).default('xlsx') });

/** Responses: paged listing, one response, streamed export; statistics files. */
export function responsesApi(deps: Deps): Router {
  const router = Router();

  router.get('/surveys/:id/responses', async (req, res) => {
    const { limit, offset } = parseInput(pageSchema, { limit: req.query.limit, offset: req.query.offset });
    const filters = await resolveFilters(deps, req.params.id, req.query);
    const { total, rows } = await listResponses(deps, req.actor, req.params.id, filters, { limit, offset });
    res.json({ total, limit, offset, responses: rows.map(({ response, status }) => publicResponse(response, status)) });
  });

  router.get('/surveys/:id/responses/export', async (req, res) => {
    const { format } = parseInput(responsesExportQuery, { format: req.query.format });
    const filters = await resolveFilters(deps, req.params.id, req.query);
    const job = await prepareResponsesExport(deps, req.actor, { surveyId: req.params.id, filters, format, options: { locale: req.locale, codes: req.query.codes === '1' } });
    sendDownloadHeaders(res, job.download);
    await job.write(res);
  });

  router.get('/surveys/:id/stats/export', async (req, res) => {
    const { format } = parseInput(statsExportQuery, { format: req.query.format });
    const filters = await resolveFilters(deps, req.params.id, req.query);
    const job = await prepareStatisticsExport(deps, req.actor, req.params.id, filters, format, req.locale);
    sendDownloadHeaders(res, job.download);
    await job.write(res);
  });

  router.get('/responses/:id', async (req, res) => {
    const d = await responseDetail(deps, req.actor, req.params.id);
    res.json({
      response: publicResponse(d.response, d.status),
      status: d.status,
      answers: d.answers.map((a) => ({ questionId: a.question.id, question: a.question.text, labels: a.labels })),
      history: d.history,
    });
  });

  router.post('/responses/:id/review', async (req, res) => {
    res.json(reviewed(await reviewResponse(deps, req.actor, req.params.id, req.body)));
  });

  router.post('/responses/:id/exclusion', async (req, res) => {
    res.json(reviewed(await setExclusion(deps, req.actor, req.params.id, req.body)));
  });

  router.post('/surveys/:id/responses/review', async (req, res) => {
    res.json(await reviewMany(deps, req.actor, req.params.id, req.body));
  });

  return router;
}
