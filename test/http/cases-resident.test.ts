import request from 'supertest';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { receiptCodeOf, recordStep } from '../../server/services/cases';
import { csrfFrom, makeTestApp, type TestApp } from '../helpers/app';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

const ADMIN = { ...SYSTEM_ACTOR, id: 'admin-1', name: 'admin', role: 'admin' as const };

describe('以评促改: the resident after a bad review', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
    // Monday 2026-03-02 10:00 in Beijing: first contact due 03-03, verification 03-09, closure 03-23.
    t.clock.now = new Date('2026-03-02T02:00:00.000Z');
  });
  afterEach(async () => {
    await t.close();
  });

  async function submitBad(over: Record<string, string> = { q_attitude: '1' }) {
    const setup = await openTemplateSurvey(t);
    const code = setup.pubs[0]!.code;
    const { agent, fields } = await openForm(t, code);
    t.clock.advance(60_000);
    const body = formBody({ ...fields!, ...templateAnswers(over) });
    const res = await agent.post(`/s/${code}`).type('form').send(body).expect(303);
    return { ...setup, code, agent, body, location: res.headers.location! };
  }

  it('opens exactly one case for a 非常不满意 answer, and a retried submission opens no second', async () => {
    const { survey, code, agent, body, location } = await submitBad();
    expect(location).toMatch(new RegExp(`^/s/${code}/thanks\\?r=`));
    const retry = await agent.post(`/s/${code}`).type('form').send(body).expect(303);
    expect(retry.headers.location).toBe(location);
    const cases = await t.store.cases.list({ surveyId: survey.id });
    expect(cases).toHaveLength(1);
    expect(cases[0]).toMatchObject({ status: 'open', due: { contact: '2026-03-03', verify: '2026-03-09', close: '2026-03-23' } });
    expect(await t.store.responses.count({ surveyId: survey.id })).toBe(1);
  });

  it('opens none for a satisfied resident and thanks them as before', async () => {
    const { survey, code, location } = await submitBad({ q_attitude: '3', q_overall: '4' });
    expect(location).toBe(`/s/${code}/thanks`);
    expect(await t.store.cases.list({ surveyId: survey.id })).toEqual([]);
  });

  it('shows the receipt code and an unticked, optional contact form on the thank-you page', async () => {
    const { survey, agent, location } = await submitBad({ q_overall: '2' });
    const page = await agent.get(location).expect(200);
    const [c] = await t.store.cases.list({ surveyId: survey.id });
    const codeText = receiptCodeOf(t.deps, c!.id);
    expect(page.text).toContain(`${codeText.slice(0, 5)}-${codeText.slice(5)}`);
    expect(page.text).toContain(`http://manyi.test/c/${codeText}`);
    expect(page.text).toContain('name="phone"');
    expect(page.text).toMatch(/<input id="case-callback" name="callback" type="checkbox" value="1">/);
    expect(page.text).not.toMatch(/checked/);
    // The code itself is nowhere in the store: only its hash.
    expect(JSON.stringify(await t.store.cases.get(c!.id))).not.toContain(codeText);
  });

  it('stores the contact apart from the answers only for the holder of the signed reference', async () => {
    const { survey, agent, location, code } = await submitBad();
    const page = await agent.get(location).expect(200);
    const ref = /name="r" value="([^"]+)"/.exec(page.text)![1]!;
    const csrf = csrfFrom(page.text);
    const forged = await agent.post(`/s/${code}/contact`).type('form').send({ _csrf: csrf, r: ref.replace(/.$/, (ch) => (ch === 'A' ? 'B' : 'A')), phone: '13800138000' });
    expect(forged.status).toBe(404);
    const bad = await agent.post(`/s/${code}/contact`).type('form').send({ _csrf: csrf, r: ref, phone: '12345', callback: '1' }).expect(400);
    expect(bad.text).toContain('请填写有效的手机号码');
    expect(bad.text).toContain('value="12345"');
    expect(bad.text).toMatch(/name="callback" type="checkbox" value="1" checked/);
    const noCsrf = await agent.post(`/s/${code}/contact`).type('form').send({ r: ref, phone: '13800138000' });
    expect(noCsrf.status).toBe(403);
    const ok = await agent.post(`/s/${code}/contact`).type('form').send({ _csrf: csrf, r: ref, phone: '138 0013 8000', callback: '1' }).expect(303);
    const after = await agent.get(ok.headers.location!).expect(200);
    expect(after.text).toContain('已收到您的联系方式');
    const [c] = await t.store.cases.list({ surveyId: survey.id });
    expect(c!.named).toBe(true);
    expect(c!.nextDue).toBe('2026-03-03');
    expect(await t.store.cases.getContact(c!.id)).toMatchObject({ phone: '13800138000', callback: true, deleteAfter: null });
    const response = await t.store.responses.get(c!.responseId);
    expect(JSON.stringify(response)).not.toContain('13800138000');
  });

  it('shows the status and due date at /c/<code> and nothing else, without JavaScript', async () => {
    const { survey, agent, location, code } = await submitBad();
    const page = await agent.get(location);
    await agent.post(`/s/${code}/contact`).type('form').send({ _csrf: csrfFrom(page.text), r: /name="r" value="([^"]+)"/.exec(page.text)![1]!, phone: '13800138000' }).expect(303);
    const [c] = await t.store.cases.list({ surveyId: survey.id });
    const receipt = receiptCodeOf(t.deps, c!.id);
    const res = await request(t.app).get(`/c/${receipt.toLowerCase()}`).expect(200);
    const main = /<main id="main">([\s\S]*)<\/main>/.exec(res.text)![1]!.replace(/\u2060/g, '');
    expect(main).toContain('待处理');
    expect(main).toContain('2026-03-03');
    for (const secret of ['13800138000', '雄关街道社工站', '希望多组织老年人活动', survey.title]) expect(main).not.toContain(secret);
    expect(res.text).not.toMatch(/<script/i);
  });

  it('answers a wrong code exactly like an expired one', async () => {
    const { survey } = await submitBad();
    const [c] = await t.store.cases.list({ surveyId: survey.id });
    const receipt = receiptCodeOf(t.deps, c!.id);
    const steps = [
      { step: 'verify' as const, finding: 'true' as const, note: '属实' },
      { step: 'act' as const, action: 'immediate' as const, item: '', itemDue: null, note: '' },
      { step: 'close' as const, note: '' },
    ];
    for (const s of steps) await recordStep(t.deps, ADMIN, c!.id, s);
    await request(t.app).get(`/c/${receipt}`).expect(200);
    t.clock.advance(91 * 86_400_000);
    const expired = await request(t.app).get(`/c/${receipt}`).expect(404);
    const wrong = await request(t.app).get('/c/ABCDE23456').expect(404);
    const garbage = await request(t.app).get('/c/not-a-code').expect(404);
    const main = (html: string) => /<main id="main">([\s\S]*)<\/main>/.exec(html)![1]!.replace(/name="_csrf" value="[^"]*"/g, '');
    expect(main(expired.text)).toBe(main(wrong.text));
    expect(main(garbage.text)).toBe(main(wrong.text));
  });

  it('rate-limits look-ups of receipt codes', async () => {
    const agent = request(t.app);
    for (let i = 0; i < 30; i++) await agent.get('/c/ABCDE23456').expect(404);
    await agent.get('/c/ABCDE23456').expect(429);
  });
});
