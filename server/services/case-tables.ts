import type { Site } from '../../models/site';
import type { Cell } from '../documents/spreadsheet';
import type { CaseMetrics, CaseRate } from '../domain/cases/metrics';
import { roundTo } from '../domain/grading';
import { translator, type Locale } from '../i18n';

/** The 以评促改 sheet of the statistics workbook: one row overall, one per station; rates in percent. */
export function caseMetricsTable(metrics: { overall: CaseMetrics; sites: Map<string, CaseMetrics> }, sites: readonly Site[], locale: Locale): { name: string; rows: Cell[][] } {
  const t = translator(locale);
  const pct = (r: CaseRate): Cell => (r.rate === null ? null : roundTo(r.rate * 100, 2));
  const header: Cell[] = [
    t('cases.list.station'),
    t('cases.metrics.opened'),
    `${t('cases.metrics.callback')} (%)`,
    `${t('cases.metrics.onTimeContact')} (%)`,
    `${t('cases.metrics.rectified')} (%)`,
    `${t('cases.metrics.onTimeClosure')} (%)`,
    t('cases.metrics.medianDays'),
    `${t('cases.metrics.reopened')} (%)`,
    t('cases.metrics.late'),
    t('cases.metrics.appealed'),
  ];
  const row = (name: string, m: CaseMetrics): Cell[] => [name, m.opened, pct(m.callback), pct(m.onTimeContact), pct(m.rectified), pct(m.onTimeClosure), m.medianDaysToClose, pct(m.reopened), m.late, m.appealed];
  const byId = new Map(sites.map((s) => [s.id, s]));
  const stationRows = [...metrics.sites.entries()]
    .map(([id, m]) => ({ site: byId.get(id), id, m }))
    .sort((a, b) => (a.site?.code ?? a.id).localeCompare(b.site?.code ?? b.id))
    .map(({ site, id, m }) => row(site ? `${site.code} ${site.name}` : id, m));
  return { name: t('cases.metrics.heading'), rows: [header, row(t('cases.metrics.overall'), metrics.overall), ...stationRows, [t('cases.metrics.note')]] };
}
