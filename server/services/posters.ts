import type { Writable } from 'node:stream';
import type { Survey } from '../../models/survey';
import { renderPosterPdf } from '../documents/poster-pdf';
import { renderPosterPng } from '../documents/poster-png';
import { buildPoster, type PosterModel } from '../domain/poster';
import { NotFoundError } from '../errors';
import type { Locale, Translate } from '../i18n';
import { audit } from './audit';
import type { Actor, Deps } from './context';
import { makeDownload, nameWords, titlePart, scopeParts, type Download, type PreparedDownload } from './downloads';
import { visibleSiteIds } from './permissions';
import { getPublicationView, posterPublications, qrMatrix, qrPng, writeQrZip, type PublicationView } from './publications';
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

export interface PosterFile extends Download {
  body: Buffer;
}

const posterOf = (survey: Survey, v: PublicationView, t: Translate): Poster => ({
  publicationId: v.publication.id,
  siteCode: v.site.code,
  model: buildPoster({ survey, site: v.site, link: v.link }, t),
});

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
  const words = nameWords(lang.locale);
  const download = makeDownload(
    deps,
    [
      titlePart(survey.title, 'survey'),
      { text: words.t('download.poster'), ascii: words.en('download.poster') },
      { text: poster.model.station, ascii: poster.siteCode },
    ],
    format,
    format === 'pdf' ? 'application/pdf' : 'image/png',
  );
  await audit(deps, actor, 'poster.download', { type: 'publication', id: publicationId }, { format, site: poster.siteCode, survey: survey.id, file: download.fileName });
  return { ...download, body };
}

/** Every poster of the survey's batch in one PDF, one page per station; the download is audited. */
export async function surveyPostersPdf(deps: Deps, actor: Actor, surveyId: string, lang: PosterLanguage, all = false): Promise<PosterFile> {
  const { survey, posters } = await getSurveyPosters(deps, actor, surveyId, lang.t, all);
  if (!posters.length) throw new NotFoundError('publish.none');
  const body = await renderPosterPdf(
    posters.map((p) => ({ model: p.model, qr: qrMatrix(p.model.qrPayload) })),
    { title: survey.title, lang: lang.locale },
  );
  const words = nameWords(lang.locale);
  const download = makeDownload(
    deps,
    [
      titlePart(survey.title, 'survey'),
      { text: words.t('download.posters'), ascii: words.en('download.posters') },
    ],
    'pdf',
    'application/pdf',
  );
  await audit(deps, actor, 'poster.download', { type: 'survey', id: survey.id }, { format: 'pdf', count: posters.length, file: download.fileName });
  return { ...download, body };
}

/** One station's QR code as a PNG of `size` pixels, named after the survey and station; audited. */
export async function qrPngFile(deps: Deps, actor: Actor, publicationId: string, size: number, locale: Locale): Promise<PosterFile> {
  const v = await getPublicationView(deps, actor, publicationId);
  const body = await qrPng(v.link, size);
  const words = nameWords(locale);
  const download = makeDownload(
    deps,
    [
      titlePart(v.survey.title, 'survey'),
      { text: words.t('download.qr'), ascii: words.en('download.qr') },
      { text: v.site.name, ascii: v.site.code },
    ],
    'png',
    'image/png',
  );
  await audit(deps, actor, 'qr.download', { type: 'publication', id: publicationId }, { format: 'png', rows: 1, stations: [v.site.code], survey: v.survey.id, file: download.fileName });
  return { ...download, body };
}

/** The printable poster page(s): opening them is audited like the PDF download. */
export async function printPosters(deps: Deps, actor: Actor, target: { publicationId: string } | { surveyId: string; all: boolean }, t: Translate) {
  if ('publicationId' in target) {
    const { survey, poster } = await getPoster(deps, actor, target.publicationId, t);
    await audit(deps, actor, 'poster.print', { type: 'publication', id: target.publicationId }, { site: poster.siteCode, survey: survey.id, count: 1 });
    return { survey, posters: [poster], leftOut: [] as PublicationView[] };
  }
  const batch = await getSurveyPosters(deps, actor, target.surveyId, t, target.all);
  await audit(deps, actor, 'poster.print', { type: 'survey', id: batch.survey.id }, { count: batch.posters.length, all: target.all });
  return batch;
}

/**
 * Every station's QR code as a PNG in one ZIP (the same stations as the poster batch), named after
 * the survey and its stations, audited with the number of codes.
 */
export async function prepareQrZip(deps: Deps, actor: Actor, surveyId: string, all: boolean, locale: Locale): Promise<PreparedDownload> {
  const survey = await getSurvey(deps, surveyId);
  const { included, leftOut } = await posterPublications(deps, actor, survey, all);
  const words = nameWords(locale);
  const everyStation = !leftOut.length && !visibleSiteIds(actor);
  const download = makeDownload(
    deps,
    [
      titlePart(survey.title, 'survey'),
      { text: words.t('download.qr'), ascii: words.en('download.qr') },
      ...scopeParts(words, included.map((v) => v.site), everyStation ? undefined : included.map((v) => v.site.id), {}),
    ],
    'zip',
    'application/zip',
  );
  const write = async (out: Writable): Promise<number> => {
    await writeQrZip(included, out);
    await audit(deps, actor, 'qr.download', { type: 'survey', id: survey.id }, { format: 'zip', rows: included.length, all, stations: included.map((v) => v.site.code), file: download.fileName });
    return included.length;
  };
  return { download, write };
}
