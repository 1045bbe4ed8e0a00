import iconv from 'iconv-lite';
import { decodeCsv, parseRecipients, parseSiteCsv, SITE_CSV_MAX_BYTES, SITE_CSV_MAX_ROWS, type SiteCsvResult } from '../../server/domain/site-csv';

const ZH_HEADER = '站点编码,站点名称,所属乡镇街道,类型,服务对象人数';
const EN_HEADER = 'code,name,township,kind,recipients';

function rowsOf(result: SiteCsvResult) {
  if (!result.ok) throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.rows;
}

function problemsOf(result: SiteCsvResult) {
  if (result.ok) throw new Error('expected problems');
  return result;
}

describe('parseSiteCsv: reading a CSV of sites', () => {
  it('reads UTF-8 with Chinese headers, mapping 乡镇/街道 to the stored kind', () => {
    const csv = `${ZH_HEADER}\nJYG01,城关镇社工站,城关镇,乡镇,1200\nJYG02,东街街道社工站,东街街道,街道,\n`;
    const result = parseSiteCsv(Buffer.from(csv, 'utf8'));
    expect(result).toMatchObject({ ok: true, encoding: 'utf-8' });
    expect(rowsOf(result)).toEqual([
      { row: 2, site: { code: 'JYG01', name: '城关镇社工站', township: '城关镇', kind: 'township', recipients: 1200, active: true } },
      { row: 3, site: { code: 'JYG02', name: '东街街道社工站', township: '东街街道', kind: 'street', recipients: null, active: true } },
    ]);
  });

  it('reads UTF-8 with a BOM (Excel "CSV UTF-8") and CRLF line ends', () => {
    const csv = `\uFEFF${ZH_HEADER}\r\nJYG01,城关镇社工站,城关镇,乡镇,300\r\n`;
    const result = parseSiteCsv(Buffer.from(csv, 'utf8'));
    expect(result).toMatchObject({ ok: true, encoding: 'utf-8-bom' });
    expect(rowsOf(result)[0]!.site).toMatchObject({ code: 'JYG01', recipients: 300 });
  });

  it('detects and decodes GBK bytes as saved by Chinese Excel', () => {
    const csv = `${ZH_HEADER}\r\nJYG01,城关镇社工站,城关镇,乡镇,1200\r\nJYG02,东街街道社工站,东街街道,街道,80\r\n`;
    const bytes = iconv.encode(csv, 'gbk');
    expect(() => new TextDecoder('utf-8', { fatal: true }).decode(bytes)).toThrow();
    const result = parseSiteCsv(bytes);
    expect(result).toMatchObject({ ok: true, encoding: 'gbk' });
    expect(rowsOf(result).map((r) => r.site.name)).toEqual(['城关镇社工站', '东街街道社工站']);
  });

  it('rejects bytes that are neither UTF-8 nor GBK with a message that says how to save the file', () => {
    // "café" in Latin-1: 0xE9 followed by a comma is no GBK character either.
    const bytes = Buffer.concat([Buffer.from(`${EN_HEADER}\nA1,caf`), Buffer.from([0xe9]), Buffer.from(',x,township,1\n')]);
    const result = problemsOf(parseSiteCsv(bytes));
    expect(result.fileError).toEqual({ key: 'sites.csv.encoding' });
    expect(result.issues).toEqual([]);
    expect(decodeCsv(Buffer.from([0x41, 0xff, 0xfe, 0x80]))).toEqual({ ok: false, error: { key: 'sites.csv.encoding' } });
  });

  it('recognises an Excel workbook uploaded instead of a CSV', () => {
    const xlsx = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00, 0x06, 0x00]);
    expect(problemsOf(parseSiteCsv(xlsx)).fileError).toEqual({ key: 'sites.csv.workbook' });
    const binary = Buffer.from([0x61, 0x00, 0x62, 0x0a]);
    expect(problemsOf(parseSiteCsv(binary)).fileError).toEqual({ key: 'sites.csv.notText' });
  });

  it('reads UTF-16 "Unicode text" from Excel (BOM, tab-separated)', () => {
    const text = `${ZH_HEADER.replace(/,/g, '\t')}\r\nJYG01\t城关镇社工站\t城关镇\t乡镇\t10\r\n`;
    const bytes = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const result = parseSiteCsv(bytes);
    expect(result).toMatchObject({ ok: true, encoding: 'utf-16' });
    expect(rowsOf(result)[0]!.site).toMatchObject({ code: 'JYG01', name: '城关镇社工站', recipients: 10 });
  });

  it('accepts English headers in any order, any case, with township/street kinds', () => {
    const csv = 'Kind,Code,NAME,Recipients\nstreet,A-1,North Street Station,"1,500"\nTownship,A_2,Hill Town Station,0\n';
    expect(rowsOf(parseSiteCsv(csv)).map((r) => r.site)).toEqual([
      { code: 'A-1', name: 'North Street Station', township: '', kind: 'street', recipients: 1500, active: true },
      { code: 'A_2', name: 'Hill Town Station', township: '', kind: 'township', recipients: 0, active: true },
    ]);
  });

  it('accepts header variants such as 所属乡镇（街道） and a * marking required columns', () => {
    const csv = '站点编码*,站点名称*,所属乡镇（街道）,类型*\nB1,西湖社工站,西湖镇,镇\n';
    expect(rowsOf(parseSiteCsv(csv))[0]!.site).toMatchObject({ code: 'B1', township: '西湖镇', kind: 'township' });
  });

  it('rejects a file missing a required column, naming it', () => {
    const result = problemsOf(parseSiteCsv('站点编码,站点名称\nA1,甲\n'));
    expect(result.fileError).toEqual({ key: 'sites.csv.missingColumns', params: { columns: '类型' } });
  });

  it('rejects unknown columns rather than silently dropping their data', () => {
    const result = problemsOf(parseSiteCsv(`${ZH_HEADER},备注\nA1,甲,镇,乡镇,1,x\n`));
    expect(result.fileError).toEqual({ key: 'sites.csv.unknownColumns', params: { columns: '备注' } });
  });

  it('rejects a column given twice', () => {
    const result = problemsOf(parseSiteCsv('code,name,kind,站点编码\nA1,a,street,A2\n'));
    expect(result.fileError).toEqual({ key: 'sites.csv.duplicateColumn', params: { column: '站点编码' } });
  });

  it('reports every problem by row number as in the file (header = row 1), field and message key, and returns no rows', () => {
    const csv = [
      ZH_HEADER,
      'A1,好站点,镇,乡镇,10', // row 2: fine
      'bad code!,,镇,村,-3', // row 3: code, name, kind, recipients
      '', // row 4: blank, skipped but counted
      'A5,站,镇,街道,12.5', // row 5: not a whole number
      'A6,站,镇,街道,很多', // row 6: not a number
    ].join('\n');
    const result = problemsOf(parseSiteCsv(csv));
    expect(result.fileError).toBeNull();
    expect(result.issues).toEqual([
      { row: 3, field: 'code', key: 'sites.codeFormat' },
      { row: 3, field: 'name', key: 'field.required' },
      { row: 3, field: 'kind', key: 'sites.kindInvalid' },
      { row: 3, field: 'recipients', key: 'field.min', params: { min: 0 } },
      { row: 5, field: 'recipients', key: 'sites.recipientsInvalid' },
      { row: 6, field: 'recipients', key: 'sites.recipientsInvalid' },
    ]);
  });

  it('counts a quoted line break as part of its cell, so row numbers match the spreadsheet (and refuses it: a name is one line)', () => {
    const csv = `${EN_HEADER}\nA1,"two\nlines",,street,\nA2,x,,nowhere,\n`;
    expect(problemsOf(parseSiteCsv(csv)).issues).toEqual([
      { row: 2, field: 'name', key: 'field.singleLine' },
      { row: 3, field: 'kind', key: 'sites.kindInvalid' },
    ]);
  });

  it('reports a code used twice in the file on the later row, naming the first', () => {
    const csv = `${EN_HEADER}\nA1,one,,street,\nA2,two,,street,\nA1,again,,street,\n`;
    expect(problemsOf(parseSiteCsv(csv)).issues).toEqual([
      { row: 4, field: 'code', key: 'sites.csv.duplicateCode', params: { code: 'A1', first: 2 } },
    ]);
  });

  it('reports a row with more cells than the header', () => {
    const csv = `code,name,kind\nA1,one,street,surplus\nA2,two,street,,\n`;
    expect(problemsOf(parseSiteCsv(csv)).issues).toEqual([{ row: 2, field: 'row', key: 'sites.csv.extraCells' }]);
  });

  it('stores formula-looking cells as inert text instead of refusing them', () => {
    const csv = `${EN_HEADER}\nF1,=HYPERLINK("http://x"),+86 镇,street,\nF2,@SUM(A1),-1 街道,township,\n`;
    expect(rowsOf(parseSiteCsv(csv)).map((r) => [r.site.name, r.site.township])).toEqual([
      ['=HYPERLINK("http://x")', '+86 镇'],
      ['@SUM(A1)', '-1 街道'],
    ]);
  });

  it('rejects an empty file and a file with only a header', () => {
    expect(problemsOf(parseSiteCsv(Buffer.alloc(0))).fileError).toEqual({ key: 'sites.csv.empty' });
    expect(problemsOf(parseSiteCsv('\uFEFF\r\n \n')).fileError).toEqual({ key: 'sites.csv.empty' });
    expect(problemsOf(parseSiteCsv(`${ZH_HEADER}\n,,,,\n`)).fileError).toEqual({ key: 'sites.csv.noRows' });
  });

  it(`rejects more than ${SITE_CSV_MAX_ROWS} rows and accepts exactly ${SITE_CSV_MAX_ROWS}`, () => {
    const lines = (n: number) => [EN_HEADER, ...Array.from({ length: n }, (_, i) => `S${i},站${i},,street,1`)].join('\n');
    expect(rowsOf(parseSiteCsv(lines(SITE_CSV_MAX_ROWS)))).toHaveLength(SITE_CSV_MAX_ROWS);
    expect(problemsOf(parseSiteCsv(lines(SITE_CSV_MAX_ROWS + 1))).fileError).toEqual({
      key: 'sites.csv.tooManyRows',
      params: { rows: SITE_CSV_MAX_ROWS + 1, max: SITE_CSV_MAX_ROWS },
    });
  });

  it('rejects a file over 1 MB before reading it', () => {
    const big = Buffer.alloc(SITE_CSV_MAX_BYTES + 1, 0x61);
    expect(problemsOf(parseSiteCsv(big)).fileError).toEqual({ key: 'sites.csv.tooLarge', params: { max: '1 MB' } });
  });

  it('reports unpaired quotes with the line', () => {
    expect(problemsOf(parseSiteCsv(`${EN_HEADER}\nA1,"broken,,street,\n`)).fileError).toEqual({ key: 'sites.csv.malformed', params: { line: 2 } });
  });

  it('reads semicolon-separated files', () => {
    expect(rowsOf(parseSiteCsv('code;name;kind\nA1;甲站;乡镇\n'))[0]!.site).toMatchObject({ code: 'A1', name: '甲站', kind: 'township' });
  });
});

describe('parseRecipients', () => {
  it('reads empty as unknown and tolerates thousands separators and a .0 from spreadsheets', () => {
    expect(parseRecipients('')).toBeNull();
    expect(parseRecipients(' 1,234 ')).toBe(1234);
    expect(parseRecipients('80.0')).toBe(80);
    expect(parseRecipients('1,23')).toBe('1,23');
    expect(parseRecipients('abc')).toBe('abc');
  });
});
