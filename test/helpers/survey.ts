import request from 'supertest';
import type { Publication } from '../../models/publication';
import type { Site } from '../../models/site';
import type { Survey } from '../../models/survey';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { publishAtSites } from '../../server/services/publications';
import { createFromTemplate, setSurveyStatus } from '../../server/services/surveys';
import { csrfFrom, type TestApp } from './app';
import { siteFixture } from './fixtures';

/** Two stations, the template survey opened and published at both. */
export async function openTemplateSurvey(t: TestApp, settings: Partial<Survey['settings']> = {}) {
  const sites: Site[] = [siteFixture({ code: 'JYG01', name: '雄关街道社工站', recipients: 120 }), siteFixture({ code: 'JYG02', name: '峪泉镇社工站', recipients: 80 })];
  for (const s of sites) await t.store.sites.create(s);
  let survey = await createFromTemplate(t.deps, SYSTEM_ACTOR, { locale: 'zh-CN' });
  if (Object.keys(settings).length) survey = (await t.store.surveys.update(survey.id, { settings: { ...survey.settings, ...settings } }))!;
  survey = await setSurveyStatus(t.deps, SYSTEM_ACTOR, survey.id, { status: 'open' });
  const pubs: Publication[] = (await publishAtSites(t.deps, SYSTEM_ACTOR, survey.id, { siteIds: sites.map((s) => s.id) })).created;
  const pubFor = (site: Site) => pubs.find((p) => p.siteId === site.id)!;
  return { survey, sites, pubs, pubFor };
}

/** A complete, valid set of answers to the template as form fields. */
export function templateAnswers(over: Record<string, string | string[]> = {}): Record<string, string | string[]> {
  return {
    q_category: 'elderly',
    q_age: '70_79',
    q_received: ['visit', 'home'],
    q_attitude: '5',
    q_competence: '4',
    q_timeliness: '4',
    q_effect: '3',
    q_environment: 'na',
    q_overall: '5',
    q_know_address: 'yes',
    q_know_services: 'partly',
    q_know_worker: 'yes',
    q_know_help: 'yes',
    q_suggestions: '希望多组织老年人活动',
    ...over,
  };
}

/**
 * The hidden fields of a rendered questionnaire: its form token, and a CSRF token when the page has
 * one (a preview; a resident's form token is bound to the device and is the form's CSRF check).
 */
export function formFields(html: string): { _csrf?: string; ft: string } {
  const ft = /name="ft" value="([^"]+)"/.exec(html);
  if (!ft) throw new Error('no form token in page');
  return html.includes('name="_csrf"') ? { _csrf: csrfFrom(html), ft: ft[1]! } : { ft: ft[1]! };
}

/** Urlencoded body with repeated keys for arrays (what a browser sends for checkboxes). */
export function formBody(fields: Record<string, string | string[] | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(fields)) {
    if (v === undefined) continue;
    for (const x of Array.isArray(v) ? v : [v]) p.append(k, x);
  }
  return p.toString();
}

/** A phone: an agent that opens the questionnaire (getting its cookies) and submits answers. */
export async function openForm(t: TestApp, code: string, agent = request.agent(t.app), query = '') {
  const page = await agent.get(`/s/${code}${query}`);
  return { agent, page, fields: page.status === 200 && page.text.includes('name="ft"') ? formFields(page.text) : null };
}
