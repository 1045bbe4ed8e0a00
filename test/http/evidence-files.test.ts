import crypto from 'node:crypto';
import request from 'supertest';
import { EVIDENCE_MAX_BYTES } from '../../server/domain/report/facts';
import { createApiToken } from '../../server/services/tokens';
import { addUser, csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { binary, readDocx } from '../helpers/docx';
import { siteFixture } from '../helpers/fixtures';

type Agent = ReturnType<typeof request.agent>;


/** A small but real PDF (header, one empty page, trailer). */
function pdf(label: string): Buffer {
  return Buffer.from(`%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n% ${label}\ntrailer << /Root 1 0 R >>\n%%EOF\n`, 'latin1');
}
const PNG_BYTES = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8ffff3f0005fe02fea7d6a4f80000000049454e44ae426082', 'hex');

describe('evidence files (佐证材料)', () => {
  let t: TestApp;
  let agent: Agent;
  let id: string;
  let token: string;

  beforeEach(async () => {
    t = await makeTestApp();
    const evaluator = await addUser(t, 'pingjia', 'evaluator');
    token = (await createApiToken(t.deps, evaluator, { scope: 'write' })).token;
    ({ agent } = await loginAs(t, 'evaluator'));
    id = (await request(t.app).post('/api/v1/evaluations').set('Authorization', `Bearer ${token}`).send({ name: '测试评价', template: 'reference' }).expect(201)).body.evaluation.id;
  });
  afterEach(async () => {
    await t.close();
  });

  async function upload(who: Agent, indicator: string, bytes: Buffer, name: string, status = 303) {
    const page = await who.get(`/admin/evaluations/${id}/report/indicators/${indicator}`).expect(200);
    const stamp = /name="updatedAt" value="([^"]+)"/.exec(page.text)![1]!;
    return who.post(`/admin/evaluations/${id}/report/indicators/${indicator}/files`).field('_csrf', csrfFrom(page.text)).field('updatedAt', stamp).attach('file', bytes, name).expect(status);
  }
  const filesOf = async (indicator: string) =>
    ((await request(t.app).get(`/api/v1/evaluations/${id}`).set('Authorization', `Bearer ${token}`).expect(200)).body.evaluation.data.report.indicators[indicator]?.files ?? []) as { id: string; name: string; sha256: string; size: number }[];

  it('attaches an uploaded file to an indicator, lists it by name in Annex 1, and serves it back byte for byte as an attachment with nosniff', async () => {
    const bytes = pdf('财务凭证抽查记录');
    await upload(agent, 'financial-management', bytes, '财务凭证抽查记录.pdf');
    const [file] = await filesOf('financial-management');
    expect(file).toMatchObject({ name: '财务凭证抽查记录.pdf', size: bytes.length, sha256: crypto.createHash('sha256').update(bytes).digest('hex'), type: 'application/pdf' });
    const page = await agent.get(`/admin/evaluations/${id}/report/indicators/financial-management`).expect(200);
    expect(page.text).toContain(`href="/admin/evaluations/${id}/files/${file!.id}">财务凭证抽查记录.pdf</a>`);

    const res = await agent.get(`/admin/evaluations/${id}/files/${file!.id}`).buffer(true).parse(binary).expect(200);
    expect((res.body as Buffer).equals(bytes)).toBe(true);
    expect(res.headers['content-type']).toBe('application/pdf');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['content-disposition']).toBe(`attachment; filename="????????.pdf"; filename*=UTF-8''${encodeURIComponent('财务凭证抽查记录.pdf')}`);
    expect(res.headers['content-security-policy']).toBe("default-src 'none'; sandbox");

    const doc = await readDocx((await agent.get(`/admin/evaluations/${id}/report.docx`).buffer(true).parse(binary).expect(200)).body as Buffer);
    const annex = doc.tables.find((tb) => tb.rows[0]!.some((c) => c.text === '佐证材料'))!;
    const row = annex.rows.find((r) => r.some((c) => c.text === '财务管理规范性'))!;
    expect(row[row.length - 1]!.text).toBe('财务凭证抽查记录.pdf');
    const actions = (await t.store.audit.list({ limit: 10, targetId: id })).map((e) => e.action);
    expect(actions).toEqual(expect.arrayContaining(['evaluation.file.upload', 'evaluation.file.download']));
  });

  it('stores the same bytes once however often they are attached, and refuses the same file twice on one indicator', async () => {
    const bytes = pdf('同一份文件');
    await upload(agent, 'record-keeping', bytes, '档案检查.pdf');
    await upload(agent, 'financial-management', bytes, '同一文件另一个名字.pdf');
    const uploads = (await t.store.audit.list({ limit: 10, action: 'evaluation.file.upload' })).reverse();
    expect(uploads.map((e) => e.details.stored)).toEqual(['new', 'existing']);
    expect(uploads[0]!.details.sha256).toBe(uploads[1]!.details.sha256);
    const twice = await upload(agent, 'record-keeping', bytes, '档案检查-副本.pdf', 409);
    expect(twice.text).toContain('这个文件已经是“档案管理规范性”的佐证材料。');
    expect(await filesOf('record-keeping')).toHaveLength(1);
    // Both names serve the one blob.
    const [a] = await filesOf('record-keeping');
    const [b] = await filesOf('financial-management');
    const gotA = await agent.get(`/admin/evaluations/${id}/files/${a!.id}`).buffer(true).parse(binary).expect(200);
    const gotB = await agent.get(`/admin/evaluations/${id}/files/${b!.id}`).buffer(true).parse(binary).expect(200);
    expect((gotA.body as Buffer).equals(gotB.body as Buffer)).toBe(true);
    expect(gotB.headers['content-disposition']).toContain(encodeURIComponent('同一文件另一个名字.pdf'));
  });

  it('refuses a file over the size limit (413), of a type not accepted, or whose bytes are not what its name says (400), storing nothing', async () => {
    const big = Buffer.alloc(EVIDENCE_MAX_BYTES + 1, 0x20);
    pdf('x').copy(big);
    const tooBig = await upload(agent, 'budgeting', big, '预算测算表.pdf', 413);
    expect(tooBig.text).toContain('文件超过 10 MB');
    const exe = await upload(agent, 'budgeting', Buffer.from('MZ\x90\x00', 'latin1'), 'setup.exe', 400);
    expect(exe.text).toContain('只能上传这些类型的文件：pdf, png, jpg, jpeg, gif, webp, docx, xlsx, pptx, doc, xls, ppt。');
    const disguised = await upload(agent, 'budgeting', Buffer.from('<html><script>alert(1)</script></html>'), '预算.pdf', 400);
    expect(disguised.text).toContain('文件内容不是 .pdf 文件');
    expect(disguised.text).toContain('id="evidence-file-error"');
    const empty = await upload(agent, 'budgeting', Buffer.alloc(0), 'empty.pdf', 400);
    expect(empty.text).toContain('请选择要上传的文件。');
    expect(await filesOf('budgeting')).toEqual([]);
    expect(await t.store.audit.count({ action: 'evaluation.file.upload' })).toBe(0);
    // An image is served as what it is.
    await upload(agent, 'budgeting', PNG_BYTES, '现场照片.PNG');
    const [photo] = await filesOf('budgeting');
    const res = await agent.get(`/admin/evaluations/${id}/files/${photo!.id}`).expect(200);
    expect(res.headers['content-type']).toBe('image/png');
    expect(res.headers['content-disposition']).toMatch(/^attachment;/);
    // A right-to-left override cannot make a PDF's name read as a picture's.
    await upload(agent, 'budgeting', pdf('伪装'), '照片\u202Egpj.pdf');
    expect((await filesOf('budgeting')).map((f) => f.name)).toEqual(['现场照片.PNG', '照片_gpj.pdf']);
  });

  it('lets whoever may read the evaluation download, only admins and evaluators upload or remove, and no file outside the evaluation be reached', async () => {
    await upload(agent, 'record-keeping', pdf('档案'), '档案.pdf');
    const [file] = await filesOf('record-keeping');
    const viewer = await loginAs(t, 'viewer');
    await viewer.agent.get(`/admin/evaluations/${id}/files/${file!.id}`).expect(200);
    await upload(viewer.agent, 'record-keeping', pdf('看'), '看.pdf', 403);
    const site = siteFixture({ code: 'JYG08' });
    await t.store.sites.create(site);
    const staff = await loginAs(t, 'station', { siteIds: [site.id] });
    await staff.agent.get(`/admin/evaluations/${id}/files/${file!.id}`).expect(403);
    await request(t.app).get(`/admin/evaluations/${id}/files/${file!.id}`).expect(303);
    // Another evaluation does not serve this one's file, nor does a file id that names nothing.
    const other = (await request(t.app).post('/api/v1/evaluations').set('Authorization', `Bearer ${token}`).send({ name: '另一个评价' }).expect(201)).body.evaluation.id;
    await agent.get(`/admin/evaluations/${other}/files/${file!.id}`).expect(404);
    await agent.get(`/admin/evaluations/${id}/files/${file!.sha256}`).expect(404);
    // A form without its CSRF token changes nothing.
    await agent.post(`/admin/evaluations/${id}/report/indicators/record-keeping/files`).attach('file', pdf('无令牌'), '无令牌.pdf').expect(403);

    const page = await agent.get(`/admin/evaluations/${id}/report/indicators/record-keeping`).expect(200);
    const stamp = /name="updatedAt" value="([^"]+)"/.exec(page.text)![1]!;
    await agent.post(`/admin/evaluations/${id}/report/indicators/record-keeping/files/${file!.id}/remove`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: stamp }).expect(303);
    expect(await filesOf('record-keeping')).toEqual([]);
    await agent.get(`/admin/evaluations/${id}/files/${file!.id}`).expect(404);
    expect((await t.store.audit.list({ limit: 1, action: 'evaluation.file.remove' }))[0]!.details).toMatchObject({ indicatorId: 'record-keeping', name: '档案.pdf' });
  });

  it('refuses uploads to a locked evaluation and keeps serving its files', async () => {
    await upload(agent, 'record-keeping', pdf('锁定前'), '锁定前.pdf');
    const stamp = (await request(t.app).get(`/api/v1/evaluations/${id}`).set('Authorization', `Bearer ${token}`).expect(200)).body.evaluation.updatedAt;
    await request(t.app).post(`/api/v1/evaluations/${id}/lock`).set('Authorization', `Bearer ${token}`).send({ updatedAt: stamp }).expect(200);
    const refused = await upload(agent, 'record-keeping', pdf('锁定后'), '锁定后.pdf', 409);
    expect(refused.text).toContain('这份评价已锁定，不能修改。');
    expect(await filesOf('record-keeping')).toHaveLength(1);
    const [file] = await filesOf('record-keeping');
    await agent.get(`/admin/evaluations/${id}/files/${file!.id}`).expect(200);
  });
});
