import type { AuditEvent } from '../../models/audit-event';
import type { SurveyResponse } from '../../models/response';
import type { Question } from '../../models/survey';
import { answerLabels } from '../domain/answer-labels';
import { countingStatus, type CountingStatus } from '../domain/quality';
import { NotFoundError } from '../errors';
import type { Actor, Deps } from './context';
import { assertCanSeeSite } from './permissions';
import { REVIEW_AUDIT_ACTIONS } from './review';
import { getSurvey, versionQuestions } from './surveys';

export interface HistoryEntry {
  at: string;
  actor: string;
  action: string;
  reason: string | null;
  from: string | null;
  to: string | null;
}

/** Usernames by user id (reviewers and assisted-entry workers). */
export async function userNames(deps: Deps, ids: Iterable<string | null>): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set([...ids].filter((x): x is string => !!x))) {
    const u = await deps.store.users.get(id);
    if (u) names.set(id, u.username);
  }
  return names;
}

/** Who excluded, kept or restored a response, when and why, oldest first, from the audit log. */
export async function reviewHistory(deps: Deps, responseId: string): Promise<HistoryEntry[]> {
  const events: AuditEvent[] = await deps.store.audit.list({ targetId: responseId, limit: 500 });
  return events
    .filter((e) => e.targetType === 'response' && (REVIEW_AUDIT_ACTIONS as readonly string[]).includes(e.action))
    .map((e) => ({
      at: e.at,
      actor: e.actorName,
      action: e.action,
      reason: typeof e.details.reason === 'string' ? e.details.reason : null,
      from: typeof e.details.from === 'string' ? e.details.from : null,
      to: typeof e.details.to === 'string' ? e.details.to : null,
    }))
    .reverse();
}

export interface ResponseDetail {
  response: SurveyResponse;
  survey: { id: string; title: string; version: number; timeZone: string; qualityRules: string[]; minAnswerSeconds: number; burstPerMinute: number; isDemo: boolean };
  site: { id: string; code: string; name: string };
  enteredBy: string | null;
  answers: { question: Question; labels: string[] }[];
  status: CountingStatus;
  names: Map<string, string>;
  history: HistoryEntry[];
}

/**
 * One response as a reviewer reads it: survey and version, station, channel, who entered it,
 * every question of its version with the answer as labels, flags, counting status and history.
 * Station staff see only their own stations' responses (404 otherwise, as everywhere).
 */
export async function responseDetail(deps: Deps, actor: Actor, responseId: string): Promise<ResponseDetail> {
  const response = await deps.store.responses.get(responseId);
  if (!response) throw new NotFoundError();
  assertCanSeeSite(actor, response.siteId);
  const survey = await getSurvey(deps, response.surveyId);
  const { questions } = await versionQuestions(deps, survey, response.version);
  const site = await deps.store.sites.get(response.siteId);
  const names = await userNames(deps, [response.enteredBy, response.reviewedBy]);
  return {
    response,
    survey: {
      id: survey.id,
      title: survey.title,
      version: response.version,
      timeZone: survey.timeZone,
      qualityRules: survey.settings.qualityRules,
      minAnswerSeconds: survey.settings.minAnswerSeconds,
      burstPerMinute: survey.settings.burstPerMinute,
      isDemo: survey.isDemo,
    },
    site: { id: response.siteId, code: site?.code ?? '', name: site?.name ?? response.siteId },
    enteredBy: response.enteredBy ? (names.get(response.enteredBy) ?? null) : null,
    answers: questions.map((question) => ({ question, labels: answerLabels(question, response.answers[question.id]) })),
    status: countingStatus(response, survey.settings.qualityRules),
    names,
    history: await reviewHistory(deps, response.id),
  };
}

/** Whether a response exists and this actor may see it (the find-by-id box). */
export async function findVisibleResponse(deps: Deps, actor: Actor, responseId: string): Promise<string | null> {
  if (!responseId || responseId.length > 64) return null;
  const r = await deps.store.responses.get(responseId);
  if (!r) return null;
  try {
    assertCanSeeSite(actor, r.siteId);
  } catch {
    return null;
  }
  return r.id;
}
