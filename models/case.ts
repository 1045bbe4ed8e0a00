import { Schema } from 'mongoose';
import type { Id, IsoTime, LocalDay } from './common';

/**
 * A case (以评促改): opened by a bad review, one per response, for the station that was reviewed.
 * open → contacted → verified → actioned → closed → reviewed (回访), or reopened (back to open).
 * The first contact may be skipped for an anonymous case (there is no one to call).
 */
export const CASE_STATUSES = ['open', 'contacted', 'verified', 'actioned', 'closed', 'reviewed'] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
/** Statuses in which the station still has work to do. */
export const ACTIVE_CASE_STATUSES: readonly CaseStatus[] = ['open', 'contacted', 'verified', 'actioned'];

/** 核实结果: 属实, 部分属实, 不属实. */
export const FINDINGS = ['true', 'partly', 'false'] as const;
export type Finding = (typeof FINDINGS)[number];

/** 处理方式: 立行立改, 限期整改 (with an item and a date), 解释说明. */
export const CASE_ACTIONS = ['immediate', 'deadline', 'explain'] as const;
export type CaseActionKind = (typeof CASE_ACTIONS)[number];

/** 申诉复核: the review was 恶意 (malicious) or 误评 (a mistake); the case then leaves the metrics. */
export const APPEAL_KINDS = ['malicious', 'mistaken'] as const;
export type AppealKind = (typeof APPEAL_KINDS)[number];

export const CASE_STEPS = ['contact', 'verify', 'act', 'close', 'review', 'reopen', 'appeal'] as const;
export type CaseStep = (typeof CASE_STEPS)[number];

export interface CaseEvent {
  at: IsoTime;
  by: Id | null;
  byName: string;
  step: CaseStep | 'open' | 'contact-left';
  note: string;
  finding?: Finding;
  action?: CaseActionKind;
  item?: string;
  itemDue?: LocalDay;
  appeal?: AppealKind;
}

/** Due days (local, in the survey's zone) of each step; null when the calendar did not cover them. */
export interface CaseDue {
  contact: LocalDay | null;
  verify: LocalDay | null;
  close: LocalDay | null;
}

export interface CaseRecord {
  id: Id;
  responseId: Id;
  surveyId: Id;
  siteId: Id;
  status: CaseStatus;
  openedAt: IsoTime;
  /** The local day the case was (last re)opened: deadlines count from it. */
  openedDay: LocalDay;
  due: CaseDue;
  /** The year the working-day calendar lacked when a due day could not be computed; null when all are set. */
  calendarGap: number | null;
  /** The due day of the step the case waits for (null when closed): what "late" and the home page order read. */
  nextDue: LocalDay | null;
  /** 实名: the resident left a phone number or asked for a call-back. */
  named: boolean;
  contactedAt: IsoTime | null;
  verifiedAt: IsoTime | null;
  finding: Finding | null;
  action: { kind: CaseActionKind; item: string; itemDue: LocalDay | null } | null;
  closedAt: IsoTime | null;
  reviewedAt: IsoTime | null;
  reopenCount: number;
  appeal: { kind: AppealKind; reason: string; by: Id | null; at: IsoTime } | null;
  history: CaseEvent[];
  /** The due day a late notice was sent for (one notice per late step); null when none. */
  lateNoticeFor?: LocalDay | null;
  updatedAt: IsoTime;
}

/** The resident's contact, kept apart from answers and deleted a set time after the case closes. */
export interface CaseContact {
  caseId: Id;
  phone: string;
  callback: boolean;
  createdAt: IsoTime;
  /** When the sweep deletes it; null while the case is not closed. */
  deleteAfter: IsoTime | null;
}

/** A receipt code (查询码) by its hash: the code itself is never stored. */
export interface CaseReceipt {
  hash: string;
  caseId: Id;
  /** After this the code answers like a wrong one; null while the case is not closed. */
  expiresAt: IsoTime | null;
}

/** 休 (rest) or 班 (work) on a date, from the State Council's holiday notice; wins over the library. */
export interface CalendarOverride {
  date: LocalDay;
  work: boolean;
}

export const caseMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    responseId: { type: String, required: true },
    surveyId: { type: String, required: true },
    siteId: { type: String, required: true },
    status: { type: String, enum: CASE_STATUSES, required: true },
    openedAt: { type: Date, required: true },
    openedDay: { type: String, required: true },
    due: { type: Schema.Types.Mixed, required: true },
    calendarGap: { type: Number, default: null },
    nextDue: { type: String, default: null },
    named: { type: Boolean, required: true },
    contactedAt: { type: Date, default: null },
    verifiedAt: { type: Date, default: null },
    finding: { type: String, default: null },
    action: { type: Schema.Types.Mixed, default: null },
    closedAt: { type: Date, default: null },
    reviewedAt: { type: Date, default: null },
    reopenCount: { type: Number, default: 0 },
    appeal: { type: Schema.Types.Mixed, default: null },
    history: { type: Schema.Types.Mixed, default: [] },
    lateNoticeFor: { type: String, default: null },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false, collection: 'cases', minimize: false },
);
// One case per response: a retried submission can never open a second.
caseMongoSchema.index({ responseId: 1 }, { unique: true });
caseMongoSchema.index({ surveyId: 1, _id: 1 });
// The staff's count of cases due: one indexed count per page.
caseMongoSchema.index({ siteId: 1, nextDue: 1 });

export const caseContactMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    phone: { type: String, default: '' },
    callback: { type: Boolean, required: true },
    createdAt: { type: Date, required: true },
    deleteAfter: { type: Date, default: null },
  },
  { versionKey: false, collection: 'case_contacts' },
);
caseContactMongoSchema.index({ deleteAfter: 1 });

export const caseReceiptMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    caseId: { type: String, required: true },
    expiresAt: { type: Date, default: null },
  },
  { versionKey: false, collection: 'case_receipts' },
);
caseReceiptMongoSchema.index({ caseId: 1 });

export const calendarOverrideMongoSchema = new Schema(
  {
    _id: { type: String, required: true },
    work: { type: Boolean, required: true },
  },
  { versionKey: false, collection: 'calendar_overrides' },
);
