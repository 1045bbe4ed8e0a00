import fc from 'fast-check';
import { z } from 'zod';
import {
  codePointLength,
  firstForbidden,
  freeTextSchema,
  isForbiddenCodePoint,
  nameSchema,
  normaliseFreeText,
  normaliseName,
  normaliseNumberText,
  cleanSnippet,
  parseStored,
  passwordTextSchema,
  repairName,
  requiredNameSchema,
} from '../../server/domain/text-input';
import { fieldErrors } from '../../server/services/validate';

/** Pieces that make hostile strings: every kind of forbidden character, line breaks, combining marks, astral characters. */
const PIECES = [
  'a', 'Z', '好', '社工站', ' ', '\u3000', '\t', '\n', '\r', '\r\n', '\u2028', '\u2029',
  '\u0000', '\u0001', '\u0008', '\u000b', '\u000c', '\u001b', '\u007f', '\u0085', '\u009f',
  '\ud800', '\udbff', '\udc00', '\udfff', '\ufdd0', '\ufdef', '\ufffe', '\uffff', '\u{1fffe}', '\u{10ffff}',
  '\u202a', '\u202e', '\u2066', '\u2069', '\u200e', '\u200f',
  'e\u0301', '\u0301', '\u1100\u1161\u11a8', '\u212b', '😀', '👨‍👩‍👧', '𠮷', '=SUM(A1)', '\ufeff',
];
const hostile = fc.array(fc.oneof(fc.constantFrom(...PIECES), fc.integer({ min: 0, max: 0x10ffff }).map((cp) => String.fromCodePoint(cp))), { maxLength: 40 }).map((xs) => xs.join(''));

const codePoints = (s: string) => [...s].map((c) => c.codePointAt(0)!);

describe('isForbiddenCodePoint', () => {
  it('forbids C0 controls but TAB, LF and CR; DEL and C1; surrogates; non-characters; bidi embeddings, overrides and isolates', () => {
    const forbidden = [0x00, 0x01, 0x08, 0x0b, 0x0c, 0x0e, 0x1f, 0x7f, 0x80, 0x85, 0x9f, 0xd800, 0xdfff, 0xfdd0, 0xfdef, 0xfffe, 0xffff, 0x1fffe, 0x10ffff, 0x202a, 0x202e, 0x2066, 0x2069];
    const allowed = [0x09, 0x0a, 0x0d, 0x20, 0x7e, 0xa0, 0x200e, 0x200f, 0x2028, 0x3000, 0xfdcf, 0xfdf0, 0xfffd, 0x1f600, 0x20bb7];
    expect(forbidden.filter((cp) => !isForbiddenCodePoint(cp))).toEqual([]);
    expect(allowed.filter((cp) => isForbiddenCodePoint(cp))).toEqual([]);
  });
});

describe('normaliseFreeText', () => {
  it.each([
    ['a\r\nb\rc\u2028d\u2029e', 'a\nb\nc\nd\ne', 0],
    ['\u0000x\u0008y\u000bz\u000c\u000e\u001f\u007f\u0080\u0085\u009f!', 'xyz!', 10],
    ['tab\tkept\nline', 'tab\tkept\nline', 0],
    ['x\ud800y\udc00z', 'xyz', 2],
    ['no\ufdd0n\ufffe-char\u{10ffff}s', 'non-chars', 3],
    ['\u202e\u2066evil\u2069\u202c', 'evil', 4],
    ['e\u0301t\u0065\u0301', 'été', 0],
    ['  \u3000你好\u3000 \n', '你好', 0],
    ['😀👨‍👩‍👧𠮷', '😀👨‍👩‍👧𠮷', 0],
    ['a\u200fb', 'a\u200fb', 0],
  ])('makes %j %j, removing %i characters', (input, text, removed) => {
    expect(normaliseFreeText(input)).toEqual({ text, removed });
  });

  it('is idempotent and returns NFC text without a forbidden code point, CR or Unicode line separator', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const once = normaliseFreeText(s);
        const twice = normaliseFreeText(once.text);
        expect(twice).toEqual({ text: once.text, removed: 0 });
        expect(once.text.normalize('NFC')).toBe(once.text);
        expect(firstForbidden(once.text)).toBeNull();
        expect(once.text).not.toMatch(/[\r\u2028\u2029]/);
        expect(once.text).toBe(once.text.trim());
      }),
      { numRuns: 2000 },
    );
  });

  it('removes exactly the forbidden code points it counts', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const forbidden = codePoints(s).filter(isForbiddenCodePoint).length;
        expect(normaliseFreeText(s).removed).toBe(forbidden);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('normaliseName', () => {
  it('trims and composes a name', () => {
    expect(normaliseName('  Cafe\u0301 社工站 ')).toEqual({ value: 'Café 社工站' });
  });

  it.each([
    ['\u0001', 0x01],
    ['站\u0000', 0x00],
    ['站\u202e点', 0x202e],
    ['\ud800', 0xd800],
    ['\uffff', 0xffff],
    ['a\u0085b', 0x85],
  ])('refuses %j, naming the character', (input, codePoint) => {
    expect(normaliseName(input)).toEqual({ problem: { kind: 'character', codePoint } });
  });

  it.each([['a\nb'], ['a\r\nb'], ['a\tb'], ['a\u2028b']])('refuses the line break or tab in %j', (input) => {
    expect(normaliseName(input)).toEqual({ problem: { kind: 'lineBreak' } });
  });

  it('accepts exactly the names without forbidden characters or line breaks, and its result is stable', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        const result = normaliseName(s);
        const inner = s.normalize('NFC').trim();
        const bad = firstForbidden(inner) !== null || /[\t\n\r\u2028\u2029]/.test(inner);
        expect('problem' in result).toBe(bad);
        if ('value' in result) {
          expect(normaliseName(result.value)).toEqual(result);
          expect(result.value.normalize('NFC')).toBe(result.value);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('repairs a stored name into one the rule accepts', () => {
    fc.assert(
      fc.property(hostile, (s) => {
        expect('value' in normaliseName(repairName(s))).toBe(true);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('schemas', () => {
  it('counts a free text in characters: exactly max code points pass, max + 1 are refused', () => {
    const schema = freeTextSchema(5);
    expect(schema.parse('😀😀😀😀😀')).toBe('😀😀😀😀😀');
    expect(schema.parse('𠮷𠮷𠮷𠮷𠮷\u0000')).toBe('𠮷𠮷𠮷𠮷𠮷');
    expect(schema.parse('e\u0301e\u0301e\u0301e\u0301e\u0301')).toBe('ééééé');
    expect(fieldErrors(schema.safeParse('😀😀😀😀😀😀').error!)).toEqual({ form: { key: 'field.tooLong', params: { max: 5 } } });
  });

  it('never returns free text longer than its maximum, or with a forbidden character', () => {
    fc.assert(
      fc.property(hostile, fc.integer({ min: 1, max: 30 }), (s, max) => {
        const r = freeTextSchema(max).safeParse(s);
        if (r.success) {
          expect(codePointLength(r.data)).toBeLessThanOrEqual(max);
          expect(firstForbidden(r.data)).toBeNull();
        } else expect(codePointLength(normaliseFreeText(s).text)).toBeGreaterThan(max);
      }),
      { numRuns: 1000 },
    );
  });

  it('refuses a name with a forbidden character, naming the field and the character', () => {
    const schema = z.object({ name: requiredNameSchema(10) });
    expect(fieldErrors(schema.safeParse({ name: '站\u202e点' }).error!)).toEqual({ name: { key: 'field.badCharacter', params: { char: 'U+202E' } } });
    expect(fieldErrors(schema.safeParse({ name: '站\ud800' }).error!)).toEqual({ name: { key: 'field.badCharacter', params: { char: 'U+D800' } } });
    expect(fieldErrors(schema.safeParse({ name: '一\n二' }).error!)).toEqual({ name: { key: 'field.singleLine' } });
    expect(fieldErrors(schema.safeParse({ name: '   ' }).error!)).toEqual({ name: { key: 'field.required' } });
    expect(schema.parse({ name: ' 𠮷'.repeat(5).trim() })).toEqual({ name: '𠮷 𠮷 𠮷 𠮷 𠮷' });
  });

  it('keeps a password exactly as typed, refusing only what cannot be typed or hashed faithfully', () => {
    const schema = passwordTextSchema(12, 20);
    expect(schema.parse(' spaces kept  ')).toBe(' spaces kept  ');
    expect(schema.parse('e\u0301'.repeat(6))).toBe('e\u0301'.repeat(6));
    expect(schema.safeParse('long enough\ud800').success).toBe(false);
    expect(schema.safeParse('😀'.repeat(11)).success).toBe(false);
    expect(schema.safeParse('😀'.repeat(12)).success).toBe(true);
  });

  it('describes itself as a string with its limits in JSON Schema (which also counts characters)', () => {
    expect(z.toJSONSchema(z.object({ a: nameSchema(40), b: freeTextSchema(500, { min: 1 }) }))).toMatchObject({
      properties: { a: { type: 'string', maxLength: 40 }, b: { type: 'string', maxLength: 500, minLength: 1 } },
    });
  });

  it('reads data stored before the name rule by repairing exactly the refused names', () => {
    const schema = z.object({ name: requiredNameSchema(20), note: freeTextSchema(50), items: z.array(z.object({ label: requiredNameSchema(20) })) });
    const stored = { name: '旧\u202e名', note: '第一行\n第二行', items: [{ label: 'ok' }, { label: '两\n行' }] };
    expect(parseStored(schema, stored)).toMatchObject({ success: true, data: { name: '旧名', note: '第一行\n第二行', items: [{ label: 'ok' }, { label: '两 行' }] } });
    expect(stored.name).toBe('旧\u202e名');
    expect(parseStored(schema, { ...stored, name: 'x'.repeat(21) }).success).toBe(false);
  });
});

describe('numbers and searches', () => {
  it.each([
    ['１２．５', '12.5'],
    ['－３', '-3'],
    ['−3', '-3'],
    [' 42 ', '42'],
    ['4\u00002', '4\u00002'],
  ])('reads the number typed as %j as %j', (input, output) => {
    expect(normaliseNumberText(input)).toBe(output);
  });

  it('cuts a search to whole characters after cleaning it', () => {
    expect(cleanSnippet('😀😀😀', 2)).toBe('😀😀');
    expect(cleanSnippet(' a\u0000b ', 10)).toBe('ab');
  });
});
