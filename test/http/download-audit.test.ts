import fs from 'node:fs';
import path from 'node:path';
import { parse as parseCsv } from 'csv-parse/sync';
import request from 'supertest';
import type { AuditEvent } from '../../models/audit-event';
import { runCli } from '../../server/cli';
import { localDateTime } from '../../server/domain/time';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { createEvaluation } from '../../server/services/evaluations';
import { createApiToken } from '../../server/services/tokens';
import { loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { binary, fileNames, stamp } from '../helpers/downloads';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

type Agent = ReturnType<typeof request.agent>;

/**
 * Every download and print page leaves exactly one audit event that says who, what (action,
 * format, file), with which filters and how many rows; and every file is named for what it holds.
 */
describe('downloads are audited and named', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;
  let agent: Agent;
  let evaluationId: string;
  let token: string;
  const SURVEY = '社工站服务对象满意度调查';

  beforeAll(async () => {
    t = await makeTestApp();
    setup = await openTemplateSurvey(t);
    for (const code of [setup.pubs[0]!.code, setup.pubs[0]!.code, setup.pubs[1]!.code]) {
      const phone = await openForm(t, code);
      t.clock.advance(90_000);
      await phone.agent.post(`/s/${code}`).type('form').send(formBody({ ...phone.fields!, ...templateAnswers() })).expect(303);
    }
    const evaluator = await loginAs(t, 'evaluator', { username: 'eva' });
    agent = evaluator.agent;
    token = (await createApiToken(t.deps, evaluator.user, { scope: 'read', name: 'ci' })).token;
    evaluationId = (await createEvaluation(t.deps, SYSTEM_ACTOR, { name: '嘉峪关市社工站项目绩效评价', locale: 'zh-CN' })).record.id;
  });
  afterAll(async () => {
    await t.close();
  });

  /** The one event the request added (fails if it added none or several). */
  async function onlyNewEvent(act: () => Promise<unknown>): Promise<AuditEvent> {
    const before = new Set((await t.store.audit.list({ limit: 10_000 })).map((e) => e.id));
    await act();
    const added = (await t.store.audit.list({ limit: 10_000 })).filter((e) => !before.has(e.id));
    expect(added).toHaveLength(1);
    return added[0]!;
  }

  /** The reference template's indicator tree: 4 dimensions, their groups and 36 indicators, one row each. */
  const INDICATOR_ROWS = 51;

  const fetch = (url: string, a: Agent | request.Test = agent) => async () => {
    const res = await (typeof (a as Agent).get === 'function' ? (a as Agent).get(url) : (a as request.Test)).buffer(true).parse(binary).expect(200);
    return res;
  };

  const survey = () => setup.survey.id;
  const site1 = () => setup.sites[0]!.id;

  it.each([
    ['CSV', 'csv', ''],
    ['Excel', 'xlsx', ''],
    ['NDJSON', 'ndjson', ''],
    ['coded Excel', 'xlsx', '&codes=1'],
  ])('raw responses as %s (web): who, format, filters, stations and rows, in a file named for its survey, station and period', async (_name, format, extra) => {
    let res!: request.Response;
    const query = `sites=${site1()}&from=2000-01-01&to=2099-12-31&mode=raw${extra}`;
    const e = await onlyNewEvent(async () => (res = await fetch(`/admin/exports/${survey()}/responses.${format}?${query}`)()));
    expect(e).toMatchObject({ actorName: 'eva', action: 'export.responses', targetType: 'survey', targetId: survey() });
    expect(e.details).toEqual({ format, codes: extra !== '', filters: `sites=${site1()}&from=2000-01-01&to=2099-12-31&mode=raw`, stations: ['JYG01'], rows: 2, file: fileNames(res).name });
    const coded = extra ? '-编码值' : '';
    expect(fileNames(res)).toEqual({
      type: 'attachment',
      name: `${SURVEY}-原始答卷-含无效${coded}-雄关街道社工站-20000101至20991231-${stamp(t)}.${format}`,
      ascii: `survey-responses-incl-invalid${extra ? '-codes' : ''}-JYG01-20000101-20991231-${stamp(t)}.${format}`,
    });
  });

  it('raw responses through the API with a token, named and audited the same way', async () => {
    let res!: request.Response;
    const e = await onlyNewEvent(async () => (res = await request(t.app).get(`/api/v1/surveys/${survey()}/responses/export?format=csv`).set('Authorization', `Bearer ${token}`).buffer(true).parse(binary).expect(200)));
    expect(e).toMatchObject({ actorName: 'eva', action: 'export.responses', details: { format: 'csv', filters: '', stations: null, rows: 3 } });
    expect(fileNames(res).name).toBe(`${SURVEY}-原始答卷-全部站点-${stamp(t)}.csv`);
    expect(parseCsv((res.body as Buffer).toString('utf8'), { bom: true })).toHaveLength(4);
  });

  it('raw responses from the command line, audited as the system with the rows written', async () => {
    const file = path.join(t.dir, 'cli-export.csv');
    const e = await onlyNewEvent(async () => expect(await runCli(['export', '--survey', survey(), '--format', 'csv', '--out', file], { ...t.env, LOG_LEVEL: 'silent' })).toBe(0));
    expect(e).toMatchObject({ actorName: 'system', action: 'export.responses', details: { format: 'csv', rows: 3, stations: null } });
    expect(parseCsv(fs.readFileSync(file, 'utf8'), { bom: true })).toHaveLength(4);
  });

  it.each([
    ['workbook', 'xlsx'],
    ['CSV ZIP', 'zip'],
  ])('the statistics %s: who, format, filters and rows', async (_name, format) => {
    let res!: request.Response;
    const e = await onlyNewEvent(async () => (res = await fetch(`/admin/exports/${survey()}/statistics.${format}?from=2000-01-01`)()));
    expect(e).toMatchObject({ actorName: 'eva', action: 'export.statistics', targetId: survey(), details: { format, filters: 'from=2000-01-01', stations: null, rows: 3, file: fileNames(res).name } });
    expect(fileNames(res).name).toBe(`${SURVEY}-统计表-全部站点-20000101起-${stamp(t)}.${format}`);
  });

  it('the statistics workbook through the API', async () => {
    const e = await onlyNewEvent(() => fetch(`/api/v1/surveys/${survey()}/stats/export?format=xlsx&sites=${setup.sites[1]!.id}`)());
    expect(e).toMatchObject({ action: 'export.statistics', details: { format: 'xlsx', stations: ['JYG02'], rows: 1 } });
  });

  it('the printed analysis report', async () => {
    const e = await onlyNewEvent(() => agent.get(`/admin/exports/${survey()}/report?mode=raw`).expect(200));
    expect(e).toMatchObject({ actorName: 'eva', action: 'print.report', targetId: survey(), details: { filters: 'mode=raw', stations: null, rows: 3 } });
  });

  it('the printed report and the scorecard print page show their times in the configured zone, with the zone named', async () => {
    const local = localDateTime(t.clock.now, 'Asia/Shanghai').slice(0, 16);
    const plain = (html: string) => html.replace(/\u2060/g, '').replace(/\u00a0/g, ' ');
    expect(plain((await agent.get(`/admin/exports/${survey()}/report`).expect(200)).text)).toContain(`计算时间 ${local}（北京时间）`);
    expect(plain((await agent.get(`/admin/evaluations/${evaluationId}/print`).expect(200)).text)).toContain(`满意度指标按 ${local}（北京时间） 的答卷数据计算`);
  });

  it.each([['xlsx'], ['csv']])('the scorecard as %s', async (format) => {
    let res!: request.Response;
    const e = await onlyNewEvent(async () => (res = await fetch(`/admin/evaluations/${evaluationId}/scorecard.${format}`)()));
    expect(e).toMatchObject({ actorName: 'eva', action: 'export.scorecard', targetType: 'evaluation', targetId: evaluationId, details: { format, rows: INDICATOR_ROWS, file: fileNames(res).name } });
    if (format === 'csv') expect(parseCsv((res.body as Buffer).toString('utf8'), { bom: true })).toHaveLength(1 + INDICATOR_ROWS + 1);
    expect(fileNames(res)).toEqual({ type: 'attachment', name: `嘉峪关市社工站项目绩效评价-评分表-${stamp(t)}.${format}`, ascii: `evaluation-scorecard-${stamp(t)}.${format}` });
  });

  it('the scorecard print page', async () => {
    const e = await onlyNewEvent(() => agent.get(`/admin/evaluations/${evaluationId}/print`).expect(200));
    expect(e).toMatchObject({ actorName: 'eva', action: 'print.scorecard', targetId: evaluationId, details: { rows: INDICATOR_ROWS } });
  });

  it('the QR codes as a ZIP and one station QR code as PNG', async () => {
    let res!: request.Response;
    const zip = await onlyNewEvent(async () => (res = await fetch(`/admin/surveys/${survey()}/qr.zip`)()));
    expect(zip).toMatchObject({ actorName: 'eva', action: 'qr.download', details: { format: 'zip', rows: 2, stations: ['JYG01', 'JYG02'] } });
    expect(fileNames(res).name).toBe(`${SURVEY}-二维码-全部站点-${stamp(t)}.zip`);
    const png = await onlyNewEvent(async () => (res = await fetch(`/admin/publications/${setup.pubs[1]!.id}/qr.png`)()));
    expect(png).toMatchObject({ action: 'qr.download', targetType: 'publication', details: { format: 'png', rows: 1, stations: ['JYG02'] } });
    expect(fileNames(res)).toEqual({ type: 'inline', name: `${SURVEY}-二维码-峪泉镇社工站-${stamp(t)}.png`, ascii: `survey-QR-codes-JYG02-${stamp(t)}.png` });
  });

  it('the printable poster pages (one station and the whole batch)', async () => {
    const one = await onlyNewEvent(() => agent.get(`/admin/publications/${setup.pubs[0]!.id}/poster`).expect(200));
    expect(one).toMatchObject({ action: 'poster.print', details: { site: 'JYG01', count: 1 } });
    const all = await onlyNewEvent(() => agent.get(`/admin/surveys/${survey()}/posters`).expect(200));
    expect(all).toMatchObject({ action: 'poster.print', details: { count: 2, all: false } });
  });

  it('station staff get only their stations, and the file and the audit event say so', async () => {
    const staff = await loginAs(t, 'station', { username: 'zhan', siteIds: [setup.sites[1]!.id] });
    let res!: request.Response;
    const e = await onlyNewEvent(async () => (res = await fetch(`/admin/exports/${survey()}/responses.csv?mode=raw`, staff.agent)()));
    expect(e).toMatchObject({ actorName: 'zhan', details: { stations: ['JYG02'], rows: 1 } });
    expect(fileNames(res).name).toBe(`${SURVEY}-原始答卷-含无效-峪泉镇社工站-${stamp(t)}.csv`);
  });
});
