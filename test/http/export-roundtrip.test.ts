import { parse as parseCsv } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import request from 'supertest';
import type { SurveyResponse } from '../../models/response';
import { tallyDeltas } from '../../server/domain/tally';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { bindIndicator, createEvaluation } from '../../server/services/evaluations';
import { publishAtSites } from '../../server/services/publications';
import { allQuestions } from '../../server/services/statistics';
import { loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { binary, fileNames, stamp, strictXlsxParts } from '../helpers/downloads';
import { responseFixture, siteFixture } from '../helpers/fixtures';
import { formBody, openForm, openTemplateSurvey, templateAnswers } from '../helpers/survey';
import { testStoreKind } from '../helpers/store';

/**
 * Exports over a store that holds what input validation would refuse today: rows written straight
 * into the store (legacy data) with control characters, NUL, lone surrogates, non-characters,
 * formulas at the start of any line, CR/LF, a 1000-character text and emoji. Each file is read back
 * by a real parser: csv-parse, saxes (strict XML) on every XLSX part and exceljs, JSON line by line.
 */

interface Case {
  text: string;
  /** The cell as csv-parse reads it back: XML-illegal characters dropped, lone surrogates U+FFFD, formula lines neutralised. */
  csv: string;
  /**
   * The cell as Excel reads it back (exceljs, then the _xHHHH_ decoding of ECMA-376 §22.9.2.19 that
   * Excel and POI apply): the same characters, line breaks as LF, nothing neutralised (a text cell never runs).
   */
  xlsx: string;
  /** The value in NDJSON: controls kept (JSON escapes them), lone surrogates U+FFFD. */
  json: string;
}

const LONG = '长'.repeat(1000);
const CASES: Case[] = [
  { text: 'a\x01b', csv: 'ab', xlsx: 'ab', json: 'a\x01b' },
  { text: '\x1b[31m红字', csv: '[31m红字', xlsx: '[31m红字', json: '\x1b[31m红字' },
  { text: 'nul\x00字\x08', csv: 'nul字', xlsx: 'nul字', json: 'nul\x00字\x08' },
  { text: '半\ud800个', csv: '半\ufffd个', xlsx: '半\ufffd个', json: '半\ufffd个' },
  { text: '\n=1+1', csv: "\n'=1+1", xlsx: '\n=1+1', json: '\n=1+1' },
  { text: '第一行\r\n@SUM(A1)', csv: "第一行\r\n'@SUM(A1)", xlsx: '第一行\n@SUM(A1)', json: '第一行\r\n@SUM(A1)' },
  { text: 'cr\r=2\r\n-3\n+4', csv: "cr\r'=2\r\n'-3\n'+4", xlsx: 'cr\n=2\n-3\n+4', json: 'cr\r=2\r\n-3\n+4' },
  { text: LONG, csv: LONG, xlsx: LONG, json: LONG },
  { text: '表情😀👍🏽', csv: '表情😀👍🏽', xlsx: '表情😀👍🏽', json: '表情😀👍🏽' },
  { text: '=HYPERLINK("http://evil.example","点我")', csv: '\'=HYPERLINK("http://evil.example","点我")', xlsx: '=HYPERLINK("http://evil.example","点我")', json: '=HYPERLINK("http://evil.example","点我")' },
  { text: '-5', csv: "'-5", xlsx: '-5', json: '-5' },
  { text: '\t=tab', csv: "'\t=tab", xlsx: '\t=tab', json: '\t=tab' },
  { text: 'a,b"c;d', csv: 'a,b"c;d', xlsx: 'a,b"c;d', json: 'a,b"c;d' },
  { text: '_x0041_ 原样', csv: '_x0041_ 原样', xlsx: '_x0041_ 原样', json: '_x0041_ 原样' },
  { text: '\ufffe\uffff非字符', csv: '非字符', xlsx: '非字符', json: '\ufffe\uffff非字符' },
];

const SUBMITTED = '2026-11-01T02:00:00.000Z';
/** 2026-11-01 10:00:00 Beijing time, as exceljs reads an Excel date-time (UTC fields = the cell's wall clock). */
const SUBMITTED_WALL = new Date(Date.UTC(2026, 10, 1, 10, 0, 0));
const HOSTILE_SITE = '站点\x01\u202e=名\ud800';
/**
 * A lone surrogate in a plain text column (site name, survey title) comes back from SQLite as three
 * U+FFFD (better-sqlite3 writes it as the bytes ED A0 80); in JSON columns (answers) it stays a lone
 * surrogate until the export replaces it. MongoDB (BSON holds UTF-8 only) stores one U+FFFD. Either
 * way the file holds only well-formed text.
 */
const STORED_SURROGATE = testStoreKind() === 'sqlite' ? '\ufffd\ufffd\ufffd' : '\ufffd';
const SITE_OUT = `站点\u202e=名${STORED_SURROGATE}`;
const HOSTILE_TITLE = '满意度\x01调查\u202e=标题\ud800';
/** A line of a cell that a spreadsheet would run. */
const LIVE_FORMULA = /(^|\n|\r)[=+\-@]/;
const XML_ILLEGAL = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/;

type Agent = ReturnType<typeof request.agent>;

async function get(agent: Agent, url: string) {
  const res = await agent.get(url).buffer(true).parse(binary).expect(200);
  return { res, body: res.body as Buffer };
}

async function workbook(body: Buffer) {
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(body as unknown as ExcelJS.Buffer);
  return wb;
}

/** ECMA-376 §22.9.2.19 (ST_Xstring): _xHHHH_ is the character HHHH, as Excel reads it. */
const xstring = (v: ExcelJS.CellValue) => (typeof v === 'string' ? v.replace(/_x([0-9A-Fa-f]{4})_/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))) : v);

/**
 * A worksheet's rows as Excel shows them. exceljs decodes _xHHHH_ in shared strings (workbooks built
 * in memory) but not in the t="str" cells of its streaming writer: `streamed` decodes those as Excel does.
 */
function sheetRows(sheet: ExcelJS.Worksheet, streamed = true): ExcelJS.CellValue[][] {
  const out: ExcelJS.CellValue[][] = [];
  sheet.eachRow({ includeEmpty: true }, (row) => out.push((row.values as ExcelJS.CellValue[]).slice(1).map((v) => (streamed ? xstring(v) : v))));
  return out;
}

/** Every text cell read back from a CSV: no XML-illegal character, no formula on any line. */
function expectSafeCsv(records: string[][]) {
  for (const record of records) {
    for (const cell of record) {
      expect({ cell, live: LIVE_FORMULA.test(cell) || /^[\t\r]/.test(cell) }).toEqual({ cell, live: false });
      expect(XML_ILLEGAL.test(cell)).toBe(false);
    }
  }
}

describe('exports of hostile stored data open and read back', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;
  let agent: Agent;
  let inserted: SurveyResponse[];

  beforeAll(async () => {
    t = await makeTestApp();
    setup = await openTemplateSurvey(t);
    // Two answers through the real form…
    for (const code of [setup.pubs[0]!.code, setup.pubs[1]!.code]) {
      const phone = await openForm(t, code);
      t.clock.advance(90_000);
      await phone.agent.post(`/s/${code}`).type('form').send(formBody({ ...phone.fields!, ...templateAnswers() })).expect(303);
    }
    // …and, straight into the store, a station and survey title no form would accept…
    const site = siteFixture({ code: 'HX09', name: HOSTILE_SITE, recipients: 50 });
    await t.store.sites.create(site);
    const [pub] = (await publishAtSites(t.deps, SYSTEM_ACTOR, setup.survey.id, { siteIds: [site.id] })).created;
    await t.store.surveys.update(setup.survey.id, { title: HOSTILE_TITLE });
    // …and one response per hostile text, with every likert and choice answer set.
    const questions = await allQuestions(t.deps, setup.survey);
    const answers = { category: 'elderly', age: '70_79', received: ['visit', 'home'], attitude: '5', competence: '4', timeliness: '4', effect: '3', environment: 'na', overall: '5', know_address: 'yes' };
    inserted = CASES.map((c, i) =>
      responseFixture(pub!, {
        answers: { ...answers, suggestions: c.text, ...(i === 0 ? { category: '=evil\x07' } : {}) },
        segment: 'elderly',
        submittedAt: SUBMITTED,
        day: '2026-11-01',
        durationMs: 61_000,
        ...(i === 1 ? { review: 'excluded' as const, reviewReason: '原因\x01\n=cmd', reviewedBy: null, reviewedAt: SUBMITTED } : {}),
        ...(i === 2 ? { channel: 'paper' as const, paperDate: '2026-10-30' } : {}),
      }),
    );
    for (const r of inserted) await t.store.responses.insert(r, tallyDeltas(r, questions));
    ({ agent } = await loginAs(t, 'evaluator'));
  });
  afterAll(async () => {
    await t.close();
  });

  const rowById = <T>(rows: T[][], idCol = 0) => new Map(rows.map((r) => [String(r[idCol]), r]));

  it('writes raw responses as CSV that csv-parse reads back row for row, every cell as stored modulo the documented neutralisation', async () => {
    const { res, body } = await get(agent, `/admin/exports/${setup.survey.id}/responses.csv?mode=raw`);
    expect(fileNames(res).name).toBe(`满意度调查=标题-原始答卷-含无效-全部站点-${stamp(t)}.csv`);
    const records: string[][] = parseCsv(body.toString('utf8'), { bom: true });
    expect(records).toHaveLength(1 + 2 + CASES.length);
    const header = records[0]!;
    const col = (name: string) => header.findIndex((h) => h.includes(name));
    expect(header[col('提交时间')]).toBe('提交时间（北京时间）');
    const byId = rowById(records);
    CASES.forEach((c, i) => {
      const row = byId.get(inserted[i]!.id)!;
      expect({ i, cell: row[col('意见或建议')] }).toEqual({ i, cell: c.csv });
      expect(row[col('提交时间')]).toBe('2026-11-01 10:00:00');
      expect(row[col('用时')]).toBe('61');
      expect(row[col('站点名称')]).toBe(SITE_OUT);
    });
    expect(byId.get(inserted[0]!.id)![col('您属于以下哪一类服务对象')]).toBe("'=evil");
    expect(byId.get(inserted[1]!.id)![col('人工复核原因')]).toBe("原因\n'=cmd");
    expect(byId.get(inserted[2]!.id)![col('纸质问卷日期')]).toBe('2026-10-30');
    expectSafeCsv(records);
  });

  it('writes the coded CSV with the same rows and neutralises a hostile option id', async () => {
    const { body } = await get(agent, `/admin/exports/${setup.survey.id}/responses.csv?mode=raw&codes=1`);
    const records: string[][] = parseCsv(body.toString('utf8'), { bom: true });
    expect(records).toHaveLength(1 + 2 + CASES.length);
    const col = (id: string) => records[0]!.findIndex((h) => h.endsWith(`[${id}]`));
    const row = rowById(records).get(inserted[0]!.id)!;
    expect([row[col('category')], row[col('attitude')], row[col('environment')], row[col('received')]]).toEqual(["'=evil", '5', 'na', 'visit,home']);
    expectSafeCsv(records);
  });

  it('writes raw responses as XLSX whose every part is well-formed XML and whose cells read back typed: text as stored, numbers numeric, times as date-times', async () => {
    const { res, body } = await get(agent, `/admin/exports/${setup.survey.id}/responses.xlsx?mode=raw`);
    expect(fileNames(res).name).toBe(`满意度调查=标题-原始答卷-含无效-全部站点-${stamp(t)}.xlsx`);
    expect(await strictXlsxParts(body)).toEqual(expect.arrayContaining(['xl/workbook.xml', 'xl/worksheets/sheet1.xml', 'xl/styles.xml']));
    const sheet = (await workbook(body)).worksheets[0]!;
    const rows = sheetRows(sheet);
    expect(rows).toHaveLength(1 + 2 + CASES.length);
    const header = rows[0]!.map(String);
    const col = (name: string) => header.findIndex((h) => h.includes(name));
    expect(header[col('提交时间')]).toBe('提交时间（北京时间）');
    const byId = rowById(rows);
    CASES.forEach((c, i) => {
      const row = byId.get(inserted[i]!.id)!;
      expect({ i, cell: row[col('意见或建议')] }).toEqual({ i, cell: c.xlsx });
      expect(row[col('提交时间')]).toEqual(SUBMITTED_WALL);
      expect(row[col('用时')]).toBe(61);
      expect(row[col('问卷版本')]).toBe(1);
      expect(row[col('站点名称')]).toBe(SITE_OUT);
    });
    const excelRow = sheet.getRow(2);
    expect(excelRow.getCell(col('提交时间') + 1).numFmt).toBe('yyyy-mm-dd hh:mm:ss');
    expect(byId.get(inserted[2]!.id)![col('纸质问卷日期')]).toEqual(new Date(Date.UTC(2026, 9, 30)));
    expect(byId.get(inserted[1]!.id)![col('人工复核原因')]).toBe('原因\n=cmd');
  });

  it('writes the coded XLSX with Likert codes as numbers and other option ids as text', async () => {
    const { body } = await get(agent, `/admin/exports/${setup.survey.id}/responses.xlsx?mode=raw&codes=1`);
    await strictXlsxParts(body);
    const rows = sheetRows((await workbook(body)).worksheets[0]!);
    expect(rows).toHaveLength(1 + 2 + CASES.length);
    const col = (id: string) => rows[0]!.map(String).findIndex((h) => h.endsWith(`[${id}]`));
    const row = rowById(rows).get(inserted[3]!.id)!;
    expect([row[col('attitude')], row[col('competence')], row[col('effect')], row[col('environment')], row[col('category')], row[col('received')]]).toEqual([5, 4, 3, 'na', 'elderly', 'visit,home']);
    expect(rowById(rows).get(inserted[0]!.id)![col('category')]).toBe('=evil');
  });

  it('writes NDJSON as one well-formed JSON object per line whatever the text holds', async () => {
    const { body } = await get(agent, `/admin/exports/${setup.survey.id}/responses.ndjson?mode=raw`);
    const text = new TextDecoder('utf-8', { fatal: true }).decode(body);
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    expect(lines).toHaveLength(2 + CASES.length);
    const objects = lines.map((l) => JSON.parse(l) as { id: string; answers: Record<string, unknown> });
    const byId = new Map(objects.map((o) => [o.id, o]));
    CASES.forEach((c, i) => expect({ i, value: byId.get(inserted[i]!.id)!.answers.suggestions }).toEqual({ i, value: c.json }));
    expect(lines.some((l) => l.includes('\r'))).toBe(false);
  });

  it('writes the statistics workbook well-formed, numbers numeric, the computation time a date-time, the hostile station name cleaned', async () => {
    const stats = (await agent.get(`/api/v1/surveys/${setup.survey.id}/stats?mode=raw`).expect(200)).body;
    const { res, body } = await get(agent, `/admin/exports/${setup.survey.id}/statistics.xlsx?mode=raw`);
    expect(fileNames(res).name).toBe(`满意度调查=标题-统计表-含无效-全部站点-${stamp(t)}.xlsx`);
    await strictXlsxParts(body);
    const wb = await workbook(body);
    const overview = sheetRows(wb.getWorksheet('总览')!);
    const value = (label: string) => overview.find((r) => String(r[0]).startsWith(label))?.[1];
    expect(value('回收数')).toBe(2 + CASES.length);
    expect(value('回收数')).toBe(stats.overall.received);
    expect(value('问卷标题')).toBe(`满意度调查\u202e=标题${STORED_SURROGATE}`);
    expect(overview.find((r) => String(r[0]).startsWith('计算时间'))![0]).toBe('计算时间（北京时间）');
    expect(value('计算时间')).toBeInstanceOf(Date);
    const stations = sheetRows(wb.getWorksheet('各站点')!);
    const hostile = stations.find((r) => r[0] === 'HX09')!;
    expect(hostile[1]).toBe(SITE_OUT);
    expect(typeof hostile[3]).toBe('number');
  });

  it('writes the statistics ZIP of CSV files that csv-parse reads, the same tables as the workbook, formulas neutralised', async () => {
    const xlsx = await workbook((await get(agent, `/admin/exports/${setup.survey.id}/statistics.xlsx?mode=raw`)).body);
    const { res, body } = await get(agent, `/admin/exports/${setup.survey.id}/statistics.zip?mode=raw`);
    expect(fileNames(res).name).toBe(`满意度调查=标题-统计表-含无效-全部站点-${stamp(t)}.zip`);
    const zip = await JSZip.loadAsync(body);
    const names = Object.keys(zip.files).sort();
    expect(names).toHaveLength(xlsx.worksheets.length);
    for (const [i, name] of names.entries()) {
      const records: string[][] = parseCsv(await zip.files[name]!.async('string'), { bom: true, relax_column_count: true });
      expect({ name, rows: records.length }).toEqual({ name, rows: xlsx.worksheets[i]!.rowCount });
      expectSafeCsv(records);
    }
    const stations: string[][] = parseCsv(await zip.files[names[2]!]!.async('string'), { bom: true });
    expect(stations.find((r) => r[0] === 'HX09')![1]).toBe(SITE_OUT);
  });

  describe('the scorecard', () => {
    let evaluationId: string;
    const NAMES = { dimension: '=决策\ud800', leaf: '第一行\n@SUM(A1)_x0041_\uffff' };

    beforeAll(async () => {
      const created = await createEvaluation(t.deps, SYSTEM_ACTOR, { name: '评价', locale: 'zh-CN' });
      const bound = await bindIndicator(t.deps, SYSTEM_ACTOR, created.record.id, 'satisfaction', {
        updatedAt: created.record.updatedAt,
        surveyIds: [setup.survey.id],
        measure: 'rate',
        rule: { kind: 'ratio', target: 90 },
      });
      const data = bound.data;
      const tree = structuredClone(data.tree);
      tree[0]!.name = NAMES.dimension;
      tree[0]!.children[0]!.children[0]!.name = NAMES.leaf;
      // Straight into the store: the record's name as legacy data may hold it, the tree with text the form refuses today.
      await t.store.evaluations.update(created.record.id, bound.record.updatedAt, { name: '评价\x01=名称\ud800', data: { ...data, project: { ...data.project, name: '=项目\ud800' }, tree } as unknown as Record<string, unknown> });
      evaluationId = created.record.id;
    });

    it('writes the scorecard workbook well-formed, names as stored, scores numeric, evidence times as date-times', async () => {
      const { res, body } = await get(agent, `/admin/evaluations/${evaluationId}/scorecard.xlsx`);
      expect(fileNames(res)).toEqual({ type: 'attachment', name: `评价=名称-评分表-${stamp(t)}.xlsx`, ascii: `evaluation-scorecard-${stamp(t)}.xlsx` });
      await strictXlsxParts(body);
      const wb = await workbook(body);
      const analysis = sheetRows(wb.getWorksheet('绩效分析')!, false);
      // Stored evaluation text is repaired on read (server/domain/text-input.ts): the lone surrogate is gone.
      expect(analysis).toContainEqual(['项目名称', '=项目']);
      const indicators = sheetRows(wb.getWorksheet('指标体系')!, false);
      const header = indicators[0]!.map(String);
      expect(header[header.length - 1]).toBe('计算时间（北京时间）');
      // Names are one line of well-formed text once read back (the repair on read), whatever was stored.
      expect(indicators.find((r) => r[3] === '第一行 @SUM(A1)_x0041_')?.[1]).toBe('=决策');
      const satisfaction = indicators.find((r) => r[4] === 'satisfaction')!;
      expect(typeof satisfaction[5]).toBe('number');
      expect(satisfaction[header.length - 1]).toBeInstanceOf(Date);
    });

    it('writes the scorecard CSV that csv-parse reads, every formula line neutralised', async () => {
      const { res, body } = await get(agent, `/admin/evaluations/${evaluationId}/scorecard.csv`);
      expect(fileNames(res).name).toBe(`评价=名称-评分表-${stamp(t)}.csv`);
      const records: string[][] = parseCsv(body.toString('utf8'), { bom: true });
      expect(records.find((r) => r[3] === '第一行 @SUM(A1)_x0041_')?.[1]).toBe("'=决策");
      expect(records[0]![records[0]!.length - 1]).toBe('计算时间（北京时间）');
      expect(records.find((r) => r[4] === 'satisfaction')![records[0]!.length - 1]).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
      expectSafeCsv(records);
    });
  });
});
