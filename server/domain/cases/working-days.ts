import { getDayDetail } from 'chinese-days';
import type { CalendarOverride } from '../../../models/case';
import type { LocalDay as LocalDayString } from '../../../models/common';

/**
 * Mainland-China working days (工作日) with 调休: the `chinese-days` library's bundled data (no
 * network), with an admin's overrides (the year's State Council notice, dates marked 休 or 班)
 * taking precedence. A day in a year neither covers is refused: guessing "weekdays only" would
 * put deadlines on the Spring Festival.
 */
export interface WorkCalendar {
  overrides: ReadonlyMap<LocalDayString, boolean>;
  /** Years the admin entered a notice for. */
  overrideYears: ReadonlySet<number>;
}

/** Thrown when a day falls in a year the calendar does not cover. */
export class CalendarGapError extends Error {
  constructor(public readonly year: number) {
    super(`the working-day calendar does not cover ${year}`);
    this.name = 'CalendarGapError';
  }
}

export function workCalendar(overrides: readonly CalendarOverride[]): WorkCalendar {
  return {
    overrides: new Map(overrides.map((o) => [o.date, o.work])),
    overrideYears: new Set(overrides.map((o) => Number(o.date.slice(0, 4)))),
  };
}

const libraryYears = new Map<number, boolean>();
/**
 * Whether the library has the year's notice: its data lists 元旦 (1 January) as a holiday in every
 * year it covers; a year it lacks reads as an ordinary weekday or weekend.
 */
export function libraryCovers(year: number): boolean {
  let known = libraryYears.get(year);
  if (known === undefined) {
    known = getDayDetail(`${year}-01-01`).name.includes('元旦');
    libraryYears.set(year, known);
  }
  return known;
}

/** The last year the bundled library covers. */
export function lastLibraryYear(): number {
  let y = 2004;
  while (libraryCovers(y + 1)) y++;
  return y;
}

export function coversYear(cal: WorkCalendar, year: number): boolean {
  return cal.overrideYears.has(year) || libraryCovers(year);
}

/** The last year covered without a gap from the library's last year on (library or overrides). */
export function lastCoveredYear(cal: WorkCalendar): number {
  let y = lastLibraryYear();
  while (coversYear(cal, y + 1)) y++;
  return y;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Whether a local day is a working day (调休 included); CalendarGapError outside the covered years. */
export function isWorkingDay(cal: WorkCalendar, day: LocalDayString): boolean {
  if (!DAY.test(day)) throw new RangeError(`not a day: ${day}`);
  const override = cal.overrides.get(day);
  if (override !== undefined) return override;
  const year = Number(day.slice(0, 4));
  if (!coversYear(cal, year)) throw new CalendarGapError(year);
  if (!libraryCovers(year)) {
    // A year covered only by the admin's notice: dates it does not mark follow the week.
    const weekday = new Date(`${day}T00:00:00Z`).getUTCDay();
    return weekday !== 0 && weekday !== 6;
  }
  return libraryWorkDay(day);
}

/**
 * Days the library was asked about, remembered: its answer for a day never changes, and asking it
 * (a date library's parse and format) cost more than the rest of opening a case. Bounded: a
 * working year is 365 entries; the map is cleared past a few decades of them.
 */
const libraryDays = new Map<LocalDayString, boolean>();
const MAX_REMEMBERED_DAYS = 20_000;
function libraryWorkDay(day: LocalDayString): boolean {
  let work = libraryDays.get(day);
  if (work === undefined) {
    work = getDayDetail(day).work;
    if (libraryDays.size >= MAX_REMEMBERED_DAYS) libraryDays.clear();
    libraryDays.set(day, work);
  }
  return work;
}

/** The next day of each day asked: counting working days steps one day at a time. Bounded like libraryDays. */
const nextDays = new Map<LocalDayString, LocalDayString>();
function nextDay(day: LocalDayString): LocalDayString {
  let next = nextDays.get(day);
  if (next === undefined) {
    next = shiftDay(day, 1);
    if (nextDays.size >= MAX_REMEMBERED_DAYS) nextDays.clear();
    nextDays.set(day, next);
  }
  return next;
}

/** The day after (or before) a local day. */
export function shiftDay(day: LocalDayString, days: number): LocalDayString {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/**
 * The n-th working day after `day` (n ≥ 1): "within 1 working day" of a Friday review is the next
 * Monday, or the 调休 Saturday if that is a working day. n = 0 gives the day itself when it is a
 * working day, else the next one.
 */
export function addWorkingDays(cal: WorkCalendar, day: LocalDayString, n: number): LocalDayString {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`working days must be a whole number ≥ 0 (got ${n})`);
  let d = day;
  if (n === 0) {
    while (!isWorkingDay(cal, d)) d = nextDay(d);
    return d;
  }
  let left = n;
  while (left > 0) {
    d = nextDay(d);
    if (isWorkingDay(cal, d)) left--;
  }
  return d;
}

/** Working days after `from` up to and including `to` (0 when `to` is not after `from`). */
export function workingDaysBetween(cal: WorkCalendar, from: LocalDayString, to: LocalDayString): number {
  let n = 0;
  for (let d = nextDay(from); d <= to; d = nextDay(d)) if (isWorkingDay(cal, d)) n++;
  return n;
}

/**
 * The year the admin pages warn about, or null: the current year whenever it is not covered, and
 * from 1 November next year when it is not (the State Council publishes the notice around then).
 */
export function calendarWarning(cal: WorkCalendar, today: LocalDayString): number | null {
  const year = Number(today.slice(0, 4));
  if (!coversYear(cal, year)) return year;
  if (today.slice(5) >= '11-01' && !coversYear(cal, year + 1)) return year + 1;
  return null;
}

/** Parses lines "2027-10-01 休" / "2027-10-09 班" (also rest/work, off/on); errors name the line. */
export function parseOverrides(text: string, year: number): { overrides: CalendarOverride[]; errors: number[] } {
  const overrides: CalendarOverride[] = [];
  const errors: number[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line) return;
    const m = /^(\d{4}-\d{2}-\d{2})\s*[,，\s]\s*(休|班|rest|work|off|on)$/i.exec(line);
    const valid = m && Number(m[1]!.slice(0, 4)) === year && !Number.isNaN(new Date(`${m[1]}T00:00:00Z`).getTime()) && shiftDay(m[1]!, 0) === m[1];
    if (!m || !valid) {
      errors.push(i + 1);
      return;
    }
    const word = m[2]!.toLowerCase();
    overrides.push({ date: m[1]!, work: word === '班' || word === 'work' || word === 'on' });
  });
  return { overrides, errors };
}
