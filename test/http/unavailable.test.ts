import request from 'supertest';
import { makeTestApp, type TestApp } from '../helpers/app';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

describe('when the store is unavailable', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('reports 503 on /readyz, hands the resident their answers back with a retry button, and writes nothing', async () => {
    const { survey, pubs } = await openTemplateSurvey(t);
    const code = pubs[0]!.code;
    const { agent, fields } = await openForm(t, code);
    await t.store.close();

    await request(t.app).get('/healthz').expect(200);
    await request(t.app).get('/readyz').expect(503, { status: 'unavailable', store: t.kind, reason: 'unreachable' });

    const answers = templateAnswers({ q_suggestions: '请一定保存我的意见' });
    const res = await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...answers }));
    expect(res.status).toBe(503);
    expect(res.text).toContain('暂时没能保存，请再试一次');
    expect(res.text).toContain('value="请一定保存我的意见"');
    expect(res.text).toContain(`name="ft" value="${fields!.ft}"`);
    expect(res.text).toMatch(/name="q_received" value="visit"[\s\S]*name="q_received" value="home"/);
    expect(res.text).toContain('再提交一次');

    const page = await agent.get(`/s/${code}`);
    expect(page.status).toBe(503);
    expect(page.text).toContain('服务暂时不可用');

    const reopened = await t.reopenStore();
    expect(await reopened.responses.count({ surveyId: survey.id })).toBe(0);
    expect((await reopened.surveys.get(survey.id))!.responseCount).toBe(0);
    expect(await reopened.tallies.dump(survey.id)).toEqual([]);
    await reopened.close();
  });
});
