import request from 'supertest';
import { csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

describe('以评促改: handling cases', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
    t.clock.now = new Date('2026-03-02T02:00:00.000Z');
  });
  afterEach(async () => {
    await t.close();
  });

  /** A bad review at the first station, with a phone number left on the thank-you page. */
  async function badReview(setup: Awaited<ReturnType<typeof openTemplateSurvey>>, pubIndex = 0, phone: string | null = '13800138000') {
    const code = setup.pubs[pubIndex]!.code;
    const { agent, fields } = await openForm(t, code);
    t.clock.advance(60_000);
    const res = await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers({ q_attitude: '1', q_suggestions: '工作人员态度很差' }) })).expect(303);
    if (phone) {
      const page = await agent.get(res.headers.location!);
      await agent.post(`/s/${code}/contact`).type('form').send({ _csrf: csrfFrom(page.text), r: /name="r" value="([^"]+)"/.exec(page.text)![1]!, phone, callback: '1' }).expect(303);
    }
    const cases = await t.store.cases.list({ surveyId: setup.survey.id });
    return cases[cases.length - 1]!;
  }

  async function step(agent: request.Agent, caseId: string, fields: Record<string, string>) {
    const page = await agent.get(`/admin/cases/${caseId}`).expect(200);
    return agent.post(`/admin/cases/${caseId}/step`).type('form').send({ _csrf: csrfFrom(page.text), ...fields });
  }

  it('shows a station worker their open cases first, by deadline, late ones marked, with a count on every page', async () => {
    const setup = await openTemplateSurvey(t);
    const older = await badReview(setup, 0, null);
    t.clock.now = new Date('2026-03-09T02:00:00.000Z');
    const newer = await badReview(setup, 0, '13800138000');
    t.clock.now = new Date('2026-03-10T02:00:00.000Z');
    const { agent } = await loginAs(t, 'station', { siteIds: [setup.sites[0]!.id] });
    const home = await agent.get('/admin').expect(200);
    const first = home.text.indexOf(`/admin/cases/${older.id}`);
    const second = home.text.indexOf(`/admin/cases/${newer.id}`);
    expect(first).toBeGreaterThan(0);
    expect(second).toBeGreaterThan(first);
    expect(home.text.indexOf('cases-heading')).toBeLessThan(home.text.indexOf('assist-heading'));
    // older waits for verification due 03-09: late on 03-10; newer (named) for first contact due 03-10: due today.
    expect(home.text).toContain('差评待办 2 件');
    expect((home.text.match(/badge late/g) ?? []).length).toBe(1);
    const other = await loginAs(t, 'station', { siteIds: [setup.sites[1]!.id] });
    const otherHome = await other.agent.get('/admin').expect(200);
    expect(otherHome.text).not.toContain(older.id);
    expect(otherHome.text).not.toContain('差评待办');
    await other.agent.get(`/admin/cases/${older.id}`).expect(404);
  });

  it('shows the response and the contact to the station, audits each view, and hides the contact from evaluators', async () => {
    const setup = await openTemplateSurvey(t);
    const c = await badReview(setup);
    const { agent } = await loginAs(t, 'station', { siteIds: [setup.sites[0]!.id] });
    const page = await agent.get(`/admin/cases/${c.id}`).expect(200);
    expect(page.text).toContain('工作人员态度很差');
    expect(page.text).toContain('13800138000');
    expect(await t.store.audit.count({ action: 'case.contact.view', targetId: c.id })).toBe(1);
    const evaluator = await loginAs(t, 'evaluator');
    const seen = await evaluator.agent.get(`/admin/cases/${c.id}`).expect(200);
    expect(seen.text).toContain('工作人员态度很差');
    expect(seen.text).not.toContain('13800138000');
    expect(await t.store.audit.count({ action: 'case.contact.view', targetId: c.id })).toBe(1);
  });

  it('records each step through the forms, audited, refusing a verification without a reason', async () => {
    const setup = await openTemplateSurvey(t);
    const c = await badReview(setup);
    const { agent } = await loginAs(t, 'station', { siteIds: [setup.sites[0]!.id] });
    await step(agent, c.id, { step: 'contact', note: '已电话联系' }).then((r) => expect(r.status).toBe(303));
    const refused = await step(agent, c.id, { step: 'verify', finding: 'partly', note: '' });
    expect(refused.status).toBe(400);
    expect(refused.text).toContain('请写明理由或说明');
    expect(refused.text).toMatch(/name="finding" value="partly" checked/);
    await step(agent, c.id, { step: 'verify', finding: 'partly', note: '查看监控，部分属实' }).then((r) => expect(r.status).toBe(303));
    const noItem = await step(agent, c.id, { step: 'act', action: 'deadline', item: '', itemDue: '2026-03-20', note: '' });
    expect(noItem.status).toBe(400);
    expect(noItem.text).toContain('限期整改请写明整改事项');
    await step(agent, c.id, { step: 'act', action: 'deadline', item: '接待窗口增设引导员', itemDue: '2026-03-20', note: '' }).then((r) => expect(r.status).toBe(303));
    await step(agent, c.id, { step: 'close', note: '已整改' }).then((r) => expect(r.status).toBe(303));
    // 回访 is the evaluators' step, not the station's.
    const notYours = await agent.post(`/admin/cases/${c.id}/step`).type('form').send({ _csrf: csrfFrom((await agent.get(`/admin/cases/${c.id}`)).text), step: 'review', note: '回访满意' });
    expect(notYours.status).toBe(403);
    const evaluator = await loginAs(t, 'evaluator');
    await step(evaluator.agent, c.id, { step: 'review', note: '回访：居民表示满意' }).then((r) => expect(r.status).toBe(303));
    const page = await evaluator.agent.get(`/admin/cases/${c.id}`).expect(200);
    expect(page.text).toContain('已回访');
    expect(page.text).toContain('接待窗口增设引导员');
    const stored = await t.store.cases.get(c.id);
    expect(stored).toMatchObject({ status: 'reviewed', finding: 'partly', action: { kind: 'deadline', item: '接待窗口增设引导员', itemDue: '2026-03-20' } });
    for (const action of ['case.contacted', 'case.verify', 'case.act', 'case.close', 'case.review']) expect([action, await t.store.audit.count({ action, targetId: c.id })]).toEqual([action, 1]);
    // Closing set the contact's deletion date: 90 days later.
    expect((await t.store.cases.getContact(c.id))!.deleteAfter).toBe(new Date(new Date(stored!.closedAt!).getTime() + 90 * 86_400_000).toISOString());
  });

  it('lets an evaluator reopen a case and mark a review 恶意 with a reason, which leaves the metrics', async () => {
    const setup = await openTemplateSurvey(t);
    const a = await badReview(setup);
    await badReview(setup, 1, null);
    const evaluator = await loginAs(t, 'evaluator');
    const before = await evaluator.agent.get(`/admin/surveys/${setup.survey.id}/cases`).expect(200);
    expect(before.text).toMatch(/<th scope="row">全部站点<\/th>\s*<td>2<\/td>/);
    await step(evaluator.agent, a.id, { step: 'appeal', appeal: 'malicious', note: '同一设备连续差评' }).then((r) => expect(r.status).toBe(303));
    const after = await evaluator.agent.get(`/admin/surveys/${setup.survey.id}/cases`).expect(200);
    expect(after.text).toMatch(/<th scope="row">全部站点<\/th>\s*<td>1<\/td>/);
    expect(await t.store.responses.get(a.responseId)).not.toBeNull();
    const dashboard = await evaluator.agent.get(`/admin/stats/${setup.survey.id}`).expect(200);
    expect(dashboard.text).toContain('id="case-metrics-heading"');
    expect(dashboard.text).toMatch(/<th scope="row">全部站点<\/th>\s*<td>1<\/td>/);
    const late = await evaluator.agent.get(`/admin/surveys/${setup.survey.id}/cases?late=1`).expect(200);
    expect(late.text).toContain('没有符合条件的差评');
    const admin = await loginAs(t, 'admin');
    await step(admin.agent, a.id, { step: 'verify', finding: 'true', note: '属实' });
    await step(admin.agent, a.id, { step: 'act', action: 'immediate', note: '' });
    await step(admin.agent, a.id, { step: 'close', note: '' });
    await step(admin.agent, a.id, { step: 'reopen', note: '居民再次投诉' }).then((r) => expect(r.status).toBe(303));
    expect(await t.store.cases.get(a.id)).toMatchObject({ status: 'open', reopenCount: 1 });
    expect(await t.store.audit.count({ action: 'case.reopen', targetId: a.id })).toBe(1);
    // Sessions expire when idle: sign in again after the clock moves on.
    t.clock.now = new Date('2026-03-20T02:00:00.000Z');
    const later = await loginAs(t, 'evaluator');
    const lateLater = await later.agent.get(`/admin/surveys/${setup.survey.id}/cases?late=1`).expect(200);
    expect((lateLater.text.match(/href="\/admin\/cases\//g) ?? []).length).toBe(2);
  });

  it('lets the admin enter next year’s notice, which gives waiting cases their due dates, and warns from 1 November', async () => {
    t.clock.now = new Date('2026-12-18T02:00:00.000Z');
    const setup = await openTemplateSurvey(t);
    const c = await badReview(setup, 0, null);
    expect(c.calendarGap).toBe(2027);
    expect(c.due.close).toBeNull();
    const { agent } = await loginAs(t, 'admin');
    const page = await agent.get('/admin/calendar').expect(200);
    expect(page.text).toContain('工作日历还没有 2027 年的放假安排');
    const bad = await agent.post('/admin/calendar').type('form').send({ _csrf: csrfFrom(page.text), year: '2027', lines: '2027-01-01 休\n2027-13-01 休' }).expect(400);
    expect(bad.text).toContain('第 2 行看不懂');
    await agent.post('/admin/calendar').type('form').send({ _csrf: csrfFrom(page.text), year: '2027', lines: '2027-01-01 休\n2027-02-06 班\n2027-02-10 休' }).expect(303);
    const updated = await t.store.cases.get(c.id);
    expect(updated!.calendarGap).toBeNull();
    // 15 working days after Friday 2026-12-18: 12-21 … 12-31 (9), 2027-01-04 … 01-08 (5), 01-11 (15th).
    expect(updated!.due.close).toBe('2027-01-11');
    const after = await agent.get('/admin/calendar').expect(200);
    expect(after.text).not.toContain('工作日历还没有');
    expect(await t.store.audit.count({ action: 'calendar.update' })).toBe(1);
  });

  it('saves a survey’s case levels and deadlines', async () => {
    const setup = await openTemplateSurvey(t);
    const { agent } = await loginAs(t, 'evaluator');
    const page = await agent.get(`/admin/surveys/${setup.survey.id}/cases`).expect(200);
    await agent.post(`/admin/surveys/${setup.survey.id}/cases/settings`).type('form').send(`_csrf=${encodeURIComponent(csrfFrom(page.text))}&levels=1&contactDays=2&verifyDays=5&closeDays=10`).expect(303);
    expect((await t.store.surveys.get(setup.survey.id))!.settings.cases).toEqual({ levels: [1], contactDays: 2, verifyDays: 5, closeDays: 10 });
    // 不满意 (2) no longer opens a case.
    const code = setup.pubs[0]!.code;
    const { agent: phone, fields } = await openForm(t, code);
    t.clock.advance(60_000);
    await phone.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers({ q_attitude: '2' }) })).expect(303);
    expect(await t.store.cases.list({ surveyId: setup.survey.id })).toEqual([]);
  });
});
