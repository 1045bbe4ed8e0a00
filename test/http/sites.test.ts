import iconv from 'iconv-lite';
import request from 'supertest';
import { createApiToken } from '../../server/services/tokens';
import { siteFixture } from '../helpers/fixtures';
import { addUser, csrfFrom, csrfOf, loginAs, makeTestApp, type TestApp } from '../helpers/app';

const HEADER = '站点编码,站点名称,所属乡镇街道,类型,服务对象人数';

describe('sites (服务站点): admin pages', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  const codes = async () => (await t.store.sites.list()).map((s) => s.code);

  it('creates a site from the form, lists it and audits it', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const form = await agent.get('/admin/sites/new').expect(200);
    expect(form.text).toContain('<label for="code">站点编码</label>');
    const res = await agent
      .post('/admin/sites')
      .type('form')
      .send({ _csrf: csrfFrom(form.text), code: 'JYG01', name: '城关镇社工站', township: '城关镇', kind: 'township', recipients: '1,200' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/sites');

    const site = await t.store.sites.getByCode('JYG01');
    expect(site).toMatchObject({ name: '城关镇社工站', township: '城关镇', kind: 'township', recipients: 1200, active: true, isDemo: false });
    const list = await agent.get('/admin/sites').expect(200);
    expect(list.text).toContain('已新增站点 JYG01。');
    expect(list.text).toContain('城关镇社工站');
    expect(list.text).toContain('启用（1）');
    // The confirmation is shown once.
    expect((await agent.get('/admin/sites').expect(200)).text).not.toContain('已新增站点');
    const events = await t.store.audit.list({ limit: 10, action: 'site.create' });
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ targetType: 'site', targetId: site!.id, details: { code: 'JYG01' } });
  });

  it('rejects bad input with 400, the messages beside their fields and the input kept, storing nothing', async () => {
    const { agent } = await loginAs(t, 'admin');
    const csrf = await csrfOf(agent, '/admin/sites/new');
    const res = await agent
      .post('/admin/sites')
      .type('form')
      .send({ _csrf: csrf, code: 'bad code!', name: '', township: '<b>镇</b>', kind: 'village', recipients: '很多' });
    expect(res.status).toBe(400);
    expect(res.text).toContain('提交的内容有误，请按提示修改。');
    expect(res.text).toContain('<p class="field-error" id="code-error">站点编码只能包含 1–32 个字母、数字、横线或下划线。</p>');
    expect(res.text).toContain('<p class="field-error" id="name-error">此项为必填。</p>');
    expect(res.text).toContain('id="kind-error">类型只能填“乡镇”或“街道”。');
    expect(res.text).toContain('id="recipients-error">服务对象人数应填写不小于 0 的整数');
    expect(res.text).toContain('value="bad code!"');
    expect(res.text).toContain('value="很多"');
    expect(res.text).toContain('value="&lt;b&gt;镇&lt;/b&gt;"');
    expect(res.text).not.toContain('<b>镇</b>');
    expect(await codes()).toEqual([]);
    expect(await t.store.audit.count({ action: 'site.create' })).toBe(0);
  });

  it('refuses a code that another site already uses, beside the code field', async () => {
    await t.store.sites.create(siteFixture({ code: 'JYG01' }));
    const { agent } = await loginAs(t, 'evaluator');
    const csrf = await csrfOf(agent, '/admin/sites/new');
    const res = await agent.post('/admin/sites').type('form').send({ _csrf: csrf, code: 'JYG01', name: '另一个站', kind: 'street', recipients: '' });
    expect(res.status).toBe(409);
    expect(res.text).toContain('id="code-error">站点编码 JYG01 已被使用。');
    expect(res.text).toContain('value="另一个站"');
    expect(await t.store.sites.list()).toHaveLength(1);
  });

  it('edits a site, audits what changed, and keeps the input when the edit is wrong', async () => {
    const site = siteFixture({ code: 'A1', name: '旧名称', township: '旧镇', recipients: 100 });
    await t.store.sites.create(site);
    const { agent } = await loginAs(t, 'evaluator');
    const form = await agent.get(`/admin/sites/${site.id}/edit`).expect(200);
    expect(form.text).toContain('编辑站点：旧名称');
    expect(form.text).toContain('value="旧镇"');
    const csrf = csrfFrom(form.text);

    const bad = await agent.post(`/admin/sites/${site.id}`).type('form').send({ _csrf: csrf, code: 'A1', name: 'x'.repeat(101), township: '新镇', kind: 'street', recipients: '5' });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('不能超过 100 个字符。');
    expect(bad.text).toContain('value="新镇"');
    expect(await t.store.sites.get(site.id)).toMatchObject({ name: '旧名称', township: '旧镇' });

    await agent
      .post(`/admin/sites/${site.id}`)
      .type('form')
      .send({ _csrf: csrf, code: 'A1', name: '新名称', township: '新镇', kind: 'street', recipients: '' })
      .expect(303);
    expect(await t.store.sites.get(site.id)).toMatchObject({ code: 'A1', name: '新名称', township: '新镇', kind: 'street', recipients: null, active: true });
    const [event] = await t.store.audit.list({ limit: 5, action: 'site.update' });
    expect(event!.details).toEqual({
      code: 'A1',
      changes: {
        name: { from: '旧名称', to: '新名称' },
        township: { from: '旧镇', to: '新镇' },
        kind: { from: 'township', to: 'street' },
        recipients: { from: 100, to: null },
      },
    });
  });

  it('deactivates and reactivates a site, filtering the list by status', async () => {
    const a = siteFixture({ code: 'A1', name: '甲站' });
    const b = siteFixture({ code: 'B1', name: '乙站' });
    await t.store.sites.createMany([a, b]);
    const { agent } = await loginAs(t, 'evaluator');
    const list = await agent.get('/admin/sites').expect(200);
    await agent.post(`/admin/sites/${a.id}/active`).type('form').send({ _csrf: csrfFrom(list.text), active: 'false' }).expect(303);
    expect(await t.store.sites.get(a.id)).toMatchObject({ active: false });

    const after = await agent.get('/admin/sites').expect(200);
    expect(after.text).toContain('已停用站点 A1。');
    expect(after.text).toContain('启用（1）');
    expect(after.text).toContain('已停用（1）');
    const inactive = await agent.get('/admin/sites?status=inactive').expect(200);
    expect(inactive.text).toContain('甲站');
    expect(inactive.text).not.toContain('乙站');
    expect(inactive.text).toContain('重新启用');

    await agent.post(`/admin/sites/${a.id}/active`).type('form').send({ _csrf: csrfFrom(inactive.text), active: 'true' }).expect(303);
    expect(await t.store.sites.get(a.id)).toMatchObject({ active: true });
    expect(await t.store.audit.count({ action: 'site.deactivate', targetId: a.id })).toBe(1);
    expect(await t.store.audit.count({ action: 'site.activate', targetId: a.id })).toBe(1);
  });

  it('lets viewers and station staff look at sites but not change them', async () => {
    const site = siteFixture({ code: 'A1' });
    await t.store.sites.create(site);
    for (const role of ['viewer', 'station'] as const) {
      const { agent } = await loginAs(t, role, { siteIds: role === 'station' ? [site.id] : [] });
      const list = await agent.get('/admin/sites').expect(200);
      expect(list.text).toContain(site.name);
      expect(list.text).not.toContain('新增站点');
      expect(list.text).not.toContain('/active');
      const csrf = csrfFrom(list.text);
      await agent.get('/admin/sites/new').expect(403);
      await agent.get(`/admin/sites/${site.id}/edit`).expect(403);
      await agent.get('/admin/sites/import').expect(403);
      await agent.post('/admin/sites').type('form').send({ _csrf: csrf, code: 'X1', name: 'x', kind: 'street' }).expect(403);
      await agent.post(`/admin/sites/${site.id}`).type('form').send({ _csrf: csrf, code: 'A1', name: 'changed', kind: 'street' }).expect(403);
      await agent.post(`/admin/sites/${site.id}/active`).type('form').send({ _csrf: csrf, active: 'false' }).expect(403);
      await agent
        .post('/admin/sites/import')
        .field('_csrf', csrf)
        .attach('file', Buffer.from(`${HEADER}\nX2,x,,街道,\n`), 'sites.csv')
        .expect(403);
    }
    expect(await codes()).toEqual(['A1']);
    expect(await t.store.sites.get(site.id)).toMatchObject({ name: site.name, active: true });
  });

  it('shows station staff only their own sites', async () => {
    const mine = siteFixture({ code: 'MINE', name: '我的站点' });
    const other = siteFixture({ code: 'OTHER', name: '别人的站点' });
    await t.store.sites.createMany([mine, other]);
    const { agent } = await loginAs(t, 'station', { siteIds: [mine.id] });
    const list = await agent.get('/admin/sites').expect(200);
    expect(list.text).toContain('我的站点');
    expect(list.text).not.toContain('别人的站点');
    expect(list.text).toContain('全部（1）');
    const api = await agent.get('/api/v1/sites').expect(200);
    expect(api.body.sites.map((s: { code: string }) => s.code)).toEqual(['MINE']);
    await agent.get(`/api/v1/sites/${mine.id}`).expect(200);
    await agent.get(`/api/v1/sites/${other.id}`).expect(404);
  });
});

describe('sites: CSV import page', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  async function importer() {
    const { agent } = await loginAs(t, 'evaluator');
    const page = await agent.get('/admin/sites/import').expect(200);
    expect(page.text).toContain('enctype="multipart/form-data"');
    return { agent, csrf: csrfFrom(page.text) };
  }

  it('imports every row of a UTF-8 file with a BOM and audits the import', async () => {
    const { agent, csrf } = await importer();
    const csv = `\uFEFF${HEADER}\r\nJYG01,城关镇社工站,城关镇,乡镇,1200\r\nJYG02,东街街道社工站,东街街道,街道,\r\n`;
    const res = await agent.post('/admin/sites/import').field('_csrf', csrf).attach('file', Buffer.from(csv), { filename: 'sites.csv', contentType: 'text/csv' });
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/admin/sites');
    const sites = await t.store.sites.list();
    expect(sites.map((s) => [s.code, s.name, s.kind, s.recipients])).toEqual([
      ['JYG01', '城关镇社工站', 'township', 1200],
      ['JYG02', '东街街道社工站', 'street', null],
    ]);
    expect((await agent.get('/admin/sites').expect(200)).text).toContain('已导入 2 个站点。');
    const [event] = await t.store.audit.list({ limit: 5, action: 'site.import' });
    expect(event!.details).toEqual({ count: 2, encoding: 'utf-8-bom', codes: ['JYG01', 'JYG02'] });
  });

  it('imports a GBK file saved by Chinese Excel', async () => {
    const { agent, csrf } = await importer();
    const bytes = iconv.encode(`${HEADER}\r\nJYG01,城关镇社工站,城关镇,乡镇,1200\r\n`, 'gbk');
    await agent.post('/admin/sites/import').field('_csrf', csrf).attach('file', bytes, 'sites.csv').expect(303);
    expect(await t.store.sites.getByCode('JYG01')).toMatchObject({ name: '城关镇社工站', township: '城关镇' });
  });

  it('refuses a file with one bad row: 400, a report by row, and nothing stored', async () => {
    const { agent, csrf } = await importer();
    const csv = `${HEADER}\nJYG01,城关镇社工站,城关镇,乡镇,1200\nJYG02,,东街,村,\nJYG01,重复,,街道,\n`;
    const res = await agent.post('/admin/sites/import').field('_csrf', csrf).attach('file', Buffer.from(csv), 'sites.csv');
    expect(res.status).toBe(400);
    expect(res.text).toContain('文件中有 3 处问题，没有导入任何站点。');
    expect(res.text).toMatch(/<td class="num">3<\/td><td>站点名称<\/td><td>此项为必填。<\/td>/);
    expect(res.text).toMatch(/<td class="num">3<\/td><td>类型<\/td><td>类型只能填“乡镇”或“街道”。<\/td>/);
    expect(res.text).toMatch(/<td class="num">4<\/td><td>站点编码<\/td><td>站点编码 JYG01 在文件中重复（第 2 行已经用过）。<\/td>/);
    expect(await t.store.sites.list()).toEqual([]);
    expect(await t.store.audit.count({ action: 'site.import' })).toBe(0);
  });

  it('refuses a file whose code is already taken, storing none of its rows', async () => {
    await t.store.sites.create(siteFixture({ code: 'OLD1' }));
    const { agent, csrf } = await importer();
    const csv = `code,name,kind\nNEW1,新站,street\nOLD1,旧编码,street\n`;
    const res = await agent.post('/admin/sites/import').field('_csrf', csrf).attach('file', Buffer.from(csv), 'sites.csv');
    expect(res.status).toBe(400);
    expect(res.text).toMatch(/<td class="num">3<\/td><td>站点编码<\/td><td>站点编码 OLD1 已被使用。<\/td>/);
    expect((await t.store.sites.list()).map((s) => s.code)).toEqual(['OLD1']);
  });

  it('explains a file it cannot read: wrong encoding, a workbook, no file, too large', async () => {
    const { agent, csrf } = await importer();
    const post = () => agent.post('/admin/sites/import').field('_csrf', csrf);
    const broken = await post().attach('file', Buffer.from([0x63, 0x6f, 0x64, 0x65, 0x0a, 0xe9, 0x2c, 0xff]), 'x.csv');
    expect(broken.status).toBe(400);
    expect(broken.text).toContain('无法识别文件的文字编码');
    const workbook = await post().attach('file', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]), 'sites.xlsx');
    expect(workbook.text).toContain('这是 Excel 工作簿');
    const none = await post().expect(400);
    expect(none.text).toContain('请选择要上传的 CSV 文件。');
    const big = await post().attach('file', Buffer.alloc(1024 * 1024 + 10, 0x61), 'big.csv');
    expect(big.status).toBe(413);
    expect(big.text).toContain('文件超过 1 MB');
    expect(await t.store.sites.list()).toEqual([]);
  });

  it('refuses an upload without a valid CSRF token and stores nothing', async () => {
    const { agent } = await importer();
    const csv = Buffer.from(`${HEADER}\nJYG01,站,,乡镇,\n`);
    const missing = await agent.post('/admin/sites/import').attach('file', csv, 'sites.csv');
    expect(missing.status).toBe(403);
    expect(missing.text).toContain('页面已过期或表单来源无法验证');
    await agent.post('/admin/sites/import').field('_csrf', 'forged').attach('file', csv, 'sites.csv').expect(403);
    await request(t.app).post('/admin/sites/import').attach('file', csv, 'sites.csv').expect(401);
    expect(await t.store.sites.list()).toEqual([]);
  });

  it('offers a header template that reads back as an empty import', async () => {
    const { agent } = await importer();
    const res = await agent.get('/admin/sites/import/template.csv').buffer(true).expect(200);
    expect(res.headers['content-type']).toContain('text/csv');
    expect(res.headers['content-disposition']).toContain('attachment');
    expect(res.text).toBe(`\uFEFF${HEADER}\r\n`);
  });
});

describe('sites: /api/v1/sites', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  async function token(role: 'admin' | 'evaluator' | 'viewer' | 'station', scope: 'read' | 'write', siteIds: string[] = []) {
    const user = await addUser(t, `${role}-${scope}-${Math.random().toString(36).slice(2, 6)}`, role, siteIds);
    return `Bearer ${(await createApiToken(t.deps, user, { scope })).token}`;
  }

  it('creates, lists, reads and patches sites with a write token', async () => {
    const auth = await token('evaluator', 'write');
    const created = await request(t.app)
      .post('/api/v1/sites')
      .set('Authorization', auth)
      .send({ code: 'API1', name: 'API 站', township: '城关镇', kind: 'street', recipients: 50 })
      .expect(201);
    expect(created.body.site).toMatchObject({ code: 'API1', name: 'API 站', township: '城关镇', kind: 'street', recipients: 50, active: true });
    expect(created.headers.location).toBe(`/api/v1/sites/${created.body.site.id}`);
    const id = created.body.site.id as string;

    const patched = await request(t.app).patch(`/api/v1/sites/${id}`).set('Authorization', auth).send({ recipients: 75, active: false }).expect(200);
    // Fields left out of a PATCH stay as they were.
    expect(patched.body.site).toMatchObject({ code: 'API1', township: '城关镇', recipients: 75, active: false });
    expect(await t.store.sites.get(id)).toMatchObject({ township: '城关镇', recipients: 75, active: false });

    await request(t.app).get(`/api/v1/sites/${id}`).set('Authorization', auth).expect(200);
    const active = await request(t.app).get('/api/v1/sites?active=true').set('Authorization', auth).expect(200);
    expect(active.body.sites).toEqual([]);
    const inactive = await request(t.app).get('/api/v1/sites?active=false').set('Authorization', auth).expect(200);
    expect(inactive.body.sites.map((s: { code: string }) => s.code)).toEqual(['API1']);
    await request(t.app).get('/api/v1/sites?active=maybe').set('Authorization', auth).expect(400);

    expect(await t.store.audit.count({ action: 'site.create', targetId: id })).toBe(1);
    expect(await t.store.audit.count({ action: 'site.update', targetId: id })).toBe(1);
    expect(await t.store.audit.count({ action: 'site.deactivate', targetId: id })).toBe(1);
  });

  it('works with a session too, which needs the CSRF header for writes', async () => {
    const { agent } = await loginAs(t, 'admin');
    await agent.post('/api/v1/sites').send({ code: 'S1', name: '站', kind: 'township' }).expect(403);
    const csrf = await csrfOf(agent);
    const created = await agent.post('/api/v1/sites').set('X-CSRF-Token', csrf).send({ code: 'S1', name: '站', kind: 'township' }).expect(201);
    await agent.patch(`/api/v1/sites/${created.body.site.id}`).set('X-CSRF-Token', csrf).send({ name: '新站' }).expect(200);
    const list = await agent.get('/api/v1/sites').expect(200);
    expect(list.body.sites).toMatchObject([{ code: 'S1', name: '新站', township: '', recipients: null }]);
  });

  it('rejects bad input with field messages and stores nothing', async () => {
    const auth = await token('evaluator', 'write');
    const res = await request(t.app)
      .post('/api/v1/sites')
      .set('Authorization', auth)
      .send({ code: '', name: 'x', kind: 'village', recipients: -1, extra: true })
      .expect(400);
    expect(res.body.error).toEqual({
      code: 'validation',
      message: '提交的内容有误，请按提示修改。',
      fields: {
        code: '站点编码只能包含 1–32 个字母、数字、横线或下划线。',
        kind: '类型只能填“乡镇”或“街道”。',
        recipients: '不能小于 0。',
        extra: '不认识的字段：extra。',
      },
    });
    const site = siteFixture({ code: 'A1' });
    await t.store.sites.create(site);
    const dup = await request(t.app).post('/api/v1/sites').set('Authorization', auth).send({ code: 'A1', name: 'x', kind: 'street' }).expect(409);
    expect(dup.body.error).toEqual({ code: 'conflict', message: '站点编码 A1 已被使用。', fields: { code: '站点编码 A1 已被使用。' } });
    await request(t.app).patch(`/api/v1/sites/${site.id}`).set('Authorization', auth).send({ name: '' }).expect(400);
    await request(t.app).patch('/api/v1/sites/nope').set('Authorization', auth).send({ name: 'y' }).expect(404);
    expect(await t.store.sites.list()).toEqual([site]);
  });

  it('refuses every write to a read-only token, a viewer and station staff, storing nothing', async () => {
    const site = siteFixture({ code: 'A1' });
    await t.store.sites.create(site);
    const readOnly = await token('admin', 'read');
    const viewer = await token('viewer', 'write');
    const station = await token('station', 'write', [site.id]);
    for (const auth of [readOnly, viewer, station]) {
      await request(t.app).get('/api/v1/sites').set('Authorization', auth).expect(200);
      await request(t.app).post('/api/v1/sites').set('Authorization', auth).send({ code: 'X1', name: 'x', kind: 'street' }).expect(403);
      await request(t.app).patch(`/api/v1/sites/${site.id}`).set('Authorization', auth).send({ name: 'changed' }).expect(403);
      await request(t.app).post('/api/v1/sites/import').set('Authorization', auth).type('text/csv').send('code,name,kind\nX2,x,street\n').expect(403);
    }
    const { agent } = await loginAs(t, 'viewer');
    await agent.post('/api/v1/sites').set('X-CSRF-Token', await csrfOf(agent)).send({ code: 'X3', name: 'x', kind: 'street' }).expect(403);
    expect(await t.store.sites.list()).toEqual([site]);
  });

  it('imports CSV bytes or JSON text, all rows or none', async () => {
    const auth = await token('admin', 'write');
    const gbk = iconv.encode(`${HEADER}\r\nG1,甲站,甲镇,乡镇,10\r\nG2,乙站,乙街道,街道,20\r\n`, 'gbk');
    const bytes = await request(t.app).post('/api/v1/sites/import').set('Authorization', auth).set('Content-Type', 'text/csv').send(gbk).expect(201);
    expect(bytes.body).toMatchObject({ imported: 2, encoding: 'gbk' });
    expect(bytes.body.sites.map((s: { name: string }) => s.name)).toEqual(['甲站', '乙站']);

    const json = await request(t.app).post('/api/v1/sites/import').set('Authorization', auth).send({ csv: 'code,name,kind\nJ1,丙站,street\n' }).expect(201);
    expect(json.body).toMatchObject({ imported: 1, encoding: 'utf-8' });

    const bad = await request(t.app)
      .post('/api/v1/sites/import')
      .set('Authorization', auth)
      .send({ csv: 'code,name,kind\nJ2,丁站,street\nG1,重复,street\nbad!,x,street\n' })
      .expect(400);
    expect(bad.body.error).toEqual({
      code: 'validation',
      message: '文件中有 1 处问题，没有导入任何站点。请按下表修改后重新上传。',
      fields: { 'row.4.code': '站点编码只能包含 1–32 个字母、数字、横线或下划线。' },
    });
    // The row problems are found first; once they are fixed, the conflict with G1 is reported.
    const conflict = await request(t.app)
      .post('/api/v1/sites/import')
      .set('Authorization', auth)
      .send({ csv: 'code,name,kind\nJ2,丁站,street\nG1,重复,street\n' })
      .expect(400);
    expect(conflict.body.error.fields).toEqual({ 'row.3.code': '站点编码 G1 已被使用。' });
    const empty = await request(t.app).post('/api/v1/sites/import').set('Authorization', auth).type('text/csv').send('').expect(400);
    expect(empty.body.error.code).toBe('bad_request');
    expect((await t.store.sites.list()).map((s) => s.code)).toEqual(['G1', 'G2', 'J1']);
    expect(await t.store.audit.count({ action: 'site.import' })).toBe(2);
  });
});
