import { Router, type Request, type Response } from 'express';
import { sendDownloadHeaders } from '../../http/download';
import type { Deps } from '../../services/context';
import { posterFile, prepareQrZip, printPosters, qrPngFile, surveyPostersPdf, type PosterFile } from '../../services/posters';
import { getPublicationView, qrSvg, setPublicationActive } from '../../services/publications';

const sendFile = (res: Response, file: PosterFile) => {
  sendDownloadHeaders(res, file);
  res.send(file.body);
};
/** Posters follow the page language, like the printable poster. */
const languageOf = (req: Request) => ({ t: req.t, locale: req.locale });

/** QR codes, printable posters and the ZIP of all QR images. */
export function publicationsRouter(deps: Deps): Router {
  const router = Router();

  router.get('/publications/:pid/qr.png', async (req, res) => {
    const size = Math.min(2048, Math.max(256, Number(req.query.size) || 1024));
    const file = await qrPngFile(deps, req.actor, req.params.pid, size, req.locale);
    sendDownloadHeaders(res, file, 'inline');
    res.send(file.body);
  });

  router.get('/publications/:pid/qr.svg', async (req, res) => {
    const v = await getPublicationView(deps, req.actor, req.params.pid);
    res.type('image/svg+xml').send(await qrSvg(v.link));
  });

  router.get('/publications/:pid/poster', async (req, res) => {
    const { survey, posters } = await printPosters(deps, req.actor, { publicationId: req.params.pid }, req.t);
    res.page('admin/posters', { title: req.t('poster.title'), survey, posters, leftOut: [], single: true }, { layout: 'layouts/print' });
  });

  router.get('/publications/:pid/poster.pdf', async (req, res) => {
    sendFile(res, await posterFile(deps, req.actor, req.params.pid, 'pdf', languageOf(req)));
  });

  router.get('/publications/:pid/poster.png', async (req, res) => {
    sendFile(res, await posterFile(deps, req.actor, req.params.pid, 'png', languageOf(req)));
  });

  router.post('/publications/:pid/active', async (req, res) => {
    const v = await getPublicationView(deps, req.actor, req.params.pid);
    await setPublicationActive(deps, req.actor, v.publication.id, (req.body as Record<string, unknown>).active === 'true');
    res.redirect(303, `/admin/surveys/${v.survey.id}#publications`);
  });

  /** ?all=1 includes stations residents cannot answer at now (paused, closed, draft); by default they are left out. */
  const all = (req: Request) => req.query.all === '1';

  router.get('/surveys/:id/posters', async (req, res) => {
    const { survey, posters, leftOut } = await printPosters(deps, req.actor, { surveyId: req.params.id, all: all(req) }, req.t);
    res.page('admin/posters', { title: req.t('poster.allTitle'), survey, posters, leftOut, single: false, all: all(req) }, { layout: 'layouts/print' });
  });

  router.get('/surveys/:id/posters.pdf', async (req, res) => {
    sendFile(res, await surveyPostersPdf(deps, req.actor, req.params.id, languageOf(req), all(req)));
  });

  router.get('/surveys/:id/qr.zip', async (req, res) => {
    const job = await prepareQrZip(deps, req.actor, req.params.id, all(req), req.locale);
    sendDownloadHeaders(res, job.download);
    await job.write(res);
  });

  return router;
}
