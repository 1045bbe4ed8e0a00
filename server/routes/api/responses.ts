import { Router } from 'express';
import { z } from 'zod';
import type { SurveyResponse } from '../../../models/response';
import { isValidState } from '../../domain/quality';
import { tallyState } from '../../domain/tally';
import { NotFoundError } from '../../errors';
import type { Deps } from '../../services/context';
import { CONTENT_TYPES, EXPORT_FORMATS, exportResponses } from '../../services/exports';
import { assertCanSeeSite } from '../../services/permissions';
import { responseFilter } from '../../services/responses-view';
import { parseFilters } from '../../services/statistics';
import { exportStatistics } from '../../services/stats-tables';
import { getSurvey } from '../../services/surveys';
import { parseInput } from '../../services/validate';


/** A response as the API shows it: no device or IP hashes, no submission token. */
export function publicResponse(r: SurveyResponse, valid: boolean) {
  const { deviceHash: _d, ipHash: _i, submissionToken: _s, ...rest } = r;
  return { ...rest, valid };
}

const pageSchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).max(100_000_000).default(0),
});

/** Responses: paged listing, one response, streamed export; statistics files. */
export function responsesApi(deps: Deps): Router {
  const router = Router();

  router.get('/surveys/:id/responses', async (req, res) => {
    const survey = await getSurvey(deps, req.params.id);
    const filters = parseFilters(req.query);
    const { limit, offset } = parseInput(pageSchema, { limit: req.query.limit, offset: req.query.offset });
    const filter = responseFilter(req.actor, survey.id, filters);
    const [total, rows] = await Promise.all([deps.store.responses.count(filter), deps.store.responses.list(filter, { limit, offset })]);
    const rules = survey.settings.qualityRules;
    res.json({ total, limit, offset, responses: rows.map((r) => publicResponse(r, isValidState(tallyState(r), rules))) });
  });

  router.get('/surveys/:id/responses/export', async (req, res) => {
    const format = parseInput(z.enum(EXPORT_FORMATS).default('ndjson'), req.query.format);
    const survey = await getSurvey(deps, req.params.id);
    const filters = parseFilters(req.query);
    res.attachment(`responses-${survey.id}.${format}`).type(CONTENT_TYPES[format]);
    await exportResponses(deps, req.actor, { surveyId: survey.id, filters, format, options: { locale: req.locale, codes: req.query.codes === '1' } }, res);
  });

  router.get('/surveys/:id/stats/export', async (req, res) => {
    const format = parseInput(z.enum(['xlsx', 'zip']).default('xlsx'), req.query.format);
    const survey = await getSurvey(deps, req.params.id);
    res.attachment(`statistics-${survey.id}.${format}`).type(CONTENT_TYPES[format]);
    await exportStatistics(deps, req.actor, survey.id, parseFilters(req.query), format, req.locale, res);
  });

  router.get('/responses/:id', async (req, res) => {
    const r = await deps.store.responses.get(req.params.id);
    if (!r) throw new NotFoundError();
    assertCanSeeSite(req.actor, r.siteId);
    const survey = await getSurvey(deps, r.surveyId);
    res.json({ response: publicResponse(r, isValidState(tallyState(r), survey.settings.qualityRules)) });
  });

  return router;
}
