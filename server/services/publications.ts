import archiver from 'archiver';
import QRCode from 'qrcode';
import type { Writable } from 'node:stream';
import { z } from 'zod';
import { idSchema } from '../../models/common';
import type { Publication } from '../../models/publication';
import type { Site } from '../../models/site';
import type { Survey } from '../../models/survey';
import { POSTER_STAGES, publicationStage, type Stage } from '../domain/lifecycle';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { newId, newPublicCode } from '../ids';
import { DuplicateKeyError } from '../store/store';
import { audit } from './audit';
import type { Actor, Deps } from './context';
import { assertCanManage, visibleSiteIds } from './permissions';
import type { QrMatrix } from '../domain/poster';
import { getSurvey, setSurveyStatus } from './surveys';
import { parseInput } from './validate';

export interface PublicationView {
  publication: Publication;
  site: Site;
  link: string;
  /** Where it stands for residents now: draft, scheduled, open, paused or closed. */
  stage: Stage;
}

/** The link a QR code encodes and a poster prints: PUBLIC_BASE_URL/s/<code>. */
export function publicLink(deps: Pick<Deps, 'config'>, code: string): string {
  return `${deps.config.publicBaseUrl}/s/${code}`;
}

export const publishSchema = z.strictObject({
  siteIds: z.array(idSchema).min(1).max(2000),
  /** Also open a draft survey, so residents can answer at once. */
  open: z.boolean().default(false),
});

export interface PublishResult {
  created: Publication[];
  /** The survey after publishing (opened when asked to). */
  survey: Survey;
  /** Set when the survey is still a draft: residents who scan see "not started yet" until it is opened. */
  stillDraft: boolean;
}

/**
 * Publishes a survey at stations: one publication with a new unguessable code per station
 * (existing ones are kept). A draft survey can be opened in the same step; otherwise the result
 * says it is still a draft, so the caller can warn that residents cannot answer yet.
 */
export async function publishAtSites(deps: Deps, actor: Actor, surveyId: string, input: unknown): Promise<PublishResult> {
  assertCanManage(actor);
  const { siteIds, open } = parseInput(publishSchema, input);
  let survey = await getSurvey(deps, surveyId);
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
  if (open && survey.status === 'draft') survey = await setSurveyStatus(deps, actor, surveyId, { status: 'open' });
  return { created, survey, stillDraft: survey.status === 'draft' };
}

/** A survey's publications with their sites and links, restricted to what the actor may see, in the order of their stations' codes. */
export async function listPublications(deps: Deps, actor: Actor, survey: Survey): Promise<PublicationView[]> {
  const visible = visibleSiteIds(actor);
  const bySite = new Map((await deps.store.publications.listBySurvey(survey.id)).map((p) => [p.siteId, p]));
  // sites.list is ordered by code on both stores.
  const sites = await deps.store.sites.list({ ids: [...bySite.keys()] });
  const now = deps.clock();
  return sites
    .filter((site) => !visible || visible.includes(site.id))
    .map((site) => {
      const p = bySite.get(site.id)!;
      return { publication: p, site, link: publicLink(deps, p.code), stage: publicationStage(survey, p, site, now) };
    });
}

/**
 * The publications whose posters and QR codes to hand out: by default only those residents can
 * answer now or soon (open, scheduled); `all` includes paused, closed and draft ones too.
 */
export async function posterPublications(deps: Deps, actor: Actor, survey: Survey, all: boolean): Promise<{ included: PublicationView[]; leftOut: PublicationView[] }> {
  const views = await listPublications(deps, actor, survey);
  if (all) return { included: views, leftOut: [] };
  return { included: views.filter((v) => POSTER_STAGES.includes(v.stage)), leftOut: views.filter((v) => !POSTER_STAGES.includes(v.stage)) };
}

export async function getPublicationView(deps: Deps, actor: Actor, publicationId: string): Promise<PublicationView & { survey: Survey }> {
  const publication = await deps.store.publications.get(publicationId);
  if (!publication) throw new NotFoundError();
  const visible = visibleSiteIds(actor);
  if (visible && !visible.includes(publication.siteId)) throw new NotFoundError();
  const [site, survey] = await Promise.all([deps.store.sites.get(publication.siteId), getSurvey(deps, publication.surveyId)]);
  if (!site) throw new NotFoundError();
  return { publication, site, survey, link: publicLink(deps, publication.code), stage: publicationStage(survey, publication, site, deps.clock()) };
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
