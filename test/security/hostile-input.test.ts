import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { parse as parseCsv } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import request from 'supertest';
import { listRoutes } from '../../server/http/routes-list';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { updateReportFacts } from '../../server/services/report';
import { createApiToken } from '../../server/services/tokens';
import { csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { formBody, formFields } from '../helpers/survey';
import { deepJson, discoverRoutes, escapeHtml, expectHtmlRefusal, expectJsonRefusal, polluted, sendRaw, snapshot, unsafeMarkup } from './support';

/**
 * Hostile input (issue 7): every case ends in a clear 4xx (JSON {error} on /api, a Chinese HTML
 * page elsewhere) or in text stored and shown as text; never a 5xx, never half-stored.
 */

const XSS = [
  '<script>alert(1)</script>',
  '"><img src=x onerror=alert(1)>',
  'javascript:alert(1)',
  '{{7*7}}',
  '<%= 7*7 %>',
  '</textarea><script>alert(1)</script>',
] as const;

/** Cells a spreadsheet would run: =, +, -, @, tab, carriage return first. */
const FORMULAS = ['=HYPERLINK("http://evil.example/?x","点我")', '+1+2', '-3+4', '@SUM(A1:A9)', '=cmd|\' /C calc\'!A0'] as const;

const binary = (res: request.Response, done: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  stream.on('end', () => done(null, Buffer.concat(chunks)));
};

const LIKERT = ['5', '4', '3', '2', '1'];

const ROUTES = discoverRoutes();
/** Every state-changing HTML route (the /admin/sites/import upload is registered twice: once is enough). */
const FORM_ROUTES = [...new Set(ROUTES.filter((r) => r.method === 'POST' && !r.path.startsWith('/api/')).map((r) => r.path))];
const API_WRITES = ROUTES.filter((r) => r.path.startsWith('/api/') && r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

/** A survey with one question of every type, its texts built from `p`. */
function surveyBody(p: string, title = p) {
  return {
    title,
    description: p,
    segmentQuestionId: 'grp',
    questions: [
      { id: 'grp', type: 'single', text: `${p} 类别`, help: p, required: true, options: [{ id: 'a', label: p }, { id: 'b', label: '乙' }] },
      {
        id: 'sat',
        type: 'likert5',
        text: p,
        help: p,
        required: true,
        options: LIKERT.map((id) => ({ id, label: `${p}${id}` })),
        dimension: p.slice(0, 40),
        countsTowardSatisfaction: true,
        allowNotApplicable: true,
        notApplicableLabel: p.slice(0, 40),
      },
      { id: 'multi', type: 'multi', text: p, options: [{ id: 'x', label: p }, { id: 'y', label: '上门' }] },
      { id: 'rate', type: 'rating', text: p, min: 1, max: 5 },
      { id: 'nps', type: 'nps', text: p },
      { id: 'num', type: 'number', text: p, min: 0, max: 120 },
      { id: 'c', type: 'text', text: p, help: p, maxLength: 1000 },
    ],
  };
}

interface Fixture {
  p: string;
  siteId: string;
  siteCode: string;
  surveyId: string;
  pubId: string;
  code: string;
  responseId: string;
  evaluationId: string | null;
}

describe('hostile input', () => {
  let t: TestApp;
  let token: string;
  let admin: ReturnType<typeof request.agent>;
  let csrf: string;
  let seq = 0;
  const uniq = (prefix = 'H') => `${prefix}${++seq}`;

  const api = (method: string, path: string) => request(t.app)[method.toLowerCase() as 'post'](path).set('Authorization', `Bearer ${token}`);

  async function adminCsrf(): Promise<string> {
    csrf = csrfFrom((await admin.get('/admin').expect(200)).text);
    return csrf;
  }

  /** A published, open survey built from `p`, one response (text answer `p`) and one excluded with reason `p`. */
  async function buildFixture(p: string, index: number): Promise<Fixture> {
    const siteCode = `XSS${index}-${seq++}`;
    const site = await api('POST', '/api/v1/sites').send({ code: siteCode, name: `站${p}`, township: p, kind: 'street', recipients: 50 }).expect(201);
    const survey = await api('POST', '/api/v1/surveys').send(surveyBody(p)).expect(201);
    const surveyId = survey.body.survey.id as string;
    await api('POST', `/api/v1/surveys/${surveyId}/status`).send({ status: 'open' }).expect(200);
    const pub = (await api('POST', `/api/v1/surveys/${surveyId}/publications`).send({ siteIds: [site.body.site.id] }).expect(201)).body.publications[0];
    const answers = { q_grp: 'a', q_sat: '5', q_multi: ['x', 'y'], q_rate: '4', q_nps: '9', q_num: '70', q_c: p };
    for (let i = 0; i < 2; i++) {
      const phone = request.agent(t.app);
      const page = await phone.get(`/s/${pub.code}`).expect(200);
      t.clock.advance(30_000);
      await phone.post(`/s/${pub.code}`).type('form').send(formBody({ ...formFields(page.text), ...answers })).expect(303);
    }
    const rows = await t.store.responses.list({ surveyId }, { limit: 10 });
    await api('POST', `/api/v1/responses/${rows[1]!.id}/exclusion`).send({ excluded: true, reason: p }).expect(200);
    const evaluation = await api('POST', '/api/v1/evaluations').send({ name: p, period: p });
    return {
      p,
      siteId: site.body.site.id,
      siteCode,
      surveyId,
      pubId: pub.id,
      code: pub.code,
      responseId: rows[0]!.id,
      evaluationId: evaluation.status === 201 ? (evaluation.body.evaluation.id as string) : null,
    };
  }

  beforeAll(async () => {
    t = await makeTestApp();
    const login = await loginAs(t, 'admin', { username: 'root-admin' });
    admin = login.agent;
    token = (await createApiToken(t.deps, login.user, { scope: 'write' })).token;
    await adminCsrf();
  });
  afterAll(async () => {
    await t.close();
  });
  // Rate limits count per window of the app's clock: move it on so a long corpus never trips them.
  beforeEach(() => {
    t.clock.advance(10_000);
  });
  afterEach(() => {
    expect(polluted()).toBeUndefined();
  });

  it('has a markup scanner that finds what it looks for and passes escaped text', () => {
    expect(unsafeMarkup('<p>ok</p><input value="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;">')).toEqual([]);
    expect(unsafeMarkup('<img src=x onerror=alert(1)>')).toHaveLength(1);
    expect(unsafeMarkup('<input value=""><script>alert(1)</script>')).toHaveLength(1);
    expect(unsafeMarkup('<a href="javascript:alert(1)">x</a>')).toHaveLength(1);
    expect(unsafeMarkup('<textarea></textarea></textarea>')).toHaveLength(1);
    expect(unsafeMarkup('<script src="/static/js/charts.js" defer></script>')).toEqual([]);
  });

  describe('script injection in every text field is stored as text and never rendered as markup', () => {
    const fixtures: Fixture[] = [];
    beforeAll(async () => {
      for (const [i, p] of XSS.entries()) fixtures.push(await buildFixture(p, i));
    });

    it.each(XSS.map((p, i) => [p, i] as const))('stores %s as the exact text it was given', async (p, i) => {
      const fx = fixtures[i]!;
      const survey = (await t.store.surveys.get(fx.surveyId))!;
      expect(survey.title).toBe(p);
      expect(survey.description).toBe(p);
      expect(survey.questions.find((q) => q.id === 'sat')!.options[0]!.label).toBe(`${p}5`);
      expect((await t.store.sites.get(fx.siteId))!.township).toBe(p);
      expect((await t.store.responses.get(fx.responseId))!.answers.c).toBe(p);
    });

    type Page = { name: string; url: (fx: Fixture) => string; shows?: 'html' | 'json-in-html' | false; status?: number };
    const PAGES: Page[] = [
      { name: 'resident form', url: (fx) => `/s/${fx.code}` },
      { name: 'resident thank-you page', url: (fx) => `/s/${fx.code}/thanks`, shows: false },
      { name: 'survey list', url: () => '/admin/surveys' },
      { name: 'admin survey page', url: (fx) => `/admin/surveys/${fx.surveyId}` },
      { name: 'builder: Likert question', url: (fx) => `/admin/surveys/${fx.surveyId}/questions/sat` },
      { name: 'builder: single choice', url: (fx) => `/admin/surveys/${fx.surveyId}/questions/grp` },
      { name: 'builder: text question', url: (fx) => `/admin/surveys/${fx.surveyId}/questions/c` },
      { name: 'survey settings', url: (fx) => `/admin/surveys/${fx.surveyId}/settings` },
      { name: 'statistics index', url: () => '/admin/stats' },
      { name: 'stats overview', url: (fx) => `/admin/stats/${fx.surveyId}` },
      // A segment that is no option of the survey is refused (400) with the value named in the message: escaped there too.
      { name: 'stats overview with the payload as a segment filter', url: (fx) => `/admin/stats/${fx.surveyId}?segments=${encodeURIComponent(fx.p)}`, status: 400 },
      { name: 'stats questions', url: (fx) => `/admin/stats/${fx.surveyId}/questions` },
      { name: 'stats cross-tab', url: (fx) => `/admin/stats/${fx.surveyId}/questions?row=sat&col=grp` },
      { name: 'stats comments', url: (fx) => `/admin/stats/${fx.surveyId}/comments` },
      { name: 'stats comments searched for the payload', url: (fx) => `/admin/stats/${fx.surveyId}/comments?q=${encodeURIComponent(fx.p)}` },
      { name: 'data quality (all, with the exclusion reason)', url: (fx) => `/admin/stats/${fx.surveyId}/quality?show=all` },
      { name: 'poster', url: (fx) => `/admin/publications/${fx.pubId}/poster` },
      { name: 'all posters', url: (fx) => `/admin/surveys/${fx.surveyId}/posters` },
      { name: 'exports index', url: () => '/admin/exports' },
      { name: 'exports page', url: (fx) => `/admin/exports/${fx.surveyId}` },
      { name: 'printable report', url: (fx) => `/admin/exports/${fx.surveyId}/report` },
      { name: 'sites list', url: () => '/admin/sites' },
      { name: 'site edit form', url: (fx) => `/admin/sites/${fx.siteId}/edit` },
      { name: 'users page', url: () => '/admin/users', shows: false },
      { name: 'audit log', url: () => '/admin/audit', shows: 'html' },
      { name: 'evaluations list', url: () => '/admin/evaluations' },
      { name: 'evaluation scorecard', url: (fx) => (fx.evaluationId ? `/admin/evaluations/${fx.evaluationId}` : '/admin/evaluations') },
      { name: 'evaluation settings', url: (fx) => (fx.evaluationId ? `/admin/evaluations/${fx.evaluationId}/settings` : '/admin/evaluations') },
      { name: 'evaluation print view', url: (fx) => (fx.evaluationId ? `/admin/evaluations/${fx.evaluationId}/print` : '/admin/evaluations') },
    ];

    const expectInert = (html: string, p: string, shows: Page['shows'], what: string) => {
      expect({ what, problems: unsafeMarkup(html) }).toEqual({ what, problems: [] });
      if (/[<>"']/.test(p)) expect(html.includes(p)).toBe(false);
      if (shows === 'html') expect(html).toContain(escapeHtml(p));
      if (shows === 'json-in-html') expect(html).toContain(escapeHtml(JSON.stringify(p).slice(1, -1)));
    };

    it.each(XSS.flatMap((p, i) => PAGES.map((page) => [page.name, p, i, page] as const)))('%s shows %s escaped', async (_name, p, i, page) => {
      const fx = fixtures[i]!;
      const res = await admin.get(page.url(fx));
      expect(res.status).toBe(page.status ?? 200);
      expect(res.headers['content-type']).toMatch(/^text\/html/);
      expectInert(res.text, p, page.shows ?? 'html', page.name);
    });

    it.each(XSS.map((p, i) => [p, i] as const))('keeps a refused resident answer %s as text in the re-rendered form', async (p, i) => {
      const fx = fixtures[i]!;
      const phone = request.agent(t.app);
      const page = await phone.get(`/s/${fx.code}`).expect(200);
      const before = await snapshot(t);
      const res = await phone.post(`/s/${fx.code}`).type('form').send(formBody({ ...formFields(page.text), q_sat: '5', q_c: p }));
      expectHtmlRefusal(res, [400], 'missing required answer', '这道题需要回答');
      expectInert(res.text, p, 'html', 'resident form re-rendered');
      expect(await snapshot(t)).toBe(before);
    });

    it.each(XSS.map((p) => [p] as const))('refuses %s as a user name (400) and shows it back escaped', async (p) => {
      const before = await snapshot(t);
      const res = await admin.post('/admin/users').type('form').send({ _csrf: csrf, username: p, password: 'a long enough password', role: 'viewer' });
      expectHtmlRefusal(res, [400], 'user name', '用户名只能包含');
      expectInert(res.text, p, 'html', 'users form');
      expect(await snapshot(t)).toBe(before);
    });

    it.each(XSS.map((p) => [p] as const))('refuses %s as a login name (401) and shows it back escaped', async (p) => {
      const phone = request.agent(t.app);
      const page = await phone.get('/login').expect(200);
      const res = await phone.post('/login').type('form').send({ _csrf: csrfFrom(page.text), username: p, password: 'whatever it is' });
      expectHtmlRefusal(res, [401], 'login', '用户名或密码不正确');
      expectInert(res.text, p, 'html', 'login form');
    });

    it.each(XSS.map((p) => [p] as const))('refuses %s as a station code (400), keeping it escaped in the form', async (p) => {
      const before = await snapshot(t);
      const res = await admin.post('/admin/sites').type('form').send({ _csrf: csrf, code: p, name: '站', kind: 'township' });
      expectHtmlRefusal(res, [400], 'site code');
      expectInert(res.text, p, 'html', 'site form');
      expect(await snapshot(t)).toBe(before);
      const json = await api('POST', '/api/v1/sites').send({ code: p, name: '站', kind: 'township' });
      expectJsonRefusal(json, [400], 'site code over the API');
      expect(Object.keys(json.body.error.fields)).toEqual(['code']);
    });

    it.each(XSS.map((p) => [p] as const))('refuses %s as a question or option id (400)', async (p) => {
      const before = await snapshot(t);
      const body = surveyBody('正常');
      body.questions[0]!.id = p;
      expectJsonRefusal(await api('POST', '/api/v1/surveys').send(body), [400], 'question id');
      const body2 = surveyBody('正常');
      body2.questions[0]!.options![0]!.id = p;
      expectJsonRefusal(await api('POST', '/api/v1/surveys').send(body2), [400], 'option id');
      expect(await snapshot(t)).toBe(before);
    });

    it.each(XSS.map((p, i) => [p, i] as const))('exports %s as plain data in CSV, NDJSON and XLSX', async (p, i) => {
      const fx = fixtures[i]!;
      const csv = await admin.get(`/admin/exports/${fx.surveyId}/responses.csv?mode=raw`).buffer(true).parse(binary).expect(200);
      const rows = parseCsv((csv.body as Buffer).toString('utf8').replace(/^\uFEFF/, ''), { relax_column_count: false }) as string[][];
      expect(rows).toHaveLength(3);
      expect(rows.flat()).toContain(p);
      const nd = await admin.get(`/admin/exports/${fx.surveyId}/responses.ndjson?mode=raw`).buffer(true).parse(binary).expect(200);
      const lines = (nd.body as Buffer).toString('utf8').trim().split('\n').map((l) => JSON.parse(l) as { answers: { c: string }; reviewReason: string | null });
      expect(lines.map((l) => l.answers.c)).toEqual([p, p]);
      expect(lines.some((l) => l.reviewReason === p)).toBe(true);
      const xlsx = await admin.get(`/admin/exports/${fx.surveyId}/responses.xlsx?mode=raw`).buffer(true).parse(binary).expect(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(xlsx.body as unknown as ExcelJS.Buffer);
      const values: unknown[] = [];
      wb.worksheets[0]!.eachRow((row) => row.eachCell((cell) => {
        expect(cell.formula).toBeUndefined();
        values.push(cell.value);
      }));
      expect(values).toContain(p);
    });

    it.each(XSS.map((p, i) => [p, i] as const))('returns %s unchanged as JSON data over the API', async (p, i) => {
      const fx = fixtures[i]!;
      const res = await api('GET', `/api/v1/surveys/${fx.surveyId}`).expect(200);
      expect(res.headers['content-type']).toMatch(/^application\/json/);
      expect(res.body.survey.title).toBe(p);
      const r = await api('GET', `/api/v1/responses/${fx.responseId}`).expect(200);
      expect(r.body.response.answers.c).toBe(p);
    });
  });

  describe('formula-looking text is neutralised in every CSV', () => {
    const fixtures: Fixture[] = [];
    beforeAll(async () => {
      for (const [i, p] of FORMULAS.entries()) fixtures.push(await buildFixture(p, 100 + i));
    });

    const dangerous = (cell: string) => /^[=+\-@\t\r]/.test(cell);

    it.each(FORMULAS.flatMap((p, i) => ['labels', 'codes'].map((mode) => [p, mode, i] as const)))('neutralises %s in the responses CSV (%s)', async (p, mode, i) => {
      const fx = fixtures[i]!;
      const res = await admin.get(`/admin/exports/${fx.surveyId}/responses.csv?mode=raw${mode === 'codes' ? '&codes=1' : ''}`).buffer(true).parse(binary).expect(200);
      const cells = (parseCsv((res.body as Buffer).toString('utf8').replace(/^\uFEFF/, '')) as string[][]).flat();
      expect(cells.filter(dangerous)).toEqual([]);
      expect(cells).toContain(`'${p}`);
    });

    it.each(FORMULAS.map((p, i) => [p, i] as const))('neutralises %s in every CSV of the statistics ZIP', async (p, i) => {
      const fx = fixtures[i]!;
      const res = await admin.get(`/admin/exports/${fx.surveyId}/statistics.zip?mode=raw`).buffer(true).parse(binary).expect(200);
      const zip = await JSZip.loadAsync(res.body as Buffer);
      const files = Object.values(zip.files).filter((f) => f.name.endsWith('.csv'));
      expect(files.length).toBeGreaterThan(2);
      const all: string[] = [];
      for (const f of files) all.push(...(parseCsv((await f.async('string')).replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][]).flat());
      expect(all.filter(dangerous)).toEqual([]);
      expect(all.some((c) => c.includes(p))).toBe(true);
    });

    it.each(FORMULAS.map((p, i) => [p, i] as const))('keeps %s a text cell in the statistics workbook', async (p, i) => {
      const fx = fixtures[i]!;
      const res = await admin.get(`/admin/exports/${fx.surveyId}/statistics.xlsx?mode=raw`).buffer(true).parse(binary).expect(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.body as unknown as ExcelJS.Buffer);
      let seen = false;
      for (const ws of wb.worksheets) {
        ws.eachRow((row) => row.eachCell((cell) => {
          expect(cell.formula).toBeUndefined();
          if (typeof cell.value === 'string' && cell.value.includes(p)) seen = true;
        }));
      }
      expect(seen).toBe(true);
    });
  });

  describe('operator objects and prototype keys in JSON bodies of every API write', () => {
    let target: { siteId: string; surveyId: string; draftId: string; responseId: string; evaluationId: string; leafId: string; itemId: string; caseId: string };

    beforeAll(async () => {
      const fx = await buildFixture('正常文本', 200);
      const draft = (await api('POST', '/api/v1/surveys').send({ title: '草稿' }).expect(201)).body.survey.id as string;
      const evaluation = await api('POST', '/api/v1/evaluations').send({ name: '评价', period: '2026年度' }).expect(201);
      type Node = { id: string; children: Node[] };
      const leaves = (nodes: Node[]): string[] => nodes.flatMap((n) => (n.children.length ? leaves(n.children) : [n.id]));
      const leafId = leaves(evaluation.body.evaluation.data.tree as Node[]).find((id) => id !== 'satisfaction')!;
      // One 存在问题, so the evaluation has a 整改 item to write to.
      const withProblem = await updateReportFacts(t.deps, SYSTEM_ACTOR, evaluation.body.evaluation.id, { updatedAt: evaluation.body.evaluation.updatedAt, problems: [{ text: '台账不全', cause: '', indicatorIds: [] }] });
      const itemId = withProblem.data.report.problems[0]!.id;
      // A 非常不满意 answer opens a case (以评促改) for PATCH /cases/:id.
      const phone = request.agent(t.app);
      const page = await phone.get(`/s/${fx.code}`).expect(200);
      t.clock.advance(30_000);
      await phone.post(`/s/${fx.code}`).type('form').send(formBody({ ...formFields(page.text), q_grp: 'a', q_sat: '1', q_c: '差评' })).expect(303);
      const [opened] = await t.store.cases.list({ surveyId: fx.surveyId });
      target = { siteId: fx.siteId, surveyId: fx.surveyId, draftId: draft, responseId: fx.responseId, evaluationId: evaluation.body.evaluation.id, leafId, itemId, caseId: opened!.id };
    });

    /** The draft that DELETE and publishing aim at (re-created if a case ever removed it). */
    const draft = async () => {
      if (!(await t.store.surveys.get(target.draftId))) target.draftId = (await api('POST', '/api/v1/surveys').send({ title: '草稿' }).expect(201)).body.survey.id;
      return target.draftId;
    };
    const stamp = async () => (await api('GET', `/api/v1/evaluations/${target.evaluationId}`).expect(200)).body.evaluation.updatedAt as string;
    const version = async () => (await t.store.surveys.get(target.surveyId))!.version;

    /** Each API write, where it points and a body it would accept; the hostile cases change one thing. */
    const WRITES: Record<string, { path: () => string; body: () => Promise<Record<string, unknown>>; field: string }> = {
      'POST /api/v1/sites': { path: () => '/api/v1/sites', body: async () => ({ code: uniq('C'), name: '站点', kind: 'township' }), field: 'name' },
      'PATCH /api/v1/sites/:id': { path: () => `/api/v1/sites/${target.siteId}`, body: async () => ({ name: '新名称' }), field: 'name' },
      'POST /api/v1/sites/import': { path: () => '/api/v1/sites/import', body: async () => ({ csv: `code,name,kind\n${uniq('I')},导入,乡镇\n` }), field: 'csv' },
      'POST /api/v1/surveys': { path: () => '/api/v1/surveys', body: async () => ({ title: '新问卷' }), field: 'title' },
      'POST /api/v1/surveys/from-template': { path: () => '/api/v1/surveys/from-template', body: async () => ({ locale: 'zh-CN' }), field: 'locale' },
      'PATCH /api/v1/surveys/:id': { path: () => `/api/v1/surveys/${target.surveyId}`, body: async () => ({ title: '改名' }), field: 'title' },
      'PUT /api/v1/surveys/:id/questions': {
        path: () => `/api/v1/surveys/${target.surveyId}/questions`,
        body: async () => {
          const s = (await t.store.surveys.get(target.surveyId))!;
          return { version: await version(), questions: s.questions, segmentQuestionId: s.segmentQuestionId };
        },
        field: 'version',
      },
      'POST /api/v1/surveys/:id/status': { path: () => `/api/v1/surveys/${target.surveyId}/status`, body: async () => ({ status: 'closed' }), field: 'status' },
      'DELETE /api/v1/surveys/:id': { path: () => `/api/v1/surveys/${target.draftId}`, body: async () => (await draft(), {}), field: 'confirm' },
      'POST /api/v1/surveys/:id/publications': { path: () => `/api/v1/surveys/${target.draftId}/publications`, body: async () => (await draft(), { siteIds: [target.siteId] }), field: 'siteIds' },
      'POST /api/v1/responses/:id/exclusion': { path: () => `/api/v1/responses/${target.responseId}/exclusion`, body: async () => ({ excluded: true, reason: '重复提交' }), field: 'reason' },
      'POST /api/v1/responses/:id/review': { path: () => `/api/v1/responses/${target.responseId}/review`, body: async () => ({ action: 'exclude', reason: '重复提交' }), field: 'reason' },
      'POST /api/v1/surveys/:id/responses/review': {
        path: () => `/api/v1/surveys/${target.surveyId}/responses/review`,
        body: async () => ({ ids: [target.responseId], action: 'exclude', reason: '重复提交' }),
        field: 'ids',
      },
      'POST /api/v1/evaluations': { path: () => '/api/v1/evaluations', body: async () => ({ name: '新评价' }), field: 'name' },
      'PATCH /api/v1/evaluations/:id': { path: () => `/api/v1/evaluations/${target.evaluationId}`, body: async () => ({ updatedAt: await stamp(), project: { name: '改名' } }), field: 'project' },
      'PUT /api/v1/evaluations/:id/indicators': {
        path: () => `/api/v1/evaluations/${target.evaluationId}/indicators`,
        body: async () => ({ updatedAt: await stamp(), tree: (await api('GET', `/api/v1/evaluations/${target.evaluationId}`)).body.evaluation.data.tree }),
        field: 'tree',
      },
      'PUT /api/v1/evaluations/:id/scores/:indicatorId': { path: () => `/api/v1/evaluations/${target.evaluationId}/scores/${target.leafId}`, body: async () => ({ updatedAt: await stamp(), score: 1, note: '' }), field: 'note' },
      'PUT /api/v1/evaluations/:id/bindings/:indicatorId': {
        path: () => `/api/v1/evaluations/${target.evaluationId}/bindings/satisfaction`,
        body: async () => ({ updatedAt: await stamp(), surveyIds: [target.surveyId], measure: 'index', rule: { kind: 'ratio', target: 90 } }),
        field: 'measure',
      },
      'DELETE /api/v1/evaluations/:id/bindings/:indicatorId': { path: () => `/api/v1/evaluations/${target.evaluationId}/bindings/satisfaction`, body: async () => ({ updatedAt: await stamp() }), field: 'updatedAt' },
      'POST /api/v1/evaluations/:id/lock': { path: () => `/api/v1/evaluations/${target.evaluationId}/lock`, body: async () => ({ updatedAt: await stamp() }), field: 'updatedAt' },
      'PATCH /api/v1/evaluations/:id/rectification/:itemId': {
        path: () => `/api/v1/evaluations/${target.evaluationId}/rectification/${target.itemId}`,
        body: async () => ({ updatedAt: await stamp(), status: 'inProgress', note: '已补建台账' }),
        field: 'note',
      },
      'POST /api/v1/evaluations/:id/unlock': { path: () => `/api/v1/evaluations/${target.evaluationId}/unlock`, body: async () => ({ updatedAt: await stamp(), reason: '复核' }), field: 'reason' },
      'PATCH /api/v1/cases/:id': { path: () => `/api/v1/cases/${target.caseId}`, body: async () => ({ step: 'contact', note: '已电话联系' }), field: 'note' },
    };

    it('knows a body for every API write that listRoutes finds', () => {
      expect(API_WRITES.filter((w) => !WRITES[w])).toEqual([]);
      expect(Object.keys(WRITES).filter((w) => !API_WRITES.includes(w))).toEqual([]);
    });

    /** JSON text, so that "__proto__" arrives as a key (an object literal would set the prototype instead). */
    const HOSTILE: [string, (body: Record<string, unknown>, field: string) => string][] = [
      ['a top-level $where', (b) => JSON.stringify({ ...b, $where: '1' })],
      ['{"$gt": ""} for a field', (b, f) => JSON.stringify({ ...b, [f]: { $gt: '' } })],
      ['{"$ne": null} for a field', (b, f) => JSON.stringify({ ...b, [f]: { $ne: null } })],
      ['{"$where": "1"} for a field', (b, f) => JSON.stringify({ ...b, [f]: { $where: '1' } })],
      ['a "__proto__" key', (b) => `{"__proto__":{"polluted":true},${JSON.stringify(b).slice(1)}`.replace(/,}$/, '}')],
      ['a nested "__proto__" key', (b, f) => JSON.stringify({ ...b, [f]: '__MARK__' }).replace('"__MARK__"', '{"__proto__":{"polluted":true}}')],
      ['a "constructor.prototype" key', (b) => JSON.stringify({ ...b, constructor: { prototype: { polluted: true } } })],
      ['a "prototype" key', (b) => JSON.stringify({ ...b, prototype: { polluted: true } })],
    ];

    it.each(API_WRITES.flatMap((route) => HOSTILE.map(([name, make]) => [route, name, make] as const)))('%s refuses %s with 400 and changes nothing', async (route, _name, make) => {
      const w = WRITES[route]!;
      const body = make(await w.body(), w.field);
      const before = await snapshot(t);
      const res = await api(route.split(' ')[0]!, w.path()).type('json').send(body);
      expectJsonRefusal(res, [400], `${route} ${body.slice(0, 80)}`);
      expect(await snapshot(t)).toBe(before);
      expect(polluted()).toBeUndefined();
    });

    it.each(API_WRITES.map((route) => [route] as const))('%s refuses JSON nested 10 000 levels deep', async (route) => {
      const w = WRITES[route]!;
      const before = await snapshot(t);
      const body = JSON.stringify({ ...(await w.body()), [w.field]: '__DEEP__' }).replace('"__DEEP__"', deepJson(10_000));
      const res = await api(route.split(' ')[0]!, w.path()).type('json').send(body);
      expectJsonRefusal(res, [400], route);
      expect(await snapshot(t)).toBe(before);
    });

    it.each(API_WRITES.map((route) => [route] as const))('%s refuses a JSON body over 256 kB with 413', async (route) => {
      const w = WRITES[route]!;
      const before = await snapshot(t);
      const res = await api(route.split(' ')[0]!, w.path()).send({ ...(await w.body()), [w.field]: '长'.repeat(100_000) });
      expectJsonRefusal(res, [413], route);
      expect(await snapshot(t)).toBe(before);
    });

    it.each(
      API_WRITES.flatMap((route) => [
        ['invalid UTF-8', Buffer.from([0xff, 0xfe, 0xc3, 0x28])],
        ['a truncated UTF-8 character', Buffer.from([0xe4, 0xb8])],
        ['GBK bytes', iconv.encode('社工站', 'gbk')],
      ].map(([what, bytes]) => [route, what as string, bytes as Buffer] as const)),
    )('%s refuses %s in a JSON string with 400/415', async (route, _what, bytes) => {
      const w = WRITES[route]!;
      const text = JSON.stringify({ ...(await w.body()), [w.field]: '__BYTES__' });
      const [head, tail] = text.split('__BYTES__');
      const before = await snapshot(t);
      const res = await sendRaw(api(route.split(' ')[0]!, w.path()), 'application/json', Buffer.concat([Buffer.from(head!), bytes, Buffer.from(tail!)]));
      expectJsonRefusal(res, [400, 415], route);
      expect(await snapshot(t)).toBe(before);
    });

    it.each(
      API_WRITES.flatMap((route) => [
        ['text/plain', 'text/plain'],
        ['multipart/form-data', 'multipart/form-data; boundary=XyZ'],
        ['application/xml', 'application/xml'],
        ['a form', 'application/x-www-form-urlencoded'],
        ['a JSON charset the server does not read', 'application/json; charset=gbk'],
      ].map(([what, type]) => [route, what!, type!] as const)),
    )('%s refuses a body sent as %s, changing nothing', async (route, what, type) => {
      const w = WRITES[route]!;
      const json = JSON.stringify(await w.body());
      const payload =
        what === 'multipart/form-data'
          ? `--XyZ\r\nContent-Disposition: form-data; name="body"\r\n\r\n${json}\r\n--XyZ--\r\n`
          : what === 'a form'
            ? new URLSearchParams({ body: json }).toString()
            : json;
      const before = await snapshot(t);
      const res = await sendRaw(api(route.split(' ')[0]!, w.path()), type, Buffer.from(payload));
      // The CSV import takes text/plain CSV bytes on purpose: JSON is not a CSV with a name column.
      expectJsonRefusal(res, [400, 403, 404, 409, 415], `${route} as ${what}`);
      expect(await snapshot(t)).toBe(before);
    });

    it.each(
      API_WRITES.flatMap((route) =>
        [
          ['malformed JSON', '{"a":'],
          ['a JSON string', '"text"'],
          ['a JSON array', '[1,2,3]'],
          ['JSON null', 'null'],
          ['a JSON number', '12'],
        ]
          // DELETE reads no body: a well-formed JSON array there is simply not looked at.
          .filter(([what]) => !(route === 'DELETE /api/v1/surveys/:id' && what === 'a JSON array'))
          .map(([what, text]) => [route, what!, text!] as const),
      ),
    )('%s refuses %s', async (route, _what, text) => {
      const w = WRITES[route]!;
      const before = await snapshot(t);
      const res = await api(route.split(' ')[0]!, w.path()).type('json').send(text);
      expectJsonRefusal(res, [400, 409], route);
      expect(await snapshot(t)).toBe(before);
    });

    describe('wrong types, huge numbers, bad dates, over-long text, unknown fields', () => {
      const STR = (max: number, nullable = false) => [123, true, ['a', 'b'], { a: 'b' }, 'x'.repeat(max + 1), '长'.repeat(10_001), ...(nullable ? [] : [null])];
      const INT = (min: number, max: number) => ['12', 1.5, min - 1, max + 1, 1e308, -1e308, 'NaN', 'Infinity', [1], { n: 1 }, true];
      const BOOL = ['true', 1, 0, null, [true], { v: true }];
      const ENUM = ['nope', 1, null, ['x'], {}, ''];
      const DATE = ['2026-02-30T10:00:00+08:00', '2026-13-01T00:00:00Z', 'yesterday', 20260101, '2026-02-30', '2026-04-31T00:00:00Z'];

      type Spec = [route: string, field: string, bad: unknown[]];
      const SPECS: Spec[] = [
        ['POST /api/v1/sites', 'code', [...STR(32), '', 'has space', '站点']],
        ['POST /api/v1/sites', 'name', [...STR(100), '']],
        ['POST /api/v1/sites', 'township', STR(100)],
        ['POST /api/v1/sites', 'kind', ENUM],
        ['POST /api/v1/sites', 'recipients', INT(0, 10_000_000)],
        ['POST /api/v1/sites', 'active', BOOL],
        ['POST /api/v1/sites', 'unknownField', ['x', 1, null]],
        ['PATCH /api/v1/sites/:id', 'name', [...STR(100), '']],
        ['PATCH /api/v1/sites/:id', 'recipients', INT(0, 10_000_000)],
        ['PATCH /api/v1/sites/:id', 'active', BOOL],
        ['PATCH /api/v1/sites/:id', 'code', [123, '', 'a b', 'x'.repeat(33)]],
        ['POST /api/v1/surveys', 'title', [...STR(200), '']],
        ['POST /api/v1/surveys', 'description', STR(2000)],
        ['POST /api/v1/surveys', 'locale', ENUM],
        ['POST /api/v1/surveys', 'questions', ['x', {}, [1], [{}], null, [{ id: 'q', type: 'text' }]]],
        ['POST /api/v1/surveys', 'settings', ['x', [], 1, { minAnswerSeconds: -1 }]],
        ['POST /api/v1/surveys', 'unknownField', ['x', 1, null]],
        ['POST /api/v1/surveys/from-template', 'title', STR(200)],
        ['POST /api/v1/surveys/from-template', 'locale', ENUM],
        ['POST /api/v1/surveys/from-template', 'unknownField', ['x']],
        ['PATCH /api/v1/surveys/:id', 'title', [...STR(200), '']],
        ['PATCH /api/v1/surveys/:id', 'settings.minAnswerSeconds', INT(0, 3600)],
        ['PATCH /api/v1/surveys/:id', 'settings.targetSamplePerSite', INT(1, 1_000_000)],
        ['PATCH /api/v1/surveys/:id', 'settings.burstPerMinute', INT(1, 10_000)],
        ['PATCH /api/v1/surveys/:id', 'settings.opensAt', DATE],
        ['PATCH /api/v1/surveys/:id', 'settings.closesAt', DATE],
        ['PATCH /api/v1/surveys/:id', 'settings.duplicatePolicy', ENUM],
        ['PATCH /api/v1/surveys/:id', 'settings.likertWeights', ['x', null, [1, 2, 3], ['100', 80, 60, 40, 20], [1e308, 80, 60, 40, 20], [100, 80, 60, 40, -1e308], [100, 80, 60, 40, 20, 10]]],
        ['PATCH /api/v1/surveys/:id', 'settings.satisfiedLevels', ['5', [], [9], [1.5], [0], [5, 5], [[5]]]],
        ['PATCH /api/v1/surveys/:id', 'settings.qualityRules', ['speeder', ['bogus'], [1], null]],
        ['PATCH /api/v1/surveys/:id', 'settings.unknownSetting', [1]],
        ['PUT /api/v1/surveys/:id/questions', 'version', ['1', 1.5, 0, -1, null, 1e308, [1]]],
        ['PUT /api/v1/surveys/:id/questions', 'questions.0.text', [...STR(500), '']],
        ['PUT /api/v1/surveys/:id/questions', 'questions.0.type', ENUM],
        ['PUT /api/v1/surveys/:id/questions', 'questions.0.id', ['', 'a b', 'x'.repeat(33), 7, null]],
        ['PUT /api/v1/surveys/:id/questions', 'questions.0.options.0.label', [...STR(200), '']],
        ['PUT /api/v1/surveys/:id/questions', 'questions.0.required', BOOL],
        ['PUT /api/v1/surveys/:id/questions', 'questions.6.maxLength', INT(1, 1000)],
        ['PUT /api/v1/surveys/:id/questions', 'questions.5.min', ['1', 1e308, -1e308, [0]]],
        ['PUT /api/v1/surveys/:id/questions', 'questions.0.unknownField', [1]],
        ['PUT /api/v1/surveys/:id/questions', 'segmentQuestionId', [7, {}, 'x'.repeat(33), 'num']],
        ['POST /api/v1/surveys/:id/status', 'status', ENUM],
        ['POST /api/v1/surveys/:id/publications', 'siteIds', ['id', [], [1], [{}], null, ['no-such-site'], ['x'.repeat(65)]]],
        ['POST /api/v1/responses/:id/exclusion', 'excluded', BOOL],
        ['POST /api/v1/responses/:id/exclusion', 'reason', [...STR(500), '', '   ']],
        ['POST /api/v1/responses/:id/review', 'action', ENUM],
        ['POST /api/v1/responses/:id/review', 'reason', [...STR(500), '', '   ']],
        ['POST /api/v1/surveys/:id/responses/review', 'ids', ['id', [], [1], [{}], null, ['x'.repeat(65)], Array.from({ length: 501 }, (_, i) => `r${i}`)]],
        ['POST /api/v1/surveys/:id/responses/review', 'action', ENUM],
        ['POST /api/v1/surveys/:id/responses/review', 'reason', [...STR(500), '', '   ']],
        ['POST /api/v1/sites/import', 'csv', [123, null, ['a'], {}, '']],
        ['POST /api/v1/evaluations', 'name', [...STR(100), '']],
        ['POST /api/v1/evaluations', 'template', ENUM],
        ['PATCH /api/v1/evaluations/:id', 'updatedAt', [1, null, [], {}, '']],
        ['PATCH /api/v1/evaluations/:id', 'project.name', [...STR(100), '']],
        ['PUT /api/v1/evaluations/:id/scores/:indicatorId', 'score', [1e308, -1, 'NaN', '1', [1], { s: 1 }, true, 1.234]],
        ['PUT /api/v1/evaluations/:id/scores/:indicatorId', 'note', STR(2000)],
        ['PUT /api/v1/evaluations/:id/bindings/:indicatorId', 'rule.target', [0, -5, 1e308, '90', null]],
        ['PUT /api/v1/evaluations/:id/bindings/:indicatorId', 'dayFrom', ['2026-02-30', '2026-13-01', 'yesterday', 20260101]],
        ['POST /api/v1/evaluations/:id/unlock', 'reason', [...STR(500), '']],
      ];

      function setPath(body: Record<string, unknown>, path: string, value: unknown): Record<string, unknown> {
        const copy = JSON.parse(JSON.stringify(body)) as Record<string, unknown>;
        const keys = path.split('.');
        let at: Record<string, unknown> = copy;
        for (const k of keys.slice(0, -1)) {
          if (at[k] === undefined || at[k] === null) at[k] = {};
          at = at[k] as Record<string, unknown>;
        }
        at[keys.at(-1)!] = value;
        return copy;
      }

      const label = (v: unknown) => {
        const s = JSON.stringify(v) ?? String(v);
        return s.length > 24 ? `${s.slice(0, 12)}…(${s.length} chars)` : s;
      };

      it.each(SPECS.flatMap(([route, field, bad]) => bad.map((v) => [route, field, label(v), v] as const)))('%s refuses %s = %s with 400 and changes nothing', async (route, field, _label, value) => {
        const w = WRITES[route]!;
        let body = await w.body();
        // Settings are replaced whole: start from the stored ones and change one.
        if (field.startsWith('settings.')) body = { settings: (await t.store.surveys.get(target.surveyId))!.settings };
        const before = await snapshot(t);
        const res = await api(route.split(' ')[0]!, w.path()).send(setPath(body, field, value));
        expectJsonRefusal(res, [400], `${route} ${field}=${label(value)}`);
        expect(await snapshot(t)).toBe(before);
      });
    });

    /** Numbers only raw JSON can carry: 1e999 parses to Infinity, -0 to minus zero. */
    const RAW_NUMBERS: [string, string, string][] = [
      ['POST /api/v1/sites', 'recipients', '1e999'],
      ['POST /api/v1/sites', 'recipients', '-1e999'],
      ['POST /api/v1/sites', 'recipients', '123456789012345678901234567890'],
      ['PATCH /api/v1/sites/:id', 'recipients', '1e999'],
      ['PUT /api/v1/surveys/:id/questions', 'version', '1e999'],
      ['PUT /api/v1/evaluations/:id/scores/:indicatorId', 'score', '1e999'],
      ['PUT /api/v1/evaluations/:id/scores/:indicatorId', 'score', '-1e999'],
      ['POST /api/v1/evaluations/:id/lock', 'updatedAt', '1e999'],
    ];
    it.each(RAW_NUMBERS)('%s refuses %s = %s with 400', async (route, field, number) => {
      const w = WRITES[route]!;
      const body = JSON.stringify({ ...(await w.body()), [field]: '__NUMBER__' }).replace('"__NUMBER__"', number);
      const before = await snapshot(t);
      expectJsonRefusal(await api(route.split(' ')[0]!, w.path()).type('json').send(body), [400], `${route} ${field}=${number}`);
      expect(await snapshot(t)).toBe(before);
    });

    it('stores recipients sent as -0 as 0', async () => {
      const code = uniq('Z');
      const res = await api('POST', '/api/v1/sites').type('json').send(`{"code":"${code}","name":"零","kind":"township","recipients":-0}`).expect(201);
      expect(Object.is(res.body.site.recipients, 0)).toBe(true);
      expect(Object.is((await t.store.sites.getByCode(code))!.recipients, 0)).toBe(true);
    });

    describe('queries: negative counts, huge numbers, invalid dates, repeated parameters', () => {
      const QUERIES: [string, string][] = [
        ['/responses', 'limit=-5'],
        ['/responses', 'offset=-1'],
        ['/responses', 'limit=abc'],
        ['/responses', 'limit=1e308'],
        ['/responses', 'limit=9007199254740993'],
        ['/responses', 'offset=NaN'],
        ['/responses', 'limit=1&limit=2'],
        ['/responses', 'from=2026-02-30'],
        ['/responses', 'to=2026-13-01'],
        ['/responses', 'from=yesterday'],
        ['/responses', 'from=2026-12-01&to=2026-11-01'],
        ['/responses', 'channels=carrier-pigeon'],
        ['/responses', 'mode=everything'],
        ['/responses', `sites=${Array.from({ length: 501 }, (_, i) => `s${i}`).join(',')}`],
        ['/stats', 'granularity=hourly'],
        ['/stats', 'from=2026-02-29'],
        ['/stats', 'mode=valid&mode=raw'],
        ['/responses/export', 'format=exe'],
        ['/responses/export', 'format=csv&format=xlsx'],
        ['/stats/export', 'format=pdf'],
      ];
      it.each(QUERIES)('GET /api/v1/surveys/:id%s?%s answers 400', async (path, query) => {
        const res = await api('GET', `/api/v1/surveys/${target.surveyId}${path}?${query}`);
        expectJsonRefusal(res, [400], `${path}?${query}`);
      });

      const PAGE_QUERIES: [string, string][] = [
        ['/admin/stats/:id', 'from=2026-02-30'],
        ['/admin/stats/:id', 'to=2026-13-01'],
        ['/admin/stats/:id/questions', 'from=yesterday'],
        ['/admin/stats/:id/comments', 'channels=fax'],
        ['/admin/stats/:id/quality', 'from=2026-12-01&to=2026-11-01'],
        ['/admin/exports/:id', 'mode=all'],
        ['/admin/exports/:id/report', 'granularity=year'],
        ['/admin/exports/:id/responses.csv', 'from=2026-02-30'],
      ];
      it.each(PAGE_QUERIES)('GET %s?%s answers a Chinese 400 page', async (path, query) => {
        const res = await admin.get(`${path.replace(':id', target.surveyId)}?${query}`);
        expectHtmlRefusal(res, [400], `${path}?${query}`);
      });

      const TOLERATED: [string, string][] = [
        ['/admin/audit', 'page=-1'],
        ['/admin/audit', 'page=1e308'],
        ['/admin/stats/:id/comments', 'page=-5'],
        ['/admin/stats/:id/quality', 'page=abc&page=2'],
        ['/admin/sites', 'status=active&status=inactive'],
        ['/admin/stats/:id', 'from[$gt]=&sites[$ne]=x'],
        ['/admin/publications/:pid/qr.png', 'size=1e308'],
        ['/admin/publications/:pid/qr.png', 'size=-1'],
      ];
      it.each(TOLERATED)('GET %s?%s falls back to a safe value instead of failing', async (path, query) => {
        const pub = (await t.store.publications.listBySurvey(target.surveyId))[0]!;
        const res = await admin.get(`${path.replace(':id', target.surveyId).replace(':pid', pub.id)}?${query}`);
        expect(res.status).toBe(200);
      });
    });
  });

  describe('form bodies', () => {
    let fx: Fixture;
    beforeAll(async () => {
      fx = await buildFixture('表单', 300);
      await adminCsrf();
    });

    const concrete = (path: string) =>
      path
        .replace('/s/:code', `/s/${fx.code}`)
        .replace(':pid', fx.pubId)
        .replace(':rid', fx.responseId)
        .replace(':qid', 'c')
        .replace(':nodeId', 'satisfaction')
        .replace('/evaluations/:id', `/evaluations/${fx.evaluationId ?? 'none'}`)
        .replace('/sites/:id', `/sites/${fx.siteId}`)
        .replace('/users/:id', '/users/nobody')
        .replace(':id', fx.surveyId);

    /** Fields that would make the request succeed, so that only the hostile key is wrong. */
    /** A clean body for the route; for the questionnaire, from the page `phone` opened (its form token, bound to that phone, is the CSRF check). */
    async function cleanFields(path: string, phone = request.agent(t.app)): Promise<Record<string, string | string[]>> {
      if (path === '/s/:code') {
        const page = await phone.get(`/s/${fx.code}`);
        return { ft: formFields(page.text).ft, q_grp: 'a', q_sat: '5' };
      }
      if (path === '/admin/sites') return { code: uniq('F'), name: '站', kind: 'township' };
      if (path === '/admin/surveys') return { title: '新问卷' };
      if (path === '/login') return { username: 'root-admin', password: 'wrong password' };
      return {};
    }

    const KEYS: [string, string][] = [
      ['__proto__[x]', '1'],
      ['__proto__[polluted]', 'true'],
      ['constructor[prototype][x]', '1'],
      ['constructor.prototype.x', '1'],
      ['prototype', '1'],
      ['title[$gt]', ''],
      ['$where', '1'],
    ];

    it('finds the state-changing HTML routes', () => {
      expect(FORM_ROUTES.length).toBeGreaterThan(25);
      expect(FORM_ROUTES).toEqual([...new Set(listRoutes(t.app).filter((r) => r.method === 'POST' && !r.path.startsWith('/api/')).map((r) => r.path))]);
    });

    it.each(FORM_ROUTES.flatMap((path) => KEYS.map(([key, value]) => [path, key, value] as const)))('POST %s refuses the form field %s with 400 and changes nothing', async (path, key, value) => {
      // Logging out is tried on a session of its own, which must survive the refused request.
      const agent = path === '/s/:code' || path === '/login' ? request.agent(t.app) : path === '/logout' ? (await loginAs(t, 'viewer')).agent : admin;
      const token = agent === admin ? csrf : path === '/s/:code' ? undefined : csrfFrom((await agent.get(path === '/login' ? '/login' : '/admin')).text);
      const body = `${formBody({ ...(await cleanFields(path, agent)), _csrf: token })}&${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
      const before = await snapshot(t);
      const res = await agent.post(concrete(path)).type('form').send(body);
      expectHtmlRefusal(res, [400], `POST ${path} with ${key}`, '不允许的字段名');
      expect(await snapshot(t)).toBe(before);
      expect(polluted()).toBeUndefined();
      if (path === '/logout') await agent.get('/admin').expect(200);
    });

    it.each([['q___proto__'], ['q_constructor'], ['q_prototype'], ['q_toString'], ['q_hasOwnProperty']])('the resident form refuses an answer to the unknown question %s', async (field) => {
      const phone = request.agent(t.app);
      const page = await phone.get(`/s/${fx.code}`).expect(200);
      const before = await snapshot(t);
      const res = await phone.post(`/s/${fx.code}`).type('form').send(formBody({ ...formFields(page.text), q_grp: 'a', q_sat: '5', [field]: '1' }));
      expectHtmlRefusal(res, [400], field, '问卷里没有这道题');
      expect(await snapshot(t)).toBe(before);
      expect(polluted()).toBeUndefined();
    });

    const RESIDENT: [string, Record<string, string | string[]>, string | RegExp][] = [
      ['a number as 1e308', { q_num: '1e308' }, /err-num/],
      ['a number as 9007199254740993', { q_num: '9007199254740993' }, /err-num/],
      ['a number as NaN', { q_num: 'NaN' }, /err-num/],
      ['a number as Infinity', { q_num: 'Infinity' }, /err-num/],
      ['a number with a thousands separator', { q_num: '1,000' }, /err-num/],
      ['a negative number below the minimum', { q_num: '-1' }, /err-num/],
      ['a number given twice', { q_num: ['1', '2'] }, /err-num/],
      ['a rating of 11', { q_rate: '11' }, /err-rate/],
      ['a rating of 0', { q_rate: '0' }, /err-rate/],
      ['a rating of 4.5', { q_rate: '4.5' }, /err-rate/],
      ['an NPS of -1', { q_nps: '-1' }, /err-nps/],
      ['an NPS of 10.5', { q_nps: '10.5' }, /err-nps/],
      ['a Likert answer of 6', { q_sat: '6' }, /err-sat/],
      ['a Likert answer given twice', { q_sat: ['5', '1'] }, /err-sat/],
      ['a single choice given twice', { q_grp: ['a', 'b'] }, /err-grp/],
      ['an unknown multi option', { q_multi: ['x', 'zzz'] }, /err-multi/],
      ['a text answer over 10 000 characters', { q_c: 'x'.repeat(10_001) }, /err-c/],
      ['an empty required answer', { q_sat: '' }, /err-sat/],
      ['an option id with an operator', { q_grp: '$gt' }, /err-grp/],
    ];
    it.each(RESIDENT)('the resident form refuses %s with 400, storing nothing', async (_what, over, message) => {
      const phone = request.agent(t.app);
      const page = await phone.get(`/s/${fx.code}`).expect(200);
      const before = await snapshot(t);
      const res = await phone.post(`/s/${fx.code}`).type('form').send(formBody({ ...formFields(page.text), q_grp: 'a', q_sat: '5', ...over }));
      expectHtmlRefusal(res, [400], _what, message);
      expect(unsafeMarkup(res.text)).toEqual([]);
      expect(await snapshot(t)).toBe(before);
    });

    it('the resident form answers 413 with a Chinese page to a text answer too large to send', async () => {
      const phone = request.agent(t.app);
      const page = await phone.get(`/s/${fx.code}`).expect(200);
      const before = await snapshot(t);
      const res = await phone.post(`/s/${fx.code}`).type('form').send(formBody({ ...formFields(page.text), q_grp: 'a', q_sat: '5', q_c: '长'.repeat(10_001) }));
      expectHtmlRefusal(res, [413], 'huge answer', '提交的内容太大');
      expect(await snapshot(t)).toBe(before);
    });

    it('stores "-0" as 0 and control characters and bidi overrides stripped, as text, flagged cleaned', async () => {
      const phone = request.agent(t.app);
      const page = await phone.get(`/s/${fx.code}`).expect(200);
      t.clock.advance(30_000);
      await phone.post(`/s/${fx.code}`).type('form').send(formBody({ ...formFields(page.text), q_grp: 'a', q_sat: '5', q_num: '-0', q_c: 'a\u0000b\u0007c\u202e' })).expect(303);
      const rows = await t.store.responses.list({ surveyId: fx.surveyId }, { limit: 10, newestFirst: true });
      expect(Object.is(rows[0]!.answers.num, 0)).toBe(true);
      expect(rows[0]!.answers.c).toBe('abc');
      expect(rows[0]!.flags).toContain('cleaned');
    });

    const ADMIN_FORMS: [string, string, Record<string, string | string[]>, number[]][] = [
      ['new site: recipients -1', '/admin/sites', { code: 'F-neg', name: '站', kind: 'township', recipients: '-1' }, [400]],
      ['new site: recipients 1e308', '/admin/sites', { code: 'F-huge', name: '站', kind: 'township', recipients: '1e308' }, [400]],
      ['new site: recipients 9007199254740993', '/admin/sites', { code: 'F-big', name: '站', kind: 'township', recipients: '9007199254740993' }, [400]],
      ['new site: recipients NaN', '/admin/sites', { code: 'F-nan', name: '站', kind: 'township', recipients: 'NaN' }, [400]],
      ['new site: recipients 1.5', '/admin/sites', { code: 'F-frac', name: '站', kind: 'township', recipients: '1.5' }, [400]],
      ['new site: name over 10 000 characters', '/admin/sites', { code: 'F-long', name: 'x'.repeat(10_001), kind: 'township' }, [400]],
      ['new site: name of 10 000 Chinese characters (over 64 kB encoded)', '/admin/sites', { code: 'F-long', name: '长'.repeat(10_001), kind: 'township' }, [413]],
      ['new site: township over 10 000 characters', '/admin/sites', { code: 'F-long2', name: '站', township: 'x'.repeat(10_001), kind: 'township' }, [400]],
      ['new site: code over 10 000 characters', '/admin/sites', { code: 'C'.repeat(10_001), name: '站', kind: 'township' }, [400]],
      ['new site: name given twice', '/admin/sites', { code: 'F-dup', name: ['甲', '乙'], kind: 'township' }, [400]],
      ['new site: kind unknown', '/admin/sites', { code: 'F-kind', name: '站', kind: 'village' }, [400]],
      ['edit site: recipients -1', '/admin/sites/:id', { code: 'X', name: '站', kind: 'township', recipients: '-1' }, [400]],
      ['edit site: code given twice', '/admin/sites/:id', { code: ['A1', 'A2'], name: '站', kind: 'township' }, [400]],
      ['new survey: title over 10 000 characters', '/admin/surveys', { title: 'x'.repeat(10_001) }, [400]],
      ['new survey: title of 10 000 Chinese characters (over 64 kB encoded)', '/admin/surveys', { title: '长'.repeat(10_001) }, [413]],
      ['new survey: title given twice', '/admin/surveys', { title: ['a', 'b'] }, [400]],
      ['new survey: empty title', '/admin/surveys', { title: '   ' }, [400]],
      ['status given twice', '/admin/surveys/:id/status', { status: ['open', 'closed'] }, [400]],
      ['unknown status', '/admin/surveys/:id/status', { status: 'deleted' }, [400]],
      ['settings: opens 2026-02-30', '/admin/surveys/:id/settings', { title: 't', opensAt: '2026-02-30T10:00', duplicatePolicy: 'one-per-device' }, [400]],
      ['settings: opens 2026-13-01', '/admin/surveys/:id/settings', { title: 't', opensAt: '2026-13-01T10:00', duplicatePolicy: 'one-per-device' }, [400]],
      ['settings: opens "yesterday"', '/admin/surveys/:id/settings', { title: 't', opensAt: 'yesterday', duplicatePolicy: 'one-per-device' }, [400]],
      ['settings: closes before it opens', '/admin/surveys/:id/settings', { title: 't', opensAt: '2026-12-10T10:00', closesAt: '2026-12-01T10:00', duplicatePolicy: 'one-per-device' }, [400]],
      ['settings: minimum seconds -1', '/admin/surveys/:id/settings', { title: 't', minAnswerSeconds: '-1', duplicatePolicy: 'one-per-device' }, [400]],
      ['settings: minimum seconds 1e308', '/admin/surveys/:id/settings', { title: 't', minAnswerSeconds: '1e308', duplicatePolicy: 'one-per-device' }, [400]],
      ['settings: target sample -5', '/admin/surveys/:id/settings', { title: 't', targetSamplePerSite: '-5', duplicatePolicy: 'one-per-device' }, [400]],
      ['settings: weight "abc"', '/admin/surveys/:id/settings', { title: 't', weight0: 'abc', duplicatePolicy: 'one-per-device' }, [400]],
      ['settings: weight 1e308', '/admin/surveys/:id/settings', { title: 't', weight0: '1e308', weight1: '80', weight2: '60', weight3: '40', weight4: '20', duplicatePolicy: 'one-per-device' }, [400]],
      ['settings: satisfied level 9', '/admin/surveys/:id/settings', { title: 't', satisfiedLevels: '9', duplicatePolicy: 'one-per-device' }, [400]],
      ['settings: duplicate policy given twice', '/admin/surveys/:id/settings', { title: 't', duplicatePolicy: ['one-per-device', 'unlimited'] }, [400]],
      ['settings: unknown quality rule', '/admin/surveys/:id/settings', { title: 't', qualityRules: 'telepathy', duplicatePolicy: 'one-per-device' }, [400]],
      ['settings: description over 10 000 characters', '/admin/surveys/:id/settings', { title: 't', description: 'x'.repeat(10_001), duplicatePolicy: 'one-per-device' }, [400]],
      ['question: text over 10 000 characters', '/admin/surveys/:id/questions/:qid', { text: 'x'.repeat(10_001), version: '1' }, [400, 409]],
      ['question: max length -1', '/admin/surveys/:id/questions/:qid', { text: '意见', maxLength: '-1', version: '1' }, [400, 409]],
      ['question: max length 1e308', '/admin/surveys/:id/questions/:qid', { text: '意见', maxLength: '1e308', version: '1' }, [400, 409]],
      ['user: password over 10 000 characters', '/admin/users', { username: 'longpass', password: 'p'.repeat(10_001), role: 'viewer' }, [400]],
      ['user: unknown role', '/admin/users', { username: 'badrole', password: 'a long enough password', role: 'root' }, [400]],
      ['user: role given twice', '/admin/users', { username: 'tworoles', password: 'a long enough password', role: ['viewer', 'admin'] }, [400]],
      ['user: station staff of an unknown station', '/admin/users', { username: 'nosite', password: 'a long enough password', role: 'station', siteIds: 'no-such-site' }, [400]],
      ['publish at an unknown station', '/admin/surveys/:id/publish', { siteIds: 'no-such-site' }, [400]],
    ];
    it.each(ADMIN_FORMS)('refuses %s with a Chinese 4xx page and changes nothing', async (_what, path, fields, statuses) => {
      const before = await snapshot(t);
      const res = await admin.post(concrete(path)).type('form').send(formBody({ ...fields, _csrf: csrf }));
      expectHtmlRefusal(res, statuses, _what);
      expect(await snapshot(t)).toBe(before);
    });

    it('turns an over-long review reason into an error message on the response page, changing nothing', async () => {
      const before = await snapshot(t);
      const res = await admin.post(`/admin/responses/${fx.responseId}/review`).type('form').send({ _csrf: csrf, action: 'exclude', reason: 'x'.repeat(10_001) });
      expectHtmlRefusal(res, [400], 'over-long review reason');
      expect(res.text).toMatch(/id="review-reason-error">[^<]*500/);
      expect(await snapshot(t)).toBe(before);
    });

    it('turns an over-long bulk reason into an error message on the data-quality page, keeping the ticked rows, changing nothing', async () => {
      const before = await snapshot(t);
      const res = await admin.post(`/admin/stats/${fx.surveyId}/quality/review?show=all`).type('form').send(formBody({ _csrf: csrf, ids: fx.responseId, action: 'exclude', reason: 'x'.repeat(10_001) }));
      expectHtmlRefusal(res, [400], 'over-long bulk reason');
      expect(res.text).toMatch(/id="bulk-reason-error">[^<]*500/);
      expect(res.text).toContain(`value="${fx.responseId}" checked`);
      expect(await snapshot(t)).toBe(before);
    });

    const FORM_POSTS = ['/s/:code', '/login', '/admin/sites', '/admin/surveys', '/admin/surveys/:id/settings', '/admin/users'];

    it.each(FORM_POSTS.map((p) => [p] as const))('POST %s refuses a form body over 64 kB with 413', async (path) => {
      const before = await snapshot(t);
      const res = await admin.post(concrete(path)).type('form').send(formBody({ _csrf: csrf, title: 'x'.repeat(70_000) }));
      expectHtmlRefusal(res, [413], path);
      expect(await snapshot(t)).toBe(before);
    });

    it.each(FORM_POSTS.map((p) => [p] as const))('POST %s refuses more than 400 form fields with 413', async (path) => {
      const before = await snapshot(t);
      const body = Array.from({ length: 500 }, (_, i) => `f${i}=1`).join('&');
      const res = await admin.post(concrete(path)).type('form').send(`_csrf=${encodeURIComponent(csrf)}&${body}`);
      expectHtmlRefusal(res, [413], path);
      expect(await snapshot(t)).toBe(before);
    });

    const BAD_BYTES: [string, Buffer][] = [
      ['raw invalid UTF-8 bytes', Buffer.from([0xff, 0xfe, 0xc3, 0x28])],
      ['raw GBK bytes', iconv.encode('社工站', 'gbk')],
      ['percent-encoded GBK', Buffer.from(encodeGbk('社工站'))],
      ['percent-encoded invalid UTF-8', Buffer.from('%FF%FE%C3%28')],
    ];
    function encodeGbk(s: string): string {
      return [...iconv.encode(s, 'gbk')].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    }

    it.each(BAD_BYTES.flatMap(([what, bytes]) => ['/s/:code', '/admin/sites', '/admin/surveys', '/admin/surveys/:id/settings'].map((p) => [p, what, bytes] as const)))(
      'POST %s refuses %s in a form field with 400/415, storing nothing',
      async (path, _what, bytes) => {
        const agent = path === '/s/:code' ? request.agent(t.app) : admin;
        const clean = await cleanFields(path, agent);
        const token = agent === admin ? csrf : undefined;
        const textField = path === '/s/:code' ? 'q_c' : path === '/admin/sites' ? 'name' : 'title';
        const head = `${formBody({ ...clean, _csrf: token, ...(path === '/admin/surveys/:id/settings' ? { duplicatePolicy: 'one-per-device' } : {}) })}&${textField}=`;
        const before = await snapshot(t);
        const res = await sendRaw(agent.post(concrete(path)), 'application/x-www-form-urlencoded', Buffer.concat([Buffer.from(head), bytes]));
        expectHtmlRefusal(res, [400, 415], `${path} ${_what}`);
        expect(await snapshot(t)).toBe(before);
      },
    );

    it.each([['text/plain'], ['application/json'], ['multipart/form-data; boundary=XyZ']])('the resident form answers a body sent as %s with a 4xx, storing nothing', async (type) => {
      const phone = request.agent(t.app);
      const page = await phone.get(`/s/${fx.code}`).expect(200);
      const fields = formFields(page.text);
      const before = await snapshot(t);
      const body = type === 'application/json' ? JSON.stringify({ ...fields, q_grp: 'a', q_sat: '5' }) : type.startsWith('multipart') ? `--XyZ\r\nContent-Disposition: form-data; name="_csrf"\r\n\r\n${fields._csrf}\r\n--XyZ--\r\n` : formBody({ ...fields, q_grp: 'a' });
      const res = await sendRaw(phone.post(`/s/${fx.code}`), type, Buffer.from(body));
      expectHtmlRefusal(res, [400, 403, 415], type);
      expect(await snapshot(t)).toBe(before);
    });
  });

  describe('CSV site import', () => {
    const header = '站点编码,站点名称,所属乡镇街道,类型,服务对象人数\n';
    const rows = (n: number, bad?: number) =>
      header + Array.from({ length: n }, (_, i) => (i === bad ? `BAD CODE ${i},站${i},镇,乡镇,10\n` : `R${i},站${i},镇,乡镇,10\n`)).join('');

    const FILES: [string, () => Buffer, RegExp, 'file' | 'rows'][] = [
      ['truncated UTF-8', () => Buffer.concat([Buffer.from(`${header}A1,雄关`), Buffer.from('街').subarray(0, 2), Buffer.from(',镇,乡镇,10\n')]), /文字编码/, 'file'],
      ['Latin-1', () => Buffer.concat([Buffer.from(`${header}A1,Caf`), Buffer.from([0xe9]), Buffer.from(',Bourg,乡镇,10\n')]), /文字编码/, 'file'],
      ['UTF-16LE without a BOM', () => Buffer.from(rows(2), 'utf16le'), /不是 CSV 文本文件|文字编码/, 'file'],
      ['UTF-16BE without a BOM', () => Buffer.from(rows(2), 'utf16le').swap16(), /不是 CSV 文本文件|文字编码/, 'file'],
      ['random binary', () => Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919 + 13) % 256)), /不是 CSV 文本文件|文字编码/, 'file'],
      ['a PNG image', () => Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13]), Buffer.alloc(64, 1)]), /不是 CSV 文本文件|文字编码/, 'file'],
      ['an Excel workbook', () => Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100, 7)]), /工作簿/, 'file'],
      ['a header only', () => Buffer.from(header), /只有表头/, 'file'],
      ['an empty file with a BOM', () => Buffer.from('\uFEFF'), /空的/, 'file'],
      ['no header row', () => Buffer.from('A1,雄关,镇,乡镇,10\nA2,峪泉,镇,乡镇,20\n'), /不认识的列|缺少必需的列/, 'file'],
      ['a missing required column', () => Buffer.from('站点编码,站点名称\nA1,雄关\n'), /缺少必需的列/, 'file'],
      ['a column twice', () => Buffer.from('站点编码,站点名称,类型,类型\nA1,雄关,乡镇,乡镇\n'), /不止一次/, 'file'],
      ['unpaired quotes', () => Buffer.from(`${header}"A1,雄关,镇,乡镇,10\n`), /引号不成对|不认识|站点编码/, 'file'],
      ['5 001 rows', () => Buffer.from(rows(5001)), /一次最多导入 5000 行/, 'file'],
      ['a file over 1 MB', () => Buffer.from(header + `A1,${'长'.repeat(400_000)},镇,乡镇,10\n`), /超过 1 MB/, 'file'],
      ['3 000 rows with one bad row', () => Buffer.from(rows(3000, 2999)), /3001/, 'rows'],
      ['a formula as a code (=)', () => Buffer.from(`${header}=1+1,站,镇,乡镇,10\n`), /站点编码/, 'rows'],
      ['a formula as a code (+)', () => Buffer.from(`${header}+A1,站,镇,乡镇,10\n`), /站点编码/, 'rows'],
      ['a formula as a code (-)', () => Buffer.from(`${header}-2+3,站,镇,乡镇,10\n`), /站点编码/, 'rows'],
      ['a formula as a code (@)', () => Buffer.from(`${header}@SUM(A1),站,镇,乡镇,10\n`), /站点编码/, 'rows'],
      ['a formula behind a tab', () => Buffer.from(`${header}"\t=1+1",站,镇,乡镇,10\n`), /站点编码/, 'rows'],
      ['a formula as the number of recipients', () => Buffer.from(`${header}A1,站,镇,乡镇,=SUM(1;2)\n`), /服务对象人数/, 'rows'],
      ['a negative number of recipients', () => Buffer.from(`${header}A1,站,镇,乡镇,-1\n`), /服务对象人数/, 'rows'],
      ['1e308 recipients', () => Buffer.from(`${header}A1,站,镇,乡镇,1e308\n`), /服务对象人数/, 'rows'],
      ['a code used twice', () => Buffer.from(`${header}A1,站,镇,乡镇,1\nA1,站,镇,乡镇,2\n`), /重复/, 'rows'],
      ['a name over 10 000 characters', () => Buffer.from(`${header}A1,${'长'.repeat(10_001)},镇,乡镇,1\n`), /站点名称/, 'rows'],
      ['an extra cell', () => Buffer.from(`${header}A1,站,镇,乡镇,1,多余\n`), /多余的逗号/, 'rows'],
      ['a control character in a name', () => Buffer.from(`${header}A1,站\u0007点,镇,乡镇,1\n`), /站点名称/, 'rows'],
    ];

    it.each(FILES.map(([what, make, message, kind]) => [what, make, message, kind] as const))('the import page refuses %s, reports it and imports nothing', async (what, make, message, kind) => {
      const page = await admin.get('/admin/sites/import').expect(200);
      const before = await snapshot(t);
      const res = await admin.post('/admin/sites/import').field('_csrf', csrfFrom(page.text)).attach('file', make(), { filename: 'sites.csv', contentType: 'text/csv' });
      expectHtmlRefusal(res, [400, 413], what, message);
      if (kind === 'rows') expect(res.text).toMatch(/<td[^>]*>\d+<\/td>/);
      expect(await snapshot(t)).toBe(before);
    });

    it.each(FILES.map(([what, make, , kind]) => [what, make, kind] as const))('the API refuses %s as text/csv bytes, per row where it can, importing nothing', async (what, make, kind) => {
      const before = await snapshot(t);
      const res = await sendRaw(api('POST', '/api/v1/sites/import'), 'text/csv', make());
      expectJsonRefusal(res, [400, 413], what);
      if (kind === 'rows') expect(Object.keys(res.body.error.fields).every((k) => /^row\.\d+\.(code|name|township|kind|recipients|row)$/.test(k))).toBe(true);
      expect(await snapshot(t)).toBe(before);
    });

    it.each([['__proto__[polluted]'], ['constructor[prototype][polluted]'], ['$where'], ['file[$ne]']])('the import page refuses the multipart field %s with 400, importing nothing', async (field) => {
      const page = await admin.get('/admin/sites/import').expect(200);
      const before = await snapshot(t);
      const res = await admin.post('/admin/sites/import').field('_csrf', csrfFrom(page.text)).field(field, 'true').attach('file', Buffer.from(`${header}MP1,站,镇,乡镇,10\n`), { filename: 'sites.csv', contentType: 'text/csv' });
      expectHtmlRefusal(res, [400], field, '不允许的字段名');
      expect(await snapshot(t)).toBe(before);
      expect(polluted()).toBeUndefined();
    });

    it('imports formula-looking names as text, which exports neutralise', async () => {
      const csv = `${header}FORM1,=HYPERLINK("x"),@镇,乡镇,10\n`;
      const res = await sendRaw(api('POST', '/api/v1/sites/import'), 'text/csv', Buffer.from(csv)).expect(201);
      expect(res.body.sites[0]).toMatchObject({ name: '=HYPERLINK("x")', township: '@镇' });
      const list = await admin.get('/admin/sites').expect(200);
      expect(list.text).toContain(escapeHtml('=HYPERLINK("x")'));
      expect(unsafeMarkup(list.text)).toEqual([]);
    });
  });
});
