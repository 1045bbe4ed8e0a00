import type { Writable } from 'node:stream';
import archiver from 'archiver';
import ExcelJS from 'exceljs';
import { addXlsxRow, csvDocument, sheetNamer, timeCell, type Cell } from '../documents/spreadsheet';
import { cleanNamePart } from '../domain/download-name';
import { zoneName } from '../domain/time';
import { translator, type Locale, type Translate } from '../i18n';
import { audit } from './audit';
import { surveyCaseMetrics } from './cases';
import { caseMetricsTable } from './case-tables';
import type { Actor, Deps } from './context';
import { flagEffectText } from './review-words';
import { makeDownload, nameWords, titlePart, scopeParts, type PreparedDownload } from './downloads';
import { CONTENT_TYPES } from './exports';
import { restrictSites } from './permissions';
import { methodology } from './methodology';
import { computeDashboard, filtersQuery, type DashboardStats, type Filters, type RespondentFigures } from './statistics';
import { getSurvey } from './surveys';

export interface Table {
  /** Sheet name (≤ 31 characters) and CSV file name. */
  name: string;
  rows: Cell[][];
}

const ci = (c: [number, number] | null) => (c ? `${c[0]} – ${c[1]}` : '');
const DIMENSION_KEYS = ['attitude', 'competence', 'timeliness', 'effect', 'environment', 'overall', 'awareness'];

export function dimensionLabel(t: Translate, d: string): string {
  return DIMENSION_KEYS.includes(d) ? t(`dimension.${d}` as Parameters<Translate>[0]) : d;
}

/**
 * The statistics as tables — exactly the dashboard's numbers — for the workbook sheets and the
 * CSV files in the ZIP: overview, each question, stations, segments, trend, data quality, method.
 * The computation time is shown in `timeZone` (the survey's), named in its label.
 */
export function statisticsTables(stats: DashboardStats, locale: Locale, timeZone: string): Table[] {
  const t = translator(locale);
  const o = stats.overall;
  const s = o.satisfaction;
  const tables: Table[] = [];
  /** An interval as a cell, or 样本不足 where there are too few respondents for one. */
  const interval = (f: RespondentFigures, which: 'indexCi' | 'rateCi') => (f.insufficient && f.n > 0 ? t('est.insufficient') : ci(f[which]));
  const list = (names: string[]) => names.join(t('common.listSep'));
  const estimator = o.estimator.weighting === 'population' ? t('est.estimator.stratified-population') : `${t('est.estimator.stratified-respondents')}: ${list(o.estimator.missingPopulation)}`;
  tables.push({
    name: t('export.sheet.overview'),
    rows: [
      [t('export.item'), t('export.value')],
      [t('survey.titleLabel'), stats.survey.title],
      [t('export.basis'), stats.filters.mode === 'raw' ? t('stats.mode.raw') : t('stats.mode.valid')],
      [t('stats.filters'), filtersQuery(stats.filters) || t('common.none')],
      [t('stats.received'), o.received],
      [t('stats.valid'), o.valid],
      [t('stats.validRate'), o.validRate],
      [t('est.respondents'), s.n],
      [t('est.estimatorLabel'), estimator],
      [t('stats.index'), s.index],
      [`${t('stats.index')} ${t('stats.ci95')}`, interval(s, 'indexCi')],
      [`${t('stats.rate')} (%)`, s.rate],
      [`${t('stats.rate')} ${t('stats.ci95')} (%)`, interval(s, 'rateCi')],
      ...(o.estimator.emptyStrata.length ? [[t('est.emptyStrata', { names: list(o.estimator.emptyStrata) }), null]] : []),
      [t('est.pooledNote', { index: o.pooled.index ?? '—', rate: o.pooled.rate === null ? '—' : `${o.pooled.rate}%` }), null],
      [`${t('stats.requiredShort')} (${t(`est.allocation.${o.allocation}`)})`, o.required],
      [`${t('est.requiredOwn')} Σ`, o.stationsRequired],
      [t('est.moeShort'), o.moe],
      [t('stats.sample'), o.adequate ? t('stats.adequate') : t('stats.inadequate')],
      [t('download.computedAt', { zone: zoneName(timeZone, t('time.beijing')) }), timeCell(stats.computedAt, timeZone)],
      ...(stats.survey.isDemo ? [[t('demo.badge'), t('demo.label')]] : []),
    ],
  });
  const q: Cell[][] = [[t('export.question'), t('stats.option'), t('stats.count'), `${t('stats.share')} (%)`, t('stats.index'), `${t('stats.rate')} (%)`, t('export.mean'), t('export.note')]];
  stats.questions.forEach((qs, i) => {
    const title = `${i + 1}. ${qs.text}`;
    if (qs.type === 'likert5') {
      for (const opt of qs.options) q.push([title, opt.label, opt.count, opt.share, null, null, null, opt.share === null ? t('stats.notInDenominator') : null]);
      q.push([title, t('export.summary'), qs.satisfaction.n, null, qs.satisfaction.index, qs.satisfaction.rate, null, qs.satisfaction.insufficient && qs.satisfaction.n > 0 ? t('est.insufficient') : `${t('stats.ci95')} ${ci(qs.satisfaction.indexCi)}`]);
    } else if (qs.type === 'single' || qs.type === 'multi' || qs.type === 'rating' || qs.type === 'nps') {
      for (const opt of qs.options) q.push([title, opt.label, opt.count, opt.share, null, null, null, null]);
      if (qs.type === 'rating' || qs.type === 'nps') q.push([title, t('export.summary'), qs.answered, null, null, null, qs.mean, qs.type === 'nps' ? `NPS ${qs.nps ?? ''}` : `${t('export.median')} ${qs.median ?? ''}`]);
      if (qs.type === 'multi') q.push([title, t('export.summary'), qs.answered, null, null, null, null, t('stats.multiNote')]);
    } else if (qs.type === 'number') {
      q.push([title, t('export.summary'), qs.answered, null, null, null, qs.mean, `SD ${qs.sd ?? ''}`]);
    } else {
      q.push([title, t('stats.answered'), qs.answered, null, null, null, null, null]);
    }
  });
  tables.push({ name: t('export.sheet.questions'), rows: q });
  tables.push({
    name: t('export.sheet.stations'),
    rows: [
      [
        t('export.col.stationCode'),
        t('export.col.stationName'),
        t('export.recipients'),
        t('stats.received'),
        t('stats.valid'),
        `${t('stats.validRate')} (%)`,
        t('est.respondents'),
        t('stats.index'),
        t('stats.ci95'),
        `${t('stats.rate')} (%)`,
        `${t('stats.ci95')} (%)`,
        `${t('est.weight')} (%)`,
        t('est.requiredOwn'),
        t('est.share'),
        t('est.moeShort'),
        t('stats.sample'),
        `${t('stats.responseRate')} (%)`,
      ],
      ...stats.bySite.map((r) => [
        r.site.code,
        r.site.name,
        r.site.recipients,
        r.received,
        r.valid,
        r.validRate,
        r.satisfaction.n,
        r.satisfaction.index,
        interval(r.satisfaction, 'indexCi'),
        r.satisfaction.rate,
        interval(r.satisfaction, 'rateCi'),
        r.weight,
        r.required,
        r.allocated,
        r.moe,
        r.adequate ? t('stats.adequate') : t('stats.inadequate'),
        r.responseRate,
      ]),
      [t('est.total'), null, null, o.received, o.valid, o.validRate, s.n, s.index, interval(s, 'indexCi'), s.rate, interval(s, 'rateCi'), 100, o.stationsRequired, o.required, o.moe, o.adequate ? t('stats.adequate') : t('stats.inadequate'), null],
    ],
  });
  tables.push({
    name: t('export.sheet.segments'),
    rows: [
      [t('survey.segment'), t('stats.received'), t('stats.valid'), t('est.respondents'), t('stats.index'), t('stats.ci95'), `${t('stats.rate')} (%)`, `${t('stats.ci95')} (%)`],
      ...stats.bySegment.map((g) => [g.label, g.received, g.valid, g.satisfaction.n, g.satisfaction.index, interval(g.satisfaction, 'indexCi'), g.satisfaction.rate, interval(g.satisfaction, 'rateCi')]),
    ],
  });
  tables.push({
    name: t('export.sheet.dimensions'),
    rows: [
      [t('survey.dimension'), t('est.respondents'), t('stats.index'), t('stats.ci95'), `${t('stats.rate')} (%)`, `${t('stats.ci95')} (%)`, t('stats.answers'), t('likert.na')],
      ...stats.dimensions.map((d) => [
        dimensionLabel(t, d.dimension),
        d.satisfaction.n,
        d.satisfaction.index,
        interval(d.satisfaction, 'indexCi'),
        d.satisfaction.rate,
        interval(d.satisfaction, 'rateCi'),
        d.answers.n,
        d.answers.notApplicable,
      ]),
    ],
  });
  tables.push({
    name: t('export.sheet.trend'),
    rows: [
      [t('stats.period'), t('stats.received'), t('stats.valid'), t('est.respondents'), t('stats.index'), `${t('stats.rate')} (%)`, t('export.note')],
      ...stats.trend.map((p) => [p.bucket, p.received, p.valid, p.respondents, p.index, p.rate, p.insufficient && p.respondents > 0 ? t('est.insufficient') : null]),
    ],
  });
  tables.push({
    name: t('export.sheet.quality'),
    rows: [
      [t('export.item'), t('stats.count'), t('export.note')],
      [t('stats.received'), stats.quality.received, null],
      [t('stats.valid'), stats.quality.valid, null],
      [t('review.excludedCount'), stats.quality.excluded, null],
      [t('review.keptCount'), stats.quality.kept, null],
      ...Object.entries(stats.quality.flags).map(([flag, n]) => [t(`flag.${flag}` as Parameters<Translate>[0]), n, flagEffectText(t, flag, stats.survey.qualityRules)]),
    ],
  });
  tables.push({
    name: t('export.sheet.method'),
    rows: [
      [t('export.item'), t('export.value')],
      [t('survey.weights'), stats.survey.weights.join(' / ')],
      [t('survey.satisfiedLevels'), stats.survey.satisfiedLevels.map((l) => t(`likert.${l}` as Parameters<Translate>[0])).join(t('common.listSep'))],
      [t('survey.qualityRules'), stats.survey.qualityRules.map((r) => t(`flag.${r}` as Parameters<Translate>[0])).join(t('common.listSep')) || t('common.none')],
      ...methodology(stats, t).map((m) => [m.item, m.text]),
    ],
  });
  return tables;
}

export type StatsFormat = 'xlsx' | 'zip';

/**
 * The statistics workbook (XLSX, one sheet per table: strings XML-safe, numbers numeric, the
 * computation time a date-time) or the same tables as CSV files in a ZIP (quoted and formula-safe
 * per CSV_OPTIONS). The file is named after the survey, its stations and period, and audited.
 */
export async function prepareStatisticsExport(deps: Deps, actor: Actor, surveyId: string, filters: Filters, format: StatsFormat, locale: Locale): Promise<PreparedDownload> {
  const survey = await getSurvey(deps, surveyId);
  const stats = await computeDashboard(deps, actor, survey.id, filters);
  const tables = statisticsTables(stats, locale, survey.timeZone);
  const siteList = await deps.store.sites.list();
  // The 以评促改 sheet goes before the methodology, which stays last.
  tables.splice(tables.length - 1, 0, caseMetricsTable(await surveyCaseMetrics(deps, actor, survey.id), siteList, locale));
  const stationIds = restrictSites(actor, filters.sites);
  const words = nameWords(locale);
  const download = makeDownload(
    deps,
    [
      titlePart(survey.title, 'survey'),
      { text: words.t('export.file.statistics'), ascii: words.en('export.file.statistics') },
      ...(filters.mode === 'raw' ? [{ text: words.t('download.withInvalid'), ascii: words.en('download.withInvalid') }] : []),
      ...scopeParts(words, siteList, stationIds, filters),
    ],
    format,
    CONTENT_TYPES[format],
  );
  const write = async (out: Writable): Promise<number> => {
    if (format === 'xlsx') {
      const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
      const name = sheetNamer();
      for (const table of tables) {
        const sheet = wb.addWorksheet(name(table.name));
        table.rows.forEach((r, i) => addXlsxRow(sheet, r, { bold: i === 0 }).commit());
        sheet.commit();
      }
      await wb.commit();
    } else {
      const zip = archiver('zip', { zlib: { level: 6 } });
      const done = new Promise<void>((resolve, reject) => {
        out.on('finish', resolve);
        zip.on('error', reject);
      });
      zip.pipe(out);
      tables.forEach((table, i) => {
        const csv = csvDocument(table.rows);
        const entry = cleanNamePart(table.name) || 'table';
        zip.append(csv, { name: `${String(i + 1).padStart(2, '0')}-${entry}.csv` });
      });
      await zip.finalize();
      await done;
    }
    const sites = new Map(siteList.map((s) => [s.id, s.code]));
    await audit(deps, actor, 'export.statistics', { type: 'survey', id: survey.id }, {
      format,
      filters: filtersQuery(filters),
      stations: stationIds ? stationIds.map((id) => sites.get(id) ?? id) : null,
      rows: stats.overall.received,
      file: download.fileName,
    });
    return stats.overall.received;
  };
  return { download, write };
}

/** Prepares and writes in one step. */
export async function exportStatistics(deps: Deps, actor: Actor, surveyId: string, filters: Filters, format: StatsFormat, locale: Locale, out: Writable): Promise<number> {
  return (await prepareStatisticsExport(deps, actor, surveyId, filters, format, locale)).write(out);
}
