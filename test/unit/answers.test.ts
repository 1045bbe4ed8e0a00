import fc from 'fast-check';
import type { AnswerValue } from '../../models/response';
import { LIKERT_LEVELS, type Question } from '../../models/survey';
import { normaliseFreeText } from '../../server/domain/text-input';
import { answerText, DEFAULT_TEXT_MAX, readFormAnswers, segmentOf, validateAnswers } from '../../server/domain/answers';
import { question } from '../helpers/fixtures';

/** Validates one answer to one question; the answer is absent from `raw` when undefined. */
function one(q: Question, value: unknown) {
  const { answers, errors } = validateAnswers(value === undefined ? {} : { [q.id]: value }, [q]);
  return { answers, errors };
}

const choices = (...ids: string[]) => ids.map((id) => ({ id, label: `选项 ${id}` }));

describe('validateAnswers: likert5 (满意度量表)', () => {
  const likert = question({ id: 'att', type: 'likert5', required: true, allowNotApplicable: true });
  const noNa = question({ id: 'att', type: 'likert5', required: true, allowNotApplicable: false });

  it.each(['5', '4', '3', '2', '1'])('accepts the level %s', (level) => {
    expect(one(likert, level)).toEqual({ answers: { att: level }, errors: {} });
  });

  it('accepts 不了解/不适用 (na) when the question offers it', () => {
    expect(one(likert, 'na')).toEqual({ answers: { att: 'na' }, errors: {} });
  });

  it('refuses na when the question does not offer it', () => {
    expect(one(noNa, 'na')).toEqual({ answers: {}, errors: { att: { key: 'answer.option' } } });
  });

  it('accepts a level sent as a number or with spaces around it, stored as its id', () => {
    expect(one(likert, 4).answers).toEqual({ att: '4' });
    expect(one(likert, ' 3 ').answers).toEqual({ att: '3' });
  });

  it.each([['6'], ['0'], ['非常满意'], ['5.0'], [true], [{ level: '5' }]])('refuses %p as not one of the levels', (value) => {
    expect(one(likert, value)).toEqual({ answers: {}, errors: { att: { key: 'answer.option' } } });
  });

  it('refuses two levels for one item', () => {
    expect(one(likert, ['5', '4'])).toEqual({ answers: {}, errors: { att: { key: 'answer.oneOnly' } } });
  });
});

describe('validateAnswers: single choice', () => {
  const seg = question({ id: 'seg', type: 'single', required: true, options: choices('tekun', 'dibao', 'other') });

  it('accepts one of its options', () => {
    expect(one(seg, 'dibao')).toEqual({ answers: { seg: 'dibao' }, errors: {} });
  });

  it('refuses an option that the question does not have', () => {
    expect(one(seg, 'martian').errors).toEqual({ seg: { key: 'answer.option' } });
  });

  it('refuses an option id that differs only in case', () => {
    expect(one(seg, 'Dibao').errors).toEqual({ seg: { key: 'answer.option' } });
  });

  it('refuses two options, as an array, for a single choice', () => {
    expect(one(seg, ['tekun', 'dibao'])).toEqual({ answers: {}, errors: { seg: { key: 'answer.oneOnly' } } });
  });
});

describe('validateAnswers: multiple choice', () => {
  const m = question({ id: 'm', type: 'multi', options: choices('visit', 'home', 'phone', 'event') });

  it("keeps the questionnaire's order whatever order the browser sent", () => {
    expect(one(m, ['event', 'visit', 'phone']).answers).toEqual({ m: ['visit', 'phone', 'event'] });
  });

  it('removes repeated options', () => {
    expect(one(m, ['home', 'home', ' home', 'visit'])).toEqual({ answers: { m: ['visit', 'home'] }, errors: {} });
  });

  it('accepts one option sent as a plain string (one checkbox ticked)', () => {
    expect(one(m, 'phone').answers).toEqual({ m: ['phone'] });
  });

  it('refuses the whole answer when one option is unknown', () => {
    expect(one(m, ['visit', 'teleport'])).toEqual({ answers: {}, errors: { m: { key: 'answer.option' } } });
  });

  it('refuses values that are not option ids', () => {
    expect(one(m, ['visit', 3]).errors).toEqual({ m: { key: 'answer.option' } });
    expect(one(m, { visit: 'on' }).errors).toEqual({ m: { key: 'answer.option' } });
  });

  it('treats no ticked option as not answered: fine when optional, an error when required', () => {
    expect(one(m, [])).toEqual({ answers: {}, errors: {} });
    expect(one({ ...m, required: true }, []).errors).toEqual({ m: { key: 'answer.required' } });
  });
});

describe('validateAnswers: rating', () => {
  const r = question({ id: 'r', type: 'rating', min: 1, max: 5 });

  it.each([['1', 1], ['5', 5], [3, 3], [' 4 ', 4]])('accepts %p as %p', (value, stored) => {
    expect(one(r, value)).toEqual({ answers: { r: stored }, errors: {} });
  });

  it.each([['0'], ['6'], [-1], ['2.5'], [3.5], ['three'], ['1e0']])('refuses %p with the range 1..5', (value) => {
    expect(one(r, value)).toEqual({ answers: {}, errors: { r: { key: 'answer.range', params: { min: 1, max: 5 } } } });
  });

  it('uses 1..5 when the question leaves its range out', () => {
    const bare = question({ id: 'r', type: 'rating' });
    expect(one(bare, '5').answers).toEqual({ r: 5 });
    expect(one(bare, '6').errors).toEqual({ r: { key: 'answer.range', params: { min: 1, max: 5 } } });
  });

  it('respects a longer scale up to its maximum', () => {
    const ten = question({ id: 'r', type: 'rating', min: 1, max: 10 });
    expect(one(ten, '10').answers).toEqual({ r: 10 });
    expect(one(ten, '11').errors.r?.key).toBe('answer.range');
  });

  it('refuses two ratings', () => {
    expect(one(r, ['3', '4']).errors).toEqual({ r: { key: 'answer.oneOnly' } });
  });
});

describe('validateAnswers: NPS 0..10', () => {
  const nps = question({ id: 'nps', type: 'nps' });

  it.each([['0', 0], ['10', 10], ['7', 7], [0, 0], ['-0', 0]])('accepts %p as %p', (value, stored) => {
    const { answers } = one(nps, value);
    expect(Object.is(answers.nps, stored)).toBe(true);
  });

  it.each([['-1'], ['11'], [11], ['5.5'], ['ten']])('refuses %p with the range 0..10', (value) => {
    expect(one(nps, value)).toEqual({ answers: {}, errors: { nps: { key: 'answer.range', params: { min: 0, max: 10 } } } });
  });
});

describe('validateAnswers: number', () => {
  const age = question({ id: 'n', type: 'number', min: 0, max: 120 });
  const free = question({ id: 'n', type: 'number' });

  it.each([['70', 70], ['70.5', 70.5], ['0', 0], ['120', 120], [' 8 ', 8], [36.6, 36.6], ['0.123456', 0.123456]])('accepts %p as %p', (value, stored) => {
    expect(one(age, value)).toEqual({ answers: { n: stored }, errors: {} });
  });

  it('accepts negative numbers and decimals when the question has no bounds', () => {
    expect(one(free, '-5.25').answers).toEqual({ n: -5.25 });
    expect(one(free, '999999999999').answers).toEqual({ n: 999999999999 });
  });

  it('stores "-0" as 0', () => {
    expect(Object.is(one(free, '-0').answers.n, 0)).toBe(true);
    expect(Object.is(one(free, -0).answers.n, 0)).toBe(true);
  });

  it.each([['121'], ['-1'], ['120.01'], [-0.5]])('refuses %p outside 0..120', (value) => {
    expect(one(age, value)).toEqual({ answers: {}, errors: { n: { key: 'answer.range', params: { min: 0, max: 120 } } } });
  });

  it('names an open end of the range with an infinity sign', () => {
    const atLeast = question({ id: 'n', type: 'number', min: 18, max: null });
    expect(one(atLeast, '17').errors).toEqual({ n: { key: 'answer.range', params: { min: 18, max: '∞' } } });
    expect(one(atLeast, '100000').answers).toEqual({ n: 100000 });
  });

  it.each([['Infinity'], ['-Infinity'], ['1e999'], ['1e3'], ['0x10'], ['0b1'], ['abc'], ['12,5'], ['5.'], ['.5'], ['+5'], ['NaN'], ['1 000'], ['1234567890123'], [Infinity], [NaN], [1e300], [true]])(
    'refuses %p as not a plain number',
    (value) => {
      expect(one(free, value)).toEqual({ answers: {}, errors: { n: { key: 'answer.number' } } });
    },
  );

  it('treats an empty field as not answered: fine when optional, an error when required', () => {
    expect(one(age, '')).toEqual({ answers: {}, errors: {} });
    expect(one(age, '   ')).toEqual({ answers: {}, errors: {} });
    expect(one({ ...age, required: true }, '').errors).toEqual({ n: { key: 'answer.required' } });
  });

  it('refuses two numbers', () => {
    expect(one(age, ['1', '2']).errors).toEqual({ n: { key: 'answer.oneOnly' } });
  });
});

describe('validateAnswers: text', () => {
  const text = (maxLength: number | null, required = false) => question({ id: 'c', type: 'text', maxLength, required });

  it('counts Chinese characters one each: 500 fit in 500, 501 do not', () => {
    expect(one(text(500), '长'.repeat(500)).answers).toEqual({ c: '长'.repeat(500) });
    expect(one(text(500), '长'.repeat(501))).toEqual({ answers: {}, errors: { c: { key: 'answer.tooLong', params: { max: 500, length: 501 } } } });
  });

  it('counts an emoji as one character, not as two UTF-16 units', () => {
    const smiles = '😀'.repeat(10);
    expect(smiles.length).toBe(20);
    expect(one(text(10), smiles).answers).toEqual({ c: smiles });
    expect(one(text(10), smiles + '👍').errors).toEqual({ c: { key: 'answer.tooLong', params: { max: 10, length: 11 } } });
  });

  it(`allows ${DEFAULT_TEXT_MAX} characters when the question sets no maximum`, () => {
    expect(one(text(null), 'a'.repeat(1000)).answers.c).toHaveLength(1000);
    expect(one(text(null), 'a'.repeat(1001)).errors).toEqual({ c: { key: 'answer.tooLong', params: { max: 1000, length: 1001 } } });
  });

  it('removes control characters but keeps newlines and tabs', () => {
    expect(one(text(100), 'a\u0000b\u0007c\u001bd\u007fe\u0085f\tg\nh').answers).toEqual({ c: 'abcdef\tg\nh' });
  });

  it('normalises CRLF and CR to LF before counting', () => {
    expect(one(text(100), '第一行\r\n第二行\r第三行').answers).toEqual({ c: '第一行\n第二行\n第三行' });
    // 'a\r\nb' is 4 UTF-16 units but 3 characters once the newline is normalised.
    expect(one(text(3), 'a\r\nb').answers).toEqual({ c: 'a\nb' });
  });

  it('trims surrounding spaces, including the ideographic space', () => {
    expect(one(text(100), '\u3000 很好 \n').answers).toEqual({ c: '很好' });
  });

  it('treats blank or control-only text as not answered: fine when optional, an error when required', () => {
    for (const blank of ['', '   ', '\n\r\n', '\u0001\u0002']) {
      expect(one(text(100), blank)).toEqual({ answers: {}, errors: {} });
      expect(one(text(100, true), blank).errors).toEqual({ c: { key: 'answer.required' } });
    }
  });

  it('refuses a number or an object as text, and two texts', () => {
    expect(one(text(100), 5).errors).toEqual({ c: { key: 'answer.invalid' } });
    expect(one(text(100), { toString: 'x' }).errors).toEqual({ c: { key: 'answer.invalid' } });
    expect(one(text(100), ['a', 'b']).errors).toEqual({ c: { key: 'answer.oneOnly' } });
  });
});

describe('validateAnswers: required, unknown and hostile input', () => {
  const questions = [
    question({ id: 'seg', type: 'single', required: true, options: choices('a', 'b') }),
    question({ id: 'q1', type: 'likert5', required: true }),
    question({ id: 'c', type: 'text' }),
  ];

  it.each([[undefined], [null], [''], ['  '], [[]]])('treats %p as not answered', (blank) => {
    const { answers, errors } = validateAnswers({ seg: blank, q1: blank, c: blank }, questions);
    expect(answers).toEqual({});
    expect(errors).toEqual({ seg: { key: 'answer.required' }, q1: { key: 'answer.required' } });
  });

  it('reports an answer to a question that is not in the survey, and still checks the others', () => {
    const { answers, errors } = validateAnswers({ seg: 'a', q1: '9', bogus: 'x' }, questions);
    expect(answers).toEqual({ seg: 'a' });
    expect(errors).toEqual({ q1: { key: 'answer.option' }, bogus: { key: 'answer.unknown' } });
  });

  it('reports a "__proto__" answer as unknown without touching any prototype', () => {
    const raw = JSON.parse('{"seg":"a","q1":"5","__proto__":{"polluted":"yes"}}') as Record<string, unknown>;
    const { answers, errors } = validateAnswers(raw, questions);
    expect(answers).toEqual({ seg: 'a', q1: '5' });
    expect(Object.keys(errors)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(errors, '__proto__')?.value).toEqual({ key: 'answer.unknown' });
    expect(Object.getPrototypeOf(errors)).toBe(Object.prototype);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('does not take inherited properties such as "constructor" or "toString" for answers', () => {
    const tricky = [
      question({ id: 'constructor', type: 'single', required: true, options: choices('a', 'b') }),
      question({ id: 'toString', type: 'text' }),
      question({ id: 'valueOf', type: 'number' }),
    ];
    expect(validateAnswers({}, tricky)).toEqual({ answers: {}, errors: { constructor: { key: 'answer.required' } }, removedCharacters: 0 });
    expect(validateAnswers({ constructor: 'b', toString: '好', valueOf: '3' }, tricky)).toEqual({ answers: { constructor: 'b', toString: '好', valueOf: 3 }, errors: {}, removedCharacters: 0 });
  });

  it('stores the answer to a question whose id is "__proto__" as an ordinary property', () => {
    const q = question({ id: '__proto__', type: 'single', required: true, options: choices('a', 'b') });
    const raw = JSON.parse('{"__proto__":"b"}') as Record<string, unknown>;
    const { answers, errors } = validateAnswers(raw, [q]);
    expect(errors).toEqual({});
    expect(Object.keys(answers)).toEqual(['__proto__']);
    expect(Object.getOwnPropertyDescriptor(answers, '__proto__')?.value).toBe('b');
    expect(Object.getPrototypeOf(answers)).toBe(Object.prototype);
    expect(segmentOf(answers, '__proto__')).toBe('b');
  });

  it.each([[null], ['seg=a'], [42], [['a']]])('treats a body %p that is not an object as no answers', (raw) => {
    expect(validateAnswers(raw as unknown as Record<string, unknown>, questions)).toEqual({
      answers: {},
      errors: { seg: { key: 'answer.required' }, q1: { key: 'answer.required' } },
      removedCharacters: 0,
    });
  });
});

describe('readFormAnswers', () => {
  const questions = [question({ id: 'seg', type: 'single', options: choices('a', 'b') }), question({ id: 'm', type: 'multi', options: choices('x', 'y') })];

  it('reads q_<id> fields of this version and lists the q_ fields of no question', () => {
    const body = { _csrf: 't', ft: 'f', website: '', q_seg: 'a', q_m: ['x', 'y'], q_gone: '5', other: 'z' };
    expect(readFormAnswers(body, questions)).toEqual({ raw: { seg: 'a', m: ['x', 'y'] }, unknown: ['q_gone'] });
  });

  it('lists q_constructor and q___proto__ as unknown when no question has those ids', () => {
    const body = JSON.parse('{"q_constructor":"a","q___proto__":"b","q_seg":"a"}') as Record<string, unknown>;
    const { raw, unknown } = readFormAnswers(body, questions);
    expect(raw).toEqual({ seg: 'a' });
    expect(unknown.sort()).toEqual(['q___proto__', 'q_constructor']);
  });

  it('keeps the answer to a question whose id is "__proto__" as an own property', () => {
    const q = question({ id: '__proto__', type: 'single', options: choices('a', 'b') });
    const { raw } = readFormAnswers({ q___proto__: 'a' }, [q]);
    expect(Object.keys(raw)).toEqual(['__proto__']);
    expect(validateAnswers(raw, [q]).answers).toEqual(JSON.parse('{"__proto__":"a"}'));
  });
});

describe('text answers', () => {
  const q = question({ id: 'c', type: 'text', maxLength: 10 });
  it.each([
    ['a\r\nb\rc\nd', 'a\nb\nc\nd', 0],
    ['\u0000x\u0008y\u000ez\u001f\u007f\u0080\u009f!', 'xyz!', 7],
    ['a\u000bb\u000cc\u0085d\u2028e', 'abcd\ne', 3],
    ['tab\tkept', 'tab\tkept', 0],
    ['  \u3000你好\u3000 ', '你好', 0],
    ['x\ud800y\udc00!', 'xy!', 2],
    ['e\u0301\u202e!', '\u00e9!', 1],
    ['😀😀😀😀😀😀😀😀😀😀', '😀😀😀😀😀😀😀😀😀😀', 0],
  ])('stores %j as %j, counting %i characters removed', (raw, stored, removed) => {
    expect(validateAnswers({ c: raw }, [q])).toEqual({ answers: { c: stored }, errors: {}, removedCharacters: removed });
  });

  it('counts the length in characters after cleaning: ten emoji fit ten, eleven do not', () => {
    expect(validateAnswers({ c: '😀'.repeat(11) }, [q]).errors).toEqual({ c: { key: 'answer.tooLong', params: { max: 10, length: 11 } } });
    expect(validateAnswers({ c: `${'长'.repeat(10)}\u0000` }, [q]).answers).toEqual({ c: '长'.repeat(10) });
  });

  it('reads numbers typed full-width or with a minus sign', () => {
    const n = question({ id: 'n', type: 'number', min: -100, max: 100 });
    expect(validateAnswers({ n: '１２．５' }, [n]).answers).toEqual({ n: 12.5 });
    expect(validateAnswers({ n: '−3' }, [n]).answers).toEqual({ n: -3 });
    expect(validateAnswers({ n: '－3' }, [n]).answers).toEqual({ n: -3 });
    expect(validateAnswers({ n: '1\u00002' }, [n]).errors).toEqual({ n: { key: 'answer.number' } });
  });
});

describe('segmentOf', () => {
  it('is the chosen option of the segment question, or empty', () => {
    expect(segmentOf({ seg: 'b' }, 'seg')).toBe('b');
    expect(segmentOf({ seg: 'b' }, null)).toBe('');
    expect(segmentOf({}, 'seg')).toBe('');
    expect(segmentOf({ seg: ['a'] }, 'seg')).toBe('');
    expect(segmentOf({ seg: 3 }, 'seg')).toBe('');
    expect(segmentOf({}, 'constructor')).toBe('');
  });
});

// ---- properties over random questionnaires ----

const ID_PATTERN = /^[A-Za-z0-9_-]{1,12}$/;
const idArb = fc.oneof(
  { weight: 6, arbitrary: fc.stringMatching(ID_PATTERN) },
  { weight: 1, arbitrary: fc.constantFrom('constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf') },
);
const optionIdsArb = fc.uniqueArray(fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/), { minLength: 2, maxLength: 6 });
const nullable = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: null });

function questionArb(id: string): fc.Arbitrary<Question> {
  const required = fc.boolean();
  const withOptions = (type: 'single' | 'multi') =>
    fc.record({ required, ids: optionIdsArb }).map(({ required, ids }) => question({ id, type, required, options: choices(...ids) }));
  return fc.oneof(
    fc.record({ required, allowNotApplicable: fc.boolean() }).map((o) => question({ id, type: 'likert5', ...o })),
    withOptions('single'),
    withOptions('multi'),
    fc.record({ required, max: fc.integer({ min: 2, max: 10 }) }).map((o) => question({ id, type: 'rating', min: 1, ...o })),
    required.map((r) => question({ id, type: 'nps', required: r })),
    fc
      .record({ required, min: nullable(fc.integer({ min: -1000, max: 1000 })), span: nullable(fc.integer({ min: 1, max: 100_000 })) })
      .map(({ required, min, span }) => question({ id, type: 'number', required, min, max: span === null ? null : (min ?? 0) + span })),
    fc.record({ required, maxLength: nullable(fc.integer({ min: 1, max: 1000 })) }).map((o) => question({ id, type: 'text', ...o })),
  );
}

const surveyArb: fc.Arbitrary<Question[]> = fc.uniqueArray(idArb, { minLength: 1, maxLength: 10 }).chain((ids) => fc.tuple(...ids.map(questionArb)));

interface Answered {
  raw: unknown;
  /** The clean answer; undefined when the question is left unanswered. */
  expected: AnswerValue | undefined;
}

const optionIdsOf = (q: Question) => q.options.map((o) => o.id);
/** One code point each (CRLF becomes one newline), so n units are at most n characters once cleaned. */
const TEXT_UNITS = ['好', '服', '务', '社', '工', 'a', 'Z', '7', ' ', '\n', '\t', '\r\n', '😀', '🙂', '\u0007', '\u3000', '，'];

function validAnswerArb(q: Question): fc.Arbitrary<Answered> {
  let answered: fc.Arbitrary<Answered>;
  switch (q.type) {
    case 'likert5': {
      const levels = [...LIKERT_LEVELS, ...(q.allowNotApplicable ? ['na'] : [])];
      answered = fc.constantFrom(...levels).chain((s) => fc.constantFrom<unknown>(s, ` ${s} `, ...(s === 'na' ? [] : [Number(s)])).map((raw) => ({ raw, expected: s })));
      break;
    }
    case 'single':
      answered = fc.constantFrom(...optionIdsOf(q)).chain((s) => fc.constantFrom(s, `${s} `).map((raw) => ({ raw, expected: s })));
      break;
    case 'multi': {
      const ids = optionIdsOf(q);
      answered = fc
        .shuffledSubarray(ids, { minLength: 1 })
        .chain((chosen) => fc.tuple(fc.constant(chosen), fc.subarray(chosen)))
        .map(([chosen, repeated]) => ({
          raw: chosen.length === 1 && repeated.length === 0 ? chosen[0] : [...chosen, ...repeated],
          expected: ids.filter((id) => chosen.includes(id)),
        }));
      break;
    }
    case 'rating':
    case 'nps': {
      const [min, max] = q.type === 'nps' ? [0, 10] : [q.min ?? 1, q.max ?? 5];
      answered = fc.tuple(fc.integer({ min, max }), fc.boolean()).map(([n, asText]) => ({ raw: asText ? String(n) : n, expected: n }));
      break;
    }
    case 'number': {
      const lo = q.min ?? -1_000_000;
      const hi = q.max ?? 1_000_000;
      answered = fc.tuple(fc.integer({ min: lo * 100, max: hi * 100 }), fc.boolean()).map(([cents, asText]) => {
        const n = cents / 100;
        return { raw: asText ? String(n) : n, expected: n };
      });
      break;
    }
    case 'text': {
      const max = q.maxLength ?? DEFAULT_TEXT_MAX;
      answered = fc
        .array(fc.constantFrom(...TEXT_UNITS), { minLength: 1, maxLength: Math.min(max, 40) })
        .map((units) => units.join(''))
        .filter((s) => normaliseFreeText(s).text !== '')
        .map((s) => ({ raw: s, expected: normaliseFreeText(s).text }));
      break;
    }
  }
  if (q.required) return answered;
  return fc.oneof(answered, fc.constantFrom<unknown>(undefined, '', '  ', null, []).map((raw) => ({ raw, expected: undefined })));
}

interface Broken {
  raw: unknown;
  key: string;
}

function invalidAnswerArb(q: Question): fc.Arbitrary<Broken> {
  const as = (key: string) => (raw: unknown) => ({ raw, key });
  const unknownOption = fc.stringMatching(/^[A-Za-z0-9_-]{1,8}$/).filter((s) => !optionIdsOf(q).includes(s));
  const arbs: fc.Arbitrary<Broken>[] = [];
  if (q.required) arbs.push(fc.constantFrom<unknown>(undefined, '', ' ', null, []).map(as('answer.required')));
  switch (q.type) {
    case 'likert5':
      arbs.push(fc.constantFrom<unknown>('6', '0', '5.0', 'yes', true, { level: 5 }, ...(q.allowNotApplicable ? [] : ['na'])).map(as('answer.option')));
      arbs.push(fc.constant(['5', '4']).map(as('answer.oneOnly')));
      break;
    case 'single':
      arbs.push(unknownOption.map(as('answer.option')));
      arbs.push(fc.constant(optionIdsOf(q).slice(0, 2)).map(as('answer.oneOnly')));
      break;
    case 'multi':
      arbs.push(fc.tuple(fc.subarray(optionIdsOf(q)), unknownOption).map(([ids, bad]) => ({ raw: [...ids, bad], key: 'answer.option' })));
      arbs.push(fc.constant([optionIdsOf(q)[0], 1]).map(as('answer.option')));
      break;
    case 'rating':
    case 'nps': {
      const [min, max] = q.type === 'nps' ? [0, 10] : [q.min ?? 1, q.max ?? 5];
      arbs.push(
        fc
          .tuple(fc.oneof(fc.integer({ min: -100, max: min - 1 }), fc.integer({ min: max + 1, max: 100 })), fc.boolean())
          .map(([n, asText]) => ({ raw: asText ? String(n) : n, key: 'answer.range' })),
      );
      arbs.push(fc.constantFrom<unknown>('2.5', 'abc', 1.5).map(as('answer.range')));
      arbs.push(fc.constant(['1', '2']).map(as('answer.oneOnly')));
      break;
    }
    case 'number':
      if (q.min !== null) arbs.push(fc.integer({ min: 1, max: 1000 }).map((d) => ({ raw: String((q.min as number) - d), key: 'answer.range' })));
      if (q.max !== null) arbs.push(fc.integer({ min: 1, max: 1000 }).map((d) => ({ raw: (q.max as number) + d / 10, key: 'answer.range' })));
      arbs.push(fc.constantFrom<unknown>('Infinity', '1e999', '0x10', 'abc', '1e3', NaN, Infinity, 1e300).map(as('answer.number')));
      break;
    case 'text': {
      const max = q.maxLength ?? DEFAULT_TEXT_MAX;
      arbs.push(fc.constantFrom('x', '长', '😀').map((c) => ({ raw: c.repeat(max + 1), key: 'answer.tooLong' })));
      arbs.push(fc.constantFrom<unknown>(5, { a: 1 }).map(as('answer.invalid')));
      arbs.push(fc.constant(['a', 'b']).map(as('answer.oneOnly')));
      break;
    }
  }
  return fc.oneof(...arbs);
}

/** A survey and a valid answer to each of its questions. */
const answeredSurveyArb = surveyArb.chain((questions) => fc.tuple(fc.constant(questions), fc.tuple(...questions.map(validAnswerArb))));

function rawOf(questions: Question[], answered: Answered[]): Record<string, unknown> {
  return Object.fromEntries(questions.flatMap((q, i) => (answered[i]!.raw === undefined ? [] : [[q.id, answered[i]!.raw]])));
}

function expectedOf(questions: Question[], answered: Answered[]): Record<string, AnswerValue> {
  return Object.fromEntries(questions.flatMap((q, i) => (answered[i]!.expected === undefined ? [] : [[q.id, answered[i]!.expected!]])));
}

describe('validateAnswers properties', () => {
  it('accepts every valid answer set and returns the clean answers (multi in question order)', () => {
    fc.assert(
      fc.property(answeredSurveyArb, ([questions, answered]) => {
        const { answers, errors } = validateAnswers(rawOf(questions, answered), questions);
        expect(errors).toEqual({});
        expect(answers).toEqual(expectedOf(questions, answered));
      }),
      { numRuns: 300 },
    );
  });

  it('accepts the same answers sent as a browser form (q_<id> fields)', () => {
    fc.assert(
      fc.property(answeredSurveyArb, ([questions, answered]) => {
        const body = Object.fromEntries([['_csrf', 'x'], ...Object.entries(rawOf(questions, answered)).map(([id, v]) => [`q_${id}`, v])]);
        const { raw, unknown } = readFormAnswers(body, questions);
        expect(unknown).toEqual([]);
        expect(validateAnswers(raw, questions)).toMatchObject({ answers: expectedOf(questions, answered), errors: {} });
      }),
      { numRuns: 100 },
    );
  });

  it('refuses one broken answer: exactly that question has the error and it is absent from the answers', () => {
    const arb = answeredSurveyArb.chain(([questions, answered]) =>
      fc
        .nat({ max: questions.length - 1 })
        .chain((i) => fc.tuple(fc.constant(questions), fc.constant(answered), fc.constant(i), invalidAnswerArb(questions[i]!))),
    );
    fc.assert(
      fc.property(arb, ([questions, answered, i, broken]) => {
        const target = questions[i]!;
        const raw = rawOf(questions, answered);
        const entries = Object.entries(raw).filter(([id]) => id !== target.id);
        if (broken.raw !== undefined) entries.push([target.id, broken.raw]);
        const { answers, errors } = validateAnswers(Object.fromEntries(entries), questions);
        expect(Object.keys(errors)).toEqual([target.id]);
        expect(Object.getOwnPropertyDescriptor(errors, target.id)?.value.key).toBe(broken.key);
        expect(Object.hasOwn(answers, target.id)).toBe(false);
        const expected = expectedOf(questions, answered);
        delete expected[target.id];
        expect(answers).toEqual(expected);
      }),
      { numRuns: 500 },
    );
  });

  it('never throws, whatever it is given, and returns only well-formed answers', () => {
    const anything = fc.anything({ withBoxedValues: true, withNullPrototype: true, withMap: true, withSet: true, withSparseArray: true, withTypedArray: true, withDate: true, withBigInt: true });
    const wellFormed = (v: AnswerValue) =>
      (typeof v === 'string' && v.length > 0) || (typeof v === 'number' && Number.isFinite(v)) || (Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string'));
    fc.assert(
      fc.property(surveyArb, anything, (questions, raw) => {
        const { answers, errors } = validateAnswers(raw as Record<string, unknown>, questions);
        expect(typeof errors).toBe('object');
        expect(Object.values(answers).every(wellFormed)).toBe(true);
        readFormAnswers(raw as Record<string, unknown>, questions);
      }),
      { numRuns: 300 },
    );
    const perQuestion = surveyArb.chain((questions) => fc.tuple(fc.constant(questions), fc.tuple(...questions.map(() => anything))));
    fc.assert(
      fc.property(perQuestion, ([questions, values]) => {
        const raw = Object.fromEntries(questions.map((q, i) => [q.id, values[i]]));
        const { answers, errors } = validateAnswers(raw, questions);
        for (const q of questions) expect(Object.hasOwn(answers, q.id) && Object.hasOwn(errors, q.id)).toBe(false);
        expect(Object.values(answers).every(wellFormed)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('answerText', () => {
  const likert = { id: 'a', type: 'likert5', text: '态度', help: '', required: true, options: [{ id: '5', label: '非常满意' }, { id: '4', label: '满意' }, { id: '3', label: '基本满意' }, { id: '2', label: '不满意' }, { id: '1', label: '非常不满意' }], dimension: null, countsTowardSatisfaction: true, allowNotApplicable: true, notApplicableLabel: '不了解', min: null, max: null, maxLength: null } as const;
  it('shows choices by their labels, 不了解 included, several joined, numbers and text as given', () => {
    expect(answerText({ ...likert, options: [...likert.options] }, '4', '、')).toBe('满意');
    expect(answerText({ ...likert, options: [...likert.options] }, 'na', '、')).toBe('不了解');
    expect(answerText({ ...likert, type: 'multi', options: [{ id: 'x', label: '上门' }, { id: 'y', label: '电话' }] }, ['x', 'y'], '、')).toBe('上门、电话');
    expect(answerText({ ...likert, type: 'rating', options: [] }, 4, '、')).toBe('4');
    expect(answerText({ ...likert, type: 'text', options: [] }, '第一行\n=第二行', '、')).toBe('第一行\n=第二行');
    expect(answerText({ ...likert, options: [...likert.options] }, undefined, '、')).toBe('');
  });
});
