import { Router, type Request } from 'express';
import type { Deps } from '../../services/context';
import { getPublicationView, posterPublications, qrPng, qrSvg, setPublicationActive, writeQrZip } from '../../services/publications';
import { getSurvey } from '../../services/surveys';

/** QR codes, printable posters and the ZIP of all QR images. */
export function publicationsRouter(deps: Deps): Router {
  const router = Router();

  router.get('/publications/:pid/qr.png', async (req, res) => {
    const v = await getPublicationView(deps, req.actor, req.params.pid);
    const size = Math.min(2048, Math.max(256, Number(req.query.size) || 1024));
    res.type('png').set('Content-Disposition', `inline; filename="${v.site.code.replace(/[^A-Za-z0-9_-]/g, '_')}.png"`).send(await qrPng(v.link, size));
  });

  router.get('/publications/:pid/qr.svg', async (req, res) => {
    const v = await getPublicationView(deps, req.actor, req.params.pid);
    res.type('image/svg+xml').send(await qrSvg(v.link));
  });

  router.get('/publications/:pid/poster', async (req, res) => {
    const v = await getPublicationView(deps, req.actor, req.params.pid);
    res.page('admin/posters', { title: req.t('poster.title'), survey: v.survey, posters: [v], leftOut: [] }, { layout: 'layouts/print' });
  });

  router.post('/publications/:pid/active', async (req, res) => {
    const v = await getPublicationView(deps, req.actor, req.params.pid);
    await setPublicationActive(deps, req.actor, v.publication.id, (req.body as Record<string, unknown>).active === 'true');
    res.redirect(303, `/admin/surveys/${v.survey.id}#publications`);
  });

  /** ?all=1 includes stations residents cannot answer at now (paused, closed, draft); by default they are left out. */
  const all = (req: Request) => req.query.all === '1';

  router.get('/surveys/:id/posters', async (req, res) => {
    const survey = await getSurvey(deps, req.params.id);
    const { included, leftOut } = await posterPublications(deps, req.actor, survey, all(req));
    const posters = included.map((p) => ({ ...p, survey }));
    res.page('admin/posters', { title: req.t('poster.allTitle'), survey, posters, leftOut }, { layout: 'layouts/print' });
  });

  router.get('/surveys/:id/qr.zip', async (req, res) => {
    const survey = await getSurvey(deps, req.params.id);
    const { included } = await posterPublications(deps, req.actor, survey, all(req));
    res.type('application/zip').set('Content-Disposition', `attachment; filename="qr-${survey.id}.zip"`);
    await writeQrZip(included, res);
  });

  return router;
}
