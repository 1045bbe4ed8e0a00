import crypto from 'node:crypto';
import { z } from 'zod';
import {
  QUESTION_TYPES,
  SURVEY_STATUSES,
  questionSchema,
  settingsSchema,
  surveyInputSchema,
  type Question,
  type Survey,
  type SurveySettings,
  type SurveyVersion,
} from '../../models/survey';
import { nameSchema, parseStored, requiredNameSchema } from '../domain/text-input';
import { canTransition, checkDefinition, duplicateQuestion, moveQuestion, newQuestion } from '../domain/survey-definition';
import { stationSatisfactionTemplate } from '../domain/templates';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { newId } from '../ids';
import { audit } from './audit';
import type { Actor, Deps } from './context';
import { assertCanManage } from './permissions';
import { parseInput } from './validate';

/** Short ids for questions and options: readable in exports, unique within a survey. */
export const shortId = (prefix: string) => prefix + crypto.randomBytes(4).toString('hex');

export async function listSurveys(deps: Deps): Promise<Survey[]> {
  return deps.store.surveys.list();
}

/** Every version of a survey's questions, oldest first. */
export async function listVersions(deps: Deps, surveyId: string): Promise<SurveyVersion[]> {
  await getSurvey(deps, surveyId);
  return deps.store.surveys.listVersions(surveyId);
}

export async function getSurvey(deps: Deps, id: string): Promise<Survey> {
  const survey = await deps.store.surveys.get(id);
  if (!survey) throw new NotFoundError();
  return survey;
}

function assertDefinition(questions: Question[], segmentQuestionId: string | null, settings: SurveySettings) {
  const errors = checkDefinition(questions, segmentQuestionId, settings);
  if (Object.keys(errors).length) throw new ValidationError(errors);
}

async function insertSurvey(deps: Deps, actor: Actor, input: z.infer<typeof surveyInputSchema>, isDemo = false): Promise<Survey> {
  assertDefinition(input.questions, input.segmentQuestionId, input.settings);
  const now = deps.clock().toISOString();
  const survey: Survey = {
    id: newId(),
    title: input.title,
    description: input.description,
    status: 'draft',
    version: 1,
    questions: input.questions,
    segmentQuestionId: input.segmentQuestionId,
    settings: input.settings,
    locale: input.locale,
    timeZone: deps.config.timeZone,
    responseCount: 0,
    isDemo,
    createdBy: actor.id,
    createdAt: now,
    updatedAt: now,
  };
  await deps.store.surveys.create(survey, {
    surveyId: survey.id,
    version: 1,
    questions: survey.questions,
    segmentQuestionId: survey.segmentQuestionId,
    createdAt: now,
  });
  await audit(deps, actor, 'survey.create', { type: 'survey', id: survey.id }, { title: survey.title });
  return survey;
}

export async function createSurvey(deps: Deps, actor: Actor, input: unknown): Promise<Survey> {
  assertCanManage(actor);
  return insertSurvey(deps, actor, parseInput(surveyInputSchema, input));
}

export const templateSchema = z.strictObject({ locale: z.enum(['zh-CN', 'en']).default('zh-CN'), title: requiredNameSchema(200).optional() });

/** One click (or one API call): a draft survey from the built-in 社工站服务对象满意度调查 template. */
export async function createFromTemplate(deps: Deps, actor: Actor, input: unknown = {}, options: { isDemo?: boolean } = {}): Promise<Survey> {
  assertCanManage(actor);
  const { locale, title } = parseInput(templateSchema, input ?? {});
  const t = stationSatisfactionTemplate(locale);
  return insertSurvey(deps, actor, { ...t, title: title ?? t.title }, options.isDemo ?? false);
}

// Not .partial() over the defaulted description: zod 4 would fill in '' for a PATCH that leaves it out.
// Settings are replaced whole (fields left out take their defaults).
export const metaSchema = z.strictObject({
  title: surveyInputSchema.shape.title.optional(),
  description: surveyInputSchema.shape.description.unwrap().optional(),
  settings: settingsSchema.optional(),
});

/** Title, description and settings; the questions go through saveQuestions (they may need a new version). */
export async function updateSurveyMeta(deps: Deps, actor: Actor, id: string, input: unknown): Promise<Survey> {
  assertCanManage(actor);
  const patch = parseInput(metaSchema, input);
  const survey = await getSurvey(deps, id);
  if (survey.status === 'archived') throw new ConflictError('survey.archived');
  if (patch.settings) assertDefinition(survey.questions, survey.segmentQuestionId, patch.settings);
  const updated = await deps.store.surveys.update(id, { ...patch, updatedAt: deps.clock().toISOString() });
  await audit(deps, actor, 'survey.update', { type: 'survey', id }, { fields: Object.keys(patch) });
  return updated!;
}

export const questionsSchema = z.strictObject({
  version: z.number().int().min(1),
  questions: z.array(questionSchema).max(200),
  segmentQuestionId: nameSchema(32).nullable(),
});

/**
 * Saves the question list. Before the first response of the current version it is edited in place;
 * afterwards the survey gets a new version and earlier responses keep the questions they answered.
 */
export async function saveQuestions(deps: Deps, actor: Actor, id: string, input: unknown): Promise<Survey> {
  assertCanManage(actor);
  const { version, questions, segmentQuestionId } = parseInput(questionsSchema, input);
  const survey = await getSurvey(deps, id);
  if (survey.status === 'archived') throw new ConflictError('survey.archived');
  assertDefinition(questions, segmentQuestionId, survey.settings);
  const saved = await deps.store.surveys.saveQuestions(id, version, { questions, segmentQuestionId, updatedAt: deps.clock().toISOString() });
  if (!saved) throw new ConflictError('survey.staleVersion');
  await audit(deps, actor, 'survey.questions', { type: 'survey', id }, { fromVersion: version, toVersion: saved.version, count: questions.length });
  return saved;
}

export type QuestionEdit =
  /** The type as the form sent it: an unknown one is refused (400 naming `type`), not made a Likert question. */
  | { op: 'add'; type: unknown; text: string }
  | { op: 'update'; question: Question }
  | { op: 'move'; questionId: string; delta: -1 | 1 }
  | { op: 'duplicate'; questionId: string }
  | { op: 'delete'; questionId: string }
  | { op: 'segment'; questionId: string | null };

/** Applies one builder action to the current questions and saves them (versioning as saveQuestions). */
export async function editQuestions(deps: Deps, actor: Actor, id: string, expectedVersion: number, edit: QuestionEdit): Promise<Survey> {
  assertCanManage(actor);
  const survey = await getSurvey(deps, id);
  // The other questions go back through the schema unchanged; names stored before the input normalisation are repaired.
  let questions = survey.questions.map((q) => {
    const parsed = parseStored(questionSchema, q);
    return parsed.success ? parsed.data : q;
  });
  let segment = survey.segmentQuestionId;
  switch (edit.op) {
    case 'add': {
      const { type } = parseInput(z.strictObject({ type: z.enum(QUESTION_TYPES) }), { type: edit.type });
      questions = [...questions, newQuestion(type, shortId('q'), edit.text, survey.locale, () => shortId('o'))];
      break;
    }
    case 'update':
      if (!questions.some((q) => q.id === edit.question.id)) throw new NotFoundError();
      questions = questions.map((q) => (q.id === edit.question.id ? edit.question : q));
      break;
    case 'move':
      questions = moveQuestion(questions, edit.questionId, edit.delta);
      break;
    case 'duplicate':
      questions = duplicateQuestion(questions, edit.questionId, shortId('q'), () => shortId('o'));
      break;
    case 'delete':
      questions = questions.filter((q) => q.id !== edit.questionId);
      if (segment === edit.questionId) segment = null;
      break;
    case 'segment':
      segment = edit.questionId;
      break;
  }
  return saveQuestions(deps, actor, id, { version: expectedVersion, questions, segmentQuestionId: segment });
}

export const statusSchema = z.strictObject({ status: z.enum(SURVEY_STATUSES) });

/** draft → open → closed → (open again | archived); closing makes every link answer “已结束”. */
export async function setSurveyStatus(deps: Deps, actor: Actor, id: string, input: unknown): Promise<Survey> {
  assertCanManage(actor);
  const { status } = parseInput(statusSchema, input);
  const survey = await getSurvey(deps, id);
  if (survey.status === status) return survey;
  if (!canTransition(survey.status, status)) throw new ConflictError('survey.badTransition', { from: survey.status, to: status });
  if (status === 'open' && survey.questions.length === 0) throw new ConflictError('survey.noQuestions');
  const updated = await deps.store.surveys.update(id, { status, updatedAt: deps.clock().toISOString() });
  await audit(deps, actor, 'survey.status', { type: 'survey', id }, { from: survey.status, to: status });
  return updated!;
}

/** Only a draft without responses can be deleted; anything else is closed or archived instead. */
export async function deleteSurvey(deps: Deps, actor: Actor, id: string): Promise<void> {
  assertCanManage(actor);
  const survey = await getSurvey(deps, id);
  if (survey.status !== 'draft' || survey.responseCount > 0) throw new ConflictError('survey.cannotDelete');
  await deps.store.surveys.delete(id);
  await audit(deps, actor, 'survey.delete', { type: 'survey', id }, { title: survey.title });
}

/** The questions a given version asked (the current ones for the current version). */
export async function versionQuestions(deps: Deps, survey: Survey, version: number) {
  if (version === survey.version) return { questions: survey.questions, segmentQuestionId: survey.segmentQuestionId };
  const v = await deps.store.surveys.getVersion(survey.id, version);
  if (!v) throw new NotFoundError();
  return { questions: v.questions, segmentQuestionId: v.segmentQuestionId };
}
