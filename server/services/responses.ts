import type { Publication } from '../../models/publication';
import type { Site } from '../../models/site';
import type { AnswerValue, SurveyResponse } from '../../models/response';
import type { Survey } from '../../models/survey';
import { readFormAnswers, segmentOf, validateAnswers } from '../domain/answers';
import { qualityFlags } from '../domain/quality';
import { availability } from '../domain/survey-definition';
import { tallyDeltas } from '../domain/tally';
import { localDay } from '../domain/time';
import { GoneError, NotFoundError, type FieldErrors } from '../errors';
import { newId, saltedHash } from '../ids';
import { deriveKey } from '../secrets';
import type { Deps } from './context';
import type { FormToken } from './form-token';
import { versionQuestions } from './surveys';

export interface SubmitInput {
  publication: Publication;
  survey: Survey;
  site: Site;
  token: FormToken;
  body: Record<string, unknown>;
  /** The signed device cookie's id (null when the browser sent none). */
  deviceId: string | null;
  ipHash: string;
  /** The station worker entering an assisted response. */
  enteredBy: string | null;
}

export type SubmitResult =
  | { kind: 'stored'; response: SurveyResponse }
  /** The same submission token was stored before (double tap, retry, back button): nothing new stored. */
  | { kind: 'repeat'; response: SurveyResponse }
  | { kind: 'invalid'; errors: FieldErrors }
  | { kind: 'already-answered' };

export function deviceHashOf(deps: Pick<Deps, 'config'>, deviceId: string | null): string {
  return deviceId ? saltedHash(deriveKey(deps.config.sessionSecret, 'device'), deviceId) : 'none';
}

/** Whether a publication takes answers now ('open'), and if not, why. The caller has read its site already. */
export function publicationState(deps: Pick<Deps, 'clock'>, publication: Publication, survey: Survey, site: Site | null): 'open' | 'not-yet-open' | 'ended' | 'hidden' {
  const state = availability(survey, deps.clock());
  if (state === 'draft') return 'hidden';
  if (state !== 'open') return state;
  if (!publication.active || !site || !site.active) return 'ended';
  return 'open';
}

/**
 * Validates and stores one questionnaire. The response, the survey's count and the tallies it
 * changes are one transaction; a submission token already stored returns that response instead.
 */
export async function submitResponse(deps: Deps, input: SubmitInput): Promise<SubmitResult> {
  const { publication, survey, token } = input;
  const state = publicationState(deps, publication, survey, input.site);
  if (state === 'hidden') throw new NotFoundError();
  if (state !== 'open') throw new GoneError('respond.ended');

  const { questions, segmentQuestionId } = await versionQuestions(deps, survey, token.version);
  const { raw, unknown } = readFormAnswers(input.body, questions);
  const { answers, errors } = validateAnswers(raw, questions);
  for (const field of unknown) errors[field] = { key: 'answer.unknown' };
  if (Object.keys(errors).length) return { kind: 'invalid', errors };

  const earlier = await deps.store.responses.findBySubmissionToken(token.submissionToken);
  if (earlier) return { kind: 'repeat', response: earlier };

  const deviceHash = deviceHashOf(deps, input.deviceId);
  const assisted = token.channel === 'assisted';
  if (!assisted && survey.settings.duplicatePolicy === 'one-per-device' && input.deviceId) {
    if (await deps.store.responses.existsForDevice(survey.id, deviceHash)) return { kind: 'already-answered' };
  }

  const now = deps.clock();
  const durationMs = Math.max(0, now.getTime() - token.issuedAt);
  const [recent, deviceSites] = await Promise.all([
    deps.store.responses.countSince(publication.id, new Date(now.getTime() - 60_000).toISOString()),
    input.deviceId && !assisted ? deps.store.responses.sitesForDevice(survey.id, deviceHash) : Promise.resolve([]),
  ]);
  const flags = qualityFlags({
    durationMs,
    minAnswerSeconds: survey.settings.minAnswerSeconds,
    answers,
    questions,
    recentSubmissions: recent,
    burstPerMinute: survey.settings.burstPerMinute,
    deviceAtOtherSite: deviceSites.some((s) => s !== publication.siteId),
    channel: token.channel,
  });
  const response: SurveyResponse = {
    id: newId(),
    surveyId: survey.id,
    version: token.version,
    siteId: publication.siteId,
    publicationId: publication.id,
    channel: token.channel,
    startedAt: new Date(token.issuedAt).toISOString(),
    submittedAt: now.toISOString(),
    day: localDay(now, survey.timeZone),
    durationMs,
    answers: answers as Record<string, AnswerValue>,
    segment: segmentOf(answers, segmentQuestionId),
    flags,
    review: null,
    reviewReason: null,
    reviewedBy: null,
    reviewedAt: null,
    deviceHash,
    ipHash: input.ipHash,
    submissionToken: token.submissionToken,
    enteredBy: assisted ? input.enteredBy : null,
    isDemo: survey.isDemo,
  };
  const result = await deps.store.responses.insert(response, tallyDeltas(response, questions));
  return result.inserted ? { kind: 'stored', response: result.response } : { kind: 'repeat', response: result.response };
}
