/**
 * Text as it leaves manyi in a file, whatever the store holds (answers stored before input was
 * cleaned, rows written straight into the store). One rule per format, applied at write time:
 *
 * - every format: a lone surrogate (half of a UTF-16 pair, e.g. "\ud800") becomes U+FFFD, so the
 *   bytes are well-formed UTF-8 and every reader shows the same replacement mark;
 * - spreadsheets (CSV and XLSX): the characters XML 1.0 forbids are dropped — C0 controls other
 *   than TAB, LF and CR (NUL, \x01, ESC…) and the non-characters U+FFFE and U+FFFF — so the XLSX
 *   parts stay well-formed XML and the CSV opens the same way;
 * - CSV: every line of a text cell that starts with = + - @ TAB or CR gets a leading apostrophe
 *   (OWASP's neutralisation), not only the first: Excel shows each line of a multi-line cell, and a
 *   tool that splits lines naïvely must not meet a live formula either;
 * - XLSX: a literal "_xHHHH_" is escaped as "_x005F_xHHHH_", because Excel, LibreOffice and exceljs
 *   read _xHHHH_ in a cell's text as the character HHHH (OOXML ST_Xstring, ECMA-376 §22.9.2.19);
 *   line breaks are written as LF, since XML parsers turn a literal CR or CRLF into LF anyway.
 * Numbers are never strings here: they stay numbers in every format.
 */

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const XML_ILLEGAL = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]/g;
/** A line's start: the cell's start, after LF, or after a CR that is not followed by LF. */
const FORMULA_LINE = /(?<=^|\n|\r(?!\n))(?=[=+\-@\t\r])/g;
const OOXML_ESCAPE = /_(x[0-9A-Fa-f]{4}_)/g;

export const REPLACEMENT_CHARACTER = '\uFFFD';

/** The text with every lone surrogate replaced by U+FFFD (what String.prototype.toWellFormed does). */
export function wellFormed(text: string): string {
  return text.replace(LONE_SURROGATE, REPLACEMENT_CHARACTER);
}

/** Well-formed, without the characters XML 1.0 forbids (kept: TAB, LF, CR and everything printable). */
export function spreadsheetText(text: string): string {
  return wellFormed(text).replace(XML_ILLEGAL, '');
}

/** Every line that a spreadsheet would read as a formula gets a leading apostrophe. */
export function neutraliseFormulaLines(text: string): string {
  return text.replace(FORMULA_LINE, "'");
}

/**
 * What any rule above may change: a control character (CR and LF start a line, TAB and CR may start a
 * formula), a surrogate (lone or not: told apart only on the slow path), U+FFFE or U+FFFF. Text with
 * none of them has one line, so only its first character can start a formula.
 */
const MAY_CHANGE = /[\x00-\x1F\uD800-\uDFFF\uFFFE\uFFFF]/;
const FORMULA_START = /^[=+\-@]/;

/**
 * A text cell as written to CSV: spreadsheet-safe characters, formula lines neutralised. Most cells
 * (option labels, names, plain comments) hold nothing any rule changes: one scan finds that and
 * returns the text as it is, which is what the three rules would return.
 */
export function csvText(text: string): string {
  if (!MAY_CHANGE.test(text) && !FORMULA_START.test(text)) return text;
  return neutraliseFormulaLines(spreadsheetText(text));
}

/**
 * A text cell (or header) as written to XLSX: XML-legal, line breaks as LF (what Excel's Alt+Enter
 * writes; any XML parser turns a literal CR or CRLF into LF anyway), a literal _xHHHH_ escaped.
 */
export function xlsxText(text: string): string {
  return spreadsheetText(text).replace(/\r\n?/g, '\n').replace(OOXML_ESCAPE, '_x005F_$1');
}

/** Any JSON-able value with every string (keys included) well-formed, for NDJSON. */
export function wellFormedDeep(value: unknown): unknown {
  if (typeof value === 'string') return wellFormed(value);
  if (Array.isArray(value)) return value.map(wellFormedDeep);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [wellFormed(k), wellFormedDeep(v)]));
  }
  return value;
}

/**
 * An option id as a cell of the coded export: a whole number written without leading zeros
 * (Likert '5'..'1', numbered options) becomes that number; any other id ('na', 'elderly', '07')
 * stays text, so no code is ever changed by the conversion.
 */
export function codeCell(id: string): string | number {
  return /^(0|[1-9]\d{0,14})$/.test(id) ? Number(id) : id;
}

const SHEET_FORBIDDEN = /[\\/?*[\]:]/g;
const SHEET_NAME_MAX = 31;

/**
 * A worksheet name Excel accepts, unique in `used` (Excel compares names without case): XML-legal,
 * none of \ / ? * [ ] :, not starting or ending with an apostrophe, at most 31 characters.
 */
export function safeSheetName(name: string, used: Set<string>): string {
  const chars = Array.from(spreadsheetText(name).replace(/[\r\n\t]/g, ' ').replace(SHEET_FORBIDDEN, ' ').replace(/^'+|'+$/g, '').trim());
  const base = chars.slice(0, SHEET_NAME_MAX).join('') || 'Sheet';
  let candidate = base;
  for (let i = 2; used.has(candidate.toLowerCase()); i++) {
    const suffix = String(i);
    candidate = `${Array.from(base).slice(0, SHEET_NAME_MAX - suffix.length).join('')}${suffix}`;
  }
  used.add(candidate.toLowerCase());
  return candidate;
}
