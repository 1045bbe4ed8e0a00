import os from 'node:os';
import fs from 'node:fs';
import path from 'node:path';
import request from 'supertest';
import type { CaseRecord } from '../../models/case';
import { runCli } from '../../server/cli';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { updateReportFacts } from '../../server/services/report';
import { createApiToken } from '../../server/services/tokens';
import { loginAs, makeTestApp, type TestApp } from '../helpers/app';
import { formFields } from '../helpers/survey';
import { discoverRoutes, expectJsonRefusal, polluted } from './support';

/**
 * The hostile input corpus of issue 12: every kind of malformed string, sent to the resident form
 * (every question type) and to every API write, each case asserting the status AND exactly what
 * was stored, read back from the store. hostile-input.test.ts covers markup, formulas in exports,
 * operator keys, bad bytes and sizes; this file covers characters: the one input normalisation
 * (server/domain/text-input.ts) at every entry point.
 */

/** A payload and what each kind of field makes of it: free text (cleaned; `removed` characters went), a name (stored, or refused naming the character, or 'line' for a line break). */
interface Payload {
  what: string;
  value: string;
  free: string;
  removed: number;
  asName: string | { refused: string };
}

const P = (what: string, value: string, free: string, removed: number, asName: Payload['asName']): Payload => ({ what, value, free, removed, asName });
const refused = (char: string) => ({ refused: char });

const PAYLOADS: Payload[] = [
  P('NUL', 'a\u0000b', 'ab', 1, refused('U+0000')),
  P('BEL and backspace', '铃\u0007退\u0008格', '铃退格', 2, refused('U+0007')),
  P('an ANSI escape sequence', '\u001b[31m红色', '[31m红色', 1, refused('U+001B')),
  P('DEL', 'a\u007fb', 'ab', 1, refused('U+007F')),
  P('C1 controls (NEL, CSI)', 'a\u0085b\u009bc', 'abc', 2, refused('U+0085')),
  P('vertical tab and form feed', 'a\u000bb\u000cc', 'abc', 2, refused('U+000B')),
  P('a lone high surrogate', '前\ud800后', '前后', 1, refused('U+D800')),
  P('a lone low surrogate', '前\udfff后', '前后', 1, refused('U+DFFF')),
  P('surrogates in the wrong order', 'x\udc00\ud800y', 'xy', 2, refused('U+DC00')),
  P('the non-character U+FFFE', 'a\ufffeb', 'ab', 1, refused('U+FFFE')),
  P('the non-character U+FDD0', 'a\ufdd0b', 'ab', 1, refused('U+FDD0')),
  P('the non-character U+10FFFF', 'a\u{10ffff}b', 'ab', 1, refused('U+10FFFF')),
  P('the non-character U+1FFFE', 'a\u{1fffe}b', 'ab', 1, refused('U+1FFFE')),
  P('a right-to-left override', 'abc\u202edef', 'abcdef', 1, refused('U+202E')),
  P('a bidi embedding', '\u202aabc\u202c', 'abc', 2, refused('U+202A')),
  P('bidi isolates', 'x\u2066abc\u2069', 'xabc', 2, refused('U+2066')),
  P('emoji', '满意😀👍🏽', '满意😀👍🏽', 0, '满意😀👍🏽'),
  P('a ZWJ emoji sequence', '家庭👨‍👩‍👧', '家庭👨‍👩‍👧', 0, '家庭👨‍👩‍👧'),
  P('a CJK Extension B character', '𠮷野家', '𠮷野家', 0, '𠮷野家'),
  P('combining accents (NFD)', 'Cafe\u0301 Ame\u0301lie', 'Café Amélie', 0, 'Café Amélie'),
  P('Hangul jamo (NFD)', '\u1100\u1161\u11a8', '\uac01', 0, '\uac01'),
  P('the Angstrom sign', '\u212b', '\u00c5', 0, '\u00c5'),
  P('a formula', '=HYPERLINK("http://evil.example","点我")', '=HYPERLINK("http://evil.example","点我")', 0, '=HYPERLINK("http://evil.example","点我")'),
  P('formulas at the start of every line', '=1+1\n+2\r\n-3\r@SUM(A1)\n\tx', '=1+1\n+2\n-3\n@SUM(A1)\n\tx', 0, refused('line')),
  P('Unicode line and paragraph separators', 'a\u2028b\u2029c', 'a\nb\nc', 0, refused('line')),
  P('a tab', 'a\tb', 'a\tb', 0, refused('line')),
  P('surrounding spaces and a final line break', ' \u3000 名称 \u3000\n', '名称', 0, '名称'),
  P('a byte order mark in front', '\ufeff站点', '站点', 0, '站点'),
  P('zero-width space and marks', 'a\u200bb\u200ec', 'a\u200bb\u200ec', 0, 'a\u200bb\u200ec'),
  P('markup', '<script>alert(1)</script>', '<script>alert(1)</script>', 0, '<script>alert(1)</script>'),
  P('a prototype key as text', '__proto__', '__proto__', 0, '__proto__'),
];

/**
 * Form encoding as a browser would send it, except that a lone surrogate is written as the three
 * bytes a naive encoder makes of it (%ED%A0%80 for U+D800): not UTF-8, so the server must refuse it.
 */
function formEncode(fields: [string, string][]): string {
  const enc = (s: string) =>
    [...s]
      .map((ch) => {
        const cp = ch.codePointAt(0)!;
        if (cp >= 0xd800 && cp <= 0xdfff) return [0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 0x3f), 0x80 | (cp & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
        return encodeURIComponent(ch);
      })
      .join('');
  return fields.map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');
}

const hasLoneSurrogate = (s: string) => [...s].some((c) => c.length === 1 && c.charCodeAt(0) >= 0xd800 && c.charCodeAt(0) <= 0xdfff);

/** A survey with one question of every type. */
const SURVEY = {
  title: '字符测试问卷',
  segmentQuestionId: 'seg',
  settings: { duplicatePolicy: 'unlimited', minAnswerSeconds: 0, qualityRules: [], burstPerMinute: 10_000 },
  questions: [
    { id: 'seg', type: 'single', text: '类别', options: [{ id: 'a', label: '甲' }, { id: 'b', label: '乙' }] },
    { id: 'sat', type: 'likert5', text: '满意度', required: true, countsTowardSatisfaction: true, options: ['5', '4', '3', '2', '1'].map((id) => ({ id, label: `等级${id}` })) },
    { id: 'multi', type: 'multi', text: '多选', options: [{ id: 'x', label: '上门' }, { id: 'y', label: '电话' }] },
    { id: 'rate', type: 'rating', text: '评分', min: 1, max: 5 },
    { id: 'nps', type: 'nps', text: '推荐' },
    { id: 'num', type: 'number', text: '年龄', min: -1000, max: 1000 },
    { id: 'c', type: 'text', text: '意见', maxLength: 40 },
  ],
};

describe('hostile input corpus: what is stored, character by character', () => {
  let t: TestApp;
  let token: string;
  let code: string;
  let surveyId: string;
  let siteId: string;
  let responseId: string;
  let evaluationId: string;
  let leafId: string;
  let itemId: string;
  let caseId: string;
  let caseAtStart: CaseRecord;
  let seq = 0;
  const uniq = (prefix: string) => `${prefix}${++seq}`;
  const api = (method: string, url: string) => request(t.app)[method.toLowerCase() as 'post'](url).set('Authorization', `Bearer ${token}`);

  beforeAll(async () => {
    t = await makeTestApp();
    const login = await loginAs(t, 'admin', { username: 'corpus-admin' });
    token = (await createApiToken(t.deps, login.user, { scope: 'write' })).token;
    siteId = (await api('POST', '/api/v1/sites').send({ code: 'CORPUS', name: '语料站', kind: 'street' }).expect(201)).body.site.id;
    surveyId = (await api('POST', '/api/v1/surveys').send(SURVEY).expect(201)).body.survey.id;
    await api('POST', `/api/v1/surveys/${surveyId}/status`).send({ status: 'open' }).expect(200);
    code = (await api('POST', `/api/v1/surveys/${surveyId}/publications`).send({ siteIds: [siteId] }).expect(201)).body.publications[0].code;
    // A 非常不满意 answer first: its case (以评促改) takes the notes of PATCH /cases/:id.
    await submit([['q_sat', '1'], ['q_c', '差评']]);
    caseAtStart = (await t.store.cases.list({ surveyId }))[0]!;
    caseId = caseAtStart.id;
    await submit([['q_sat', '5'], ['q_c', '第一份']]);
    responseId = (await newest())!.id;
    const evaluation = await api('POST', '/api/v1/evaluations').send({ name: '语料评价' }).expect(201);
    evaluationId = evaluation.body.evaluation.id;
    type Node = { id: string; children: Node[] };
    const leaves = (nodes: Node[]): string[] => nodes.flatMap((n) => (n.children.length ? leaves(n.children) : [n.id]));
    leafId = leaves(evaluation.body.evaluation.data.tree as Node[]).find((id) => id !== 'satisfaction')!;
    // One 存在问题, so the evaluation has a 整改 item to write to.
    const withProblem = await updateReportFacts(t.deps, SYSTEM_ACTOR, evaluationId, { updatedAt: evaluation.body.evaluation.updatedAt, problems: [{ text: '台账不全', cause: '', indicatorIds: [] }] });
    itemId = withProblem.data.report.problems[0]!.id;
  });
  afterAll(async () => {
    await t.close();
  });
  // Rate limits count per window of the app's clock: move it on so the corpus never trips them.
  beforeEach(() => {
    t.clock.advance(15_000);
  });
  afterEach(() => {
    expect(polluted()).toBeUndefined();
  });

  /** The newest response of the corpus survey. */
  const newest = async () => (await t.store.responses.list({ surveyId }, { limit: 1, newestFirst: true }))[0];
  const responseCount = () => t.store.responses.count({ surveyId });

  /** A phone opens the questionnaire and sends these fields (raw form encoding, see formEncode). */
  async function submit(fields: [string, string][]): Promise<request.Response> {
    const phone = request.agent(t.app);
    const page = await phone.get(`/s/${code}`).expect(200);
    const { ft } = formFields(page.text);
    return phone.post(`/s/${code}`).type('form').send(formEncode([['ft', ft], ['website', ''], ...fields]));
  }

  describe('the resident form', () => {
    it.each(PAYLOADS.map((p) => [p.what, p] as const))('a text answer with %s is stored cleaned, or refused when it cannot be UTF-8', async (_what, p) => {
      const before = await responseCount();
      const res = await submit([['q_sat', '4'], ['q_c', p.value]]);
      if (hasLoneSurrogate(p.value)) {
        // A form cannot carry a lone surrogate as UTF-8: the bytes are refused before any route.
        expect(res.status).toBe(415);
        expect(await responseCount()).toBe(before);
        return;
      }
      expect(res.status).toBe(303);
      const r = (await newest())!;
      expect(await responseCount()).toBe(before + 1);
      expect(r.answers).toEqual({ sat: '4', c: p.free });
      expect(r.flags).toEqual(p.removed ? ['cleaned'] : []);
    });

    const NUMBERS: [string, string | string[], number | string][] = [
      ['full-width digits and point', '１２．５', 12.5],
      ['a full-width minus', '－７', -7],
      ['a minus sign', '−3', -3],
      ['surrounding spaces', ' 42 ', 42],
      ['an ideographic space around it', '\u300042\u3000', 42],
      ['a NUL inside', '4\u00002', 'answer.number'],
      ['a right-to-left override', '12\u202e', 'answer.number'],
      ['Arabic-Indic digits', '٣٤', 'answer.number'],
      ['an exponent', '1e3', 'answer.number'],
      ['Infinity', 'Infinity', 'answer.number'],
      ['a formula', '=1+1', 'answer.number'],
      ['two values', ['1', '2'], 'answer.oneOnly'],
      ['a value out of range', '1001', 'answer.range'],
    ];
    it.each(NUMBERS)('a number answer with %s is stored as the number or refused naming the question', async (_what, value, expected) => {
      const before = await responseCount();
      const res = await submit([['q_sat', '3'], ...(Array.isArray(value) ? value : [value]).map((v): [string, string] => ['q_num', v])]);
      if (typeof expected === 'number') {
        expect(res.status).toBe(303);
        expect((await newest())!.answers).toEqual({ sat: '3', num: expected });
      } else {
        expect(res.status).toBe(400);
        expect(res.text).toMatch(/id="err-num"/);
        expect(await responseCount()).toBe(before);
      }
    });

    const CHOICES: [string, [string, string][], Record<string, unknown> | string][] = [
      ['multi: two options', [['q_multi', 'y'], ['q_multi', 'x']], { multi: ['x', 'y'] }],
      ['multi: one option sent as a scalar', [['q_multi', 'x']], { multi: ['x'] }],
      ['multi: the same option twice', [['q_multi', 'x'], ['q_multi', 'x']], { multi: ['x'] }],
      ['multi: an unknown option', [['q_multi', 'x'], ['q_multi', 'zz']], 'multi'],
      ['multi: an option with a NUL', [['q_multi', 'x\u0000']], 'multi'],
      ['multi: an option with an override', [['q_multi', '\u202ex']], 'multi'],
      ['multi: a full-width option id', [['q_multi', 'ｘ']], 'multi'],
      ['single: two values where one is expected', [['q_seg', 'a'], ['q_seg', 'b']], 'seg'],
      ['likert: two levels', [['q_sat', '4']], 'sat'],
      ['rating: two values', [['q_rate', '1'], ['q_rate', '2']], 'rate'],
      ['nps: two values', [['q_nps', '1'], ['q_nps', '2']], 'nps'],
      ['text: two values', [['q_c', 'a'], ['q_c', 'b']], 'c'],
      ['single: an option id with spaces around it', [['q_seg', ' b ']], { seg: 'b' }],
    ];
    it.each(CHOICES)('%s', async (_what, fields, expected) => {
      const before = await responseCount();
      const res = await submit([['q_sat', '5'], ...fields]);
      if (typeof expected === 'string') {
        expect(res.status).toBe(400);
        expect(res.text).toMatch(new RegExp(`id="err-${expected}"`));
        expect(await responseCount()).toBe(before);
      } else {
        expect(res.status).toBe(303);
        expect((await newest())!.answers).toEqual({ sat: '5', ...expected });
      }
    });

    it.each([['q___proto__'], ['q_constructor'], ['q_prototype'], ['__proto__[sat]'], ['q_sat[__proto__]']])('refuses the prototype field %s, storing nothing', async (field) => {
      const before = await responseCount();
      const res = await submit([['q_sat', '5'], [field, '1']]);
      expect(res.status).toBe(400);
      expect(await responseCount()).toBe(before);
    });

    const SIZES: [string, string, string | null, boolean][] = [
      ['exactly 40 emoji', '😀'.repeat(40), '😀'.repeat(40), false],
      ['41 emoji', '😀'.repeat(41), null, false],
      ['exactly 40 Extension B characters', '𠮷'.repeat(40), '𠮷'.repeat(40), false],
      ['41 Extension B characters', '𠮷'.repeat(41), null, false],
      ['40 accented letters sent decomposed (80 code points)', 'e\u0301'.repeat(40), '\u00e9'.repeat(40), false],
      ['41 accented letters sent decomposed', 'e\u0301'.repeat(41), null, false],
      ['40 characters and 10 NULs', `${'长'.repeat(20)}${'\u0000'.repeat(10)}${'长'.repeat(20)}`, '长'.repeat(40), true],
      ['40 characters with CRLF line breaks', `${'行\r\n'.repeat(13)}行`, `${'行\n'.repeat(13)}行`, false],
    ];
    it.each(SIZES)('a text answer of %s (the limit is 40 characters) is stored or refused by its length in characters', async (_what, value, stored, cleaned) => {
      const before = await responseCount();
      const res = await submit([['q_sat', '2'], ['q_c', value]]);
      if (stored === null) {
        expect(res.status).toBe(400);
        expect(res.text).toContain('最多 40 个字');
        expect(await responseCount()).toBe(before);
      } else {
        expect(res.status).toBe(303);
        const r = (await newest())!;
        expect(r.answers).toEqual({ sat: '2', c: stored });
        expect(r.flags).toEqual(cleaned ? ['cleaned'] : []);
      }
    });

    it('offers the browser a maxlength never stricter than the limit in characters', async () => {
      const page = await request(t.app).get(`/s/${code}`).expect(200);
      expect(page.text).toMatch(/<textarea id="q_c" name="q_c" rows="4" maxlength="80"/);
      expect(page.text).toContain('最多 40 个字。');
    });
  });

  /** An API write of one string field: how to send a value, and how to read back what was stored. */
  interface Field {
    route: string;
    /** The field's path in the error answer. */
    field: string;
    kind: 'name' | 'free';
    status: number;
    send: (value: unknown) => Promise<request.Response>;
    read: (res: request.Response) => Promise<unknown>;
    /** What must not change when the write is refused. */
    state: () => Promise<unknown>;
    /** Brings the record to the state each case starts from. */
    prepare?: () => Promise<void>;
  }

  const stamp = async () => (await api('GET', `/api/v1/evaluations/${evaluationId}`).expect(200)).body.evaluation.updatedAt as string;
  const evaluation = async () => (await api('GET', `/api/v1/evaluations/${evaluationId}`).expect(200)).body.evaluation;
  const surveyNow = async () => (await t.store.surveys.get(surveyId))!;
  const questionsWith = async (change: (qs: Record<string, unknown>[]) => void) => {
    const s = await surveyNow();
    const questions = JSON.parse(JSON.stringify(s.questions)) as Record<string, unknown>[];
    change(questions);
    return { version: s.version, questions, segmentQuestionId: s.segmentQuestionId };
  };
  const counts = async () => [(await t.store.sites.list()).length, (await t.store.surveys.list()).length, (await t.store.evaluations.list()).length, await t.store.audit.count()];
  const reviewState = async () => {
    const r = (await t.store.responses.get(responseId))!;
    return [r.review, r.reviewReason];
  };
  /** Puts the corpus response back to automatic, so the next review case starts from the same state. */
  const restore = async () => {
    if ((await t.store.responses.get(responseId))!.review !== null) await api('POST', `/api/v1/responses/${responseId}/review`).send({ action: 'restore', reason: '复原' }).expect(200);
  };
  const csvCell = (v: unknown) => `"${String(v).replace(/"/g, '""')}"`;

  const FIELDS: Field[] = [
    {
      route: 'PATCH /api/v1/cases/:id',
      field: 'note',
      kind: 'free',
      status: 200,
      // Each case starts from the open case: its first contact, with the note under test.
      prepare: async () => {
        const now = (await t.store.cases.get(caseId))!;
        await t.store.cases.update(caseId, now.updatedAt, caseAtStart);
      },
      send: (v) => api('PATCH', `/api/v1/cases/${caseId}`).send({ step: 'contact', note: v }),
      read: async () => (await t.store.cases.get(caseId))!.history.at(-1)!.note,
      state: async () => JSON.stringify(await t.store.cases.get(caseId)),
    },
    {
      route: 'POST /api/v1/sites',
      field: 'name',
      kind: 'name',
      status: 201,
      send: (v) => api('POST', '/api/v1/sites').send({ code: uniq('N'), name: v, kind: 'township' }),
      read: async (res) => (await t.store.sites.get(res.body.site.id))!.name,
      state: counts,
    },
    {
      route: 'PATCH /api/v1/sites/:id',
      field: 'township',
      kind: 'name',
      status: 200,
      send: (v) => api('PATCH', `/api/v1/sites/${siteId}`).send({ township: v }),
      read: async () => (await t.store.sites.get(siteId))!.township,
      state: async () => (await t.store.sites.get(siteId))!.township,
    },
    {
      route: 'POST /api/v1/sites/import',
      field: 'row.2.name',
      kind: 'name',
      status: 201,
      send: (v) => api('POST', '/api/v1/sites/import').send({ csv: `code,name,kind\n${uniq('I')},${csvCell(v)},乡镇\n` }),
      read: async (res) => (await t.store.sites.get(res.body.sites[0].id))!.name,
      state: counts,
    },
    {
      route: 'POST /api/v1/surveys',
      field: 'title',
      kind: 'name',
      status: 201,
      send: (v) => api('POST', '/api/v1/surveys').send({ title: v }),
      read: async (res) => (await t.store.surveys.get(res.body.survey.id))!.title,
      state: counts,
    },
    {
      route: 'POST /api/v1/surveys',
      field: 'description',
      kind: 'free',
      status: 201,
      send: (v) => api('POST', '/api/v1/surveys').send({ title: '说明测试', description: v }),
      read: async (res) => (await t.store.surveys.get(res.body.survey.id))!.description,
      state: counts,
    },
    {
      route: 'POST /api/v1/surveys/from-template',
      field: 'title',
      kind: 'name',
      status: 201,
      send: (v) => api('POST', '/api/v1/surveys/from-template').send({ title: v }),
      read: async (res) => (await t.store.surveys.get(res.body.survey.id))!.title,
      state: counts,
    },
    {
      route: 'PATCH /api/v1/surveys/:id',
      field: 'title',
      kind: 'name',
      status: 200,
      send: (v) => api('PATCH', `/api/v1/surveys/${surveyId}`).send({ title: v }),
      read: async () => (await surveyNow()).title,
      state: async () => (await surveyNow()).title,
    },
    {
      route: 'PATCH /api/v1/surveys/:id',
      field: 'description',
      kind: 'free',
      status: 200,
      send: (v) => api('PATCH', `/api/v1/surveys/${surveyId}`).send({ description: v }),
      read: async () => (await surveyNow()).description,
      state: async () => (await surveyNow()).description,
    },
    {
      route: 'PUT /api/v1/surveys/:id/questions',
      field: 'questions.6.text',
      kind: 'free',
      status: 200,
      send: async (v) => api('PUT', `/api/v1/surveys/${surveyId}/questions`).send(await questionsWith((qs) => (qs[6]!.text = v))),
      read: async () => (await surveyNow()).questions[6]!.text,
      state: async () => JSON.stringify((await surveyNow()).questions),
    },
    {
      route: 'PUT /api/v1/surveys/:id/questions',
      field: 'questions.6.help',
      kind: 'free',
      status: 200,
      send: async (v) => api('PUT', `/api/v1/surveys/${surveyId}/questions`).send(await questionsWith((qs) => (qs[6]!.help = v))),
      read: async () => (await surveyNow()).questions[6]!.help,
      state: async () => JSON.stringify((await surveyNow()).questions),
    },
    {
      route: 'PUT /api/v1/surveys/:id/questions',
      field: 'questions.2.options.1.label',
      kind: 'name',
      status: 200,
      send: async (v) => api('PUT', `/api/v1/surveys/${surveyId}/questions`).send(await questionsWith((qs) => ((qs[2]!.options as Record<string, unknown>[])[1]!.label = v))),
      read: async () => (await surveyNow()).questions[2]!.options[1]!.label,
      state: async () => JSON.stringify((await surveyNow()).questions),
    },
    {
      route: 'PUT /api/v1/surveys/:id/questions',
      field: 'questions.1.dimension',
      kind: 'name',
      status: 200,
      send: async (v) => api('PUT', `/api/v1/surveys/${surveyId}/questions`).send(await questionsWith((qs) => (qs[1]!.dimension = v))),
      read: async () => (await surveyNow()).questions[1]!.dimension,
      state: async () => JSON.stringify((await surveyNow()).questions),
    },
    {
      route: 'POST /api/v1/responses/:id/review',
      field: 'reason',
      kind: 'free',
      status: 200,
      send: (v) => api('POST', `/api/v1/responses/${responseId}/review`).send({ action: 'exclude', reason: v }),
      read: async () => (await t.store.responses.get(responseId))!.reviewReason,
      state: reviewState,
      prepare: restore,
    },
    {
      route: 'POST /api/v1/responses/:id/exclusion',
      field: 'reason',
      kind: 'free',
      status: 200,
      send: (v) => api('POST', `/api/v1/responses/${responseId}/exclusion`).send({ excluded: true, reason: v }),
      read: async () => (await t.store.responses.get(responseId))!.reviewReason,
      state: reviewState,
      prepare: restore,
    },
    {
      route: 'POST /api/v1/surveys/:id/responses/review',
      field: 'reason',
      kind: 'free',
      status: 200,
      send: (v) => api('POST', `/api/v1/surveys/${surveyId}/responses/review`).send({ ids: [responseId], action: 'exclude', reason: v }),
      read: async () => (await t.store.responses.get(responseId))!.reviewReason,
      state: reviewState,
      prepare: restore,
    },
    {
      route: 'POST /api/v1/evaluations',
      field: 'name',
      kind: 'name',
      status: 201,
      send: (v) => api('POST', '/api/v1/evaluations').send({ name: v }),
      read: async (res) => (await api('GET', `/api/v1/evaluations/${res.body.evaluation.id}`).expect(200)).body.evaluation.data.project.name,
      state: counts,
    },
    {
      route: 'PATCH /api/v1/evaluations/:id',
      field: 'project.period',
      kind: 'name',
      status: 200,
      send: async (v) => api('PATCH', `/api/v1/evaluations/${evaluationId}`).send({ updatedAt: await stamp(), project: { period: v } }),
      read: async () => (await evaluation()).data.project.period,
      state: async () => (await evaluation()).updatedAt,
    },
    {
      route: 'PUT /api/v1/evaluations/:id/indicators',
      field: 'tree.0.name',
      kind: 'name',
      status: 200,
      send: async (v) => {
        const e = await evaluation();
        const tree = JSON.parse(JSON.stringify(e.data.tree)) as { name: unknown }[];
        tree[0]!.name = v;
        return api('PUT', `/api/v1/evaluations/${evaluationId}/indicators`).send({ updatedAt: e.updatedAt, tree });
      },
      read: async () => (await evaluation()).data.tree[0].name,
      state: async () => (await evaluation()).updatedAt,
    },
    {
      route: 'PUT /api/v1/evaluations/:id/scores/:indicatorId',
      field: 'note',
      kind: 'free',
      status: 200,
      send: async (v) => api('PUT', `/api/v1/evaluations/${evaluationId}/scores/${leafId}`).send({ updatedAt: await stamp(), score: 1, note: v }),
      read: async () => (await evaluation()).data.scores[leafId].note,
      state: async () => (await evaluation()).updatedAt,
    },
    {
      route: 'PATCH /api/v1/evaluations/:id/rectification/:itemId',
      field: 'note',
      kind: 'free',
      status: 200,
      send: async (v) => api('PATCH', `/api/v1/evaluations/${evaluationId}/rectification/${itemId}`).send({ updatedAt: await stamp(), note: v }),
      read: async () => (await evaluation()).data.rectification.items[0].note,
      state: async () => (await evaluation()).updatedAt,
    },
    {
      route: 'POST /api/v1/evaluations/:id/unlock',
      field: 'reason',
      kind: 'free',
      status: 200,
      send: async (v) => {
        await api('POST', `/api/v1/evaluations/${evaluationId}/lock`).send({ updatedAt: await stamp() }).expect(200);
        return api('POST', `/api/v1/evaluations/${evaluationId}/unlock`).send({ updatedAt: await stamp(), reason: v });
      },
      read: async () => (await t.store.audit.list({ limit: 1, action: 'evaluation.unlock', targetId: evaluationId }))[0]!.details.reason,
      // A refused unlock leaves the evaluation locked: unlock it properly for the next case.
      state: async () => {
        const e = await evaluation();
        if (e.locked) await api('POST', `/api/v1/evaluations/${evaluationId}/unlock`).send({ updatedAt: e.updatedAt, reason: '复原' }).expect(200);
        return 'unlocked';
      },
    },
  ];

  describe('every API write of names and free text', () => {
    it.each(FIELDS.flatMap((f) => PAYLOADS.map((p) => [f.route, f.field, p.what, f, p] as const)))('%s %s with %s: stored cleaned, or refused naming the field', async (_route, _field, _what, f, p) => {
      await f.prepare?.();
      const before = await f.state();
      const res = await f.send(p.value);
      const expected = f.kind === 'free' ? p.free : p.asName;
      if (typeof expected === 'string') {
        expect([res.status, res.body.error]).toEqual([f.status, undefined]);
        expect(await f.read(res)).toBe(expected);
      } else {
        expectJsonRefusal(res, [400], `${f.route} ${f.field}`);
        // A CSV sent as JSON is refused whole when it is not well-formed Unicode: the parser would turn the surrogate into U+FFFD.
        const field = f.route === 'POST /api/v1/sites/import' && hasLoneSurrogate(p.value) ? 'csv' : f.field;
        const message = (res.body.error.fields as Record<string, string>)[field];
        expect(message).toEqual(expected.refused === 'line' ? '只能写一行，请删除其中的换行或制表符。' : expect.stringContaining(`含有不能保存的字符 ${expected.refused}`));
        expect(await f.state()).toEqual(before);
      }
    });

    it.each(FIELDS.flatMap((f) => [['an array', ['a']], ['an object', { a: 1 }], ['a number', 7], ['true', true]].map(([what, v]) => [f.route, f.field, what as string, f, v] as const)))(
      '%s %s refuses %s where text is expected, naming the field',
      async (_route, _field, _what, f, value) => {
        await f.prepare?.();
        const before = await f.state();
        const res = await f.send(value);
        if (f.route === 'POST /api/v1/sites/import') {
          // Inside a CSV every cell is text: an array or object becomes its own text, which is a legal name.
          expect(res.status).toBe(201);
          return;
        }
        expectJsonRefusal(res, [400], `${f.route} ${f.field}`);
        expect(Object.keys(res.body.error.fields as object)).toContain(f.field);
        expect(await f.state()).toEqual(before);
      },
    );
  });

  describe('lengths are characters', () => {
    const LIMITS: [string, number, (v: string) => Promise<request.Response>, (res: request.Response) => Promise<string>][] = [
      ['a station name (100)', 100, (v) => api('POST', '/api/v1/sites').send({ code: uniq('L'), name: v, kind: 'street' }), async (res) => (await t.store.sites.get(res.body.site.id))!.name],
      ['a survey description (2000)', 2000, (v) => api('POST', '/api/v1/surveys').send({ title: '长度', description: v }), async (res) => (await t.store.surveys.get(res.body.survey.id))!.description],
      ['a review reason (500)', 500, async (v) => (await restore(), api('POST', `/api/v1/responses/${responseId}/review`).send({ action: 'exclude', reason: v })), async () => (await t.store.responses.get(responseId))!.reviewReason!],
    ];
    it.each(LIMITS.flatMap(([what, max, send, read]) => [
      [what, 'exactly max emoji', '😀'.repeat(max), '😀'.repeat(max), send, read],
      [what, 'max + 1 emoji', '😀'.repeat(max + 1), null, send, read],
      [what, 'max accented letters sent decomposed', 'e\u0301'.repeat(max), '\u00e9'.repeat(max), send, read],
      [what, 'max + 1 accented letters sent decomposed', 'e\u0301'.repeat(max + 1), null, send, read],
    ] as const))('%s: %s', async (_what, _case, value, stored, send, read) => {
      const res = await send(value);
      if (stored === null) {
        expectJsonRefusal(res, [400], _what);
        expect(Object.values(res.body.error.fields as object).join()).toMatch(/不能超过 \d+ 个字符/);
      } else {
        expect(res.status).toBeLessThan(300);
        expect(await read(res)).toBe(stored);
      }
    });
  });

  describe('ids, codes and enums are refused, never looked up', () => {
    const IDS: [string, string, (v: string) => Promise<request.Response>, number[]][] = [
      ['POST /api/v1/sites', 'code', (v) => api('POST', '/api/v1/sites').send({ code: v, name: '站', kind: 'street' }), [400]],
      ['PUT /api/v1/surveys/:id/questions', 'questions.6.id', async (v) => api('PUT', `/api/v1/surveys/${surveyId}/questions`).send(await questionsWith((qs) => (qs[6]!.id = v))), [400]],
      ['PUT /api/v1/surveys/:id/questions', 'segmentQuestionId', async (v) => api('PUT', `/api/v1/surveys/${surveyId}/questions`).send({ ...(await questionsWith(() => undefined)), segmentQuestionId: v }), [400]],
      ['POST /api/v1/surveys/:id/status', 'status', (v) => api('POST', `/api/v1/surveys/${surveyId}/status`).send({ status: v }), [400]],
      ['POST /api/v1/surveys/:id/publications', 'siteIds.0', (v) => api('POST', `/api/v1/surveys/${surveyId}/publications`).send({ siteIds: [v] }), [400]],
      ['POST /api/v1/surveys/:id/responses/review', 'ids.0', (v) => api('POST', `/api/v1/surveys/${surveyId}/responses/review`).send({ ids: [v], action: 'exclude', reason: '核实' }), [400]],
      ['POST /api/v1/responses/:id/review', 'action', (v) => api('POST', `/api/v1/responses/${responseId}/review`).send({ action: v, reason: '核实' }), [400]],
      ['PUT /api/v1/evaluations/:id/bindings/:indicatorId', 'surveyIds.0', async (v) => api('PUT', `/api/v1/evaluations/${evaluationId}/bindings/satisfaction`).send({ updatedAt: await stamp(), surveyIds: [v], measure: 'index', rule: { kind: 'ratio', target: 90 } }), [400]],
    ];
    const BAD = ['a\u0000', '\u202eopen', 'x\ud800', 'ｏｐｅｎ', 'op\nen', 'q c'];
    it.each(IDS.flatMap(([route, field, send, statuses]) => BAD.map((v) => [route, field, JSON.stringify(v), v, send, statuses] as const)))('%s refuses %s = %s, naming it', async (route, field, _label, value, send, statuses) => {
      const before = await counts();
      const survey = JSON.stringify(await surveyNow());
      const res = await send(value);
      expectJsonRefusal(res, statuses, `${route} ${field}`);
      expect(Object.keys(res.body.error.fields as object)).toContain(field);
      expect(await counts()).toEqual(before);
      expect(JSON.stringify(await surveyNow())).toBe(survey);
    });

    it.each([
      ['POST /api/v1/evaluations/:id/lock', 'lock'],
      ['DELETE /api/v1/evaluations/:id/bindings/:indicatorId', 'bindings/satisfaction'],
    ])('%s refuses a stamp with a NUL as stale (409), changing nothing', async (_route, sub) => {
      const updatedAt = await stamp();
      const res = await api(sub === 'lock' ? 'POST' : 'DELETE', `/api/v1/evaluations/${evaluationId}/${sub}`).send({ updatedAt: `${updatedAt}\u0000` });
      expectJsonRefusal(res, [400, 404, 409], sub);
      expect(await stamp()).toBe(updatedAt);
    });

    it.each([['%00'], ['%E2%80%AE'], ['%ED%A0%80'], ['..%2F']])('DELETE /api/v1/surveys/:id answers 404 for an id with %s', async (bad) => {
      const before = await counts();
      const res = await api('DELETE', `/api/v1/surveys/${surveyId}${bad}`);
      expect([400, 404]).toContain(res.status);
      expect(await counts()).toEqual(before);
    });
  });

  it('has a case for every API write the app registers', () => {
    const writes = discoverRoutes().filter((r) => r.path.startsWith('/api/') && r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
    const covered = new Set([
      ...FIELDS.map((f) => f.route),
      'POST /api/v1/surveys/:id/status',
      'POST /api/v1/surveys/:id/publications',
      'PUT /api/v1/evaluations/:id/bindings/:indicatorId',
      'POST /api/v1/evaluations/:id/lock',
      'DELETE /api/v1/evaluations/:id/bindings/:indicatorId',
      'DELETE /api/v1/surveys/:id',
    ]);
    expect(writes.filter((w) => !covered.has(w))).toEqual([]);
  });

  describe('query filters and the command line', () => {
    it.each([
      ['segments', 'a%00b'],
      ['segments', '%E2%80%AEa'],
      ['sites', `${'x'}%01`],
      ['sites', '%E2%81%A6id'],
    ])('GET stats refuses %s=%s with 400 naming the filter', async (name, value) => {
      const res = await api('GET', `/api/v1/surveys/${surveyId}/stats?${name}=${value}`);
      expectJsonRefusal(res, [400], name);
      expect(Object.keys(res.body.error.fields as object).join()).toContain(name);
    });

    it('searches comments for the cleaned words, whatever invisible characters the search holds', async () => {
      await submit([['q_sat', '5'], ['q_c', '希望多组织活动']]);
      const { agent } = await loginAs(t, 'evaluator');
      const page = await agent.get(`/admin/stats/${surveyId}/comments?q=${encodeURIComponent('多\u0000组\u202e织')}`).expect(200);
      expect(page.text).toContain('希望多组织活动');
      expect(page.text).toContain('value="多组织"');
    });

    it.each([
      ['create-user', ['--username', 'wang\u0001', '--role', 'viewer'], 'username', 'U+0001'],
      ['create-token', ['--username', 'root', '--name', 'ci\u202e'], 'name', 'U+202E'],
      ['rebuild-tallies', ['--survey', 'abc\u007f'], 'survey', 'U+007F'],
    ])('the CLI refuses %s with a character that is never stored, exit 2 naming the option, before opening a store', async (command, args, option, char) => {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-cli-corpus-'));
      const errors: string[] = [];
      const spy = jest.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void errors.push(a.join(' ')));
      try {
        expect(await runCli([command, ...args], { DATA_DIR: dir, LOG_LEVEL: 'silent' }, dir)).toBe(2);
      } finally {
        spy.mockRestore();
      }
      expect(errors.join('\n')).toContain(`option --${option} holds a character that cannot be used, ${char}`);
      expect(errors.join('\n')).toContain(`选项 --${option} 含有不能使用的字符 ${char}`);
      expect(fs.existsSync(path.join(dir, 'manyi.db'))).toBe(false);
      fs.rmSync(dir, { recursive: true, force: true });
    });
  });
});
