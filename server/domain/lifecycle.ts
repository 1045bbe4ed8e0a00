import type { Publication } from '../../models/publication';
import type { Site } from '../../models/site';
import type { Survey } from '../../models/survey';
import { availability } from './survey-definition';

/**
 * Where a publication (a survey at one station) stands for residents:
 * draft → scheduled → open ⇄ paused → closed.
 * - draft: the survey is still a draft; residents are told it has not started.
 * - scheduled: the survey is open but its opening time (opensAt) is still ahead.
 * - open: residents can answer.
 * - paused: collection at this station is paused (publication switched off); residents come back later.
 * - closed: the survey is closed or archived, its closing time (closesAt) has passed, or the station no longer operates.
 */
export const STAGES = ['draft', 'scheduled', 'open', 'paused', 'closed'] as const;
export type Stage = (typeof STAGES)[number];

/** The stages whose posters lead residents to a form they can (or soon will) answer. */
export const POSTER_STAGES: readonly Stage[] = ['open', 'scheduled'];

export function publicationStage(
  survey: Pick<Survey, 'status' | 'settings'>,
  publication: Pick<Publication, 'active'>,
  site: Pick<Site, 'active'> | null,
  now: Date,
): Stage {
  const state = availability(survey, now);
  if (state === 'draft') return 'draft';
  if (state === 'ended' || !site || !site.active) return 'closed';
  if (!publication.active) return 'paused';
  return state === 'not-yet-open' ? 'scheduled' : 'open';
}

/** The survey as a whole: its status, with an open survey shown as scheduled or closed by its window. */
export function surveyStage(survey: Pick<Survey, 'status' | 'settings'>, now: Date): Stage | 'archived' {
  if (survey.status === 'archived') return 'archived';
  const state = availability(survey, now);
  if (state === 'draft') return 'draft';
  if (state === 'not-yet-open') return 'scheduled';
  return state === 'ended' ? 'closed' : 'open';
}

/** What residents get at /s/<code> in each stage: the page and its HTTP status. */
export const RESIDENT_PAGE: Record<Stage, { view: 'form' | 'not-yet' | 'paused' | 'ended'; status: number }> = {
  draft: { view: 'not-yet', status: 403 },
  scheduled: { view: 'not-yet', status: 403 },
  open: { view: 'form', status: 200 },
  paused: { view: 'paused', status: 503 },
  closed: { view: 'ended', status: 410 },
};
