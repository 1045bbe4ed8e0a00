import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { createApiToken } from '../../server/services/tokens';
import { addUser, csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

const PHONE = '13912345678';

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
};

async function xlsxText(buf: Buffer): Promise<{ sheets: string[]; text: string; wb: ExcelJS.Workbook }> {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(buf as unknown as ArrayBuffer);
  const parts: string[] = [];
  wb.eachSheet((sheet) => sheet.eachRow((row) => row.eachCell((cell) => parts.push(String(cell.text)))));
  return { sheets: wb.worksheets.map((w) => w.name), text: parts.join('\n'), wb };
}

describe('以评促改 over the API, and contacts kept out of every export', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;
  let caseId: string;
  let token: string;

  beforeEach(async () => {
    t = await makeTestApp();
    t.clock.now = new Date('2026-03-02T02:00:00.000Z');
    setup = await openTemplateSurvey(t);
    const code = setup.pubs[0]!.code;
    const { agent, fields } = await openForm(t, code);
    t.clock.advance(60_000);
    const res = await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers({ q_overall: '1' }) })).expect(303);
    const page = await agent.get(res.headers.location!);
    await agent.post(`/s/${code}/contact`).type('form').send({ _csrf: csrfFrom(page.text), r: /name="r" value="([^"]+)"/.exec(page.text)![1]!, phone: PHONE, callback: '1' }).expect(303);
    caseId = (await t.store.cases.list({ surveyId: setup.survey.id }))[0]!.id;
    token = (await createApiToken(t.deps, await addUser(t, 'api-admin', 'admin'), { scope: 'write' })).token;
  });
  afterEach(async () => {
    await t.close();
  });

  const api = (method: 'get' | 'patch', path: string, bearer = token) => request(t.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${bearer}`);

  it('lists a survey’s cases with their due dates and history, and never the contact', async () => {
    const res = await api('get', `/surveys/${setup.survey.id}/cases`).expect(200);
    expect(res.body.cases).toHaveLength(1);
    expect(res.body.cases[0]).toMatchObject({
      id: caseId,
      siteId: setup.sites[0]!.id,
      status: 'open',
      named: true,
      due: { contact: '2026-03-03', verify: '2026-03-09', close: '2026-03-23' },
      nextDue: '2026-03-03',
      late: false,
    });
    expect(res.body.cases[0].history.map((e: { step: string }) => e.step)).toEqual(['open', 'contact-left']);
    expect(JSON.stringify(res.body)).not.toContain(PHONE);
    const one = await api('get', `/cases/${caseId}`).expect(200);
    expect(JSON.stringify(one.body)).not.toContain(PHONE);
  });

  it('records steps with PATCH, refuses a missing finding and a step out of turn, and keeps other stations out', async () => {
    const missing = await api('patch', `/cases/${caseId}`).send({ step: 'verify', note: '属实' }).expect(400);
    expect(Object.keys(missing.body.error.fields)).toEqual(['finding']);
    await api('patch', `/cases/${caseId}`).send({ step: 'close' }).expect(409);
    const verified = await api('patch', `/cases/${caseId}`).send({ step: 'verify', finding: 'true', note: '核实属实' }).expect(200);
    expect(verified.body.case).toMatchObject({ status: 'verified', finding: 'true', nextDue: '2026-03-23' });
    const stale = await api('patch', `/cases/${caseId}`).send({ step: 'act', action: 'immediate', updatedAt: '2026-03-01T00:00:00.000Z' });
    expect(stale.status).toBe(409);
    const other = await addUser(t, 'other-station', 'station', [setup.sites[1]!.id]);
    const otherToken = (await createApiToken(t.deps, other, { scope: 'write' })).token;
    await api('get', `/cases/${caseId}`, otherToken).expect(404);
    expect((await api('get', `/surveys/${setup.survey.id}/cases`, otherToken).expect(200)).body.cases).toEqual([]);
    const reader = (await createApiToken(t.deps, await addUser(t, 'reader', 'admin'), { scope: 'read' })).token;
    await api('patch', `/cases/${caseId}`, reader).send({ step: 'act', action: 'immediate' }).expect(403);
  });

  it('puts the case metrics in the stats API and a sheet of the statistics workbook', async () => {
    await api('patch', `/cases/${caseId}`).send({ step: 'contact', note: '已联系' }).expect(200);
    const stats = await api('get', `/surveys/${setup.survey.id}/stats`).expect(200);
    expect(stats.body.cases.overall).toMatchObject({ opened: 1, onTimeContact: { numerator: 1, denominator: 1, rate: 1 }, callback: { numerator: 0, denominator: 1, rate: 0 } });
    expect(stats.body.cases.sites).toEqual([expect.objectContaining({ siteId: setup.sites[0]!.id, opened: 1 })]);
    const file = await api('get', `/surveys/${setup.survey.id}/stats/export?format=xlsx`).buffer(true).parse(binary).expect(200);
    const { sheets, wb } = await xlsxText(file.body as Buffer);
    expect(sheets).toContain('以评促改');
    const sheet = wb.getWorksheet('以评促改')!;
    expect(sheet.getRow(2).values).toEqual([undefined, '全部站点', 1, 0, 100, null, null, null, null, 0, 0].map((v) => (v === null ? undefined : v)));
    expect(String(sheet.getRow(3).getCell(1).text)).toBe('JYG01 雄关街道社工站');
  });

  it('leaves the contact out of every response export and listing', async () => {
    const { agent } = await loginAs(t, 'admin');
    const csv = await agent.get(`/admin/exports/${setup.survey.id}/responses.csv?mode=raw`).buffer(true).parse(binary).expect(200);
    const rows = parse((csv.body as Buffer).toString('utf8').replace(/^\uFEFF/, ''), { relaxQuotes: true }) as string[][];
    expect(rows.length).toBe(2);
    expect(rows.flat().join('\n')).not.toContain(PHONE);
    const xlsx = await agent.get(`/admin/exports/${setup.survey.id}/responses.xlsx?mode=raw`).buffer(true).parse(binary).expect(200);
    const book = await xlsxText(xlsx.body as Buffer);
    expect(book.text).toContain('非常不满意');
    expect(book.text).not.toContain(PHONE);
    const ndjson = await api('get', `/surveys/${setup.survey.id}/responses/export?format=ndjson&mode=raw`).buffer(true).parse(binary).expect(200);
    const lines = (ndjson.body as Buffer).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(1);
    expect(JSON.stringify(lines)).not.toContain(PHONE);
    const stats = await api('get', `/surveys/${setup.survey.id}/stats/export?format=xlsx&mode=raw`).buffer(true).parse(binary).expect(200);
    expect((await xlsxText(stats.body as Buffer)).text).not.toContain(PHONE);
    for (const path of [`/surveys/${setup.survey.id}/responses?mode=raw`, `/surveys/${setup.survey.id}/cases`, `/surveys/${setup.survey.id}/stats`, `/cases/${caseId}`]) {
      const res = await api('get', path).expect(200);
      expect([path, JSON.stringify(res.body).includes(PHONE)]).toEqual([path, false]);
    }
  });
});

describe('以评促改 rates bound to an evaluation indicator', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });

  it('scores an indicator from the 整改完成率 of the bound survey, with the rule in words', async () => {
    t = await makeTestApp();
    t.clock.now = new Date('2026-03-02T02:00:00.000Z');
    const setup = await openTemplateSurvey(t);
    const token = (await createApiToken(t.deps, await addUser(t, 'api-admin', 'admin'), { scope: 'write' })).token;
    const api = (method: 'get' | 'patch' | 'post' | 'put', path: string) => request(t.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${token}`);
    for (let i = 0; i < 2; i++) {
      const code = setup.pubs[0]!.code;
      const { agent, fields } = await openForm(t, code);
      t.clock.advance(60_000);
      await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers({ q_attitude: '1' }) })).expect(303);
    }
    const [a, b] = await t.store.cases.list({ surveyId: setup.survey.id });
    for (const id of [a!.id, b!.id]) await api('patch', `/cases/${id}`).send({ step: 'verify', finding: 'true', note: '属实' }).expect(200);
    await api('patch', `/cases/${a!.id}`).send({ step: 'act', action: 'immediate' }).expect(200);
    await api('patch', `/cases/${a!.id}`).send({ step: 'close' }).expect(200);
    const created = await api('post', '/evaluations').send({ name: '以评促改评价', template: 'reference' }).expect(201);
    const id = created.body.evaluation.id as string;
    const bound = await api('put', `/evaluations/${id}/bindings/satisfaction`)
      .send({ updatedAt: created.body.evaluation.updatedAt, surveyIds: [setup.survey.id], measure: 'rectified', rule: { kind: 'ratio', target: 90 } })
      .expect(200);
    expect(JSON.stringify(bound.body)).toContain('"measure":"rectified"');
    const score = await api('get', `/evaluations/${id}/score`).expect(200);
    const text = JSON.stringify(score.body);
    // 1 of 2 cases verified true was put right: 50% of a 90% target.
    expect(text).toContain('整改完成率 50%（核实属实或部分属实的 2 件中 1 件已整改办结）');
    expect(text).toContain('整改完成率达到 90% 得满分，低于时按比例得分');
  });
});
