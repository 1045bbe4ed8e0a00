import { z } from 'zod';
import { idSchema } from '../../models/common';
import type { Review, SurveyResponse } from '../../models/response';
import type { Question, Survey } from '../../models/survey';
import { applyReviewAction, countingStatus, isValidState, REVIEW_ACTIONS, type CountingStatus, type ReviewAction, type ReviewSkip } from '../domain/quality';
import { moveDeltas } from '../domain/tally';
import { freeTextSchema } from '../domain/text-input';
import { ConflictError, NotFoundError } from '../errors';
import type { MessageKey } from '../i18n';
import { audit, type AuditAction } from './audit';
import type { Actor, Deps } from './context';
import { assertCanManage, assertCanSeeSite, restrictSites, visibleSiteIds } from './permissions';
import { getSurvey, versionQuestions } from './surveys';
import { settleTallies } from './tallies';
import { parseInput } from './validate';

/** At most this many responses in one bulk review. */
export const MAX_BULK_IDS = 500;

const reason = freeTextSchema(500, { min: 1 });
export const reviewSchema = z.strictObject({ action: z.enum(REVIEW_ACTIONS), reason });
export const bulkSchema = z.strictObject({
  ids: z.array(idSchema).min(1).max(MAX_BULK_IDS),
  action: z.enum(REVIEW_ACTIONS),
  reason,
});
export const exclusionSchema = z.strictObject({ excluded: z.boolean(), reason });

/** The audit action of each review action (response.include is what restoring an exclusion was called before). */
const AUDIT_ACTION: Record<ReviewAction, AuditAction> = { exclude: 'response.exclude', keep: 'response.keep', restore: 'response.restore' };
export const REVIEW_AUDIT_ACTIONS = ['response.exclude', 'response.keep', 'response.restore', 'response.include'] as const;

const SKIP_MESSAGE: Record<ReviewSkip | 'changed', MessageKey> = {
  alreadyExcluded: 'review.alreadyExcluded',
  alreadyKept: 'review.alreadyKept',
  alreadyAuto: 'review.alreadyAuto',
  nothingToKeep: 'review.nothingToKeep',
  changed: 'review.changedMeanwhile',
};

/** 有效数 before and after a change, as the dashboard counts it for this actor (all stations they may see). */
export interface ValidChange {
  before: number;
  after: number;
}

export interface ReviewOutcome {
  action: ReviewAction;
  response: SurveyResponse;
  before: CountingStatus;
  after: CountingStatus;
  valid: ValidChange;
}

export type BulkSkip = ReviewSkip | 'changed' | 'notFound';

export interface BulkOutcome {
  action: ReviewAction;
  changed: string[];
  skipped: { id: string; why: BulkSkip }[];
  valid: ValidChange;
}

/** Valid responses of a survey from the tallies, over the stations the actor may see (the overview's 有效数); pending tallies are applied first. */
export async function validCount(deps: Deps, actor: Actor, survey: Survey): Promise<number> {
  await settleTallies(deps, survey.id);
  const rows = await deps.store.tallies.query({ surveyId: survey.id, level: 'sites', siteIds: restrictSites(actor, undefined), groupBy: ['state'], questionIds: ['_n'] });
  return rows.reduce((n, r) => n + (isValidState(r.state ?? '', survey.settings.qualityRules) ? r.count : 0), 0);
}

type Applied = { saved: SurveyResponse } | { skip: ReviewSkip | 'changed' };

/** One response's review change: its row and its tallies in one transaction, then the audit event. */
async function applyOne(deps: Deps, actor: Actor, survey: Survey, questions: Question[], before: SurveyResponse, action: ReviewAction, why: string, bulk: boolean): Promise<Applied> {
  const next = applyReviewAction(before, action);
  if ('skip' in next) return next;
  const to: Review | null = next.to;
  const at = deps.clock().toISOString();
  const after: SurveyResponse = { ...before, review: to, reviewReason: to ? why : null, reviewedBy: to ? actor.id : null, reviewedAt: to ? at : null };
  const saved = await deps.store.responses.setReview(
    before.id,
    { from: before.review, to, reason: after.reviewReason, by: after.reviewedBy, at: after.reviewedAt },
    moveDeltas(before, after, questions),
  );
  if (!saved) return { skip: 'changed' };
  await audit(deps, actor, AUDIT_ACTION[action], { type: 'response', id: before.id }, { surveyId: survey.id, reason: why, from: before.review ?? 'auto', to: to ?? 'auto', ...(bulk ? { bulk: true } : {}) });
  return { saved };
}

/** The questions of each version asked, loaded once per version. */
function questionsCache(deps: Deps, survey: Survey) {
  const byVersion = new Map<number, Promise<Question[]>>();
  return (version: number) => {
    let q = byVersion.get(version);
    if (!q) byVersion.set(version, (q = versionQuestions(deps, survey, version).then((v) => v.questions)));
    return q;
  };
}

/**
 * Excludes a response (剔除), keeps it despite its flags (确认有效) or restores the automatic rules,
 * with a required reason. The change and the tallies it moves are one transaction, audited with
 * who, why and when; the outcome says what happened to 有效数.
 */
export async function reviewResponse(deps: Deps, actor: Actor, responseId: string, input: unknown): Promise<ReviewOutcome> {
  assertCanManage(actor);
  const { action, reason: why } = parseInput(reviewSchema, input);
  const before = await deps.store.responses.get(responseId);
  if (!before) throw new NotFoundError();
  assertCanSeeSite(actor, before.siteId);
  const survey = await getSurvey(deps, before.surveyId);
  const { questions } = await versionQuestions(deps, survey, before.version);
  const applied = await applyOne(deps, actor, survey, questions, before, action, why, false);
  if ('skip' in applied) throw new ConflictError(SKIP_MESSAGE[applied.skip]);
  const rules = survey.settings.qualityRules;
  const statusBefore = countingStatus(before, rules);
  const statusAfter = countingStatus(applied.saved, rules);
  const after = await validCount(deps, actor, survey);
  return { action, response: applied.saved, before: statusBefore, after: statusAfter, valid: { before: after - Number(statusAfter.counts) + Number(statusBefore.counts), after } };
}

/** The older form of the API: excluded true excludes, false re-includes an excluded response. */
export async function setExclusion(deps: Deps, actor: Actor, responseId: string, input: unknown): Promise<ReviewOutcome> {
  assertCanManage(actor);
  const { excluded, reason: why } = parseInput(exclusionSchema, input);
  if (!excluded) {
    const current = await deps.store.responses.get(responseId);
    if (!current) throw new NotFoundError();
    assertCanSeeSite(actor, current.siteId);
    if (current.review !== 'excluded') throw new ConflictError('review.alreadyIncluded');
  }
  return reviewResponse(deps, actor, responseId, { action: excluded ? 'exclude' : 'restore', reason: why });
}

/**
 * One action with one reason for many responses of a survey: each change is its own transaction
 * and audit event. Responses not in the survey, not visible to the actor or already in the asked
 * state are reported as skipped, never silently dropped.
 */
export async function reviewMany(deps: Deps, actor: Actor, surveyId: string, input: unknown): Promise<BulkOutcome> {
  assertCanManage(actor);
  const survey = await getSurvey(deps, surveyId);
  const { ids, action, reason: why } = parseInput(bulkSchema, input);
  const questionsOf = questionsCache(deps, survey);
  const visible = visibleSiteIds(actor);
  const changed: string[] = [];
  const skipped: BulkOutcome['skipped'] = [];
  let delta = 0;
  for (const id of new Set(ids)) {
    const before = await deps.store.responses.get(id);
    if (!before || before.surveyId !== survey.id || (visible && !visible.includes(before.siteId))) {
      skipped.push({ id, why: 'notFound' });
      continue;
    }
    const applied = await applyOne(deps, actor, survey, await questionsOf(before.version), before, action, why, true);
    if ('skip' in applied) {
      skipped.push({ id, why: applied.skip });
      continue;
    }
    changed.push(id);
    const rules = survey.settings.qualityRules;
    delta += Number(countingStatus(applied.saved, rules).counts) - Number(countingStatus(before, rules).counts);
  }
  const after = await validCount(deps, actor, survey);
  return { action, changed, skipped, valid: { before: after - delta, after } };
}

/** The bulk form's fields as the service reads them (a lone checkbox arrives as a string). */
export function bulkInput(body: Record<string, unknown>): { ids: unknown; action: unknown; reason: unknown } {
  const ids = body.ids === undefined ? [] : Array.isArray(body.ids) ? body.ids : [body.ids];
  return { ids, action: body.action, reason: typeof body.reason === 'string' ? body.reason : '' };
}

