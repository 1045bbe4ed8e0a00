import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import ExcelJS from 'exceljs';
import { addXlsxRow, CSV_OPTIONS, csvRecord, sanitiseWorkbook, timeCell, type Cell } from '../documents/spreadsheet';
import { evaluationText, formatPercent, formatScore, gradeKey, type NodeStatus } from '../domain/evaluation';
import { localDateTime, zoneName } from '../domain/time';
import { translator, type Locale, type MessageKey, type Translate } from '../i18n';
import { audit } from './audit';
import type { Actor, Deps } from './context';
import { makeDownload, nameWords, titlePart, type PreparedDownload } from './downloads';
import { scorecardModel, type ScorecardModel } from './evaluations';

export const EVALUATION_CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
} as const;
export type ScorecardFormat = keyof typeof EVALUATION_CONTENT_TYPES;

const STATUS: Record<NodeStatus, MessageKey> = {
  scored: 'evaluation.status.scored',
  bound: 'evaluation.status.bound',
  'no-evidence': 'evaluation.status.noEvidence',
  unscored: 'evaluation.status.unscored',
};

/**
 * The 指标体系 table: one row per indicator, parents before children, with the dimension, group and
 * indicator names in their own columns; bound indicators carry their evidence and rule in words.
 * Evidence times are shown in `timeZone`, named in the header.
 */
export function indicatorTable(model: ScorecardModel, locale: Locale, timeZone: string): { header: string[]; rows: Cell[][] } {
  const t = translator(locale);
  const header = [
    t('evalui.col.level'),
    t('evalui.level.1'),
    t('evalui.level.2'),
    t('evalui.level.3'),
    t('evalui.col.id'),
    t('evaluation.table.points'),
    t('evaluation.table.score'),
    t('evaluation.table.rate'),
    t('evalui.col.status'),
    t('evalui.col.note'),
    t('evalui.col.measure'),
    t('evalui.evidence.received'),
    t('evalui.evidence.valid'),
    t('evaluation.measure.index'),
    t('evalui.col.indexCi'),
    t('evalui.col.rate'),
    t('evalui.col.rateCi'),
    t('evalui.evidence.sample'),
    t('evalui.evidence.required'),
    t('evalui.evidence.rule'),
    t('evalui.evidence.explanation'),
    t('download.computedAt', { zone: zoneName(timeZone, t('time.beijing')) }),
  ];
  const names: string[] = [];
  const ci = (c: [number, number] | null) => (c ? `${c[0]}–${c[1]}` : null);
  const rows = model.scored.scorecard.nodes.map((n): Cell[] => {
    names[n.level - 1] = n.name;
    names.length = n.level;
    const e = n.evidence ?? null;
    const bound = n.rule !== undefined;
    return [
      n.level,
      names[0] ?? null,
      n.level >= 2 ? (names[1] ?? null) : null,
      n.level >= 3 ? (names[2] ?? null) : null,
      n.id,
      n.points,
      n.score,
      n.rate,
      t(STATUS[n.status]),
      n.note ?? null,
      bound && n.measure ? t(`evaluation.measure.${n.measure}`) : null,
      bound ? (e?.received ?? 0) : null,
      bound ? (e?.valid ?? 0) : null,
      e?.index ?? null,
      ci(e?.indexCi ?? null),
      e?.rate ?? null,
      ci(e?.rateCi ?? null),
      bound ? (e ? t(e.adequate ? 'stats.adequate' : 'stats.inadequate') : null) : null,
      e?.requiredSample ?? null,
      bound ? (model.bound[n.id]?.ruleText ?? null) : null,
      n.explanation ? evaluationText(n.explanation, locale) : null,
      timeCell(e?.computedAt, timeZone),
    ];
  });
  return { header, rows };
}

function projectRows(model: ScorecardModel, t: Translate, timeZone: string): Cell[][] {
  const { data, record } = model.evaluation;
  const lock = data.lock;
  const when = (iso: string) => `${localDateTime(iso, timeZone).slice(0, 16)}${t('time.zoneSuffix', { zone: zoneName(timeZone, t('time.beijing')) })}`;
  return [
    ...(record.isDemo ? [[t('demo.label')]] : []),
    [t('evalui.project.name'), data.project.name],
    [t('evalui.project.period'), data.project.period],
    [t('evalui.project.commissioner'), data.project.commissioner],
    [t('evalui.project.evaluator'), data.project.evaluator],
    [t('evalui.project.subject'), data.project.subject],
    [t('evalui.lock.state'), lock ? t('evalui.lock.lockedAt', { at: when(lock.at), by: lock.by }) : t('evalui.lock.live')],
  ];
}

/**
 * The scorecard as a workbook: 绩效分析 (project, total and grade, the report's table, funding) and
 * 指标体系 (every indicator with its evidence). Scores and rates are numbers (rates formatted as %),
 * evidence times date-times in `timeZone`; every string is made XML-safe just before writing.
 */
export async function writeScorecardXlsx(model: ScorecardModel, locale: Locale, out: Writable, timeZone: string): Promise<void> {
  const t = translator(locale);
  const card = model.scored.scorecard;
  const wb = new ExcelJS.Workbook();
  wb.creator = 'manyi';
  const analysis = wb.addWorksheet(t('evalui.sheet.analysis'));
  for (const row of projectRows(model, t, timeZone)) analysis.addRow(row);
  analysis.addRow([]);
  analysis.addRow([t('evalui.total'), card.total, t('evalui.grade'), t(gradeKey(card.grade))]);
  if (!card.complete) analysis.addRow([t('evalui.provisional', { count: card.missing })]);
  analysis.addRow([]);
  const table = model.analysis;
  analysis.addRow([t(table.corner), ...table.columns.map((c) => c.name), t(table.totalLabel)]).font = { bold: true };
  for (const row of table.rows) {
    const added = analysis.addRow([t(row.label), ...row.values]);
    if (row.kind === 'rate') added.eachCell((cell, col) => col > 1 && (cell.numFmt = '0.00%'));
    if (row.kind === 'score') added.eachCell((cell, col) => col > 1 && (cell.numFmt = '0.00'));
  }
  analysis.addRow([]);
  const f = model.evaluation.data.funding;
  analysis.addRow([t('evalui.funding.title'), t('evalui.funding.central'), t('evalui.funding.provincial'), t('evalui.funding.municipal'), t('evalui.funding.total')]).font = { bold: true };
  analysis.addRow([t('evalui.funding.budget'), f.budget.central, f.budget.provincial, f.budget.municipal, model.funding.budgetTotal]);
  analysis.addRow([t('evalui.funding.received'), f.received.central, f.received.provincial, f.received.municipal, model.funding.receivedTotal]);
  analysis.addRow([t('evalui.funding.spent'), f.spent]);
  analysis.addRow([t('evalui.funding.carriedOver'), f.carriedOver]);
  analysis.addRow([t('evaluation.funding.receivedRate'), model.funding.receivedRate]).getCell(2).numFmt = '0.00%';
  analysis.addRow([t('evaluation.funding.executionRate'), model.funding.executionRate]).getCell(2).numFmt = '0.00%';
  const checks = model.evaluation.problems.filter((p) => p.key.startsWith('evaluation.funding.'));
  if (checks.length) {
    analysis.addRow([t('funding.checks')]).font = { bold: true };
    for (const p of checks) analysis.addRow([t(p.key, p.params)]);
  }
  analysis.getColumn(1).width = 24;

  const tree = wb.addWorksheet(t('evalui.sheet.indicators'));
  const { header, rows } = indicatorTable(model, locale, timeZone);
  tree.addRow(header).font = { bold: true };
  for (const row of rows) addXlsxRow(tree, row, { inMemory: true }).getCell(8).numFmt = '0.00%';
  tree.addRow([t('evaluation.table.total'), null, null, null, null, card.points, card.total, card.rate, t(gradeKey(card.grade))]).getCell(8).numFmt = '0.00%';
  for (const [i, width] of [8, 12, 16, 24, 18, 8, 8, 10, 14, 30].entries()) tree.getColumn(i + 1).width = width;
  tree.getColumn(20).width = 48;
  tree.getColumn(21).width = 48;
  sanitiseWorkbook(wb);
  // A scorecard is a few dozen rows: built whole, then sent in one piece.
  const buffer = await wb.xlsx.writeBuffer();
  out.end(Buffer.from(buffer as ArrayBuffer));
  await once(out, 'finish');
}

/**
 * The 指标体系 table as CSV (UTF-8 with BOM so Excel reads the Chinese, CRLF), ending with the
 * total; every text cell that a spreadsheet would run as a formula is neutralised. Rates are
 * written as printed (95.00%), scores with 2 decimals.
 */
export async function writeScorecardCsv(model: ScorecardModel, locale: Locale, out: Writable, timeZone: string): Promise<void> {
  const t = translator(locale);
  const card = model.scored.scorecard;
  const { header, rows } = indicatorTable(model, locale, timeZone);
  const csv = stringify(CSV_OPTIONS);
  csv.pipe(out);
  const printable = (row: Cell[]) => csvRecord(row.map((v, i) => (i === 6 && typeof v === 'number' ? formatScore(v) : i === 7 ? (v === null ? null : formatPercent(v as number)) : v)));
  if (model.evaluation.record.isDemo) csv.write([t('demo.label'), ...header.slice(1).map(() => '')]);
  csv.write(header);
  for (const row of rows) csv.write(printable(row));
  csv.write(printable([t('evaluation.table.total'), null, null, null, null, card.points, card.total, card.rate, t(gradeKey(card.grade)), ...header.slice(9).map(() => null)]));
  csv.end();
  await once(out, 'finish');
}

/**
 * The scorecard as XLSX or CSV, named after the evaluation and the local time, audited with the
 * number of indicator rows it holds.
 */
export async function prepareScorecardExport(deps: Deps, actor: Actor, id: string, format: ScorecardFormat, locale: Locale): Promise<PreparedDownload> {
  const model = await scorecardModel(deps, actor, id, locale);
  const words = nameWords(locale);
  const name = model.evaluation.record.name;
  const download = makeDownload(
    deps,
    [
      titlePart(name, 'evaluation'),
      { text: words.t('evalui.export.file'), ascii: words.en('evalui.export.file') },
    ],
    format,
    EVALUATION_CONTENT_TYPES[format],
  );
  const write = async (out: Writable): Promise<number> => {
    if (format === 'xlsx') await writeScorecardXlsx(model, locale, out, deps.config.timeZone);
    else await writeScorecardCsv(model, locale, out, deps.config.timeZone);
    const rows = model.scored.scorecard.nodes.length;
    await audit(deps, actor, 'export.scorecard', { type: 'evaluation', id: model.evaluation.record.id }, { format, name, rows, file: download.fileName });
    return rows;
  };
  return { download, write };
}

/** The scorecard for the print page; printing it is audited like a download. */
export async function printScorecard(deps: Deps, actor: Actor, id: string, locale: Locale): Promise<ScorecardModel> {
  const model = await scorecardModel(deps, actor, id, locale);
  await audit(deps, actor, 'print.scorecard', { type: 'evaluation', id: model.evaluation.record.id }, { name: model.evaluation.record.name, rows: model.scored.scorecard.nodes.length });
  return model;
}
