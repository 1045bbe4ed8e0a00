import { csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

/**
 * The honeypot (a field people cannot see, named `website`) never drops an answer silently: a hit
 * is stored flagged `honeypot`, out of every valid count whatever the survey's rules, shown and
 * explained on the data-quality pages, and a person can keep it. The sender sees the thank-you page.
 */
describe('the honeypot keeps what it catches', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;
  beforeEach(async () => {
    t = await makeTestApp();
    // Every rule off: honeypot must leave the valid count by itself.
    setup = await openTemplateSurvey(t, { qualityRules: [] });
  });
  afterEach(async () => {
    await t.close();
  });

  /** Submits the template answers with `website` as given; returns the status, the redirect and the thank-you page. */
  async function submit(website: string | string[] | undefined, suggestion: string) {
    const code = setup.pubs[0]!.code;
    const { agent, fields } = await openForm(t, code);
    t.clock.advance(60_000);
    const res = await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers({ q_suggestions: suggestion }), website }));
    const thanks = res.status === 303 ? await agent.get(String(res.headers.location)).expect(200) : null;
    return { res, thanks };
  }

  const stored = async (suggestion: string) => (await t.store.responses.list({ surveyId: setup.survey.id }, { limit: 50 })).find((r) => r.answers.suggestions === suggestion);

  it.each([
    ['filled once', 'http://spam.example'],
    ['filled with spaces', '   '],
    ['sent twice (an array)', ['http://a.example', 'http://b.example']],
    ['sent twice empty (an array of empty strings)', ['', '']],
  ])('stores a response whose honeypot was %s, flagged honeypot, and thanks the sender as usual', async (_what, website) => {
    const { res, thanks } = await submit(website, `机器人 ${JSON.stringify(website)}`);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe(`/s/${setup.pubs[0]!.code}/thanks`);
    expect(thanks!.text).toContain('提交成功，谢谢您！');
    const r = await stored(`机器人 ${JSON.stringify(website)}`);
    expect(r).toBeDefined();
    expect(r!.flags).toEqual(['honeypot']);
    expect(r!.review).toBeNull();
  });

  it('stores an untouched honeypot (one empty string) and a form without it unflagged', async () => {
    await submit('', '真人');
    await submit(undefined, '没有这一栏');
    expect((await stored('真人'))!.flags).toEqual([]);
    expect((await stored('没有这一栏'))!.flags).toEqual([]);
  });

  it('leaves honeypot responses out of the valid count with every rule off, and counts one a person kept', async () => {
    await submit('', '真人');
    await submit('http://spam.example', '机器人');
    await submit(['', ''], '机器人二');
    const { agent } = await loginAs(t, 'evaluator');
    let stats = (await agent.get(`/api/v1/surveys/${setup.survey.id}/stats`).expect(200)).body;
    expect(stats.overall).toMatchObject({ received: 3, valid: 1 });
    expect(stats.quality).toMatchObject({ received: 3, valid: 1, flags: { honeypot: 2 } });

    const bot = await stored('机器人');
    const page = await agent.get(`/admin/responses/${bot!.id}`).expect(200);
    expect(page.text).toContain('填写了隐藏的防机器人栏');
    expect(page.text).toContain('通常是机器人提交的');
    expect(page.text).toContain('总是不计入（与问卷的质量规则无关）');
    expect(page.text).toContain('id="counting-status">不计入：填写了隐藏的防机器人栏（这类答卷总是不计入，除非人工确认有效）');
    expect(page.text).toContain('value="keep"');

    await agent
      .post(`/admin/responses/${bot!.id}/review`)
      .type('form')
      .send({ _csrf: csrfFrom(page.text), action: 'keep', reason: '电话核实是居民本人' })
      .expect(303);
    expect((await t.store.responses.get(bot!.id))!.review).toBe('kept');
    stats = (await agent.get(`/api/v1/surveys/${setup.survey.id}/stats`).expect(200)).body;
    expect(stats.overall).toMatchObject({ received: 3, valid: 2 });
    expect(stats.quality).toMatchObject({ valid: 2, kept: 1, flags: { honeypot: 1 } });
  });

  it('shows the honeypot count with what it means on the data-quality page', async () => {
    await submit('http://spam.example', '机器人');
    const { agent } = await loginAs(t, 'evaluator');
    const page = await agent.get(`/admin/stats/${setup.survey.id}/quality?show=all`).expect(200);
    const card = /<div class="card" data-flag="honeypot">(.*?)<\/div>/.exec(page.text)?.[1];
    expect(card).toContain('<p class="kpi-label">填写了隐藏的防机器人栏</p><p class="kpi">1</p>');
    expect(card).toContain('总是不计入（与问卷的质量规则无关）');
    expect(card).toContain('这类答卷已保存，但总是不计入有效数');
    expect(page.text).toMatch(/<td>填写了隐藏的防机器人栏<\/td>/);
  });

  it('keeps a honeypot answer out of the valid count even when the survey switches every rule on', async () => {
    await t.store.surveys.update(setup.survey.id, { settings: { ...setup.survey.settings, qualityRules: ['speeder', 'straightline', 'burst', 'multisite'] } });
    await submit(['x'], '机器人');
    const { agent } = await loginAs(t, 'evaluator');
    const stats = (await agent.get(`/api/v1/surveys/${setup.survey.id}/stats`).expect(200)).body;
    expect(stats.overall).toMatchObject({ received: 1, valid: 0 });
    const raw = (await agent.get(`/api/v1/surveys/${setup.survey.id}/stats?mode=raw`).expect(200)).body;
    expect(raw.overall.received).toBe(1);
  });
});

describe('a text answer cleaned of invisible characters says so', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await makeTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('stores the answer without the characters, flags it cleaned, still counts it and explains the flag', async () => {
    const setup = await openTemplateSurvey(t);
    const code = setup.pubs[0]!.code;
    const { agent, fields } = await openForm(t, code);
    t.clock.advance(60_000);
    await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers({ q_suggestions: '希望\u0000多组织\u202e活动\u001b' }) })).expect(303);
    const [r] = await t.store.responses.list({ surveyId: setup.survey.id }, { limit: 1 });
    expect(r!.answers.suggestions).toBe('希望多组织活动');
    expect(r!.flags).toEqual(['cleaned']);

    const { agent: evaluator } = await loginAs(t, 'evaluator');
    const stats = (await evaluator.get(`/api/v1/surveys/${setup.survey.id}/stats`).expect(200)).body;
    expect(stats.overall).toMatchObject({ received: 1, valid: 1 });
    const page = await evaluator.get(`/admin/responses/${r!.id}`).expect(200);
    expect(page.text).toContain('<strong>已删除不可见字符</strong>');
    expect(page.text).toContain('仅作提示，不影响计入');
    expect(page.text).toContain('id="counting-status">计入<');
    // Nothing to keep: the response counts by itself.
    expect(page.text).not.toContain('value="keep"');
  });
});
