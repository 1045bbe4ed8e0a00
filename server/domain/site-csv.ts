import { CsvError, parse } from 'csv-parse/sync';
import iconv from 'iconv-lite';
import type { z } from 'zod';
import { siteCodeSchema, siteInputSchema, type SiteInput } from '../../models/site';
import type { MessageKey, Params } from '../i18n';
import { issueMessage } from '../services/validate';

export const SITE_CSV_MAX_BYTES = 1024 * 1024;
export const SITE_CSV_MAX_ROWS = 5000;
const MAX_BYTES_TEXT = '1 MB';

export type SiteCsvField = 'code' | 'name' | 'township' | 'kind' | 'recipients';
export const SITE_CSV_FIELDS: readonly SiteCsvField[] = ['code', 'name', 'township', 'kind', 'recipients'];
const REQUIRED_FIELDS: readonly SiteCsvField[] = ['code', 'name', 'kind'];

/** The header of the downloadable template, in the order the columns are documented. */
export const SITE_CSV_TEMPLATE_HEADER = ['站点编码', '站点名称', '所属乡镇街道', '类型', '服务对象人数'] as const;

/** How the bytes were read; GBK is what Chinese Excel's plain "CSV" writes. */
export type CsvEncoding = 'utf-8' | 'utf-8-bom' | 'gbk' | 'utf-16';

export interface CsvMessage {
  key: MessageKey;
  params?: Params;
}

/** One problem in one row. `row` counts the header as row 1, as Excel and WPS number rows. */
export interface SiteCsvIssue extends CsvMessage {
  row: number;
  /** The column, or 'row' for a problem with the whole row. */
  field: SiteCsvField | 'row';
}

export interface SiteCsvRow {
  row: number;
  site: SiteInput;
}

export type SiteCsvResult =
  | { ok: true; encoding: CsvEncoding; rows: SiteCsvRow[] }
  | { ok: false; encoding: CsvEncoding | null; fileError: CsvMessage | null; issues: SiteCsvIssue[] };

// Header names are compared after lower-casing and removing spaces, '*', '/' and anything in
// brackets, so "所属乡镇（街道）", "所属乡镇/街道" and "站点编码*" all match.
const HEADER_ALIASES: Record<SiteCsvField, readonly string[]> = {
  code: ['站点编码', '编码', '站点代码', 'code', 'sitecode'],
  name: ['站点名称', '名称', 'name', 'sitename'],
  township: ['所属乡镇街道', '所属乡镇', '乡镇街道', 'township'],
  kind: ['类型', '站点类型', 'kind', 'type'],
  recipients: ['服务对象人数', '服务对象数', 'recipients', 'population'],
};

const KINDS: Record<string, SiteInput['kind']> = {
  乡镇: 'township',
  乡: 'township',
  镇: 'township',
  township: 'township',
  街道: 'street',
  street: 'street',
};

function normaliseHeader(cell: string): string {
  return cell
    .replace(/[（(【[].*?[）)】\]]/g, '')
    .replace(/[\s*/／\\]/g, '')
    .toLowerCase();
}

function fieldOfHeader(cell: string): SiteCsvField | null {
  const n = normaliseHeader(cell);
  for (const field of SITE_CSV_FIELDS) if (HEADER_ALIASES[field].includes(n)) return field;
  return null;
}

const startsWith = (buf: Uint8Array, bytes: number[]) => bytes.every((b, i) => buf[i] === b);

/**
 * Bytes to text: UTF-8 (with or without BOM) read strictly, UTF-16 when it has a BOM, else GBK
 * (read as GB18030, its superset) accepted only when every byte sequence decodes. A workbook or
 * anything else gets a message that says what to do.
 */
export function decodeCsv(input: Uint8Array): { ok: true; text: string; encoding: CsvEncoding } | { ok: false; error: CsvMessage } {
  // .xlsx (a zip) and .xls (an OLE compound file): the most common wrong upload.
  if (startsWith(input, [0x50, 0x4b, 0x03, 0x04]) || startsWith(input, [0xd0, 0xcf, 0x11, 0xe0])) {
    return { ok: false, error: { key: 'sites.csv.workbook' } };
  }
  const utf16 = startsWith(input, [0xff, 0xfe]) ? 'utf-16le' : startsWith(input, [0xfe, 0xff]) ? 'utf-16be' : null;
  if (utf16) {
    try {
      return { ok: true, text: new TextDecoder(utf16, { fatal: true }).decode(input), encoding: 'utf-16' };
    } catch {
      return { ok: false, error: { key: 'sites.csv.encoding' } };
    }
  }
  if (input.includes(0)) return { ok: false, error: { key: 'sites.csv.notText' } };
  const bom = startsWith(input, [0xef, 0xbb, 0xbf]);
  try {
    // TextDecoder drops a leading BOM itself.
    return { ok: true, text: new TextDecoder('utf-8', { fatal: true }).decode(input), encoding: bom ? 'utf-8-bom' : 'utf-8' };
  } catch {
    const text = iconv.decode(Buffer.from(input.buffer, input.byteOffset, input.byteLength), 'gb18030');
    if (text.includes('\uFFFD')) return { ok: false, error: { key: 'sites.csv.encoding' } };
    return { ok: true, text, encoding: 'gbk' };
  }
}

/** The delimiter of the header line: comma unless tabs (Excel "Unicode text") or semicolons clearly win. */
function detectDelimiter(text: string): string {
  const first = text.slice(0, text.indexOf('\n') === -1 ? text.length : text.indexOf('\n'));
  const count = (c: string) => first.split(c).length - 1;
  const commas = count(',');
  if (count('\t') > commas) return '\t';
  if (count(';') > commas) return ';';
  return ',';
}

/**
 * 服务对象人数 as typed in a sheet: empty is unknown (null); "1200", "1,200" and "1200.0" are
 * 1200; anything else is passed on unchanged so the schema reports it.
 */
export function parseRecipients(cell: string): unknown {
  const v = cell.trim();
  if (v === '') return null;
  if (/^\d{1,3}(,\d{3})+$/.test(v)) return Number(v.replace(/,/g, ''));
  if (/^[-+]?\d+(\.\d+)?$/.test(v)) return Number(v);
  return v;
}

/** 乡镇/街道 (or township/street, or 乡/镇) to the stored kind; anything else is left for the schema to refuse. */
export function parseKind(cell: string): unknown {
  const v = cell.trim();
  return KINDS[v.toLowerCase()] ?? v;
}

/** A site schema problem as a catalog message, more specific than the generic ones for code, kind and recipients. */
export function siteIssueMessage(issue: z.core.$ZodIssue): CsvMessage {
  const field = issue.path[0];
  if (field === 'code' && issue.code === 'invalid_format') return { key: 'sites.codeFormat' };
  if (field === 'kind' && issue.code === 'invalid_value') return { key: 'sites.kindInvalid' };
  if (field === 'recipients' && issue.code === 'invalid_type' && (issue as { input?: unknown }).input !== undefined) {
    return { key: 'sites.recipientsInvalid' };
  }
  return issueMessage(issue);
}

const fail = (encoding: CsvEncoding | null, key: MessageKey, params?: Params): SiteCsvResult => ({
  ok: false,
  encoding,
  fileError: params ? { key, params } : { key },
  issues: [],
});

/**
 * Reads a CSV of sites: decodes it, maps Chinese or English headers, validates every row with
 * the site schema and finds codes used twice in the file. Returns every row or every problem,
 * never a mix, so the caller can store all or nothing. Cells are kept as text: "=SUM(A1)" in a
 * name is a name (exports neutralise formulas on the way out).
 */
export function parseSiteCsv(input: Uint8Array | string): SiteCsvResult {
  const size = typeof input === 'string' ? Buffer.byteLength(input, 'utf8') : input.byteLength;
  if (size > SITE_CSV_MAX_BYTES) return fail(null, 'sites.csv.tooLarge', { max: MAX_BYTES_TEXT });

  let text: string;
  let encoding: CsvEncoding;
  if (typeof input === 'string') {
    text = input;
    encoding = input.startsWith('\uFEFF') ? 'utf-8-bom' : 'utf-8';
  } else {
    const decoded = decodeCsv(input);
    if (!decoded.ok) return { ok: false, encoding: null, fileError: decoded.error, issues: [] };
    ({ text, encoding } = decoded);
  }
  // One line ending throughout: files edited on several systems mix them, and csv-parse picks one.
  text = text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n');
  if (text.trim() === '') return fail(encoding, 'sites.csv.empty');

  let records: string[][];
  try {
    // relax_quotes: a quote inside an unquoted cell (=HYPERLINK("…") typed by hand) is just a character.
    records = parse(text, {
      delimiter: detectDelimiter(text),
      record_delimiter: '\n',
      relax_column_count: true,
      relax_quotes: true,
      skip_empty_lines: false,
    });
  } catch (err) {
    if (err instanceof CsvError) return fail(encoding, 'sites.csv.malformed', { line: Number(err.lines ?? 0) });
    throw err;
  }

  const blank = (r: string[]) => r.every((c) => c.trim() === '');
  // Records map one-to-one to sheet rows (a quoted line break stays inside its cell), so index + 1 is the row number.
  const headerIndex = records.findIndex((r) => !blank(r));
  if (headerIndex === -1) return fail(encoding, 'sites.csv.empty');
  const header = records[headerIndex]!.map((c) => c.trim());

  const columns: (SiteCsvField | null)[] = [];
  const unknown: string[] = [];
  const seenFields = new Set<SiteCsvField>();
  for (const cell of header) {
    const field = cell === '' ? null : fieldOfHeader(cell);
    if (cell !== '' && !field) unknown.push(cell);
    if (field && seenFields.has(field)) return fail(encoding, 'sites.csv.duplicateColumn', { column: cell });
    if (field) seenFields.add(field);
    columns.push(field);
  }
  if (unknown.length) return fail(encoding, 'sites.csv.unknownColumns', { columns: unknown.join('、') });
  const missing = REQUIRED_FIELDS.filter((f) => !seenFields.has(f));
  if (missing.length) {
    return fail(encoding, 'sites.csv.missingColumns', { columns: missing.map((f) => HEADER_ALIASES[f][0]).join('、') });
  }

  const body = records.map((cells, index) => ({ cells, row: index + 1 })).slice(headerIndex + 1).filter((r) => !blank(r.cells));
  if (body.length === 0) return fail(encoding, 'sites.csv.noRows');
  if (body.length > SITE_CSV_MAX_ROWS) return fail(encoding, 'sites.csv.tooManyRows', { rows: body.length, max: SITE_CSV_MAX_ROWS });

  const rows: SiteCsvRow[] = [];
  const issues: SiteCsvIssue[] = [];
  const firstRowOfCode = new Map<string, number>();
  for (const { cells, row } of body) {
    if (cells.slice(columns.length).some((c) => c.trim() !== '')) issues.push({ row, field: 'row', key: 'sites.csv.extraCells' });
    const cell = (field: SiteCsvField) => {
      const j = columns.indexOf(field);
      return j === -1 ? '' : (cells[j] ?? '');
    };
    const candidate = {
      code: cell('code'),
      name: cell('name'),
      township: cell('township'),
      kind: parseKind(cell('kind')),
      recipients: parseRecipients(cell('recipients')),
    };
    // reportInput: issueMessage tells a missing value from a wrong one by the issue's input.
    const parsed = siteInputSchema.safeParse(candidate, { reportInput: true });
    const rowIssues = new Map<SiteCsvField, CsvMessage>();
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        const field = issue.path[0] as SiteCsvField;
        if (!rowIssues.has(field)) rowIssues.set(field, siteIssueMessage(issue));
      }
    }
    const code = siteCodeSchema.safeParse(candidate.code);
    if (code.success) {
      const first = firstRowOfCode.get(code.data);
      if (first !== undefined) rowIssues.set('code', { key: 'sites.csv.duplicateCode', params: { code: code.data, first } });
      else firstRowOfCode.set(code.data, row);
    }
    for (const field of SITE_CSV_FIELDS) {
      const message = rowIssues.get(field);
      if (message) issues.push({ row, field, ...message });
    }
    if (parsed.success && rowIssues.size === 0) rows.push({ row, site: parsed.data });
  }
  if (issues.length) return { ok: false, encoding, fileError: null, issues };
  return { ok: true, encoding, rows };
}
