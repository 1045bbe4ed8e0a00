import type { CalendarOverride, CaseContact, CaseRecord } from '../../../models/case';
import type { CalendarRepo, CaseFilter, CaseOpening, CaseRepo } from '../store';
import { addInList, bool, int, type Db } from './db';

type Row = Record<string, unknown>;

const toCase = (r: Row): CaseRecord => {
  const detail = JSON.parse(r.detail as string) as Pick<CaseRecord, 'contactedAt' | 'verifiedAt' | 'finding' | 'action' | 'reviewedAt' | 'reopenCount' | 'appeal' | 'lateNoticeFor'>;
  return {
    id: r.id as string,
    responseId: r.response_id as string,
    surveyId: r.survey_id as string,
    siteId: r.site_id as string,
    status: r.status as CaseRecord['status'],
    openedAt: r.opened_at as string,
    openedDay: r.opened_day as string,
    due: { contact: (r.contact_due as string | null) ?? null, verify: (r.verify_due as string | null) ?? null, close: (r.close_due as string | null) ?? null },
    calendarGap: (r.calendar_gap as number | null) ?? null,
    nextDue: (r.next_due as string | null) ?? null,
    named: bool(r.named),
    contactedAt: detail.contactedAt,
    verifiedAt: detail.verifiedAt,
    finding: detail.finding,
    action: detail.action,
    closedAt: (r.closed_at as string | null) ?? null,
    reviewedAt: detail.reviewedAt,
    reopenCount: detail.reopenCount,
    appeal: detail.appeal,
    history: JSON.parse(r.history as string) as CaseRecord['history'],
    ...(detail.lateNoticeFor ? { lateNoticeFor: detail.lateNoticeFor } : {}),
    updatedAt: r.updated_at as string,
  };
};

const toRow = (c: CaseRecord) => ({
  id: c.id,
  responseId: c.responseId,
  surveyId: c.surveyId,
  siteId: c.siteId,
  status: c.status,
  openedAt: c.openedAt,
  openedDay: c.openedDay,
  contactDue: c.due.contact,
  verifyDue: c.due.verify,
  closeDue: c.due.close,
  nextDue: c.nextDue,
  calendarGap: c.calendarGap,
  named: int(c.named),
  closedAt: c.closedAt,
  appeal: c.appeal?.kind ?? null,
  detail: JSON.stringify({
    contactedAt: c.contactedAt,
    verifiedAt: c.verifiedAt,
    finding: c.finding,
    action: c.action,
    reviewedAt: c.reviewedAt,
    reopenCount: c.reopenCount,
    appeal: c.appeal,
    lateNoticeFor: c.lateNoticeFor ?? null,
  }),
  history: JSON.stringify(c.history),
  updatedAt: c.updatedAt,
});

/** Inserts a response's case and its receipt; called inside the response's transaction. */
export function caseInserter(db: Db): (opening: CaseOpening) => void {
  const insertCase = db.prepare(
    `INSERT INTO cases (id, response_id, survey_id, site_id, status, opened_at, opened_day, contact_due, verify_due, close_due, next_due,
       calendar_gap, named, closed_at, appeal, detail, history, updated_at)
     VALUES (@id, @responseId, @surveyId, @siteId, @status, @openedAt, @openedDay, @contactDue, @verifyDue, @closeDue, @nextDue,
       @calendarGap, @named, @closedAt, @appeal, @detail, @history, @updatedAt)`,
  );
  const insertReceipt = db.prepare('INSERT INTO case_receipts (hash, case_id, expires_at) VALUES (?, ?, NULL)');
  return (opening) => {
    insertCase.run(toRow(opening.case));
    insertReceipt.run(opening.receiptHash, opening.case.id);
  };
}

function caseWhere(f: CaseFilter): { sql: string; values: unknown[] } {
  const parts: string[] = ['1'];
  const values: unknown[] = [];
  if (f.surveyId) {
    parts.push('survey_id = ?');
    values.push(f.surveyId);
  }
  addInList(parts, values, 'site_id', f.siteIds);
  addInList(parts, values, 'status', f.statuses);
  if (f.dueBefore) {
    parts.push('next_due IS NOT NULL AND next_due < ?');
    values.push(f.dueBefore);
  }
  return { sql: parts.join(' AND '), values };
}

export function sqliteCaseRepo(db: Db): CaseRepo {
  const byId = db.prepare('SELECT * FROM cases WHERE id = ?');
  const updateTx = db.transaction((id: string, expected: string, next: CaseRecord, retainUntil: string | null | undefined) => {
    const row = toRow(next);
    const changed = db
      .prepare(
        `UPDATE cases SET status = @status, opened_day = @openedDay, contact_due = @contactDue, verify_due = @verifyDue, close_due = @closeDue,
           next_due = @nextDue, calendar_gap = @calendarGap, named = @named, closed_at = @closedAt, appeal = @appeal, detail = @detail,
           history = @history, updated_at = @updatedAt
         WHERE id = @id AND updated_at = @expected`,
      )
      .run({ ...row, id, expected }).changes;
    if (!changed) return null;
    if (retainUntil !== undefined) {
      db.prepare('UPDATE case_contacts SET delete_after = ? WHERE case_id = ?').run(retainUntil, id);
      db.prepare('UPDATE case_receipts SET expires_at = ? WHERE case_id = ?').run(retainUntil, id);
    }
    return toCase(byId.get(id) as Row);
  });
  const toContact = (r: Row): CaseContact => ({
    caseId: r.case_id as string,
    phone: r.phone as string,
    callback: bool(r.callback),
    createdAt: r.created_at as string,
    deleteAfter: (r.delete_after as string | null) ?? null,
  });
  return {
    async get(id) {
      const r = byId.get(id) as Row | undefined;
      return r ? toCase(r) : null;
    },
    async getByResponse(responseId) {
      const r = db.prepare('SELECT * FROM cases WHERE response_id = ?').get(responseId) as Row | undefined;
      return r ? toCase(r) : null;
    },
    async list(filter) {
      const w = caseWhere(filter);
      return (db.prepare(`SELECT * FROM cases WHERE ${w.sql} ORDER BY id`).all(...w.values) as Row[]).map(toCase);
    },
    async update(id, expected, next, retainUntil) {
      return updateTx(id, expected, next, retainUntil);
    },
    async countDue(siteIds, day) {
      const parts = ['next_due IS NOT NULL AND next_due <= ?'];
      const values: unknown[] = [day];
      addInList(parts, values, 'site_id', siteIds ?? undefined);
      return (db.prepare(`SELECT COUNT(*) AS n FROM cases WHERE ${parts.join(' AND ')}`).get(...values) as { n: number }).n;
    },
    async findByReceipt(hash, now) {
      const r = db
        .prepare('SELECT c.* FROM case_receipts r JOIN cases c ON c.id = r.case_id WHERE r.hash = ? AND (r.expires_at IS NULL OR r.expires_at > ?)')
        .get(hash, now) as Row | undefined;
      return r ? toCase(r) : null;
    },
    async putContact(c) {
      db.prepare(
        `INSERT INTO case_contacts (case_id, phone, callback, created_at, delete_after) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (case_id) DO UPDATE SET phone = excluded.phone, callback = excluded.callback, delete_after = excluded.delete_after`,
      ).run(c.caseId, c.phone, int(c.callback), c.createdAt, c.deleteAfter);
    },
    async getContact(caseId) {
      const r = db.prepare('SELECT * FROM case_contacts WHERE case_id = ?').get(caseId) as Row | undefined;
      return r ? toContact(r) : null;
    },
    async sweep(now) {
      return db.transaction(() => ({
        contacts: db.prepare('DELETE FROM case_contacts WHERE delete_after IS NOT NULL AND delete_after <= ?').run(now).changes,
        receipts: db.prepare('DELETE FROM case_receipts WHERE expires_at IS NOT NULL AND expires_at <= ?').run(now).changes,
      }))();
    },
  };
}

export function sqliteCalendarRepo(db: Db): CalendarRepo {
  return {
    async list() {
      return (db.prepare('SELECT date, work FROM calendar_overrides ORDER BY date').all() as Row[]).map(
        (r): CalendarOverride => ({ date: r.date as string, work: bool(r.work) }),
      );
    },
    async replaceYear(year, overrides) {
      db.transaction(() => {
        db.prepare('DELETE FROM calendar_overrides WHERE date >= ? AND date < ?').run(`${year}-01-01`, `${year + 1}-01-01`);
        const ins = db.prepare('INSERT INTO calendar_overrides (date, work) VALUES (?, ?)');
        for (const o of overrides) ins.run(o.date, int(o.work));
      })();
    },
  };
}
