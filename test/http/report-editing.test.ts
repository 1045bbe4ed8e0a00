import request from 'supertest';
import { createApiToken } from '../../server/services/tokens';
import { addUser, csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { binary, readDocx } from '../helpers/docx';
import { enterReference, postFacts, referenceRows } from '../helpers/report';
import { formBody } from '../helpers/survey';


describe('editing the report: facts, candidates for 存在问题, expert scoring', () => {
  let t: TestApp;
  let token: string;
  let agent: ReturnType<typeof request.agent>;

  beforeEach(async () => {
    t = await makeTestApp();
    const evaluator = await addUser(t, 'pingjia', 'evaluator');
    token = (await createApiToken(t.deps, evaluator, { scope: 'write' })).token;
    ({ agent } = await loginAs(t, 'evaluator'));
  });
  afterEach(async () => {
    await t.close();
  });

  const api = (method: 'get' | 'post' | 'put' | 'patch', path: string) => request(t.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
  const dataOf = async (id: string) => (await api('get', `/evaluations/${id}`).expect(200)).body.evaluation.data;

  async function newEvaluation(): Promise<string> {
    return ((await api('post', '/evaluations').send({ name: '测试评价', template: 'reference' }).expect(201)).body.evaluation.id as string);
  }

  it('keeps the facts typed in the forms with the evaluation, a new evaluation pre-filled with the template’s 指标解释 and 评分标准', async () => {
    const id = await enterReference(t, agent, token);
    const data = await dataOf(id);
    expect(data.report).toMatchObject({ outline: 'reference', evaluationType: '财政评价', reportDate: '2023-10-20', methods: ['comprehensive', 'comparison', 'factor', 'costBenefit', 'expert', 'publicSatisfaction'] });
    expect(data.report.goals).toHaveLength(5);
    expect(data.report.bases[2]).toEqual({ title: '关于巩固省级示范成果 加快推进乡镇（街道）社工站设立工作的通知', docNo: '甘民电〔2022〕132号' });
    expect(data.report.process.map((s: { name: string }) => s.name)).toEqual(['接受委托任务', '拟定方案', '开展培训', '现场评价', '撰写报告', '结果应用']);
    expect(data.report.problems.map((p: { id: string }) => p.id)).toEqual(['p1', 'p2', 'p3', 'p4', 'p5', 'p6', 'p7', 'p8']);
    expect(data.report.suggestions[5]).toMatchObject({ id: 's6', problemIds: ['p6'] });
    expect(data.report.indicators.budgeting).toEqual({ explanation: expect.stringContaining('预算编制是否经过科学论证'), criteria: expect.stringContaining('得1分'), files: [], surveyRefs: [] });
    const page = await agent.get(`/admin/evaluations/${id}/report/facts`).expect(200);
    expect(page.text).toContain('甘民发〔2021〕125号');
    expect(await t.store.audit.count({ action: 'evaluation.report', targetId: id })).toBe(6);
  });

  it('refuses a step that ends before it starts and a suggestion linked to no known problem, on the row typed, keeping the input (400)', async () => {
    const id = await enterReference(t, agent, token);
    const before = await dataOf(id);
    const process = { ...referenceRows().process, rows: '8', 'name.7': '复核', 'from.7': '2023-10-20', 'to.7': '2023-10-01' };
    const res = await postFacts(agent, id, 'process', process, 400);
    expect(res.text).toContain('id="to-7-error"');
    expect(res.text).toContain('结束日期早于开始日期。');
    expect(res.text).toContain('value="复核"');
    const suggestions = { rows: '3', 'text.2': '加强培训', 'problemIds.2': 'p99' };
    const refused = await postFacts(agent, id, 'suggestions', suggestions, 400);
    expect(refused.text).toContain('问题 p99 不存在。');
    expect(refused.text).toContain('>加强培训</textarea>');
    expect((await dataOf(id)).report).toEqual(before.report);
    // An emptied row is removed; the order is the form's.
    await postFacts(agent, id, 'process', { rows: '3', 'name.0': '拟定方案', 'name.1': '', 'name.2': '现场评价', 'from.2': '2023-09-01' });
    expect((await dataOf(id)).report.process).toEqual([{ name: '拟定方案', from: null, to: null }, { name: '现场评价', from: '2023-09-01', to: null }]);
  });

  it('shows the facts pages in English, with the English template’s indicator texts', async () => {
    const created = await api('post', '/evaluations').set('Accept-Language', 'en').send({ name: 'Test evaluation', template: 'reference' }).expect(201);
    const id = created.body.evaluation.id as string;
    expect(created.body.evaluation.data.report.indicators['initiation-basis'].explanation).toBe('Whether the project complies with laws, policies, development plans and the department’s remit.');
    const page = await agent.get(`/admin/evaluations/${id}/report/facts?lang=en`).expect(200);
    for (const text of ['Report content', 'Outline', 'Objectives of the year', 'Document number', 'comprehensive scoring']) expect(page.text).toContain(text);
    const annex = await agent.get(`/admin/evaluations/${id}/report/indicators/budgeting?lang=en`).expect(200);
    expect(annex.text).toContain('Whether the budget was soundly argued');
  });

  it('offers the indicators that lost most points as candidate problems, adds an accepted one linked to its indicator, and never prints the others', async () => {
    const id = await enterReference(t, agent, token);
    await postFacts(agent, id, 'problems', { rows: '0' });
    const page = await agent.get(`/admin/evaluations/${id}/report/facts`).expect(200);
    // 社会组织培育成效 lost 2.2 points, the most, then 资源链接成效 1.8 and 可持续影响 1.6; the 扣分原因 is offered as the problem.
    const keys = [...page.text.matchAll(/name="key" value="([^"]+)"/g)].map((m) => m[1]);
    expect(keys.slice(0, 3)).toEqual(['indicator:org-incubation', 'indicator:resource-linking', 'indicator:sustainability']);
    const stamp = /name="updatedAt" value="([^"]+)"/.exec(page.text)![1]!;
    await agent.post(`/admin/evaluations/${id}/report/candidates`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: stamp, key: 'indicator:org-incubation' }).expect(303);
    const problems = (await dataOf(id)).report.problems;
    expect(problems).toEqual([{ id: expect.any(String), text: '社会组织孵化能力有待加强。', cause: '', indicatorIds: ['org-incubation'] }]);
    const again = await agent.get(`/admin/evaluations/${id}/report/facts`).expect(200);
    expect(again.text).toContain('已在问题列表中');
    const doc = await readDocx((await agent.get(`/admin/evaluations/${id}/report.docx`).buffer(true).parse(binary).expect(200)).body as Buffer);
    const section = doc.text.slice(doc.text.indexOf('五、存在问题'), doc.text.indexOf('六、有关对策建议'));
    expect(section.match(/^\d+\. /gm)).toEqual(['1. ']);
    expect(section).not.toContain('资源链接能力不足');
    // The suggestions' links to the removed problems went with them.
    expect((await dataOf(id)).report.suggestions.every((x: { problemIds: string[] }) => x.problemIds.length === 0)).toBe(true);
  });

  describe('expert scoring (专家评分)', () => {
    async function expert(name: string) {
      const { agent: a } = await loginAs(t, 'evaluator', { username: name });
      return a;
    }
    async function saveSheet(a: ReturnType<typeof request.agent>, id: string, scores: Record<string, string>, status = 303) {
      const page = await a.get(`/admin/evaluations/${id}/experts/sheet`).expect(200);
      const stamp = /name="updatedAt" value="([^"]+)"/.exec(page.text)![1]!;
      const fields = Object.fromEntries(Object.entries(scores).map(([k, v]) => [`score.${k}`, v]));
      return a.post(`/admin/evaluations/${id}/experts/sheet`).type('form').send(formBody({ _csrf: csrfFrom(page.text), updatedAt: stamp, ...fields })).expect(status);
    }

    it('combines three experts’ independent scores by their mean, flags a divergence over the threshold for 合议, and names the method and the number of experts in the report', async () => {
      const id = await newEvaluation();
      const [wang, li, zhao] = [await expert('zhuanjia-wang'), await expert('zhuanjia-li'), await expert('zhuanjia-zhao')];
      await saveSheet(wang, id, { budgeting: '3', 'initiation-basis': '2.5' });
      // An expert sees only their own sheet.
      const liSheet = await li.get(`/admin/evaluations/${id}/experts/sheet`).expect(200);
      expect(liSheet.text).not.toMatch(/name="score\.budgeting"[^>]*value="3"/);
      await saveSheet(li, id, { budgeting: '2', 'initiation-basis': '2.5' });
      await saveSheet(zhao, id, { budgeting: '2.5', 'initiation-basis': '3' });
      const score = (await api('get', `/evaluations/${id}/score`).expect(200)).body;
      // 预算编制科学性: (3 + 2 + 2.5) / 3 = 2.5; 立项依据充分性: (2.5 + 2.5 + 3) / 3 = 2.67.
      expect(score.dimensions[0]).toMatchObject({ id: 'decision', score: 5.17 });
      const overview = await agent.get(`/admin/evaluations/${id}/experts`).expect(200);
      expect(overview.text).toContain('<p class="kpi" id="expert-count">3</p>');
      expect(overview.text).toContain('算术平均');
      // 3, 2 and 2.5 differ by 1 point: not over the default threshold of 1.
      expect(overview.text).toContain('<p class="kpi" id="divergent-count">0</p>');

      // Over a threshold of 0.5: flagged, and the lock waits for 合议.
      await postPanel(agent, id, { rule: 'auto', threshold: '0.5' });
      const flagged = await agent.get(`/admin/evaluations/${id}/experts`).expect(200);
      expect(flagged.text).toMatch(/<tr id="result-budgeting" class="divergent">/);
      expect(flagged.text).not.toMatch(/<tr id="result-initiation-basis" class="divergent">/);
      // The experts' scores below the points need their 扣分原因 too (the evaluator's note; the score stays the experts').
      for (const [leaf, note] of [['budgeting', '测算依据不够细化。'], ['initiation-basis', '部分依据未列明。']]) {
        const stampNow = (await api('get', `/evaluations/${id}`).expect(200)).body.evaluation.updatedAt as string;
        await api('put', `/evaluations/${id}/scores/${leaf}`).send({ updatedAt: stampNow, score: null, note }).expect(200);
      }
      const current = (await api('get', `/evaluations/${id}`).expect(200)).body.evaluation.updatedAt as string;
      const refusal = await api('post', `/evaluations/${id}/lock`).send({ updatedAt: current }).expect(409);
      expect(refusal.body.error.message).toBe('不能锁定：1 个指标专家评分相差超过阈值，尚未合议：“预算编制科学性”。');
      const page = await agent.get(`/admin/evaluations/${id}/experts`).expect(200);
      expect(page.text).toContain('id="consensus-budgeting"');
      const stamp = /name="updatedAt" value="([^"]+)"/.exec(page.text)![1]!;
      await agent.post(`/admin/evaluations/${id}/experts/consensus/budgeting`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: stamp, score: '2.6', note: '合议后确定' }).expect(303);
      expect((await api('get', `/evaluations/${id}/score`).expect(200)).body.dimensions[0].score).toBe(5.27);
      await api('post', `/evaluations/${id}/lock`).send({ updatedAt: (await api('get', `/evaluations/${id}`).expect(200)).body.evaluation.updatedAt }).expect(200);

      const doc = await readDocx((await agent.get(`/admin/evaluations/${id}/report.docx`).buffer(true).parse(binary).expect(200)).body as Buffer);
      expect(doc.text).toContain('专家评分：由3位专家独立评分，各指标得分取专家评分的算术平均值；专家评分相差超过0.5分的1个指标经专家合议确定得分。');
      expect(doc.text).toContain('经专家合议确定得分的指标：预算编制科学性。');
      const audit = await t.store.audit.list({ limit: 20, targetId: id });
      expect(audit.filter((e) => e.action === 'evaluation.expertScores')).toHaveLength(3);
      expect(audit.find((e) => e.action === 'evaluation.consensus')!.details).toMatchObject({ indicatorId: 'budgeting', score: 2.6 });
    });

    it('takes the trimmed mean with five experts, refuses a score above the points on the field, and lets no viewer keep a sheet', async () => {
      const id = await newEvaluation();
      for (const [name, s] of [['expert-1', '1'], ['expert-2', '2'], ['expert-3', '2'], ['expert-4', '2.5'], ['expert-5', '3']] as const) await saveSheet(await expert(name), id, { budgeting: s });
      // Without the highest (3) and lowest (1): (2 + 2 + 2.5) / 3 = 2.17.
      expect((await api('get', `/evaluations/${id}/score`).expect(200)).body.dimensions[0].score).toBe(2.17);
      const overview = await agent.get(`/admin/evaluations/${id}/experts`).expect(200);
      expect(overview.text).toContain('去掉最高分和最低分后平均');
      const refused = await saveSheet(await expert('expert-6'), id, { budgeting: '3.5' }, 400);
      expect(refused.text).toContain('“预算编制科学性”的得分 3.5 超过了分值 3 分。');
      expect(refused.text).toContain('value="3.5"');
      const viewer = await loginAs(t, 'viewer');
      await viewer.agent.get(`/admin/evaluations/${id}/experts/sheet`).expect(403);
      await viewer.agent.get(`/admin/evaluations/${id}/experts`).expect(200);
    });
  });
});

async function postPanel(agent: ReturnType<typeof request.agent>, id: string, fields: Record<string, string>) {
  const page = await agent.get(`/admin/evaluations/${id}/experts`).expect(200);
  const stamp = /name="updatedAt" value="([^"]+)"/.exec(page.text)![1]!;
  await agent.post(`/admin/evaluations/${id}/experts/panel`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: stamp, ...fields }).expect(303);
}
