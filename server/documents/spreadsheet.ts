import type { CastReturnObject, Options as CsvOptions } from 'csv-stringify';
import { stringify } from 'csv-stringify/sync';
import type ExcelJS from 'exceljs';
import { csvText, safeSheetName, xlsxText } from '../domain/cell-text';
import { dayCell, wallClock } from '../domain/time';

/**
 * A cell of an exported table. Text and numbers as they are; a time or a day as a value that each
 * format writes its own way: CSV as local text ("2026-12-07 14:30:05"), XLSX as an Excel date-time
 * (a serial number with a date format) showing the same local wall-clock time.
 */
export type Cell = string | number | null | TimeCell;
export interface TimeCell {
  /** The local wall-clock time as the UTC fields of a Date (see wallClock). */
  wall: Date;
  kind: 'datetime' | 'date';
}

export const DATE_TIME_FORMAT = 'yyyy-mm-dd hh:mm:ss';
export const DATE_FORMAT = 'yyyy-mm-dd';

/** An instant shown in a time zone (the column header names the zone). */
export function timeCell(instant: string | Date | null | undefined, timeZone: string): TimeCell | null {
  return instant ? { wall: wallClock(instant, timeZone), kind: 'datetime' } : null;
}

/** A local day (YYYY-MM-DD). */
export function localDayCell(day: string | null | undefined): TimeCell | null {
  return day ? { wall: dayCell(day), kind: 'date' } : null;
}

const isTime = (c: Cell): c is TimeCell => typeof c === 'object' && c !== null;

/** The time as CSV text: "YYYY-MM-DD HH:mm:ss", or "YYYY-MM-DD" for a day. */
function timeText(c: TimeCell): string {
  const iso = c.wall.toISOString();
  return c.kind === 'date' ? iso.slice(0, 10) : `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/**
 * A string field as csv-stringify writes it: made safe by csvText, and quoted when it holds a CR or
 * an LF. csv-stringify quotes the delimiter, the quote and its own record delimiter, but once
 * `record_delimiter` is set it leaves a bare LF or CR unquoted and the row splits. Its options for
 * this (`quote_record_delimiter`, `quoted_match`) test every field with fresh arrays or a regex
 * search and cost 35–40 MiB more memory on 100,000 rows; here only the rare multi-line field pays.
 */
function csvField(value: string): string | CastReturnObject {
  const text = csvText(value);
  return text.includes('\n') || text.includes('\r') ? { value: text, quoted: true } : text;
}

/** csv-stringify options for every CSV manyi writes: UTF-8 with a BOM (so Excel reads Chinese), CRLF records. */
export const CSV_OPTIONS: CsvOptions = {
  bom: true,
  record_delimiter: 'windows',
  cast: { string: csvField },
};

/** A small table as one CSV text with CSV_OPTIONS (templates, the statistics ZIP's files). */
export function csvDocument(rows: readonly (readonly Cell[])[]): string {
  return stringify(rows.map(csvRecord), CSV_OPTIONS);
}

/** A row ready for csv-stringify: times as local text; strings are made safe by CSV_OPTIONS' cast. */
export function csvRecord(cells: readonly Cell[]): (string | number | null)[] {
  return cells.map((c) => (isTime(c) ? timeText(c) : c));
}

/** CSV_OPTIONS without the BOM: for every batch of a long export after its first. */
const CSV_BATCH_OPTIONS: CsvOptions = { ...CSV_OPTIONS, bom: false };

/**
 * A batch of records as csv-stringify writes them with CSV_OPTIONS, each ending in CRLF (the BOM only
 * when `first`): large exports stringify a few hundred rows at a time with the library's synchronous
 * API and write the text at once, rather than pushing every row through a stream transform.
 */
export function csvBatch(rows: readonly (readonly Cell[])[], first: boolean): string {
  return stringify(rows.map(csvRecord), first ? CSV_OPTIONS : CSV_BATCH_OPTIONS);
}

/** A row ready for exceljs: strings XML-safe and shown as stored, times as Dates. */
export function xlsxValues(cells: readonly Cell[]): ExcelJS.CellValue[] {
  return cells.map((c) => (isTime(c) ? c.wall : typeof c === 'string' ? xlsxText(c) : c));
}

/**
 * One style object per kind of cell, shared by every cell of that kind: exceljs looks a style up by
 * object identity before serialising it, so shared objects keep the streaming writer as fast with
 * styles as without (a new style object per cell made a 100,000-row export three times slower).
 * Frozen, since a change to one would change every cell.
 */
const SHARED_STYLES = {
  text: Object.freeze({}),
  bold: Object.freeze({ font: Object.freeze({ bold: true }) }),
  datetime: Object.freeze({ numFmt: DATE_TIME_FORMAT }),
  date: Object.freeze({ numFmt: DATE_FORMAT }),
} as const;

/**
 * Adds a row to a worksheet: strings XML-safe, numbers numeric, times as date-time cells with their
 * number format. Returns the row (commit it when streaming). With `inMemory`, for a workbook built
 * whole and cleaned by sanitiseWorkbook before writing, strings are added as they are and each cell
 * gets its own style, so the caller may still change a cell's format.
 */
export function addXlsxRow(sheet: ExcelJS.Worksheet, cells: readonly Cell[], options: { bold?: boolean; inMemory?: boolean } = {}): ExcelJS.Row {
  if (options.inMemory) {
    const row = sheet.addRow(cells.map((c) => (isTime(c) ? c.wall : c)));
    cells.forEach((c, i) => {
      if (isTime(c)) row.getCell(i + 1).numFmt = c.kind === 'date' ? DATE_FORMAT : DATE_TIME_FORMAT;
    });
    if (options.bold) row.font = { bold: true };
    return row;
  }
  const row = sheet.addRow(xlsxValues(cells));
  cells.forEach((c, i) => {
    row.getCell(i + 1).style = (isTime(c) ? SHARED_STYLES[c.kind] : options.bold ? SHARED_STYLES.bold : SHARED_STYLES.text) as Partial<ExcelJS.Style>;
  });
  return row;
}

/** A worksheet name Excel accepts, unique within the workbook (see safeSheetName). */
export function sheetNamer(): (name: string) => string {
  const used = new Set<string>();
  return (name) => safeSheetName(name, used);
}

/**
 * For a workbook built in memory with its strings added as they are (not through addXlsxRow):
 * every string cell and rich-text run made XML-safe, every sheet name valid. Run it once, just
 * before writing: escaping "_xHHHH_" twice would show the escape.
 */
export function sanitiseWorkbook(wb: ExcelJS.Workbook): void {
  const name = sheetNamer();
  for (const sheet of wb.worksheets) {
    sheet.name = name(sheet.name);
    sheet.eachRow({ includeEmpty: false }, (row) => {
      row.eachCell({ includeEmpty: false }, (cell) => {
        const v = cell.value;
        if (typeof v === 'string') cell.value = xlsxText(v);
        else if (v && typeof v === 'object' && 'richText' in v) cell.value = { richText: v.richText.map((r) => ({ ...r, text: xlsxText(r.text) })) };
      });
    });
  }
}
