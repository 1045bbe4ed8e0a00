import type { AnswerValue } from '../../models/response';
import { LIKERT_LEVELS, NOT_APPLICABLE, type Question } from '../../models/survey';
import type { FieldErrors } from '../errors';
import { codePointLength, normaliseFreeText, normaliseNumberText } from './text-input';

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
  const raw: [string, unknown][] = [];
  const unknown: string[] = [];
  for (const [field, value] of Object.entries(isRecord(body) ? body : {})) {
    if (!field.startsWith('q_')) continue;
    const id = field.slice(2);
    if (ids.has(id)) raw.push([id, value]);
    else unknown.push(field);
  }
  // fromEntries defines own properties, so an id such as "__proto__" stays an answer, not a prototype.
  return { raw: Object.fromEntries(raw), unknown };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The raw answer to a question: only own properties count, so "constructor" or "toString" are not inherited answers. */
const ownValue = (raw: Record<string, unknown>, id: string): unknown => (Object.hasOwn(raw, id) ? raw[id] : undefined);

const isBlank = (v: unknown) =>
  v === undefined || v === null || (typeof v === 'string' && v.trim() === '') || (Array.isArray(v) && v.length === 0);

/** Numbers are kept below 10^12 in magnitude, typed or sent as JSON, so tally sums of squares stay finite and exact enough. */
const NUMBER_LIMIT = 1e12;

// `+ 0` turns -0 (from "-0") into 0, so a stored answer never differs from 0 by its sign.
// Typed numbers go through normaliseNumberText first: full-width digits from a Chinese input method count.
function toInteger(v: unknown): number | null {
  if (typeof v === 'number') return Number.isInteger(v) && Math.abs(v) < NUMBER_LIMIT ? v + 0 : null;
  if (typeof v !== 'string') return null;
  const s = normaliseNumberText(v);
  return /^-?\d{1,6}$/.test(s) ? Number(s) + 0 : null;
}

function toNumber(v: unknown): number | null {
  if (typeof v === 'number') return Number.isFinite(v) && Math.abs(v) < NUMBER_LIMIT ? v + 0 : null;
  if (typeof v !== 'string') return null;
  const s = normaliseNumberText(v);
  return /^-?\d{1,12}(\.\d{1,6})?$/.test(s) ? Number(s) + 0 : null;
}

/**
 * Checks raw answers against the exact questions of one survey version: known options, types,
 * ranges, lengths and required answers. Returns the clean answers, per question id what is wrong,
 * and how many characters that are never stored (controls, lone surrogates…) were removed from
 * text answers, so the response can say so (flag `cleaned`).
 */
export function validateAnswers(
  raw: Record<string, unknown>,
  questions: readonly Question[],
  options: { requireAnswers?: boolean } = {},
): { answers: Record<string, AnswerValue>; errors: FieldErrors; removedCharacters: number } {
  // A paper questionnaire is transcribed as written: a question the resident left blank stays blank.
  const requireAnswers = options.requireAnswers ?? true;
  // Maps, turned into objects with fromEntries at the end: ids such as "__proto__" are ordinary keys.
  const answers = new Map<string, AnswerValue>();
  const errors = new Map<string, FieldErrors[string]>();
  const source = isRecord(raw) ? raw : {};
  const byId = new Map(questions.map((q) => [q.id, q]));
  let removedCharacters = 0;
  for (const key of Object.keys(source)) {
    if (!byId.has(key)) errors.set(key, { key: 'answer.unknown' });
  }
  for (const q of questions) {
    const v = ownValue(source, q.id);
    const fail = (key: FieldErrors[string]['key'], params?: Record<string, string | number>) => {
      errors.set(q.id, params ? { key, params } : { key });
    };
    if (isBlank(v)) {
      if (q.required && requireAnswers) fail('answer.required');
      continue;
    }
    const single = (): string | null => {
      if (Array.isArray(v)) {
        fail('answer.oneOnly');
        return null;
      }
      if (typeof v !== 'string' && typeof v !== 'number') {
        fail('answer.option');
        return null;
      }
      return String(v).trim();
    };
    switch (q.type) {
      case 'likert5': {
        const s = single();
        if (s === null) break;
        const ok = (LIKERT_LEVELS as readonly string[]).includes(s) || (q.allowNotApplicable && s === NOT_APPLICABLE);
        if (ok) answers.set(q.id, s);
        else fail('answer.option');
        break;
      }
      case 'single': {
        const s = single();
        if (s === null) break;
        if (q.options.some((o) => o.id === s)) answers.set(q.id, s);
        else fail('answer.option');
        break;
      }
      case 'multi': {
        const list: unknown[] = Array.isArray(v) ? v : [v];
        if (!list.every((x) => typeof x === 'string')) {
          fail('answer.option');
          break;
        }
        const chosen = new Set((list as string[]).map((x) => x.trim()));
        if (![...chosen].every((x) => q.options.some((o) => o.id === x))) {
          fail('answer.option');
          break;
        }
        // Keep the questionnaire's order, whatever order the browser sent.
        answers.set(q.id, q.options.map((o) => o.id).filter((id) => chosen.has(id)));
        break;
      }
      case 'rating':
      case 'nps': {
        if (Array.isArray(v)) {
          fail('answer.oneOnly');
          break;
        }
        const min = q.type === 'nps' ? 0 : (q.min ?? 1);
        const max = q.type === 'nps' ? 10 : (q.max ?? DEFAULT_RATING_MAX);
        const n = toInteger(v);
        if (n === null || n < min || n > max) fail('answer.range', { min, max });
        else answers.set(q.id, n);
        break;
      }
      case 'number': {
        if (Array.isArray(v)) {
          fail('answer.oneOnly');
          break;
        }
        const n = toNumber(v);
        if (n === null) {
          fail('answer.number');
          break;
        }
        if ((q.min !== null && n < q.min) || (q.max !== null && n > q.max)) {
          fail('answer.range', { min: q.min ?? '−∞', max: q.max ?? '∞' });
          break;
        }
        answers.set(q.id, n);
        break;
      }
      case 'text': {
        if (typeof v !== 'string') {
          fail(Array.isArray(v) ? 'answer.oneOnly' : 'answer.invalid');
          break;
        }
        const { text, removed } = normaliseFreeText(v);
        removedCharacters += removed;
        const max = q.maxLength ?? DEFAULT_TEXT_MAX;
        // Characters as people count them in CJK text: code points, so an emoji is one, not two UTF-16 units.
        const length = codePointLength(text);
        if (length > max) fail('answer.tooLong', { max, length });
        else if (text === '') {
          if (q.required && requireAnswers) fail('answer.required');
        } else answers.set(q.id, text);
        break;
      }
    }
  }
  return { answers: Object.fromEntries(answers), errors: Object.fromEntries(errors), removedCharacters };
}

/** The segment value of a response: the chosen option of the segment question, '' when none. */
export function segmentOf(answers: Record<string, AnswerValue>, segmentQuestionId: string | null): string {
  if (!segmentQuestionId || !Object.hasOwn(answers, segmentQuestionId)) return '';
  const v = answers[segmentQuestionId];
  return typeof v === 'string' ? v : '';
}

/**
 * A stored answer as people read it: option labels for choices (不了解/不适用 included), numbers
 * and text as given; '' when the question was not answered.
 */
export function answerText(q: Question, value: AnswerValue | undefined, listSeparator: string): string {
  if (value === undefined) return '';
  if (Array.isArray(value)) {
    let text = '';
    for (let i = 0; i < value.length; i++) text += (i > 0 ? listSeparator : '') + optionText(q, String(value[i]));
    return text;
  }
  if (q.type === 'likert5' || q.type === 'single') return optionText(q, String(value));
  return String(value);
}

/** An option's label, 不了解's for 'na' on a likert item, else the id itself (a module function: exports call this per cell). */
function optionText(q: Question, id: string): string {
  if (id === NOT_APPLICABLE && q.type === 'likert5') return q.notApplicableLabel || id;
  for (const o of q.options) if (o.id === id) return o.label;
  return id;
}
