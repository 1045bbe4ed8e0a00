import type { AnswerValue } from '../../models/response';
import { LIKERT_LEVELS, NOT_APPLICABLE, type Question } from '../../models/survey';
import type { FieldErrors } from '../errors';

/** Form field name of a question's answer. */
export const answerField = (questionId: string) => `q_${questionId}`;

export const DEFAULT_TEXT_MAX = 1000;
export const DEFAULT_RATING_MAX = 5;

/**
 * Reads the answer fields (q_<id>) of a submitted form. Returns the raw values and the
 * field names that do not belong to any question of this version.
 */
export function readFormAnswers(
  body: Record<string, unknown>,
  questions: readonly Question[],
): { raw: Record<string, unknown>; unknown: string[] } {
  const ids = new Set(questions.map((q) => q.id));
  const raw: Record<string, unknown> = {};
  const unknown: string[] = [];
  for (const [field, value] of Object.entries(body)) {
    if (!field.startsWith('q_')) continue;
    const id = field.slice(2);
    if (ids.has(id)) raw[id] = value;
    else unknown.push(field);
  }
  return { raw, unknown };
}

const isBlank = (v: unknown) =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);

function toInteger(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) ? v : null;
  if (typeof v === 'string' && /^-?\d{1,6}$/.test(v.trim())) return Number(v.trim());
  return null;
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' && /^-?\d{1,12}(\.\d{1,6})?$/.test(v.trim())) return Number(v.trim());
  return null;
}

/** Text as stored: newlines normalised, control characters other than newline and tab removed. */
export function cleanText(s: string): string {
  return s
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/g, '')
    .trim();
}

/**
 * Checks raw answers against the exact questions of one survey version: known options, types,
 * ranges, lengths and required answers. Returns the clean answers and, per question id, what is wrong.
 */
export function validateAnswers(
  raw: Record<string, unknown>,
  questions: readonly Question[],
): { answers: Record<string, AnswerValue>; errors: FieldErrors } {
  const answers: Record<string, AnswerValue> = {};
  const errors: FieldErrors = {};
  const byId = new Map(questions.map((q) => [q.id, q]));
  for (const key of Object.keys(raw)) {
    if (!byId.has(key)) errors[key] = { key: 'answer.unknown' };
  }
  for (const q of questions) {
    const v = raw[q.id];
    if (isBlank(v)) {
      if (q.required) errors[q.id] = { key: 'answer.required' };
      continue;
    }
    const single = (): string | null => {
      if (Array.isArray(v)) {
        errors[q.id] = { key: 'answer.oneOnly' };
        return null;
      }
      if (typeof v !== 'string' && typeof v !== 'number') {
        errors[q.id] = { key: 'answer.option' };
        return null;
      }
      return String(v).trim();
    };
    switch (q.type) {
      case 'likert5': {
        const s = single();
        if (s === null) break;
        const ok = (LIKERT_LEVELS as readonly string[]).includes(s) || (q.allowNotApplicable && s === NOT_APPLICABLE);
        if (ok) answers[q.id] = s;
        else errors[q.id] = { key: 'answer.option' };
        break;
      }
      case 'single': {
        const s = single();
        if (s === null) break;
        if (q.options.some((o) => o.id === s)) answers[q.id] = s;
        else errors[q.id] = { key: 'answer.option' };
        break;
      }
      case 'multi': {
        const list = Array.isArray(v) ? v : [v];
        if (!list.every((x) => typeof x === 'string')) {
          errors[q.id] = { key: 'answer.option' };
          break;
        }
        const chosen = [...new Set((list as string[]).map((x) => x.trim()))];
        if (chosen.length > q.options.length || !chosen.every((x) => q.options.some((o) => o.id === x))) {
          errors[q.id] = { key: 'answer.option' };
          break;
        }
        // Keep the questionnaire's order, whatever order the browser sent.
        answers[q.id] = q.options.map((o) => o.id).filter((id) => chosen.includes(id));
        break;
      }
      case 'rating':
      case 'nps': {
        if (Array.isArray(v)) {
          errors[q.id] = { key: 'answer.oneOnly' };
          break;
        }
        const min = q.type === 'nps' ? 0 : (q.min ?? 1);
        const max = q.type === 'nps' ? 10 : (q.max ?? DEFAULT_RATING_MAX);
        const n = toInteger(v);
        if (n === null || n < min || n > max) errors[q.id] = { key: 'answer.range', params: { min, max } };
        else answers[q.id] = n;
        break;
      }
      case 'number': {
        if (Array.isArray(v)) {
          errors[q.id] = { key: 'answer.oneOnly' };
          break;
        }
        const n = toNumber(v);
        if (n === null) {
          errors[q.id] = { key: 'answer.number' };
          break;
        }
        if ((q.min !== null && n < q.min) || (q.max !== null && n > q.max)) {
          errors[q.id] = { key: 'answer.range', params: { min: q.min ?? '−∞', max: q.max ?? '∞' } };
          break;
        }
        answers[q.id] = n;
        break;
      }
      case 'text': {
        if (typeof v !== 'string') {
          errors[q.id] = { key: Array.isArray(v) ? 'answer.oneOnly' : 'answer.invalid' };
          break;
        }
        const text = cleanText(v);
        const max = q.maxLength ?? DEFAULT_TEXT_MAX;
        const length = [...text].length;
        if (length > max) errors[q.id] = { key: 'answer.tooLong', params: { max, length } };
        else if (text === '') {
          if (q.required) errors[q.id] = { key: 'answer.required' };
        } else answers[q.id] = text;
        break;
      }
    }
  }
  return { answers, errors };
}

/** The segment value of a response: the chosen option of the segment question, '' when none. */
export function segmentOf(answers: Record<string, AnswerValue>, segmentQuestionId: string | null): string {
  if (!segmentQuestionId) return '';
  const v = answers[segmentQuestionId];
  return typeof v === 'string' ? v : '';
}
