import { parse } from 'csv-parse/sync';
import { stringify } from 'csv-stringify/sync';
import fc from 'fast-check';
import { CSV_OPTIONS, csvBatch, csvDocument, csvRecord, localDayCell, timeCell, type Cell } from '../../server/documents/spreadsheet';
import { codeCell, csvText, neutraliseFormulaLines, safeSheetName, spreadsheetText, wellFormed, wellFormedDeep, xlsxText } from '../../server/domain/cell-text';

/** A line of a cell that Excel would run as a formula. */
const LIVE_FORMULA_LINE = /(^|\n|\r)[=+\-@]/;

describe('cell text for exported files', () => {
  it('replaces lone surrogates with U+FFFD and keeps real pairs (emoji) whole', () => {
    expect(wellFormed('a\ud800b')).toBe('a\ufffdb');
    expect(wellFormed('\udc00x\ud83d')).toBe('\ufffdx\ufffd');
    expect(wellFormed('表情😀👍🏽')).toBe('表情😀👍🏽');
  });

  it('drops the characters XML 1.0 forbids (NUL, C0 controls, U+FFFE/U+FFFF) and keeps TAB, LF and CR', () => {
    expect(spreadsheetText('a\x00b\x01c\x08d\x0be\x0cf\x1bg\x1fh')).toBe('abcdefgh');
    expect(spreadsheetText('\uFFFE\uFFFFok')).toBe('ok');
    expect(spreadsheetText('tab\there\nline\r\nend')).toBe('tab\there\nline\r\nend');
  });

  it('neutralises a formula at the start of the cell and at the start of every other line, with LF, CRLF or CR', () => {
    expect(neutraliseFormulaLines('=1+1')).toBe("'=1+1");
    expect(neutraliseFormulaLines('\n=1+1')).toBe("\n'=1+1");
    expect(neutraliseFormulaLines('第一行\r\n@SUM(A1)')).toBe("第一行\r\n'@SUM(A1)");
    expect(neutraliseFormulaLines('a\r+1\r-2')).toBe("a\r'+1\r'-2");
    expect(neutraliseFormulaLines('\tx')).toBe("'\tx");
    expect(neutraliseFormulaLines('\r=x')).toBe("'\r'=x");
    expect(neutraliseFormulaLines('a = b\nc - d')).toBe('a = b\nc - d');
  });

  it('leaves no live formula on any line of any CSV text, and changes nothing else (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', 'a', '字', '\x01', '\ud800', ' ') }), (s) => {
        const out = csvText(s);
        expect(LIVE_FORMULA_LINE.test(out)).toBe(false);
        expect(/^[\t\r]/.test(out)).toBe(false);
        expect(out.replace(/'/g, '')).toBe(spreadsheetText(s).replace(/'/g, ''));
      }),
    );
  });

  it('gives, for text no rule changes, the text as it is, and for any text what its three rules give (property)', () => {
    const rules = (s: string) => neutraliseFormulaLines(spreadsheetText(s));
    const hostile = fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '\x00', '\x1f', '\x7f', "'", '"', ',', 'a', '字', ' ', '\ud800', '\udfff', '\ufffe', '\uffff', '\ufffd', '\uff1d', '😀');
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: hostile }), fc.string({ unit: 'binary' }), fc.string()), (s) => {
        expect(csvText(s)).toBe(rules(s));
      }),
      { numRuns: 5000 },
    );
    for (const plain of ['很满意', '2026-11-01 10:00:00', 'a = b', '100%', '', ' -1', '表情😀']) expect(csvText(plain)).toBe(plain);
    for (const s of ['-1', '=A1', '+1', '@x', '\tx', '\rx', 'a\n=b', '半\ud800', '\ufffe', 'nul\x00']) expect(csvText(s)).toBe(rules(s));
  });

  it('escapes a literal _xHHHH_ in XLSX text so that Excel shows it as typed, and writes line breaks as LF', () => {
    expect(xlsxText('_x0041_ and _x000d_')).toBe('_x005F_x0041_ and _x005F_x000d_');
    expect(xlsxText('a\x01b_x')).toBe('ab_x');
    expect(xlsxText('第一行\r\n第二行\r第三行')).toBe('第一行\n第二行\n第三行');
  });

  it('keeps every string of an NDJSON object well-formed, keys included', () => {
    expect(wellFormedDeep({ a: ['x\ud800', 1, null, true], 'k\udc00': { b: 'ok\x01' } })).toEqual({ a: ['x\ufffd', 1, null, true], 'k\ufffd': { b: 'ok\x01' } });
  });

  it('writes whole-number option ids as numbers in the coded export and leaves every other id as text', () => {
    expect([codeCell('5'), codeCell('1'), codeCell('0'), codeCell('12')]).toEqual([5, 1, 0, 12]);
    expect([codeCell('na'), codeCell('07'), codeCell('-1'), codeCell('1.5'), codeCell('elderly'), codeCell('')]).toEqual(['na', '07', '-1', '1.5', 'elderly', '']);
  });

  it('makes sheet names Excel accepts: no forbidden characters, at most 31 characters, unique without case', () => {
    const used = new Set<string>();
    expect(safeSheetName('a/b\\c?d*e[f]g:h', used)).toBe('a b c d e f g h');
    expect(safeSheetName("'quoted'", used)).toBe('quoted');
    expect(safeSheetName('x\x01\ud800y', used)).toBe('x\ufffdy');
    const long = '很'.repeat(40);
    expect(Array.from(safeSheetName(long, used))).toHaveLength(31);
    expect(safeSheetName(long, used)).toBe(`${'很'.repeat(30)}2`);
    expect(safeSheetName('Quoted', used)).toBe('Quoted2');
    expect(safeSheetName('\x01', used)).toBe('Sheet');
  });
});

describe('CSV writing', () => {
  it('quotes every field holding LF, CR, the delimiter or a quote, so each record parses back whole', () => {
    const record = ['a\nb', 'c\rd', 'e\r\nf', 'g,h', 'i"j', 'plain'];
    const text = stringify([record, ['second', '', '', '', '', '']], CSV_OPTIONS);
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text).toContain('"a\nb","c\rd","e\r\nf","g,h","i""j",plain\r\n');
    expect(parse(text, { bom: true })).toEqual([record, ['second', '', '', '', '', '']]);
  });

  it('keeps numbers as numbers: a negative number gets no apostrophe, negative text does', () => {
    expect(stringify([[-5, 3.25, '-5', 0]], CSV_OPTIONS)).toBe("\uFEFF-5,3.25,'-5,0\r\n");
  });

  it('writes times as local text and days as dates', () => {
    expect(csvRecord([timeCell('2026-12-07T06:30:05.000Z', 'Asia/Shanghai'), localDayCell('2026-11-30'), timeCell(null, 'UTC')])).toEqual(['2026-12-07 14:30:05', '2026-11-30', null]);
  });

  it('renders a small table as one CSV text with the same rules', () => {
    expect(csvDocument([['站点编码', '=x'], [1, null]])).toBe("\uFEFF站点编码,'=x\r\n1,\r\n");
  });
});

describe('CSV records written without a stream transform', () => {
  it('writes, batch by batch, the same bytes as one csv-stringify pass with CSV_OPTIONS, for any cells', () => {
    const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', '"', ',', '\r\n', '\n', '\r', '=1+2', '-3', '@x', 'a,"b"\nc', '\ud800', '\t+'));
    const cell: fc.Arbitrary<Cell> = fc.oneof(
      text,
      fc.double(),
      fc.integer(),
      fc.constant(null),
      fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2040-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => timeCell(d, 'Asia/Shanghai')),
      fc.constantFrom('2026-02-28', '2026-12-07').map((d) => localDayCell(d)),
    );
    fc.assert(
      fc.property(fc.array(fc.array(cell, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 5 }), (rows) => {
        const half = Math.ceil(rows.length / 2);
        expect(csvBatch(rows.slice(0, half), true) + csvBatch(rows.slice(half), false)).toBe(stringify(rows.map(csvRecord), CSV_OPTIONS));
      }),
      { numRuns: 500 },
    );
  });
});
