import type { ApiToken } from '../../models/api-token';
import type { AuditEvent } from '../../models/audit-event';
import type { CalendarOverride, CaseContact, CaseRecord, CaseStatus } from '../../models/case';
import type { EvaluationRecord } from '../../models/evaluation';
import type { EvidenceBlob } from '../../models/evidence-blob';
import type { Publication } from '../../models/publication';
import type { RateLimitHit } from '../../models/rate-limit';
import type { Channel, ResponseForTable, Review, SurveyResponse } from '../../models/response';
import type { SessionRecord } from '../../models/session';
import type { Site } from '../../models/site';
import type { Survey, SurveyVersion } from '../../models/survey';
import type { TallyDelta, TallyQuery, TallyRow } from '../../models/tally';
import type { TestResponse } from '../../models/test-response';
import type { User } from '../../models/user';
import type { ResponseTallies } from '../domain/tally-cells';

/**
 * The Store port: repositories that take and return plain domain objects. Both adapters implement it.
 * Every list has one total order, the same on both stores (the contract suite checks it): the key
 * named on the method, then the id (app-generated, time-ordered: id order is creation order).
 * Strings compare by their bytes (SQLite's BINARY collation, MongoDB's default), not by locale.
 */
export interface Store {
  readonly kind: 'sqlite' | 'mongodb';
  users: UserRepo;
  sessions: SessionRepo;
  tokens: ApiTokenRepo;
  audit: AuditRepo;
  sites: SiteRepo;
  surveys: SurveyRepo;
  publications: PublicationRepo;
  responses: ResponseRepo;
  testResponses: TestResponseRepo;
  tallies: TallyRepo;
  evaluations: EvaluationRepo;
  evidenceBlobs: EvidenceBlobRepo;
  rateLimits: RateLimitRepo;
  cases: CaseRepo;
  calendar: CalendarRepo;
  /** Resolves when the store answers; rejects when it is unreachable or read-only. */
  ping(): Promise<void>;
  /**
   * A number that changes whenever a survey, a publication, a station or the working-day calendar is written, by any process
   * on the store, so a cache of them can be checked with one tiny read per request; null when the
   * store keeps none (MongoDB): such caches then expire by time (see services/responses.ts).
   */
  catalogStamp(): Promise<number | null>;
  /**
   * The same stamp read without waiting, on a store that can (SQLite: one indexed read on the
   * calling thread); absent where a read is a round trip (MongoDB keeps no stamp anyway). Lets the
   * resident's blank form be served from the cache without a promise (see loadPublicationNow).
   */
  catalogStampNow?(): number | null;
  close(): Promise<void>;
}

/** Thrown by a repository when a unique key (username, site code, public code…) is taken. */
export class DuplicateKeyError extends Error {
  constructor(public readonly field: string) {
    super(`duplicate ${field}`);
    this.name = 'DuplicateKeyError';
  }
}

/**
 * Thrown by replaceForSurvey when a response after the rebuild's `through` already has its tallies
 * applied: replacing would drop them. Nothing was written; recompute and try again.
 */
export class TalliesChangedError extends Error {
  constructor(public readonly surveyId: string) {
    super(`responses of survey ${surveyId} were counted while its tallies were being rebuilt`);
    this.name = 'TalliesChangedError';
  }
}

export type UserPatch = Partial<Pick<User, 'passwordHash' | 'role' | 'siteIds' | 'active' | 'failedLogins' | 'lockedUntil' | 'mustChangePassword' | 'email' | 'updatedAt'>>;

export interface UserRepo {
  create(user: User): Promise<void>;
  get(id: string): Promise<User | null>;
  findByUsername(username: string): Promise<User | null>;
  /** By username (unique). */
  list(): Promise<User[]>;
  count(): Promise<number>;
  update(id: string, patch: UserPatch): Promise<User | null>;
  /** Atomically adds one failed login and returns the new count. */
  addFailedLogin(id: string): Promise<number>;
}

export interface SessionRepo {
  /** The session, or null when absent or expired at `now`. */
  get(id: string, now: string): Promise<SessionRecord | null>;
  set(record: SessionRecord): Promise<void>;
  touch(id: string, expiresAt: string): Promise<void>;
  destroy(id: string): Promise<void>;
  destroyForUser(userId: string): Promise<number>;
  purgeExpired(now: string): Promise<number>;
}

export interface ApiTokenRepo {
  create(token: ApiToken): Promise<void>;
  findByHash(tokenHash: string): Promise<ApiToken | null>;
  /** Oldest first: by createdAt, then id. */
  listForUser(userId: string): Promise<ApiToken[]>;
  revoke(id: string, at: string): Promise<void>;
  touch(id: string, at: string): Promise<void>;
}

export interface AuditQuery {
  limit: number;
  offset?: number;
  action?: string;
  targetId?: string;
  /** Events by this user (actorId). */
  actorId?: string;
  /** Events at or after this instant (ISO). */
  from?: string;
  /** Events before this instant (ISO, exclusive). */
  to?: string;
}

export interface AuditRepo {
  append(event: AuditEvent): Promise<void>;
  /** Newest first: by at, then id, both descending. */
  list(query: AuditQuery): Promise<AuditEvent[]>;
  count(query?: Omit<AuditQuery, 'limit' | 'offset'>): Promise<number>;
}

export type SitePatch = Partial<Pick<Site, 'code' | 'name' | 'township' | 'kind' | 'recipients' | 'active' | 'updatedAt'>>;

export interface SiteRepo {
  create(site: Site): Promise<void>;
  /** All or nothing: a duplicate code anywhere stores none of them. */
  createMany(sites: Site[]): Promise<void>;
  get(id: string): Promise<Site | null>;
  getByCode(code: string): Promise<Site | null>;
  /** By code (unique). */
  list(filter?: { active?: boolean; ids?: string[] }): Promise<Site[]>;
  update(id: string, patch: SitePatch): Promise<Site | null>;
}

export type SurveyPatch = Partial<
  Pick<Survey, 'title' | 'description' | 'status' | 'questions' | 'segmentQuestionId' | 'settings' | 'updatedAt'>
>;

export interface SurveyRepo {
  /** Stores the survey and its first version together. */
  create(survey: Survey, version: SurveyVersion): Promise<void>;
  get(id: string): Promise<Survey | null>;
  /** Newest first: by createdAt, then id, both descending. */
  list(): Promise<Survey[]>;
  update(id: string, patch: SurveyPatch): Promise<Survey | null>;
  /**
   * Replaces the current version's questions when it has no responses, else adds version+1.
   * `expectedVersion` guards against two editors: a mismatch returns null.
   */
  saveQuestions(
    id: string,
    expectedVersion: number,
    patch: Pick<Survey, 'questions' | 'segmentQuestionId' | 'updatedAt'>,
  ): Promise<Survey | null>;
  getVersion(id: string, version: number): Promise<SurveyVersion | null>;
  /** By version number. */
  listVersions(id: string): Promise<SurveyVersion[]>;
  delete(id: string): Promise<void>;
}

export interface PublicationRepo {
  create(publication: Publication): Promise<void>;
  get(id: string): Promise<Publication | null>;
  getByCode(code: string): Promise<Publication | null>;
  /** In the order they were made (by id); a page that shows them by station sorts them itself. */
  listBySurvey(surveyId: string): Promise<Publication[]>;
  findBySurveyAndSite(surveyId: string, siteId: string): Promise<Publication | null>;
  setActive(id: string, active: boolean): Promise<void>;
}

export interface ResponseFilter {
  surveyId: string;
  siteIds?: string[];
  dayFrom?: string;
  dayTo?: string;
  channels?: Channel[];
  segments?: string[];
  /** Only responses with (or without) a flag. */
  flagged?: boolean;
  /** Only responses a person excluded or kept, or only those left to the automatic rules ('auto'). */
  review?: Review | 'auto';
  /**
   * Only valid responses (有效) under these enabled quality rules: kept by a person, or left to the
   * rules with no flag among them (isValidState of their tally state).
   */
  validUnder?: readonly string[];
  /** Only responses with a text answer to one of these questions containing textContains ('' = any text). */
  textQuestionIds?: string[];
  /** Case-insensitive for Latin letters; wildcards in it are matched literally. */
  textContains?: string;
}

export interface ResponsePage {
  limit: number;
  offset?: number;
  /** Newest first when true (default oldest first, by id = submission order). */
  newestFirst?: boolean;
}

export interface ReviewChange {
  /** The review the change was computed from: the write happens only if it is still the stored one. */
  from: Review | null;
  to: Review | null;
  reason: string | null;
  by: string | null;
  at: string | null;
}

/**
 * A case a response opens (以评促改), written in the same transaction as the response: a retried
 * submission (same token) stores neither again, and a crash cannot keep one without the other.
 */
export interface CaseOpening {
  case: CaseRecord;
  /** The hash of the case's receipt code (the code itself is never stored). */
  receiptHash: string;
}

/**
 * Responses per batch of ResponseRepo.streamForTable. Few, so that a batch and the rows an export
 * builds from it die young: an export allocates about 20 KB per row (csv-stringify's per-field
 * arrays and objects), and what outlives two scavenges of V8's young generation (16 MiB) is promoted
 * and piles up in the old one until a full collection. With batches of 1000 the 1M-row CSV export
 * grew by 127 MiB instead of 20.
 */
export const TABLE_BATCH = 128;

export interface ResponseRepo {
  /**
   * Stores the response and its tally deltas (given, or computed by the store from the version's
   * questions: ResponseTallies — the SQLite store computes them in its writer thread, off the thread
   * serving requests). SQLite: the response, its survey's response count and its tallies in one
   * transaction (group commit). MongoDB: the response alone, carrying its deltas as pending (no
   * document shared between submissions is written); they reach the tallies in a batch shortly after
   * (see TallyRepo.settle). A response whose submissionToken was already stored is not stored again:
   * the earlier one is returned with inserted=false.
   */
  insert(response: SurveyResponse, tallies: ResponseTallies, opens?: CaseOpening): Promise<{ inserted: boolean; response: SurveyResponse }>;
  get(id: string): Promise<SurveyResponse | null>;
  findBySubmissionToken(token: string): Promise<SurveyResponse | null>;
  count(filter: ResponseFilter): Promise<number>;
  list(filter: ResponseFilter, page: ResponsePage): Promise<SurveyResponse[]>;
  /** All matching responses in submission order, read in batches (bounded memory). */
  stream(filter: ResponseFilter): AsyncIterable<SurveyResponse>;
  /**
   * The responses `stream` gives, in the same order, with only the fields an exported table shows,
   * a batch (up to TABLE_BATCH) at a time: a million-row export neither reads and decodes the
   * columns it does not show nor waits on a promise per row. Batches are never empty.
   */
  streamForTable(filter: ResponseFilter): AsyncIterable<ResponseForTable[]>;
  /**
   * Changes the review (excluded / kept / automatic) and moves the response's tallies atomically,
   * only if the stored review is still `change.from`; null if it is not, or absent. MongoDB: a
   * response whose tallies are still pending gets the move added to its pending deltas in the same
   * single-document update; an applied one moves the tallies in one transaction.
   */
  setReview(id: string, change: ReviewChange, deltas: TallyDelta[]): Promise<SurveyResponse | null>;
  /** Whether this device already answered this survey. */
  existsForDevice(surveyId: string, deviceHash: string): Promise<boolean>;
  /** Whether this device answered this survey at a station other than `siteId` (an index seek, whatever the device's history). */
  deviceAtOtherSite(surveyId: string, deviceHash: string, siteId: string): Promise<boolean>;
  /** Submissions to this publication at or after `since`, counted up to `cap` (a bounded read, however busy the station). */
  countSince(publicationId: string, since: string, cap: number): Promise<number>;
}

/** Preview/test-mode answers, apart from responses: nothing here is ever counted. */
export interface TestResponseRepo {
  /** Stores it unless its submission token was stored before; returns whether it was new. */
  insert(response: TestResponse): Promise<boolean>;
  /** A survey's test answers, newest first (by id, descending). */
  listBySurvey(surveyId: string): Promise<TestResponse[]>;
  countBySurvey(surveyId: string): Promise<number>;
  /** Deletes one (of this survey); false when there was none. */
  delete(surveyId: string, id: string): Promise<boolean>;
  /** Deletes all of a survey's test answers; returns how many. */
  deleteForSurvey(surveyId: string): Promise<number>;
}

export interface TallyRepo {
  /** Sums cells over the matching groups, grouped by the requested fields plus question and key. */
  query(query: TallyQuery): Promise<TallyRow[]>;
  /** Several groupings of the same matching groups, read once: one result per entry of groupBys. */
  queryMany(query: Omit<TallyQuery, 'groupBy'>, groupBys: TallyQuery['groupBy'][]): Promise<TallyRow[][]>;
  /** Every stored group of a survey, unsummed (for comparing with a rebuild). */
  dump(surveyId: string): Promise<TallyDelta[]>;
  /**
   * Replaces all tallies of a survey in one transaction (rebuild-tallies). The deltas cover the
   * survey's responses in id order up to `through` (null: none; omitted: all, unchecked): in the
   * same transaction the pending marker of every one of those responses is cleared and later ones
   * stay pending (MongoDB). A later response whose tallies are already applied (SQLite: any later
   * response) would be lost: TalliesChangedError, nothing written.
   */
  replaceForSurvey(surveyId: string, deltas: TallyDelta[], through?: string | null): Promise<void>;
  /**
   * Applies the pending deltas of responses (of one survey, or all), each exactly once, until none
   * stored before the call is left; resolves with how many responses it applied. SQLite: 0 (its
   * tallies are written with their response). MongoDB: batches of at most 500, oldest first, each
   * one transaction.
   */
  settle(surveyId?: string): Promise<number>;
  /**
   * The time up to which every response of the survey is in its tallies: the submission time of the
   * oldest response still pending; null when none is pending (SQLite: always null).
   */
  freshness(surveyId: string): Promise<string | null>;
  /** How many responses (of one survey, or all) wait for their tallies (SQLite: always 0). */
  pending(surveyId?: string): Promise<number>;
}

export interface EvaluationRepo {
  create(evaluation: EvaluationRecord): Promise<void>;
  get(id: string): Promise<EvaluationRecord | null>;
  /** Newest first: by createdAt, then id, both descending. */
  list(): Promise<EvaluationRecord[]>;
  /** Saves when the stored updatedAt equals expectedUpdatedAt; null otherwise (someone else saved). */
  update(
    id: string,
    expectedUpdatedAt: string,
    patch: Partial<Pick<EvaluationRecord, 'name' | 'locked' | 'data' | 'updatedAt'>>,
  ): Promise<EvaluationRecord | null>;
  delete(id: string): Promise<void>;
}

/** Evidence files' bytes by content hash (SHA-256, hex): stored once, never changed. */
export interface EvidenceBlobRepo {
  /** Stores the blob unless one with the same hash is stored; true when it was new. */
  put(blob: EvidenceBlob): Promise<boolean>;
  get(sha256: string): Promise<EvidenceBlob | null>;
}

/** Hits counted elsewhere (an instance's memory) and added to the store later, with the start of the window they were counted in. */
export interface RateLimitBatchHit {
  key: string;
  windowMs: number;
  by: number;
  /** Start of the window the hits were counted in (ms); a window the store starts for them starts here, never later. */
  startMs: number;
}

/**
 * Fixed-window counters. A key's window is [start, start + windowMs) and never longer. Adding hits:
 * - no window for the key, or it has ended by `nowMs`: a new one starts at the hits' start
 *   (min(startMs, nowMs)); it may already have ended if the hits come late, and then the next hit
 *   starts another;
 * - a live window that began before the hits' own window ended (the shared window, perhaps started
 *   by another instance): the hits are added to it, its end stays;
 * - a live window that began when the hits' own window had already ended: the hits are not added
 *   (none of them fell in it); the answer is that window as it is.
 */
export interface RateLimitRepo {
  /** Counts a hit in the window that contains `nowMs` (startMs = nowMs). */
  hit(key: string, windowMs: number, nowMs: number): Promise<RateLimitHit>;
  /** Adds `by` hits for each key at once (one write for many requests; SQLite: one transaction), answering in the same order. */
  hitMany(hits: readonly RateLimitBatchHit[], nowMs: number): Promise<RateLimitHit[]>;
  decrement(key: string): Promise<void>;
  reset(key: string): Promise<void>;
}

export interface CaseFilter {
  surveyId?: string;
  siteIds?: string[];
  statuses?: CaseStatus[];
  /** Only cases whose awaited step is due before this day (late on it). */
  dueBefore?: string;
}

export interface CaseRepo {
  get(id: string): Promise<CaseRecord | null>;
  getByResponse(responseId: string): Promise<CaseRecord | null>;
  /** By id (opening order). */
  list(filter: CaseFilter): Promise<CaseRecord[]>;
  /**
   * Saves the case when the stored updatedAt equals expectedUpdatedAt; null otherwise (someone else
   * saved). `retainUntil` (when given) also sets when its contact is deleted and its receipt code
   * stops answering: a time when the case closes, null when it reopens.
   */
  update(id: string, expectedUpdatedAt: string, next: CaseRecord, retainUntil?: string | null): Promise<CaseRecord | null>;
  /** How many cases of these sites (all when null) wait for a step due on or before `day`: one indexed count. */
  countDue(siteIds: string[] | null, day: string): Promise<number>;
  /** The case of a receipt code's hash; null when unknown or expired at `now`. */
  findByReceipt(hash: string, now: string): Promise<CaseRecord | null>;
  /** Stores (or replaces) the resident's contact of a case. */
  putContact(contact: CaseContact): Promise<void>;
  getContact(caseId: string): Promise<CaseContact | null>;
  /** Deletes contacts and receipts whose time ran out at `now`; how many of each. */
  sweep(now: string): Promise<{ contacts: number; receipts: number }>;
}

/** 休/班 overrides of the working-day calendar (the year's State Council notice). */
export interface CalendarRepo {
  /** By date. */
  list(): Promise<CalendarOverride[]>;
  /** Replaces one year's overrides (all of them, in one write). */
  replaceYear(year: number, overrides: CalendarOverride[]): Promise<void>;
}
