import { createHash } from 'node:crypto';
import { parse as parseCsv } from 'csv-parse/sync';
import JSZip from 'jszip';
import request from 'supertest';
import type { SurveyResponse } from '../../models/response';
import { csvDocument, type Cell } from '../../server/documents/spreadsheet';
import { tallyDeltas } from '../../server/domain/tally';
import { responseTable } from '../../server/services/exports';
import { allQuestions } from '../../server/services/statistics';
import { addUser, loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { binary } from '../helpers/downloads';
import { responseFixture } from '../helpers/fixtures';
import { openTemplateSurvey } from '../helpers/survey';

/**
 * The responses CSV must not change by one byte when its writing is made faster. A fixed set of
 * stored responses (fixed ids, times, texts and reviewers; more than one batch of the store and of
 * the CSV writer) holds hostile text in answers and review reasons — control characters, NUL, lone
 * surrogates, non-characters, formulas at the start of any line, CR/LF/CRLF, quotes and delimiters —
 * and every counting status. Its four files (labels or codes, all or valid responses) are compared
 * with the SHA-256 they had before the change (pinned), and with one csv-stringify pass over the full
 * stored responses (`stream`) through the same row builder. The XLSX, which reads the same rows, is
 * compared part for part with its workbook before the change.
 */

const HOSTILE = [
  'a\x01b',
  '\x1b[31m红字',
  'nul\x00字\x08',
  '半\ud800个',
  '尾\udc00',
  '\n=1+1',
  '第一行\r\n@SUM(A1)',
  'cr\r=2\r\n-3\n+4',
  '=HYPERLINK("http://evil.example","点我")',
  '-5',
  '+86 138',
  '@here',
  '\t=tab',
  '\r开头回车',
  'a,b"c;d',
  '"整段引号"',
  '_x0041_ 原样',
  '\ufffe\uffff非字符',
  '表情😀👍🏽',
  '多行\n第二行\n\n第四行',
  '普通的建议，没有什么特别',
  '',
  ' ',
];

const REVIEWER = 'reviewer-bytes';
const BASE = Date.UTC(2026, 9, 31, 15, 59, 58);
const N = 1_130;

/** The response number i: its status, channel and text follow i, so every combination turns up. */
function fixedResponse(i: number, pub: Parameters<typeof responseFixture>[0], pubB: Parameters<typeof responseFixture>[0], reviewerId: string): SurveyResponse {
  const text = HOSTILE[i % HOSTILE.length]!;
  const submitted = new Date(BASE + i * 3_607_003).toISOString();
  const answers: SurveyResponse['answers'] = {
    category: i % 17 === 0 ? '=evil\x07' : 'elderly',
    age: '70_79',
    received: i % 3 === 0 ? ['visit', 'home'] : i % 3 === 1 ? [] : ['phone'],
    attitude: String((i % 5) + 1),
    competence: '4',
    timeliness: i % 4 === 0 ? 'na' : '3',
    effect: '5',
    overall: String(5 - (i % 5)),
    know_address: 'yes',
    ...(i % 6 === 0 ? {} : { know_services: 'partly' }),
    suggestions: text,
  };
  const status = i % 9;
  return responseFixture(i % 2 ? pub : pubB, {
    id: `r-bytes-${String(i).padStart(5, '0')}`,
    answers,
    segment: 'elderly',
    submittedAt: submitted,
    startedAt: submitted,
    day: submitted.slice(0, 10),
    durationMs: 61_499 + (i % 3),
    channel: i % 7 === 3 ? 'paper' : i % 7 === 5 ? 'assisted' : 'qr',
    paperDate: i % 7 === 3 ? '2026-10-30' : null,
    flags: status === 1 ? ['burst'] : status === 2 ? ['speeder'] : status === 3 ? ['honeypot'] : status === 4 ? ['cleaned'] : status === 5 ? ['speeder', 'burst'] : [],
    ...(status === 6 ? { review: 'excluded' as const, reviewReason: HOSTILE[(i + 5) % HOSTILE.length]!, reviewedBy: reviewerId, reviewedAt: submitted } : {}),
    ...(status === 7 ? { flags: ['speeder'], review: 'kept' as const, reviewReason: '人工核实\r\n=ok', reviewedBy: 'gone-user', reviewedAt: null } : {}),
    ...(status === 8 ? { review: 'excluded' as const, reviewReason: null, reviewedBy: null, reviewedAt: submitted } : {}),
  });
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('the responses CSV keeps its bytes', () => {
  let t: TestApp;
  let setup: Awaited<ReturnType<typeof openTemplateSurvey>>;
  let agent: ReturnType<typeof request.agent>;

  beforeAll(async () => {
    t = await makeTestApp();
    setup = await openTemplateSurvey(t);
    const reviewer = await addUser(t, REVIEWER, 'evaluator');
    const questions = await allQuestions(t.deps, setup.survey);
    for (let i = 0; i < N; i++) {
      const r = fixedResponse(i, setup.pubs[0]!, setup.pubs[1]!, reviewer.id);
      await t.store.responses.insert(r, tallyDeltas(r, questions));
    }
    ({ agent } = await loginAs(t, 'evaluator', { username: 'evaluator-bytes' }));
  }, 60_000);
  afterAll(async () => {
    await t.close();
  });

  const download = async (query: string) => (await agent.get(`/admin/exports/${setup.survey.id}/responses.csv?${query}`).buffer(true).parse(binary).expect(200)).body as Buffer;

  /** The four files as the export wrote them before it was made faster (main at fe807ed). */
  const PINNED: [string, string][] = [
    ['mode=raw', '49564cad112550e85541c632c6d4673a3551273a8ebe426756080dcf2e0625b7'],
    ['mode=raw&codes=1', 'd59160e9e763412e1fa2b0fc23971219f4cef24d446e6bf1538f73eb09868eec'],
    ['', 'd78d45ea413a587d407e5f92f3414d826b49907a04dd40b324b1e4809da4a423'],
    ['codes=1', 'a9d176b6c532d6a55b10171472e339aa5c67146c87126e448945aac978bf17ee'],
  ];

  it.each(PINNED)('writes the CSV (%s) byte for byte as before', async (query, hash) => {
    const body = await download(query);
    const records: string[][] = parseCsv(body.toString('utf8'), { bom: true });
    expect(records.length).toBeGreaterThan(1);
    expect(sha256(body)).toBe(hash);
  });

  /** Every part of the workbook but docProps/core.xml (exceljs writes the time it was made there), by name. */
  const workbookParts = async (body: Buffer) => {
    const zip = await JSZip.loadAsync(body);
    const names = Object.keys(zip.files).filter((n) => !zip.files[n]!.dir && n !== 'docProps/core.xml').sort();
    const hash = createHash('sha256');
    for (const name of names) hash.update(`${name}\n`).update(await zip.files[name]!.async('nodebuffer'));
    return { names, sha256: hash.digest('hex') };
  };

  it.each([
    ['mode=raw', '4484d766ca6882aaf37aa836c77ef4b4bb8920aa5ea8d53f4e3dc0b8458d9871'],
    ['codes=1', '244cbc38336c876846813ca83cdf9bfc90ea090f3d4a5658a7e69933e9110041'],
  ])('writes the XLSX (%s) part for part as before, the time it was made aside', async (query, hash) => {
    const body = (await agent.get(`/admin/exports/${setup.survey.id}/responses.xlsx?${query}`).buffer(true).parse(binary).expect(200)).body as Buffer;
    const parts = await workbookParts(body);
    expect(parts.names).toContain('xl/worksheets/sheet1.xml');
    expect(parts.sha256).toBe(hash);
  });

  it.each(['mode=raw', 'mode=raw&codes=1'])('writes the CSV (%s) as one csv-stringify pass over the full stored responses', async (query) => {
    const body = await download(query);
    const survey = (await t.store.surveys.get(setup.survey.id))!;
    const sites = new Map((await t.store.sites.list()).map((s) => [s.id, { code: s.code, name: s.name }]));
    const names = new Map((await t.store.users.list()).map((u) => [u.id, u.username]));
    const { header, row } = responseTable(survey, await allQuestions(t.deps, survey), sites, { locale: 'zh-CN', codes: query.includes('codes') }, names);
    const rows: Cell[][] = [header];
    for await (const r of t.store.responses.stream({ surveyId: survey.id })) rows.push(row(r));
    expect(rows).toHaveLength(N + 1);
    expect(body.toString('utf8')).toBe(csvDocument(rows));
  });
});
