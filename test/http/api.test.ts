import request from 'supertest';
import { listRoutes } from '../../server/http/routes-list';
import { createApiToken } from '../../server/services/tokens';
import { addUser, makeTestApp, type TestApp } from '../helpers/app';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

describe('API /api/v1', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;
  let readToken: string;
  let writeToken: string;

  beforeAll(async () => {
    t = await makeTestApp();
    setup = await openTemplateSurvey(t);
    for (const over of [{ q_category: 'elderly' }, { q_category: 'child', q_overall: '3' }] as Record<string, string>[]) {
      const phone = await openForm(t, setup.pubs[0]!.code);
      t.clock.advance(60_000);
      await phone.agent.post(`/s/${setup.pubs[0]!.code}`).type('form').send(formBody({ ...phone.fields!, ...templateAnswers(over) })).expect(303);
    }
    const user = await addUser(t, 'integrator', 'evaluator');
    readToken = (await createApiToken(t.deps, user, { scope: 'read' })).token;
    writeToken = (await createApiToken(t.deps, user, { scope: 'write' })).token;
  });
  afterAll(async () => {
    await t.close();
  });

  const apiRoutes = () => listRoutes(t.app).filter((r) => r.path.startsWith('/api/v1/'));
  const concrete = (path: string) => path.replace(':id', setup.survey.id).replace(/:(\w+)/g, 'x$1');
  const call = (method: string, path: string) => request(t.app)[method.toLowerCase() as 'get'](concrete(path));

  it('refuses every route without a token, and with a wrong or malformed one, as JSON 401', async () => {
    for (const r of apiRoutes()) {
      for (const auth of [undefined, 'Bearer manyi_not-a-real-token', 'Basic YWRtaW46YWRtaW4=', 'Bearer']) {
        const req = call(r.method, r.path);
        if (auth) req.set('Authorization', auth);
        const res = await req;
        if (res.status !== 401) throw new Error(`${r.method} ${r.path} with ${auth ?? 'nothing'} answered ${res.status}`);
        expect(res.body.error.code).toBe('unauthorized');
      }
    }
  });

  it('refuses every write to a read-only token with 403 and changes nothing', async () => {
    const before = await t.store.audit.count();
    const writes = apiRoutes().filter((r) => r.method !== 'GET');
    expect(writes.length).toBeGreaterThan(10);
    for (const r of writes) {
      const res = await call(r.method, r.path).set('Authorization', `Bearer ${readToken}`).send({});
      if (res.status !== 403) throw new Error(`${r.method} ${r.path} answered ${res.status} to a read-only token`);
      expect(res.body).toEqual({ error: { code: 'forbidden', message: '您没有权限进行此操作。' } });
    }
    expect(await t.store.audit.count()).toBe(before);
  });

  it('answers every read with JSON (or a file) to a read-only token, never 5xx', async () => {
    for (const r of apiRoutes().filter((x) => x.method === 'GET')) {
      const res = await call(r.method, r.path).set('Authorization', `Bearer ${readToken}`).set('Accept-Language', 'en');
      if (res.status >= 500) throw new Error(`${r.method} ${r.path} answered ${res.status}`);
      if (res.status >= 400) expect(res.body.error.message).toMatch(/^[A-Z]/);
    }
  });

  it('lists responses in pages without device or IP hashes', async () => {
    const res = await request(t.app).get(`/api/v1/surveys/${setup.survey.id}/responses?limit=1`).set('Authorization', `Bearer ${readToken}`).expect(200);
    expect(res.body).toMatchObject({ total: 2, limit: 1, offset: 0 });
    expect(res.body.responses).toHaveLength(1);
    expect(res.body.responses[0]).toMatchObject({ valid: true, answers: { category: 'elderly' } });
    expect(res.body.responses[0].deviceHash).toBeUndefined();
    expect(res.body.responses[0].submissionToken).toBeUndefined();
    const one = await request(t.app).get(`/api/v1/responses/${res.body.responses[0].id}`).set('Authorization', `Bearer ${readToken}`).expect(200);
    expect(one.body.response.id).toBe(res.body.responses[0].id);
    const bad = await request(t.app).get(`/api/v1/surveys/${setup.survey.id}/responses?limit=100000`).set('Authorization', `Bearer ${readToken}`).expect(400);
    expect(Object.keys(bad.body.error.fields)).toEqual(['limit']);
  });

  it('streams every response as NDJSON and the statistics workbook', async () => {
    const res = await request(t.app).get(`/api/v1/surveys/${setup.survey.id}/responses/export?format=ndjson`).set('Authorization', `Bearer ${readToken}`).expect(200);
    expect(res.headers['content-type']).toContain('application/x-ndjson');
    expect(res.text.trim().split('\n')).toHaveLength(2);
    await request(t.app).get(`/api/v1/surveys/${setup.survey.id}/stats/export?format=xlsx`).set('Authorization', `Bearer ${readToken}`).expect(200).expect('content-type', /spreadsheetml/);
  });

  it('lets a read-write token create and publish', async () => {
    const created = await request(t.app).post('/api/v1/surveys/from-template').set('Authorization', `Bearer ${writeToken}`).send({}).expect(201);
    const id = created.body.survey.id;
    const pub = await request(t.app).post(`/api/v1/surveys/${id}/publications`).set('Authorization', `Bearer ${writeToken}`).send({ siteIds: [setup.sites[0]!.id] }).expect(201);
    expect(pub.body.publications[0].link).toMatch(/^http:\/\/manyi\.test\/s\/[a-z2-9]{10}$/);
    expect(await t.store.audit.count({ action: 'survey.publish' })).toBeGreaterThanOrEqual(1);
  });
});
