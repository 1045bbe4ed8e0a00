import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import ExcelJS from 'exceljs';
import type request from 'supertest';
import type { Site } from '../../models/site';
import type { TallyDelta } from '../../models/tally';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { publishAtSites } from '../../server/services/publications';
import { createFromTemplate, setSurveyStatus } from '../../server/services/surveys';
import { loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { siteFixture } from '../helpers/fixtures';
import { formBody, openForm, templateAnswers } from '../helpers/survey';

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
};

const ITEMS = ['attitude', 'competence', 'timeliness', 'effect', 'environment', 'overall'];
const WEIGHT: Record<string, number> = { '5': 100, '4': 80, '3': 60, '2': 40, '1': 20 };
const Z = 1.959963984540054;

/** What each station's residents answered to the six satisfaction items ('na' = 不了解). */
const ANSWERS: Record<string, string[][]> = {
  S1: [
    ['5', '5', '4', '5', '4', '5'],
    ['4', '4', '4', '3', 'na', '4'],
    ['5', '4', '5', '5', '5', '5'],
    ['3', '2', '3', '2', '3', '3'],
    ['4', '5', '4', '4', '4', '4'],
    ['5', '5', '5', '5', '5', '5'],
  ],
  S2: [
    ['2', '2', '1', '2', '2', '2'],
    ['3', '2', '2', '2', '2', '3'],
    ['2', '1', '1', '2', '2', '2'],
    ['3', '2', '2', '3', 'na', '2'],
    ['2', '2', '2', '2', '2', '2'],
    ['3', '2', '3', '2', '3', '2'],
    ['2', '2', '2', '1', '2', '1'],
    ['2', '3', '2', '2', '2', '2'],
  ],
  S3: [
    ['4', '4', '5', '4', '4', '4'],
    ['3', '4', '4', '4', '3', '4'],
    ['5', '5', '5', '4', '5', '5'],
    ['4', '3', '4', '4', '4', '3'],
    ['4', '4', '4', '5', '4', '4'],
  ],
};
const POPULATION: Record<string, number> = { S1: 60, S2: 150, S3: 400 };

/**
 * The estimator recomputed here from the answers themselves, written out plainly (no shared code
 * with the server): respondent means, per-station mean and variance, population weights with
 * per-station FPC, Satterthwaite's df, Wilson at the effective sample size.
 */
function recompute(answers: Record<string, string[][]>, population: Record<string, number>) {
  const stations = Object.entries(answers).map(([code, rows]) => {
    const ys = rows.map((r) => {
      const ws = r.filter((a) => a !== 'na').map((a) => WEIGHT[a]!);
      return ws.reduce((k, w) => k + w, 0) / ws.length;
    });
    const n = ys.length;
    const mean = ys.reduce((k, y) => k + y, 0) / n;
    const s2 = ys.reduce((k, y) => k + (y - mean) ** 2, 0) / (n - 1);
    const p = ys.filter((y) => y >= 60).length / n;
    return { code, n, mean, s2, p, N: population[code]!, ys };
  });
  const N = stations.reduce((k, s) => k + s.N, 0);
  let index = 0;
  let v = 0;
  let dfDen = 0;
  let rate = 0;
  let vp = 0;
  let cap = 0;
  let sumA = 0;
  for (const s of stations) {
    const W = s.N / N;
    const a = (W * W * (1 - s.n / s.N)) / s.n;
    index += W * s.mean;
    v += a * s.s2;
    dfDen += (a * s.s2) ** 2 / (s.n - 1);
    rate += W * s.p;
    vp += a * s.p * (1 - s.p);
    cap += s.n / (1 - s.n / s.N);
    sumA += a;
  }
  const df = (v * v) / dfDen;
  const half = tQuantile(0.975, df) * Math.sqrt(v);
  // Interval ends stay within the weights' range, 20–100.
  const clip = (x: number) => Math.min(100, Math.max(20, x));
  // Every station all satisfied or all not (v(p) = 0): Kish's n* = 1 / Σ W²(1 − f)/n.
  const neff = vp > 0 ? Math.min((rate * (1 - rate)) / vp, cap) : 1 / sumA;
  const wilson = (p: number, n: number) => {
    const c = (p + (Z * Z) / (2 * n)) / (1 + (Z * Z) / n);
    const h = (Z / (1 + (Z * Z) / n)) * Math.sqrt((p * (1 - p)) / n + (Z * Z) / (4 * n * n));
    return [c - h, Math.min(1, c + h)];
  };
  const station = (s: (typeof stations)[number]) => {
    const se = Math.sqrt(((1 - s.n / s.N) * s.s2) / s.n);
    return { index: s.mean, ci: [clip(s.mean - tQuantile(0.975, s.n - 1) * se), clip(s.mean + tQuantile(0.975, s.n - 1) * se)], rate: s.p, rateCi: wilson(s.p, s.n / (1 - s.n / s.N)) };
  };
  return { index, ci: [clip(index - half), clip(index + half)], rate, rateCi: wilson(rate, neff), df, stations: Object.fromEntries(stations.map((s) => [s.code, station(s)])) };
}

const r2 = (x: number) => Math.round(x * 100) / 100;

describe('respondent-level, station-stratified statistics against an independent recomputation', () => {
  let t: TestApp;
  let surveyId: string;
  let sites: Site[];

  async function answer(code: string, levels: string[]) {
    const { agent, fields } = await openForm(t, code);
    t.clock.advance(90_000);
    const likert = Object.fromEntries(ITEMS.map((id, i) => [`q_${id}`, levels[i]!]));
    await agent.post(`/s/${code}`).type('form').send(formBody({ ...fields!, ...templateAnswers(likert) })).expect(303);
  }

  beforeEach(async () => {
    t = await makeTestApp();
    sites = Object.keys(ANSWERS).map((code) => siteFixture({ code, name: `${code} 社工站`, recipients: POPULATION[code]! }));
    for (const s of sites) await t.store.sites.create(s);
    const survey = await createFromTemplate(t.deps, SYSTEM_ACTOR, { locale: 'zh-CN' });
    surveyId = (await setSurveyStatus(t.deps, SYSTEM_ACTOR, survey.id, { status: 'open' })).id;
    const pubs = (await publishAtSites(t.deps, SYSTEM_ACTOR, surveyId, { siteIds: sites.map((s) => s.id) })).created;
    for (const [code, rows] of Object.entries(ANSWERS)) {
      const pub = pubs.find((p) => p.siteId === sites.find((s) => s.code === code)!.id)!;
      for (const r of rows) await answer(pub.code, r);
    }
  });
  afterEach(async () => {
    await t.close();
  });

  it('gives the overall and station figures of the recomputation to the printed precision', async () => {
    const expected = recompute(ANSWERS, POPULATION);
    const { agent } = await loginAs(t, 'evaluator');
    const s = (await agent.get(`/api/v1/surveys/${surveyId}/stats`).expect(200)).body;
    expect(s.overall.estimator).toMatchObject({ weighting: 'population', strata: 3 });
    expect(s.overall.satisfaction).toMatchObject({ n: 19, index: r2(expected.index), indexCi: expected.ci.map(r2), method: 't', df: Math.round(expected.df * 10) / 10 });
    expect(s.overall.satisfaction.rate).toBe(Math.round(expected.rate * 10_000) / 10_000);
    expect(s.overall.satisfaction.rateCi).toEqual(expected.rateCi.map((x) => Math.round(x * 10_000) / 10_000));
    for (const station of s.bySite) {
      const e = expected.stations[station.site.code]!;
      expect([station.site.code, station.satisfaction.index, station.satisfaction.indexCi]).toEqual([station.site.code, r2(e.index), e.ci.map(r2)]);
      expect(station.satisfaction.rateCi).toEqual(e.rateCi.map((x) => Math.round(x * 10_000) / 10_000));
    }
    // The ranking puts the least satisfied station last, and the page says how sure that is.
    expect(s.bySite.map((x: { site: { code: string } }) => x.site.code)).toEqual(['S1', 'S3', 'S2']);
    expect(s.lowest).toMatchObject({ name: 'S2 社工站', overlapping: [] });
    const page = await agent.get(`/admin/stats/${surveyId}`).expect(200);
    expect(page.text).toContain(`指数最低的站点：S2 社工站（${r2(expected.stations.S2!.index)}`);
    expect(page.text).toContain('其区间与其他站点的区间都不重叠');
  });

  it('adds up: station shares sum to the overall requirement, shown in the table\'s total row', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const s = (await agent.get(`/api/v1/surveys/${surveyId}/stats`).expect(200)).body;
    const shares = s.bySite.reduce((k: number, x: { allocated: number }) => k + x.allocated, 0);
    expect(s.overall.allocation).toBe('proportional');
    expect(s.overall.required).toBe(shares);
    expect(s.overall.stationsRequired).toBe(s.bySite.reduce((k: number, x: { required: number }) => k + x.required, 0));
    // Proportional: n = Σ WS² / (e²/z² + Σ WS²/N) with Sₕ² = 0.25 Nₕ/(Nₕ − 1), N = 610: 236.42 → shares
    // 236.42 × (60, 150, 400)/610 = 23.25, 58.14, 155.03 → 24 + 59 + 156 = 239.
    expect(s.bySite.map((x: { site: { code: string }; allocated: number }) => [x.site.code, x.allocated]).sort()).toEqual([
      ['S1', 24],
      ['S2', 59],
      ['S3', 156],
    ]);
    expect(s.overall.required).toBe(239);
    const page = await agent.get(`/admin/stats/${surveyId}`).expect(200);
    const total = /<tfoot>[\s\S]*?<\/tfoot>/.exec(page.text)![0];
    expect(total).toContain(`<td class="num">${s.overall.required}</td>`);
    expect(total).toContain(`<td class="num">${s.overall.stationsRequired}</td>`);
  });

  it('opens one station\'s dashboard from the overview, with the way back', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const overview = await agent.get(`/admin/stats/${surveyId}`).expect(200);
    const s2 = sites.find((s) => s.code === 'S2')!;
    const href = `/admin/stats/${surveyId}?sites=${s2.id}`;
    expect(overview.text).toContain(`href="${href}"`);
    const station = await agent.get(href).expect(200);
    expect(station.text).toContain('站点：S2 S2 社工站');
    expect(station.text).toContain(`href="/admin/stats/${surveyId}"`);
    expect(station.text).toContain('返回全部站点');
    const api = (await agent.get(`/api/v1/surveys/${surveyId}/stats?sites=${s2.id}`).expect(200)).body;
    // One station: the stratified figure is that station's own.
    const own = recompute({ S2: ANSWERS.S2! }, { S2: 150 });
    expect(api.overall.satisfaction.index).toBe(r2(own.index));
    expect(api.overall.satisfaction.indexCi).toEqual(own.ci.map(r2));
  });

  it('names the fallback to weights by respondents when a station\'s population is missing', async () => {
    const s3 = sites.find((s) => s.code === 'S3')!;
    await t.store.sites.update(s3.id, { recipients: null });
    const { agent } = await loginAs(t, 'evaluator');
    const s = (await agent.get(`/api/v1/surveys/${surveyId}/stats`).expect(200)).body;
    expect(s.overall.estimator).toMatchObject({ weighting: 'respondents', missingPopulation: ['S3 社工站'] });
    // Weights by respondents: the mean of all 19 respondents.
    const all = recompute({ all: Object.values(ANSWERS).flat() }, { all: 1e12 });
    expect(s.overall.satisfaction.index).toBe(r2(all.index));
    expect(s.overall.allocation).toBe('none');
    const page = await agent.get(`/admin/stats/${surveyId}`).expect(200);
    expect(page.text).toContain('S3 社工站 缺少服务对象人数，改以有效受访者数加权');
  });

  it('rebuilds tallies written before respondent profiles the first time a dashboard reads them', async () => {
    const before = (await (await loginAs(t, 'evaluator')).agent.get(`/api/v1/surveys/${surveyId}/stats`).expect(200)).body;
    const legacy: TallyDelta[] = (await t.store.tallies.dump(surveyId)).map((d) => ({
      key: d.key,
      cells: Object.fromEntries(Object.entries(d.cells).filter(([k]) => !k.startsWith('_r~') && !k.startsWith('_rd~'))),
    }));
    await t.store.tallies.replaceForSurvey(surveyId, legacy);
    expect((await t.store.tallies.dump(surveyId)).some((d) => Object.keys(d.cells).some((k) => k.startsWith('_r~')))).toBe(false);
    const { agent } = await loginAs(t, 'viewer');
    const after = (await agent.get(`/api/v1/surveys/${surveyId}/stats`).expect(200)).body;
    expect(after.overall.satisfaction).toEqual(before.overall.satisfaction);
    expect((await t.store.tallies.dump(surveyId)).some((d) => Object.keys(d.cells).some((k) => k.startsWith('_r~')))).toBe(true);
  });

  it('states every formula in the methodology appendix of the dashboard, the workbook (zh and en) and the report', async () => {
    const { agent } = await loginAs(t, 'evaluator');
    const page = await agent.get(`/admin/stats/${surveyId}`).expect(200);
    const method = /<section id="method"[\s\S]*?<\/section>/.exec(page.text)![0];
    for (const words of ['分析单位', '按站点分层的分离估计量', 'Satterthwaite', 'Wilson', '有限总体校正', '样本不足', '比例分配', 'Neyman', 'Cramér', 'Fisher', '假设', '本次：以服务对象人数加权，共 3 个站点。']) {
      expect(method).toContain(words);
    }
    for (const [lang, sheet, words] of [
      ['zh-CN', '计算方法', ['分层估计', '受访者', '所需样本']],
      ['en', 'Methodology', ['Separate-stratum estimator', 'Unit of analysis', 'Korn and Graubard']],
    ] as const) {
      const res = await agent.get(`/admin/exports/${surveyId}/statistics.xlsx?lang=${lang}`).buffer(true).parse(binary).expect(200);
      const wb = new ExcelJS.Workbook();
      await wb.xlsx.load(res.body as unknown as ExcelJS.Buffer);
      const text: string[] = [];
      wb.getWorksheet(sheet)!.eachRow((row) => text.push((row.values as unknown[]).slice(1).join(' | ')));
      for (const w of words) expect(text.join('\n')).toContain(w);
    }
    const report = await agent.get(`/admin/exports/${surveyId}/report?lang=zh-CN`).expect(200);
    expect(report.text).toContain('Satterthwaite');
    expect(report.text).toContain('满意度等级配色');
  });
});

