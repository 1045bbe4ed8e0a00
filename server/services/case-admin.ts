import type { CalendarOverride } from '../../models/case';
import { caseSettingsOf, type CaseSettings } from '../domain/cases/case-flow';
import { calendarWarning, lastCoveredYear, lastLibraryYear, parseOverrides, workCalendar } from '../domain/cases/working-days';
import { localDay } from '../domain/time';
import { NotFoundError, ValidationError, type FieldErrors } from '../errors';
import { audit } from './audit';
import { forgetCalendar, refreshCaseDeadlines } from './cases';
import type { Actor, Deps } from './context';
import { assertAdmin, assertCanManage } from './permissions';

/** The calendar page: what the library and the admin's notices cover, and each year's entered lines. */
export async function calendarPage(deps: Deps, actor: Actor) {
  const overrides = await deps.store.calendar.list();
  const cal = workCalendar(overrides);
  const byYear = new Map<number, CalendarOverride[]>();
  for (const o of overrides) {
    const y = Number(o.date.slice(0, 4));
    byYear.set(y, [...(byYear.get(y) ?? []), o]);
  }
  const today = localDay(deps.clock(), deps.config.timeZone);
  return {
    libraryLast: lastLibraryYear(),
    coveredLast: lastCoveredYear(cal),
    warningYear: calendarWarning(cal, today),
    years: [...byYear.entries()].sort((a, b) => a[0] - b[0]).map(([year, list]) => ({ year, lines: list.map((o) => `${o.date} ${o.work ? '班' : '休'}`).join('\n') })),
    suggestedYear: Number(today.slice(0, 4)) + 1,
    canEdit: actor.role === 'admin' && actor.scope !== 'read',
  };
}

/** The year the admin pages warn about (current year missing; from 1 November, next year missing), or null. */
export async function calendarWarningYear(deps: Deps): Promise<number | null> {
  return calendarWarning(workCalendar(await deps.store.calendar.list()), localDay(deps.clock(), deps.config.timeZone));
}

/** Replaces one year's 休/班 dates from the notice; cases waiting for that year get their due days. */
export async function saveCalendarYear(deps: Deps, actor: Actor, rawYear: unknown, rawLines: unknown): Promise<{ year: number; count: number; refreshed: number }> {
  assertAdmin(actor);
  const year = Number(rawYear);
  if (!Number.isInteger(year) || year < 2000 || year > 2100) throw new ValidationError({ year: { key: 'cases.error.choose' } });
  const { overrides, errors } = parseOverrides(typeof rawLines === 'string' ? rawLines : '', year);
  if (errors.length) throw new ValidationError({ lines: { key: 'cases.calendar.badLines', params: { lines: errors.join('、'), year } } });
  await deps.store.calendar.replaceYear(year, overrides);
  forgetCalendar(deps);
  await audit(deps, actor, 'calendar.update', { type: 'calendar', id: String(year) }, { year, count: overrides.length });
  const refreshed = await refreshCaseDeadlines(deps);
  return { year, count: overrides.length, refreshed };
}

/** Saves a survey's case rules (levels, working days per step). */
export async function saveCaseSettings(deps: Deps, actor: Actor, surveyId: string, body: Record<string, unknown>): Promise<CaseSettings> {
  assertCanManage(actor);
  const survey = await deps.store.surveys.get(surveyId);
  if (!survey) throw new NotFoundError();
  const raw = body.levels;
  const levels = (Array.isArray(raw) ? raw : raw === undefined ? [] : [raw]).map(Number).filter((n) => Number.isInteger(n) && n >= 1 && n <= 5);
  const errors: FieldErrors = {};
  if (levels.length === 0 || levels.length > 4) errors.levels = { key: 'cases.error.levels' };
  const day = (k: string) => {
    const v = Number(body[k]);
    if (!Number.isInteger(v) || v < 0 || v > 120 || String(body[k]).trim() === '') errors[k] = { key: 'cases.error.days' };
    return v;
  };
  const next: CaseSettings = { levels: [...new Set(levels)].sort((a, b) => b - a), contactDays: day('contactDays'), verifyDays: day('verifyDays'), closeDays: day('closeDays') };
  if (Object.keys(errors).length) throw new ValidationError(errors);
  const before = caseSettingsOf(survey.settings);
  await deps.store.surveys.update(surveyId, { settings: { ...survey.settings, cases: next }, updatedAt: deps.clock().toISOString() });
  await audit(deps, actor, 'case.settings', { type: 'survey', id: surveyId }, { ...next, before });
  return next;
}
