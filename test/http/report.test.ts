import request from 'supertest';
import { createApiToken } from '../../server/services/tokens';
import { REFERENCE_FACTS } from '../../server/services/reference-report';
import { addUser, csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { binary, layOut, readDocx } from '../helpers/docx';
import { siteFixture } from '../helpers/fixtures';
import { enterReference, postFacts, referenceRows } from '../helpers/report';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';


const REFERENCE_HEADINGS = ['一、项目基本情况', '二、部门绩效目标', '三、评价基本情况', '四、评价结论和绩效分析', '五、存在问题', '六、有关对策建议', '七、其他需要说明的事项'];
/** The reference's figures: 资金情况 in section 一, 综合评价结论 and 绩效分析 in section 四. */
const FUNDING_FIGURES = ['189', '0', '60', '139', '110.5', '50.5', '104.476', '7', '94.55%'];
const CONCLUSION_FIGURES = ['80.15 分', '良', '95.00%', '96.47%', '75.88%', '69.71%', '80.15%'];
const SYSTEM_SENTENCE = '一级指标4个、二级指标11个、三级指标36个，决策等四个一级指标占比分别为15%、17%、34%、34%';

/** Where each string first occurs at or after `from`; -1 when it does not. */
function inOrder(text: string, items: readonly string[]): number[] {
  let at = 0;
  return items.map((item) => {
    const found = text.indexOf(item, at);
    if (found >= 0) at = found + item.length;
    return found;
  });
}

describe('the evaluation report (绩效评价报告)', () => {
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

  const docx = async (id: string) => (await agent.get(`/admin/evaluations/${id}/report.docx`).buffer(true).parse(binary).expect(200)).body as Buffer;

  it('reproduces the reference as Word: the seven headings in order, every figure, the 指标体系 sentence, the 8 problems and 8 suggestions, and exactly two 核对提示', async () => {
    const id = await enterReference(t, agent, token);
    const res = await agent.get(`/admin/evaluations/${id}/report.docx`).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(res.headers['content-disposition']).toMatch(/^attachment; filename=.*\.docx/);
    const doc = await readDocx(res.body as Buffer);

    for (const text of [doc.text, doc.paragraphs.join('\n')]) {
      const headings = inOrder(text, REFERENCE_HEADINGS);
      expect(headings.every((p) => p >= 0)).toBe(true);
      // Every figure of the reference, each a table cell (a paragraph of its own) in its section.
      const cells = (from: number, to: number) => new Set(text.slice(from, to).split('\n').map((l) => l.trim()));
      const one = cells(headings[0]!, headings[1]!);
      const four = cells(headings[3]!, headings[4]!);
      expect(FUNDING_FIGURES.filter((f) => !one.has(f))).toEqual([]);
      expect(CONCLUSION_FIGURES.filter((f) => !four.has(f))).toEqual([]);
      expect(text).toContain(SYSTEM_SENTENCE);
      const problems = text.slice(headings[4]!, headings[5]);
      const suggestions = text.slice(headings[5]!, headings[6]);
      REFERENCE_FACTS.problems.forEach((p, i) => expect(problems).toContain(`${i + 1}. ${p.text}`));
      REFERENCE_FACTS.suggestions.forEach((s, i) => expect(suggestions).toContain(`${i + 1}. ${s.text}`));
      expect(problems.match(/^\d+\. /gm)).toHaveLength(8);
      expect(suggestions.match(/^\d+\. /gm)).toHaveLength(8);
      const checks = text.split('\n').filter((l) => l.includes('核对提示'));
      expect(checks).toHaveLength(2);
      expect(checks[0]).toContain('60 + 139 = 199 ≠ 189');
      expect(checks[1]).toContain('110.5 − 104.476 = 6.024 ≠ 7');
    }
    // The headings are Word headings (黑体 level 1), found as such, in order.
    expect(doc.headings.filter((h) => h.style === 'Heading1').map((h) => h.text)).toEqual([...REFERENCE_HEADINGS, '附件1 指标体系及评分表']);
    // The 资金情况 and 综合评价结论 cells hold the reference's figures, cell by cell.
    const basics = layOut(doc.tables[0]!).grid;
    expect(basics[5]).toEqual(['资金情况（万元）', '预算安排资金', '189', '实际到位资金', '110.5']);
    expect(basics[10]).toEqual(['资金情况（万元）', '预算执行率', '94.55%', '94.55%', '94.55%']);
    const conclusion = layOut(doc.tables.find((tb) => tb.rows[0]![0]!.text === '综合评价结论')!).grid;
    expect(conclusion).toEqual([
      ['综合评价结论', '评价得分', '评价得分', '80.15 分', '评价等级', '评价等级', '良'],
      ['绩效分析', '指标', '决策', '过程', '产出', '效益', '合计'],
      ['绩效分析', '得分率', '95.00%', '96.47%', '75.88%', '69.71%', '80.15%'],
    ]);
  });

  it('lays Annex 1 out as 指标体系及评分表: 36 indicator rows, the 4 dimensions and 11 second-level indicators as merged cells over their rows, subtotals and the total', async () => {
    const id = await enterReference(t, agent, token);
    const doc = await readDocx(await docx(id));
    const annex = doc.tables.find((tb) => tb.rows[0]!.map((c) => c.text).join('|') === '一级指标|二级指标|三级指标|分值|指标解释|评分标准|得分|扣分原因|佐证材料')!;
    expect(annex).toBeDefined();
    // Every row fills the 9 grid columns (merged cells counted by their span).
    expect(annex.grid).toHaveLength(9);
    for (const row of annex.rows) expect(row.reduce((n, c) => n + c.gridSpan, 0)).toBe(9);
    const { grid, merges } = layOut(annex);
    const indicatorRows = grid.slice(1).filter((r) => r[0] !== r[2] && r[3] !== '');
    expect(indicatorRows).toHaveLength(36);
    const dimensions = merges.filter((m) => m.column === 0);
    expect(dimensions.map((m) => [m.text, m.rows])).toEqual([['决策', 6], ['过程', 9], ['产出', 14], ['效益', 7]]);
    // Second-level indicators: merged over their rows, except 满意度 which has a single indicator (one row, nothing to merge).
    const groups = merges.filter((m) => m.column === 1);
    expect(groups.map((m) => [m.text, m.rows])).toEqual([
      ['项目立项', 2], ['绩效目标', 2], ['资金投入', 2], ['资金管理', 4], ['组织实施', 5], ['产出数量', 6], ['产出质量', 4], ['产出时效', 2], ['产出成本', 2], ['项目效益', 6],
    ]);
    expect(indicatorRows.filter((r) => r[1] === '满意度')).toEqual([['效益', '满意度', '服务对象满意度', '10', expect.any(String), '', '9.10', '服务对象满意度指数81.9，未达到目标值90。', '']]);
    expect(new Set(indicatorRows.map((r) => r[1])).size).toBe(11);
    // A row as the firm lays it out: the indicator's explanation and criteria, score and 扣分原因.
    expect(indicatorRows.find((r) => r[2] === '预算编制科学性')!.slice(3, 8)).toEqual(['3', expect.stringContaining('科学论证'), expect.stringContaining('得1分'), '2.50', '预算测算依据不够细化，部分支出未按标准测算。']);
    expect(indicatorRows.find((r) => r[2] === '立项依据充分性')![7]).toBe('');
    expect(grid.filter((r) => r[0]!.endsWith('小计')).map((r) => [r[0], r[3], r[6], r[7]])).toEqual([
      ['决策小计', '15', '14.25', '得分率95.00%'],
      ['过程小计', '17', '16.40', '得分率96.47%'],
      ['产出小计', '34', '25.80', '得分率75.88%'],
      ['效益小计', '34', '23.70', '得分率69.71%'],
    ]);
    expect(grid[grid.length - 1]!.slice(0, 8)).toEqual(['合计', '合计', '合计', '100', '', '', '80.15', '得分率80.15%，评价等级：良']);
    // Annex 1 is on its own landscape section.
    expect(doc.xml).toMatch(/<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"\/>/);
  });

  it('refuses to lock while an indicator scored below its points has no 扣分原因, naming it, and locks once it has one', async () => {
    const id = await enterReference(t, agent, token);
    const api = (method: 'get' | 'put' | 'post', path: string) => request(t.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
    const stamp = async () => (await api('get', `/evaluations/${id}`).expect(200)).body.evaluation.updatedAt as string;
    await api('put', `/evaluations/${id}/scores/budgeting`).send({ updatedAt: await stamp(), score: 2.5, note: '' }).expect(200);
    await api('put', `/evaluations/${id}/scores/unit-cost`).send({ updatedAt: await stamp(), score: 1.3, note: '   ' }).expect(200);

    const page = await agent.get(`/admin/evaluations/${id}`).expect(200);
    const refused = await agent.post(`/admin/evaluations/${id}/lock`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: await stamp() }).expect(409);
    expect(refused.text).toContain('不能锁定：2 个指标得分低于分值但没有扣分原因：“预算编制科学性”、“人均服务成本”');
    const viaApi = await api('post', `/evaluations/${id}/lock`).send({ updatedAt: await stamp() }).expect(409);
    expect(viaApi.body.error.message).toContain('“预算编制科学性”');
    expect((await api('get', `/evaluations/${id}`).expect(200)).body.evaluation.locked).toBe(false);
    // The annex shows what is missing, before the lock is tried.
    const annex = await agent.get(`/admin/evaluations/${id}/report/indicators`).expect(200);
    expect(annex.text).toContain('有 2 个指标得分低于分值但没有扣分原因');
    const report = await readDocx(await docx(id));
    expect(report.text.split('\n').filter((l) => l === '（缺扣分原因）')).toHaveLength(2);

    await api('put', `/evaluations/${id}/scores/budgeting`).send({ updatedAt: await stamp(), score: 2.5, note: '预算测算依据不够细化。' }).expect(200);
    await api('put', `/evaluations/${id}/scores/unit-cost`).send({ updatedAt: await stamp(), score: 1.3, note: '人均服务成本偏高。' }).expect(200);
    await agent.post(`/admin/evaluations/${id}/lock`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: await stamp() }).expect(303);
    const locked = await api('get', `/evaluations/${id}`).expect(200);
    expect(locked.body.evaluation.locked).toBe(true);
    // Locked, the report's facts are read-only too.
    await postFacts(agent, id, 'goals', { goals: '新的目标' }, 409);
  });

  /** The reference with 服务对象满意度 bound to the template survey, answered at both stations. */
  async function referenceWithSurvey() {
    const id = await enterReference(t, agent, token);
    const setup = await openTemplateSurvey(t);
    const api = (method: 'get' | 'put', path: string) => request(t.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
    const stamp = (await api('get', `/evaluations/${id}`).expect(200)).body.evaluation.updatedAt as string;
    await api('put', `/evaluations/${id}/bindings/satisfaction`).send({ updatedAt: stamp, surveyIds: [setup.survey.id], measure: 'index', rule: { kind: 'ratio', target: 90 } }).expect(200);
    for (const [i, level] of ['5', '4', '4', '3', '5'].entries()) await answer(setup, level, i % 2);
    return { id, setup };
  }

  async function answer(setup: Awaited<ReturnType<typeof openTemplateSurvey>>, level: string, pubIndex: number) {
    const code = setup.pubs[pubIndex]!.code;
    const { agent: phone, fields } = await openForm(t, code);
    t.clock.advance(90_000);
    const likert = Object.fromEntries(['attitude', 'competence', 'timeliness', 'effect', 'environment', 'overall'].map((q) => [`q_${q}`, level]));
    await phone.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers(likert) })).expect(303);
  }

  it('gives a locked evaluation’s report the same bytes on every download but for its generation time, whatever is answered after the lock', async () => {
    const { id, setup } = await referenceWithSurvey();
    const page = await agent.get(`/admin/evaluations/${id}`).expect(200);
    const stamp = /name="updatedAt" value="([^"]+)"/.exec(page.text)![1]!;
    await agent.post(`/admin/evaluations/${id}/lock`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: stamp }).expect(303);

    const first = await docx(id);
    const again = await docx(id);
    expect(again.equals(first)).toBe(true);

    await answer(setup, '1', 0);
    await answer(setup, '1', 1);
    t.clock.advance(3 * 86_400_000);
    ({ agent } = await loginAs(t, 'evaluator'));
    const later = await docx(id);
    expect(later.equals(first)).toBe(false);
    const a = await readDocx(first);
    const b = await readDocx(later);
    expect(Object.keys(b.parts).sort()).toEqual(Object.keys(a.parts).sort());
    const generated = (d: typeof a) => d.paragraphs.find((p) => p.startsWith('生成时间：'))!;
    expect(generated(a)).not.toBe(generated(b));
    for (const path of Object.keys(a.parts)) {
      if (path === 'word/document.xml') expect(b.xml.replace(generated(b), '')).toBe(a.xml.replace(generated(a), ''));
      else expect({ path, same: b.parts[path]!.equals(a.parts[path]!) }).toEqual({ path, same: true });
    }
    // The frozen survey: Annex 2 still counts the five answers of before the lock, with its charts.
    expect(a.text).toContain('附件2 满意度调查情况');
    expect(b.text).toContain('收回问卷5份，有效问卷5份');
    // The paragraph states the estimator the statistics used: the respondent as the unit, stratified by station.
    expect(b.text).toContain('5位受访者回答了满意度题');
    expect(b.text).toMatch(/满意度指数以受访者为分析单位.*总体结果按站点分层/);
    expect(Object.keys(a.parts).filter((p) => p.startsWith('word/media/') && p.endsWith('.png'))).toHaveLength(2);
  });

  it('prints the same report as a page (the print view) with its charts, and audits every download and print', async () => {
    const id = await enterReference(t, agent, token);
    const page = await agent.get(`/admin/evaluations/${id}/report`).expect(200);
    expect(page.text).toContain('<link rel="stylesheet" href="/static/css/evaluation-report.css">');
    const body = page.text.replace(/<[^>]+>/g, '').replace(/\u2060/g, '').replace(/\u00a0/g, ' ');
    expect(inOrder(body, REFERENCE_HEADINGS).every((p) => p >= 0)).toBe(true);
    for (const f of [...FUNDING_FIGURES, ...CONCLUSION_FIGURES]) expect(body).toContain(f);
    expect(body).toContain(SYSTEM_SENTENCE);
    expect(body.match(/核对提示/g)).toHaveLength(2);
    expect(page.text).toContain('<th scope="rowgroup" rowspan="4">基本情况</th>');
    // Figures link back to where they come from.
    expect(page.text).toContain(`href="/admin/evaluations/${id}/settings#funding">189</a>`);
    expect(page.text).toContain(`href="/admin/evaluations/${id}#analysis">`);

    const bound = await referenceWithSurvey();
    const withSurvey = await agent.get(`/admin/evaluations/${bound.id}/report`).expect(200);
    expect(withSurvey.text.match(/<img src="data:image\/png;base64,[A-Za-z0-9+/=]+" alt="[^"]+">/g)).toHaveLength(2);
    expect(withSurvey.text).toContain('附件2 满意度调查情况');

    await docx(id);
    const events = await t.store.audit.list({ limit: 10, targetId: id });
    expect(events.map((e) => e.action)).toEqual(expect.arrayContaining(['report.print', 'report.docx']));
    expect(events.find((e) => e.action === 'report.docx')!.details).toMatchObject({ outline: 'reference', locked: false, sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('serves the report over the API as GET /api/v1/evaluations/{id}/report.docx to those who may read the evaluation', async () => {
    const id = await enterReference(t, agent, token);
    const res = await request(t.app).get(`/api/v1/evaluations/${id}/report.docx`).set('Authorization', `Bearer ${token}`).set('Accept-Language', 'en').buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="[^"]*-report-\d{8}\.docx"/);
    const en = await readDocx(res.body as Buffer);
    expect(en.headings.filter((h) => h.style === 'Heading1').map((h) => h.text)).toEqual([
      '1. The project', '2. The department’s performance objectives', '3. The evaluation', '4. Conclusion and performance analysis', '5. Problems found', '6. Suggestions', '7. Other matters', 'Annex 1 Indicator system and scorecard',
    ]);
    expect(en.text).toContain('80.15 points');
    const reader = (await createApiToken(t.deps, await addUser(t, 'guankan', 'viewer'), { scope: 'read' })).token;
    await request(t.app).get(`/api/v1/evaluations/${id}/report.docx`).set('Authorization', `Bearer ${reader}`).expect(200);
    const site = siteFixture({ code: 'JYG09' });
    await t.store.sites.create(site);
    const staff = await loginAs(t, 'station', { siteIds: [site.id] });
    await staff.agent.get(`/api/v1/evaluations/${id}/report.docx`).expect(403);
    await staff.agent.get(`/admin/evaluations/${id}/report`).expect(403);
    await request(t.app).get(`/api/v1/evaluations/${id}/report.docx`).expect(401);
    await request(t.app).get('/api/v1/evaluations/nope/report.docx').set('Authorization', `Bearer ${token}`).expect(404);
  });

  it('follows the 财预〔2020〕10号 outline from the same facts when the evaluation chooses it', async () => {
    const id = await enterReference(t, agent, token);
    await postFacts(agent, id, 'basics', { ...referenceRows().basics, outline: 'mof2020', experiences: '坚持“财政+第三方机构”模式。' });
    const doc = await readDocx(await docx(id));
    expect(doc.headings.filter((h) => h.style === 'Heading1').map((h) => h.text)).toEqual([
      '一、基本情况', '二、绩效评价工作开展情况', '三、综合评价情况及评价结论（附评分表）', '四、绩效评价指标分析', '五、主要经验及做法、存在的问题及原因分析', '六、有关建议', '七、其他需要说明的问题', '附件1 指标体系及评分表',
    ]);
    expect(doc.text).toContain('决策类指标分值15分，得分14.25分，得分率95.00%。');
    expect(doc.text).toContain('“预算编制科学性”得2.50分（分值3分），扣分原因：预算测算依据不够细化，部分支出未按标准测算。');
    expect(doc.text).toContain('坚持“财政+第三方机构”模式。');
    expect(doc.text).toContain(SYSTEM_SENTENCE);
    for (const p of REFERENCE_FACTS.problems) expect(doc.text).toContain(p.text);
    expect(doc.text.split('\n').filter((l) => l.includes('核对提示'))).toHaveLength(2);
  });
});

