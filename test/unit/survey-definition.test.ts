import { defaultSettings, DIMENSIONS, LIKERT_LEVELS, QUESTION_TYPES, SURVEY_STATUSES, type Question, type SurveySettings, type SurveyStatus } from '../../models/survey';
import { availability, canTransition, checkDefinition, duplicateQuestion, LIKERT_LABELS, moveQuestion, newQuestion, nextStatuses } from '../../server/domain/survey-definition';
import { stationSatisfactionTemplate } from '../../server/domain/templates';
import { question } from '../helpers/fixtures';

const choices = (...ids: string[]) => ids.map((id) => ({ id, label: `选项 ${id}` }));
const settings = (over: Partial<SurveySettings> = {}): SurveySettings => ({ ...defaultSettings(), ...over });

/** A well-formed questionnaire with one question of each type and the segment question 'seg'. */
function wellFormed(): Question[] {
  return [
    question({ id: 'seg', type: 'single', required: true, options: choices('a', 'b') }),
    question({ id: 'q1', type: 'likert5', required: true }),
    question({ id: 'm', type: 'multi', options: choices('x', 'y') }),
    question({ id: 'r', type: 'rating', min: 1, max: 5 }),
    question({ id: 'nps', type: 'nps' }),
    question({ id: 'n', type: 'number', min: 0, max: 120 }),
    question({ id: 'c', type: 'text', maxLength: 500 }),
  ];
}

/** The questionnaire with question `id` changed. */
function withQuestion(id: string, over: Partial<Question>): Question[] {
  return wellFormed().map((q) => (q.id === id ? { ...q, ...over } : q));
}

describe('checkDefinition', () => {
  it('accepts a well-formed questionnaire with every question type', () => {
    expect(checkDefinition(wellFormed(), 'seg', settings())).toEqual({});
    expect(checkDefinition(wellFormed(), null, settings())).toEqual({});
  });

  it('refuses two questions with the same id, naming the second', () => {
    const qs = [...wellFormed(), question({ id: 'q1', type: 'text' })];
    expect(checkDefinition(qs, 'seg', settings())).toEqual({ 'questions.7.id': { key: 'survey.duplicateId' } });
  });

  it('refuses a Likert item whose options are not the five levels 5..1', () => {
    const likert = wellFormed()[1]!;
    const reordered = [...likert.options].reverse();
    expect(checkDefinition(withQuestion('q1', { options: reordered }), 'seg', settings())).toEqual({ 'questions.1.options': { key: 'survey.likertLevels' } });
    expect(checkDefinition(withQuestion('q1', { options: likert.options.slice(0, 4) }), 'seg', settings())).toEqual({ 'questions.1.options': { key: 'survey.likertLevels' } });
  });

  it('asks for the 不了解/不适用 label when a Likert item offers it', () => {
    expect(checkDefinition(withQuestion('q1', { notApplicableLabel: '' }), 'seg', settings())).toEqual({ 'questions.1.notApplicableLabel': { key: 'field.required' } });
    expect(checkDefinition(withQuestion('q1', { notApplicableLabel: '', allowNotApplicable: false }), 'seg', settings())).toEqual({});
  });

  it('asks for at least two options in a single or multiple choice', () => {
    expect(checkDefinition(withQuestion('m', { options: choices('x') }), 'seg', settings())).toEqual({ 'questions.2.options': { key: 'survey.twoOptions' } });
    expect(checkDefinition(withQuestion('m', { options: [] }), 'seg', settings())).toEqual({ 'questions.2.options': { key: 'survey.twoOptions' } });
  });

  it('refuses repeated option ids in a choice', () => {
    expect(checkDefinition(withQuestion('seg', { options: choices('a', 'b', 'a') }), 'seg', settings())).toEqual({ 'questions.0.options': { key: 'survey.duplicateId' } });
  });

  it.each([
    [{ min: 0, max: 5 }],
    [{ min: 1, max: null }],
    [{ min: 1, max: 1 }],
    [{ min: 1, max: 11 }],
    [{ min: null, max: 5 }],
  ])('refuses the rating range %p (1..2-10 only)', (range) => {
    expect(checkDefinition(withQuestion('r', range), 'seg', settings())).toEqual({ 'questions.3.max': { key: 'survey.ratingRange' } });
  });

  it('accepts rating scales 1..2 and 1..10', () => {
    expect(checkDefinition(withQuestion('r', { max: 2 }), 'seg', settings())).toEqual({});
    expect(checkDefinition(withQuestion('r', { max: 10 }), 'seg', settings())).toEqual({});
  });

  it('refuses a number range whose minimum is not below its maximum, and accepts open ends', () => {
    expect(checkDefinition(withQuestion('n', { min: 10, max: 10 }), 'seg', settings())).toEqual({ 'questions.5.max': { key: 'survey.minMax' } });
    expect(checkDefinition(withQuestion('n', { min: 10, max: 5 }), 'seg', settings())).toEqual({ 'questions.5.max': { key: 'survey.minMax' } });
    expect(checkDefinition(withQuestion('n', { min: null, max: 5 }), 'seg', settings())).toEqual({});
    expect(checkDefinition(withQuestion('n', { min: -5, max: null }), 'seg', settings())).toEqual({});
  });

  it('lets only Likert items count toward satisfaction', () => {
    expect(checkDefinition(withQuestion('r', { countsTowardSatisfaction: true }), 'seg', settings())).toEqual({ 'questions.3.countsTowardSatisfaction': { key: 'survey.onlyLikert' } });
  });

  it('asks for a segment question that exists and is a single choice', () => {
    expect(checkDefinition(wellFormed(), 'gone', settings())).toEqual({ segmentQuestionId: { key: 'survey.segmentSingle' } });
    expect(checkDefinition(wellFormed(), 'm', settings())).toEqual({ segmentQuestionId: { key: 'survey.segmentSingle' } });
    expect(checkDefinition(wellFormed(), 'q1', settings())).toEqual({ segmentQuestionId: { key: 'survey.segmentSingle' } });
  });

  it.each([[[]], [[6]], [[0, 5]], [[5, 5]], [[4.5]]])('refuses the satisfied levels %p', (satisfiedLevels) => {
    expect(checkDefinition(wellFormed(), 'seg', settings({ satisfiedLevels }))).toEqual({ 'settings.satisfiedLevels': { key: 'field.option' } });
  });

  it('accepts any non-empty set of distinct levels 1..5 as satisfied', () => {
    expect(checkDefinition(wellFormed(), 'seg', settings({ satisfiedLevels: [5] }))).toEqual({});
    expect(checkDefinition(wellFormed(), 'seg', settings({ satisfiedLevels: [1, 2, 3, 4, 5] }))).toEqual({});
  });

  it('refuses a window that closes before or when it opens', () => {
    const closes = { 'settings.closesAt': { key: 'survey.closesBeforeOpens' } };
    expect(checkDefinition(wellFormed(), 'seg', settings({ opensAt: '2026-11-10T00:00:00.000Z', closesAt: '2026-11-01T00:00:00.000Z' }))).toEqual(closes);
    expect(checkDefinition(wellFormed(), 'seg', settings({ opensAt: '2026-11-01T00:00:00.000Z', closesAt: '2026-11-01T00:00:00.000Z' }))).toEqual(closes);
    expect(checkDefinition(wellFormed(), 'seg', settings({ opensAt: '2026-11-01T00:00:00.000Z', closesAt: '2026-11-01T00:00:00.001Z' }))).toEqual({});
    expect(checkDefinition(wellFormed(), 'seg', settings({ opensAt: '2026-11-01T00:00:00.000Z', closesAt: null }))).toEqual({});
  });

  it('compares the window as instants when the times carry different offsets', () => {
    // 10:00 in Beijing is 02:00 UTC, one hour before 03:00 UTC: a valid window.
    expect(checkDefinition(wellFormed(), 'seg', settings({ opensAt: '2026-11-01T10:00:00+08:00', closesAt: '2026-11-01T03:00:00Z' }))).toEqual({});
    // 08:00 UTC is 16:00 in Beijing, after 12:00 in Beijing: invalid although "08" < "12".
    expect(checkDefinition(wellFormed(), 'seg', settings({ opensAt: '2026-11-01T08:00:00Z', closesAt: '2026-11-01T12:00:00+08:00' }))).toEqual({
      'settings.closesAt': { key: 'survey.closesBeforeOpens' },
    });
  });

  it('reports several problems at once', () => {
    const qs = withQuestion('m', { options: choices('x') });
    expect(Object.keys(checkDefinition(qs, 'gone', settings({ satisfiedLevels: [] }))).sort()).toEqual(['questions.2.options', 'segmentQuestionId', 'settings.satisfiedLevels']);
  });
});

describe('newQuestion', () => {
  it.each(QUESTION_TYPES.map((type) => [type]))('makes a %s question that passes checkDefinition', (type) => {
    let n = 0;
    const q = newQuestion(type, 'q1', '新问题', 'zh-CN', () => `o${++n}`);
    expect(q.type).toBe(type);
    expect(checkDefinition([q], null, defaultSettings())).toEqual({});
  });

  it('makes a Likert item with the five levels labelled in the survey language, counting toward satisfaction', () => {
    const zh = newQuestion('likert5', 'q1', '态度', 'zh-CN', () => 'x');
    expect(zh.options).toEqual(LIKERT_LEVELS.map((id, i) => ({ id, label: LIKERT_LABELS['zh-CN'].levels[i] })));
    expect(zh).toMatchObject({ countsTowardSatisfaction: true, allowNotApplicable: true, notApplicableLabel: '不了解/不适用', required: true });
    expect(newQuestion('likert5', 'q1', 'Attitude', 'en', () => 'x').options[0]).toEqual({ id: '5', label: 'Very satisfied' });
  });
});

describe('moveQuestion', () => {
  const ids = (qs: Question[]) => qs.map((q) => q.id);

  it('moves a question up or down by one', () => {
    expect(ids(moveQuestion(wellFormed(), 'm', -1))).toEqual(['seg', 'm', 'q1', 'r', 'nps', 'n', 'c']);
    expect(ids(moveQuestion(wellFormed(), 'm', 1))).toEqual(['seg', 'q1', 'r', 'm', 'nps', 'n', 'c']);
  });

  it('changes nothing when the move would leave the list or the id is unknown', () => {
    const order = ids(wellFormed());
    expect(ids(moveQuestion(wellFormed(), 'seg', -1))).toEqual(order);
    expect(ids(moveQuestion(wellFormed(), 'c', 1))).toEqual(order);
    expect(ids(moveQuestion(wellFormed(), 'gone', 1))).toEqual(order);
  });

  it('returns a new list and leaves the given one alone', () => {
    const qs = wellFormed();
    const moved = moveQuestion(qs, 'q1', 1);
    expect(moved).not.toBe(qs);
    expect(ids(qs)).toEqual(['seg', 'q1', 'm', 'r', 'nps', 'n', 'c']);
  });
});

describe('duplicateQuestion', () => {
  let n = 0;
  const optionId = () => `new${++n}`;
  beforeEach(() => {
    n = 0;
  });

  it('inserts a copy with the new id right after the original', () => {
    const qs = duplicateQuestion(wellFormed(), 'r', 'r2', optionId);
    expect(qs.map((q) => q.id)).toEqual(['seg', 'q1', 'm', 'r', 'r2', 'nps', 'n', 'c']);
    expect(qs[4]).toEqual({ ...wellFormed()[3], id: 'r2' });
  });

  it('gives the options of a choice new ids, keeping their labels', () => {
    const qs = duplicateQuestion(wellFormed(), 'm', 'm2', optionId);
    const copy = qs.find((q) => q.id === 'm2')!;
    expect(copy.options).toEqual([
      { id: 'new1', label: '选项 x' },
      { id: 'new2', label: '选项 y' },
    ]);
    expect(qs.find((q) => q.id === 'm')!.options.map((o) => o.id)).toEqual(['x', 'y']);
  });

  it('keeps the level ids 5..1 of a Likert item, so the copy still passes checkDefinition', () => {
    const qs = duplicateQuestion(wellFormed(), 'q1', 'q1b', optionId);
    expect(qs.find((q) => q.id === 'q1b')!.options.map((o) => o.id)).toEqual([...LIKERT_LEVELS]);
    expect(n).toBe(0);
    expect(checkDefinition(qs, 'seg', settings())).toEqual({});
  });

  it('does not share option objects with the original', () => {
    const original = wellFormed();
    const qs = duplicateQuestion(original, 'q1', 'q1b', optionId);
    qs.find((q) => q.id === 'q1b')!.options[0]!.label = '改了';
    expect(original[1]!.options[0]!.label).toBe('非常满意');
  });

  it('changes nothing for an unknown id', () => {
    expect(duplicateQuestion(wellFormed(), 'gone', 'x', optionId)).toEqual(wellFormed());
  });
});

describe('canTransition', () => {
  const allowed: [SurveyStatus, SurveyStatus][] = [
    ['draft', 'open'],
    ['draft', 'archived'],
    ['open', 'closed'],
    ['closed', 'open'],
    ['closed', 'archived'],
  ];

  it.each(SURVEY_STATUSES.flatMap((from) => SURVEY_STATUSES.map((to) => [from, to] as const)))('%s → %s', (from, to) => {
    const expected = allowed.some(([f, t]) => f === from && t === to);
    expect(canTransition(from, to)).toBe(expected);
  });

  it('lists the next statuses, none after archived', () => {
    expect(nextStatuses('draft')).toEqual(['open', 'archived']);
    expect(nextStatuses('open')).toEqual(['closed']);
    expect(nextStatuses('archived')).toEqual([]);
  });
});

describe('availability', () => {
  const opensAt = '2026-11-01T00:00:00.000Z';
  const closesAt = '2026-11-30T16:00:00.000Z';
  const survey = (status: SurveyStatus, over: Partial<SurveySettings> = {}) => ({ status, settings: settings({ opensAt, closesAt, ...over }) });
  const at = (iso: string) => new Date(iso);

  it('is draft for a draft and ended for a closed or archived survey, whatever the window', () => {
    expect(availability(survey('draft'), at('2026-11-10T00:00:00Z'))).toBe('draft');
    expect(availability(survey('closed'), at('2026-11-10T00:00:00Z'))).toBe('ended');
    expect(availability(survey('archived'), at('2026-11-10T00:00:00Z'))).toBe('ended');
  });

  it('opens at opensAt exactly and not a millisecond earlier', () => {
    expect(availability(survey('open'), at('2026-10-31T23:59:59.999Z'))).toBe('not-yet-open');
    expect(availability(survey('open'), at(opensAt))).toBe('open');
  });

  it('ends at closesAt exactly and is open a millisecond earlier', () => {
    expect(availability(survey('open'), at('2026-11-30T15:59:59.999Z'))).toBe('open');
    expect(availability(survey('open'), at(closesAt))).toBe('ended');
  });

  it('is open at any time when the survey has no window', () => {
    expect(availability(survey('open', { opensAt: null, closesAt: null }), at('2000-01-01T00:00:00Z'))).toBe('open');
  });

  it('reads window times with an offset as instants', () => {
    const beijing = survey('open', { opensAt: '2026-11-01T08:00:00+08:00', closesAt: '2026-12-01T00:00:00+08:00' });
    expect(availability(beijing, at('2026-10-31T23:59:59.999Z'))).toBe('not-yet-open');
    expect(availability(beijing, at('2026-11-01T00:00:00.000Z'))).toBe('open');
    expect(availability(beijing, at('2026-11-30T15:59:59.999Z'))).toBe('open');
    expect(availability(beijing, at('2026-11-30T16:00:00.000Z'))).toBe('ended');
  });
});

describe.each(['zh-CN', 'en'] as const)('the station satisfaction template (%s)', (locale) => {
  const template = stationSatisfactionTemplate(locale);

  it('passes checkDefinition', () => {
    expect(checkDefinition(template.questions, template.segmentQuestionId, template.settings)).toEqual({});
  });

  it('has six required satisfaction Likert items, one per built-in dimension, each offering 不了解/不适用', () => {
    const items = template.questions.filter((q) => q.countsTowardSatisfaction);
    expect(items).toHaveLength(6);
    expect(items.every((q) => q.type === 'likert5' && q.required && q.allowNotApplicable && q.notApplicableLabel === LIKERT_LABELS[locale].notApplicable)).toBe(true);
    expect(new Set(items.map((q) => q.dimension)).size).toBe(6);
    expect(items.map((q) => q.dimension).sort()).toEqual([...DIMENSIONS].sort());
    expect(items.map((q) => q.options.map((o) => o.label))).toEqual(items.map(() => LIKERT_LABELS[locale].levels));
  });

  it('segments by the required single choice "category" with the eight groups of service recipients', () => {
    expect(template.segmentQuestionId).toBe('category');
    const category = template.questions.find((q) => q.id === 'category')!;
    expect(category).toMatchObject({ type: 'single', required: true });
    expect(category.options.map((o) => o.id)).toEqual(['tekun', 'dibao', 'elderly', 'child', 'orphan', 'disabled', 'temporary', 'other']);
    expect(template.questions[0]).toBe(category);
  });

  it('has unique question ids and texts in its language', () => {
    const ids = template.questions.map((q) => q.id);
    expect(new Set(ids).size).toBe(ids.length);
    const cjk = /[\u4e00-\u9fff]/;
    expect(cjk.test(template.title)).toBe(locale === 'zh-CN');
    expect(template.questions.every((q) => q.text.length > 0)).toBe(true);
  });

  it('asks the same questions as the other language', () => {
    const other = stationSatisfactionTemplate(locale === 'en' ? 'zh-CN' : 'en');
    expect(template.questions.map((q) => [q.id, q.type, q.options.map((o) => o.id)])).toEqual(other.questions.map((q) => [q.id, q.type, q.options.map((o) => o.id)]));
  });
});
