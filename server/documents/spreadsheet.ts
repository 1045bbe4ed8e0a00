import type { Options as CsvOptions } from 'csv-stringify';
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
 * csv-stringify options for every CSV manyi writes: UTF-8 with a BOM (so Excel reads Chinese),
 * CRLF records, and a field quoted whenever it holds a CR or an LF — csv-stringify quotes the
 * delimiter, the quote and its own record delimiter, but with CRLF records a bare LF or CR would
 * otherwise go out unquoted and split the row. Every string goes through csvText (see cell-text.ts).
 */
export const CSV_OPTIONS: CsvOptions = {
  bom: true,
  record_delimiter: 'windows',
  quoted_match: /[\r\n]/,
  cast: { string: csvText },
};

/** A small table as one CSV text with CSV_OPTIONS (templates, the statistics ZIP's files). */
export function csvDocument(rows: readonly (readonly Cell[])[]): string {
  return stringify(rows.map(csvRecord), CSV_OPTIONS);
}

/** A row ready for csv-stringify: times as local text; strings are made safe by CSV_OPTIONS' cast. */
export function csvRecord(cells: readonly Cell[]): (string | number | null)[] {
  return cells.map((c) => (isTime(c) ? timeText(c) : c));
}

/** A row ready for exceljs: strings XML-safe and shown as stored, times as Dates. */
export function xlsxValues(cells: readonly Cell[]): ExcelJS.CellValue[] {
  return cells.map((c) => (isTime(c) ? c.wall : typeof c === 'string' ? xlsxText(c) : c));
}

/**
 * Adds a row to a worksheet (streamed or not): strings XML-safe, numbers numeric, times as
 * date-time cells with their number format. Returns the row (commit it when streaming).
 * `escape: false` adds strings as they are, for a workbook that sanitiseWorkbook cleans at the end.
 */
export function addXlsxRow(sheet: ExcelJS.Worksheet, cells: readonly Cell[], options: { bold?: boolean; escape?: boolean } = {}): ExcelJS.Row {
  const values = options.escape === false ? cells.map((c) => (isTime(c) ? c.wall : c)) : xlsxValues(cells);
  const row = sheet.addRow(values);
  cells.forEach((c, i) => {
    if (isTime(c)) row.getCell(i + 1).numFmt = c.kind === 'date' ? DATE_FORMAT : DATE_TIME_FORMAT;
  });
  if (options.bold) row.font = { bold: true };
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
