import { parse } from 'csv-parse/sync';
import request from 'supertest';
import { createApiToken } from '../../server/services/tokens';
import { verifyTallies } from '../../server/services/tallies';
import { addUser, csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

type Agent = Awaited<ReturnType<typeof loginAs>>['agent'];

/** The 有效数 KPI as the page shows it (overview and data-quality pages). */
function validOnPage(html: string): number {
  const m = /<p class="kpi-label">有效数<\/p><p class="kpi"[^>]*>(\d+)<\/p>/.exec(html);
  if (!m) throw new Error('no 有效数 on the page');
  return Number(m[1]);
}

/** The one-time messages the page shows after a redirect. */
const flashes = (html: string) => [...html.matchAll(/<p class="(notice|error-box)" role="(?:status|alert)">([^<]*)<\/p>/g)].map((m) => [m[1], m[2]]);

describe('data-quality review: counting status, exclude / keep / restore, bulk, the response viewer', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;
  /** Responses by role: two counted at station A, one speeder at A, one counted at B. */
  let ids: { a1: string; a2: string; speeder: string; b1: string };
  let admin: Agent;
  let csrf: string;

  async function answer(code: string, over: Record<string, string | string[]>, seconds = 90, agent?: Agent, query = '') {
    const { agent: phone, fields } = await openForm(t, code, agent, query);
    t.clock.advance(seconds * 1000);
    await phone.post(`/s/${code}${query}`).type('form').send(formBody({ ...fields!, ...templateAnswers(over) })).expect(303);
  }

  const quality = (query = '') => `/admin/stats/${setup.survey.id}/quality${query}`;
  const overview = () => `/admin/stats/${setup.survey.id}`;
  const review = (id: string, action: string, reason: string) => admin.post(`/admin/responses/${id}/review`).type('form').send({ _csrf: csrf, action, reason });

  beforeEach(async () => {
    t = await makeTestApp();
    setup = await openTemplateSurvey(t);
    const [a, b] = setup.pubs;
    await answer(a!.code, { q_suggestions: '第一份' });
    await answer(a!.code, { q_suggestions: '第二份', q_environment: '4' });
    await answer(a!.code, { q_suggestions: '答得很快' }, 5);
    await answer(b!.code, { q_suggestions: '乙站' });
    const rows = await t.store.responses.list({ surveyId: setup.survey.id }, { limit: 10 });
    const text = (id: string) => rows.find((r) => r.answers.suggestions === id)!.id;
    ids = { a1: text('第一份'), a2: text('第二份'), speeder: text('答得很快'), b1: text('乙站') };
    ({ agent: admin } = await loginAs(t, 'evaluator', { username: 'pingjia' }));
    csrf = csrfFrom((await admin.get(quality()).expect(200)).text);
  });
  afterEach(async () => {
    await t.close();
  });

  it('excluding a counted response lowers 有效数 on the next quality page and overview, and says so', async () => {
    expect(validOnPage((await admin.get(quality()).expect(200)).text)).toBe(3);
    const res = await review(ids.a1, 'exclude', '重复填写').expect(303);
    expect(res.headers.location).toBe(`/admin/responses/${ids.a1}`);
    const viewer = await admin.get(String(res.headers.location)).expect(200);
    expect(flashes(viewer.text)).toEqual([['notice', '已剔除该答卷。有效数 3 → 2。']]);
    expect(validOnPage((await admin.get(quality()).expect(200)).text)).toBe(2);
    expect(validOnPage((await admin.get(overview()).expect(200)).text)).toBe(2);
    expect(await verifyTallies(t.deps, setup.survey.id)).toEqual({ same: true });
  });

  it('excluding a speeder the rule already leaves out keeps 有效数 and says why', async () => {
    await review(ids.speeder, 'exclude', '无效').expect(303);
    const viewer = await admin.get(`/admin/responses/${ids.speeder}`).expect(200);
    expect(flashes(viewer.text)).toEqual([['notice', '已剔除该答卷。该答卷原本就因“答题过快”不计入，有效数不变（3）。']]);
    expect(validOnPage((await admin.get(quality()).expect(200)).text)).toBe(3);
  });

  it('keeping a speeder makes it count (有效数 rises), and restoring returns it to the automatic rules', async () => {
    let page = await admin.get(quality()).expect(200);
    expect(page.text).toContain('不计入：答题过快（规则已启用）');
    await review(ids.speeder, 'keep', '回访核实为本人认真作答').expect(303);
    const viewer = await admin.get(`/admin/responses/${ids.speeder}`).expect(200);
    expect(flashes(viewer.text)).toEqual([['notice', '已确认该答卷有效。有效数 3 → 4。']]);
    expect(viewer.text).toMatch(/计入：pingjia 于 \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(Asia\/Shanghai\) 确认有效（虽有“答题过快”标记），原因：回访核实为本人认真作答/);
    page = await admin.get(quality('?show=kept')).expect(200);
    expect(validOnPage(page.text)).toBe(4);
    expect(page.text).toContain(`/admin/responses/${ids.speeder}`);
    expect(validOnPage((await admin.get(overview()).expect(200)).text)).toBe(4);
    // No longer waiting for review.
    expect((await admin.get(quality()).expect(200)).text).not.toContain(`/admin/responses/${ids.speeder}`);

    await review(ids.speeder, 'restore', '复核有误').expect(303);
    const again = await admin.get(`/admin/responses/${ids.speeder}`).expect(200);
    expect(flashes(again.text)).toEqual([['notice', '已恢复为按质量规则自动判定。有效数 4 → 3。']]);
    expect((await t.store.responses.get(ids.speeder))!).toMatchObject({ review: null, reviewReason: null, reviewedBy: null, reviewedAt: null });
    expect((await admin.get(quality()).expect(200)).text).toContain(`/admin/responses/${ids.speeder}`);
    expect(await verifyTallies(t.deps, setup.survey.id)).toEqual({ same: true });
  });

  it('refuses a review without a reason or with an unknown action (400, field named, input kept), and an action that changes nothing (409 message)', async () => {
    const noReason = await review(ids.a1, 'exclude', '   ').expect(400);
    expect(noReason.text).toMatch(/id="review-reason-error">此项为必填/);
    const badAction = await admin.post(`/admin/responses/${ids.a1}/review`).type('form').send({ _csrf: csrf, action: 'delete', reason: '保留原因' }).expect(400);
    expect(badAction.text).toContain('value="保留原因"');
    expect(badAction.text).toMatch(/class="field-error" role="alert">/);
    await review(ids.a1, 'keep', '无标记').expect(303);
    expect(flashes((await admin.get(`/admin/responses/${ids.a1}`).expect(200)).text)).toEqual([['error-box', '该答卷没有质量标记，本来就计入，无需确认。']]);
    await admin.get('/admin/responses/no-such-response').expect(404);
    expect((await t.store.responses.get(ids.a1))!.review).toBeNull();
    expect(await t.store.audit.count({ action: 'response.exclude' })).toBe(0);
  });

  it('shows one response: survey and version, station, channel, who entered it, zoned times, answer labels, flags, status and history', async () => {
    const [a] = setup.sites;
    const worker = await loginAs(t, 'station', { username: 'zhangsan', siteIds: [a!.id] });
    await answer(setup.pubFor(a!).code, { q_environment: 'na', q_received: ['visit', 'home'], q_suggestions: '代填的意见' }, 8, worker.agent, '?assisted=1');
    const assisted = (await t.store.responses.list({ surveyId: setup.survey.id, channels: ['assisted'] }, { limit: 1 }))[0]!;
    await review(assisted.id, 'exclude', '家属代答，不符合要求').expect(303);

    const page = await admin.get(`/admin/responses/${assisted.id}`).expect(200);
    expect(page.text).toContain(setup.survey.title);
    expect(page.text).toContain('第 1 版');
    expect(page.text).toContain('雄关街道社工站');
    expect(page.text).toMatch(/<dt>填写方式<\/dt><dd>代填<\/dd>/);
    expect(page.text).toMatch(/<dt>代填人员<\/dt><dd>zhangsan<\/dd>/);
    expect(page.text).toMatch(/<dt>开始作答<\/dt><dd>\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(Asia\/Shanghai\)<\/dd>/);
    expect(page.text).toMatch(/<dt>用时<\/dt><dd>0 分 8 秒<\/dd>/);
    // Answers as their labels, 不了解/不适用 included.
    expect(page.text).toContain('高龄/空巢/留守老人');
    expect(page.text).toContain('不了解/不适用');
    expect(page.text).toContain('代填的意见');
    // Staff entry is exempt from the timing rule: 8 seconds is not 答题过快.
    expect(page.text).not.toContain('<strong>答题过快</strong>');
    expect(page.text).toMatch(/不计入：pingjia 于 [^，]+ 人工剔除，原因：家属代答，不符合要求/);
    expect(page.text).toMatch(/<td>pingjia<\/td><td>剔除<\/td><td class="free-text">家属代答，不符合要求<\/td>/);
    // The actions that apply now: restore, not exclude again, and not keep (it has no flag to overrule).
    expect(page.text).not.toContain('value="keep"');
    expect(page.text).toContain('value="restore"');
    expect(page.text).not.toContain('value="exclude"');
    // A resident's 5-second answer is explained as too fast.
    const fast = await admin.get(`/admin/responses/${ids.speeder}`).expect(200);
    expect(fast.text).toContain('<strong>答题过快</strong>：用时少于问卷设定的最短答题时间（20 秒）。');
    expect(fast.text).toContain('value="keep"');

    // Read-only roles see it without actions; station staff see only their own stations.
    const viewer = await loginAs(t, 'viewer');
    const seen = await viewer.agent.get(`/admin/responses/${assisted.id}`).expect(200);
    expect(seen.text).toContain('家属代答，不符合要求');
    expect(seen.text).not.toContain('/review"');
    await worker.agent.get(`/admin/responses/${assisted.id}`).expect(200);
    await worker.agent.get(`/admin/responses/${ids.b1}`).expect(404);
    const otherCsrf = csrfFrom((await worker.agent.get('/admin').expect(200)).text);
    await worker.agent.post(`/admin/responses/${ids.b1}/review`).type('form').send({ _csrf: otherCsrf, action: 'exclude', reason: '越权' }).expect(403);
    await viewer.agent.post(`/admin/responses/${ids.a1}/review`).type('form').send({ _csrf: csrfFrom(seen.text), action: 'exclude', reason: 'x' }).expect(403);
    expect((await t.store.responses.get(ids.a1))!.review).toBeNull();
  });

  it('links every quality row and every comment to the viewer, and finds a response by the id in an export file', async () => {
    const all = await admin.get(quality('?show=all')).expect(200);
    for (const id of Object.values(ids)) expect(all.text).toContain(`href="/admin/responses/${id}"`);
    const comments = await admin.get(`/admin/stats/${setup.survey.id}/comments`).expect(200);
    for (const id of Object.values(ids)) expect(comments.text).toContain(`href="/admin/responses/${id}"`);
    expect(comments.text).toContain('不计入：答题过快（规则已启用）');

    const csv = await admin.get(`/admin/exports/${setup.survey.id}/responses.csv?mode=raw`).expect(200);
    const rows = parse(csv.text.replace(/^\uFEFF/, ''), { columns: true }) as Record<string, string>[];
    const speederRow = rows.find((r) => r['计入状态']!.startsWith('不计入'))!;
    expect(speederRow['计入状态']).toBe('不计入：答题过快（规则已启用）');
    const found = await admin.get(quality(`?rid=${encodeURIComponent(` ${speederRow['答卷编号']} `)}`)).expect(303);
    expect(found.headers.location).toBe(`/admin/responses/${ids.speeder}`);
    const missing = await admin.get(quality('?rid=not-a-response')).expect(404);
    expect(missing.text).toContain('没有找到编号为“not-a-response”的答卷');
    const [a] = setup.sites;
    const staff = await loginAs(t, 'station', { siteIds: [a!.id] });
    await staff.agent.get(quality(`?rid=${ids.b1}`)).expect(404);
  });

  it('bulk-reviews the checked rows with one reason: counts what changed, names what was skipped, audits each', async () => {
    await review(ids.a2, 'exclude', '先剔除').expect(303);
    const res = await admin
      .post(`/admin/stats/${setup.survey.id}/quality/review?show=all`)
      .type('form')
      .send(formBody({ _csrf: csrf, ids: [ids.a1, ids.a2, ids.speeder, 'no-such-id'], action: 'exclude', reason: '批量核查：同一人多次填写' }))
      .expect(303);
    expect(res.headers.location).toBe(`/admin/stats/${setup.survey.id}/quality?show=all`);
    const page = await admin.get(String(res.headers.location)).expect(200);
    expect(flashes(page.text)).toEqual([
      ['notice', '剔除（不计入）：已更改 2 份答卷，有效数 2 → 1。'],
      ['error-box', '跳过 2 份：1 份已是该状态、1 份不存在、不属于本问卷或无权查看。'],
    ]);
    expect(validOnPage(page.text)).toBe(1);
    const events = await t.store.audit.list({ limit: 10, action: 'response.exclude' });
    expect(events.filter((e) => e.details.bulk === true).map((e) => e.targetId).sort()).toEqual([ids.a1, ids.speeder].sort());
    expect((await t.store.responses.get(ids.a2))!.reviewReason).toBe('先剔除');
    expect(await verifyTallies(t.deps, setup.survey.id)).toEqual({ same: true });

    const keep = await admin.post(`/admin/stats/${setup.survey.id}/quality/review`).type('form').send(formBody({ _csrf: csrf, ids: ids.speeder, action: 'keep', reason: '核实' })).expect(303);
    expect(flashes((await admin.get(String(keep.headers.location)).expect(200)).text)).toEqual([['notice', '确认有效（计入）：已更改 1 份答卷，有效数 1 → 2。']]);
  });

  it('refuses a bad bulk request with 400 naming the field and keeping the input, 403 for those who may not review', async () => {
    const bulk = (agent: Agent, token: string, body: Record<string, string | string[]>) =>
      agent.post(`/admin/stats/${setup.survey.id}/quality/review?show=all`).type('form').send(formBody({ _csrf: token, ...body }));
    const noReason = await bulk(admin, csrf, { ids: [ids.a1], action: 'exclude', reason: '' }).expect(400);
    expect(noReason.text).toMatch(/id="bulk-reason-error">此项为必填/);
    expect(noReason.text).toMatch(new RegExp(`value="${ids.a1}" checked`));
    const none = await bulk(admin, csrf, { action: 'exclude', reason: '原因' }).expect(400);
    expect(none.text).toContain('id="bulk-ids-error"');
    expect(none.text).toContain('value="原因"');
    // A page holds 50 rows; a form with more fields than any page sends is refused before it is read (the API says 400 "ids").
    await bulk(admin, csrf, { ids: Array.from({ length: 501 }, (_, i) => `id-${i}`), action: 'exclude', reason: '原因' }).expect(413);
    const unknown = await bulk(admin, csrf, { ids: [ids.a1], action: 'purge', reason: '原因' }).expect(400);
    expect(unknown.text).toContain('id="bulk-action-error"');
    const viewer = await loginAs(t, 'viewer');
    await bulk(viewer.agent, csrfFrom((await viewer.agent.get('/admin').expect(200)).text), { ids: [ids.a1], action: 'exclude', reason: '原因' }).expect(403);
    const [a] = setup.sites;
    const staff = await loginAs(t, 'station', { siteIds: [a!.id] });
    await bulk(staff.agent, csrfFrom((await staff.agent.get('/admin').expect(200)).text), { ids: [ids.b1], action: 'exclude', reason: '原因' }).expect(403);
    expect((await t.store.responses.list({ surveyId: setup.survey.id, review: 'excluded' }, { limit: 10 }))).toEqual([]);
  });

  it('offers the same over the API: GET one response with status and history, bulk POST with a write token only', async () => {
    const user = await addUser(t, 'api-user', 'evaluator');
    const read = (await createApiToken(t.deps, user, { scope: 'read' })).token;
    const write = (await createApiToken(t.deps, user, { scope: 'write' })).token;
    const api = (method: 'get' | 'post', path: string, token: string) => request(t.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

    const kept = await api('post', `/responses/${ids.speeder}/review`, write).send({ action: 'keep', reason: '核实' }).expect(200);
    expect(kept.body).toMatchObject({ before: 'notCounted', after: 'kept', valid: { before: 3, after: 4 }, response: { id: ids.speeder, review: 'kept', valid: true, status: 'kept', excluded: false } });
    await api('post', `/responses/${ids.speeder}/review`, write).send({ action: 'keep', reason: '再次' }).expect(409);

    const one = await api('get', `/responses/${ids.speeder}`, read).expect(200);
    expect(one.body.response).toMatchObject({ id: ids.speeder, flags: ['speeder'], review: 'kept', reviewReason: '核实', status: 'kept', valid: true });
    expect(one.body.response.deviceHash).toBeUndefined();
    expect(one.body.status).toMatchObject({ kind: 'kept', counts: true, invalidating: ['speeder'], decision: { reason: '核实', by: user.id } });
    expect(one.body.answers.find((a: { questionId: string }) => a.questionId === 'environment').labels).toEqual(['不了解/不适用']);
    expect(one.body.history).toEqual([expect.objectContaining({ actor: 'api-user', action: 'response.keep', reason: '核实', from: 'auto', to: 'kept' })]);

    const bulk = await api('post', `/surveys/${setup.survey.id}/responses/review`, write).send({ ids: [ids.a1, ids.b1, ids.speeder, 'nope'], action: 'exclude', reason: '批量' }).expect(200);
    expect(bulk.body).toEqual({ action: 'exclude', changed: [ids.a1, ids.b1, ids.speeder], skipped: [{ id: 'nope', why: 'notFound' }], valid: { before: 4, after: 1 } });
    const listed = await api('get', `/surveys/${setup.survey.id}/responses?mode=raw`, read).expect(200);
    expect(listed.body.responses.map((r: { status: string }) => r.status).sort()).toEqual(['counted', 'excluded', 'excluded', 'excluded']);
    // Without mode=raw the listing holds the valid responses, as the statistics count them.
    const valid = await api('get', `/surveys/${setup.survey.id}/responses`, read).expect(200);
    expect(valid.body.responses.map((r: { status: string }) => r.status)).toEqual(['counted']);

    await api('post', `/surveys/${setup.survey.id}/responses/review`, read).send({ ids: [ids.a2], action: 'exclude', reason: 'x' }).expect(403);
    const bad = await api('post', `/surveys/${setup.survey.id}/responses/review`, write).send({ ids: Array.from({ length: 501 }, () => ids.a2), action: 'hide', reason: '' }).expect(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['action', 'ids', 'reason']);
    await api('post', '/surveys/no-such-survey/responses/review', write).send({ ids: [ids.a2], action: 'exclude', reason: 'x' }).expect(404);
    const [a] = setup.sites;
    const staff = await addUser(t, 'api-station', 'station', [a!.id]);
    const staffToken = (await createApiToken(t.deps, staff, { scope: 'write' })).token;
    await api('get', `/responses/${ids.b1}`, staffToken).expect(404);
    await api('post', `/surveys/${setup.survey.id}/responses/review`, staffToken).send({ ids: [ids.a2], action: 'exclude', reason: 'x' }).expect(403);
    expect((await t.store.responses.get(ids.a2))!.review).toBeNull();
  });

  it('keeps the older exclusion API working: excluded true excludes, false re-includes only an excluded response', async () => {
    const user = await addUser(t, 'old-client', 'evaluator');
    const write = (await createApiToken(t.deps, user, { scope: 'write' })).token;
    const post = (body: object) => request(t.app).post(`/api/v1/responses/${ids.speeder}/exclusion`).set('Authorization', `Bearer ${write}`).send(body);
    await post({ excluded: false, reason: '恢复' }).expect(409);
    const ex = await post({ excluded: true, reason: '剔除' }).expect(200);
    expect(ex.body.response).toMatchObject({ excluded: true, status: 'excluded', reviewReason: '剔除' });
    const back = await post({ excluded: false, reason: '恢复' }).expect(200);
    expect(back.body.response).toMatchObject({ excluded: false, status: 'notCounted', review: null });
    const history = await t.store.audit.list({ limit: 10, targetId: ids.speeder });
    expect(history.map((e) => e.action)).toEqual(['response.restore', 'response.exclude']);
  });
});
