import { LIKERT_LEVELS, type Question, type QuestionType, type Survey, type SurveySettings, type SurveyStatus } from '../../models/survey';
import type { FieldErrors } from '../errors';

export interface LikertLabels {
  levels: [string, string, string, string, string];
  notApplicable: string;
}

export const LIKERT_LABELS: Record<'zh-CN' | 'en', LikertLabels> = {
  'zh-CN': { levels: ['非常满意', '满意', '基本满意', '不满意', '非常不满意'], notApplicable: '不了解/不适用' },
  en: { levels: ['Very satisfied', 'Satisfied', 'Fairly satisfied', 'Dissatisfied', 'Very dissatisfied'], notApplicable: "Don't know / not applicable" },
};

export function labelsFor(locale: string): LikertLabels {
  return locale === 'en' ? LIKERT_LABELS.en : LIKERT_LABELS['zh-CN'];
}

/** A new question of a type with sensible defaults (Likert items count toward satisfaction). */
export function newQuestion(type: QuestionType, id: string, text: string, locale: string, optionIds: () => string): Question {
  const labels = labelsFor(locale);
  const likert = type === 'likert5';
  return {
    id,
    type,
    text,
    help: '',
    required: likert,
    options: likert
      ? LIKERT_LEVELS.map((level, i) => ({ id: level, label: labels.levels[i]! }))
      : type === 'single' || type === 'multi'
        ? [
            { id: optionIds(), label: locale === 'en' ? 'Option 1' : '选项 1' },
            { id: optionIds(), label: locale === 'en' ? 'Option 2' : '选项 2' },
          ]
        : [],
    dimension: likert ? 'overall' : null,
    countsTowardSatisfaction: likert,
    allowNotApplicable: likert,
    notApplicableLabel: likert ? labels.notApplicable : '',
    min: type === 'rating' ? 1 : null,
    max: type === 'rating' ? 5 : null,
    maxLength: type === 'text' ? 500 : null,
  };
}

/**
 * Checks that a questionnaire is well formed: unique ids, options where needed, ranges that make
 * sense, a segment question that is a single choice, satisfied levels that exist.
 */
export function checkDefinition(questions: readonly Question[], segmentQuestionId: string | null, settings: SurveySettings): FieldErrors {
  const errors: FieldErrors = {};
  const seen = new Set<string>();
  questions.forEach((q, i) => {
    const at = `questions.${i}`;
    if (seen.has(q.id)) errors[`${at}.id`] = { key: 'survey.duplicateId' };
    seen.add(q.id);
    if (q.type === 'likert5') {
      const ids = q.options.map((o) => o.id).join(',');
      if (ids !== LIKERT_LEVELS.join(',')) errors[`${at}.options`] = { key: 'survey.likertLevels' };
      if (q.allowNotApplicable && !q.notApplicableLabel) errors[`${at}.notApplicableLabel`] = { key: 'field.required' };
    }
    if (q.type === 'single' || q.type === 'multi') {
      if (q.options.length < 2) errors[`${at}.options`] = { key: 'survey.twoOptions' };
      const optionIds = q.options.map((o) => o.id);
      if (new Set(optionIds).size !== optionIds.length) errors[`${at}.options`] = { key: 'survey.duplicateId' };
    }
    if (q.type === 'rating' && (q.min !== 1 || q.max === null || q.max < 2 || q.max > 10)) {
      errors[`${at}.max`] = { key: 'survey.ratingRange' };
    }
    if (q.type === 'number' && q.min !== null && q.max !== null && q.min >= q.max) {
      errors[`${at}.max`] = { key: 'survey.minMax' };
    }
    if (q.countsTowardSatisfaction && q.type !== 'likert5') errors[`${at}.countsTowardSatisfaction`] = { key: 'survey.onlyLikert' };
  });
  if (segmentQuestionId) {
    const seg = questions.find((q) => q.id === segmentQuestionId);
    if (!seg || seg.type !== 'single') errors.segmentQuestionId = { key: 'survey.segmentSingle' };
  }
  const levels = settings.satisfiedLevels;
  if (levels.length === 0 || !levels.every((l) => Number.isInteger(l) && l >= 1 && l <= 5) || new Set(levels).size !== levels.length) {
    errors['settings.satisfiedLevels'] = { key: 'field.option' };
  }
  // Compared as instants: the two times may carry different offsets (+08:00 and Z).
  if (settings.opensAt && settings.closesAt && !(Date.parse(settings.opensAt) < Date.parse(settings.closesAt))) {
    errors['settings.closesAt'] = { key: 'survey.closesBeforeOpens' };
  }
  return errors;
}

/** Moves a question up (-1) or down (+1); out-of-range moves change nothing. */
export function moveQuestion(questions: readonly Question[], id: string, delta: -1 | 1): Question[] {
  const list = [...questions];
  const i = list.findIndex((q) => q.id === id);
  const j = i + delta;
  if (i < 0 || j < 0 || j >= list.length) return list;
  [list[i], list[j]] = [list[j]!, list[i]!];
  return list;
}

/** A copy of a question right after it, with a new id (and new option ids for choices). */
export function duplicateQuestion(questions: readonly Question[], id: string, newId: string, newOptionId: () => string): Question[] {
  const i = questions.findIndex((q) => q.id === id);
  if (i < 0) return [...questions];
  const q = questions[i]!;
  const copy: Question = {
    ...q,
    id: newId,
    options: q.type === 'likert5' ? q.options.map((o) => ({ ...o })) : q.options.map((o) => ({ ...o, id: newOptionId() })),
  };
  return [...questions.slice(0, i + 1), copy, ...questions.slice(i + 1)];
}

const TRANSITIONS: Record<SurveyStatus, SurveyStatus[]> = {
  draft: ['open', 'archived'],
  open: ['closed'],
  closed: ['open', 'archived'],
  archived: [],
};

export function canTransition(from: SurveyStatus, to: SurveyStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function nextStatuses(from: SurveyStatus): SurveyStatus[] {
  return TRANSITIONS[from];
}

export type Availability = 'open' | 'draft' | 'not-yet-open' | 'ended';

/** Whether a survey takes answers at `now`: open status and inside its opening window. */
export function availability(survey: Pick<Survey, 'status' | 'settings'>, now: Date): Availability {
  if (survey.status === 'draft') return 'draft';
  if (survey.status !== 'open') return 'ended';
  const t = now.toISOString();
  if (survey.settings.opensAt && t < new Date(survey.settings.opensAt).toISOString()) return 'not-yet-open';
  if (survey.settings.closesAt && t >= new Date(survey.settings.closesAt).toISOString()) return 'ended';
  return 'open';
}
