import request from 'supertest';
import { createApiToken } from '../../server/services/tokens';
import { tallyFreshnessNote, verifyTallies } from '../../server/services/tallies';
import { translate, type Translate } from '../../server/i18n';
import { addUser, csrfFrom, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

/** Likert answers in the template's order: attitude, competence, timeliness, effect, environment, overall. */
const likert = (levels: string[]) => {
  const ids = ['attitude', 'competence', 'timeliness', 'effect', 'environment', 'overall'];
  return Object.fromEntries(ids.map((id, i) => [`q_${id}`, levels[i]!]));
};

describe('statistics dashboard and API', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;

  /** Answers through the resident page, taking `seconds` to answer. */
  async function answer(code: string, answers: Record<string, string | string[]>, seconds = 90) {
    const { agent, fields } = await openForm(t, code);
    t.clock.advance(seconds * 1000);
    await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers(answers) })).expect(303);
  }

  beforeEach(async () => {
    t = await makeTestApp();
    setup = await openTemplateSurvey(t);
    const [a, b] = setup.pubs;
    // Weights 100/80/60/40/20; satisfied = levels 5, 4, 3; 'na' leaves the denominator.
    await answer(a!.code, { ...likert(['5', '4', '4', '3', 'na', '5']), q_category: 'elderly' }); // sum 420, n 5, satisfied 5
    await answer(a!.code, { ...likert(['4', '4', '4', '4', '2', '4']), q_category: 'disabled', q_suggestions: '<script>alert(1)</script> 希望增加上门服务' }); // 440 / 6, satisfied 5
    await answer(a!.code, { ...likert(['1', '2', '1', '2', '1', '1']), q_category: 'elderly' }, 5); // speeder: 160 / 6, satisfied 0
    await answer(b!.code, { ...likert(['5', '5', '4', '4', '3', '3']), q_category: 'child' }); // 480 / 6, satisfied 6
  });
  afterEach(async () => {
    await t.close();
  });

  it('computes received, valid and the respondent-level, station-stratified index and rate that can be re-derived by hand', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const res = await agent.get(`/api/v1/surveys/${setup.survey.id}/stats`).expect(200);
    const s = res.body;
    // Rates are fractions in the API (the page prints 100%); the index stays on its 0–100 scale.
    expect(s.overall).toMatchObject({ received: 4, valid: 3, validRate: 0.75 });
    // Valid respondents' mean scores: JYG01 (120 recipients) 420/5 = 84 and 440/6 = 73.33; JYG02 (80) 480/6 = 80.
    // Stratified: W = 0.6, 0.4 → 0.6 × 78.667 + 0.4 × 80 = 79.2; every respondent ≥ 60: rate 1.
    // 3 respondents < 5: no interval (样本不足).
    expect(s.overall.satisfaction).toMatchObject({ n: 3, satisfied: 3, index: 79.2, rate: 1, indexCi: null, rateCi: null, insufficient: true });
    expect(s.overall.estimator).toMatchObject({ weighting: 'population', strata: 2, emptyStrata: [], missingPopulation: [], coverage: 1 });
    // Pooled without strata: (84 + 73.333 + 80)/3 = 79.11.
    expect(s.overall.pooled).toMatchObject({ n: 3, index: 79.11 });
    const byCode = Object.fromEntries(s.bySite.map((r: { site: { code: string } }) => [r.site.code, r]));
    expect(byCode.JYG01.satisfaction).toMatchObject({ n: 2, index: 78.67, indexCi: null });
    expect(byCode.JYG02.satisfaction).toMatchObject({ n: 1, index: 80, indexCi: null, rate: 1 });
    expect(byCode.JYG01.weight).toBe(0.6);
    // A station's own requirement keeps its FPC: 80 recipients → 67 responses needed; 120 → 92. The overall
    // requirement is the sum of the proportional shares (80 + 53 = 133), where the stations' own add up to 159.
    expect(byCode.JYG02).toMatchObject({ required: 67, allocated: 53, adequate: false, responseRate: 0.0125 });
    expect(byCode.JYG01).toMatchObject({ required: 92, allocated: 80, received: 3, valid: 2 });
    expect(s.overall).toMatchObject({ required: 133, stationsRequired: 159, allocation: 'proportional', adequate: false });
    // Achieved margins (p = 0.5): JYG01 1.96 × √(0.25 × 118/119 / 2) = 0.6900; JYG02 1.96 × √(0.25/1) = 0.98;
    // overall 1.96 × √(0.36 × 0.24790/2 + 0.16 × 0.25) = 0.570150 → 57.02 points → 0.5702.
    expect(byCode.JYG01.moe).toBe(0.69);
    expect(byCode.JYG02.moe).toBe(0.98);
    expect(s.overall.moe).toBe(0.5702);
    expect(s.quality).toMatchObject({ received: 4, valid: 3, excluded: 0, flags: { speeder: 1 } });
    const overall = s.questions.find((q: { id: string }) => q.id === 'overall');
    expect(overall.options.map((o: { count: number }) => o.count)).toEqual([1, 1, 1, 0, 0, 0]);
    expect(s.bySegment.map((g: { label: string; valid: number }) => [g.label, g.valid])).toEqual([
      ['高龄/空巢/留守老人', 1],
      ['困境/留守儿童', 1],
      ['残疾人', 1],
    ]);
    const raw = await agent.get(`/api/v1/surveys/${setup.survey.id}/stats?mode=raw`).expect(200);
    // With the speeder (160/6 = 26.67, not satisfied) at JYG01: 0.6 × 61.333 + 0.4 × 80 = 68.8; rate 0.6 × 2/3 + 0.4 = 0.8.
    expect(raw.body.overall.satisfaction).toMatchObject({ n: 4, index: 68.8, rate: 0.8 });
    // The raw basis changes the figures, not the counts: valid is still the valid count.
    expect(raw.body.overall).toMatchObject({ received: 4, valid: 3, validRate: 0.75 });
    expect(raw.body.trend.reduce((n: number, p: { valid: number }) => n + p.valid, 0)).toBe(3);
  });

  it('renders the overview with charts fed by escaped data attributes, tables and the numbers', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const page = await agent.get(`/admin/stats/${setup.survey.id}`).expect(200);
    expect(page.text).toContain('<script src="/static/vendor/chart.js/chart.umd.min.js" defer></script>');
    expect(page.text).toMatch(/<canvas data-chart="\{&#34;type&#34;:&#34;bar&#34;/);
    expect(page.text).toContain('79.2');
    expect(page.text).toContain('100%');
    expect(page.text).toContain('样本不足');
    // Why received and valid differ is one click away.
    expect(page.text).toContain('1 份不计入，原因见“数据质量”');
    await request(t.app).get('/static/vendor/chart.js/chart.umd.min.js').expect(200).expect('content-type', /javascript/);
    const questions = await agent.get(`/admin/stats/${setup.survey.id}/questions`).expect(200);
    expect(questions.text).toContain('不计入分母');
    const comments = await agent.get(`/admin/stats/${setup.survey.id}/comments`).expect(200);
    expect(comments.text).toContain('&lt;script&gt;alert(1)&lt;/script&gt; 希望增加上门服务');
    expect(comments.text).not.toContain('<script>alert(1)');
    const none = await agent.get(`/admin/stats/${setup.survey.id}/comments?q=${encodeURIComponent('不存在的词')}`).expect(200);
    expect(none.text).toContain('共 0 份答卷有文字意见。');
  });

  it('applies filters from the URL: stations, period, segments, channel', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const [a] = setup.sites;
    const one = await agent.get(`/api/v1/surveys/${setup.survey.id}/stats?sites=${a!.id}`).expect(200);
    expect(one.body.overall).toMatchObject({ received: 3, valid: 2 });
    expect(one.body.bySite).toHaveLength(1);
    const seg = await agent.get(`/api/v1/surveys/${setup.survey.id}/stats?segments=elderly`).expect(200);
    expect(seg.body.overall).toMatchObject({ received: 2, valid: 1 });
    const period = await agent.get(`/api/v1/surveys/${setup.survey.id}/stats?from=2000-01-01&to=2000-01-02`).expect(200);
    expect(period.body.overall.received).toBe(0);
    const assisted = await agent.get(`/api/v1/surveys/${setup.survey.id}/stats?channels=assisted`).expect(200);
    expect(assisted.body.overall.received).toBe(0);
    const trend = await agent.get(`/api/v1/surveys/${setup.survey.id}/stats?granularity=month`).expect(200);
    expect(trend.body.trend.reduce((n: number, p: { received: number }) => n + p.received, 0)).toBe(4);
    const bad = await agent.get(`/api/v1/surveys/${setup.survey.id}/stats?from=2026-13-45&channels=fax`).expect(400);
    expect(Object.keys(bad.body.error.fields).sort()).toEqual(['channels.0', 'from']);
  });

  it('refuses an unknown station or segment in the dashboard, export and report URLs as the API does (400 naming it), instead of showing zeros', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const id = setup.survey.id;
    for (const path of [`/admin/stats/${id}?sites=no-such-station`, `/admin/stats/${id}/comments?sites=no-such-station`, `/admin/exports/${id}?sites=no-such-station`, `/admin/exports/${id}/responses.csv?segments=nobody`, `/admin/exports/${id}/report?sites=no-such-station`]) {
      const res = await agent.get(path);
      expect({ path, status: res.status }).toEqual({ path, status: 400 });
      expect(res.text).toMatch(/no-such-station|nobody/);
    }
    const [a] = setup.sites;
    await agent.get(`/admin/stats/${id}?sites=${a!.id}`).expect(200);
    await agent.get(`/admin/exports/${id}/responses.csv?sites=${a!.id}`).expect(200);
  });

  it('changes the numbers when a response is excluded or re-included, audited, with tallies still consistent', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const [, r2] = await t.store.responses.list({ surveyId: setup.survey.id }, { limit: 10 });
    const page = await agent.get(`/admin/responses/${r2!.id}`).expect(200);
    const csrf = csrfFrom(page.text);
    const noReason = await agent.post(`/admin/responses/${r2!.id}/review`).type('form').send({ _csrf: csrf, action: 'exclude', reason: ' ' });
    expect(noReason.status).toBe(400);
    expect((await t.store.responses.get(r2!.id))!.review).toBeNull();
    await agent.post(`/admin/responses/${r2!.id}/review`).type('form').send({ _csrf: csrf, action: 'exclude', reason: '重复填写' }).expect(303);
    let s = (await agent.get(`/api/v1/surveys/${setup.survey.id}/stats`).expect(200)).body;
    expect(s.overall).toMatchObject({ received: 4, valid: 2 });
    // Left: 84 at JYG01 and 80 at JYG02 → 0.6 × 84 + 0.4 × 80 = 82.4.
    expect(s.overall.satisfaction).toMatchObject({ n: 2, index: 82.4 });
    expect(s.quality.excluded).toBe(1);
    expect(await t.store.audit.list({ limit: 1, action: 'response.exclude' })).toEqual([expect.objectContaining({ targetId: r2!.id, details: expect.objectContaining({ reason: '重复填写' }) })]);
    expect(await verifyTallies(t.deps, setup.survey.id)).toEqual({ same: true });

    await agent.post(`/api/v1/responses/${r2!.id}/exclusion`).set('X-CSRF-Token', csrf).send({ excluded: false, reason: '核实后恢复' }).expect(200);
    s = (await agent.get(`/api/v1/surveys/${setup.survey.id}/stats`).expect(200)).body;
    expect(s.overall).toMatchObject({ valid: 3 });
    expect(await verifyTallies(t.deps, setup.survey.id)).toEqual({ same: true });
  });

  it('counts a flagged response once its rule is switched off, without rebuilding anything', async () => {
    await t.store.surveys.update(setup.survey.id, { settings: { ...setup.survey.settings, qualityRules: [] } });
    const { agent } = await loginAs(t, 'viewer');
    const s = (await agent.get(`/api/v1/surveys/${setup.survey.id}/stats`).expect(200)).body;
    expect(s.overall).toMatchObject({ received: 4, valid: 4 });
  });

  it('shows station staff only their own stations, and viewers cannot exclude', async () => {
    const [a, b] = setup.sites;
    const staff = await loginAs(t, 'station', { siteIds: [a!.id] });
    const s = (await staff.agent.get(`/api/v1/surveys/${setup.survey.id}/stats`).expect(200)).body;
    expect(s.bySite.map((r: { site: { id: string } }) => r.site.id)).toEqual([a!.id]);
    expect(s.overall.received).toBe(3);
    const asked = (await staff.agent.get(`/api/v1/surveys/${setup.survey.id}/stats?sites=${b!.id}`).expect(200)).body;
    expect(asked.overall.received).toBe(0);
    const page = await staff.agent.get(`/admin/stats/${setup.survey.id}`).expect(200);
    expect(page.text).not.toContain(b!.name);
    const [other] = await t.store.responses.list({ surveyId: setup.survey.id, siteIds: [b!.id] }, { limit: 1 });
    await staff.agent.post(`/api/v1/responses/${other!.id}/exclusion`).set('X-CSRF-Token', csrfFrom(page.text)).send({ excluded: true, reason: 'x' }).expect(403);
    const viewer = await loginAs(t, 'viewer');
    const vpage = await viewer.agent.get(`/admin/stats/${setup.survey.id}/quality`).expect(200);
    expect(vpage.text).not.toContain('/review');
    const user = await addUser(t, 'reader', 'evaluator');
    const { token } = await createApiToken(t.deps, user, { scope: 'read' });
    await request(t.app).post(`/api/v1/responses/${other!.id}/exclusion`).set('Authorization', `Bearer ${token}`).send({ excluded: true, reason: 'x' }).expect(403);
    expect((await t.store.responses.get(other!.id))!.review).toBeNull();
  });

  it('says nothing about tally freshness when every response is counted (SQLite: always)', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const api = (await agent.get(`/api/v1/surveys/${setup.survey.id}/stats`).expect(200)).body;
    expect(api.talliesAsOf).toBeNull();
    expect(api.overall.received).toBe(4);
    for (const path of ['', '/questions', '/quality']) {
      const page = await agent.get(`/admin/stats/${setup.survey.id}${path}`).expect(200);
      expect(page.text).not.toContain('统计截至');
    }
  });

  it('cross-tabulates two questions by streaming responses', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const res = await agent.get(`/api/v1/surveys/${setup.survey.id}/crosstab?row=category&col=overall&mode=raw`).expect(200);
    const row = res.body.row.options.findIndex((o: { id: string }) => o.id === 'elderly');
    const col5 = res.body.col.options.findIndex((o: { id: string }) => o.id === '5');
    const col1 = res.body.col.options.findIndex((o: { id: string }) => o.id === '1');
    expect(res.body.cells[row][col5]).toBe(1);
    expect(res.body.cells[row][col1]).toBe(1);
    expect(res.body.responses).toBe(4);
    // Row and column percentages with the totals: 老人 answered 5 and 1, so half of the row is in each.
    expect(res.body.rowTotals[row]).toBe(2);
    expect(res.body.rowPct[row][col5]).toBe(50);
    expect(res.body.colPct[row][col5]).toBe(100);
    expect(res.body.total).toBe(4);
    // The tested table drops empty rows and columns: 3 categories × 4 levels, n = 4.
    // E = 2×1/4 = 0.5 in the 老人 row, 0.25 elsewhere: χ² = Σ O²/E − n = (2 + 2 + 4 + 4) − 4 = 8 on 6 df,
    // p = P(χ²₆ ≥ 8) = 0.2381; V = √(8 / (4 × 2)) = 1. Every expected count is under 5: flagged.
    expect(res.body.multi).toBe(false);
    expect(res.body.test).toMatchObject({ n: 4, rows: 3, cols: 4, df: 6, expectedBelow5: 12, fisherP: null });
    expect(res.body.test.chi2).toBeCloseTo(8, 10);
    expect(res.body.test.p).toBeCloseTo(0.2381, 4);
    expect(res.body.test.cramersV).toBeCloseTo(1, 10);
    const page = await agent.get(`/admin/stats/${setup.survey.id}/questions?row=category&col=overall&mode=raw`).expect(200);
    expect(page.text).toContain('交叉分析');
    expect(page.text).toContain('卡方独立性检验：χ² = 8.00，自由度 6，p = 0.238');
    expect(page.text).toContain('12 个单元格的期望频数小于 5（最小 0.25），卡方近似不可靠');
    expect(page.text).toContain('每格依次为：人数；行百分比（占该行合计）；列百分比（占该列合计）。');
    // A multiple choice counts a person in several cells: no test.
    const multi = await agent.get(`/api/v1/surveys/${setup.survey.id}/crosstab?row=received&col=overall`).expect(200);
    expect(multi.body).toMatchObject({ multi: true, test: null });
    const multiPage = await agent.get(`/admin/stats/${setup.survey.id}/questions?row=received&col=overall`).expect(200);
    expect(multiPage.text).toContain('多选题中一人可计入多个单元格，不做卡方检验。');
  });

  it('gives a 2×2 table with small expected counts Fisher\'s exact test besides the warning', async () => {
    // Fisher's tea-tasting table [[3, 1], [1, 3]] (Agresti 2002, Table 3.8): the three valid responses so far
    // know both the address and the worker; add one of each mixed pair and three who know neither.
    const [a] = setup.pubs;
    const pairs = [['yes', 'no'], ['no', 'yes'], ['no', 'no'], ['no', 'no'], ['no', 'no']];
    for (const [address, worker] of pairs) await answer(a!.code, { ...likert(['4', '4', '4', '4', '4', '4']), q_know_address: address!, q_know_worker: worker! });
    const { agent } = await loginAs(t, 'evaluator');
    const res = await agent.get(`/api/v1/surveys/${setup.survey.id}/crosstab?row=know_address&col=know_worker`).expect(200);
    expect(res.body.cells).toEqual([
      [3, 1],
      [1, 3],
    ]);
    // Every E = 4 × 4 / 8 = 2 < 5; χ² = 4 × 1²/2 = 2; Fisher's two-sided P = 34/70 = 0.4857.
    expect(res.body.test).toMatchObject({ df: 1, expectedBelow5: 4 });
    expect(res.body.test.fisherP).toBeCloseTo(34 / 70, 10);
    const page = await agent.get(`/admin/stats/${setup.survey.id}/questions?row=know_address&col=know_worker`).expect(200);
    expect(page.text).toContain('Fisher 精确检验（双侧）：p = 0.486。');
    expect(page.text).toContain('在 5% 显著性水平上，未发现两题的回答有关联。');
  });
});

describe('the note shown when tallies lag (MongoDB applies them in batches)', () => {
  const zh: Translate = (key, params) => translate('zh-CN', key, params);
  const en: Translate = (key, params) => translate('en', key, params);

  it('names the time up to which every response is counted, in the survey\'s zone, with the zone named', () => {
    expect(tallyFreshnessNote(zh, '2026-11-01T02:00:05.000Z', '2026-11-01T02:00:09.000Z', 'Asia/Shanghai')).toMatch(/^统计截至 10:00:05（北京时间）；/);
    expect(tallyFreshnessNote(en, '2026-11-01T02:00:05.000Z', '2026-11-01T02:00:09.000Z', 'Asia/Shanghai')).toMatch(/^Counted up to 10:00:05 \(Beijing time\); /);
    expect(tallyFreshnessNote(zh, '2026-11-01T02:00:05.000Z', '2026-11-03T02:00:09.000Z', 'Asia/Urumqi')).toMatch(/^统计截至 2026-11-01 08:00:05（Asia\/Urumqi）；/);
  });
});
