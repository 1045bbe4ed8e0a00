import type { Site } from '../../models/site';
import type { Survey } from '../../models/survey';
import type { CaseMetrics } from '../domain/cases/metrics';
import type { Locale } from '../i18n';
import { audit } from './audit';
import { caseStationRows, surveyCaseMetrics } from './cases';
import type { Actor, Deps } from './context';
import { restrictSites } from './permissions';
import { listComments, type CommentRow } from './responses-view';
import { computeDashboard, filtersQuery, type DashboardStats, type Filters } from './statistics';
import { statisticsTables, type Table } from './stats-tables';
import { getSurvey } from './surveys';

export interface AnalysisReport {
  survey: Survey;
  stats: DashboardStats;
  tables: Table[];
  /** The latest valid comments (at most 30) and how many responses have one. */
  comments: CommentRow[];
  commentTotal: number;
  /** 以评促改: the cases bad reviews opened, over the report's stations and period (a segment or channel filter does not apply to cases). */
  cases: { metrics: { overall: CaseMetrics; sites: Map<string, CaseMetrics> }; stationRows: { site: Site | undefined; m: CaseMetrics }[]; segmentFiltered: boolean };
}

/**
 * 满意度调查分析报告: the dashboard's numbers as tables and the latest comments, for the print page.
 * Opening it is audited like a download (it is printed to PDF and handed on), with its filters.
 */
export async function analysisReport(deps: Deps, actor: Actor, surveyId: string, filters: Filters, locale: Locale): Promise<AnalysisReport> {
  const survey = await getSurvey(deps, surveyId);
  const stats = await computeDashboard(deps, actor, survey.id, filters);
  const comments = await listComments(deps, actor, survey.id, filters, { search: '', page: 1, pageSize: 30 });
  const stationIds = restrictSites(actor, filters.sites);
  const codes = stationIds ? new Map((await deps.store.sites.list({ ids: stationIds })).map((s) => [s.id, s.code])) : null;
  const metrics = await surveyCaseMetrics(deps, actor, survey.id, { siteIds: stationIds ?? undefined, dayFrom: filters.from, dayTo: filters.to });
  const caseSites = new Map((await deps.store.sites.list({ ids: [...metrics.sites.keys()] })).map((s) => [s.id, s]));
  const stationRows = caseStationRows(metrics.sites, caseSites);
  await audit(deps, actor, 'print.report', { type: 'survey', id: survey.id }, {
    filters: filtersQuery(filters),
    stations: stationIds ? stationIds.map((id) => codes?.get(id) ?? id) : null,
    rows: stats.overall.received,
  });
  return {
    survey,
    stats,
    tables: statisticsTables(stats, locale, survey.timeZone),
    comments: comments.rows.filter((c) => c.valid),
    commentTotal: comments.total,
    cases: { metrics, stationRows, segmentFiltered: filters.segments !== undefined || filters.channels !== undefined },
  };
}
