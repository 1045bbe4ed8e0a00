import request from 'supertest';
import { SESSION_COOKIE } from '../../server/http/session';
import { loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { stableHeaders, withoutTokens } from '../helpers/compare-responses';
import { formBody, formFields, openTemplateSurvey, templateAnswers } from '../helpers/survey';

const cookieNames = (h: Record<string, unknown>) => ([] as string[]).concat((h['set-cookie'] as string[] | undefined) ?? []).map((c) => c.split('=')[0]).sort();

describe('the straight path of an anonymous submission (issue 17)', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });
  const straightServed = () => (t.app.locals.residentStraightServed as () => number)();

  /** A phone that opened the form: its cookies as one header, and the form's fields. */
  async function phone(code: string) {
    const page = await request(t.app).get(`/s/${code}`).expect(200);
    const cookie = ([] as string[])
      .concat(page.headers['set-cookie'] ?? [])
      .map((c) => c.split(';')[0])
      .join('; ');
    return { cookie, fields: formFields(page.text) };
  }

  /**
   * The same submission sent by two phones: one as a resident sends it (the straight path), one
   * carrying a session cookie that names no session, which takes the full middleware chain and
   * otherwise changes nothing for an anonymous resident.
   */
  async function bothWays(path: string, code: string, body: (fields: Record<string, string>) => Record<string, string | string[] | undefined>, raw?: string) {
    const out = [];
    for (const viaFullChain of [false, true]) {
      const p = await phone(code);
      const before = straightServed();
      const res = await request(t.app)
        .post(path)
        .set('Cookie', viaFullChain ? `${p.cookie}; ${SESSION_COOKIE}=s%3Anosuchsession.x` : p.cookie)
        .type('form')
        .send(raw ?? formBody(body(p.fields as Record<string, string>)));
      expect(straightServed()).toBe(viaFullChain ? before : before + 1);
      out.push(res);
    }
    const [straight, full] = out as [request.Response, request.Response];
    expect(straight.status).toBe(full.status);
    expect(stableHeaders(straight.headers)).toEqual(stableHeaders(full.headers));
    expect(cookieNames(straight.headers)).toEqual(cookieNames(full.headers));
    expect(withoutTokens(straight.text)).toBe(withoutTokens(full.text));
    return straight;
  }

  it('answers every kind of submission exactly as the full middleware chain does', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    t.clock.advance(60_000);
    // Stored: 303 to the thank-you page, counted.
    const stored = await bothWays(`/s/${code}`, code, (f) => ({ ...f, ...templateAnswers() }));
    expect(stored.status).toBe(303);
    expect(stored.headers.location).toBe(`/s/${code}/thanks`);
    expect(await t.store.responses.count({ surveyId: survey.id })).toBe(2);
    // A bad review: 303 with the signed reference of the response whose case it opened.
    const bad = await bothWays(`/s/${code}`, code, (f) => ({ ...f, ...templateAnswers({ q_overall: '1', q_attitude: '1' }) }));
    expect(bad.headers.location).toMatch(new RegExp(`^/s/${code}/thanks\\?r=`));
    // Missing answers: the form again, 400, answers kept and the fields named.
    const invalid = await bothWays(`/s/${code}`, code, (f) => ({ ...f, ...templateAnswers(), q_overall: undefined }));
    expect(invalid.status).toBe(400);
    expect(invalid.text).toContain('name="q_overall"');
    // No form token, or a forged one: 403 (the device-bound form token is the CSRF check). A hostile key: 400. The large-text switch: the form again.
    expect((await bothWays(`/s/${code}`, code, (f) => ({ ...f, ft: undefined, ...templateAnswers() }))).status).toBe(403);
    expect((await bothWays(`/s/${code}`, code, (f) => ({ ...f, ft: `${f.ft}x`, ...templateAnswers() }))).status).toBe(403);
    expect((await bothWays(`/s/${code}`, code, (f) => ({ ...f, ...templateAnswers(), 'a[__proto__]': '1' }))).status).toBe(400);
    expect((await bothWays(`/s/${code}`, code, (f) => ({ ...f, ...templateAnswers(), _switch: 'big' }))).status).toBe(200);
    // Not UTF-8, too large, an unknown code: refused the same way.
    expect((await bothWays(`/s/${code}`, code, () => ({}), 'q_suggestions=%FF%FE')).status).toBe(415);
    expect((await bothWays(`/s/${code}`, code, (f) => ({ ...f, ...templateAnswers(), q_suggestions: 'x'.repeat(70_000) }))).status).toBe(413);
    expect((await bothWays('/s/nosuchcode', code, (f) => ({ ...f, ...templateAnswers() }))).status).toBe(404);
    // Nothing else was stored on the way.
    expect(await t.store.responses.count({ surveyId: survey.id })).toBe(4);
    expect(await t.store.cases.list({ surveyId: survey.id })).toHaveLength(2);
  });

  it('leaves a logged-in worker to the full chain (assisted entry)', async () => {
    const { survey, pubs, sites } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    const { agent } = await loginAs(t, 'station', { siteIds: [sites[0]!.id] });
    const form = await agent.get(`/s/${code}?assisted=1`).expect(200);
    const before = straightServed();
    await agent.post(`/s/${code}?assisted=1`).type('form').send(formBody({ ...formFields(form.text), ...templateAnswers() })).expect(303);
    expect(straightServed()).toBe(before);
    const [stored] = await t.store.responses.list({ surveyId: survey.id }, { limit: 1 });
    expect(stored!.channel).toBe('assisted');
  });
});
