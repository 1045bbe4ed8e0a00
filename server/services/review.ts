import { z } from 'zod';
import { moveDeltas } from '../domain/tally';
import { ConflictError, NotFoundError } from '../errors';
import { audit } from './audit';
import type { Actor, Deps } from './context';
import { assertCanManage, assertCanSeeSite } from './permissions';
import { getSurvey, versionQuestions } from './surveys';
import { parseInput } from './validate';

const exclusionSchema = z.strictObject({
  excluded: z.boolean(),
  reason: z.string().trim().min(1).max(500),
});

/**
 * Excludes a response from the valid figures, or re-includes it, with a required reason. The change
 * and the tallies it moves are one transaction, and the audit log records who, why and when.
 */
export async function setExclusion(deps: Deps, actor: Actor, responseId: string, input: unknown) {
  assertCanManage(actor);
  const { excluded, reason } = parseInput(exclusionSchema, input);
  const before = await deps.store.responses.get(responseId);
  if (!before) throw new NotFoundError();
  assertCanSeeSite(actor, before.siteId);
  if (before.excluded === excluded) throw new ConflictError(excluded ? 'review.alreadyExcluded' : 'review.alreadyIncluded');
  const survey = await getSurvey(deps, before.surveyId);
  const { questions } = await versionQuestions(deps, survey, before.version);
  const at = deps.clock().toISOString();
  const after = {
    ...before,
    excluded,
    excludedReason: excluded ? reason : null,
    excludedBy: excluded ? actor.id : null,
    excludedAt: excluded ? at : null,
  };
  const saved = await deps.store.responses.setExclusion(
    responseId,
    { excluded, reason: after.excludedReason, by: after.excludedBy, at: after.excludedAt },
    moveDeltas(before, after, questions),
  );
  if (!saved) throw new ConflictError(excluded ? 'review.alreadyExcluded' : 'review.alreadyIncluded');
  await audit(deps, actor, excluded ? 'response.exclude' : 'response.include', { type: 'response', id: responseId }, { surveyId: survey.id, reason });
  return saved;
}
