import { parse as parseCsv } from 'csv-parse/sync';
import jsQR from 'jsqr';
import { PNG } from 'pngjs';
import request from 'supertest';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { createFromTemplate, setSurveyStatus } from '../../server/services/surveys';
import { createApiToken } from '../../server/services/tokens';
import { localDay } from '../../server/domain/time';
import { csrfFrom, csrfOf, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { siteFixture } from '../helpers/fixtures';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

/**
 * Issue 11, parts 2, 3, 5 and 8: the publication lifecycle residents see, preview and test mode,
 * the address phones reach, staff entry (assisted and paper) exempt from timing, and form switches
 * that keep what was typed.
 */

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
};

describe('publication lifecycle: what residents get in each stage', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => t.close());

  it('gives residents a distinct page and status for draft, scheduled, open, paused and closed', async () => {
    const setup = await openTemplateSurvey(t);
    const code = setup.pubs[0]!.code;
    const pubId = setup.pubs[0]!.id;
    const admin = await loginAs(t, 'evaluator');
    const csrf = await csrfOf(admin.agent, `/admin/surveys/${setup.survey.id}`);

    // open
    const open = await request(t.app).get(`/s/${code}`).expect(200);
    expect(open.text).toContain('name="ft"');

    // paused: 503 with Retry-After, "暂停收集，请稍后再来", and a submission stores nothing
    const { agent, fields } = await openForm(t, code);
    await admin.agent.post(`/admin/publications/${pubId}/active`).type('form').send({ _csrf: csrf, active: 'false' }).expect(303);
    const paused = await request(t.app).get(`/s/${code}`).expect(503);
    expect(paused.headers['retry-after']).toBe('3600');
    expect(paused.text).toContain('暂停收集，请稍后再来');
    expect(paused.text).not.toContain('name="ft"');
    await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers() })).expect(503);
    expect(await t.store.responses.count({ surveyId: setup.survey.id })).toBe(0);
    // the other station is still open
    await request(t.app).get(`/s/${setup.pubs[1]!.code}`).expect(200);
    await admin.agent.post(`/admin/publications/${pubId}/active`).type('form').send({ _csrf: csrf, active: 'true' }).expect(303);
    await request(t.app).get(`/s/${code}`).expect(200);

    // scheduled: 403 "尚未开始，将于…开放" with the local time and the zone named
    const opensAt = new Date(t.clock.now.getTime() + 3 * 86_400_000);
    await t.store.surveys.update(setup.survey.id, { settings: { ...setup.survey.settings, opensAt: opensAt.toISOString() } });
    const scheduled = await request(t.app).get(`/s/${code}`).expect(403);
    expect(scheduled.text).toContain('尚未开始');
    expect(scheduled.text).toContain(`将于 ${localDay(opensAt, 'Asia/Shanghai')}`);
    expect(scheduled.text).toContain('（北京时间）');
    const scheduledEn = await request(t.app).get(`/s/${code}?lang=en`).expect(403);
    expect(scheduledEn.text).toContain('(Beijing time)');
    await t.store.surveys.update(setup.survey.id, { settings: { ...setup.survey.settings, opensAt: null } });

    // closed: 410 "调查已结束，感谢参与"
    await setSurveyStatus(t.deps, SYSTEM_ACTOR, setup.survey.id, { status: 'closed' });
    const closed = await request(t.app).get(`/s/${code}`).expect(410);
    expect(closed.text).toContain('调查已结束，感谢参与');
  });

  it('tells residents of a draft that it has not started (not a 404), and offers staff a preview', async () => {
    const setup = await openTemplateSurvey(t);
    await t.store.surveys.update(setup.survey.id, { status: 'draft' });
    const code = setup.pubs[0]!.code;
    const resident = await request(t.app).get(`/s/${code}`).expect(403);
    expect(resident.text).toContain('尚未开始');
    expect(resident.text).toContain('开放后就可以填写');
    expect(resident.text).not.toContain('预览并试填');
    const { agent } = await loginAs(t, 'evaluator');
    const staff = await agent.get(`/s/${code}`).expect(403);
    expect(staff.text).toContain(`href="/admin/surveys/${setup.survey.id}/preview?site=${setup.sites[0]!.id}"`);
  });

  it('shows each publication’s stage and what residents see on the survey page', async () => {
    const setup = await openTemplateSurvey(t);
    const { agent } = await loginAs(t, 'evaluator');
    const csrf = await csrfOf(agent, `/admin/surveys/${setup.survey.id}`);
    await agent.post(`/admin/publications/${setup.pubs[1]!.id}/active`).type('form').send({ _csrf: csrf, active: 'false' }).expect(303);
    const page = await agent.get(`/admin/surveys/${setup.survey.id}`).expect(200);
    const row = (id: string) => page.text.slice(page.text.indexOf(`id="pub-${id}"`), page.text.indexOf('</tr>', page.text.indexOf(`id="pub-${id}"`)));
    expect(row(setup.pubs[0]!.id)).toContain('收集中');
    expect(row(setup.pubs[0]!.id)).toContain('居民可以填写');
    expect(row(setup.pubs[1]!.id)).toContain('已暂停');
    expect(row(setup.pubs[1]!.id)).toContain('暂停收集，请稍后再来');
    expect(row(setup.pubs[1]!.id)).toContain('恢复');
    // posters and the QR ZIP leave the paused station out unless asked
    expect(page.text).toContain('未包含 1 个站点：峪泉镇社工站（已暂停）');
    const posters = await agent.get(`/admin/surveys/${setup.survey.id}/posters`).expect(200);
    expect(posters.text.match(/class="poster"/g)).toHaveLength(1);
    expect(posters.text).not.toContain('峪泉镇社工站</p>');
    const all = await agent.get(`/admin/surveys/${setup.survey.id}/posters?all=1`).expect(200);
    expect(all.text.match(/class="poster"/g)).toHaveLength(2);
    const zip = (await agent.get(`/admin/surveys/${setup.survey.id}/qr.zip`).buffer(true).parse(binary).expect(200)).body as Buffer;
    expect(zip.includes(Buffer.from('JYG01.png'))).toBe(true);
    expect(zip.includes(Buffer.from('JYG02.png'))).toBe(false);
    const zipAll = (await agent.get(`/admin/surveys/${setup.survey.id}/qr.zip?all=1`).buffer(true).parse(binary).expect(200)).body as Buffer;
    expect(zipAll.includes(Buffer.from('JYG02.png'))).toBe(true);
  });

  it('warns through the API when publishing a draft, and opens it when asked', async () => {
    for (const s of ['A', 'B']) await t.store.sites.create(siteFixture({ code: `S${s}`, name: `站${s}` }));
    const sites = await t.store.sites.list();
    const survey = await createFromTemplate(t.deps, SYSTEM_ACTOR, { locale: 'zh-CN' });
    const { user } = await loginAs(t, 'evaluator');
    const { token } = await createApiToken(t.deps, user, { scope: 'write', name: 'test' });
    const agent = {
      get: (path: string) => request(t.app).get(path).set('Authorization', `Bearer ${token}`),
      post: (path: string) => request(t.app).post(path).set('Authorization', `Bearer ${token}`),
    };
    const first = await agent.post(`/api/v1/surveys/${survey.id}/publications`).send({ siteIds: [sites[0]!.id] }).expect(201);
    expect(first.body.survey.status).toBe('draft');
    expect(first.body.warnings).toEqual([{ code: 'survey-draft', message: expect.stringContaining('草稿') }]);
    const listed = await agent.get(`/api/v1/surveys/${survey.id}/publications`).expect(200);
    expect(listed.body.publications[0].stage).toBe('draft');
    const second = await agent.post(`/api/v1/surveys/${survey.id}/publications`).send({ siteIds: [sites[1]!.id], open: true }).expect(201);
    expect(second.body).toMatchObject({ survey: { status: 'open' }, warnings: [] });
    const after = await agent.get(`/api/v1/surveys/${survey.id}/publications`).expect(200);
    expect(after.body.publications.map((p: { stage: string }) => p.stage)).toEqual(['open', 'open']);
    await agent.post(`/api/v1/surveys/${survey.id}/publications`).send({ siteIds: [sites[1]!.id], open: 'yes' }).expect(400);
  });

  it('publishes and opens a draft from the survey page in one step', async () => {
    await t.store.sites.create(siteFixture({ code: 'A1', name: '一号站' }));
    const survey = await createFromTemplate(t.deps, SYSTEM_ACTOR, { locale: 'zh-CN' });
    const { agent } = await loginAs(t, 'evaluator');
    const page = await agent.get(`/admin/surveys/${survey.id}`).expect(200);
    expect(page.text).toContain('发布并开放问卷');
    const [site] = await t.store.sites.list();
    await agent.post(`/admin/surveys/${survey.id}/publish`).type('form').send(formBody({ _csrf: csrfFrom(page.text), siteIds: [site!.id], open: '1' })).expect(303);
    expect((await t.store.surveys.get(survey.id))!.status).toBe('open');
    const [pub] = await t.store.publications.listBySurvey(survey.id);
    await request(t.app).get(`/s/${pub!.code}`).expect(200);
  });
});

describe('preview and test mode', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => t.close());

  it('lets an evaluator answer a draft’s real form; test answers are listed, never counted, and deletable', async () => {
    const survey = await createFromTemplate(t.deps, SYSTEM_ACTOR, { locale: 'zh-CN' });
    const { agent } = await loginAs(t, 'evaluator');
    const page = await agent.get(`/admin/surveys/${survey.id}/preview`).expect(200);
    expect(page.text).toContain('预览试填：提交的答卷标记为“测试”');
    expect(page.text).toContain('（预览，未指定站点）');
    const ft = /name="ft" value="([^"]+)"/.exec(page.text)![1]!;
    const bad = await agent.post(`/admin/surveys/${survey.id}/preview`).type('form').send(formBody({ _csrf: csrfFrom(page.text), ft, ...templateAnswers({ q_attitude: '' }) }));
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('这道题需要回答。');
    const ok = await agent.post(`/admin/surveys/${survey.id}/preview`).type('form').send(formBody({ _csrf: csrfFrom(page.text), ft, ...templateAnswers({ q_suggestions: '测试意见' }) }));
    expect(ok.status).toBe(200);
    expect(ok.text).toContain('测试答卷已保存');
    // a retried submission is stored once
    await agent.post(`/admin/surveys/${survey.id}/preview`).type('form').send(formBody({ _csrf: csrfFrom(page.text), ft, ...templateAnswers() })).expect(200);

    const tests = await agent.get(`/admin/surveys/${survey.id}/tests`).expect(200);
    expect(tests.text).toContain('测试答卷 1 份');
    expect(tests.text).toContain('测试意见');
    expect(tests.text).toContain('非常满意');

    // never counted: survey count, statistics, exports, API listing
    expect((await t.store.surveys.get(survey.id))!.responseCount).toBe(0);
    const stats = await agent.get(`/api/v1/surveys/${survey.id}/stats?mode=raw`).expect(200);
    expect(stats.body.overall.received).toBe(0);
    const listed = await agent.get(`/api/v1/surveys/${survey.id}/responses`).expect(200);
    expect(listed.body.total).toBe(0);
    const csv = await agent.get(`/api/v1/surveys/${survey.id}/responses/export?format=csv&mode=raw`).expect(200);
    const rows = parseCsv(csv.text.replace(/^\uFEFF/, ''), { relaxColumnCount: true }) as string[][];
    expect(rows.filter((r) => r.join('').includes('测试意见'))).toHaveLength(0);

    const csrf = csrfFrom(tests.text);
    const id = /name="id" value="([^"]+)"/.exec(tests.text)![1]!;
    await agent.post(`/admin/surveys/${survey.id}/tests/delete`).type('form').send({ _csrf: csrf, id }).expect(303);
    expect(await t.store.testResponses.countBySurvey(survey.id)).toBe(0);
    const audit = await t.store.audit.list({ limit: 10, action: 'test-response.delete' });
    expect(audit).toHaveLength(1);
  });

  it('previews as a station the survey is published at, and keeps preview tokens apart from residents’', async () => {
    const setup = await openTemplateSurvey(t);
    const { agent } = await loginAs(t, 'evaluator');
    const page = await agent.get(`/admin/surveys/${setup.survey.id}/preview?site=${setup.sites[1]!.id}`).expect(200);
    expect(page.text).toContain('峪泉镇社工站');
    const ft = /name="ft" value="([^"]+)"/.exec(page.text)![1]!;
    // a preview token posted to the resident form is refused (it is not bound to the phone, so it is
    // no CSRF check either: 403 before it is read), and nothing is stored
    const { agent: phone, fields } = await openForm(t, setup.pubs[1]!.code);
    const forged = await phone.post(`/s/${setup.pubs[1]!.code}`).type('form').send(formBody({ ...fields!, ft, ...templateAnswers() }));
    expect(forged.status).toBe(403);
    // with a valid CSRF token (the evaluator's own), the preview token is read and refused: another key
    const asStaff = await agent.post(`/s/${setup.pubs[1]!.code}`).type('form').send(formBody({ _csrf: csrfFrom(page.text), ft, ...templateAnswers() }));
    expect(asStaff.status).toBe(400);
    expect(await t.store.responses.count({ surveyId: setup.survey.id })).toBe(0);
    await agent.post(`/admin/surveys/${setup.survey.id}/preview?site=${setup.sites[1]!.id}`).type('form').send(formBody({ _csrf: csrfFrom(page.text), ft, ...templateAnswers() })).expect(200);
    const [test] = await t.store.testResponses.listBySurvey(setup.survey.id);
    expect(test).toMatchObject({ siteId: setup.sites[1]!.id, surveyId: setup.survey.id });
    expect(await t.store.responses.count({ surveyId: setup.survey.id })).toBe(0);
  });

  it('is for those who manage surveys: viewers and station staff are refused', async () => {
    const setup = await openTemplateSurvey(t);
    for (const role of ['viewer', 'station'] as const) {
      const { agent } = await loginAs(t, role, { siteIds: role === 'station' ? [setup.sites[0]!.id] : [] });
      await agent.get(`/admin/surveys/${setup.survey.id}/preview`).expect(403);
      await agent.get(`/admin/surveys/${setup.survey.id}/tests`).expect(403);
    }
    await request(t.app).get(`/admin/surveys/${setup.survey.id}/preview`).expect(303);
  });
});

describe('staff entry: assisted and paper questionnaires', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => t.close());

  it('counts an assisted entry made in 5 seconds as valid', async () => {
    const setup = await openTemplateSurvey(t);
    const { agent, user } = await loginAs(t, 'station', { siteIds: [setup.sites[0]!.id] });
    const code = setup.pubs[0]!.code;
    const { fields } = await openForm(t, code, agent, '?assisted=1');
    t.clock.advance(5_000);
    await agent.post(`/s/${code}?assisted=1`).type('form').send(formBody({ ...fields!, ...templateAnswers() })).expect(303);
    const [r] = await t.store.responses.list({ surveyId: setup.survey.id }, { limit: 5 });
    expect(r).toMatchObject({ channel: 'assisted', enteredBy: user.id, flags: [], durationMs: 5000 });
    const evaluator = await loginAs(t, 'evaluator');
    const stats = await evaluator.agent.get(`/api/v1/surveys/${setup.survey.id}/stats`).expect(200);
    expect(stats.body.overall).toMatchObject({ received: 1, valid: 1 });
  });

  it('transcribes a paper questionnaire with the date written on it, blanks kept blank, dated on that day', async () => {
    const setup = await openTemplateSurvey(t);
    const { agent, user } = await loginAs(t, 'station', { siteIds: [setup.sites[0]!.id] });
    const code = setup.pubs[0]!.code;
    const page = await agent.get(`/s/${code}?assisted=1&paper=1`).expect(200);
    expect(page.text).toContain('纸质问卷录入');
    expect(page.text).toContain('name="paper_date"');
    const { fields } = await openForm(t, code, agent, '?assisted=1&paper=1');
    const today = localDay(t.clock.now, 'Asia/Shanghai');
    const tomorrow = localDay(new Date(t.clock.now.getTime() + 86_400_000), 'Asia/Shanghai');
    const threeDaysAgo = localDay(new Date(t.clock.now.getTime() - 3 * 86_400_000), 'Asia/Shanghai');

    const missing = await agent.post(`/s/${code}?assisted=1&paper=1`).type('form').send(formBody({ ...fields!, ...templateAnswers() }));
    expect(missing.status).toBe(400);
    expect(missing.text).toContain('请填写纸质问卷上的日期。');
    const future = await agent.post(`/s/${code}?assisted=1&paper=1`).type('form').send(formBody({ ...fields!, ...templateAnswers({ q_attitude: '3' }), paper_date: tomorrow }));
    expect(future.status).toBe(400);
    // Dates in messages are glued against line breaks with invisible word joiners (keepNumbersWhole).
    expect(future.text.replace(/\u2060/g, '')).toContain(`日期不能晚于今天（${today}）。`);
    // the answers typed so far stay on the page
    expect(future.text).toMatch(/name="q_attitude" value="3" checked/);
    expect(await t.store.responses.count({ surveyId: setup.survey.id })).toBe(0);

    const ok = await agent.post(`/s/${code}?assisted=1&paper=1`).type('form').send(formBody({ ...fields!, ...templateAnswers({ q_attitude: '' }), paper_date: threeDaysAgo }));
    expect(ok.status).toBe(303);
    expect(ok.headers.location).toBe(`/s/${code}/thanks?assisted=1&paper=1`);
    const thanks = await agent.get(ok.headers.location!).expect(200);
    expect(thanks.text).toContain('继续录入下一份纸质问卷');
    const [r] = await t.store.responses.list({ surveyId: setup.survey.id }, { limit: 5 });
    expect(r).toMatchObject({ channel: 'paper', paperDate: threeDaysAgo, day: threeDaysAgo, enteredBy: user.id, flags: [] });
    expect(r!.answers.attitude).toBeUndefined();
    // residents cannot pick the paper channel
    const resident = await request(t.app).get(`/s/${code}?assisted=1&paper=1`).expect(200);
    expect(resident.text).not.toContain('name="paper_date"');
  });
});

describe('the questionnaire’s switches keep what was typed', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp({ SUBMIT_LIMIT_PER_IP: '2' });
  });
  afterEach(async () => t.close());

  it('re-renders in large text and in English with the answers, stores nothing, and submits afterwards', async () => {
    const setup = await openTemplateSurvey(t);
    const code = setup.pubs[0]!.code;
    const { agent, fields, page } = await openForm(t, code);
    expect(page.text).toContain('name="_switch" value="big"');
    const typed = templateAnswers({ q_attitude: '2', q_suggestions: '门口台阶太高' });
    // more switches than the per-IP submission limit: they are not submissions
    let res = await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...typed, _switch: 'big' })).expect(200);
    expect(res.text).toContain('<body class="respond big">');
    expect(res.text).toMatch(/name="q_attitude" value="2" checked/);
    expect(res.text).toContain('门口台阶太高</textarea>');
    expect(res.headers['set-cookie']!.toString()).toContain('manyi.big=1');
    res = await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...typed, _switch: 'lang' })).expect(200);
    expect(res.text).toContain('<html lang="en">');
    expect(res.text).toContain('>Submit<');
    expect(res.text).toMatch(/name="q_attitude" value="2" checked/);
    res = await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...typed, _switch: 'big' })).expect(200);
    expect(res.text).toContain('<body class="respond">');
    expect(await t.store.responses.count({ surveyId: setup.survey.id })).toBe(0);
    const ft = /name="ft" value="([^"]+)"/.exec(res.text)![1]!;
    expect(ft).toBe(fields!.ft);
    await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...typed })).expect(303);
    expect(await t.store.responses.count({ surveyId: setup.survey.id })).toBe(1);
  });

  it('tells residents on the thank-you page that each phone answers once', async () => {
    const setup = await openTemplateSurvey(t);
    const code = setup.pubs[0]!.code;
    const { agent, fields } = await openForm(t, code);
    const res = await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers() })).expect(303);
    const thanks = await agent.get(res.headers.location!).expect(200);
    expect(thanks.text).toContain('每部手机只能提交一次问卷。');
  });
});

describe('the address phones reach (PUBLIC_BASE_URL)', () => {
  const decode = (png: Buffer) => {
    const img = PNG.sync.read(png);
    return jsQR(new Uint8ClampedArray(img.data), img.width, img.height)?.data ?? null;
  };

  it('warns on the survey page and the posters while PUBLIC_BASE_URL is loopback, naming the variable', async () => {
    const t = await makeTestApp({ PUBLIC_BASE_URL: 'http://localhost:3000' });
    try {
      const setup = await openTemplateSurvey(t);
      const { agent } = await loginAs(t, 'evaluator');
      const page = await agent.get(`/admin/surveys/${setup.survey.id}`).expect(200);
      expect(page.text).toContain('id="public-address"');
      expect(page.text).toContain('二维码和海报指向 http://localhost:3000，居民的手机打不开这个地址');
      expect(page.text).toContain('PUBLIC_BASE_URL=');
      const posters = await agent.get(`/admin/surveys/${setup.survey.id}/posters`).expect(200);
      expect(posters.text).toContain('id="public-address"');
      // browsing from a LAN address: that address is the suggestion
      const fromLan = await agent.get(`/admin/surveys/${setup.survey.id}`).set('Host', '192.168.1.20:3000').expect(200);
      expect(fromLan.text).toContain('PUBLIC_BASE_URL=http://192.168.1.20:3000 npm start');
      // pages that make no QR codes carry no banner
      const home = await agent.get('/admin/sites').expect(200);
      expect(home.text).not.toContain('id="public-address"');
    } finally {
      await t.close();
    }
  });

  it('says nothing when PUBLIC_BASE_URL is reachable, warns when the admin uses another address, and QR codes carry it exactly', async () => {
    const t = await makeTestApp({ PUBLIC_BASE_URL: 'http://192.168.1.20:3000' });
    try {
      const setup = await openTemplateSurvey(t);
      const { agent } = await loginAs(t, 'evaluator');
      const page = await agent.get(`/admin/surveys/${setup.survey.id}`).expect(200);
      expect(page.text).not.toContain('id="public-address"');
      const other = await agent.get(`/admin/surveys/${setup.survey.id}`).set('Host', 'manyi.example.org').expect(200);
      expect(other.text).toContain('而您现在通过 http://manyi.example.org 访问本系统');
      const png = await agent.get(`/admin/publications/${setup.pubs[0]!.id}/qr.png`).buffer(true).parse(binary).expect(200);
      expect(decode(png.body as Buffer)).toBe(`http://192.168.1.20:3000/s/${setup.pubs[0]!.code}`);
      const poster = await agent.get(`/admin/publications/${setup.pubs[0]!.id}/poster`).expect(200);
      expect(poster.text).toContain(`http://192.168.1.20:3000/s/${setup.pubs[0]!.code}`);
    } finally {
      await t.close();
    }
  });
});
