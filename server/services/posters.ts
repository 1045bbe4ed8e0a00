import type { Survey } from '../../models/survey';
import { renderPosterPdf } from '../documents/poster-pdf';
import { renderPosterPng } from '../documents/poster-png';
import { buildPoster, type PosterModel } from '../domain/poster';
import { NotFoundError } from '../errors';
import type { Locale, Translate } from '../i18n';
import { audit } from './audit';
import type { Actor, Deps } from './context';
import { getPublicationView, posterPublications, qrMatrix, type PublicationView } from './publications';
import { getSurvey } from './surveys';

/** One station's poster: its content and what the page needs to link to it. */
export interface Poster {
  publicationId: string;
  siteCode: string;
  model: PosterModel;
}

/** How posters are written: the page language's translator and its code (for the PDF's language tag). */
export interface PosterLanguage {
  t: Translate;
  locale: Locale;
}

export interface PosterFile {
  fileName: string;
  contentType: 'application/pdf' | 'image/png';
  body: Buffer;
}

const posterOf = (survey: Survey, v: PublicationView, t: Translate): Poster => ({
  publicationId: v.publication.id,
  siteCode: v.site.code,
  model: buildPoster({ survey, site: v.site, link: v.link }, t),
});

/** A file name from a station code: letters, digits, '-' and '_' only. */
const safe = (s: string) => s.replace(/[^A-Za-z0-9_-]/g, '_');

/** One station's poster, for the printable page (station staff: their stations only, others 404). */
export async function getPoster(deps: Deps, actor: Actor, publicationId: string, t: Translate): Promise<{ survey: Survey; poster: Poster }> {
  const v = await getPublicationView(deps, actor, publicationId);
  return { survey: v.survey, poster: posterOf(v.survey, v, t) };
}

/**
 * The survey's poster batch, as far as the actor may see it: stations residents can answer at now
 * or soon (open, scheduled), or all of them with `all`; `leftOut` names the others.
 */
export async function getSurveyPosters(
  deps: Deps,
  actor: Actor,
  surveyId: string,
  t: Translate,
  all = false,
): Promise<{ survey: Survey; posters: Poster[]; leftOut: PublicationView[] }> {
  const survey = await getSurvey(deps, surveyId);
  const { included, leftOut } = await posterPublications(deps, actor, survey, all);
  return { survey, posters: included.map((v) => posterOf(survey, v, t)), leftOut };
}

/** One station's poster as an A4 PDF or PNG (150 dpi); the download is audited. */
export async function posterFile(deps: Deps, actor: Actor, publicationId: string, format: 'pdf' | 'png', lang: PosterLanguage): Promise<PosterFile> {
  const { survey, poster } = await getPoster(deps, actor, publicationId, lang.t);
  const page = { model: poster.model, qr: qrMatrix(poster.model.qrPayload) };
  const body = format === 'pdf' ? await renderPosterPdf([page], { title: `${poster.model.station} · ${survey.title}`, lang: lang.locale }) : await renderPosterPng(page);
  await audit(deps, actor, 'poster.download', { type: 'publication', id: publicationId }, { format, site: poster.siteCode, survey: survey.id });
  return { fileName: `poster-${safe(poster.siteCode)}.${format}`, contentType: format === 'pdf' ? 'application/pdf' : 'image/png', body };
}

/** Every poster of the survey's batch in one PDF, one page per station; the download is audited. */
export async function surveyPostersPdf(deps: Deps, actor: Actor, surveyId: string, lang: PosterLanguage, all = false): Promise<PosterFile> {
  const { survey, posters } = await getSurveyPosters(deps, actor, surveyId, lang.t, all);
  if (!posters.length) throw new NotFoundError('publish.none');
  const body = await renderPosterPdf(
    posters.map((p) => ({ model: p.model, qr: qrMatrix(p.model.qrPayload) })),
    { title: survey.title, lang: lang.locale },
  );
  await audit(deps, actor, 'poster.download', { type: 'survey', id: survey.id }, { format: 'pdf', count: posters.length });
  return { fileName: `posters-${safe(survey.id)}.pdf`, contentType: 'application/pdf', body };
}
