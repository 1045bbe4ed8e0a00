import archiver from 'archiver';
import QRCode from 'qrcode';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import type { Publication } from '../../models/publication';
import type { Site } from '../../models/site';
import type { Survey } from '../../models/survey';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { newId, newPublicCode } from '../ids';
import { DuplicateKeyError } from '../store/store';
import { audit } from './audit';
import type { Actor, Deps } from './context';
import { assertCanManage, visibleSiteIds } from './permissions';
import type { QrMatrix } from '../domain/poster';
import { publicationState } from './responses';
import { getSurvey } from './surveys';
import { parseInput } from './validate';

export interface PublicationView {
  publication: Publication;
  site: Site;
  link: string;
}

/** The link a QR code encodes and a poster prints: PUBLIC_BASE_URL/s/<code>. */
export function publicLink(deps: Pick<Deps, 'config'>, code: string): string {
  return `${deps.config.publicBaseUrl}/s/${code}`;
}

const publishSchema = z.strictObject({ siteIds: z.array(z.string().min(1).max(64)).min(1).max(2000) });

/** Publishes a survey at stations: one publication with a new unguessable code per station (existing ones are kept). */
export async function publishAtSites(deps: Deps, actor: Actor, surveyId: string, input: unknown): Promise<Publication[]> {
  assertCanManage(actor);
  const { siteIds } = parseInput(publishSchema, input);
  const survey = await getSurvey(deps, surveyId);
  if (survey.status === 'archived') throw new ConflictError('survey.archived');
  const sites = await deps.store.sites.list({ ids: [...new Set(siteIds)] });
  const missing = siteIds.filter((id) => !sites.some((s) => s.id === id));
  if (missing.length) throw new ValidationError({ siteIds: { key: 'user.unknownSite', params: { site: missing.join(', ') } } });
  const created: Publication[] = [];
  for (const site of sites) {
    if (await deps.store.publications.findBySurveyAndSite(surveyId, site.id)) continue;
    for (let attempt = 0; attempt < 6; attempt++) {
      const publication: Publication = { id: newId(), surveyId, siteId: site.id, code: newPublicCode(), active: true, createdAt: deps.clock().toISOString() };
      try {
        await deps.store.publications.create(publication);
        created.push(publication);
        break;
      } catch (err) {
        if (!(err instanceof DuplicateKeyError)) throw err;
        // Another request published this station meanwhile: nothing to do.
        if (await deps.store.publications.findBySurveyAndSite(surveyId, site.id)) break;
        // Otherwise the code collided (about 1 in 10^15 per pair): draw another.
        if (attempt === 5) throw err;
      }
    }
  }
  if (created.length) {
    await audit(deps, actor, 'survey.publish', { type: 'survey', id: surveyId }, { sites: created.map((p) => p.siteId) });
  }
  return created;
}

/** A survey's publications with their sites and links, restricted to what the actor may see. */
export async function listPublications(deps: Deps, actor: Actor, survey: Survey): Promise<PublicationView[]> {
  const pubs = await deps.store.publications.listBySurvey(survey.id);
  const visible = visibleSiteIds(actor);
  const sites = new Map((await deps.store.sites.list({ ids: pubs.map((p) => p.siteId) })).map((s) => [s.id, s]));
  return pubs
    .filter((p) => !visible || visible.includes(p.siteId))
    .map((p) => ({ publication: p, site: sites.get(p.siteId)!, link: publicLink(deps, p.code) }))
    .filter((v) => v.site);
}

/**
 * The publications that get a poster in a survey's poster batch (the printable page and the PDF).
 * Any filtering of the batch (e.g. to stations that take answers) belongs here, in this one place.
 */
export function posterPublications(deps: Deps, actor: Actor, survey: Survey): Promise<PublicationView[]> {
  return listPublications(deps, actor, survey);
}

export type AnsweringState = ReturnType<typeof publicationState>;

/** Whether residents can answer at this publication now: the one place pages other than the questionnaire ask. */
export function answeringState(deps: Pick<Deps, 'clock'>, view: PublicationView, survey: Survey): { state: AnsweringState; open: boolean } {
  const state = publicationState(deps, view.publication, survey, view.site);
  return { state, open: state === 'open' };
}

export async function getPublicationView(deps: Deps, actor: Actor, publicationId: string): Promise<PublicationView & { survey: Survey }> {
  const publication = await deps.store.publications.get(publicationId);
  if (!publication) throw new NotFoundError();
  const visible = visibleSiteIds(actor);
  if (visible && !visible.includes(publication.siteId)) throw new NotFoundError();
  const [site, survey] = await Promise.all([deps.store.sites.get(publication.siteId), getSurvey(deps, publication.surveyId)]);
  if (!site) throw new NotFoundError();
  return { publication, site, survey, link: publicLink(deps, publication.code) };
}

export async function setPublicationActive(deps: Deps, actor: Actor, publicationId: string, active: boolean): Promise<void> {
  assertCanManage(actor);
  const publication = await deps.store.publications.get(publicationId);
  if (!publication) throw new NotFoundError();
  await deps.store.publications.setActive(publicationId, active);
  await audit(deps, actor, active ? 'publication.activate' : 'publication.deactivate', { type: 'publication', id: publicationId });
}

/** QR options: error correction Q (25% of the code may be damaged or covered), a 4-module quiet zone. */
const QR_OPTIONS = { errorCorrectionLevel: 'Q', margin: 4 } as const;

/** A PNG sized for print: 1024 px ≈ 8.7 cm at 300 dpi. */
export function qrPng(link: string, width = 1024): Promise<Buffer> {
  // One PNG filter ("up": QR rows repeat) instead of pngjs's adaptive search: same image, a fraction of the CPU.
  return QRCode.toBuffer(link, { ...QR_OPTIONS, type: 'png', width, rendererOpts: { filterType: 2 } as never });
}

/** The QR code's modules (no quiet zone), for renderers that draw it as shapes. */
export function qrMatrix(link: string): QrMatrix {
  const { modules } = QRCode.create(link, { errorCorrectionLevel: QR_OPTIONS.errorCorrectionLevel });
  return { size: modules.size, modules: modules.data };
}

export function qrSvg(link: string): Promise<string> {
  return QRCode.toString(link, { ...QR_OPTIONS, type: 'svg' });
}

/** A data: URL of the QR image, for posters (img-src allows data:). */
export function qrDataUrl(link: string, width = 600): Promise<string> {
  return QRCode.toDataURL(link, { ...QR_OPTIONS, width });
}

/** Streams a ZIP of every station's QR code as <station code>.png. */
export async function writeQrZip(views: PublicationView[], out: Writable): Promise<void> {
  const zip = archiver('zip', { zlib: { level: 6 } });
  const done = new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('finish', resolve);
    zip.on('error', reject);
  });
  zip.pipe(out);
  for (const v of views) {
    const safeName = v.site.code.replace(/[^A-Za-z0-9_-]/g, '_');
    zip.append(await qrPng(v.link), { name: `${safeName}.png` });
  }
  await zip.finalize();
  await done;
}
