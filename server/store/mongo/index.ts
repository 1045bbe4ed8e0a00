import mongoose, { type ClientSession, type Connection } from 'mongoose';
import { apiTokenMongoSchema, type ApiToken } from '../../../models/api-token';
import { auditEventMongoSchema, type AuditEvent } from '../../../models/audit-event';
import { evaluationMongoSchema, type EvaluationRecord } from '../../../models/evaluation';
import { evidenceBlobMongoSchema } from '../../../models/evidence-blob';
import { publicationMongoSchema, type Publication } from '../../../models/publication';
import { rateLimitMongoSchema } from '../../../models/rate-limit';
import { responseMongoSchema, type ResponseForTable, type SurveyResponse } from '../../../models/response';
import { sessionMongoSchema } from '../../../models/session';
import { siteMongoSchema, type Site } from '../../../models/site';
import { surveyMongoSchema, surveyVersionMongoSchema, type Survey, type SurveyVersion } from '../../../models/survey';
import { tallyMongoSchema, type TallyDelta, type TallyRow } from '../../../models/tally';
import { testResponseMongoSchema, type TestResponse } from '../../../models/test-response';
import { userMongoSchema, type User } from '../../../models/user';
import { DuplicateKeyError, TABLE_BATCH, TalliesChangedError, type AuditQuery, type Store } from '../store';
import { deltasOf, mergeDeltas } from '../../domain/tally';
import { saturatingCount } from '../burst-count';
import { caseModels, insertCase, mongoCalendarRepo, mongoCaseRepo } from './case-repo';
import { APPLIER_DEFAULTS, createApplier, type ApplierOptions } from './applier';
import { DeploymentError, deploymentProblems, readDeploymentFacts } from './deployment';
import {
  appliedReview,
  LEGACY_EXCLUSION_FILTER,
  legacyExclusionStages,
  PENDING_PROJECTION,
  pendingClear,
  pendingDeltas,
  pendingReview,
  pendingSelection,
  rateLimitDecrement,
  rateLimitHit,
  rebuildClear,
  rebuildLostFilter,
  responseCountsPipeline,
  responseMatch,
  tallyDocsToDeltas,
  tallyQueryPipeline,
  tableResponseFromDoc,
  TABLE_PROJECTION,
  tallyUpdate,
} from './pipelines';

type Doc = Record<string, unknown>;

/** Lean documents → domain objects: _id becomes id, Dates become ISO strings. */
function toDomain<T>(doc: Doc | null | undefined): T | null {
  if (!doc) return null;
  const out: Doc = {};
  for (const [k, v] of Object.entries(doc)) {
    if (k === '_id') out.id = v;
    else out[k] = v instanceof Date ? v.toISOString() : v;
  }
  return out as T;
}

const many = <T>(docs: Doc[]): T[] => docs.map((d) => toDomain<T>(d)!);

/** A user document written before mustChangePassword existed reads as false (lean() applies no defaults). */
function toUser(doc: Doc | null | undefined): User | null {
  const u = toDomain<User>(doc);
  if (!u) return null;
  const { email, ...rest } = u;
  return { ...rest, mustChangePassword: u.mustChangePassword === true, ...(email ? { email } : {}) };
}

/** A response as the domain sees it: without its pending tally deltas (a store detail). */
function toResponse(doc: Doc | null | undefined): SurveyResponse | null {
  if (!doc) return null;
  const { pendingTally: _pending, ...rest } = doc;
  void _pending;
  return toDomain<SurveyResponse>(rest);
}

/** Thrown inside an applier transaction whose batch changed under it: the transaction aborts, nothing is applied. */
class BatchChangedError extends Error {
  constructor(expected: number, cleared: number) {
    super(`tally batch changed while applying: ${cleared} of ${expected} markers were still set`);
    this.name = 'BatchChangedError';
  }
}

/** Domain object → document: id becomes _id (ISO strings are cast to Date by the schema). */
function toDoc(obj: object): Doc {
  const { id, ...rest } = obj as Doc;
  return { _id: id, ...rest };
}

async function mapDuplicate<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const e = err as { code?: number; keyPattern?: Record<string, unknown>; writeErrors?: { err?: { code?: number } }[] };
    if (e.code === 11000) throw new DuplicateKeyError(Object.keys(e.keyPattern ?? { key: 1 })[0] ?? 'key');
    throw err;
  }
}

export interface MongoStoreOptions {
  /** The background tally applier's timing (tests shorten it) and where its failures are reported. */
  applier?: Partial<ApplierOptions>;
}

export async function openMongoStore(uri: string, options: MongoStoreOptions = {}): Promise<Store> {
  const conn: Connection = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
  /** Refuses a deployment that cannot keep manyi's promises (transactions, durable writes), with what to do. */
  const checkDeployment = async () => {
    const w = conn.getClient().options?.writeConcern?.w as string | number | undefined;
    const problems = deploymentProblems(await readDeploymentFacts(conn.db!.admin() as never, w));
    if (problems.length) throw new DeploymentError(problems);
  };
  const M = {
    users: conn.model('User', userMongoSchema),
    sessions: conn.model('Session', sessionMongoSchema),
    tokens: conn.model('ApiToken', apiTokenMongoSchema),
    audit: conn.model('AuditEvent', auditEventMongoSchema),
    sites: conn.model('Site', siteMongoSchema),
    surveys: conn.model('Survey', surveyMongoSchema),
    versions: conn.model('SurveyVersion', surveyVersionMongoSchema),
    publications: conn.model('Publication', publicationMongoSchema),
    responses: conn.model('Response', responseMongoSchema),
    testResponses: conn.model('TestResponse', testResponseMongoSchema),
    tallies: conn.model('Tally', tallyMongoSchema),
    evaluations: conn.model('Evaluation', evaluationMongoSchema),
    evidenceBlobs: conn.model('EvidenceBlob', evidenceBlobMongoSchema),
    rateLimits: conn.model('RateLimit', rateLimitMongoSchema),
    ...caseModels(conn),
  };
  // Any failure while opening closes the connection, so a failed start leaves nothing running.
  try {
    await checkDeployment();
    await Promise.all(Object.values(M).map((m) => (m as unknown as { init(): Promise<unknown> }).init()));
    // The driver's collection, not the model: mongoose would drop the filter on a field the schema no longer has.
    await conn.collection('responses').updateMany(LEGACY_EXCLUSION_FILTER, legacyExclusionStages);
  } catch (err) {
    await conn.close().catch(() => undefined);
    throw err;
  }

  const applyTallies = async (deltas: TallyDelta[], session?: ClientSession) => {
    if (!deltas.length) return;
    await M.tallies.bulkWrite(
      deltas.map((d) => {
        const { filter, update } = tallyUpdate(d);
        return { updateOne: { filter, update, upsert: true } };
      }),
      { session, ordered: true },
    );
  };

  /**
   * One batch: the oldest pending responses (at most `limit`) read in the transaction's snapshot,
   * their deltas summed and $inc'ed into the tally documents, and exactly their markers cleared.
   * Exactly once: a response whose marker another applier cleared, or whose pending deltas a review
   * changed, after this snapshot was taken makes the write to it conflict, so the transaction aborts
   * and withTransaction runs it again on a fresh snapshot. Submissions never take part: they write
   * only their own new document.
   */
  const applyBatch = async (surveyId: string | undefined, limit: number): Promise<number> =>
    conn.transaction(
      async (session) => {
        const sel = pendingSelection(surveyId);
        const docs = (await M.responses.find(sel.filter, sel.projection).sort(sel.sort).limit(limit).session(session).lean()) as Doc[];
        if (!docs.length) return 0;
        const ids = docs.map((d) => d._id as string);
        const clear = pendingClear(ids);
        const cleared = (await M.responses.collection.updateMany(clear.filter, clear.update, { session })).modifiedCount;
        if (cleared !== ids.length) throw new BatchChangedError(ids.length, cleared);
        await applyTallies(mergeDeltas(pendingDeltas(docs)), session);
        return ids.length;
      },
      { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } },
    );

  const applier = createApplier(applyBatch, {
    ...APPLIER_DEFAULTS,
    onError: (err) => console.error('manyi: applying pending tallies failed; the next run retries', err),
    ...options.applier,
  });

  /** responseCount is counted from the responses when surveys are read (no counter on the submission path). */
  const withCounts = async (docs: Doc[]): Promise<Survey[]> => {
    if (!docs.length) return [];
    const counts = new Map(
      ((await M.responses.aggregate(responseCountsPipeline(docs.map((d) => d._id as string)) as never[])) as { _id: string; n: number }[]).map((c) => [c._id, c.n]),
    );
    return docs.map((d) => ({ ...toDomain<Survey>(d)!, responseCount: counts.get(d._id as string) ?? 0 }));
  };
  const withCount = async (doc: Doc | null): Promise<Survey | null> => (doc ? (await withCounts([doc]))[0]! : null);

  const auditFilter = (q: Omit<AuditQuery, 'limit' | 'offset'>) => {
    const f: Doc = {};
    if (q.action) f.action = { $eq: q.action };
    if (q.targetId) f.targetId = { $eq: q.targetId };
    if (q.actorId) f.actorId = { $eq: q.actorId };
    if (q.from || q.to) f.at = { ...(q.from ? { $gte: new Date(q.from) } : {}), ...(q.to ? { $lt: new Date(q.to) } : {}) };
    return f;
  };
  // Index {publicationId, submittedAt}: a bounded count, and the cap-th newest read backwards (see saturatingCount).
  const countSince = saturatingCount(
    (publicationId, since, cap) =>
      M.responses.countDocuments({ publicationId: { $eq: publicationId }, submittedAt: { $gte: new Date(since) } }, { limit: cap }),
    async (publicationId, cap) => {
      const doc = await M.responses
        .findOne({ publicationId: { $eq: publicationId } }, { submittedAt: 1 })
        .sort({ submittedAt: -1 })
        .skip(cap - 1)
        .lean<{ submittedAt: Date }>();
      return doc ? new Date(doc.submittedAt).toISOString() : null;
    },
  );

  return {
    kind: 'mongodb',
    users: {
      async create(u) {
        await mapDuplicate(() => M.users.create(toDoc(u)));
      },
      async get(id) {
        return toUser(await M.users.findById(id).lean());
      },
      async findByUsername(username) {
        return toUser(await M.users.findOne({ username: { $eq: username } }).lean());
      },
      async list() {
        return (await M.users.find().sort({ username: 1 }).lean()).map((d) => toUser(d)!);
      },
      async count() {
        return M.users.countDocuments();
      },
      async update(id, patch) {
        return toUser(await M.users.findByIdAndUpdate(id, { $set: patch }, { returnDocument: 'after' }).lean());
      },
      async addFailedLogin(id) {
        const u = await M.users.findByIdAndUpdate(id, { $inc: { failedLogins: 1 } }, { returnDocument: 'after' }).lean();
        return (u?.failedLogins as number | undefined) ?? 0;
      },
    },
    sessions: {
      async get(id, now) {
        const s = await M.sessions.findOne({ _id: { $eq: id }, expiresAt: { $gt: new Date(now) } }).lean();
        return toDomain(s);
      },
      async set(rec) {
        await M.sessions.replaceOne({ _id: rec.id }, toDoc(rec), { upsert: true });
      },
      async touch(id, expiresAt) {
        await M.sessions.updateOne({ _id: { $eq: id } }, { $set: { expiresAt: new Date(expiresAt) } });
      },
      async destroy(id) {
        await M.sessions.deleteOne({ _id: { $eq: id } });
      },
      async destroyForUser(userId) {
        return (await M.sessions.deleteMany({ userId: { $eq: userId } })).deletedCount;
      },
      async purgeExpired(now) {
        return (await M.sessions.deleteMany({ expiresAt: { $lte: new Date(now) } })).deletedCount;
      },
    },
    tokens: {
      async create(t) {
        await mapDuplicate(() => M.tokens.create(toDoc(t)));
      },
      async findByHash(hash) {
        return toDomain<ApiToken>(await M.tokens.findOne({ tokenHash: { $eq: hash } }).lean());
      },
      async listForUser(userId) {
        return many<ApiToken>(await M.tokens.find({ userId: { $eq: userId } }).sort({ createdAt: 1, _id: 1 }).lean());
      },
      async revoke(id, at) {
        await M.tokens.updateOne({ _id: { $eq: id }, revokedAt: null }, { $set: { revokedAt: new Date(at) } });
      },
      async touch(id, at) {
        await M.tokens.updateOne({ _id: { $eq: id } }, { $set: { lastUsedAt: new Date(at) } });
      },
    },
    audit: {
      async append(e) {
        await M.audit.create(toDoc(e));
      },
      async list(q) {
        return many<AuditEvent>(
          await M.audit
            .find(auditFilter(q))
            .sort({ at: -1, _id: -1 })
            .skip(q.offset ?? 0)
            .limit(q.limit)
            .lean(),
        );
      },
      async count(q = {}) {
        return M.audit.countDocuments(auditFilter(q));
      },
    },
    sites: {
      async create(site) {
        await mapDuplicate(() => M.sites.create(toDoc(site)));
      },
      async createMany(sites) {
        await mapDuplicate(() => conn.transaction((session) => M.sites.insertMany(sites.map(toDoc), { session, ordered: true })));
      },
      async get(id) {
        return toDomain<Site>(await M.sites.findById(id).lean());
      },
      async getByCode(code) {
        return toDomain<Site>(await M.sites.findOne({ code: { $eq: code } }).lean());
      },
      async list(filter = {}) {
        const f: Doc = {};
        if (filter.active !== undefined) f.active = filter.active;
        if (filter.ids) f._id = { $in: filter.ids };
        return many<Site>(await M.sites.find(f).sort({ code: 1 }).lean());
      },
      async update(id, patch) {
        return mapDuplicate(async () => toDomain<Site>(await M.sites.findByIdAndUpdate(id, { $set: patch }, { returnDocument: 'after' }).lean()));
      },
    },
    surveys: {
      async create(survey, version) {
        await conn.transaction(async (session) => {
          await M.surveys.create([toDoc(survey)], { session });
          await M.versions.create([version], { session });
        });
      },
      async get(id) {
        return withCount(await M.surveys.findById(id).lean());
      },
      async list() {
        return withCounts(await M.surveys.find().sort({ createdAt: -1, _id: -1 }).lean());
      },
      async update(id, patch) {
        return withCount(await M.surveys.findByIdAndUpdate(id, { $set: patch }, { returnDocument: 'after' }).lean());
      },
      async saveQuestions(id, expected, patch) {
        const saved = await conn.transaction(async (session) => {
          const s = await M.surveys.findOne({ _id: { $eq: id }, version: expected }).session(session).lean();
          if (!s) return null;
          const answered = await M.responses.exists({ surveyId: id, version: expected }).session(session);
          const version = answered ? expected + 1 : expected;
          if (answered) {
            await M.versions.create(
              [{ surveyId: id, version, questions: patch.questions, segmentQuestionId: patch.segmentQuestionId, createdAt: patch.updatedAt }],
              { session },
            );
          } else {
            await M.versions.updateOne(
              { surveyId: id, version },
              { $set: { questions: patch.questions, segmentQuestionId: patch.segmentQuestionId } },
              { session },
            );
          }
          const updated = await M.surveys
            .findByIdAndUpdate(id, { $set: { ...patch, version } }, { returnDocument: 'after', session })
            .lean();
          return updated as Doc | null;
        });
        return withCount(saved);
      },
      async getVersion(id, version) {
        const v = await M.versions.findOne({ surveyId: { $eq: id }, version: { $eq: version } }).lean();
        if (!v) return null;
        const { _id, ...rest } = toDomain<Doc>(v)!;
        void _id;
        delete rest.id;
        return rest as unknown as SurveyVersion;
      },
      async listVersions(id) {
        const vs = await M.versions.find({ surveyId: { $eq: id } }).sort({ version: 1 }).lean();
        return vs.map((v) => {
          const d = toDomain<Doc>(v)!;
          delete d.id;
          return d as unknown as SurveyVersion;
        });
      },
      async delete(id) {
        await conn.transaction(async (session) => {
          await M.tallies.deleteMany({ surveyId: { $eq: id } }, { session });
          await M.responses.deleteMany({ surveyId: { $eq: id } }, { session });
          const caseIds = (await M.cases.find({ surveyId: { $eq: id } }, { _id: 1 }).session(session).lean()).map((c) => c._id as string);
          await M.cases.deleteMany({ surveyId: { $eq: id } }, { session });
          await M.caseContacts.deleteMany({ _id: { $in: caseIds } }, { session });
          await M.caseReceipts.deleteMany({ caseId: { $in: caseIds } }, { session });
          await M.testResponses.deleteMany({ surveyId: { $eq: id } }, { session });
          await M.publications.deleteMany({ surveyId: { $eq: id } }, { session });
          await M.versions.deleteMany({ surveyId: { $eq: id } }, { session });
          await M.surveys.deleteOne({ _id: { $eq: id } }, { session });
        });
      },
    },
    publications: {
      async create(p) {
        await mapDuplicate(() => M.publications.create(toDoc(p)));
      },
      async get(id) {
        return toDomain<Publication>(await M.publications.findById(id).lean());
      },
      async getByCode(code) {
        return toDomain<Publication>(await M.publications.findOne({ code: { $eq: code } }).lean());
      },
      async listBySurvey(surveyId) {
        return many<Publication>(await M.publications.find({ surveyId: { $eq: surveyId } }).sort({ _id: 1 }).lean());
      },
      async findBySurveyAndSite(surveyId, siteId) {
        return toDomain<Publication>(await M.publications.findOne({ surveyId: { $eq: surveyId }, siteId: { $eq: siteId } }).lean());
      },
      async setActive(id, active) {
        await M.publications.updateOne({ _id: { $eq: id } }, { $set: { active } });
      },
    },
    testResponses: {
      async insert(t) {
        try {
          await M.testResponses.create(toDoc(t));
          return true;
        } catch (err) {
          if ((err as { code?: number }).code === 11000) return false;
          throw err;
        }
      },
      async listBySurvey(surveyId) {
        return many<TestResponse>(await M.testResponses.find({ surveyId: { $eq: surveyId } }).sort({ _id: -1 }).lean());
      },
      async countBySurvey(surveyId) {
        return M.testResponses.countDocuments({ surveyId: { $eq: surveyId } });
      },
      async delete(surveyId, id) {
        return (await M.testResponses.deleteOne({ _id: { $eq: id }, surveyId: { $eq: surveyId } })).deletedCount === 1;
      },
      async deleteForSurvey(surveyId) {
        return (await M.testResponses.deleteMany({ surveyId: { $eq: surveyId } })).deletedCount;
      },
    },
    responses: {
      async insert(response, tallies, opens) {
        try {
          const doc = { ...toDoc(response), pendingTally: mergeDeltas(deltasOf(response, tallies)) };
          // One document, no transaction: nothing shared with other submissions is written here.
          // A bad review's case (and its receipt) joins it in one transaction: both or neither.
          if (!opens) await M.responses.create(doc);
          else
            await conn.transaction(async (session) => {
              await M.responses.create([doc], { session });
              await insertCase(M, opens, session);
            });
        } catch (err) {
          const e = err as { code?: number; keyPattern?: Record<string, unknown> };
          if (e.code === 11000 && e.keyPattern && 'submissionToken' in e.keyPattern) {
            const existing = toResponse(await M.responses.findOne({ submissionToken: { $eq: response.submissionToken } }).lean());
            if (existing) return { inserted: false, response: existing };
          }
          throw err;
        }
        applier.soon();
        return { inserted: true, response };
      },
      async get(id) {
        return toResponse(await M.responses.findById(id, PENDING_PROJECTION).lean());
      },
      async findBySubmissionToken(token) {
        return toResponse(await M.responses.findOne({ submissionToken: { $eq: token } }, PENDING_PROJECTION).lean());
      },
      async count(filter) {
        return M.responses.countDocuments(responseMatch(filter));
      },
      async list(filter, page) {
        return many<SurveyResponse>(
          await M.responses
            .find(responseMatch(filter), PENDING_PROJECTION)
            .sort({ _id: page.newestFirst ? -1 : 1 })
            .skip(page.offset ?? 0)
            .limit(page.limit)
            .lean(),
        );
      },
      async *stream(filter) {
        const cursor = M.responses.find(responseMatch(filter), PENDING_PROJECTION).sort({ _id: 1 }).lean().cursor({ batchSize: 500 });
        for await (const doc of cursor) yield toDomain<SurveyResponse>(doc as Doc)!;
      },
      async *streamForTable(filter) {
        const cursor = M.responses.find(responseMatch(filter), TABLE_PROJECTION).sort({ _id: 1 }).lean().cursor({ batchSize: TABLE_BATCH });
        let batch: ResponseForTable[] = [];
        for await (const doc of cursor) {
          batch.push(tableResponseFromDoc(doc as Doc));
          if (batch.length === TABLE_BATCH) {
            yield batch;
            batch = [];
          }
        }
        if (batch.length) yield batch;
      },
      /*
       * Two paths, never both, and neither loses or doubles the move whatever the applier does:
       * - Still pending: one single-document update sets the review and appends the move to the
       *   pending deltas, filtered on the marker. If an applier transaction read the old deltas, its
       *   write to this response conflicts with ours (ours committed after its snapshot: it aborts and
       *   re-reads the new deltas) or ours waits for it to end (it committed: the marker is gone, our
       *   filter matches nothing and we take the second path).
       * - Applied (no marker): the review and the tally move in one transaction, as before. A response
       *   never becomes pending again, so a miss on the first path followed by a miss here means the
       *   review is no longer `from` (or there is no such response): null.
       */
      async setReview(id, change, deltas) {
        const pending = pendingReview(id, change, deltas);
        const viaPending = await M.responses.collection.findOneAndUpdate(pending.filter, pending.update, {
          returnDocument: 'after',
          projection: PENDING_PROJECTION,
        });
        if (viaPending) {
          applier.soon();
          return toResponse(viaPending as Doc);
        }
        return conn.transaction(async (session) => {
          const applied = appliedReview(id, change);
          const updated = await M.responses
            .findOneAndUpdate(applied.filter, applied.update, { returnDocument: 'after', session, projection: PENDING_PROJECTION })
            .lean();
          if (!updated) return null;
          await applyTallies(deltas, session);
          return toResponse(updated);
        });
      },
      async existsForDevice(surveyId, deviceHash) {
        return !!(await M.responses.exists({ surveyId: { $eq: surveyId }, deviceHash: { $eq: deviceHash } }));
      },
      async deviceAtOtherSite(surveyId, deviceHash, siteId) {
        // Index {surveyId, deviceHash, siteId}: $ne is two bounded ranges of it, each stopping at the first match.
        return !!(await M.responses.exists({ surveyId: { $eq: surveyId }, deviceHash: { $eq: deviceHash }, siteId: { $ne: siteId } }));
      },
      countSince,
    },
    tallies: {
      async query(q) {
        return (await M.tallies.aggregate(tallyQueryPipeline(q) as never[])) as TallyRow[];
      },
      async queryMany(q, groupBys) {
        return Promise.all(groupBys.map(async (groupBy) => (await M.tallies.aggregate(tallyQueryPipeline({ ...q, groupBy }) as never[])) as TallyRow[]));
      },
      async dump(surveyId) {
        return tallyDocsToDeltas(await M.tallies.find({ surveyId: { $eq: surveyId } }).lean());
      },
      /*
       * In one snapshot transaction: an applier that commits after the snapshot writes tally
       * documents this deletes (a write conflict: the transaction runs again and sees what it applied).
       */
      async replaceForSurvey(surveyId, deltas, through) {
        const clear = rebuildClear(surveyId, through);
        await conn.transaction(
          async (session) => {
            if (through !== undefined && (await M.responses.exists(rebuildLostFilter(surveyId, through)).session(session))) {
              throw new TalliesChangedError(surveyId);
            }
            await M.tallies.deleteMany({ surveyId: { $eq: surveyId } }, { session });
            await applyTallies(deltas, session);
            if (clear) await M.responses.collection.updateMany(clear.filter, clear.update, { session });
          },
          { readConcern: { level: 'snapshot' }, writeConcern: { w: 'majority' } },
        );
      },
      settle(surveyId) {
        return applier.settle(surveyId);
      },
      async freshness(surveyId) {
        const sel = pendingSelection(surveyId);
        const oldest = await M.responses.findOne(sel.filter, { submittedAt: 1 }).sort(sel.sort).lean();
        return oldest ? (oldest.submittedAt as Date).toISOString() : null;
      },
      async pending(surveyId) {
        return M.responses.countDocuments(pendingSelection(surveyId).filter);
      },
    },
    evaluations: {
      async create(e) {
        await M.evaluations.create(toDoc(e));
      },
      async get(id) {
        return toDomain<EvaluationRecord>(await M.evaluations.findById(id).lean());
      },
      async list() {
        return many<EvaluationRecord>(await M.evaluations.find().sort({ createdAt: -1, _id: -1 }).lean());
      },
      async update(id, expected, patch) {
        return toDomain<EvaluationRecord>(
          await M.evaluations
            .findOneAndUpdate({ _id: { $eq: id }, updatedAt: new Date(expected) }, { $set: patch }, { returnDocument: 'after' })
            .lean(),
        );
      },
      async delete(id) {
        await M.evaluations.deleteOne({ _id: { $eq: id } });
      },
    },
    evidenceBlobs: {
      async put(blob) {
        // $setOnInsert: a blob is written once; the same bytes uploaded again change nothing.
        const { sha256, ...rest } = blob;
        try {
          const res = await M.evidenceBlobs.updateOne({ _id: { $eq: sha256 } }, { $setOnInsert: { ...rest, createdAt: new Date(rest.createdAt) } }, { upsert: true });
          return res.upsertedCount === 1;
        } catch (err) {
          // Two uploads of the same bytes at once: one upsert inserts, the other meets its key.
          if ((err as { code?: number }).code === 11000) return false;
          throw err;
        }
      },
      async get(sha256) {
        const doc = await M.evidenceBlobs.findById(sha256).lean();
        if (!doc) return null;
        // lean() gives the driver's Binary for a Buffer field.
        const raw = doc.data as unknown;
        const data = Buffer.isBuffer(raw) ? raw : Buffer.from((raw as { buffer: Uint8Array }).buffer);
        return { sha256: doc._id as string, size: doc.size as number, type: doc.type as string, data, createdAt: (doc.createdAt as Date).toISOString() };
      },
    },
    cases: mongoCaseRepo(conn, M),
    calendar: mongoCalendarRepo(conn, M),
    rateLimits: {
      async hit(key, windowMs, nowMs) {
        const { filter, update } = rateLimitHit(key, windowMs, nowMs);
        const doc = await M.rateLimits.findOneAndUpdate(filter, update, { upsert: true, returnDocument: 'after', updatePipeline: true }).lean();
        return { count: doc!.count as number, resetAt: (doc!.resetAt as Date).getTime() };
      },
      async hitMany(hits, nowMs) {
        return Promise.all(
          hits.map(async (h) => {
            const { filter, update } = rateLimitHit(h.key, h.windowMs, nowMs, h.by, h.startMs);
            const doc = await M.rateLimits.findOneAndUpdate(filter, update, { upsert: true, returnDocument: 'after', updatePipeline: true }).lean();
            return { count: doc!.count as number, resetAt: (doc!.resetAt as Date).getTime() };
          }),
        );
      },
      async decrement(key) {
        const { filter, update } = rateLimitDecrement(key);
        await M.rateLimits.updateOne(filter, update);
      },
      async reset(key) {
        await M.rateLimits.deleteOne({ _id: { $eq: key } });
      },
    },
    async ping() {
      // Ready means able to take a response: reachable, and still a deployment with transactions and majority writes.
      await checkDeployment();
    },
    // No stamp here: the resident path's cache of surveys, publications and stations expires by time.
    async catalogStamp() {
      return null;
    },
    async close() {
      await applier.close();
      await conn.close();
    },
  };
}
