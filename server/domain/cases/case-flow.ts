import type {
  AppealKind,
  CaseActionKind,
  CaseDue,
  CaseEvent,
  CaseRecord,
  CaseStatus,
  CaseStep,
  Finding,
} from '../../../models/case';
import type { LocalDay } from '../../../models/common';
import type { AnswerValue } from '../../../models/response';
import type { Question, SurveySettings } from '../../../models/survey';
import { addWorkingDays, CalendarGapError, type WorkCalendar } from './working-days';

/**
 * A survey's case rules. Levels: the Likert levels that open a case (default 2 and 1 = 不满意 and
 * 非常不满意). Days are working days from the day the case opens: first contact 1 (汝州 "123"),
 * verification 5 (德州: 整改反馈 within 5 working days), 整改反馈 and closure 15 (广安).
 */
export interface CaseSettings {
  levels: number[];
  contactDays: number;
  verifyDays: number;
  closeDays: number;
}

export const DEFAULT_CASE_SETTINGS: CaseSettings = { levels: [2, 1], contactDays: 1, verifyDays: 5, closeDays: 15 };

export function caseSettingsOf(settings: Pick<SurveySettings, 'cases'>): CaseSettings {
  return { ...DEFAULT_CASE_SETTINGS, ...(settings.cases ?? {}) };
}

/**
 * The questions whose answers open a case: the overall question (dimension 总体) and every Likert
 * item counted toward satisfaction, answered at one of the survey's bad levels. Empty: no case.
 */
export function badAnswers(questions: readonly Question[], answers: Record<string, AnswerValue>, levels: readonly number[]): string[] {
  const bad = new Set(levels.map(String));
  return questions
    .filter((q) => q.type === 'likert5' && (q.countsTowardSatisfaction || q.dimension === 'overall'))
    .filter((q) => {
      const a = answers[q.id];
      return typeof a === 'string' && bad.has(a);
    })
    .map((q) => q.id);
}

/** Due days of each step counted from `day`; null where the calendar has a gap (and the gap's year). */
export function dueDays(cal: WorkCalendar, day: LocalDay, s: CaseSettings): { due: CaseDue; gap: number | null } {
  let gap: number | null = null;
  const one = (n: number) => {
    try {
      return addWorkingDays(cal, day, n);
    } catch (err) {
      if (!(err instanceof CalendarGapError)) throw err;
      gap ??= err.year;
      return null;
    }
  };
  const due = { contact: one(s.contactDays), verify: one(s.verifyDays), close: one(s.closeDays) };
  return { due, gap };
}

/** The due day of the step a case waits for; null once it is closed. */
export function nextDueOf(c: Pick<CaseRecord, 'status' | 'named' | 'due'>): LocalDay | null {
  switch (c.status) {
    case 'open':
      return c.named ? c.due.contact : c.due.verify;
    case 'contacted':
      return c.due.verify;
    case 'verified':
    case 'actioned':
      return c.due.close;
    default:
      return null;
  }
}

/** Late: the step it waits for was due before today. */
export function isLate(c: Pick<CaseRecord, 'nextDue'>, today: LocalDay): boolean {
  return c.nextDue !== null && c.nextDue < today;
}

export interface OpenCaseInput {
  id: string;
  responseId: string;
  surveyId: string;
  siteId: string;
  at: string;
  day: LocalDay;
  questionIds: string[];
}

export function openCase(cal: WorkCalendar, settings: CaseSettings, input: OpenCaseInput): CaseRecord {
  const { due, gap } = dueDays(cal, input.day, settings);
  const c: CaseRecord = {
    id: input.id,
    responseId: input.responseId,
    surveyId: input.surveyId,
    siteId: input.siteId,
    status: 'open',
    openedAt: input.at,
    openedDay: input.day,
    due,
    calendarGap: gap,
    nextDue: null,
    named: false,
    contactedAt: null,
    verifiedAt: null,
    finding: null,
    action: null,
    closedAt: null,
    reviewedAt: null,
    reopenCount: 0,
    appeal: null,
    history: [{ at: input.at, by: null, byName: 'system', step: 'open', note: input.questionIds.join(',') }],
    updatedAt: input.at,
  };
  c.nextDue = nextDueOf(c);
  return c;
}

export type StepInput =
  | { step: 'contact'; note: string }
  | { step: 'verify'; finding: Finding; note: string }
  | { step: 'act'; action: CaseActionKind; item: string; itemDue: LocalDay | null; note: string }
  | { step: 'close'; note: string }
  | { step: 'review'; note: string }
  | { step: 'reopen'; note: string }
  | { step: 'appeal'; appeal: AppealKind; note: string };

/** Which steps may follow a status. 申诉复核 (appeal) may be recorded at any status, once. */
export const NEXT_STEPS: Record<CaseStatus, readonly CaseStep[]> = {
  open: ['contact', 'verify', 'appeal'],
  contacted: ['verify', 'appeal'],
  verified: ['act', 'appeal'],
  actioned: ['close', 'appeal'],
  closed: ['review', 'reopen', 'appeal'],
  reviewed: ['reopen', 'appeal'],
};

/** Station work (the station's staff and admins) and oversight (evaluators and admins). */
export const STATION_STEPS: readonly CaseStep[] = ['contact', 'verify', 'act', 'close'];
export const OVERSIGHT_STEPS: readonly CaseStep[] = ['review', 'reopen', 'appeal'];

/** A refused step: the field it concerns and the catalog key of the reason. */
export class StepRefused extends Error {
  constructor(
    public readonly field: string,
    public readonly key: string,
  ) {
    super(key);
    this.name = 'StepRefused';
  }
}

export interface StepContext {
  at: string;
  today: LocalDay;
  by: string | null;
  byName: string;
  cal: WorkCalendar;
  settings: CaseSettings;
}

/** Applies one step: the case after it, or StepRefused (a step the status does not allow, a missing reason…). */
export function applyStep(c: CaseRecord, input: StepInput, ctx: StepContext): CaseRecord {
  if (!NEXT_STEPS[c.status].includes(input.step)) throw new StepRefused('step', 'cases.error.step');
  if (input.step === 'appeal' && c.appeal) throw new StepRefused('step', 'cases.error.appealed');
  const note = input.note.trim();
  const needsNote = input.step === 'verify' || input.step === 'reopen' || input.step === 'appeal' || input.step === 'review';
  if (needsNote && !note) throw new StepRefused('note', 'cases.error.noteRequired');
  const next: CaseRecord = { ...c, history: [...c.history], updatedAt: ctx.at };
  const event: CaseEvent = { at: ctx.at, by: ctx.by, byName: ctx.byName, step: input.step, note };
  switch (input.step) {
    case 'contact':
      next.status = 'contacted';
      next.contactedAt = ctx.at;
      break;
    case 'verify':
      next.status = 'verified';
      next.verifiedAt = ctx.at;
      next.finding = input.finding;
      event.finding = input.finding;
      break;
    case 'act': {
      // 不属实: nothing to rectify, the station explains (解释说明).
      if (c.finding === 'false' && input.action !== 'explain') throw new StepRefused('action', 'cases.error.explainOnly');
      const item = input.item.trim();
      if (input.action === 'deadline') {
        if (!item) throw new StepRefused('item', 'cases.error.itemRequired');
        if (!input.itemDue) throw new StepRefused('itemDue', 'cases.error.itemDueRequired');
        if (input.itemDue < ctx.today) throw new StepRefused('itemDue', 'cases.error.itemDuePast');
      }
      next.status = 'actioned';
      next.action = { kind: input.action, item: input.action === 'deadline' ? item : '', itemDue: input.action === 'deadline' ? input.itemDue : null };
      event.action = input.action;
      if (input.action === 'deadline') {
        event.item = item;
        event.itemDue = input.itemDue!;
      }
      break;
    }
    case 'close':
      next.status = 'closed';
      next.closedAt = ctx.at;
      break;
    case 'review':
      next.status = 'reviewed';
      next.reviewedAt = ctx.at;
      break;
    case 'reopen': {
      // A reopened case starts over: new deadlines from today, earlier steps kept in the history.
      const { due, gap } = dueDays(ctx.cal, ctx.today, ctx.settings);
      Object.assign(next, {
        status: 'open',
        openedDay: ctx.today,
        due,
        calendarGap: gap,
        contactedAt: null,
        verifiedAt: null,
        finding: null,
        action: null,
        closedAt: null,
        reviewedAt: null,
        reopenCount: c.reopenCount + 1,
      });
      break;
    }
    case 'appeal':
      next.appeal = { kind: input.appeal, reason: note, by: ctx.by, at: ctx.at };
      event.appeal = input.appeal;
      break;
  }
  next.history.push(event);
  next.nextDue = nextDueOf(next);
  return next;
}

/** Records that the resident left a contact (实名): the first-contact deadline now applies. */
export function markNamed(c: CaseRecord, at: string): CaseRecord {
  const next: CaseRecord = { ...c, named: true, updatedAt: at, history: [...c.history, { at, by: null, byName: 'resident', step: 'contact-left', note: '' }] };
  next.nextDue = nextDueOf(next);
  return next;
}

/** Recomputes due days of a case whose calendar had a gap (after the admin entered the notice). */
export function refreshDue(c: CaseRecord, cal: WorkCalendar, settings: CaseSettings): CaseRecord {
  const { due, gap } = dueDays(cal, c.openedDay, settings);
  const next = { ...c, due, calendarGap: gap };
  next.nextDue = nextDueOf(next);
  return next;
}
