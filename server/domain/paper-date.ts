import type { FieldError } from '../errors';

/** How far back a paper questionnaire's date may lie: one survey round at most. */
export const PAPER_DATE_MAX_AGE_DAYS = 366;

const DAY = /^\d{4}-\d{2}-\d{2}$/;

function dayNumber(day: string): number | null {
  if (!DAY.test(day)) return null;
  const t = Date.parse(`${day}T00:00:00Z`);
  // Date.parse rolls 2026-02-30 over to March: a real day formats back to itself.
  if (Number.isNaN(t) || new Date(t).toISOString().slice(0, 10) !== day) return null;
  return t / 86_400_000;
}

/**
 * Checks the date written on a paper questionnaire (YYYY-MM-DD) against today in the survey's
 * time zone: required, a real calendar day, not in the future (impossible) and not more than
 * PAPER_DATE_MAX_AGE_DAYS ago. Returns the day or the field error.
 */
export function checkPaperDate(value: unknown, today: string): { day: string } | { error: FieldError } {
  const raw = typeof value === 'string' ? value.trim() : '';
  if (raw === '') return { error: { key: 'paper.dateRequired' } };
  const d = dayNumber(raw);
  const t = dayNumber(today);
  if (d === null || t === null) return { error: { key: 'paper.dateInvalid' } };
  if (d > t) return { error: { key: 'paper.dateFuture', params: { today } } };
  if (t - d > PAPER_DATE_MAX_AGE_DAYS) return { error: { key: 'paper.dateTooOld', params: { days: PAPER_DATE_MAX_AGE_DAYS } } };
  return { day: raw };
}
