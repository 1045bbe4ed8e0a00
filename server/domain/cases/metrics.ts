import type { CaseRecord } from '../../../models/case';
import type { LocalDay } from '../../../models/common';
import { CalendarGapError, workingDaysBetween, type WorkCalendar } from './working-days';

/** A rate with its parts; rate null when nothing was due (0 / 0 is not 0 %). */
export interface CaseRate {
  numerator: number;
  denominator: number;
  rate: number | null;
}

export interface CaseMetrics {
  /** Cases opened (those marked 恶意/误评 left out). */
  opened: number;
  /** Cases marked 恶意 or 误评 (申诉复核), counted apart. */
  appealed: number;
  /** 回访率: named (实名) cases with a call-back (回访) recorded / named cases. */
  callback: CaseRate;
  /** On-time first contact: named cases contacted by their due day / named cases contacted or past due. */
  onTimeContact: CaseRate;
  /** 整改率: cases closed after 立行立改 or 限期整改 / cases verified 属实 or 部分属实. */
  rectified: CaseRate;
  /** On-time closure: closed by the due day / cases closed or past their closing day. */
  onTimeClosure: CaseRate;
  /** Median working days from (re)opening to closing; null with no closed case. */
  medianDaysToClose: number | null;
  /** Reopen rate: cases reopened at least once / cases ever closed. */
  reopened: CaseRate;
  /** Cases still open whose current step is past due. */
  late: number;
}

const rate = (numerator: number, denominator: number): CaseRate => ({
  numerator,
  denominator,
  rate: denominator === 0 ? null : numerator / denominator,
});

/** The local day of an instant in the zone, given as a function so this stays pure of Intl choices. */
export type DayOf = (iso: string) => LocalDay;

/** Metrics over a set of cases (one station's or all), as of `today`. */
export function caseMetrics(cases: readonly CaseRecord[], today: LocalDay, dayOf: DayOf, cal: WorkCalendar): CaseMetrics {
  const counted = cases.filter((c) => !c.appeal);
  const named = counted.filter((c) => c.named);
  const closedOnce = (c: CaseRecord) => c.closedAt !== null || c.reopenCount > 0;
  const isClosed = (c: CaseRecord) => c.status === 'closed' || c.status === 'reviewed';

  const contactDue = named.filter((c) => c.contactedAt !== null || (c.due.contact !== null && c.due.contact < today));
  const contactOnTime = contactDue.filter((c) => c.contactedAt !== null && c.due.contact !== null && dayOf(c.contactedAt) <= c.due.contact);

  const verifiedTrue = counted.filter((c) => c.finding === 'true' || c.finding === 'partly');
  const rectified = verifiedTrue.filter((c) => isClosed(c) && (c.action?.kind === 'immediate' || c.action?.kind === 'deadline'));

  const closeDue = counted.filter((c) => isClosed(c) || (c.due.close !== null && c.due.close < today));
  const closedOnTime = closeDue.filter((c) => isClosed(c) && c.closedAt !== null && c.due.close !== null && dayOf(c.closedAt) <= c.due.close);

  const days: number[] = [];
  for (const c of counted) {
    if (!isClosed(c) || !c.closedAt) continue;
    try {
      days.push(workingDaysBetween(cal, c.openedDay, dayOf(c.closedAt)));
    } catch (err) {
      if (!(err instanceof CalendarGapError)) throw err;
    }
  }

  return {
    opened: counted.length,
    appealed: cases.length - counted.length,
    callback: rate(named.filter((c) => c.reviewedAt !== null).length, named.length),
    onTimeContact: rate(contactOnTime.length, contactDue.length),
    rectified: rate(rectified.length, verifiedTrue.length),
    onTimeClosure: rate(closedOnTime.length, closeDue.length),
    medianDaysToClose: median(days),
    reopened: rate(counted.filter((c) => c.reopenCount > 0).length, counted.filter(closedOnce).length),
    late: counted.filter((c) => c.nextDue !== null && c.nextDue < today).length,
  };
}

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Metrics overall and per station (by site id). */
export function caseMetricsBySite(
  cases: readonly CaseRecord[],
  today: LocalDay,
  dayOf: DayOf,
  cal: WorkCalendar,
): { overall: CaseMetrics; sites: Map<string, CaseMetrics> } {
  const bySite = new Map<string, CaseRecord[]>();
  for (const c of cases) {
    const list = bySite.get(c.siteId) ?? [];
    list.push(c);
    bySite.set(c.siteId, list);
  }
  const sites = new Map<string, CaseMetrics>();
  for (const [siteId, list] of bySite) sites.set(siteId, caseMetrics(list, today, dayOf, cal));
  return { overall: caseMetrics(cases, today, dayOf, cal), sites };
}
