import { mergeDeltas, sameTallies, tallyDeltas } from '../domain/tally';
import type { TallyDelta } from '../../models/tally';
import type { Question } from '../../models/survey';
import type { Deps } from './context';
import { getSurvey } from './surveys';

/** Tallies recomputed from the stored responses (streamed, so memory is bounded by the number of groups). */
export async function recomputeTallies(deps: Deps, surveyId: string): Promise<TallyDelta[]> {
  const survey = await getSurvey(deps, surveyId);
  const versions = new Map<number, Question[]>([[survey.version, survey.questions]]);
  for (const v of await deps.store.surveys.listVersions(surveyId)) if (!versions.has(v.version)) versions.set(v.version, v.questions);
  let pending: TallyDelta[] = [];
  let merged: TallyDelta[] = [];
  for await (const r of deps.store.responses.stream({ surveyId })) {
    pending.push(...tallyDeltas(r, versions.get(r.version) ?? []));
    if (pending.length >= 20_000) {
      merged = mergeDeltas([...merged, ...pending]);
      pending = [];
    }
  }
  return mergeDeltas([...merged, ...pending]);
}

/** rebuild-tallies: replaces a survey's tallies by a recomputation; reports whether they had drifted. */
export async function rebuildTallies(deps: Deps, surveyId: string): Promise<{ groups: number; hadDrifted: boolean; difference?: string }> {
  const fresh = await recomputeTallies(deps, surveyId);
  const check = sameTallies(await deps.store.tallies.dump(surveyId), fresh);
  await deps.store.tallies.replaceForSurvey(surveyId, fresh);
  return { groups: fresh.length, hadDrifted: !check.same, ...(check.difference ? { difference: check.difference } : {}) };
}

/** Whether the stored tallies equal a recomputation from the responses. */
export async function verifyTallies(deps: Deps, surveyId: string) {
  return sameTallies(await deps.store.tallies.dump(surveyId), await recomputeTallies(deps, surveyId));
}
