import request from 'supertest';
import { sameTallies, tallyDeltas, mergeDeltas } from '../../server/domain/tally';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { setSurveyStatus } from '../../server/services/surveys';
import { formKey } from '../../server/routes/respond-form';
import { newFormToken, signFormToken } from '../../server/services/form-token';
import { csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

describe('resident questionnaire /s/:code', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  /** Tallies in the store equal a recomputation from the stored responses. */
  async function expectTalliesConsistent(surveyId: string) {
    // On MongoDB a submission's tallies are applied in batches: apply what is pending first.
    await t.store.tallies.settle(surveyId);
    const survey = (await t.store.surveys.get(surveyId))!;
    const deltas = [];
    for await (const r of t.store.responses.stream({ surveyId })) deltas.push(...tallyDeltas(r, (await t.store.surveys.getVersion(surveyId, r.version))!.questions));
    expect(sameTallies(await t.store.tallies.dump(surveyId), mergeDeltas(deltas))).toEqual({ same: true });
    return survey;
  }

  it('shows the questionnaire in Chinese with real labels, fieldsets and no script', async () => {
    const { pubs } = await openTemplateSurvey(t);
    const res = await request(t.app).get(`/s/${pubs[0]!.code}`).expect(200);
    expect(res.headers['cache-control']).toBe('no-store');
    expect(res.text).toContain('<html lang="zh-CN">');
    expect(res.text).toContain('社工站服务对象满意度调查');
    expect(res.text).toContain('雄关街道社工站');
    expect(res.text).toContain('<legend><span class="num">1.</span> 您属于以下哪一类服务对象？');
    expect(res.text).toMatch(/<label class="opt" for="q_attitude-0"><input type="radio" id="q_attitude-0" name="q_attitude" value="5" required> <span>非常满意<\/span><\/label>/);
    expect(res.text).toContain('不了解/不适用');
    expect(res.text).not.toMatch(/<script/i);
    expect(res.text).not.toMatch(/ style=/);
  });

  it('stores a valid submission once, with its tallies, and thanks the resident', async () => {
    const { survey, pubs, sites } = await openTemplateSurvey(t);
    const { agent, fields } = await openForm(t, pubs[0]!.code);
    t.clock.advance(95_000);
    const res = await agent.post(`/s/${pubs[0]!.code}`).type('form').send(formBody({ ...fields!, ...templateAnswers() }));
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/s/${pubs[0]!.code}/thanks`);
    const thanks = await agent.get(res.headers.location!).expect(200);
    expect(thanks.text).toContain('提交成功，谢谢您！');

    const [stored] = await t.store.responses.list({ surveyId: survey.id }, { limit: 10 });
    expect(stored).toMatchObject({
      siteId: sites[0]!.id,
      channel: 'qr',
      version: 1,
      segment: 'elderly',
      flags: [],
      durationMs: 95_000,
      answers: { category: 'elderly', received: ['visit', 'home'], attitude: '5', environment: 'na', suggestions: '希望多组织老年人活动' },
    });
    expect(stored!.ipHash).not.toMatch(/127\.0\.0\.1|::/);
    expect(stored!.deviceHash).toHaveLength(32);
    const after = await expectTalliesConsistent(survey.id);
    expect(after.responseCount).toBe(1);
  });

  it('stores a retried POST (double tap, flaky network, back button) only once and thanks again', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const { agent, fields } = await openForm(t, pubs[0]!.code);
    const body = formBody({ ...fields!, ...templateAnswers() });
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => agent.post(`/s/${pubs[0]!.code}`).type('form').send(body)));
    for (const r of results) {
      expect(r.status).toBe(303);
      expect(r.headers.location).toBe(`/s/${pubs[0]!.code}/thanks`);
    }
    expect(await t.store.responses.count({ surveyId: survey.id })).toBe(1);
    expect((await expectTalliesConsistent(survey.id)).responseCount).toBe(1);
  });

  it('shows the form again with 400, each problem next to its question and every answer kept', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const { agent, fields } = await openForm(t, pubs[0]!.code);
    const answers = templateAnswers({ q_attitude: '', q_competence: '7', q_suggestions: '长'.repeat(501) });
    const res = await agent.post(`/s/${pubs[0]!.code}`).type('form').send(formBody({ ...fields!, ...answers }));
    expect(res.status).toBe(400);
    expect(res.text).toContain('有 3 道题需要修改');
    expect(res.text).toMatch(/id="err-attitude">这道题需要回答。/);
    expect(res.text).toMatch(/id="err-competence">请从给出的选项中选择。/);
    expect(res.text).toMatch(/id="err-suggestions">最多 500 个字，现在是 501 个字。/);
    // Kept: the segment answer, a multi choice, a Likert answer and the text.
    expect(res.text).toMatch(/value="elderly" checked/);
    expect(res.text).toMatch(/name="q_received" value="visit" checked/);
    expect(res.text).toMatch(/name="q_overall" value="5" checked/);
    expect(res.text).toContain('长'.repeat(501));
    expect(await t.store.responses.count({ surveyId: survey.id })).toBe(0);
  });

  it.each([
    ['an unknown option', { q_category: 'martian' }, /err-category">请从给出的选项中选择。/],
    ['two values for a single choice', { q_overall: ['5', '4'] }, /err-overall">这道题只能选一项。/],
    ['an unknown multi option', { q_received: ['visit', 'teleport'] }, /err-received">请从给出的选项中选择。/],
    ['a missing required answer', { q_category: undefined }, /err-category">这道题需要回答。/],
    ['a question that is not in the survey', { q_bogus: 'x' }, /问卷里没有这道题/],
  ])('refuses %s with a clear 400 and stores nothing', async (_name, over, message) => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const { agent, fields } = await openForm(t, pubs[0]!.code);
    const res = await agent.post(`/s/${pubs[0]!.code}`).type('form').send(formBody({ ...fields!, ...templateAnswers(over as Record<string, string>) }));
    expect(res.status).toBe(400);
    expect(res.text).toMatch(message);
    expect(await t.store.responses.count({ surveyId: survey.id })).toBe(0);
  });

  it('still takes a form served before form tokens were bound to the device (an unbound token with its CSRF token)', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    const { agent } = await openForm(t, code);
    // Such a page carried a CSRF token bound to the device cookie (as the login page's still is) and an unbound form token.
    const csrf = csrfFrom((await agent.get('/login').expect(200)).text);
    const unbound = signFormToken(formKey(t.deps), newFormToken(pubs[0]!.id, survey.version, t.clock.now.getTime(), 'qr'));
    t.clock.advance(60_000);
    await request(t.app).post(`/s/${code}`).type('form').send(formBody({ _csrf: csrf, ft: unbound, ...templateAnswers() })).expect(403);
    await agent.post(`/s/${code}`).type('form').send(formBody({ ft: unbound, ...templateAnswers() })).expect(403);
    await agent.post(`/s/${code}`).type('form').send(formBody({ _csrf: csrf, ft: unbound, ...templateAnswers() })).expect(303);
    expect(await t.store.responses.count({ surveyId: survey.id })).toBe(1);
  });

  it('refuses a form token without its phone’s device cookie, of another phone, missing or forged (403), and another station’s (400), storing nothing', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    const { agent, fields } = await openForm(t, code);
    // The form token is bound to the phone's device cookie: it is the form's CSRF check, and the page has no CSRF token.
    expect(fields!._csrf).toBeUndefined();
    const noCookie = await request(t.app).post(`/s/${code}`).type('form').send(formBody({ ft: fields!.ft, ...templateAnswers() }));
    expect(noCookie.status).toBe(403);
    expect(noCookie.text).toContain('页面已过期或表单来源无法验证');
    const otherPhone = await openForm(t, code);
    await agent.post(`/s/${code}`).type('form').send(formBody({ ft: otherPhone.fields!.ft, ...templateAnswers() })).expect(403);
    const noToken = await agent.post(`/s/${code}`).type('form').send(formBody({ ...templateAnswers() }));
    expect(noToken.status).toBe(403);
    // A CSRF field does not stand in for the form token.
    await agent.post(`/s/${code}`).type('form').send(formBody({ _csrf: 'x', ...templateAnswers() })).expect(403);
    // Every other last character (the one a lenient base64url decoding half ignores), and a NUL or space appended.
    const last = fields!.ft.slice(-1);
    const forgeries = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].filter((c) => c !== last).map((c) => fields!.ft.slice(0, -1) + c);
    for (const forged of [...forgeries, `${fields!.ft}\u0000`, `${fields!.ft} `]) {
      const res = await agent.post(`/s/${code}`).type('form').send(formBody({ ft: forged, ...templateAnswers() }));
      expect(res.status).toBe(403);
      t.clock.advance(3_000);
    }
    // A token this phone was given for another station's publication is not accepted here: the form again, answers kept.
    const other = await openForm(t, pubs[1]!.code, agent);
    const elsewhere = await agent.post(`/s/${code}`).type('form').send(formBody({ ft: other.fields!.ft, ...templateAnswers() }));
    expect(elsewhere.status).toBe(400);
    expect(elsewhere.text).toContain('页面已失效');
    expect(elsewhere.text).toMatch(/value="elderly" checked/);
    expect(await t.store.responses.count({ surveyId: survey.id })).toBe(0);
  });

  it('refuses an oversize body with 413', async () => {
    const { pubs } = await openTemplateSurvey(t);
    const { agent, fields } = await openForm(t, pubs[0]!.code);
    const res = await agent.post(`/s/${pubs[0]!.code}`).type('form').send(formBody({ ...fields!, ...templateAnswers({ q_suggestions: 'x'.repeat(70_000) }) }));
    expect(res.status).toBe(413);
    expect(res.text).toContain('提交的内容太大。');
  });

  it('answers an unknown code with a 404 page and a closed survey with 410 调查已结束', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const unknown = await request(t.app).get('/s/abcdefghjk').expect(404);
    expect(unknown.text).toContain('找不到这份问卷');
    await request(t.app).get('/s/..%2F..%2Fetc').expect(404);
    const { agent, fields } = await openForm(t, pubs[0]!.code);
    await setSurveyStatus(t.deps, SYSTEM_ACTOR, survey.id, { status: 'closed' });
    const closed = await request(t.app).get(`/s/${pubs[0]!.code}`).expect(410);
    expect(closed.text).toContain('调查已结束，感谢参与');
    const late = await agent.post(`/s/${pubs[0]!.code}`).type('form').send(formBody({ ...fields!, ...templateAnswers() }));
    expect(late.status).toBe(410);
    await setSurveyStatus(t.deps, SYSTEM_ACTOR, survey.id, { status: 'archived' });
    await request(t.app).get(`/s/${pubs[0]!.code}`).expect(410);
    expect(await t.store.responses.count({ surveyId: survey.id })).toBe(0);
  });

  it('refuses a second answer from the same phone with a friendly page, but not from another phone', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    const { agent, fields } = await openForm(t, code);
    const second = await openForm(t, code, agent);
    await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers() })).expect(303);
    const again = await agent.get(`/s/${code}`).expect(200);
    expect(again.text).toContain('您已经填写过了');
    const dup = await agent.post(`/s/${code}`).type('form').send(formBody({ ...second.fields!, ...templateAnswers() }));
    expect(dup.status).toBe(409);
    expect(dup.text).toContain('这台手机已经提交过这份问卷');
    const otherPhone = await openForm(t, code);
    await otherPhone.agent.post(`/s/${code}`).type('form').send(formBody({ ...otherPhone.fields!, ...templateAnswers() })).expect(303);
    expect(await t.store.responses.count({ surveyId: survey.id })).toBe(2);
  });

  it('lets the same phone answer again when the survey allows unlimited answers, and flags it at another station', async () => {
    const { survey, pubs } = await openTemplateSurvey(t, { duplicatePolicy: 'unlimited' });
    const first = await openForm(t, pubs[0]!.code);
    await first.agent.post(`/s/${pubs[0]!.code}`).type('form').send(formBody({ ...first.fields!, ...templateAnswers() })).expect(303);
    const second = await openForm(t, pubs[1]!.code, first.agent);
    t.clock.advance(60_000);
    await first.agent.post(`/s/${pubs[1]!.code}`).type('form').send(formBody({ ...second.fields!, ...templateAnswers() })).expect(303);
    const list = await t.store.responses.list({ surveyId: survey.id }, { limit: 5 });
    expect(list.map((r) => r.flags)).toEqual([['speeder'], ['multisite']]);
  });

  it('flags a too-fast answer and identical answers to every satisfaction item, without refusing them', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const { agent, fields } = await openForm(t, pubs[0]!.code);
    t.clock.advance(5_000);
    const same = { q_attitude: '5', q_competence: '5', q_timeliness: '5', q_effect: '5', q_environment: '5', q_overall: '5' };
    await agent.post(`/s/${pubs[0]!.code}`).type('form').send(formBody({ ...fields!, ...templateAnswers(same) })).expect(303);
    const [r] = await t.store.responses.list({ surveyId: survey.id }, { limit: 1 });
    expect(r!.flags.sort()).toEqual(['speeder', 'straightline']);
    expect(r!.durationMs).toBe(5_000);
    await t.store.tallies.settle(survey.id);
    const tallies = await t.store.tallies.query({ surveyId: survey.id, level: 'sites', groupBy: ['state'], questionIds: ['_n'] });
    expect(tallies).toEqual([expect.objectContaining({ state: 'speeder,straightline', count: 1 })]);
  });

  it('rate-limits submissions per IP', async () => {
    const { pubs } = await openTemplateSurvey(t);
    const { agent, fields } = await openForm(t, pubs[0]!.code);
    let last = 0;
    for (let i = 0; i < 31; i++) last = (await agent.post(`/s/${pubs[0]!.code}`).type('form').send(formBody({ ...fields!, q_category: 'bogus' }))).status;
    expect(last).toBe(429);
  });

  it('records assisted entry by a logged-in station worker, and refuses it to anyone else', async () => {
    const { survey, pubs, sites } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    const { agent, user } = await loginAs(t, 'station', { siteIds: [sites[0]!.id] });
    for (let i = 0; i < 2; i++) {
      const page = await agent.get(`/s/${code}?assisted=1`).expect(200);
      expect(page.text).toContain('代填模式');
      const { fields } = await openForm(t, code, agent, '?assisted=1');
      const res = await agent.post(`/s/${code}?assisted=1`).type('form').send(formBody({ ...fields!, ...templateAnswers() }));
      expect(res.headers.location).toBe(`/s/${code}/thanks?assisted=1`);
    }
    const stored = await t.store.responses.list({ surveyId: survey.id }, { limit: 5 });
    expect(stored.map((r) => [r.channel, r.enteredBy])).toEqual([
      ['assisted', user.id],
      ['assisted', user.id],
    ]);
    // A worker of another station, or nobody, gets the ordinary form.
    const other = await loginAs(t, 'station', { siteIds: [sites[1]!.id] });
    const page = await other.agent.get(`/s/${code}?assisted=1`).expect(200);
    expect(page.text).not.toContain('代填模式');
  });

  it('answers in English with ?lang=en and remembers large text', async () => {
    const { pubs } = await openTemplateSurvey(t);
    const agent = request.agent(t.app);
    const en = await agent.get(`/s/${pubs[0]!.code}?lang=en`).expect(200);
    expect(en.text).toContain('<html lang="en">');
    expect(en.text).toContain('Submit');
    await agent.get(`/s/${pubs[0]!.code}?big=1`).expect(200);
    const big = await agent.get(`/s/${pubs[0]!.code}`).expect(200);
    expect(big.text).toContain('<body class="respond big">');
  });

  it('keeps each response on the version it answered when questions change', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const first = await openForm(t, pubs[0]!.code);
    await first.agent.post(`/s/${pubs[0]!.code}`).type('form').send(formBody({ ...first.fields!, ...templateAnswers() })).expect(303);
    const { agent } = await loginAs(t, 'evaluator');
    const page = await agent.get(`/admin/surveys/${survey.id}`).expect(200);
    const csrf = /name="_csrf" value="([^"]+)"/.exec(page.text)![1]!;
    await agent.post(`/admin/surveys/${survey.id}/questions/suggestions/delete`).type('form').send({ _csrf: csrf, version: '1' }).expect(303);
    const v2 = (await t.store.surveys.get(survey.id))!;
    expect(v2.version).toBe(2);
    const second = await openForm(t, pubs[0]!.code);
    expect(second.page.text).not.toContain('意见或建议');
    await second.agent.post(`/s/${pubs[0]!.code}`).type('form').send(formBody({ ...second.fields!, ...templateAnswers({ q_suggestions: [] }) })).expect(303);
    const list = await t.store.responses.list({ surveyId: survey.id }, { limit: 5 });
    expect(list.map((r) => r.version)).toEqual([1, 2]);
    await expectTalliesConsistent(survey.id);
  });
});
