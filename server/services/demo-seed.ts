import { prng, syntheticResponse } from './synthetic-responses';
import type { Site } from '../../models/site';
import { SATISFACTION_INDICATOR_ID, type Funding } from '../domain/evaluation';
import { tallyDeltas } from '../domain/tally';
import { localDay } from '../domain/time';
import { newId } from '../ids';
import type { Actor, Deps } from './context';
import { caseOpeningFor, recordStep } from './cases';
import { createEvaluation, updateEvaluation } from './evaluations';
import { REFERENCE_DEDUCTIONS, REFERENCE_FACTS } from './reference-report';
import { updateReportFacts } from './report';
import { publishAtSites } from './publications';
import { createFromTemplate, setSurveyStatus } from './surveys';
import { actorOf, createUser, generatePassword } from './users';

/**
 * The reference report's 资金情况 as printed, in 万元 (嘉峪关市社会工作服务站项目, 2021-2023年度). Its
 * figures disagree twice, and are kept so (the app points it out as 核对提示): 省级 60 + 市级 139 =
 * 199 against a 预算安排 of 189, and 到位 110.5 − 支出 104.476 = 6.024 against a 结转结余 of 7.
 */
export const REFERENCE_FUNDING: Funding = {
  budget: { total: 189, central: 0, provincial: 60, municipal: 139 },
  received: { total: 110.5, central: 0, provincial: 60, municipal: 50.5 },
  spent: 104.476,
  carriedOver: 7,
};

/**
 * Scores for the 35 ordinary indicators of the reference template that bring the dimensions to the
 * report's 14.25/15, 16.40/17, 25.80/34 and 23.70/34 once 服务对象满意度 earns 9.10 of its 10 points
 * (total 80.15, 良). The report publishes only the dimension rates; these leaf scores are one
 * split that reproduces them.
 */
export const REFERENCE_SCORES: Readonly<Record<string, number>> = {
  'initiation-basis': 3, 'initiation-procedure': 2, 'objective-soundness': 2.75, 'indicator-clarity': 2, budgeting: 2.5, 'fund-allocation': 2,
  'funds-received-rate': 2, 'budget-execution-rate': 1.9, 'fund-use-compliance': 2, 'financial-management': 1.8,
  'rules-in-place': 2, 'rules-enforced': 2, 'record-keeping': 1.8, 'supervision-training': 1.9, 'team-stability': 1,
  'completion-rate': 2.5, 'station-coverage': 2, 'service-visits': 1.8, casework: 1.6, 'group-work': 1.5, 'community-activities': 1.8,
  'quality-rate': 2.4, 'certified-ratio': 1, 'staffing-rate': 1.6, 'service-standards': 2.4,
  'timely-completion': 2.4, 'service-continuity': 1, 'cost-saving-rate': 2.5, 'unit-cost': 1.3,
  'social-benefits': 3.5, sustainability: 2.4, 'vulnerable-support': 3, 'resource-linking': 2.2, 'org-incubation': 1.8, volunteers: 1.7,
};

/**
 * The evidence notes: every indicator that lost points has its 扣分原因 (REFERENCE_DEDUCTIONS, the
 * report's 存在问题 where they apply), and 社工队伍稳定性 keeps its finding though it lost no points.
 */
export const REFERENCE_NOTES: Readonly<Record<string, string>> = {
  ...REFERENCE_DEDUCTIONS,
  'team-stability': '社工人员流动频繁，团队稳定性较差。',
};

export const REFERENCE_PROJECT = {
  name: '嘉峪关市社会工作服务站项目绩效评价',
  period: '2021-2023年度',
  commissioner: '嘉峪关市财政局',
  evaluator: '甘肃道瑞科技咨询有限公司',
  subject: '嘉峪关市社会工作服务站',
} as const;

/** Illustrative stations, each with a mood that shifts its answers (the demo's satisfaction index lands in the low 80s). */
const DEMO_STATIONS: readonly { code: string; name: string; township: string; kind: Site['kind']; recipients: number; mood: number }[] = [
  { code: 'DEMO01', name: '五一街道社工站（示例）', township: '五一街道', kind: 'street', recipients: 320, mood: 0.14 },
  { code: 'DEMO02', name: '新华街道社工站（示例）', township: '新华街道', kind: 'street', recipients: 280, mood: 0.1 },
  { code: 'DEMO03', name: '胜利街道社工站（示例）', township: '胜利街道', kind: 'street', recipients: 260, mood: 0.12 },
  { code: 'DEMO04', name: '峪泉镇社工站（示例）', township: '峪泉镇', kind: 'township', recipients: 150, mood: 0.06 },
  { code: 'DEMO05', name: '文殊镇社工站（示例）', township: '文殊镇', kind: 'township', recipients: 140, mood: 0.08 },
];

export const DEMO_USERNAME = 'demo';

export interface DemoSeedOptions {
  /** The demo administrator's password; generated (and returned once) when not given. */
  password?: string | null;
  responses?: number;
  seed?: number;
}

export type DemoSeedResult =
  | { seeded: false }
  | { seeded: true; username: string; password: string; generatedPassword: boolean; surveyId: string; evaluationId: string; sites: number; responses: number; cases: number };

/** True when the store holds nothing at all, the only state the demo seeds into. */
async function isEmpty(deps: Deps): Promise<boolean> {
  const [users, sites, surveys, evaluations] = await Promise.all([deps.store.users.count(), deps.store.sites.list(), deps.store.surveys.list(), deps.store.evaluations.list()]);
  return users === 0 && sites.length === 0 && surveys.length === 0 && evaluations.length === 0;
}

/**
 * Fills an empty store with demo data, every piece marked as such (isDemo, 示例 in station names):
 * an administrator `demo`, five stations, the template survey open at each with synthetic
 * responses written through the store with their tallies (as the resident page writes them),
 * and the reference evaluation with the report's funding, scores, 扣分原因 and report facts, and
 * 服务对象满意度 bound to the demo survey (satisfaction index, ratio rule, target 90). A store with
 * anything in it is left alone.
 */
export async function seedDemo(deps: Deps, options: DemoSeedOptions = {}): Promise<DemoSeedResult> {
  if (!(await isEmpty(deps))) return { seeded: false };
  const password = options.password || generatePassword();
  const user = await createUser(deps, { username: DEMO_USERNAME, password, role: 'admin' });
  const actor = actorOf(user);

  const now = deps.clock();
  const stamp = now.toISOString();
  const sites: Site[] = DEMO_STATIONS.map(({ mood: _mood, ...s }) => ({ id: newId(), ...s, active: true, isDemo: true, createdAt: stamp, updatedAt: stamp }));
  await deps.store.sites.createMany(sites);

  let survey = await createFromTemplate(deps, actor, { locale: 'zh-CN', title: '社工站服务对象满意度调查（示例）' }, { isDemo: true });
  survey = await setSurveyStatus(deps, actor, survey.id, { status: 'open' });
  const pubs = (await publishAtSites(deps, actor, survey.id, { siteIds: sites.map((s) => s.id) })).created;

  // Responses over the 60 days up to yesterday, so none is dated after the moment of seeding.
  const yesterday = localDay(new Date(now.getTime() - 86_400_000), deps.config.timeZone);
  const rand = prng(options.seed ?? 2023);
  const count = options.responses ?? 330;
  const moods = new Map(sites.map((s, i) => [s.id, DEMO_STATIONS[i]!.mood]));
  const opened: { id: string; at: number }[] = [];
  for (let i = 0; i < count; i++) {
    const pub = pubs[Math.floor(rand() * pubs.length)]!;
    const r = syntheticResponse(rand, survey, pub, moods.get(pub.siteId) ?? 0, { days: 60, lastDay: yesterday, isDemo: true });
    // A bad review opens its case with the response, as on the resident page (以评促改).
    const opens = await caseOpeningFor(deps, survey, survey.questions, r);
    await deps.store.responses.insert(r, tallyDeltas(r, survey.questions), opens);
    if (opens) opened.push({ id: opens.case.id, at: new Date(r.submittedAt).getTime() });
  }
  const cases = await progressDemoCases(deps, actor, opened, now.getTime(), rand);

  const created = await createEvaluation(deps, actor, { ...REFERENCE_PROJECT, template: 'reference', locale: 'zh-CN' }, { isDemo: true });
  const scored = await updateEvaluation(deps, actor, created.record.id, {
    updatedAt: created.record.updatedAt,
    funding: REFERENCE_FUNDING,
    scores: Object.fromEntries(Object.entries(REFERENCE_SCORES).map(([id, score]) => [id, { score, note: REFERENCE_NOTES[id] ?? '' }])),
    bindings: { [SATISFACTION_INDICATOR_ID]: { surveyIds: [survey.id], measure: 'index', rule: { kind: 'ratio', target: 90 } } },
  });
  await updateReportFacts(deps, actor, created.record.id, { updatedAt: scored.record.updatedAt, ...REFERENCE_FACTS });

  return { seeded: true, username: user.username, password, generatedPassword: !options.password, surveyId: survey.id, evaluationId: created.record.id, sites: sites.length, responses: count, cases };
}

const DAY_MS = 86_400_000;

/** Notes a station would write (the demo survey is in Chinese). */
const DEMO_NOTES = {
  verify: ['已电话回访服务对象，了解具体情况', '已入户走访核实', '已与服务对象及家属沟通核实'],
  act: ['已调整服务时间并向服务对象说明', '已安排社工加强上门服务频次', '已向服务对象解释政策规定'],
  close: ['服务对象表示认可，办结', '整改完成，回访满意'],
  review: ['抽查回访，处理属实有效'],
} as const;

/**
 * Moves the demo's cases along as a station would have handled them since each was opened — most
 * older ones closed (a few late, a few checked by the evaluator), recent ones at every stage — each
 * step recorded through recordStep at the moment it would have happened, so deadlines, lateness,
 * history, audit and the rates are those the product computes. Returns how many cases were opened.
 */
async function progressDemoCases(deps: Deps, actor: Actor, opened: readonly { id: string; at: number }[], now: number, rand: () => number): Promise<number> {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(rand() * xs.length)]!;
  for (const c of opened) {
    const age = (now - c.at) / DAY_MS;
    const roll = rand();
    // Days after opening at which verify, act and close happen; null stops there.
    let plan: (number | null)[];
    if (age >= 21) plan = roll < 0.7 ? [1, 3, 5] : roll < 0.85 ? [9, 16, 19] : roll < 0.95 ? [2, 4, 6] : [2, 6, null];
    else if (age >= 7) plan = roll < 0.5 ? [1, 2, 4] : roll < 0.75 ? [1, 3, null] : [2, null, null];
    else plan = roll < 0.5 ? [null, null, null] : roll < 0.8 ? [1, null, null] : [0.5, 1, null];
    const review = age >= 21 && roll >= 0.85 && roll < 0.95;
    const at = (days: number) => Math.min(c.at + days * DAY_MS + Math.floor(rand() * 6) * 3_600_000, now - 3_600_000);
    const step = (when: number, input: Parameters<typeof recordStep>[3]) => recordStep({ ...deps, clock: () => new Date(when) }, actor, c.id, input);
    const finding = pick(['true', 'true', 'partly', 'false'] as const);
    if (plan[0] === null || plan[0] === undefined) continue;
    await step(at(plan[0]), { step: 'verify', finding, note: pick(DEMO_NOTES.verify) });
    if (plan[1] === null || plan[1] === undefined) continue;
    const action = finding === 'false' ? 'explain' : pick(['immediate', 'immediate', 'deadline'] as const);
    const actAt = at(plan[1]);
    const itemDue = localDay(new Date(actAt + 14 * DAY_MS), deps.config.timeZone);
    await step(actAt, action === 'deadline' ? { step: 'act', action, item: '完善上门服务排班', itemDue, note: pick(DEMO_NOTES.act) } : { step: 'act', action, item: '', itemDue: null, note: pick(DEMO_NOTES.act) });
    if (plan[2] === null || plan[2] === undefined) continue;
    await step(at(plan[2]), { step: 'close', note: pick(DEMO_NOTES.close) });
    if (review) await step(at(plan[2] + 2), { step: 'review', note: pick(DEMO_NOTES.review) });
  }
  return opened.length;
}
