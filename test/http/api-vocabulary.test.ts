import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { listRoutes } from '../../server/http/routes-list';
import { REFERENCE_FUNDING } from '../../server/services/demo-seed';
import { createApiToken } from '../../server/services/tokens';
import { addUser, csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { SchemaValidator, type JsonSchema } from '../helpers/json-schema';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

/** Binary bodies (XLSX) collected into a Buffer. */
const binary = (res: NodeJS.ReadableStream, done: (err: Error | null, body: Buffer) => void) => {
  const chunks: Buffer[] = [];
  res.on('data', (c: Buffer) => chunks.push(c));
  res.on('end', () => done(null, Buffer.concat(chunks)));
};

describe('one API vocabulary: mode, unknown ids, ranges, fractions', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;
  let token: string;
  let validator: SchemaValidator;
  const api = (path: string) => request(t.app).get(`/api/v1${path}`).set('Authorization', `Bearer ${token}`);

  /** A resident answers through the public page, taking `seconds` (under 20 s is a speeder: received, not valid). */
  async function answer(seconds: number, over: Record<string, string> = {}) {
    const code = setup.pubs[0]!.code;
    const { agent, fields } = await openForm(t, code);
    t.clock.advance(seconds * 1000);
    await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers(over) })).expect(303);
  }

  beforeAll(async () => {
    t = await makeTestApp();
    setup = await openTemplateSurvey(t);
    await answer(90);
    await answer(90, { q_overall: '3' });
    await answer(5); // a speeder
    token = (await createApiToken(t.deps, await addUser(t, 'integrator', 'evaluator'), { scope: 'read' })).token;
    validator = new SchemaValidator((await api('/openapi.json').expect(200)).body);
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists the valid responses by default and every received one with mode=raw, as the statistics count them', async () => {
    const id = setup.survey.id;
    const stats = (await api(`/surveys/${id}/stats`).expect(200)).body;
    const valid = (await api(`/surveys/${id}/responses`).expect(200)).body;
    const raw = (await api(`/surveys/${id}/responses?mode=raw`).expect(200)).body;
    expect([stats.overall.received, stats.overall.valid]).toEqual([3, 2]);
    expect(valid.total).toBe(stats.overall.valid);
    expect(valid.responses.every((r: { valid: boolean }) => r.valid)).toBe(true);
    expect(raw.total).toBe(stats.overall.received);
    expect(raw.responses.map((r: { status: string }) => r.status)).toEqual(['counted', 'counted', 'notCounted']);
    const paged = (await api(`/surveys/${id}/responses?limit=1&offset=1`).expect(200)).body;
    expect(paged).toMatchObject({ total: 2, limit: 1, offset: 1 });
    expect(paged.responses[0].id).toBe(valid.responses[1].id);
  });

  it('keeps `valid` the valid count when the statistics use every response (mode=raw)', async () => {
    const raw = (await api(`/surveys/${setup.survey.id}/stats?mode=raw`).expect(200)).body;
    expect(raw.overall).toMatchObject({ received: 3, valid: 2, validRate: 0.6667 });
    expect(raw.overall.satisfaction.n).toBeGreaterThan((await api(`/surveys/${setup.survey.id}/stats`).expect(200)).body.overall.satisfaction.n);
    expect(raw.bySite.find((s: { site: { id: string } }) => s.site.id === setup.sites[0]!.id)).toMatchObject({ received: 3, valid: 2 });
    expect(raw.trend.reduce((n: number, p: { valid: number }) => n + p.valid, 0)).toBe(2);
  });

  it('exports what mode chooses, as the listing does', async () => {
    const rows = async (q: string) => (await api(`/surveys/${setup.survey.id}/responses/export?format=ndjson${q}`).expect(200)).text.trim().split('\n').length;
    expect(await rows('')).toBe(2);
    expect(await rows('&mode=raw')).toBe(3);
  });

  it.each([
    ['statistics', (q: string) => `/surveys/SURVEY/stats?${q}`],
    ['cross-tab', (q: string) => `/surveys/SURVEY/crosstab?row=category&col=overall&${q}`],
    ['responses', (q: string) => `/surveys/SURVEY/responses?${q}`],
    ['responses export', (q: string) => `/surveys/SURVEY/responses/export?format=csv&${q}`],
    ['statistics export', (q: string) => `/surveys/SURVEY/stats/export?${q}`],
  ])('refuses an unknown station or segment in the %s filter with 400 naming it, never zeros', async (_name, url) => {
    const path = (q: string) => url(q).replace('SURVEY', setup.survey.id);
    const site = await api(path(`sites=${setup.sites[0]!.id},no-such-station`)).expect(400);
    expect(site.body.error.fields).toEqual({ sites: '站点 no-such-station 不存在。' });
    const segment = await api(path('segments=elderly,martians')).expect(400);
    expect(segment.body.error.fields).toEqual({ segments: 'martians 不是本问卷服务对象类别的选项。' });
    await api(path(`sites=${setup.sites[0]!.id}&segments=elderly`)).expect(200);
  });

  it('says what is wrong with a range: “to” before “from”, or a day that does not exist', async () => {
    const reversed = await api(`/surveys/${setup.survey.id}/stats?from=2026-03-01&to=2026-02-01`).expect(400);
    expect(reversed.body.error.fields).toEqual({ to: '结束日期 2026-02-01 早于开始日期 2026-03-01。' });
    const english = await api(`/surveys/${setup.survey.id}/responses?from=2026-03-01&to=2026-02-01`).set('Accept-Language', 'en').expect(400);
    expect(english.body.error.fields).toEqual({ to: 'to (2026-02-01) is before from (2026-03-01).' });
    const impossible = await api(`/surveys/${setup.survey.id}/stats?from=2026-02-30`).expect(400);
    expect(impossible.body.error.fields).toEqual({ from: '请输入日期，格式为 YYYY-MM-DD。' });
    await api(`/surveys/${setup.survey.id}/stats?from=2026-02-01&to=2026-02-01`).expect(200);
  });

  it('blames an invalid export format on the field `format`', async () => {
    for (const path of [`/surveys/${setup.survey.id}/responses/export?format=pdf`, `/surveys/${setup.survey.id}/stats/export?format=pdf`]) {
      const res = await api(path).expect(400);
      expect(res.body.error.fields).toEqual({ format: '请选择列表中的选项。' });
    }
  });

  it('answers 404 to an unknown id in the path of every read', async () => {
    const reads = listRoutes(t.app).filter((r) => r.method === 'GET' && r.path.startsWith('/api/v1/') && r.path.includes(':'));
    expect(reads.length).toBeGreaterThan(8);
    for (const r of reads) {
      const path = r.path.slice('/api/v1'.length).replace(/:\w+/g, 'no-such-id');
      const res = await api(`${path}${path.endsWith('/crosstab') ? '?row=a&col=b' : ''}`);
      expect(`${r.path} ${res.status}`).toBe(`${r.path} 404`);
    }
  });

  it('gives every rate as a fraction 0–1, with the statistics matching their documented schema', async () => {
    const stats = (await api(`/surveys/${setup.survey.id}/stats`).expect(200)).body;
    expect(validator.errors({ $ref: '#/components/schemas/Stats' }, stats)).toEqual([]);
    const rates: number[] = [];
    const collect = (v: unknown, key = '') => {
      if (Array.isArray(v)) {
        if (/rate|Rate|share|Ci$/.test(key) && !/index/.test(key)) for (const x of v) if (typeof x === 'number') rates.push(x);
        for (const x of v) collect(x, key);
      } else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) collect(x, k);
      else if (typeof v === 'number' && /^(rate|validRate|responseRate|share)$/.test(key)) rates.push(v);
    };
    collect(stats);
    expect(rates.length).toBeGreaterThan(20);
    expect(rates.filter((r) => r < 0 || r > 1)).toEqual([]);
    // The page prints the same figure as a percentage.
    const { agent } = await loginAs(t, 'viewer');
    const page = await agent.get(`/admin/stats/${setup.survey.id}`).expect(200);
    expect(page.text).toContain(`<span class="num">${Number((stats.overall.validRate * 100).toFixed(2))}%</span>`);
  });
});

describe('funding as printed, through the API and the form', () => {
  let t: TestApp;
  let writeToken: string;
  let validator: SchemaValidator;
  const api = (method: 'get' | 'post' | 'patch', path: string) => request(t.app)[method](`/api/v1${path}`).set('Authorization', `Bearer ${writeToken}`);

  async function newEvaluation() {
    return (await api('post', '/evaluations').send({ name: '嘉峪关市社会工作服务站项目绩效评价' }).expect(201)).body.evaluation as { id: string; updatedAt: string };
  }

  beforeEach(async () => {
    t = await makeTestApp();
    writeToken = (await createApiToken(t.deps, await addUser(t, 'pingjia', 'evaluator'), { scope: 'write' })).token;
    validator = new SchemaValidator((await api('get', '/openapi.json').expect(200)).body as JsonSchema);
  });
  afterEach(async () => {
    await t.close();
  });

  it('takes the reference figures as printed and answers 94.55% with exactly two 核对提示 (API)', async () => {
    const e = await newEvaluation();
    const res = await api('patch', `/evaluations/${e.id}`).send({ updatedAt: e.updatedAt, funding: REFERENCE_FUNDING }).expect(200);
    expect(res.body.evaluation.data.funding).toEqual(REFERENCE_FUNDING);
    expect(res.body.funding).toEqual({
      ...REFERENCE_FUNDING,
      receivedRate: 0.5847,
      executionRate: 0.9455,
      checks: [
        { key: 'evaluation.funding.budgetParts', message: '预算安排资金：中央、省级、市级财政 60 + 139 = 199 万元，与合计 189 万元不一致。' },
        { key: 'evaluation.funding.carriedOverMismatch', message: '结转结余资金 7 万元与“实际到位资金 − 实际支出”的 6.024 万元不一致，请核对。' },
      ],
    });
    expect(validator.errors({ $ref: '#/components/schemas/Evaluation' }, res.body)).toEqual([]);
    const score = (await api('get', `/evaluations/${e.id}/score`).expect(200)).body;
    expect(score.funding).toEqual(res.body.funding);
    expect(validator.errors({ $ref: '#/components/schemas/Score' }, score)).toEqual([]);
    const english = await api('get', `/evaluations/${e.id}`).set('Accept-Language', 'en').expect(200);
    expect(english.body.funding.checks.map((c: { message: string }) => c.message)).toEqual([
      'Budgeted: central, province and city 60 + 139 = 199 (10k yuan), but the total is 189.',
      'The carried-over 7 (10k yuan) differs from received minus spent, 6.024 (10k yuan); please check.',
    ]);
  });

  it('refuses more spent than received, naming funding.spent, and stores nothing (API)', async () => {
    const e = await newEvaluation();
    const res = await api('patch', `/evaluations/${e.id}`).send({ updatedAt: e.updatedAt, funding: { ...REFERENCE_FUNDING, spent: 120 } }).expect(400);
    expect(res.body.error.fields).toEqual({ 'funding.spent': '实际支出 120 万元超过了实际到位资金 110.5 万元。' });
    const negative = await api('patch', `/evaluations/${e.id}`).send({ updatedAt: e.updatedAt, funding: { ...REFERENCE_FUNDING, budget: { ...REFERENCE_FUNDING.budget, provincial: -60 } } }).expect(400);
    expect(negative.body.error.fields).toEqual({ 'funding.budget.provincial': '不能小于 0。' });
    const decimals = await api('patch', `/evaluations/${e.id}`).send({ updatedAt: e.updatedAt, funding: { ...REFERENCE_FUNDING, spent: 104.47601 } }).expect(400);
    expect(decimals.body.error.fields).toEqual({ 'funding.spent': '最多 4 位小数（单位：万元）。' });
    const after = (await api('get', `/evaluations/${e.id}`).expect(200)).body;
    expect(after.evaluation.updatedAt).toBe(e.updatedAt);
    expect(after.evaluation.data.funding.spent).toBe(0);
    expect(await t.store.audit.count({ action: 'evaluation.update' })).toBe(0);
  });

  it('takes the reference figures through the form and shows the two 核对提示 and 94.55%; refuses spending above receipts keeping what was typed', async () => {
    const e = await newEvaluation();
    const { agent } = await loginAs(t, 'evaluator');
    const page = await agent.get(`/admin/evaluations/${e.id}/settings`).expect(200);
    for (const name of ['budgetTotal', 'budgetCentral', 'receivedTotal', 'receivedMunicipal']) expect(page.text).toContain(`name="${name}"`);
    const printed = { budgetTotal: '189', budgetCentral: '0', budgetProvincial: '60', budgetMunicipal: '139', receivedTotal: '110.5', receivedCentral: '', receivedProvincial: '60', receivedMunicipal: '50.5', spent: '104.476', carriedOver: '7' };
    await agent.post(`/admin/evaluations/${e.id}/funding`).type('form').send({ _csrf: csrfFrom(page.text), updatedAt: e.updatedAt, ...printed }).expect(303);
    const saved = await agent.get(`/admin/evaluations/${e.id}/settings`).expect(200);
    expect(saved.text).toContain('<td class="num" id="execution-rate">94.55%</td>');
    const checks = /<div class="error-box funding-checks"[\s\S]*?<\/div>/.exec(saved.text)![0];
    expect(checks).toContain('核对提示');
    expect(checks.match(/<li>/g)).toHaveLength(2);
    expect(checks).toContain('60 + 139 = 199 万元，与合计 189 万元不一致');
    expect(checks).toContain('结转结余资金 7 万元与“实际到位资金 − 实际支出”的 6.024 万元不一致');
    expect(saved.text).toContain('name="budgetTotal" type="text" inputmode="decimal" value="189"');
    expect((await api('get', `/evaluations/${e.id}`).expect(200)).body.evaluation.data.funding).toEqual(REFERENCE_FUNDING);
    const scorecard = await agent.get(`/admin/evaluations/${e.id}`).expect(200);
    expect(scorecard.text).toContain('核对资金情况');

    const stamp = (await api('get', `/evaluations/${e.id}`).expect(200)).body.evaluation.updatedAt;
    const refused = await agent.post(`/admin/evaluations/${e.id}/funding`).type('form').send({ _csrf: csrfFrom(saved.text), updatedAt: stamp, ...printed, spent: '120' }).expect(400);
    expect(refused.text).toContain('<p class="field-error" id="funding-spent-error">实际支出 120 万元超过了实际到位资金 110.5 万元。</p>');
    expect(refused.text).toMatch(/id="funding-spent"[^>]*value="120"[^>]*aria-invalid="true"/);
    const noTotal = await agent.post(`/admin/evaluations/${e.id}/funding`).type('form').send({ _csrf: csrfFrom(saved.text), updatedAt: stamp, ...printed, budgetTotal: ' ' }).expect(400);
    expect(noTotal.text).toContain('<p class="field-error" id="funding-budgetTotal-error">此项为必填。</p>');
    expect((await api('get', `/evaluations/${e.id}`).expect(200)).body.evaluation).toMatchObject({ updatedAt: stamp, data: { funding: REFERENCE_FUNDING } });
  });

  it('loads an evaluation stored before totals existed: each total is the sum of its parts', async () => {
    const e = await newEvaluation();
    const record = (await t.store.evaluations.get(e.id))!;
    const old = { budget: { central: 0, provincial: 60, municipal: 139 }, received: { central: 0, provincial: 60, municipal: 50.5 }, spent: 104.476, carriedOver: 6.024 };
    await t.store.evaluations.update(e.id, e.updatedAt, { name: record.name, locked: false, data: { ...record.data, funding: old }, updatedAt: e.updatedAt });
    const res = await api('get', `/evaluations/${e.id}`).expect(200);
    expect(res.body.evaluation.data.funding).toEqual({ ...old, budget: { total: 199, ...old.budget }, received: { total: 110.5, ...old.received } });
    expect(res.body.funding).toMatchObject({ executionRate: 0.9455, checks: [] });
    const { agent } = await loginAs(t, 'viewer');
    const page = await agent.get(`/admin/evaluations/${e.id}/settings`).expect(200);
    expect(page.text).toContain('value="199"');
    const xlsx = await agent.get(`/admin/evaluations/${e.id}/scorecard.xlsx`).buffer(true).parse(binary as never).expect(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as Buffer as never);
    const cells = wb.getWorksheet('绩效分析')!.getSheetValues().flatMap((row) => (Array.isArray(row) ? row : []));
    expect(cells).toEqual(expect.arrayContaining(['预算安排资金', 199, '实际到位资金', 110.5]));
    const csv = await agent.get(`/admin/evaluations/${e.id}/scorecard.csv`).expect(200);
    expect((parseCsv(csv.text.replace(/^\uFEFF/, ''), { relaxColumnCount: true }) as string[][]).length).toBeGreaterThan(36);
  });

  it('lists the 核对提示 in the scorecard workbook', async () => {
    const e = await newEvaluation();
    await api('patch', `/evaluations/${e.id}`).send({ updatedAt: e.updatedAt, funding: REFERENCE_FUNDING }).expect(200);
    const { agent } = await loginAs(t, 'viewer');
    const xlsx = await agent.get(`/admin/evaluations/${e.id}/scorecard.xlsx`).buffer(true).parse(binary as never).expect(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(xlsx.body as Buffer as never);
    const sheet = wb.getWorksheet('绩效分析')!;
    const text = sheet.getSheetValues().flatMap((row) => (Array.isArray(row) ? row : [])).filter((v): v is string => typeof v === 'string');
    expect(text).toContain('核对提示');
    expect(text.filter((s) => s.includes('不一致'))).toHaveLength(2);
    const execution = sheet.getSheetValues().find((row) => Array.isArray(row) && row[1] === '预算执行率') as unknown[];
    expect(execution[2]).toBe(0.9455);
  });

  it('keeps a survey’s description when a PATCH changes only its title', async () => {
    const created = (await api('post', '/surveys').send({ title: '问卷', description: '保留的说明' }).expect(201)).body.survey;
    const res = await api('patch', `/surveys/${created.id}`).send({ title: '新标题' }).expect(200);
    expect(res.body.survey).toMatchObject({ title: '新标题', description: '保留的说明' });
  });
});
