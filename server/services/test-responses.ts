import type { Site } from '../../models/site';
import type { Survey } from '../../models/survey';
import type { TestResponse } from '../../models/test-response';
import type { User } from '../../models/user';
import { answerText, readFormAnswers, validateAnswers } from '../domain/answers';
import { NotFoundError, type FieldErrors } from '../errors';
import { newId } from '../ids';
import { audit } from './audit';
import type { Actor, Deps } from './context';
import { previewTarget, type FormToken } from './form-token';
import { assertCanManage } from './permissions';
import { getSurvey, versionQuestions } from './surveys';

/**
 * Preview and test mode (预览试填): evaluators answer the real questionnaire before residents do.
 * Test answers are validated exactly like residents' but stored apart (store.testResponses), so no
 * count, tally, statistic, export or score can include them; they are listed and deletable.
 */

export interface PreviewContext {
  survey: Survey;
  /** The station the preview shows, when one was chosen. */
  site: Site | null;
  /** The stations the survey is published at (to choose from). */
  sites: Site[];
}

/** A survey to preview in any state (draft included), as seen at one of its published stations or none. */
export async function previewContext(deps: Deps, actor: Actor, surveyId: string, siteId: string | null): Promise<PreviewContext> {
  assertCanManage(actor);
  const survey = await getSurvey(deps, surveyId);
  const pubs = await deps.store.publications.listBySurvey(survey.id);
  const sites = await deps.store.sites.list({ ids: pubs.map((p) => p.siteId) });
  const site = siteId ? (sites.find((s) => s.id === siteId) ?? null) : null;
  return { survey, site, sites };
}

export type TestSubmitResult = { kind: 'stored' } | { kind: 'invalid'; errors: FieldErrors };

/** Validates the form like a resident's submission and keeps it as a test answer. */
export async function submitTestResponse(
  deps: Deps,
  actor: Actor,
  input: { context: PreviewContext; token: FormToken; body: Record<string, unknown> },
): Promise<TestSubmitResult> {
  assertCanManage(actor);
  const { survey, site } = input.context;
  if (input.token.channel !== 'test' || input.token.publicationId !== previewTarget(survey.id)) throw new NotFoundError();
  const { questions } = await versionQuestions(deps, survey, input.token.version);
  const { raw, unknown } = readFormAnswers(input.body, questions);
  const { answers, errors } = validateAnswers(raw, questions);
  for (const field of unknown) errors[field] = { key: 'answer.unknown' };
  if (Object.keys(errors).length) return { kind: 'invalid', errors };
  const now = deps.clock();
  const stored = await deps.store.testResponses.insert({
    id: newId(),
    surveyId: survey.id,
    version: input.token.version,
    siteId: site?.id ?? null,
    answers,
    durationMs: Math.max(0, now.getTime() - input.token.issuedAt),
    submittedAt: now.toISOString(),
    enteredBy: actor.id ?? 'system',
    submissionToken: input.token.submissionToken,
  });
  if (stored) await audit(deps, actor, 'test-response.submit', { type: 'survey', id: survey.id }, { siteId: site?.id ?? null });
  return { kind: 'stored' };
}

export interface TestResponseView {
  response: TestResponse;
  siteName: string | null;
  enteredByName: string;
  /** Each question of the answered version with the answer as people read it. */
  answers: { question: string; answer: string }[];
}

/** A survey's test answers, newest first, with station and user names. */
export async function listTestResponses(deps: Deps, actor: Actor, surveyId: string, listSeparator: string): Promise<{ survey: Survey; rows: TestResponseView[] }> {
  assertCanManage(actor);
  const survey = await getSurvey(deps, surveyId);
  const responses = await deps.store.testResponses.listBySurvey(survey.id);
  const siteIds = [...new Set(responses.map((r) => r.siteId).filter((s): s is string => s !== null))];
  const [sites, users] = await Promise.all([deps.store.sites.list({ ids: siteIds }), deps.store.users.list()]);
  const siteNames = new Map(sites.map((s) => [s.id, s.name]));
  const userNames = new Map(users.map((u: User) => [u.id, u.username]));
  const versions = new Map<number, Awaited<ReturnType<typeof versionQuestions>>['questions']>();
  for (const v of new Set(responses.map((r) => r.version))) versions.set(v, (await versionQuestions(deps, survey, v)).questions);
  return {
    survey,
    rows: responses.map((response) => ({
      response,
      siteName: response.siteId ? (siteNames.get(response.siteId) ?? response.siteId) : null,
      enteredByName: userNames.get(response.enteredBy) ?? response.enteredBy,
      answers: (versions.get(response.version) ?? []).map((q) => ({ question: q.text, answer: answerText(q, response.answers[q.id], listSeparator) })),
    })),
  };
}

export async function countTestResponses(deps: Deps, surveyId: string): Promise<number> {
  return deps.store.testResponses.countBySurvey(surveyId);
}

/** Deletes one test answer, or all of a survey's (id null); returns how many went. */
export async function deleteTestResponses(deps: Deps, actor: Actor, surveyId: string, id: string | null): Promise<number> {
  assertCanManage(actor);
  const survey = await getSurvey(deps, surveyId);
  const count = id === null ? await deps.store.testResponses.deleteForSurvey(survey.id) : (await deps.store.testResponses.delete(survey.id, id)) ? 1 : 0;
  if (id !== null && count === 0) throw new NotFoundError();
  if (count) await audit(deps, actor, 'test-response.delete', { type: 'survey', id: survey.id }, { id, count });
  return count;
}
