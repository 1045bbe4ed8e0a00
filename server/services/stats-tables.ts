import type { Writable } from 'node:stream';
import archiver from 'archiver';
import { stringify } from 'csv-stringify/sync';
import ExcelJS from 'exceljs';
import { translator, type Locale, type Translate } from '../i18n';
import { audit } from './audit';
import type { Actor, Deps } from './context';
import { neutraliseFormula } from './exports';
import { methodology } from './methodology';
import { computeDashboard, filtersQuery, type DashboardStats, type Filters, type RespondentFigures } from './statistics';

type Cell = string | number | null;
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
 */
export function statisticsTables(stats: DashboardStats, locale: Locale): Table[] {
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
      [t('export.computedAt'), stats.computedAt],
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
      ...Object.entries(stats.quality.flags).map(([flag, n]) => [t(`flag.${flag}` as Parameters<Translate>[0]), n, stats.survey.qualityRules.includes(flag) ? t('review.ruleOn') : t('review.ruleOff')]),
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

/** Unique sheet names of at most 31 characters without the characters Excel forbids. */
function sheetName(name: string, used: Set<string>): string {
  const base = name.replace(/[\\/?*[\]:]/g, ' ').slice(0, 28);
  let n = base;
  for (let i = 2; used.has(n); i++) n = `${base}${i}`;
  used.add(n);
  return n;
}

export type StatsFormat = 'xlsx' | 'zip';

/** The statistics workbook (XLSX, one sheet per table) or the same tables as CSV files in a ZIP. */
export async function exportStatistics(deps: Deps, actor: Actor, surveyId: string, filters: Filters, format: StatsFormat, locale: Locale, out: Writable): Promise<void> {
  const stats = await computeDashboard(deps, actor, surveyId, filters);
  const tables = statisticsTables(stats, locale);
  if (format === 'xlsx') {
    const wb = new ExcelJS.stream.xlsx.WorkbookWriter({ stream: out, useStyles: true, useSharedStrings: false });
    const used = new Set<string>();
    for (const table of tables) {
      const sheet = wb.addWorksheet(sheetName(table.name, used));
      table.rows.forEach((r, i) => {
        const row = sheet.addRow(r);
        if (i === 0) row.font = { bold: true };
        row.commit();
      });
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
      const csv = stringify(table.rows, { bom: true, record_delimiter: 'windows', cast: { string: neutraliseFormula } });
      zip.append(csv, { name: `${String(i + 1).padStart(2, '0')}-${table.name.replace(/[\\/?*[\]:]/g, '_')}.csv` });
    });
    await zip.finalize();
    await done;
  }
  await audit(deps, actor, 'export.statistics', { type: 'survey', id: surveyId }, { format, filters: filtersQuery(filters), rows: stats.overall.received });
}
