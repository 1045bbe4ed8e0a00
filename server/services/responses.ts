import { CATALOG_TTL_MS, catalogCopyCurrent } from './catalog-ttl';
import type { Publication } from '../../models/publication';
import type { Site } from '../../models/site';
import { STAFF_CHANNELS, type AnswerValue, type Channel, type SurveyResponse } from '../../models/response';
import type { Survey } from '../../models/survey';
import { readFormAnswers, segmentOf, validateAnswers } from '../domain/answers';
import { publicationStage, type Stage } from '../domain/lifecycle';
import { checkPaperDate } from '../domain/paper-date';
import { honeypotFilled, qualityFlags } from '../domain/quality';
import { localDay } from '../domain/time';
import { GoneError, type FieldErrors } from '../errors';
import { newId, saltedHash } from '../ids';
import { deriveKey } from '../secrets';
import { noticeInBackground } from './case-notices';
import { caseOpeningFor } from './cases';
import type { Deps } from './context';
import type { FormToken } from './form-token';
import { versionQuestions } from './surveys';

export interface SubmitInput {
  publication: Publication;
  survey: Survey;
  site: Site;
  token: FormToken;
  body: Record<string, unknown>;
  /** The signed device cookie's id (null when the browser sent none). */
  deviceId: string | null;
  ipHash: string;
  /** The station worker entering an assisted or paper response. */
  enteredBy: string | null;
}

/** The form field holding the date written on a paper questionnaire (channel paper). */
export const PAPER_DATE_FIELD = 'paper_date';

export type SubmitResult =
  /** caseOpened: the response is a bad review and opened a case (以评促改). */
  | { kind: 'stored'; response: SurveyResponse; caseOpened?: boolean }
  /** The same submission token was stored before (double tap, retry, back button): nothing new stored. */
  | { kind: 'repeat'; response: SurveyResponse; caseOpened?: boolean }
  | { kind: 'invalid'; errors: FieldErrors }
  | { kind: 'already-answered' };

const deviceKeys = new WeakMap<Deps['config'], Buffer>();
export function deviceHashOf(deps: Pick<Deps, 'config'>, deviceId: string | null): string {
  if (!deviceId) return 'none';
  // HKDF once per configuration, not once per submission.
  let key = deviceKeys.get(deps.config);
  if (!key) deviceKeys.set(deps.config, (key = deriveKey(deps.config.sessionSecret, 'device')));
  return saltedHash(key, deviceId);
}

export interface LoadedPublication {
  publication: Publication;
  survey: Survey;
  site: Site;
}

export { CATALOG_TTL_MS };
const CATALOG_MAX_ENTRIES = 5_000;

interface CatalogCache {
  stamp: number | null;
  since: number;
  entries: Map<string, LoadedPublication | null>;
}
const catalogs = new WeakMap<Deps['store'], CatalogCache>();

/**
 * A publication by its public code, with its survey and station; null when any is missing. Cached
 * per store and checked with one tiny read (the catalog stamp) per call, so the resident path does
 * not read and parse the survey on every request. The response count of a cached survey is stale:
 * nothing on the resident path reads it.
 */
export async function loadPublication(deps: Deps, code: string): Promise<LoadedPublication | null> {
  const stamp = await deps.store.catalogStamp();
  const now = performance.now();
  let cache = catalogs.get(deps.store);
  if (!cache || !catalogCopyCurrent(cache, stamp, now) || cache.entries.size >= CATALOG_MAX_ENTRIES) {
    cache = { stamp, since: now, entries: new Map() };
    catalogs.set(deps.store, cache);
  }
  const cached = cache.entries.get(code);
  if (cached !== undefined) return cached;
  const loaded = await readPublication(deps, code);
  cache.entries.set(code, loaded);
  return loaded;
}

/**
 * What loadPublication would answer, when the answer is at hand without waiting: the store reads its
 * catalog stamp synchronously and the cache, still valid for that stamp, holds the code. Undefined
 * otherwise (then call loadPublication). Throws as the stamp's read does (a closed store).
 */
export function loadPublicationNow(deps: Deps, code: string): LoadedPublication | null | undefined {
  if (!deps.store.catalogStampNow) return undefined;
  const stamp = deps.store.catalogStampNow();
  const cache = catalogs.get(deps.store);
  if (!cache || !catalogCopyCurrent(cache, stamp, performance.now()) || cache.entries.size >= CATALOG_MAX_ENTRIES) return undefined;
  return cache.entries.get(code);
}

async function readPublication(deps: Deps, code: string): Promise<LoadedPublication | null> {
  const publication = await deps.store.publications.getByCode(code);
  if (!publication) return null;
  const [survey, site] = await Promise.all([deps.store.surveys.get(publication.surveyId), deps.store.sites.get(publication.siteId)]);
  return survey && site ? { publication, survey, site } : null;
}

/** Whether alreadyAnswered has anything to look up: a one-per-device survey, a device, not staff entry. */
export function answerCheckNeeded(survey: Survey, channel: Channel, deviceId: string | null): deviceId is string {
  return !STAFF_CHANNELS.includes(channel) && survey.settings.duplicatePolicy === 'one-per-device' && !!deviceId;
}

/** Whether this browser already answered a one-per-device survey (never for staff entry). */
export async function alreadyAnswered(deps: Deps, survey: Survey, channel: Channel, deviceId: string | null): Promise<boolean> {
  if (!answerCheckNeeded(survey, channel, deviceId)) return false;
  return deps.store.responses.existsForDevice(survey.id, deviceHashOf(deps, deviceId));
}

/** Where a publication stands now (draft, scheduled, open, paused, closed). The caller has read its site already. */
export function stageOf(deps: Pick<Deps, 'clock'>, publication: Publication, survey: Survey, site: Site | null): Stage {
  return publicationStage(survey, publication, site, deps.clock());
}

/**
 * Validates and stores one questionnaire. The response, the survey's count and the tallies it
 * changes are one transaction; a submission token already stored returns that response instead.
 */
export async function submitResponse(deps: Deps, input: SubmitInput): Promise<SubmitResult> {
  const { publication, survey, token } = input;
  if (token.channel === 'test') throw new GoneError('respond.ended');
  const channel: Channel = token.channel;
  if (stageOf(deps, publication, survey, input.site) !== 'open') throw new GoneError('respond.ended');

  const now = deps.clock();
  const { questions, segmentQuestionId } = await versionQuestions(deps, survey, token.version);
  const { raw, unknown } = readFormAnswers(input.body, questions);
  const { answers, errors, removedCharacters } = validateAnswers(raw, questions, { requireAnswers: channel !== 'paper' });
  for (const field of unknown) errors[field] = { key: 'answer.unknown' };
  let paperDate: string | null = null;
  if (channel === 'paper') {
    const checked = checkPaperDate(input.body[PAPER_DATE_FIELD], localDay(now, survey.timeZone));
    if ('error' in checked) errors[PAPER_DATE_FIELD] = checked.error;
    else paperDate = checked.day;
  }
  if (Object.keys(errors).length) return { kind: 'invalid', errors };

  const deviceHash = deviceHashOf(deps, input.deviceId);
  // Station staff enter many residents' answers from one device: device rules do not apply to them.
  const byStaff = STAFF_CHANNELS.includes(channel);
  if (!byStaff && survey.settings.duplicatePolicy === 'one-per-device' && input.deviceId) {
    // A repeat (double tap, retry, back button) is the device's own answer, not a second one: found
    // by its submission token before the device rule would call it "already answered".
    const earlier = await deps.store.responses.findBySubmissionToken(token.submissionToken);
    if (earlier) return repeatOf(deps, earlier);
    if (await deps.store.responses.existsForDevice(survey.id, deviceHash)) return { kind: 'already-answered' };
  }
  // Otherwise a repeat is not looked up first: the insert finds it under its submission token (the
  // unique key it has to check anyway) and answers with the stored response, storing nothing.

  const durationMs = Math.max(0, now.getTime() - token.issuedAt);
  // Counted only up to what the burst rule needs to know: the read stays bounded however busy the station.
  const [recent, deviceAtOtherSite] = await Promise.all([
    deps.store.responses.countSince(publication.id, new Date(now.getTime() - 60_000).toISOString(), survey.settings.burstPerMinute),
    input.deviceId && !byStaff ? deps.store.responses.deviceAtOtherSite(survey.id, deviceHash, publication.siteId) : Promise.resolve(false),
  ]);
  const flags = qualityFlags({
    durationMs,
    minAnswerSeconds: survey.settings.minAnswerSeconds,
    answers,
    questions,
    recentSubmissions: recent,
    burstPerMinute: survey.settings.burstPerMinute,
    deviceAtOtherSite,
    channel,
    honeypot: honeypotFilled(input.body),
    removedCharacters,
  });
  const response: SurveyResponse = {
    id: newId(),
    surveyId: survey.id,
    version: token.version,
    siteId: publication.siteId,
    publicationId: publication.id,
    channel,
    startedAt: new Date(token.issuedAt).toISOString(),
    submittedAt: now.toISOString(),
    // A paper questionnaire counts on the day the resident filled it in, not the day it was typed in.
    day: paperDate ?? localDay(now, survey.timeZone),
    durationMs,
    answers: answers as Record<string, AnswerValue>,
    segment: segmentOf(answers, segmentQuestionId),
    flags,
    review: null,
    reviewReason: null,
    reviewedBy: null,
    reviewedAt: null,
    deviceHash,
    ipHash: input.ipHash,
    submissionToken: token.submissionToken,
    enteredBy: byStaff ? input.enteredBy : null,
    isDemo: survey.isDemo,
    paperDate,
  };
  // 以评促改: a bad review opens its case in the response's own transaction.
  const opens = await caseOpeningFor(deps, survey, questions, response);
  // Its tallies are computed where it is written (the SQLite writer thread): the questions say how.
  const result = await deps.store.responses.insert(response, { questions }, opens);
  if (result.inserted && opens) void noticeInBackground(deps, 'case.opened', opens.case);
  if (result.inserted) return { kind: 'stored', response: result.response, caseOpened: !!opens };
  return repeatOf(deps, result.response);
}

/** A submission token stored before: its response, and whether it opened a case. */
async function repeatOf(deps: Deps, earlier: SurveyResponse): Promise<SubmitResult> {
  return { kind: 'repeat', response: earlier, caseOpened: !!(await deps.store.cases.getByResponse(earlier.id)) };
}
