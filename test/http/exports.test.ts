import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import request from 'supertest';
import { loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { fileNames, stamp } from '../helpers/downloads';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';

const binary = (res: request.Response, cb: (err: Error | null, body: Buffer) => void) => {
  const stream = res as unknown as NodeJS.ReadableStream;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(Buffer.from(c)));
  stream.on('end', () => cb(null, Buffer.concat(chunks)));
};

describe('exports', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;
  let agent: ReturnType<typeof request.agent>;

  async function answer(code: string, over: Record<string, string | string[]>, seconds = 90) {
    const phone = await openForm(t, code);
    t.clock.advance(seconds * 1000);
    await phone.agent.post(`/s/${code}`).type('form').send(formBody({ ...phone.fields!, ...templateAnswers(over) })).expect(303);
  }

  beforeEach(async () => {
    t = await makeTestApp();
    setup = await openTemplateSurvey(t);
    const [a, b] = setup.pubs;
    await answer(a!.code, { q_suggestions: '=HYPERLINK("http://evil.example","点我")', q_category: 'elderly' });
    await answer(a!.code, { q_suggestions: '服务很好，谢谢 "社工"，\n第二行', q_category: 'disabled', q_overall: '4' });
    await answer(b!.code, { q_suggestions: '+1 -1 @x', q_category: 'child' }, 3); // speeder: invalid by default
    ({ agent } = await loginAs(t, 'evaluator'));
  });
  afterEach(async () => {
    await t.close();
  });

  it('exports raw responses as CSV with a BOM that parses back to the submitted answers, formulas neutralised', async () => {
    const res = await agent.get(`/admin/exports/${setup.survey.id}/responses.csv?mode=raw`).buffer(true).parse(binary).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(fileNames(res)).toEqual({ type: 'attachment', name: `社工站服务对象满意度调查-原始答卷-含无效-全部站点-${stamp(t)}.csv`, ascii: `survey-responses-incl-invalid-all-stations-${stamp(t)}.csv` });
    const body = res.body as Buffer;
    expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const rows: string[][] = parse(body.toString('utf8'), { bom: true });
    const header = rows[0]!;
    expect(header.slice(0, 4)).toEqual(['答卷编号', '问卷版本', '站点编码', '站点名称']);
    expect(header).toContain('1. 您属于以下哪一类服务对象？');
    expect(rows).toHaveLength(4);
    const col = (name: string) => header.findIndex((h) => h.includes(name));
    const comments = rows.slice(1).map((r) => r[col('意见或建议')]);
    expect(comments).toEqual([`'=HYPERLINK("http://evil.example","点我")`, '服务很好，谢谢 "社工"，\n第二行', "'+1 -1 @x"]);
    expect(rows[1]![col('您属于以下哪一类服务对象')]).toBe('高龄/空巢/留守老人');
    expect(rows[1]![col('接受服务')]).toBe('到社工站；社工上门');
    expect(rows[3]![col('质量标记')]).toBe('答题过快');
    expect(rows[3]![col('是否有效')]).toBe('否');
    expect(rows[1]![col('站点名称')]).toBe('雄关街道社工站');
    expect(await t.store.audit.list({ limit: 1, action: 'export.responses' })).toEqual([expect.objectContaining({ details: expect.objectContaining({ format: 'csv', rows: 3, filters: 'mode=raw' }) })]);
  });

  it('exports option codes on request', async () => {
    const res = await agent.get(`/admin/exports/${setup.survey.id}/responses.csv?codes=1`).buffer(true).parse(binary).expect(200);
    const rows: string[][] = parse((res.body as Buffer).toString('utf8'), { bom: true });
    const col = rows[0]!.findIndex((h) => h.includes('[category]'));
    expect(rows.slice(1).map((r) => r[col])).toEqual(['elderly', 'disabled']);
  });

  it('exports XLSX that exceljs reads back with the same rows', async () => {
    const res = await agent.get(`/admin/exports/${setup.survey.id}/responses.xlsx?mode=raw`).buffer(true).parse(binary).expect(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as unknown as ExcelJS.Buffer);
    const sheet = wb.worksheets[0]!;
    expect(sheet.name).toBe('原始答卷');
    expect(sheet.rowCount).toBe(4);
    const header = (sheet.getRow(1).values as string[]).slice(1);
    const c = header.findIndex((h) => String(h).includes('意见或建议')) + 1;
    expect(sheet.getRow(2).getCell(c).value).toBe('=HYPERLINK("http://evil.example","点我")');
    expect(sheet.getRow(2).getCell(c).type).toBe(ExcelJS.ValueType.String);
    expect(sheet.getRow(2).getCell(8).value).toBe(90);
  });

  it('exports NDJSON without device or IP hashes', async () => {
    const res = await agent.get(`/admin/exports/${setup.survey.id}/responses.ndjson`).buffer(true).parse(binary).expect(200);
    const lines = (res.body as Buffer).toString('utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ siteCode: 'JYG01', valid: true, answers: { category: 'elderly' } });
    expect(lines[0].deviceHash).toBeUndefined();
    expect(lines[0].ipHash).toBeUndefined();
  });

  it.each([
    ['no filter', ''],
    ['raw basis', 'mode=raw'],
    ['one station', 'sites=SITE'],
    ['a segment', 'segments=elderly,child&mode=raw'],
    ['a period with nothing in it', 'from=2001-01-01&to=2001-01-31'],
  ])('counts exactly what the dashboard counts: %s', async (_name, q) => {
    const query = q.replace('SITE', setup.sites[0]!.id);
    const stats = (await agent.get(`/api/v1/surveys/${setup.survey.id}/stats?${query}`).expect(200)).body;
    const res = await agent.get(`/admin/exports/${setup.survey.id}/responses.ndjson?${query}`).buffer(true).parse(binary).expect(200);
    const rows = (res.body as Buffer).toString('utf8').split('\n').filter(Boolean).length;
    expect(rows).toBe(query.includes('mode=raw') ? stats.overall.received : stats.overall.valid);
  });

  it('exports the statistics workbook with every sheet and the dashboard numbers', async () => {
    const stats = (await agent.get(`/api/v1/surveys/${setup.survey.id}/stats`).expect(200)).body;
    const res = await agent.get(`/admin/exports/${setup.survey.id}/statistics.xlsx`).buffer(true).parse(binary).expect(200);
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(res.body as unknown as ExcelJS.Buffer);
    expect(wb.worksheets.map((s) => s.name)).toEqual(['总览', '逐题分布', '各站点', '服务对象类别', '各维度', '趋势', '数据质量', '以评促改', '计算方法']);
    const overview = wb.getWorksheet('总览')!;
    const valueOf = (label: string) => {
      let found: unknown;
      overview.eachRow((row) => {
        if (row.getCell(1).value === label) found = row.getCell(2).value;
      });
      return found;
    };
    expect(valueOf('回收数')).toBe(3);
    expect(valueOf('有效数')).toBe(2);
    expect(valueOf('满意度指数')).toBe(stats.overall.satisfaction.index);
    const stations = wb.getWorksheet('各站点')!;
    expect(stations.getRow(2).getCell(1).value).toBe(stats.bySite[0].site.code);
    const zip = await agent.get(`/admin/exports/${setup.survey.id}/statistics.zip`).buffer(true).parse(binary).expect(200);
    expect((zip.body as Buffer).subarray(0, 2).toString()).toBe('PK');
  });

  it('renders the printable report with summary, ranking, comments escaped and methodology', async () => {
    const res = await agent.get(`/admin/exports/${setup.survey.id}/report`).expect(200);
    expect(res.text).toContain('满意度调查分析报告');
    expect(res.text).toContain('各站点满意度排名');
    expect(res.text).toContain('=HYPERLINK(&#34;http://evil.example&#34;,&#34;点我&#34;)');
    expect(res.text).toContain('有限总体校正');
    expect(res.text).toContain('<link rel="stylesheet" href="/static/css/report.css">');
  });

  it('reports the cases bad reviews opened (以评促改) for the chosen stations and period, and says when a filter does not apply', async () => {
    const [a, b] = setup.pubs;
    const none = await agent.get(`/admin/exports/${setup.survey.id}/report`).expect(200);
    expect(none.text).toContain('四、差评处理情况（以评促改）');
    expect(none.text).toContain('所选站点和期间没有差评立案。');
    await answer(a!.code, { q_attitude: '1', q_suggestions: '态度不好' });
    await answer(a!.code, { q_overall: '2', q_suggestions: '一般' });
    await answer(b!.code, { q_effect: '1', q_suggestions: '没有帮助' });
    const cases = await t.store.cases.list({ surveyId: setup.survey.id });
    expect(cases).toHaveLength(3);
    const rowOf = (html: string, label: string) => {
      const m = new RegExp(`<th scope="row">${label}</th>\\s*<td>(\\d+)</td>`).exec(html);
      return m ? Number(m[1]) : null;
    };
    const all = (await agent.get(`/admin/exports/${setup.survey.id}/report`).expect(200)).text;
    expect(rowOf(all, '全部站点')).toBe(3);
    expect(rowOf(all, 'JYG01 雄关街道社工站')).toBe(2);
    expect(rowOf(all, 'JYG02 峪泉镇社工站')).toBe(1);
    const one = (await agent.get(`/admin/exports/${setup.survey.id}/report?sites=${setup.sites[1]!.id}`).expect(200)).text;
    expect(rowOf(one, '全部站点')).toBe(1);
    expect(rowOf(one, 'JYG01 雄关街道社工站')).toBeNull();
    const day = cases[0]!.openedDay;
    const before = new Date(Date.parse(`${day}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    const earlier = (await agent.get(`/admin/exports/${setup.survey.id}/report?to=${before}`).expect(200)).text;
    expect(earlier).toContain('所选站点和期间没有差评立案。');
    const bySegment = (await agent.get(`/admin/exports/${setup.survey.id}/report?segments=elderly`).expect(200)).text;
    expect(rowOf(bySegment, '全部站点')).toBe(3);
    expect(bySegment).toContain('服务对象类别和渠道筛选不适用于差评工单');
    expect(all).not.toContain('服务对象类别和渠道筛选不适用于差评工单');
    // Station staff see their own stations' cases only.
    const staff = await loginAs(t, 'station', { siteIds: [setup.sites[0]!.id] });
    const own = (await staff.agent.get(`/admin/exports/${setup.survey.id}/report`).expect(200)).text;
    expect(rowOf(own, '全部站点')).toBe(2);
  });

  it('refuses bad formats and filters with 400/404, and viewers may export but station staff only their stations', async () => {
    await agent.get(`/admin/exports/${setup.survey.id}/responses.exe`).expect(400);
    await agent.get(`/admin/exports/${setup.survey.id}/responses.csv?from=yesterday`).expect(400);
    const staff = await loginAs(t, 'station', { siteIds: [setup.sites[1]!.id] });
    const res = await staff.agent.get(`/admin/exports/${setup.survey.id}/responses.ndjson?mode=raw`).buffer(true).parse(binary).expect(200);
    const lines = (res.body as Buffer).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
    expect(lines.map((l) => l.siteCode)).toEqual(['JYG02']);
  });
});
