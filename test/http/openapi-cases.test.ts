import request from 'supertest';
import { REFERENCE_FUNDING } from '../../server/services/demo-seed';
import { updateReportFacts } from '../../server/services/report';
import { createFromTemplate } from '../../server/services/surveys';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { createApiToken } from '../../server/services/tokens';
import { addUser, makeTestApp, type TestApp } from '../helpers/app';
import { generateCases, SchemaValidator, type GeneratedCase, type JsonSchema } from '../helpers/json-schema';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

const METHODS = ['post', 'put', 'patch', 'delete'] as const;
type Method = (typeof METHODS)[number];

/** Replaced, just before a request, by the evaluation's current updatedAt (so a valid write is not stale). */
const STAMP = '<current updatedAt>';

interface Target {
  /** The concrete path under /api/v1. */
  path: string;
  /** A body the route accepts. */
  body: Record<string, unknown>;
  /** The evaluation whose updatedAt replaces STAMP. */
  evaluationId?: string;
}

/**
 * Every documented JSON request body against its route: cases generated from the document's
 * schema (valid bodies, and bodies with a field left out, of the wrong type, unknown or out of
 * range) are sent, and the route must accept what the document accepts (anything but 400) and
 * refuse with 400 naming the field what the document refuses. So the document and the routes
 * cannot drift apart without this failing.
 */
describe('OpenAPI request schemas agree with the routes (generated cases)', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;
  let token: string;
  let doc: { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: JsonSchema }> } }>>; components: JsonSchema };
  let validator: SchemaValidator;
  let responseId: string;

  const api = (method: Method | 'get', path: string) => request(t.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

  async function newEvaluation(template: 'reference' | 'blank' = 'reference'): Promise<string> {
    const res = await api('post', '/evaluations').send({ name: '生成的评价', template }).expect(201);
    return res.body.evaluation.id as string;
  }
  const stampOf = async (id: string) => (await api('get', `/evaluations/${id}`).expect(200)).body.evaluation.updatedAt as string;

  /** The operations with a JSON body, and how to reach each with a body the route accepts. */
  const TARGETS: Record<string, () => Promise<Target>> = {
    'POST /sites': async () => ({ path: '/sites', body: { code: 'GEN01', name: '生成站点', township: '新城镇', kind: 'township', recipients: 100, active: true } }),
    'POST /sites/import': async () => ({ path: '/sites/import', body: { csv: '站点编码,站点名称,所属乡镇街道,类型,服务对象人数\nIMP01,导入站点,新城镇,乡镇,10\n' } }),
    'PATCH /sites/{id}': async () => ({ path: `/sites/${setup.sites[1]!.id}`, body: { name: '改名的站点', township: '峪泉镇', kind: 'street', recipients: 90, active: true } }),
    'POST /surveys': async () => ({
      path: '/surveys',
      body: {
        title: '生成的问卷',
        description: '说明',
        // A text question: what single and multi questions need beyond the schema (two options) is stated in words in the document.
        questions: [{ id: 'q1', type: 'text', text: '您的意见', required: true, options: [{ id: 'a', label: '（不用）' }], maxLength: 200 }],
        segmentQuestionId: null,
        settings: { minAnswerSeconds: 10, qualityRules: ['speeder'] },
        locale: 'zh-CN',
      },
    }),
    'POST /surveys/from-template': async () => ({ path: '/surveys/from-template', body: { locale: 'en', title: 'Template survey' } }),
    'PATCH /surveys/{id}': async () => {
      const draft = await createFromTemplate(t.deps, SYSTEM_ACTOR, {});
      return { path: `/surveys/${draft.id}`, body: { title: '改名的问卷', description: '说明', settings: { minAnswerSeconds: 5, qualityRules: ['speeder'] } } };
    },
    'PUT /surveys/{id}/questions': async () => {
      const draft = await createFromTemplate(t.deps, SYSTEM_ACTOR, {});
      return { path: `/surveys/${draft.id}/questions`, body: { version: 1, questions: [{ id: 'q1', type: 'text', text: '意见', required: false, maxLength: 200 }], segmentQuestionId: null } };
    },
    'POST /surveys/{id}/status': async () => {
      const draft = await createFromTemplate(t.deps, SYSTEM_ACTOR, {});
      return { path: `/surveys/${draft.id}/status`, body: { status: 'open' } };
    },
    'POST /surveys/{id}/publications': async () => {
      const draft = await createFromTemplate(t.deps, SYSTEM_ACTOR, {});
      return { path: `/surveys/${draft.id}/publications`, body: { siteIds: [setup.sites[0]!.id], open: true } };
    },
    'POST /surveys/{id}/responses/review': async () => ({ path: `/surveys/${setup.survey.id}/responses/review`, body: { ids: [responseId], action: 'keep', reason: '核实' } }),
    'POST /responses/{id}/review': async () => ({ path: `/responses/${responseId}/review`, body: { action: 'exclude', reason: '重复填写' } }),
    'POST /responses/{id}/exclusion': async () => ({ path: `/responses/${responseId}/exclusion`, body: { excluded: false, reason: '核实后恢复' } }),
    'POST /evaluations': async () => ({
      path: '/evaluations',
      body: { name: '生成的评价', period: '2026年度', commissioner: '财政局', evaluator: '评价机构', subject: '社工站', template: 'blank', locale: 'zh-CN' },
    }),
    'PATCH /evaluations/{id}': async () => {
      const id = await newEvaluation();
      return {
        path: `/evaluations/${id}`,
        evaluationId: id,
        body: {
          updatedAt: STAMP,
          project: { name: '项目', period: '2026年度', commissioner: '财政局', evaluator: '评价机构', subject: '社工站' },
          funding: REFERENCE_FUNDING,
          grades: { excellent: 90, good: 80, fair: 60 },
        },
      };
    },
    'PUT /evaluations/{id}/indicators': async () => {
      const id = await newEvaluation('blank');
      const tree = [{ id: 'd', name: '决策', points: 100, children: [{ id: 'g', name: '项目立项', points: 100, children: [{ id: 'l', name: '立项依据', points: 100, children: [] }] }] }];
      return { path: `/evaluations/${id}/indicators`, evaluationId: id, body: { updatedAt: STAMP, tree } };
    },
    'PUT /evaluations/{id}/scores/{indicatorId}': async () => {
      const id = await newEvaluation();
      return { path: `/evaluations/${id}/scores/budgeting`, evaluationId: id, body: { updatedAt: STAMP, score: 1, note: '依据充分' } };
    },
    'PUT /evaluations/{id}/bindings/{indicatorId}': async () => {
      const id = await newEvaluation();
      return {
        path: `/evaluations/${id}/bindings/satisfaction`,
        evaluationId: id,
        body: { updatedAt: STAMP, surveyIds: [setup.survey.id], siteIds: [setup.sites[0]!.id], dayFrom: '2026-01-01', dayTo: '2026-12-31', measure: 'rate', rule: { kind: 'threshold', target: 90, deductionPerPoint: 1 } },
      };
    },
    'POST /evaluations/{id}/lock': async () => {
      const id = await newEvaluation();
      return { path: `/evaluations/${id}/lock`, evaluationId: id, body: { updatedAt: STAMP } };
    },
    'PATCH /evaluations/{id}/rectification/{itemId}': async () => {
      const id = await newEvaluation();
      const saved = await updateReportFacts(t.deps, SYSTEM_ACTOR, id, { updatedAt: await stampOf(id), problems: [{ text: '台账不全', cause: '', indicatorIds: [] }] });
      const itemId = saved.data.report.problems[0]!.id;
      return { path: `/evaluations/${id}/rectification/${itemId}`, evaluationId: id, body: { updatedAt: STAMP, unit: '民政局', deadline: '2027-03-31', status: 'dropped', reason: '项目已终止', note: '已补建台账' } };
    },
    'PATCH /cases/{id}': async () => {
      // A bad review opens a case: the first valid step records a contact; later ones meet a case that moved on (409, not 400).
      const phone = await openForm(t, setup.pubs[0]!.code);
      t.clock.advance(60_000);
      await phone.agent.post(`/s/${setup.pubs[0]!.code}`).type('form').send(formBody({ ...phone.fields!, ...templateAnswers({ q_attitude: '1' }) })).expect(303);
      const [c] = await t.store.cases.list({ surveyId: setup.survey.id });
      return { path: `/cases/${c!.id}`, body: { step: 'contact', note: '已电话联系' } };
    },
    'POST /evaluations/{id}/unlock': async () => {
      const id = await newEvaluation();
      await api('post', `/evaluations/${id}/lock`).send({ updatedAt: await stampOf(id) }).expect(200);
      return { path: `/evaluations/${id}/unlock`, evaluationId: id, body: { updatedAt: STAMP, reason: '补充调查后重新计分' } };
    },
  };

  beforeAll(async () => {
    t = await makeTestApp();
    setup = await openTemplateSurvey(t);
    const phone = await openForm(t, setup.pubs[0]!.code);
    t.clock.advance(60_000);
    await phone.agent.post(`/s/${setup.pubs[0]!.code}`).type('form').send(formBody({ ...phone.fields!, ...templateAnswers() })).expect(303);
    responseId = (await t.store.responses.list({ surveyId: setup.survey.id }, { limit: 1 }))[0]!.id;
    token = (await createApiToken(t.deps, await addUser(t, 'generator', 'admin'), { scope: 'write' })).token;
    doc = (await api('get', '/openapi.json').expect(200)).body;
    validator = new SchemaValidator(doc as unknown as JsonSchema);
  });
  afterAll(async () => {
    await t.close();
  });

  const documentedBodies = () =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      METHODS.filter((m) => item[m]?.requestBody?.content['application/json']).map((m) => ({ key: `${m.toUpperCase()} ${path}`, method: m, schema: item[m]!.requestBody!.content['application/json']!.schema })),
    );

  it('documents a generated request schema for every write that takes a JSON body, and this test reaches each of them', () => {
    const keys = documentedBodies().map((b) => b.key).sort();
    expect(keys).toEqual(Object.keys(TARGETS).sort());
    for (const { schema } of documentedBodies()) expect(validator.resolve(schema)).toMatchObject({ type: 'object', properties: expect.any(Object) });
  });

  it('documents updatedAt as required wherever an evaluation write needs it (lock included)', () => {
    for (const { key, schema } of documentedBodies().filter((b) => b.key.includes('/evaluations/{id}'))) {
      expect(`${key}: ${(validator.resolve(schema).required as string[]).includes('updatedAt')}`).toBe(`${key}: true`);
    }
    const unbind = (doc.paths['/evaluations/{id}/bindings/{indicatorId}']!.delete as unknown as { parameters: { name: string; required?: boolean }[] }).parameters;
    expect(unbind).toContainEqual(expect.objectContaining({ name: 'updatedAt', required: true }));
  });

  const summary: { operations: number; cases: number; accepted: number; refused: number } = { operations: 0, cases: 0, accepted: 0, refused: 0 };

  it('accepts what each documented schema accepts and refuses, naming the field, what it refuses', async () => {
    const disagreements: string[] = [];
    for (const { key, method, schema } of documentedBodies()) {
      const target = await TARGETS[key]!();
      const resolved = validator.resolve(schema);
      const base: GeneratedCase = { name: 'the valid body', body: target.body, field: '' };
      const cases = [base, ...generateCases(validator, resolved, target.body)];
      summary.operations++;
      for (const c of cases) {
        // The API allows 600 requests a minute per user: let the minute pass on the test clock.
        if (summary.cases % 200 === 0) t.clock.advance(61_000);
        const documentAccepts = validator.errors(resolved, c.body).length === 0;
        let body = c.body;
        if (target.evaluationId && JSON.stringify(body).includes(STAMP)) body = JSON.parse(JSON.stringify(body).replace(JSON.stringify(STAMP), JSON.stringify(await stampOf(target.evaluationId))));
        const res = await api(method, target.path).send(body as object);
        const fields = Object.keys((res.body?.error?.fields as Record<string, string> | undefined) ?? {});
        const named = fields.some((f) => f === c.field || f.startsWith(`${c.field}.`));
        summary.cases++;
        if (res.status >= 500) disagreements.push(`${key} — ${c.name}: ${res.status}`);
        else if (documentAccepts) {
          summary.accepted++;
          if (res.status === 400) disagreements.push(`${key} — ${c.name}: the document accepts it, the route answered 400 ${JSON.stringify(res.body.error.fields ?? res.body.error.message)}`);
        } else {
          summary.refused++;
          if (res.status !== 400) disagreements.push(`${key} — ${c.name}: the document refuses it (${validator.errors(resolved, c.body).join('; ')}), the route answered ${res.status}`);
          else if (!named) disagreements.push(`${key} — ${c.name}: refused, but the 400 names ${JSON.stringify(fields)}, not ${c.field}`);
        }
      }
    }
    expect(disagreements).toEqual([]);
    // Enough cases that every kind of mutation is there, and both verdicts.
    expect(summary.operations).toBe(Object.keys(TARGETS).length);
    expect(summary.refused).toBeGreaterThan(300);
    expect(summary.accepted).toBeGreaterThan(40);
  });
});
