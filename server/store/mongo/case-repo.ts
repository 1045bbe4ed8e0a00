import type { ClientSession, Connection, Model } from 'mongoose';
import {
  calendarOverrideMongoSchema,
  caseContactMongoSchema,
  caseMongoSchema,
  caseReceiptMongoSchema,
  type CalendarOverride,
  type CaseContact,
  type CaseRecord,
} from '../../../models/case';
import type { CalendarRepo, CaseFilter, CaseOpening, CaseRepo } from '../store';

type Doc = Record<string, unknown>;

export function caseModels(conn: Connection) {
  return {
    cases: conn.model('Case', caseMongoSchema),
    caseContacts: conn.model('CaseContact', caseContactMongoSchema),
    caseReceipts: conn.model('CaseReceipt', caseReceiptMongoSchema),
    calendar: conn.model('CalendarOverride', calendarOverrideMongoSchema),
  };
}
export type CaseModels = ReturnType<typeof caseModels>;

const iso = (v: unknown): string | null => (v instanceof Date ? v.toISOString() : ((v as string | null | undefined) ?? null));

function toCase(d: Doc | null | undefined): CaseRecord | null {
  if (!d) return null;
  return {
    id: d._id as string,
    responseId: d.responseId as string,
    surveyId: d.surveyId as string,
    siteId: d.siteId as string,
    status: d.status as CaseRecord['status'],
    openedAt: iso(d.openedAt)!,
    openedDay: d.openedDay as string,
    due: d.due as CaseRecord['due'],
    calendarGap: (d.calendarGap as number | null) ?? null,
    nextDue: (d.nextDue as string | null) ?? null,
    named: d.named === true,
    contactedAt: iso(d.contactedAt),
    verifiedAt: iso(d.verifiedAt),
    finding: (d.finding as CaseRecord['finding']) ?? null,
    action: (d.action as CaseRecord['action']) ?? null,
    closedAt: iso(d.closedAt),
    reviewedAt: iso(d.reviewedAt),
    reopenCount: (d.reopenCount as number | undefined) ?? 0,
    appeal: (d.appeal as CaseRecord['appeal']) ?? null,
    history: (d.history as CaseRecord['history']) ?? [],
    ...(d.lateNoticeFor ? { lateNoticeFor: d.lateNoticeFor as string } : {}),
    updatedAt: iso(d.updatedAt)!,
  };
}

const toDoc = (c: CaseRecord): Doc => {
  const { id, ...rest } = c;
  return { _id: id, ...rest };
};

/** Inserts a response's case and its receipt inside the response's transaction. */
export async function insertCase(M: CaseModels, opening: CaseOpening, session: ClientSession): Promise<void> {
  await M.cases.create([toDoc(opening.case)], { session });
  await M.caseReceipts.create([{ _id: opening.receiptHash, caseId: opening.case.id, expiresAt: null }], { session });
}

function caseFilter(f: CaseFilter): Doc {
  const q: Doc = {};
  if (f.surveyId) q.surveyId = { $eq: f.surveyId };
  if (f.siteIds) q.siteId = { $in: f.siteIds };
  if (f.statuses) q.status = { $in: f.statuses };
  if (f.dueBefore) q.nextDue = { $ne: null, $lt: f.dueBefore };
  return q;
}

export function mongoCaseRepo(conn: Connection, M: CaseModels): CaseRepo {
  const one = async (m: Model<Doc>, filter: Doc) => toCase((await m.findOne(filter).lean()) as Doc | null);
  return {
    async get(id) {
      return one(M.cases as unknown as Model<Doc>, { _id: { $eq: id } });
    },
    async getByResponse(responseId) {
      return one(M.cases as unknown as Model<Doc>, { responseId: { $eq: responseId } });
    },
    async list(filter) {
      return ((await M.cases.find(caseFilter(filter)).sort({ _id: 1 }).lean()) as Doc[]).map((d) => toCase(d)!);
    },
    async update(id, expected, next, retainUntil) {
      // What a case never changes (its response, survey, station, first opening) is left as stored.
      const fields = toDoc(next);
      for (const k of ['_id', 'responseId', 'surveyId', 'siteId', 'openedAt']) delete fields[k];
      return conn.transaction(async (session) => {
        const doc = (await M.cases
          .findOneAndUpdate({ _id: { $eq: id }, updatedAt: new Date(expected) }, { $set: fields }, { returnDocument: 'after', session })
          .lean()) as Doc | null;
        if (!doc) return null;
        if (retainUntil !== undefined) {
          const at = retainUntil === null ? null : new Date(retainUntil);
          await M.caseContacts.updateOne({ _id: { $eq: id } }, { $set: { deleteAfter: at } }, { session });
          await M.caseReceipts.updateMany({ caseId: { $eq: id } }, { $set: { expiresAt: at } }, { session });
        }
        return toCase(doc);
      });
    },
    async countDue(siteIds, day) {
      return M.cases.countDocuments({ ...(siteIds ? { siteId: { $in: siteIds } } : {}), nextDue: { $ne: null, $lte: day } });
    },
    async findByReceipt(hash, now) {
      const r = (await M.caseReceipts.findOne({ _id: { $eq: hash }, $or: [{ expiresAt: null }, { expiresAt: { $gt: new Date(now) } }] }).lean()) as Doc | null;
      if (!r) return null;
      return one(M.cases as unknown as Model<Doc>, { _id: { $eq: r.caseId as string } });
    },
    async putContact(c) {
      await M.caseContacts.replaceOne(
        { _id: { $eq: c.caseId } },
        { phone: c.phone, callback: c.callback, createdAt: new Date(c.createdAt), deleteAfter: c.deleteAfter ? new Date(c.deleteAfter) : null },
        { upsert: true },
      );
    },
    async getContact(caseId) {
      const d = (await M.caseContacts.findById(caseId).lean()) as Doc | null;
      if (!d) return null;
      const contact: CaseContact = { caseId, phone: d.phone as string, callback: d.callback === true, createdAt: iso(d.createdAt)!, deleteAfter: iso(d.deleteAfter) };
      return contact;
    },
    async sweep(now) {
      const at = new Date(now);
      const contacts = (await M.caseContacts.deleteMany({ deleteAfter: { $ne: null, $lte: at } })).deletedCount;
      const receipts = (await M.caseReceipts.deleteMany({ expiresAt: { $ne: null, $lte: at } })).deletedCount;
      return { contacts, receipts };
    },
  };
}

export function mongoCalendarRepo(conn: Connection, M: CaseModels): CalendarRepo {
  return {
    async list() {
      return ((await M.calendar.find().sort({ _id: 1 }).lean()) as Doc[]).map((d): CalendarOverride => ({ date: d._id as string, work: d.work === true }));
    },
    async replaceYear(year, overrides) {
      await conn.transaction(async (session) => {
        await M.calendar.deleteMany({ _id: { $gte: `${year}-01-01`, $lt: `${year + 1}-01-01` } }, { session });
        if (overrides.length) await M.calendar.insertMany(overrides.map((o) => ({ _id: o.date, work: o.work })), { session });
      });
    },
  };
}
