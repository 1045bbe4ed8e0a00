import request from 'supertest';
import { REFERENCE_FUNDING, REFERENCE_PROJECT, REFERENCE_SCORES } from '../../server/services/demo-seed';
import { REFERENCE_DEDUCTIONS, REFERENCE_FACTS } from '../../server/services/reference-report';
import { csrfFrom, type TestApp } from './app';
import { formBody } from './survey';

type Agent = ReturnType<typeof request.agent>;

/** The reference's 36 indicator scores: the template's split, with 服务对象满意度 entered as 9.10 (the report's total, 80.15). */
export const REFERENCE_ALL_SCORES: Readonly<Record<string, number>> = { ...REFERENCE_SCORES, satisfaction: 9.1 };

/** The 扣分原因 of every indicator that lost points, 服务对象满意度's included (entered here, not bound). */
export const REFERENCE_ALL_NOTES: Readonly<Record<string, string>> = { ...REFERENCE_DEDUCTIONS, satisfaction: '服务对象满意度指数81.9，未达到目标值90。' };

/** The stamp to send with the next write. */
export async function stampOf(agent: Agent, id: string): Promise<string> {
  const page = await agent.get(`/admin/evaluations/${id}/report/facts`).expect(200);
  const m = /name="updatedAt" value="([^"]+)"/.exec(page.text);
  if (!m) throw new Error('no updatedAt on the facts page');
  return m[1]!;
}

/** Posts one of the report-facts forms as a browser would (rows of fields named name.N). */
export async function postFacts(agent: Agent, id: string, part: string, fields: Record<string, string | string[]>, expect = 303) {
  const page = await agent.get(`/admin/evaluations/${id}/report/facts`).expect(200);
  const updatedAt = /name="updatedAt" value="([^"]+)"/.exec(page.text)![1]!;
  return agent
    .post(`/admin/evaluations/${id}/report/facts/${part}`)
    .type('form')
    .send(formBody({ _csrf: csrfFrom(page.text), updatedAt, ...fields }))
    .expect(expect);
}

/** The reference's list facts as form rows. */
export function referenceRows() {
  const f = REFERENCE_FACTS;
  const rows = <T>(items: T[], fields: (item: T) => Record<string, string | string[]>) => {
    const out: Record<string, string | string[]> = { rows: String(items.length) };
    items.forEach((item, i) => {
      for (const [k, v] of Object.entries(fields(item))) out[`${k}.${i}`] = v;
    });
    return out;
  };
  return {
    basics: {
      outline: f.outline,
      evaluationType: f.evaluationType,
      purpose: f.purpose,
      scope: f.scope,
      dataCollection: f.dataCollection,
      experiences: f.experiences,
      otherMatters: f.otherMatters,
      reportDate: f.reportDate ?? '',
      methods: [...f.methods],
      methodsOther: f.methodsOther,
    },
    goals: { goals: f.goals.join('\n') },
    bases: rows(f.bases, (b) => ({ title: b.title, docNo: b.docNo })),
    process: rows(f.process, (s) => ({ name: s.name, from: s.from ?? '', to: s.to ?? '' })),
    problems: rows(f.problems, (p) => ({ id: p.id, text: p.text, cause: p.cause, indicatorIds: p.indicatorIds })),
    suggestions: rows(f.suggestions, (s) => ({ id: s.id, text: s.text, problemIds: s.problemIds })),
  };
}

/**
 * Enters the reference report into a new evaluation the way an evaluator would: the project,
 * funding and scores (with their 扣分原因) through the API, the report's facts through its forms.
 */
export async function enterReference(t: TestApp, agent: Agent, token: string): Promise<string> {
  const api = (method: 'post' | 'patch', path: string) => request(t.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
  const created = await api('post', '/evaluations').send({ ...REFERENCE_PROJECT, template: 'reference' }).expect(201);
  const id = created.body.evaluation.id as string;
  await api('patch', `/evaluations/${id}`)
    .send({
      updatedAt: created.body.evaluation.updatedAt,
      funding: REFERENCE_FUNDING,
      scores: Object.fromEntries(Object.entries(REFERENCE_ALL_SCORES).map(([k, score]) => [k, { score, note: REFERENCE_ALL_NOTES[k] ?? '' }])),
    })
    .expect(200);
  for (const [part, fields] of Object.entries(referenceRows())) await postFacts(agent, id, part, fields);
  return id;
}
