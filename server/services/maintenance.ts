import type { Survey } from '../../models/survey';
import type { Deps } from './context';
import { getSurvey } from './surveys';

export interface StoreSummary {
  kind: Deps['store']['kind'];
  users: number;
  sites: number;
  responses: number;
  surveys: Pick<Survey, 'id' | 'title' | 'status' | 'responseCount'>[];
}

/** Checks that the store answers and says what it holds (for the operator's `check-db`). */
export async function describeStore(deps: Deps): Promise<StoreSummary> {
  await deps.store.ping();
  const [users, sites, surveys] = await Promise.all([deps.store.users.count(), deps.store.sites.list(), deps.store.surveys.list()]);
  return {
    kind: deps.store.kind,
    users,
    sites: sites.length,
    responses: surveys.reduce((n, s) => n + s.responseCount, 0),
    surveys: surveys.map(({ id, title, status, responseCount }) => ({ id, title, status, responseCount })),
  };
}

/** The surveys a tally rebuild covers: the one named (which must exist), else all of them. */
export async function surveyIdsToRebuild(deps: Deps, surveyId?: string): Promise<string[]> {
  if (surveyId) return [(await getSurvey(deps, surveyId)).id];
  return (await deps.store.surveys.list()).map((s) => s.id);
}
