import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import request from 'supertest';
import { createApiToken } from '../../server/services/tokens';
import { addUser, csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { siteFixture } from '../helpers/fixtures';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

/** Decodes a QR PNG the way a phone camera would. */
function decodeQr(png: Buffer): string | null {
  const img = PNG.sync.read(png);
  return jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data ?? null;
}

/** supertest buffers binary bodies with this parser. */
const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
};

describe('survey builder, publication and QR', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('creates the template survey in one click and shows its questions', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const list = await agent.get('/admin/surveys').expect(200);
    const res = await agent.post('/admin/surveys/from-template').type('form').send({ _csrf: csrfFrom(list.text), locale: 'zh-CN' }).expect(303);
    const page = await agent.get(res.headers.location!).expect(200);
    expect(page.text).toContain('社工站服务对象满意度调查');
    for (const text of ['您属于以下哪一类服务对象？', '服务态度', '专业能力', '服务及时性', '服务效果', '环境设施', '总体满意度', '您知道本社工站在哪里吗？', '意见或建议']) {
      expect(page.text).toContain(text);
    }
    const [survey] = await t.store.surveys.list();
    expect(survey).toMatchObject({ status: 'draft', version: 1, segmentQuestionId: 'category', timeZone: 'Asia/Shanghai' });
    expect(survey!.questions.filter((q) => q.type === 'likert5' && q.countsTowardSatisfaction)).toHaveLength(6);
    expect(await t.store.audit.count({ action: 'survey.create' })).toBe(1);
  });

  it('creates the English template through the API', async () => {
    const user = await addUser(t, 'api-writer', 'evaluator');
    const { token } = await createApiToken(t.deps, user, { scope: 'write' });
    const res = await request(t.app).post('/api/v1/surveys/from-template').set('Authorization', `Bearer ${token}`).send({ locale: 'en' }).expect(201);
    expect(res.body.survey.title).toBe('Satisfaction survey of social-work station service recipients');
    expect(res.body.survey.questions.find((q: { id: string }) => q.id === 'overall').options[0].label).toBe('Very satisfied');
  });

  it('adds, edits, reorders, duplicates and deletes questions', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const list = await agent.get('/admin/surveys').expect(200);
    const created = await agent.post('/admin/surveys').type('form').send({ _csrf: csrfFrom(list.text), title: '测试问卷' }).expect(303);
    const id = created.headers.location!.split('/').pop()!;
    const csrf = csrfFrom((await agent.get(`/admin/surveys/${id}`)).text);
    const post = (path: string, body: Record<string, string | string[]> = {}) =>
      agent.post(`/admin/surveys/${id}${path}`).type('form').send(formBody({ _csrf: csrf, version: '1', ...body }));
    await post('/questions', { type: 'likert5', text: '服务态度如何？' }).expect(303);
    await post('/questions', { type: 'single', text: '您的身份' }).expect(303);
    await post('/questions', { type: 'text', text: '建议' }).expect(303);
    let survey = (await t.store.surveys.get(id))!;
    const [likert, single, text] = survey.questions;
    expect(survey.questions.map((q) => q.type)).toEqual(['likert5', 'single', 'text']);

    await post(`/questions/${single!.id}`, { text: '您的身份是？', required: 'on', optionId: [single!.options[0]!.id, single!.options[1]!.id, '', '', ''], optionLabel: ['老人', '儿童', '残疾人', '', ''] }).expect(303);
    await post('/segment', { questionId: single!.id }).expect(303);
    await post(`/questions/${text!.id}/move`, { delta: 'up' }).expect(303);
    await post(`/questions/${likert!.id}/duplicate`).expect(303);
    survey = (await t.store.surveys.get(id))!;
    expect(survey.questions.map((q) => q.text)).toEqual(['服务态度如何？', '服务态度如何？', '建议', '您的身份是？']);
    expect(survey.questions.find((q) => q.id === single!.id)).toMatchObject({ required: true, options: [{ label: '老人' }, { label: '儿童' }, { label: '残疾人' }] });
    expect(survey.segmentQuestionId).toBe(single!.id);
    expect(new Set(survey.questions.map((q) => q.id)).size).toBe(4);

    await post(`/questions/${single!.id}/delete`).expect(303);
    survey = (await t.store.surveys.get(id))!;
    expect(survey.questions).toHaveLength(3);
    expect(survey.segmentQuestionId).toBeNull();
    expect(survey.version).toBe(1);
  });

  it('refuses to add a question of an unknown type instead of making it a Likert question', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const list = await agent.get('/admin/surveys').expect(200);
    const created = await agent.post('/admin/surveys').type('form').send({ _csrf: csrfFrom(list.text), title: '类型测试' }).expect(303);
    const id = created.headers.location!.split('/').pop()!;
    const csrf = csrfFrom((await agent.get(`/admin/surveys/${id}`)).text);
    for (const type of ['telepathy', '', 'likert5\u0000']) {
      const res = await agent.post(`/admin/surveys/${id}/questions`).type('form').send(formBody({ _csrf: csrf, version: '1', type, text: '问题' }));
      expect(res.status).toBe(400);
    }
    const res = await agent.post(`/admin/surveys/${id}/questions`).type('form').send(`_csrf=${csrf}&version=1&type=single&type=text&text=x`);
    expect(res.status).toBe(400);
    expect((await t.store.surveys.get(id))!.questions).toEqual([]);
  });

  it('keeps an edited question that breaks a rule out of the store, saying why', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const list = await agent.get('/admin/surveys').expect(200);
    await agent.post('/admin/surveys/from-template').type('form').send({ _csrf: csrfFrom(list.text) }).expect(303);
    const [survey] = await t.store.surveys.list();
    const csrf = csrfFrom((await agent.get(`/admin/surveys/${survey!.id}`)).text);
    const res = await agent
      .post(`/admin/surveys/${survey!.id}/questions/category`)
      .type('form')
      .send(formBody({ _csrf: csrf, version: '1', text: '类别', optionId: ['tekun'], optionLabel: ['特困人员'] }));
    expect(res.status).toBe(400);
    expect(res.text).toContain('至少需要两个选项。');
    expect((await t.store.surveys.get(survey!.id))!.questions[0]!.options).toHaveLength(8);
    const stale = await agent.post(`/admin/surveys/${survey!.id}/questions`).type('form').send({ _csrf: csrf, version: '7', type: 'text', text: 'x' });
    expect(stale.status).toBe(409);
    expect(stale.text).toContain('问卷刚被别人修改过');
  });

  it('moves a survey through its lifecycle and refuses impossible steps', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const list = await agent.get('/admin/surveys').expect(200);
    await agent.post('/admin/surveys/from-template').type('form').send({ _csrf: csrfFrom(list.text) }).expect(303);
    const [survey] = await t.store.surveys.list();
    const csrf = csrfFrom((await agent.get(`/admin/surveys/${survey!.id}`)).text);
    const to = (status: string) => agent.post(`/admin/surveys/${survey!.id}/status`).type('form').send({ _csrf: csrf, status });
    await to('closed').expect(409);
    await to('open').expect(303);
    await to('archived').expect(409);
    await to('closed').expect(303);
    await to('archived').expect(303);
    expect((await t.store.surveys.get(survey!.id))!.status).toBe('archived');
    const edit = await agent.post(`/admin/surveys/${survey!.id}/questions`).type('form').send({ _csrf: csrf, version: '1', type: 'text', text: 'x' });
    expect(edit.status).toBe(409);
    expect(await t.store.audit.count({ action: 'survey.status' })).toBe(3);
  });

  it('saves settings and keeps the form with errors when they are wrong', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const list = await agent.get('/admin/surveys').expect(200);
    await agent.post('/admin/surveys/from-template').type('form').send({ _csrf: csrfFrom(list.text) }).expect(303);
    const [survey] = await t.store.surveys.list();
    const page = await agent.get(`/admin/surveys/${survey!.id}/settings`).expect(200);
    const base = {
      _csrf: csrfFrom(page.text),
      title: '2026 年满意度调查',
      description: '',
      opensAt: '2026-12-01T08:00',
      closesAt: '2026-12-31T18:00',
      duplicatePolicy: 'unlimited',
      minAnswerSeconds: '30',
      targetSamplePerSite: '',
      weight0: '100',
      weight1: '80',
      weight2: '60',
      weight3: '30',
      weight4: '0',
      satisfiedLevels: ['5', '4', '3'],
      qualityRules: ['speeder'],
      burstPerMinute: '8',
    };
    await agent.post(`/admin/surveys/${survey!.id}/settings`).type('form').send(formBody(base)).expect(303);
    expect((await t.store.surveys.get(survey!.id))!.settings).toMatchObject({
      opensAt: '2026-12-01T08:00:00+08:00',
      closesAt: '2026-12-31T18:00:00+08:00',
      duplicatePolicy: 'unlimited',
      minAnswerSeconds: 30,
      likertWeights: [100, 80, 60, 30, 0],
      qualityRules: ['speeder'],
      burstPerMinute: 8,
    });
    const bad = await agent.post(`/admin/surveys/${survey!.id}/settings`).type('form').send(formBody({ ...base, closesAt: '2026-11-01T00:00', title: '' }));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('此项为必填。');
    expect((await t.store.surveys.get(survey!.id))!.title).toBe('2026 年满意度调查');
  });

  it('publishes at stations with unguessable codes and serves QR codes that decode to the link', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const sites = [siteFixture({ code: 'A1', name: '一号站' }), siteFixture({ code: 'B2', name: '二号站' })];
    for (const s of sites) await t.store.sites.create(s);
    const list = await agent.get('/admin/surveys').expect(200);
    await agent.post('/admin/surveys/from-template').type('form').send({ _csrf: csrfFrom(list.text) }).expect(303);
    const [survey] = await t.store.surveys.list();
    const csrf = csrfFrom((await agent.get(`/admin/surveys/${survey!.id}`)).text);
    await agent.post(`/admin/surveys/${survey!.id}/publish`).type('form').send(formBody({ _csrf: csrf, siteIds: sites.map((s) => s.id) })).expect(303);
    // Published while still a draft: the page warns, and by default posters leave those stations out.
    const page = await agent.get(`/admin/surveys/${survey!.id}`).expect(200);
    expect(page.text).toContain('已为 2 个站点生成二维码。问卷仍是草稿');
    expect(page.text).toContain('id="draft-warning"');
    await agent.post(`/admin/surveys/${survey!.id}/publish`).type('form').send(formBody({ _csrf: csrf, siteIds: [sites[0]!.id] })).expect(303);
    expect((await agent.get(`/admin/surveys/${survey!.id}/posters`).expect(200)).text.match(/class="poster"/g)).toBeNull();
    expect((await agent.get(`/admin/surveys/${survey!.id}/posters?all=1`).expect(200)).text.match(/class="poster"/g)).toHaveLength(2);
    await agent.post(`/admin/surveys/${survey!.id}/status`).type('form').send({ _csrf: csrf, status: 'open' }).expect(303);
    const pubs = await t.store.publications.listBySurvey(survey!.id);
    expect(pubs).toHaveLength(2);
    for (const p of pubs) expect(p.code).toMatch(/^[a-hjkmnp-z2-9]{10}$/);

    const png = await agent.get(`/admin/publications/${pubs[0]!.id}/qr.png`).buffer(true).parse(binary).expect(200);
    expect(png.headers['content-type']).toBe('image/png');
    expect(decodeQr(png.body as Buffer)).toBe(`http://manyi.test/s/${pubs[0]!.code}`);
    const svg = await agent.get(`/admin/publications/${pubs[1]!.id}/qr.svg`).expect(200);
    expect(String(svg.body ?? svg.text)).toContain('<svg');

    const poster = await agent.get(`/admin/publications/${pubs[0]!.id}/poster`).expect(200);
    expect(poster.text).toContain('一号站');
    expect(poster.text).toContain(`http://manyi.test/s/${pubs[0]!.code}`);
    expect(poster.text).toContain('问卷不记名');
    const all = await agent.get(`/admin/surveys/${survey!.id}/posters`).expect(200);
    expect(all.text.match(/class="poster"/g)).toHaveLength(2);

    const zip = await agent.get(`/admin/surveys/${survey!.id}/qr.zip`).buffer(true).parse(binary).expect(200);
    const body = zip.body as Buffer;
    expect(body.subarray(0, 2).toString()).toBe('PK');
    expect(body.includes(Buffer.from('A1.png'))).toBe(true);
    expect(body.includes(Buffer.from('B2.png'))).toBe(true);
  });

  it('lets viewers look but not change, and refuses read-only tokens on writes', async () => {
    const { survey } = await openTemplateSurvey(t);
    const { agent } = await loginAs(t, 'viewer');
    const page = await agent.get(`/admin/surveys/${survey.id}`).expect(200);
    expect(page.text).not.toContain('添加题目');
    await agent.post(`/admin/surveys/${survey.id}/status`).type('form').send({ _csrf: csrfFrom(page.text), status: 'closed' }).expect(403);
    const user = await addUser(t, 'reader', 'evaluator');
    const { token } = await createApiToken(t.deps, user, { scope: 'read' });
    await request(t.app).get(`/api/v1/surveys/${survey.id}`).set('Authorization', `Bearer ${token}`).expect(200);
    const refused = await request(t.app).post(`/api/v1/surveys/${survey.id}/status`).set('Authorization', `Bearer ${token}`).send({ status: 'closed' }).expect(403);
    expect(refused.body.error.code).toBe('forbidden');
    expect((await t.store.surveys.get(survey.id))!.status).toBe('open');
  });

  it('answers API validation errors with the fields that are wrong', async () => {
    const user = await addUser(t, 'writer', 'evaluator');
    const { token } = await createApiToken(t.deps, user, { scope: 'write' });
    const res = await request(t.app)
      .post('/api/v1/surveys')
      .set('Authorization', `Bearer ${token}`)
      .send({ title: '', questions: [{ id: 'a', type: 'teleport', text: 'x' }] })
      .expect(400);
    expect(res.body.error.code).toBe('validation');
    expect(Object.keys(res.body.error.fields).sort()).toEqual(['questions.0.type', 'title']);
    const bad = await request(t.app).post('/api/v1/surveys').set('Authorization', `Bearer ${token}`).set('Content-Type', 'application/json').send('{"title":');
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('bad_json');
    expect(await t.store.surveys.list()).toHaveLength(0);
  });

  it('counts a response submitted through the page in the survey list', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const { agent, fields } = await openForm(t, pubs[0]!.code);
    await agent.post(`/s/${pubs[0]!.code}`).type('form').send(formBody({ ...fields!, ...templateAnswers() })).expect(303);
    const { agent: admin } = await loginAs(t, 'evaluator');
    const page = await admin.get('/admin/surveys').expect(200);
    expect(page.text).toMatch(new RegExp(`${survey.id}[\\s\\S]*?<td class="num">1</td>`));
  });
});
