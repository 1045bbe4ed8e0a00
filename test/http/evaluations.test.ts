import ExcelJS from 'exceljs';
import { parse as parseCsv } from 'csv-parse/sync';
import request from 'supertest';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { REFERENCE_FUNDING, REFERENCE_SCORES, seedDemo } from '../../server/services/demo-seed';
import { publishAtSites } from '../../server/services/publications';
import { createFromTemplate, setSurveyStatus } from '../../server/services/surveys';
import { verifyTallies } from '../../server/services/tallies';
import { createApiToken } from '../../server/services/tokens';
import { addUser, csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

/** The same level for the six Likert questions of the template (weights 100/80/60/40/20). */
const allLikert = (level: string) => Object.fromEntries(['attitude', 'competence', 'timeliness', 'effect', 'environment', 'overall'].map((id) => [`q_${id}`, level]));

/** Binary bodies (XLSX) collected into a Buffer. */
const binary = (res: NodeJS.ReadableStream & { setEncoding(e: string): void }, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('performance evaluations (绩效评价)', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;
  let writeToken: string;
  let readToken: string;
  let adminToken: string;

  const api = (method: 'get' | 'post' | 'put' | 'patch' | 'delete', path: string, token = writeToken) => request(t.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

  /** A resident answers through the public page (a new phone each time), taking `seconds`. */
  async function answer(level: string, seconds = 90, pubIndex = 0) {
    const code = setup.pubs[pubIndex]!.code;
    const { agent, fields } = await openForm(t, code);
    t.clock.advance(seconds * 1000);
    await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers(allLikert(level)) })).expect(303);
  }

  async function createViaApi(body: Record<string, unknown> = {}) {
    const res = await api('post', '/evaluations').send({ name: '测试评价', period: '2026年度', ...body }).expect(201);
    return res.body.evaluation as { id: string; updatedAt: string; data: { tree: unknown[] } };
  }

  const stampOf = async (id: string) => (await api('get', `/evaluations/${id}`, readToken).expect(200)).body.evaluation.updatedAt as string;

  const satisfactionOf = async (id: string) => {
    const score = (await api('get', `/evaluations/${id}/score`, readToken).expect(200)).body;
    return { score, sat: score.satisfaction.find((s: { indicatorId: string }) => s.indicatorId === 'satisfaction') };
  };

  beforeEach(async () => {
    t = await makeTestApp();
    setup = await openTemplateSurvey(t);
    const evaluator = await addUser(t, 'pingjia', 'evaluator');
    const admin = await addUser(t, 'guanli', 'admin');
    writeToken = (await createApiToken(t.deps, evaluator, { scope: 'write' })).token;
    readToken = (await createApiToken(t.deps, evaluator, { scope: 'read' })).token;
    adminToken = (await createApiToken(t.deps, admin, { scope: 'write' })).token;
  });
  afterEach(async () => {
    await t.close();
  });

  it('creates an evaluation from the reference template in one click and shows its 绩效分析 table and tree', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const list = await agent.get('/admin/evaluations').expect(200);
    expect(list.text).toContain('按参考指标体系新建');
    const created = await agent.post('/admin/evaluations').type('form').send({ _csrf: csrfFrom(list.text), template: 'reference', name: '嘉峪关市社会工作服务站项目绩效评价', period: '2021-2023年度' }).expect(303);
    const id = /\/admin\/evaluations\/([\w-]+)$/.exec(created.headers.location!)![1]!;
    const page = await agent.get(`/admin/evaluations/${id}`).expect(200);
    for (const text of ['绩效分析', '指标', '决策', '过程', '产出', '效益', '合计', '分值', '得分', '得分率', '服务对象满意度', '立项依据充分性', '尚有 36 个指标没有得分']) expect(page.text).toContain(text);
    expect(page.text).toContain('<td class="num">15</td><td class="num">17</td><td class="num">34</td><td class="num">34</td><td class="num">100</td>');
    expect(page.text).toContain('<link rel="stylesheet" href="/static/css/scorecard.css">');
    const stored = await t.store.evaluations.get(id);
    expect(stored).toMatchObject({ name: '嘉峪关市社会工作服务站项目绩效评价', locked: false, isDemo: false });
    expect(await t.store.audit.list({ limit: 5, action: 'evaluation.create' })).toEqual([expect.objectContaining({ targetId: id, actorName: expect.stringMatching(/^evaluator-/) })]);
    expect((await agent.get('/admin/evaluations').expect(200)).text).toContain(`href="/admin/evaluations/${id}"`);

    const blank = await agent.post('/admin/evaluations').type('form').send({ _csrf: csrfFrom(list.text), template: 'blank', name: '' }).expect(400);
    expect(blank.text).toContain('此项为必填');
    expect(await t.store.evaluations.list()).toHaveLength(1);
  });

  it('edits the tree through forms, saves it when it does not add up and says where', async () => {
    const e = await createViaApi();
    const { agent } = await loginAs(t, 'evaluator');
    const treePath = `/admin/evaluations/${e.id}/tree`;
    let page = await agent.get(treePath).expect(200);
    expect(page.text).toContain('各级指标分值一致，一级指标合计 100 分。');

    // Re-weight: 立项依据充分性 3 → 4, so the sub-indicators of 项目立项 (5 points) add up to 6.
    await agent.post(treePath).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: e.updatedAt, op: 'update', nodeId: 'initiation-basis', name: '立项依据充分', points: '4' }).expect(303);
    page = await agent.get(treePath).expect(200);
    expect(page.text).toContain('分值不平衡');
    expect(page.text).toContain('“项目立项”的分值为 5 分，但其下级指标分值合计为 6 分。');
    const card = await agent.get(`/admin/evaluations/${e.id}`).expect(200);
    expect(card.text).toContain('“项目立项”的分值为 5 分，但其下级指标分值合计为 6 分。');
    let stored = (await api('get', `/evaluations/${e.id}`).expect(200)).body;
    expect(stored.evaluation.data.tree[0].children[0].children[0]).toMatchObject({ id: 'initiation-basis', name: '立项依据充分', points: 4 });
    expect(stored.problems).toEqual([{ nodeId: 'project-initiation', key: 'evaluation.tree.sumMismatch', message: '“项目立项”的分值为 5 分，但其下级指标分值合计为 6 分。' }]);

    // Add a sub-indicator, then remove it; the only child of a group cannot be removed alone.
    await agent.post(treePath).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: stored.evaluation.updatedAt, op: 'add', parentId: 'satisfaction-group', name: '家属满意度', points: '2' }).expect(303);
    stored = (await api('get', `/evaluations/${e.id}`).expect(200)).body;
    const group = stored.evaluation.data.tree[3].children[1];
    expect(group.children.map((c: { name: string }) => c.name)).toEqual(['服务对象满意度', '家属满意度']);
    const added = group.children[1].id as string;
    page = await agent.get(treePath).expect(200);
    expect(page.text).toContain('“满意度”的分值为 10 分，但其下级指标分值合计为 12 分。');
    await agent.post(treePath).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: stored.evaluation.updatedAt, op: 'remove', nodeId: added }).expect(303);
    stored = (await api('get', `/evaluations/${e.id}`).expect(200)).body;
    const refused = await agent.post(treePath).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: stored.evaluation.updatedAt, op: 'remove', nodeId: 'satisfaction' }).expect(409);
    expect(refused.text).toContain('这是上级指标唯一的下级指标，不能单独删除');
    const badPoints = await agent.post(treePath).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: stored.evaluation.updatedAt, op: 'update', nodeId: 'budgeting', name: '预算编制科学性', points: '3.456' }).expect(400);
    expect(badPoints.text).toContain('value="3.456"');
    expect((await api('get', `/evaluations/${e.id}`).expect(200)).body.evaluation.updatedAt).toBe(stored.evaluation.updatedAt);

    // A whole new dimension comes with a group and an indicator of the same points.
    await agent.post(treePath).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: stored.evaluation.updatedAt, op: 'add', parentId: '', name: '创新', points: '5' }).expect(303);
    stored = (await api('get', `/evaluations/${e.id}`).expect(200)).body;
    expect(stored.evaluation.data.tree[4]).toMatchObject({ name: '创新', points: 5, children: [{ name: '新二级指标', points: 5, children: [{ name: '新三级指标', points: 5 }] }] });
    expect(await t.store.audit.count({ action: 'evaluation.tree' })).toBe(4);
  });

  it('refuses a score above the indicator’s points with 400, keeps the input and stores nothing', async () => {
    const e = await createViaApi();
    const { agent } = await loginAs(t, 'evaluator');
    const path = `/admin/evaluations/${e.id}/indicators/initiation-basis`;
    const page = await agent.get(path).expect(200);
    const res = await agent.post(`${path}/score`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: e.updatedAt, score: '3.5', note: '依据不足' }).expect(400);
    expect(res.text).toContain('“立项依据充分性”的得分 3.5 超过了分值 3 分。');
    expect(res.text).toContain('value="3.5"');
    expect(res.text).toContain('依据不足</textarea>');
    const viaApi = await api('put', `/evaluations/${e.id}/scores/initiation-basis`).send({ updatedAt: e.updatedAt, score: 4, note: '' }).expect(400);
    expect(viaApi.body.error.fields.score).toContain('超过了分值 3 分');
    await api('put', `/evaluations/${e.id}/scores/initiation-basis`).send({ updatedAt: e.updatedAt, score: -1, note: '' }).expect(400);
    await api('put', `/evaluations/${e.id}/scores/project-initiation`).send({ updatedAt: e.updatedAt, score: 1, note: '' }).expect(400);
    await api('put', `/evaluations/${e.id}/scores/nope`).send({ updatedAt: e.updatedAt, score: 1, note: '' }).expect(404);
    let stored = (await api('get', `/evaluations/${e.id}`).expect(200)).body.evaluation;
    expect(stored.data.scores).toEqual({});
    expect(stored.updatedAt).toBe(e.updatedAt);

    await agent.post(`${path}/score`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: e.updatedAt, score: '2.75', note: '依据较充分' }).expect(303);
    stored = (await api('get', `/evaluations/${e.id}`).expect(200)).body.evaluation;
    expect(stored.data.scores['initiation-basis']).toEqual({ score: 2.75, note: '依据较充分' });
    const card = await agent.get(`/admin/evaluations/${e.id}`).expect(200);
    expect(card.text).toContain('依据较充分');
    expect(await t.store.audit.list({ limit: 1, action: 'evaluation.score' })).toEqual([expect.objectContaining({ details: expect.objectContaining({ indicatorId: 'initiation-basis', to: 2.75 }) })]);
  });

  it('scores 服务对象满意度 from responses, freezes it while locked and follows again after an audited admin unlock', async () => {
    const e = await createViaApi();
    const { agent } = await loginAs(t, 'evaluator');
    const path = `/admin/evaluations/${e.id}/indicators/satisfaction`;
    let page = await agent.get(path).expect(200);
    const noSurvey = await agent.post(`${path}/binding`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: e.updatedAt, measure: 'index', ruleKind: 'ratio', target: '90' }).expect(400);
    expect(noSurvey.text).toContain('此项为必填');
    await agent
      .post(`${path}/binding`)
      .type('form')
      .send(formBody({ _csrf: csrfFrom(page.text), updatedAt: e.updatedAt, surveyIds: [setup.survey.id], measure: 'index', ruleKind: 'ratio', target: '90', deduction: '1', floor: '60', bands: '' }))
      .expect(303);
    expect((await api('get', `/evaluations/${e.id}`).expect(200)).body.evaluation.data.bindings.satisfaction).toEqual({ surveyIds: [setup.survey.id], measure: 'index', rule: { kind: 'ratio', target: 90 } });

    // Nothing answered yet: no evidence, not 0.
    let { sat, score } = await satisfactionOf(e.id);
    expect(sat).toMatchObject({ status: 'no-evidence', score: null, explanation: '尚无有效答卷，暂不能计分（不按 0 分计）' });
    expect(sat.ruleText).toBe('得分 = 分值 × min(满意度 ÷ 90%, 1)');
    expect(score).toMatchObject({ total: 0, complete: false, missing: 36 });

    await answer('4'); // index 80 → 10 × 80/90 = 8.89
    ({ sat, score } = await satisfactionOf(e.id));
    expect(sat).toMatchObject({ status: 'bound', score: 8.89, value: 80, evidence: { received: 1, valid: 1, index: 80, rate: 1 } });
    expect(score.dimensions[3]).toMatchObject({ id: 'benefit', score: 8.89 });
    await answer('5'); // index 90 → 10
    ({ sat } = await satisfactionOf(e.id));
    expect(sat).toMatchObject({ score: 10, evidence: { received: 2, valid: 2, index: 90 } });
    page = await agent.get(`/admin/evaluations/${e.id}`).expect(200);
    // The explanation names the estimator (respondents at one station weighted by its service recipients).
    expect(page.text).toContain('满意度指数 90（按站点分层、服务对象人数加权；受访者 2 人，有效答卷 2 份），得 10 分（分值 10 分）');
    expect(page.text).toContain(`href="/admin/stats/${setup.survey.id}"`);

    const stamp = await stampOf(e.id);
    await agent.post(`/admin/evaluations/${e.id}/lock`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: stamp }).expect(303);
    await answer('2'); // would bring the index to 73.33
    ({ sat } = await satisfactionOf(e.id));
    expect(sat).toMatchObject({ score: 10, evidence: { received: 2, valid: 2, index: 90 } });
    const locked = await agent.get(`/admin/evaluations/${e.id}`).expect(200);
    expect(locked.text).toContain('锁定时冻结');
    expect(locked.text).toContain('只有管理员可以解锁');
    const lockedStamp = await stampOf(e.id);
    await api('put', `/evaluations/${e.id}/scores/budgeting`).send({ updatedAt: lockedStamp, score: 1, note: '' }).expect(409);
    expect(await t.store.audit.list({ limit: 1, action: 'evaluation.lock' })).toEqual([expect.objectContaining({ targetId: e.id, details: expect.objectContaining({ evidence: { satisfaction: expect.objectContaining({ valid: 2, index: 90 }) } }) })]);

    await api('post', `/evaluations/${e.id}/unlock`).send({ updatedAt: lockedStamp, reason: '补充调查' }).expect(403);
    const admin = await loginAs(t, 'admin');
    const adminPage = await admin.agent.get(`/admin/evaluations/${e.id}`).expect(200);
    const noReason = await admin.agent.post(`/admin/evaluations/${e.id}/unlock`).type('form').send({ _csrf: csrfFrom(adminPage.text), updatedAt: lockedStamp, reason: '  ' }).expect(400);
    expect(noReason.text).toContain('此项为必填');
    expect((await stampOf(e.id))).toBe(lockedStamp);
    await api('post', `/evaluations/${e.id}/unlock`, adminToken).send({ updatedAt: lockedStamp, reason: '补充调查后重新计分' }).expect(200);
    expect(await t.store.audit.list({ limit: 1, action: 'evaluation.unlock' })).toEqual([
      expect.objectContaining({ targetId: e.id, actorName: 'guanli', details: expect.objectContaining({ reason: '补充调查后重新计分', total: 10 }) }),
    ]);
    ({ sat } = await satisfactionOf(e.id));
    expect(sat).toMatchObject({ score: 8.15, evidence: { received: 3, valid: 3, index: 73.33 } });
  });

  it('shows “no evidence”, not 0, when every response is invalid', async () => {
    const e = await createViaApi();
    await api('put', `/evaluations/${e.id}/bindings/satisfaction`).send({ updatedAt: e.updatedAt, surveyIds: [setup.survey.id], measure: 'rate', rule: { kind: 'ratio', target: 90 } }).expect(200);
    await answer('5', 3); // a speeder: received but not valid
    const { sat, score } = await satisfactionOf(e.id);
    expect(sat).toMatchObject({ status: 'no-evidence', score: null, evidence: { received: 1, valid: 0, index: null, rate: null } });
    expect(score.dimensions[3].score).toBe(0);
    const { agent } = await loginAs(t, 'viewer');
    const page = await agent.get(`/admin/evaluations/${e.id}`).expect(200);
    expect(page.text).toContain('<span class="status status-no-evidence">暂无有效答卷</span>');
    expect(page.text).toContain('收到 1 份，有效 0 份');
    const row = /<tr id="node-satisfaction" [\s\S]*?<\/tr>/.exec(page.text)![0];
    expect(row).toContain('<td class="num">—</td>');
    expect(row).not.toContain('0.00');
    expect(page.text).not.toContain('/lock');
  });

  it('pools several surveys by station at the respondent level, with intervals, adequacy only when each is adequate', async () => {
    let other = await createFromTemplate(t.deps, SYSTEM_ACTOR, { locale: 'zh-CN', title: '第二轮调查' });
    other = await setSurveyStatus(t.deps, SYSTEM_ACTOR, other.id, { status: 'open' });
    const [otherPub] = (await publishAtSites(t.deps, SYSTEM_ACTOR, other.id, { siteIds: [setup.sites[0]!.id] })).created;
    const second = { survey: other, pubs: [otherPub!] };
    const e = await createViaApi();
    await api('put', `/evaluations/${e.id}/bindings/satisfaction`).send({ updatedAt: e.updatedAt, surveyIds: [setup.survey.id, second.survey.id], measure: 'index', rule: { kind: 'ratio', target: 90 } }).expect(200);
    await answer('5');
    await answer('5');
    await answer('5');
    await answer('5');
    const code = second.pubs[0]!.code;
    const { agent, fields } = await openForm(t, code);
    t.clock.advance(90_000);
    await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers(allLikert('3')) })).expect(303);
    const { sat } = await satisfactionOf(e.id);
    // Both surveys at station JYG01: one stratum of 5 respondents, 4 at 100 and 1 at 60: (400 + 60) / 5 = 92,
    // not the mean of the surveys' 100 and 60; every respondent reaches 60, rate 1 with Wilson's interval up to 1.
    expect(sat.evidence).toMatchObject({ received: 5, valid: 5, index: 92, rate: 1, adequate: false, estimator: 'stratified-population', respondents: 5 });
    expect(sat.evidence.rateCi[1]).toBe(1);
    // Scores 100, 100, 100, 100, 60 from 120 recipients: s² = 320, v = (1 − 5/120) × 320 / 5 = 61.33, t₄ = 2.7764:
    // 92 ± 21.74 = [70.26, 100] (the upper end cut at the scale's top).
    expect(sat.evidence.indexCi).toEqual([70.26, 100]);
    expect(sat.surveys.map((s: { index: number }) => s.index)).toEqual([100, 60]);
    expect(sat.surveys[1].dashboard).toBe(`/admin/stats/${second.survey.id}`);
  });

  it('reproduces the reference report through the API: 95.00%, 96.47%, 75.88%, 69.71%, total 80.15, 良', async () => {
    const e = await createViaApi({ name: '嘉峪关市社会工作服务站项目绩效评价', period: '2021-2023年度' });
    const scores = Object.fromEntries(Object.entries(REFERENCE_SCORES).map(([id, score]) => [id, { score, note: '' }]));
    const res = await api('patch', `/evaluations/${e.id}`).send({ updatedAt: e.updatedAt, funding: REFERENCE_FUNDING, scores: { ...scores, satisfaction: { score: 9.1, note: '问卷调查' } } }).expect(200);
    expect(res.body.problems).toEqual([
      { nodeId: null, key: 'evaluation.funding.budgetParts', message: expect.stringContaining('199') },
      { nodeId: null, key: 'evaluation.funding.carriedOverMismatch', message: expect.stringContaining('6.024') },
    ]);
    let score = (await api('get', `/evaluations/${e.id}/score`, readToken).expect(200)).body;
    expect(score.dimensions.map((d: { rate: number }) => d.rate)).toEqual([0.95, 0.9647, 0.7588, 0.6971]);
    expect(score).toMatchObject({ total: 80.15, grade: 'good', gradeLabel: '良', complete: true, missing: 0 });

    // Bound instead: a bands rule giving 91% of the points at an index of 80 or more, and one response at 80.
    await api('put', `/evaluations/${e.id}/bindings/satisfaction`)
      .send({ updatedAt: res.body.evaluation.updatedAt, surveyIds: [setup.survey.id], measure: 'index', rule: { kind: 'bands', bands: [{ min: 80, share: 0.91 }, { min: 95, share: 1 }] } })
      .expect(200);
    await answer('4');
    score = (await api('get', `/evaluations/${e.id}/score`, readToken).expect(200)).body;
    expect(score.dimensions.map((d: { rate: number }) => d.rate)).toEqual([0.95, 0.9647, 0.7588, 0.6971]);
    expect(score).toMatchObject({ total: 80.15, grade: 'good' });
    expect(score.satisfaction[0]).toMatchObject({ score: 9.1, ruleText: '按满意度分档计分：满意度 ≥ 95% 得分值的 100%；满意度 ≥ 80% 得分值的 91%；低于最低档得 0 分' });

    const { agent } = await loginAs(t, 'viewer');
    const page = await agent.get(`/admin/evaluations/${e.id}`).expect(200);
    expect(page.text).toContain('<td class="num">95.00%</td><td class="num">96.47%</td><td class="num">75.88%</td><td class="num">69.71%</td><td class="num">80.15%</td>');
    expect(page.text).toContain('<p class="kpi" id="grade">良</p>');
    const settings = await agent.get(`/admin/evaluations/${e.id}/settings`).expect(200);
    expect(settings.text).toContain('<td class="num" id="execution-rate">94.55%</td>');
    expect(settings.text).toContain('结转结余资金 7 万元与“实际到位资金 − 实际支出”的 6.024 万元不一致');
    const english = await agent.get(`/admin/evaluations/${e.id}?lang=en`).expect(200);
    expect(english.text).toContain('<p class="kpi" id="grade">Good</p>');
    expect(english.text).toContain('Performance analysis');
    expect(english.text).toContain('(10 points)');
    const print = await agent.get(`/admin/evaluations/${e.id}/print?lang=zh-CN`).expect(200);
    expect(print.text).toContain('href="/static/css/scorecard.css"');
    expect(print.text).toContain('80.15 分');
  });

  it('exports the scorecard as XLSX (绩效分析, 指标体系) and formula-safe CSV', async () => {
    const e = await createViaApi();
    const current = (await api('get', `/evaluations/${e.id}`).expect(200)).body.evaluation;
    const tree = current.data.tree;
    tree[0].children[0].children[0].name = '=HYPERLINK("http://x")';
    let res = await api('put', `/evaluations/${e.id}/indicators`).send({ updatedAt: current.updatedAt, tree }).expect(200);
    res = await api('put', `/evaluations/${e.id}/scores/budgeting`).send({ updatedAt: res.body.evaluation.updatedAt, score: 2.5, note: '预算编制较科学' }).expect(200);
    await api('put', `/evaluations/${e.id}/bindings/satisfaction`).send({ updatedAt: res.body.evaluation.updatedAt, surveyIds: [setup.survey.id], measure: 'index', rule: { kind: 'ratio', target: 90 } }).expect(200);
    await answer('4');
    const { agent } = await loginAs(t, 'viewer');

    const xlsx = await agent.get(`/admin/evaluations/${e.id}/scorecard.xlsx`).buffer(true).parse(binary as never).expect(200);
    expect(xlsx.headers['content-type']).toContain('spreadsheetml');
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as Buffer as never);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['绩效分析', '指标体系']);
    const rows = (name: string) => {
      const out: unknown[][] = [];
      wb.getWorksheet(name)!.eachRow((row) => out.push((row.values as unknown[]).slice(1)));
      return out;
    };
    const analysis = rows('绩效分析');
    expect(analysis).toContainEqual(['指标', '决策', '过程', '产出', '效益', '合计']);
    expect(analysis).toContainEqual(['分值', 15, 17, 34, 34, 100]);
    expect(analysis).toContainEqual(['得分', 2.5, 0, 0, 8.89, 11.39]);
    const indicators = rows('指标体系');
    expect(indicators[0]!.slice(0, 9)).toEqual(['级次', '一级指标', '二级指标', '三级指标', '指标编号', '分值', '得分', '得分率', '状态']);
    const sat = indicators.find((r) => r[4] === 'satisfaction')!;
    expect(sat.slice(0, 9)).toEqual([3, '效益', '满意度', '服务对象满意度', 'satisfaction', 10, 8.89, 0.889, '按满意度计分']);
    expect(sat).toContain('得分 = 分值 × min(满意度 ÷ 90%, 1)');
    expect(sat).toContain('满意度指数 80（按站点分层、服务对象人数加权；受访者 1 人，有效答卷 1 份），得 8.89 分（分值 10 分）');
    expect(indicators.find((r) => r[4] === 'budgeting')).toContain('预算编制较科学');

    const csv = await agent.get(`/admin/evaluations/${e.id}/scorecard.csv`).expect(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.text.charCodeAt(0)).toBe(0xfeff);
    const records = parseCsv(csv.text, { bom: true }) as string[][];
    expect(records[0]!.slice(0, 4)).toEqual(['级次', '一级指标', '二级指标', '三级指标']);
    expect(records.find((r) => r[4] === 'initiation-basis')![3]).toBe('\'=HYPERLINK("http://x")');
    expect(records.find((r) => r[4] === 'satisfaction')!.slice(5, 9)).toEqual(['10', '8.89', '88.90%', '按满意度计分']);
    expect(records[records.length - 1]!.slice(0, 9)).toEqual(['合计', '', '', '', '', '100', '11.39', '11.39%', '差']);
  });

  it('answers 401 without a token, 403 to a read-only token or a viewer writing, and 403 to station staff (the evidence pools every station)', async () => {
    const e = await createViaApi();
    await request(t.app).get('/api/v1/evaluations').expect(401);
    await request(t.app).get(`/api/v1/evaluations/${e.id}/score`).expect(401);
    expect((await api('get', '/evaluations', readToken).expect(200)).body.evaluations).toEqual([expect.objectContaining({ id: e.id, name: '测试评价' })]);
    await api('post', '/evaluations', readToken).send({ name: 'x' }).expect(403);
    await api('put', `/evaluations/${e.id}/scores/budgeting`, readToken).send({ updatedAt: e.updatedAt, score: 1, note: '' }).expect(403);
    await api('post', `/evaluations/${e.id}/lock`, readToken).send({ updatedAt: e.updatedAt }).expect(403);
    const viewer = await loginAs(t, 'viewer');
    const page = await viewer.agent.get(`/admin/evaluations/${e.id}`).expect(200);
    expect(page.text).not.toContain('/indicators/');
    await viewer.agent.post(`/admin/evaluations/${e.id}/lock`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: e.updatedAt }).expect(403);
    await viewer.agent.post('/admin/evaluations').type('form').send({ _csrf: csrfFrom(page.text), name: 'x' }).expect(403);
    const staff = await loginAs(t, 'station', { siteIds: [setup.sites[0]!.id] });
    await staff.agent.get(`/admin/evaluations/${e.id}`).expect(403);
    await staff.agent.get(`/api/v1/evaluations/${e.id}/score`).expect(403);
    await staff.agent.get('/api/v1/evaluations').expect(403);
    expect((await api('get', `/evaluations/${e.id}`).expect(200)).body.evaluation.updatedAt).toBe(e.updatedAt);
  });

  it('refuses a write based on a stale updatedAt with 409 (API and form)', async () => {
    const e = await createViaApi();
    const first = await api('patch', `/evaluations/${e.id}`).send({ updatedAt: e.updatedAt, project: { period: '2025年度' } }).expect(200);
    expect(first.body.evaluation.data.project).toMatchObject({ name: '测试评价', period: '2025年度' });
    const stale = await api('patch', `/evaluations/${e.id}`).send({ updatedAt: e.updatedAt, project: { period: '2024年度' } }).expect(409);
    expect(stale.body.error.code).toBe('conflict');
    await api('patch', `/evaluations/${e.id}`).send({ project: { period: '2024年度' } }).expect(400);
    await api('patch', `/evaluations/${e.id}`).send({ updatedAt: first.body.evaluation.updatedAt, lock: null }).expect(400);
    const { agent } = await loginAs(t, 'evaluator');
    const page = await agent.get(`/admin/evaluations/${e.id}/settings`).expect(200);
    const form = await agent.post(`/admin/evaluations/${e.id}/grades`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: e.updatedAt, excellent: '85', good: '75', fair: '60' }).expect(409);
    expect(form.text).toContain('其他人已修改了这份评价');
    expect(form.text).toContain('value="85"');
    const fresh = await agent.post(`/admin/evaluations/${e.id}/grades`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: first.body.evaluation.updatedAt, excellent: '75', good: '85', fair: '60' }).expect(400);
    expect(fresh.text).toContain('aria-invalid="true"');
    await agent.post(`/admin/evaluations/${e.id}/grades`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: first.body.evaluation.updatedAt, excellent: '85', good: '75', fair: '60' }).expect(303);
    await agent
      .post(`/admin/evaluations/${e.id}/funding`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), updatedAt: await stampOf(e.id), budgetTotal: '199', budgetProvincial: '60', budgetMunicipal: '139', receivedTotal: '110.5', receivedProvincial: '60', receivedMunicipal: '50.5', spent: '104.476', carriedOver: '6.024' })
      .expect(303);
    const stored = (await api('get', `/evaluations/${e.id}`).expect(200)).body.evaluation.data;
    expect(stored.grades).toEqual({ excellent: 85, good: 75, fair: 60 });
    expect(stored.funding).toEqual({ budget: { total: 199, central: 0, provincial: 60, municipal: 139 }, received: { total: 110.5, central: 0, provincial: 60, municipal: 50.5 }, spent: 104.476, carriedOver: 6.024 });
  });

  it('seeds the demo once, labelled as demo, with real tallies and the reference evaluation bound to the demo survey', async () => {
    const empty = await makeTestApp();
    try {
      const result = await seedDemo(empty.deps, { password: 'demo-password-123', responses: 120 });
      if (!result.seeded) throw new Error('not seeded');
      expect(await seedDemo(empty.deps)).toEqual({ seeded: false });
      expect((await empty.store.sites.list()).every((s) => s.isDemo && s.name.includes('示例'))).toBe(true);
      expect(await empty.store.surveys.get(result.surveyId)).toMatchObject({ isDemo: true, status: 'open', responseCount: 120 });
      expect(await verifyTallies(empty.deps, result.surveyId)).toEqual({ same: true });
      const evaluation = await empty.store.evaluations.get(result.evaluationId);
      expect(evaluation).toMatchObject({ isDemo: true, name: '嘉峪关市社会工作服务站项目绩效评价' });
      const demo = request.agent(empty.app);
      const login = await demo.get('/login').expect(200);
      await demo.post('/login').type('form').send({ _csrf: csrfFrom(login.text), username: 'demo', password: 'demo-password-123', next: '/admin' }).expect(303);
      const page = await demo.get(`/admin/evaluations/${result.evaluationId}`).expect(200);
      expect(page.text).toContain('<span class="badge demo">演示</span>');
      expect(page.text).toContain('演示数据：本页内容仅用于演示，不是真实调查。');
      expect(page.text).toContain('<td class="num">95.00%</td><td class="num">96.47%</td><td class="num">75.88%</td>');
      const score = (await demo.get(`/api/v1/evaluations/${result.evaluationId}/score`).expect(200)).body;
      expect(score).toMatchObject({ complete: true, isDemo: true });
      expect(score.satisfaction[0].evidence.valid).toBeGreaterThan(100);
      // 以评促改: the bad reviews opened their cases with the responses, handled since as a station would have.
      const cases = await empty.store.cases.list({ surveyId: result.surveyId });
      expect(result.cases).toBeGreaterThan(10);
      expect(cases).toHaveLength(result.cases);
      expect(new Set(cases.map((c) => c.status))).toEqual(new Set(['open', 'verified', 'actioned', 'closed', 'reviewed']));
      for (const c of cases) {
        expect(await empty.store.responses.get(c.responseId)).toMatchObject({ siteId: c.siteId, isDemo: true });
        const times = c.history.map((e) => e.at);
        expect([...times].sort()).toEqual(times);
        expect(times.every((at) => at >= c.openedAt && at <= new Date().toISOString())).toBe(true);
      }
      const casesPage = await demo.get(`/admin/surveys/${result.surveyId}/cases`).expect(200);
      expect(casesPage.text).toContain(cases.find((c) => c.status === 'closed')!.id.slice(0, 8));
    } finally {
      await empty.close();
    }
  });
});

