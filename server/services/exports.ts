import { once } from 'node:events';
import type { Writable } from 'node:stream';
import ExcelJS from 'exceljs';
import { CHANNELS, type AnswerValue, type ResponseForTable, type SurveyResponse } from '../../models/response';
import type { Question, Survey } from '../../models/survey';
import { addXlsxRow, csvBatch, localDayCell, sheetNamer, timeCell, type Cell } from '../documents/spreadsheet';
import { answerText } from '../domain/answers';
import { codeCell, wellFormedDeep } from '../domain/cell-text';
import { countingStatus, type CountingStatus } from '../domain/quality';
import { zoneName } from '../domain/time';
import { translator, type Locale } from '../i18n';
import { audit } from './audit';
import type { Actor, Deps } from './context';
import { makeDownload, nameWords, titlePart, scopeParts, type PreparedDownload } from './downloads';
import { restrictSites } from './permissions';
import { responseFilter } from './responses-view';
import { statusText } from './review-words';
import { allQuestions, filtersQuery, type Filters } from './statistics';
import { getSurvey } from './surveys';

export const EXPORT_FORMATS = ['csv', 'xlsx', 'ndjson'] as const;

/** Content types of every downloadable file (responses, statistics). */
export const CONTENT_TYPES = {
  csv: 'text/csv; charset=utf-8',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  ndjson: 'application/x-ndjson; charset=utf-8',
  zip: 'application/zip',
} as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export interface ExportOptions {
  locale: Locale;
  /** Option ids instead of labels in the answer columns (a "code-valued" file for statistics software). */
  codes: boolean;
}

/**
 * Header and row builder for the raw-responses export: one row per response, one column per
 * question. `names` maps user ids to usernames for the counting status in words. Times are in the
 * survey's time zone (the zone its local days are counted in), named in the header. In the coded
 * variant, option ids that are whole numbers (Likert 5..1) are numbers; ratings, NPS and number
 * answers are numbers in both. `row` takes the response's counting status when the caller has
 * already worked it out. Words every row repeats (channels, yes/no) are looked up once per table:
 * a million-row export builds a million rows.
 */
export function responseTable(survey: Survey, questions: Question[], sites: Map<string, { code: string; name: string }>, options: ExportOptions, names: ReadonlyMap<string, string> = new Map()) {
  const t = translator(options.locale);
  const zone = zoneName(survey.timeZone, t('time.beijing'));
  const fixed = [
    t('export.col.id'),
    t('export.col.version'),
    t('export.col.stationCode'),
    t('export.col.stationName'),
    t('export.col.channel'),
    t('export.col.paperDate'),
    t('export.col.submitted', { zone }),
    t('export.col.seconds'),
    t('export.col.flags'),
    t('export.col.valid'),
    t('export.col.status'),
    t('export.col.reviewReason'),
  ];
  const header = [...fixed, ...questions.map((q, i) => `${i + 1}. ${q.text}${options.codes ? ` [${q.id}]` : ''}`)];
  const label = (q: Question, v: AnswerValue | undefined): Cell => {
    if (v === undefined || v === null) return null;
    if (typeof v === 'number') return v;
    if (options.codes) return Array.isArray(v) ? v.map(String).join(',') : codeCell(String(v));
    return answerText(q, v, '；');
  };
  const channelWords = new Map<string, string>(CHANNELS.map((c) => [c, t(`channel.${c}`)]));
  const channelWord = (channel: string) => channelWords.get(channel) ?? t(`channel.${channel}` as Parameters<typeof t>[0]);
  const flagWord = (f: string) => (options.codes ? f : t(`flag.${f}` as Parameters<typeof t>[0]));
  const flagSeparator = options.codes ? ',' : '；';
  const [yes, no] = [t('common.yes'), t('common.no')];
  const row = (r: ResponseForTable, status: CountingStatus = countingStatus(r, survey.settings.qualityRules)): Cell[] => {
    const site = sites.get(r.siteId);
    const cells: Cell[] = [
      r.id,
      r.version,
      site?.code ?? r.siteId,
      site?.name ?? '',
      channelWord(r.channel),
      localDayCell(r.paperDate),
      timeCell(r.submittedAt, survey.timeZone),
      Math.round(r.durationMs / 1000),
      r.flags.length ? r.flags.map(flagWord).join(flagSeparator) : '',
      status.counts ? yes : no,
      options.codes ? status.kind : statusText(t, status, names, survey.timeZone),
      r.reviewReason,
    ];
    for (const q of questions) cells.push(label(q, r.answers[q.id]));
    return cells;
  };
  return { header, row };
}

/**
 * exceljs's streaming writer pushes committed rows into its zip entry without back-pressure, so
 * rows produced faster than the zip deflates them (or than a slow client reads) pile up in memory.
 * The sheet's stream feeds a PassThrough that archiver reads; while that holds more than `limit`
 * bytes not yet taken by the zip, stop producing rows. (exceljs internals: if they change and the
 * PassThrough is not found, the gate does nothing and the export still works.)
 */
function sheetGate(sheet: unknown, limit = 2 ** 20) {
  type State = { length?: number };
  type Pipe = { writableLength?: number; readableLength?: number; _writableState?: State; _readableState?: State };
  const pending = () => {
    const pipes = (sheet as { stream?: { pipes?: Pipe[] } }).stream?.pipes ?? [];
    // archiver uses readable-stream's PassThrough, which may predate the *Length getters.
    return pipes.reduce((n, p) => n + (p.writableLength ?? p._writableState?.length ?? 0) + (p.readableLength ?? p._readableState?.length ?? 0), 0);
  };
  return {
    async wait(): Promise<void> {
      while (pending() > limit) await new Promise((resolve) => setTimeout(resolve, 1));
    },
  };
}

/**
 * Rows stringified and written at once in a CSV export (about 30 KiB of text for the template
 * survey): short-lived like the store's batches (see TABLE_BATCH), so memory stays flat.
 */
const CSV_BATCH_ROWS = 128;

/** Waits when the destination is full, so a million rows never pile up in memory. */
async function write(out: Writable, chunk: string | Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain');
}

export interface ExportRequest {
  surveyId: string;
  filters: Filters;
  format: ExportFormat;
  options: ExportOptions;
}

/**
 * Checks the request (survey, filters, permission) and names the file: survey title, what it
 * holds (valid or all responses, labels or codes), its stations and period, and the local time.
 * `write` then streams every response matching the dashboard filters (raw basis: all received;
 * the validity column says which count) from the store in CSV (UTF-8 with BOM, CRLF, quoted and
 * formula-safe per CSV_OPTIONS), XLSX (exceljs streaming writer, XML-safe, times as date-times)
 * or NDJSON (one well-formed JSON object per line), and audits it with its row count.
 */
export async function prepareResponsesExport(deps: Deps, actor: Actor, req: ExportRequest): Promise<PreparedDownload> {
  const survey = await getSurvey(deps, req.surveyId);
  const questions = await allQuestions(deps, survey);
  const siteList = await deps.store.sites.list();
  const sites = new Map(siteList.map((s) => [s.id, { code: s.code, name: s.name }]));
  const filter = responseFilter(actor, survey.id, req.filters);
  const rules = survey.settings.qualityRules;
  const raw = req.filters.mode === 'raw';
  const valid = (r: SurveyResponse) => raw || countingStatus(r, rules).counts;
  const words = nameWords(req.options.locale);
  const stationIds = restrictSites(actor, req.filters.sites);
  const download = makeDownload(
    deps,
    [
      titlePart(survey.title, 'survey'),
      { text: words.t('export.file.responses'), ascii: words.en('export.file.responses') },
      ...(req.filters.mode === 'raw' ? [{ text: words.t('download.withInvalid'), ascii: words.en('download.withInvalid') }] : []),
      ...(req.options.codes ? [{ text: words.t('download.codes'), ascii: words.en('download.codes') }] : []),
      ...scopeParts(words, siteList, stationIds, req.filters),
    ],
    req.format,
    CONTENT_TYPES[req.format],
  );

  const writeFile = async (out: Writable): Promise<number> => {
    const names = new Map((await deps.store.users.list()).map((u) => [u.id, u.username]));
    const { header, row } = responseTable(survey, questions, sites, req.options, names);
    let rows = 0;
    if (req.format === 'csv') {
      // The store's batches of the columns shown, and csv-stringify's synchronous API over batches of
      // rows: one write per batch rather than a stream transform per row (the library still quotes
      // and casts every field), and no promise awaited per row.
      let batch: Cell[][] = [header];
      let first = true;
      for await (const responses of deps.store.responses.streamForTable(filter)) {
        for (const r of responses) {
          const status = countingStatus(r, rules);
          if (!raw && !status.counts) continue;
          batch.push(row(r, status));
          rows++;
          if (batch.length >= CSV_BATCH_ROWS) {
            await write(out, csvBatch(batch, first));
            first = false;
            batch = [];
          }
        }
      }
      out.end(batch.length || first ? csvBatch(batch, first) : undefined);
      await once(out, 'finish');
    } else if (req.format === 'ndjson') {
      for await (const r of deps.store.responses.stream(filter)) {
        if (!valid(r)) continue;
        const { deviceHash: _d, ipHash: _i, submissionToken: _s, ...safe } = r;
        const status = countingStatus(r, rules);
        // JSON.stringify escapes every control character and line break; lone surrogates become U+FFFD.
        await write(out, JSON.stringify(wellFormedDeep({ ...safe, siteCode: sites.get(r.siteId)?.code ?? null, valid: status.counts, status: status.kind })) + '\n');
        rows++;
      }
      out.end();
      await once(out, 'finish');
    } else {
      // Styles on: date-time cells need their number format, or Excel shows a bare serial number.
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
      const sheet = wb.addWorksheet(sheetNamer()(translator(req.options.locale)('export.sheet.responses')));
      const zipGate = sheetGate(sheet);
      addXlsxRow(sheet, header, { bold: true }).commit();
      for await (const responses of deps.store.responses.streamForTable(filter)) {
        for (const r of responses) {
          const status = countingStatus(r, rules);
          if (!raw && !status.counts) continue;
          // Text stays a text cell: Excel shows it and never evaluates it.
          addXlsxRow(sheet, row(r, status)).commit();
          rows++;
          // exceljs buffers committed rows without back-pressure until its zip stream reads them; wait
          // for a slow client (or disk) to catch up, so memory stays bounded however many rows there are.
          if (rows % 500 === 0) await zipGate.wait();
        }
      }
      sheet.commit();
      await wb.commit();
    }
    await audit(deps, actor, 'export.responses', { type: 'survey', id: survey.id }, {
      format: req.format,
      codes: req.options.codes,
      filters: filtersQuery(req.filters),
      stations: stationIds ? stationIds.map((id) => sites.get(id)?.code ?? id) : null,
      rows,
      file: download.fileName,
    });
    return rows;
  };
  return { download, write: writeFile };
}

/** Prepares and writes in one step (the CLI and benchmarks, which name their own file). */
export async function exportResponses(deps: Deps, actor: Actor, req: ExportRequest, out: Writable): Promise<number> {
  return (await prepareResponsesExport(deps, actor, req)).write(out);
}
