import crypto from 'node:crypto';
import request from 'supertest';
import { describeAuditEvent } from '../../server/domain/audit-words';
import { translator } from '../../server/i18n';
import { createApiToken } from '../../server/services/tokens';
import { addUser, csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { binary, readDocx, type DocxTable } from '../helpers/docx';
import { enterReference, postFacts } from '../helpers/report';
import { formBody } from '../helpers/survey';

type Agent = ReturnType<typeof request.agent>;

function pdf(label: string): Buffer {
  return Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n% ${label}\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1');
}

const HEADER = '序号|存在问题|责任单位|整改期限|整改状态';
const rectTable = (tables: DocxTable[]) => tables.find((tb) => tb.rows[0]!.map((c) => c.text).join('|') === HEADER);

describe('整改 items (rectification of the problems found)', () => {
  let t: TestApp;
  let token: string;
  let agent: Agent;

  beforeEach(async () => {
    t = await makeTestApp();
    // 2027-01-10 10:00 in Beijing.
    t.clock.now = new Date('2027-01-10T02:00:00.000Z');
    const evaluator = await addUser(t, 'pingjia', 'evaluator');
    token = (await createApiToken(t.deps, evaluator, { scope: 'write' })).token;
    ({ agent } = await loginAs(t, 'evaluator'));
  });
  afterEach(async () => {
    await t.close();
  });

  const api = (method: 'get' | 'post' | 'patch', path: string) => request(t.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
  const evaluationOf = async (id: string) => (await api('get', `/evaluations/${id}`).expect(200)).body;

  /** A new evaluation with the problems given (ids p1, p2 …), entered through the facts form. */
  async function withProblems(texts: string[]): Promise<string> {
    const id = (await api('post', '/evaluations').send({ name: '2023年度社工站项目', template: 'reference' }).expect(201)).body.evaluation.id as string;
    const rows: Record<string, string> = { rows: String(texts.length) };
    texts.forEach((text, i) => Object.assign(rows, { [`id.${i}`]: `p${i + 1}`, [`text.${i}`]: text, [`cause.${i}`]: '' }));
    await postFacts(agent, id, 'problems', rows);
    return id;
  }

  /** Posts one item's form as a browser would. */
  async function postItem(who: Agent, id: string, itemId: string, fields: Record<string, string>, status = 303, lang = '') {
    const page = await who.get(`/admin/evaluations/${id}/rectification${lang}`).expect(200);
    const updatedAt = /name="updatedAt" value="([^"]+)"/.exec(page.text)![1]!;
    return who
      .post(`/admin/evaluations/${id}/rectification/${itemId}`)
      .type('form')
      .send(formBody({ _csrf: csrfFrom(page.text), updatedAt, unit: '', deadline: '', status: 'open', reason: '', note: '', ...fields }))
      .expect(status);
  }

  it('lists one item per 存在问题 with its status, marks the overdue ones, and names the zone today is read in', async () => {
    const id = await withProblems(['台账管理不规范', '回访不及时', '宣传覆盖面不足']);
    await postItem(agent, id, 'p1', { unit: '肃州区民政局', deadline: '2027-01-05', status: 'inProgress', note: '已补建部分台账' });
    await postItem(agent, id, 'p2', { unit: '各社工站', deadline: '2027-01-10', status: 'open' });
    await postItem(agent, id, 'p3', { deadline: '2026-12-01', status: 'done', note: '已印发宣传册' });

    // Dates are kept whole on the page with word joiners (keepNumbersWhole).
    const page = (await agent.get(`/admin/evaluations/${id}/rectification`).expect(200)).text.replace(/\u2060/g, '');
    expect(page).toContain('今天是 2027-01-10（北京时间）');
    expect(page).toContain('共 3 项：未整改 1 项，整改中 1 项，已完成 1 项，不再整改 0 项；逾期 1 项。');
    const card = (itemId: string) => page.slice(page.indexOf(`id="item-${itemId}"`), page.indexOf('</li>', page.indexOf(`id="item-${itemId}"`)));
    expect(card('p1')).toContain('台账管理不规范');
    expect(card('p1')).toContain('>整改中</span>');
    expect(card('p1')).toContain('class="badge overdue">逾期</span>');
    // Due today is not yet overdue; done is never overdue.
    expect(card('p2')).not.toContain('逾期</span>');
    expect(card('p3')).not.toContain('逾期</span>');
    expect(card('p1')).toMatch(/最近更新：[^<]*2027-01-10 10:00（北京时间）/);
  });

  it('refuses 不再整改 without a reason, naming the field in the user’s language and keeping the input (400); refuses a form without its CSRF token', async () => {
    const id = await withProblems(['台账管理不规范']);
    const res = await postItem(agent, id, 'p1', { unit: '肃州区民政局', deadline: '2027-03-31', status: 'dropped', note: '项目调整' }, 400);
    expect(res.text).toContain('id="item-p1-reason-error"');
    expect(res.text).toContain('选择“不再整改”时请写明理由。');
    expect(res.text).toContain('value="肃州区民政局"');
    expect(res.text).toContain('value="2027-03-31"');
    expect(res.text).toMatch(/<option value="dropped" selected>/);
    expect(res.text).toContain('>项目调整</textarea>');
    const english = await postItem(agent, id, 'p1', { status: 'dropped' }, 400, '?lang=en');
    expect(english.text).toContain('id="item-p1-reason-error"');
    expect(english.text).toContain('Give a reason when dropping an item.');
    const badDay = await postItem(agent, id, 'p1', { status: 'done', deadline: '31/03/2027' }, 400);
    expect(badDay.text).toContain('id="item-p1-deadline-error"');
    expect(badDay.text).toContain('value="31/03/2027"');
    expect((await evaluationOf(id)).rectification[0]).toMatchObject({ id: 'p1', status: 'open', unit: '', updatedAt: null });

    const page = await agent.get(`/admin/evaluations/${id}/rectification`).expect(200);
    const stamp = /name="updatedAt" value="([^"]+)"/.exec(page.text)![1]!;
    await agent.post(`/admin/evaluations/${id}/rectification/p1`).type('form').send({ updatedAt: stamp, status: 'done' }).expect(403);
    expect((await evaluationOf(id)).rectification[0].status).toBe('open');
  });

  it('stays editable after the lock, while the scores and the report’s facts are refused; a stale form is refused (409)', async () => {
    const id = await enterReference(t, agent, token);
    await api('post', `/evaluations/${id}/lock`).send({ updatedAt: (await evaluationOf(id)).evaluation.updatedAt }).expect(200);
    const page = await agent.get(`/admin/evaluations/${id}/rectification`).expect(200);
    expect(page.text).toContain('评分已锁定：分数和报告内容不能再改，整改事项仍可更新。');
    await postItem(agent, id, 'p1', { unit: '嘉峪关市民政局', deadline: '2024-03-31', status: 'done', note: '已完善预算编制' });
    const after = await evaluationOf(id);
    expect(after.evaluation.locked).toBe(true);
    expect(after.rectification[0]).toMatchObject({ id: 'p1', unit: '嘉峪关市民政局', status: 'done' });
    await postFacts(agent, id, 'basics', { outline: 'mof2020' }, 409);
    await api('patch', `/evaluations/${id}`).send({ updatedAt: after.evaluation.updatedAt, grades: { excellent: 95, good: 85, fair: 60 } }).expect(409);
    // A form based on an older version is stale.
    const stale = /name="updatedAt" value="([^"]+)"/.exec(page.text)![1]!;
    const refused = await agent.post(`/admin/evaluations/${id}/rectification/p2`).type('form').send(formBody({ _csrf: csrfFrom(page.text), updatedAt: stale, unit: 'x', deadline: '', status: 'open', reason: '', note: '' })).expect(409);
    expect(refused.text).toContain('value="x"');
    expect((await evaluationOf(id)).rectification[1].unit).toBe('');
  });

  it('audits every change, and the audit log says it in a sentence', async () => {
    const id = await withProblems(['台账管理不规范']);
    await postItem(agent, id, 'p1', { unit: '肃州区民政局', status: 'inProgress' });
    await postItem(agent, id, 'p1', { unit: '肃州区民政局', status: 'done', note: '已补建' });
    const events = await t.store.audit.list({ limit: 10, action: 'rectification.update' });
    expect(events).toHaveLength(2);
    expect(events[0]!.details).toMatchObject({ itemId: 'p1', changes: { status: { from: 'inProgress', to: 'done' }, note: { from: '', to: '已补建' } } });
    const line = describeAuditEvent(translator('zh-CN'), events[0]!, { timeZone: 'Asia/Shanghai', site: () => undefined, survey: () => undefined, user: () => undefined, evaluation: () => '2023年度社工站项目' });
    expect(line.action).toBe('更新整改事项');
    expect(line.sentence).toBe('问题“台账管理不规范”：整改状态 整改中 → 已完成，整改情况 — → 已补建');
    const admin = await loginAs(t, 'admin');
    const log = await admin.agent.get('/admin/audit?action=rectification.update').expect(200);
    expect(log.text).toContain('整改状态 未整改 → 整改中');
  });

  it('attaches evidence files to an item with the report’s checks and content-hash store, serves them back, and removes them', async () => {
    const id = await withProblems(['台账管理不规范']);
    const upload = async (bytes: Buffer, name: string, status = 303) => {
      const page = await agent.get(`/admin/evaluations/${id}/rectification`).expect(200);
      const stamp = /name="updatedAt" value="([^"]+)"/.exec(page.text)![1]!;
      return agent.post(`/admin/evaluations/${id}/rectification/p1/files`).field('_csrf', csrfFrom(page.text)).field('updatedAt', stamp).attach('file', bytes, name).expect(status);
    };
    const bytes = pdf('整改报告');
    await upload(bytes, '整改报告.pdf');
    const disguised = await upload(Buffer.from('MZ\x90\x00not a pdf', 'latin1'), '整改照片.pdf', 400);
    expect(disguised.text).toContain('id="upload-p1-file-error"');
    expect(disguised.text).toContain('文件内容不是 .pdf 文件');
    await upload(bytes, '同一文件.pdf', 409);
    const [file] = (await evaluationOf(id)).rectification[0].files;
    expect(file).toMatchObject({ name: '整改报告.pdf', sha256: crypto.createHash('sha256').update(bytes).digest('hex') });
    const page = await agent.get(`/admin/evaluations/${id}/rectification`).expect(200);
    expect(page.text).toContain(`href="/admin/evaluations/${id}/files/${file.id}">整改报告.pdf</a>`);
    const got = await agent.get(`/admin/evaluations/${id}/files/${file.id}`).buffer(true).parse(binary).expect(200);
    expect((got.body as Buffer).equals(bytes)).toBe(true);
    expect(got.headers['x-content-type-options']).toBe('nosniff');
    const stamp = /name="updatedAt" value="([^"]+)"/.exec(page.text)![1]!;
    await agent.post(`/admin/evaluations/${id}/rectification/p1/files/${file.id}/remove`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: stamp }).expect(303);
    expect((await evaluationOf(id)).rectification[0].files).toEqual([]);
    const actions = (await t.store.audit.list({ limit: 10, targetId: id })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['rectification.file.upload', 'evaluation.file.download', 'rectification.file.remove']));
  });

  it('lists the items in section 七 of the Word report (read back with mammoth) and of the print page, in both outlines', async () => {
    const id = await enterReference(t, agent, token);
    await postItem(agent, id, 'p1', { unit: '嘉峪关市民政局', deadline: '2024-03-31', status: 'done', note: '已完善预算编制' });
    await postItem(agent, id, 'p2', { unit: '各社工站', deadline: '2024-06-30', status: 'inProgress' });
    await postItem(agent, id, 'p3', { status: 'dropped', reason: '项目已调整' });
    const docx = async () => readDocx((await agent.get(`/admin/evaluations/${id}/report.docx`).buffer(true).parse(binary).expect(200)).body as Buffer);
    const doc = await docx();
    const seven = doc.text.slice(doc.text.indexOf('七、其他需要说明的事项'), doc.text.indexOf('附件1 指标体系及评分表'));
    expect(seven).toContain('存在问题的整改情况见下表（截至2027-01-10 10:00（北京时间））。共8项，其中已完成1项、整改中1项、未整改5项、不再整改1项。');
    for (const text of ['嘉峪关市民政局', '2024年3月31日', '已完成', '各社工站', '2024年6月30日', '整改中', '不再整改（项目已调整）', '未整改']) expect(seven).toContain(text);
    const table = rectTable(doc.tables)!;
    expect(table.rows).toHaveLength(9);
    const rows = table.rows.slice(1).map((r) => r.map((c) => c.text));
    const problems = (await evaluationOf(id)).evaluation.data.report.problems as { text: string }[];
    expect(rows[0]).toEqual(['1', problems[0]!.text.replace(/[。；;，,.\s]+$/u, ''), '嘉峪关市民政局', '2024年3月31日', '已完成']);
    expect(rows[1]!.slice(2)).toEqual(['各社工站', '2024年6月30日', '整改中']);
    expect(rows[2]!.slice(2)).toEqual(['—', '—', '不再整改（项目已调整）']);
    expect(rows.slice(3).map((r) => r[4])).toEqual(['未整改', '未整改', '未整改', '未整改', '未整改']);

    const print = (await agent.get(`/admin/evaluations/${id}/report`).expect(200)).text;
    expect(print).toContain('问题整改情况表');
    expect(print).toContain('不再整改（项目已调整）');

    await postFacts(agent, id, 'basics', { outline: 'mof2020' });
    const mof = await docx();
    const mofSeven = mof.text.slice(mof.text.indexOf('七、其他需要说明的问题'), mof.text.indexOf('附件1 指标体系及评分表'));
    expect(mofSeven).toContain('嘉峪关市民政局');
    expect(rectTable(mof.tables)!.rows).toHaveLength(9);
  });

  it('imports exactly the open items of an earlier evaluation into a new one, linked back, and leaves the earlier one unchanged', async () => {
    const earlier = await withProblems(['台账管理不规范', '回访不及时', '宣传覆盖面不足', '场地不足']);
    await postItem(agent, earlier, 'p1', { unit: '肃州区民政局', deadline: '2027-03-31', status: 'inProgress', note: '已补建部分台账' });
    await postItem(agent, earlier, 'p3', { status: 'done' });
    await postItem(agent, earlier, 'p4', { status: 'dropped', reason: '场地由街道统一调配' });
    const before = await evaluationOf(earlier);

    const created = await api('post', '/evaluations').send({ name: '2024年度社工站项目', importRectificationFrom: earlier }).expect(201);
    const items = created.body.rectification as { id: string; problem: string; status: string; unit: string; carried: boolean; source: { evaluationId: string; itemId: string; evaluationName: string } }[];
    expect(items.map((i) => [i.problem, i.status, i.source.itemId])).toEqual([
      ['台账管理不规范', 'inProgress', 'p1'],
      ['回访不及时', 'open', 'p2'],
    ]);
    expect(items.every((i) => i.carried && i.source.evaluationId === earlier && i.source.evaluationName === '2023年度社工站项目' && !['p1', 'p2'].includes(i.id))).toBe(true);
    expect(items[0]).toMatchObject({ unit: '肃州区民政局' });
    expect(await evaluationOf(earlier)).toEqual(before);
    const audit = await t.store.audit.list({ limit: 5, action: 'rectification.import' });
    expect(audit[0]!.details).toMatchObject({ from: earlier, count: 2, itemIds: ['p1', 'p2'] });

    // The creation form offers it, and the new page links back to the source item.
    const list = await agent.get('/admin/evaluations').expect(200);
    expect(list.text).toContain(`<option value="${earlier}">2023年度社工站项目（2 项未完成）</option>`);
    const viaForm = await agent.post('/admin/evaluations').type('form').send({ _csrf: csrfFrom(list.text), template: 'reference', name: '2025年度', period: '', importRectificationFrom: earlier }).expect(303);
    const newId = viaForm.headers.location!.split('/').pop()!;
    const page = await agent.get(`/admin/evaluations/${newId}/rectification`).expect(200);
    expect(page.text).toContain(`href="/admin/evaluations/${earlier}/rectification#item-p1"`);
    expect(page.text).toContain('上期遗留，来自《2023年度社工站项目》');

    const unknown = await api('post', '/evaluations').send({ name: 'x', importRectificationFrom: 'nope' }).expect(400);
    expect(unknown.body.error.fields.importRectificationFrom).toBeDefined();
  });

  it('PATCH /api/v1/evaluations/{id}/rectification/{itemId} changes the fields sent and answers the items; an unknown item is 404, a missing reason 400', async () => {
    const id = await withProblems(['台账管理不规范', '回访不及时']);
    const stamp = (await evaluationOf(id)).evaluation.updatedAt;
    const res = await api('patch', `/evaluations/${id}/rectification/p2`).send({ updatedAt: stamp, unit: '各社工站', deadline: '2027-01-01' }).expect(200);
    expect(res.body.rectification[1]).toMatchObject({ id: 'p2', problemId: 'p2', problem: '回访不及时', unit: '各社工站', deadline: '2027-01-01', status: 'open', overdue: true });
    expect(res.body.evaluation.data.rectification.items).toHaveLength(1);
    const next = res.body.evaluation.updatedAt;
    await api('patch', `/evaluations/${id}/rectification/p2`).send({ updatedAt: stamp, status: 'done' }).expect(409);
    const refused = await api('patch', `/evaluations/${id}/rectification/p2`).send({ updatedAt: next, status: 'dropped' }).expect(400);
    expect(Object.keys(refused.body.error.fields)).toEqual(['reason']);
    await api('patch', `/evaluations/${id}/rectification/nope`).send({ updatedAt: next, status: 'done' }).expect(404);
    const done = await api('patch', `/evaluations/${id}/rectification/p2`).send({ updatedAt: next, status: 'done' }).expect(200);
    expect(done.body.rectification[1]).toMatchObject({ unit: '各社工站', status: 'done', overdue: false });
  });
});
