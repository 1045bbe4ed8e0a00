import type { Site } from '../../models/site';
import type { Survey } from '../../models/survey';
import { isValidState } from '../domain/quality';
import { sampleProgress, type SampleProgress } from '../domain/sample-progress';
import { localDay } from '../domain/time';
import type { Actor, Deps } from './context';
import { publicationStage, type Stage } from '../domain/lifecycle';
import { publicLink } from './publications';
import { settleTallies } from './tallies';

/** One survey published at one of the worker's stations, with its numbers from the tallies. */
export interface StationPublication {
  publicationId: string;
  code: string;
  survey: Pick<Survey, 'id' | 'title' | 'isDemo' | 'timeZone'>;
  /** Where the publication stands for residents (draft, scheduled, open, paused, closed). */
  state: Stage;
  /** Residents can answer now, so assisted entry is offered. */
  open: boolean;
  link: string;
  /** The survey's local day (YYYY-MM-DD) that "today" means. */
  day: string;
  today: number;
  received: number;
  valid: number;
  progress: SampleProgress;
}

export interface StationCard {
  site: Pick<Site, 'id' | 'code' | 'name' | 'recipients'>;
  publications: StationPublication[];
}

export type Home =
  | { kind: 'station'; stations: StationCard[]; open: (StationPublication & { station: string })[] }
  | { kind: 'overview'; counts: { sites: number; surveys: number; responses: number } };

/** What the home page shows: a station worker their stations' surveys; everyone else the overall counts. */
export async function getHome(deps: Deps, actor: Actor): Promise<Home> {
  if (actor.role === 'station') return stationHome(deps, actor.siteIds);
  const [sites, surveys] = await Promise.all([deps.store.sites.list(), deps.store.surveys.list()]);
  return { kind: 'overview', counts: { sites: sites.length, surveys: surveys.length, responses: surveys.reduce((n, s) => n + s.responseCount, 0) } };
}

const RESPONSES = '_n';

/**
 * Each of the worker's stations with every survey published there that is not archived. Counts come
 * from the tallies (the dashboards' source): per survey one read of all days by station and quality
 * state, and one of today's local day by station, never a scan of the responses.
 */
async function stationHome(deps: Deps, siteIds: string[]): Promise<Home> {
  const sites = siteIds.length ? (await deps.store.sites.list({ ids: siteIds })).sort((a, b) => a.code.localeCompare(b.code)) : [];
  const cards: StationCard[] = sites.map((s) => ({ site: { id: s.id, code: s.code, name: s.name, recipients: s.recipients }, publications: [] }));
  const byId = new Map(sites.map((s, i) => [s.id, { site: s, card: cards[i]! }]));
  if (!sites.length) return { kind: 'station', stations: cards, open: [] };

  const now = deps.clock();
  const surveys = (await deps.store.surveys.list()).filter((s) => s.status !== 'archived');
  for (const survey of surveys) {
    const pubs = (await deps.store.publications.listBySurvey(survey.id)).filter((p) => byId.has(p.siteId));
    if (!pubs.length) continue;
    const mine = pubs.map((p) => p.siteId);
    const day = localDay(now, survey.timeZone);
    await settleTallies(deps, survey.id);
    const [all, today] = await Promise.all([
      deps.store.tallies.query({ surveyId: survey.id, level: 'sites', siteIds: mine, questionIds: [RESPONSES], groupBy: ['siteId', 'state'] }),
      deps.store.tallies.query({ surveyId: survey.id, level: 'fine', siteIds: mine, dayFrom: day, dayTo: day, questionIds: [RESPONSES], groupBy: ['siteId'] }),
    ]);
    for (const p of pubs) {
      const { site, card } = byId.get(p.siteId)!;
      const rows = all.filter((r) => r.siteId === p.siteId);
      const received = rows.reduce((n, r) => n + r.count, 0);
      const valid = rows.filter((r) => isValidState(r.state ?? '', survey.settings.qualityRules)).reduce((n, r) => n + r.count, 0);
      const link = publicLink(deps, p.code);
      const state = publicationStage(survey, p, site, now);
      const open = state === 'open';
      card.publications.push({
        publicationId: p.id,
        code: p.code,
        survey: { id: survey.id, title: survey.title, isDemo: survey.isDemo, timeZone: survey.timeZone },
        state,
        open,
        link,
        day,
        today: today.filter((r) => r.siteId === p.siteId).reduce((n, r) => n + r.count, 0),
        received,
        valid,
        progress: sampleProgress(valid, survey.settings.targetSamplePerSite, site.recipients),
      });
    }
  }
  // Surveys taking answers first; otherwise the store's order.
  for (const card of cards) card.publications.sort((a, b) => Number(b.open) - Number(a.open));
  const open = cards.flatMap((c) => c.publications.filter((p) => p.open).map((p) => ({ ...p, station: c.site.name })));
  return { kind: 'station', stations: cards, open };
}
