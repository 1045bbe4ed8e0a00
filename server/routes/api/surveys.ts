import { Router } from 'express';
import type { Survey } from '../../../models/survey';
import type { Deps } from '../../services/context';
import { listPublications, publishAtSites, publicLink } from '../../services/publications';
import { createFromTemplate, createSurvey, deleteSurvey, getSurvey, listSurveys, listVersions, saveQuestions, setSurveyStatus, updateSurveyMeta } from '../../services/surveys';

/** /api/v1/surveys: the builder's operations as JSON. */
export function surveysApi(deps: Deps): Router {
  const router = Router();
  const out = (s: Survey) => ({ survey: s });

  router.get('/', async (_req, res) => {
    res.json({ surveys: await listSurveys(deps) });
  });
  router.post('/', async (req, res) => {
    res.status(201).json(out(await createSurvey(deps, req.actor, req.body)));
  });
  router.post('/from-template', async (req, res) => {
    res.status(201).json(out(await createFromTemplate(deps, req.actor, req.body ?? {})));
  });
  router.get('/:id', async (req, res) => {
    res.json(out(await getSurvey(deps, req.params.id)));
  });
  router.patch('/:id', async (req, res) => {
    res.json(out(await updateSurveyMeta(deps, req.actor, req.params.id, req.body)));
  });
  router.put('/:id/questions', async (req, res) => {
    res.json(out(await saveQuestions(deps, req.actor, req.params.id, req.body)));
  });
  router.post('/:id/status', async (req, res) => {
    res.json(out(await setSurveyStatus(deps, req.actor, req.params.id, req.body)));
  });
  router.delete('/:id', async (req, res) => {
    await deleteSurvey(deps, req.actor, req.params.id);
    res.status(204).end();
  });
  router.get('/:id/versions', async (req, res) => {
    await getSurvey(deps, req.params.id);
    res.json({ versions: await listVersions(deps, req.params.id) });
  });
  router.get('/:id/publications', async (req, res) => {
    const survey = await getSurvey(deps, req.params.id);
    const views = await listPublications(deps, req.actor, survey);
    res.json({ publications: views.map((v) => ({ ...v.publication, link: v.link, stage: v.stage, site: { id: v.site.id, code: v.site.code, name: v.site.name } })) });
  });
  router.post('/:id/publications', async (req, res) => {
    const result = await publishAtSites(deps, req.actor, req.params.id, req.body);
    res.status(201).json({
      publications: result.created.map((p) => ({ ...p, link: publicLink(deps, p.code) })),
      survey: { id: result.survey.id, status: result.survey.status },
      warnings: result.stillDraft ? [{ code: 'survey-draft', message: req.t('publish.draftWarning') }] : [],
    });
  });
  return router;
}
