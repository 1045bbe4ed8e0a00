import crypto from 'node:crypto';
import type { CaseContact, CaseRecord } from '../../models/case';
import { ACTIVE_CASE_STATUSES } from '../../models/case';
import type { SurveyResponse } from '../../models/response';
import type { Question, Survey } from '../../models/survey';
import {
  applyStep,
  badAnswers,
  caseSettingsOf,
  isLate,
  markNamed,
  NEXT_STEPS,
  openCase,
  OVERSIGHT_STEPS,
  refreshDue,
  STATION_STEPS,
  StepRefused,
  type StepInput,
} from '../domain/cases/case-flow';
import { caseMetrics, caseMetricsBySite, type CaseMetrics } from '../domain/cases/metrics';
import { workCalendar, type WorkCalendar } from '../domain/cases/working-days';
import { localDay } from '../domain/time';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../errors';
import type { MessageKey } from '../i18n';
import { newId, sha256 } from '../ids';
import { deriveKey } from '../secrets';
import type { CaseFilter, CaseOpening } from '../store/store';
import { audit } from './audit';
import { catalogCopyCurrent } from './catalog-ttl';
import { caseStepSchema, stepFromBody } from './case-step-input';
import { parseInput } from './validate';
import type { Actor, Deps } from './context';
import { canManage, visibleSiteIds } from './permissions';
import { versionQuestions } from './surveys';

/** Receipt codes: no 0/O, 1/I/L or U, so a code read aloud or copied by hand stays unambiguous. */
export const RECEIPT_ALPHABET = '23456789ABCDEFGHJKMNPQRSTVWXYZ';
/** 10 characters of 30: log2(30^10) ≈ 49 bits. */
export const RECEIPT_LENGTH = 10;

const keys = new WeakMap<Deps['config'], { receipt: Buffer; ref: Buffer }>();
function keysOf(deps: Pick<Deps, 'config'>) {
  let k = keys.get(deps.config);
  if (!k) {
    k = { receipt: deriveKey(deps.config.sessionSecret, 'case-receipt'), ref: deriveKey(deps.config.sessionSecret, 'case-ref') };
    keys.set(deps.config, k);
  }
  return k;
}

/**
 * A case's receipt code, derived from its id with a server key: the thank-you page can show it
 * again (a reload, the back button) while the store keeps only its hash.
 */
export function receiptCodeOf(deps: Pick<Deps, 'config'>, caseId: string): string {
  let out = '';
  for (let round = 0; out.length < RECEIPT_LENGTH; round++) {
    const bytes = crypto.createHmac('sha256', keysOf(deps).receipt).update(`${caseId}:${round}`).digest();
    // Bytes ≥ 240 are skipped so every character is equally likely (240 = 8 × 30).
    for (const b of bytes) if (b < 240 && out.length < RECEIPT_LENGTH) out += RECEIPT_ALPHABET[b % 30];
  }
  return out;
}

/** A code as typed: case and spaces or dashes do not matter; null when it cannot be a code. */
export function normaliseReceipt(input: string): string | null {
  const code = input.toUpperCase().replace(/[\s-]/g, '');
  if (code.length !== RECEIPT_LENGTH) return null;
  for (const ch of code) if (!RECEIPT_ALPHABET.includes(ch)) return null;
  return code;
}

export const receiptHash = (code: string) => sha256(`receipt:${code}`);
export const formatReceipt = (code: string) => `${code.slice(0, 5)}-${code.slice(5)}`;

/** The response's signed reference: the thank-you page's proof that this browser submitted it. */
export function responseRef(deps: Pick<Deps, 'config'>, responseId: string): string {
  const mac = crypto.createHmac('sha256', keysOf(deps).ref).update(responseId).digest('base64url').slice(0, 22);
  return `${responseId}.${mac}`;
}

/** The response id of a valid reference, else null. */
export function verifyResponseRef(deps: Pick<Deps, 'config'>, ref: unknown): string | null {
  if (typeof ref !== 'string' || ref.length > 120) return null;
  const dot = ref.lastIndexOf('.');
  if (dot <= 0) return null;
  const id = ref.slice(0, dot);
  const expected = responseRef(deps, id);
  const a = Buffer.from(ref);
  const b = Buffer.from(expected);
  return a.length === b.length && crypto.timingSafeEqual(a, b) ? id : null;
}

const calendars = new WeakMap<Deps['store'], { stamp: number | null; since: number; calendar: WorkCalendar }>();

/**
 * The working-day calendar (休/班 overrides), kept per store like the resident path's publications
 * (services/responses.ts): checked against the catalog stamp, which SQLite's triggers also bump on
 * every calendar write, so the next call sees a change from any process; on a store without a stamp
 * (MongoDB) it is read again after CATALOG_TTL_MS, the bound within which another instance's edit
 * reaches the deadlines of new cases. This instance's own edits are seen at once (forgetCalendar).
 * A bad review opens a case on the submission's path, which read and parsed the calendar each time.
 */
export async function loadCalendar(deps: Pick<Deps, 'store'>): Promise<WorkCalendar> {
  const stamp = await deps.store.catalogStamp();
  const now = performance.now();
  const kept = calendars.get(deps.store);
  if (kept && catalogCopyCurrent(kept, stamp, now)) return kept.calendar;
  const calendar = workCalendar(await deps.store.calendar.list());
  calendars.set(deps.store, { stamp, since: now, calendar });
  return calendar;
}

/** After this instance wrote the calendar: the next loadCalendar reads it again. */
export function forgetCalendar(deps: Pick<Deps, 'store'>): void {
  calendars.delete(deps.store);
}

/**
 * The case a new response opens, if any: its overall or a satisfaction item at the survey's bad
 * levels. Written with the response in one transaction (ResponseRepo.insert).
 */
export async function caseOpeningFor(deps: Deps, survey: Survey, questions: readonly Question[], response: SurveyResponse): Promise<CaseOpening | undefined> {
  const settings = caseSettingsOf(survey.settings);
  const bad = badAnswers(questions, response.answers, settings.levels);
  if (bad.length === 0) return undefined;
  const id = newId();
  const c = openCase(await loadCalendar(deps), settings, {
    id,
    responseId: response.id,
    surveyId: response.surveyId,
    siteId: response.siteId,
    at: response.submittedAt,
    day: localDay(new Date(response.submittedAt), survey.timeZone),
    questionIds: bad,
  });
  return { case: c, receiptHash: receiptHash(receiptCodeOf(deps, id)) };
}

/** What the thank-you page offers after a bad review: the receipt code and whether a contact was left. */
export interface ThanksCase {
  ref: string;
  code: string;
  named: boolean;
}

export async function caseForThanks(deps: Deps, ref: unknown): Promise<ThanksCase | null> {
  const responseId = verifyResponseRef(deps, ref);
  if (!responseId) return null;
  const c = await deps.store.cases.getByResponse(responseId);
  if (!c) return null;
  return { ref: ref as string, code: formatReceipt(receiptCodeOf(deps, c.id)), named: c.named };
}

/** The resident acting on the thank-you page: no account, no name. */
const RESIDENT: Actor = { id: null, name: 'resident', role: 'public', siteIds: [] };

/** A mainland mobile (1xxxxxxxxxx) or a landline with area code; spaces and dashes allowed. */
const PHONE = /^(1[3-9]\d{9}|0\d{2,3}\d{7,8}(\d{1,6})?)$/;

/**
 * The resident leaves a phone number (and may ask for a call-back) for the case of the response
 * they just submitted; only the holder of the response's signed reference can.
 */
export async function leaveContact(deps: Deps, input: { ref: unknown; phone: unknown; callback: unknown }): Promise<void> {
  const responseId = verifyResponseRef(deps, input.ref);
  const c = responseId ? await deps.store.cases.getByResponse(responseId) : null;
  if (!c) throw new NotFoundError();
  const phone = typeof input.phone === 'string' ? input.phone.replace(/[\s-]/g, '') : '';
  if (!PHONE.test(phone)) throw new ValidationError({ phone: { key: phone ? 'cases.error.phone' : 'cases.error.phoneRequired' } });
  const now = deps.clock().toISOString();
  const contact: CaseContact = { caseId: c.id, phone, callback: input.callback === '1', createdAt: now, deleteAfter: null };
  await deps.store.cases.putContact(contact);
  if (!c.named) await saveCase(deps, c, markNamed(c, now));
  await audit(deps, RESIDENT, 'case.contact', { type: 'case', id: c.id }, { callback: contact.callback });
}

async function saveCase(deps: Deps, before: CaseRecord, next: CaseRecord, retainUntil?: string | null): Promise<CaseRecord> {
  const saved = await deps.store.cases.update(before.id, before.updatedAt, next, retainUntil);
  if (!saved) throw new ConflictError('cases.error.changed');
  return saved;
}

/** What /c/<code> shows: the status and the due day of the awaited step, nothing else. */
export async function caseByReceipt(deps: Deps, rawCode: string): Promise<Pick<CaseRecord, 'status' | 'nextDue'> | null> {
  const code = normaliseReceipt(rawCode);
  if (!code) return null;
  const c = await deps.store.cases.findByReceipt(receiptHash(code), deps.clock().toISOString());
  return c ? { status: c.status, nextDue: c.nextDue } : null;
}

const todayOf = (deps: Deps) => localDay(deps.clock(), deps.config.timeZone);

/** Station staff act for their stations; admins for all. */
function canWorkOn(actor: Actor, c: CaseRecord): boolean {
  if (actor.scope === 'read') return false;
  if (actor.role === 'station') return actor.siteIds.includes(c.siteId);
  return actor.role === 'admin' || actor.role === 'system';
}
/** Contacts: the case's station staff and admins only. */
export function canSeeContact(actor: Actor, c: CaseRecord): boolean {
  if (actor.role === 'station') return actor.siteIds.includes(c.siteId);
  return actor.role === 'admin';
}

function assertCanSee(actor: Actor, c: CaseRecord | null): asserts c is CaseRecord {
  if (!c) throw new NotFoundError();
  const visible = visibleSiteIds(actor);
  if (visible && !visible.includes(c.siteId)) throw new NotFoundError();
}

export interface CaseRow extends CaseRecord {
  late: boolean;
}
const withLate = (c: CaseRecord, today: string): CaseRow => ({ ...c, late: isLate(c, today) });

/** A station worker's cases still to handle: late first, then by deadline. */
export async function stationCases(deps: Deps, actor: Actor): Promise<CaseRow[]> {
  if (actor.role !== 'station' || actor.siteIds.length === 0) return [];
  const today = todayOf(deps);
  const list = await deps.store.cases.list({ siteIds: actor.siteIds, statuses: [...ACTIVE_CASE_STATUSES] });
  return list
    .map((c) => withLate(c, today))
    .sort((a, b) => (a.nextDue ?? '9999').localeCompare(b.nextDue ?? '9999') || a.id.localeCompare(b.id));
}

/** The count in the header: the actor's cases due today or late (one indexed count). */
export async function casesDueCount(deps: Deps, actor: Actor): Promise<number> {
  if (actor.role !== 'station' || actor.siteIds.length === 0) return 0;
  return deps.store.cases.countDue(actor.siteIds, todayOf(deps));
}

export interface SurveyCaseFilter {
  siteId?: string;
  status?: string;
  late?: boolean;
}

/** A survey's cases (station staff: their stations'), filtered. */
export async function surveyCases(deps: Deps, actor: Actor, surveyId: string, f: SurveyCaseFilter = {}): Promise<CaseRow[]> {
  const survey = await deps.store.surveys.get(surveyId);
  if (!survey) throw new NotFoundError();
  const visible = visibleSiteIds(actor);
  const filter: CaseFilter = { surveyId };
  if (f.siteId) filter.siteIds = visible && !visible.includes(f.siteId) ? [] : [f.siteId];
  else if (visible) filter.siteIds = visible;
  const today = todayOf(deps);
  if (f.status && (ACTIVE_CASE_STATUSES as readonly string[]).concat(['closed', 'reviewed']).includes(f.status)) filter.statuses = [f.status as CaseRecord['status']];
  if (f.late) filter.dueBefore = today;
  return (await deps.store.cases.list(filter)).map((c) => withLate(c, today));
}

export interface CaseDetail {
  case: CaseRow;
  survey: Survey;
  response: SurveyResponse;
  questions: Question[];
  contact: CaseContact | null;
  /** Steps this actor may take now. */
  steps: StepInput['step'][];
}

/** One case with its response; the contact when the actor may see it (each view audited). */
export async function caseDetail(deps: Deps, actor: Actor, id: string, options: { withContact?: boolean } = { withContact: true }): Promise<CaseDetail> {
  const c = await deps.store.cases.get(id);
  assertCanSee(actor, c);
  const [survey, response] = await Promise.all([deps.store.surveys.get(c.surveyId), deps.store.responses.get(c.responseId)]);
  if (!survey || !response) throw new NotFoundError();
  const { questions } = await versionQuestions(deps, survey, response.version);
  let contact: CaseContact | null = null;
  if (options.withContact !== false && canSeeContact(actor, c)) {
    contact = await deps.store.cases.getContact(c.id);
    if (contact) await audit(deps, actor, 'case.contact.view', { type: 'case', id: c.id }, { siteId: c.siteId });
  }
  return { case: withLate(c, todayOf(deps)), survey, response, questions, contact, steps: allowedSteps(actor, c) };
}

export function allowedSteps(actor: Actor, c: CaseRecord): StepInput['step'][] {
  const station = canWorkOn(actor, c);
  const oversight = canManage(actor);
  return NEXT_STEPS[c.status].filter((s) => (c.appeal && s === 'appeal' ? false : (station && STATION_STEPS.includes(s)) || (oversight && OVERSIGHT_STEPS.includes(s))));
}

const STEP_AUDIT_ACTION = {
  contact: 'case.contacted',
  verify: 'case.verify',
  act: 'case.act',
  close: 'case.close',
  review: 'case.review',
  reopen: 'case.reopen',
  appeal: 'case.appeal',
} as const;

/** Whether the actor may take any case step at all (viewers and read-only tokens may not): checked before the body is read. */
export function assertMayTakeSteps(actor: Actor): void {
  const roles: Actor['role'][] = ['station', 'admin', 'evaluator', 'system'];
  if (!roles.includes(actor.role) || actor.scope === 'read') throw new ForbiddenError();
}

/**
 * Reads a step from a form: the same schema and normalisation as the API's PATCH (empty fields are
 * left out, as a form sends every input); field errors name the field.
 */
export function readStep(body: Record<string, unknown>): StepInput {
  const fields: Record<string, unknown> = {};
  for (const k of ['step', 'note', 'finding', 'action', 'item', 'itemDue', 'appeal']) {
    const v = body[k];
    if (typeof v === 'string' && (v !== '' || k === 'note')) fields[k] = v;
  }
  return stepFromBody(parseInput(caseStepSchema, fields));
}

/** Records one step by the actor; audited. `expectedUpdatedAt` guards against two people at once. */
export async function recordStep(deps: Deps, actor: Actor, id: string, input: StepInput, expectedUpdatedAt?: string): Promise<CaseRecord> {
  assertMayTakeSteps(actor);
  const c = await deps.store.cases.get(id);
  assertCanSee(actor, c);
  const station = STATION_STEPS.includes(input.step);
  if (station ? !canWorkOn(actor, c) : !canManage(actor)) throw new ForbiddenError('cases.error.notYours');
  if (expectedUpdatedAt && expectedUpdatedAt !== c.updatedAt) throw new ConflictError('cases.error.changed');
  const survey = await deps.store.surveys.get(c.surveyId);
  if (!survey) throw new NotFoundError();
  const now = deps.clock();
  let next: CaseRecord;
  try {
    next = applyStep(c, input, {
      at: now.toISOString(),
      today: localDay(now, survey.timeZone),
      by: actor.id,
      byName: actor.name,
      cal: await loadCalendar(deps),
      settings: caseSettingsOf(survey.settings),
    });
  } catch (err) {
    // A step the status no longer allows (someone else moved the case on) conflicts; a missing reason is bad input.
    if (err instanceof StepRefused && err.field === 'step') throw new ConflictError(err.key as MessageKey);
    if (err instanceof StepRefused) throw new ValidationError({ [err.field]: { key: err.key as MessageKey } });
    throw err;
  }
  // Closing starts the contact's retention; reopening stops it.
  const retainUntil = input.step === 'close' ? new Date(now.getTime() + deps.config.caseContactDays * 86_400_000).toISOString() : input.step === 'reopen' ? null : undefined;
  const saved = await saveCase(deps, c, next, retainUntil);
  const details: Record<string, unknown> = { siteId: c.siteId, from: c.status, to: saved.status };
  if (input.step === 'verify') details.finding = input.finding;
  if (input.step === 'act') details.action = input.action;
  if (input.step === 'appeal') details.appeal = input.appeal;
  if (input.note && (input.step === 'reopen' || input.step === 'appeal')) details.reason = input.note;
  await audit(deps, actor, STEP_AUDIT_ACTION[input.step], { type: 'case', id: c.id }, details);
  return saved;
}

/** Deletes contacts and receipt codes whose retention ran out (at start and hourly). */
export async function sweepCaseContacts(deps: Deps): Promise<{ contacts: number; receipts: number }> {
  const swept = await deps.store.cases.sweep(deps.clock().toISOString());
  if (swept.contacts || swept.receipts) deps.logger.info({ ...swept }, 'case contacts past their retention deleted');
  return swept;
}

/** Cases opened while the calendar lacked a year get their due days once the admin entered the notice. */
export async function refreshCaseDeadlines(deps: Deps): Promise<number> {
  const cal = await loadCalendar(deps);
  let n = 0;
  const surveys = new Map<string, Survey | null>();
  for (const c of await deps.store.cases.list({ statuses: [...ACTIVE_CASE_STATUSES] })) {
    if (c.calendarGap === null) continue;
    if (!surveys.has(c.surveyId)) surveys.set(c.surveyId, await deps.store.surveys.get(c.surveyId));
    const survey = surveys.get(c.surveyId);
    if (!survey) continue;
    const next = refreshDue(c, cal, caseSettingsOf(survey.settings));
    if (next.calendarGap === c.calendarGap && next.due.close === c.due.close) continue;
    if (await deps.store.cases.update(c.id, c.updatedAt, next)) n++;
  }
  return n;
}

/** Case metrics of a survey, per station and overall (恶意/误评 left out). */
/** A survey's cases at some stations (all when not given), opened within a period of local days (both ends optional). */
async function casesInScope(deps: Deps, surveyId: string, scope: CaseScope): Promise<CaseRecord[]> {
  const cases = await deps.store.cases.list({ surveyId, ...(scope.siteIds ? { siteIds: scope.siteIds } : {}) });
  return cases.filter((c) => (!scope.dayFrom || c.openedDay >= scope.dayFrom) && (!scope.dayTo || c.openedDay <= scope.dayTo));
}

/** Stations and a period of opening days that case figures are limited to. */
export interface CaseScope {
  siteIds?: string[];
  dayFrom?: string;
  dayTo?: string;
}

/** Per-station case rates as table rows, by station code (stations no longer listed keep their rows, unnamed, at the top). */
export function caseStationRows<S extends { id: string; code: string }>(sites: Map<string, CaseMetrics>, siteById: ReadonlyMap<string, S>): { site: S | undefined; m: CaseMetrics }[] {
  return [...sites.entries()].map(([id, m]) => ({ site: siteById.get(id), m })).sort((a, b) => (a.site?.code ?? '').localeCompare(b.site?.code ?? ''));
}

/**
 * The survey's case rates, overall and per station, over the stations the actor may see; `scope`
 * narrows them to some stations and to cases opened within a period (the analysis report's filters).
 */
export async function surveyCaseMetrics(
  deps: Deps,
  actor: Actor,
  surveyId: string,
  scope: CaseScope = {},
): Promise<{ overall: CaseMetrics; sites: Map<string, CaseMetrics> }> {
  const survey = await deps.store.surveys.get(surveyId);
  if (!survey) throw new NotFoundError();
  const visible = visibleSiteIds(actor);
  const siteIds = scope.siteIds ? (visible ? scope.siteIds.filter((id) => visible.includes(id)) : scope.siteIds) : (visible ?? undefined);
  const cases = await casesInScope(deps, surveyId, { ...scope, siteIds });
  const tz = survey.timeZone;
  return caseMetricsBySite(cases, localDay(deps.clock(), tz), (iso) => localDay(new Date(iso), tz), await loadCalendar(deps));
}

/**
 * The hourly 以评促改 job: deletes contacts past their retention, at once and then every `everyMs`.
 * `onTick` runs after each sweep (late-case notices hang there). Returns the stop function.
 */
export function startCaseJobs(deps: Deps, options: { everyMs?: number; onTick?: () => Promise<void> } = {}): () => void {
  const run = () => {
    sweepCaseContacts(deps)
      .then(() => options.onTick?.())
      .catch((err) => deps.logger.warn({ err }, 'case contact sweep failed; the next run retries'));
  };
  run();
  const timer = setInterval(run, options.everyMs ?? 3600_000);
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * A bound indicator's 以评促改 counts for one survey: its cases at the binding's stations, opened
 * within its days, as of now (恶意/误评 left out). Read for every binding (a list of one survey's cases).
 */
export async function bindingCaseCounts(
  deps: Deps,
  surveyId: string,
  binding: CaseScope,
): Promise<{ rectified: [number, number]; onTimeClosure: [number, number] }> {
  const survey = await deps.store.surveys.get(surveyId);
  const cases = await casesInScope(deps, surveyId, binding);
  const tz = survey?.timeZone ?? deps.config.timeZone;
  const m = caseMetrics(cases, localDay(deps.clock(), tz), (iso) => localDay(new Date(iso), tz), await loadCalendar(deps));
  return { rectified: [m.rectified.numerator, m.rectified.denominator], onTimeClosure: [m.onTimeClosure.numerator, m.onTimeClosure.denominator] };
}
