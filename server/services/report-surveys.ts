import type { Binding } from '../domain/evaluation';
import type { QuestionRow, SurveySnapshot } from '../domain/report/satisfaction';
import { estimatorOf } from '../domain/pooled-evidence';
import { NotFoundError } from '../errors';
import { SYSTEM_ACTOR, type Deps } from './context';
import { computeDashboard, type DashboardStats, type Filters } from './statistics';

/**
 * The satisfaction evidence a report quotes, from the statistics service: one snapshot per bound
 * survey (and binding filters), over the whole project whoever asks, valid responses only.
 */

/** A dashboard's figures as the report's plain snapshot. */
export function snapshotOf(stats: DashboardStats, indicatorIds: string[], binding: Pick<Binding, 'dayFrom' | 'dayTo'>): SurveySnapshot {
  const o = stats.overall;
  const s = o.satisfaction;
  const days = stats.trend.filter((p) => p.received > 0).map((p) => p.bucket);
  const recipients = stats.bySite.reduce<number | null>((n, r) => (n === null || r.site.recipients === null ? null : n + r.site.recipients), 0);
  const flags = stats.quality.flags;
  const ruledOut = Math.max(0, stats.quality.received - stats.quality.valid - stats.quality.excluded);
  return {
    surveyId: stats.survey.id,
    title: stats.survey.title,
    isDemo: stats.survey.isDemo,
    indicatorIds,
    firstDay: binding.dayFrom ?? days[0] ?? null,
    lastDay: binding.dayTo ?? days[days.length - 1] ?? null,
    stations: stats.bySite.length,
    stationsAnswered: stats.bySite.filter((r) => r.valid > 0).length,
    received: o.received,
    valid: o.valid,
    recipients: stats.bySite.length ? recipients : null,
    responseRate: recipients ? Math.round((o.valid / recipients) * 10000) / 100 : null,
    index: s.index,
    indexCi: s.indexCi,
    rate: s.rate,
    rateCi: s.rateCi,
    required: o.required,
    adequate: o.adequate,
    excluded: stats.quality.excluded,
    ruledOut,
    flags,
    qualityRules: stats.survey.qualityRules,
    weights: stats.survey.weights,
    satisfiedLevels: stats.survey.satisfiedLevels,
    stationRows: stats.bySite.map((r) => ({
      code: r.site.code,
      name: r.site.name,
      recipients: r.site.recipients,
      received: r.received,
      valid: r.valid,
      index: r.satisfaction.index,
      indexCi: r.satisfaction.indexCi,
      rate: r.satisfaction.rate,
      rateCi: r.satisfaction.rateCi,
      required: r.required,
      adequate: r.adequate,
      responseRate: r.responseRate,
    })),
    dimensions: stats.dimensions.map((d) => ({ dimension: d.dimension, n: d.satisfaction.n, index: d.satisfaction.index, rate: d.satisfaction.rate })),
    questions: stats.questions.flatMap((q): QuestionRow[] =>
      q.type === 'likert5'
        ? [{ id: q.id, text: q.text, type: q.type, n: q.satisfaction.n, options: q.options.map((o) => ({ label: o.label, count: o.count, share: o.share })), index: q.satisfaction.index, rate: q.satisfaction.rate }]
        : q.type === 'single' || q.type === 'multi'
          ? [{ id: q.id, text: q.text, type: q.type, n: q.answered, options: q.options.map((o) => ({ label: o.label, count: o.count, share: o.share })), index: null, rate: null }]
          : [],
    ),
    computedAt: stats.computedAt,
    estimator: estimatorOf(o.estimator.weighting),
    respondents: s.n,
    missingPopulation: o.estimator.missingPopulation,
    insufficient: s.insufficient,
    threshold: stats.survey.threshold,
    allocation: o.allocation,
  };
}

/**
 * The snapshots of every bound survey: a survey bound by several indicators with the same stations
 * and days is one snapshot naming them all. A survey that no longer exists is left out.
 */
export async function surveySnapshots(deps: Deps, bindings: Readonly<Record<string, Binding>>, filtersOf: (b: Binding) => Filters): Promise<SurveySnapshot[]> {
  const groups = new Map<string, { surveyId: string; binding: Binding; indicatorIds: string[] }>();
  for (const [indicatorId, binding] of Object.entries(bindings)) {
    for (const surveyId of binding.surveyIds) {
      const key = JSON.stringify([surveyId, binding.siteIds ?? [], binding.dayFrom ?? '', binding.dayTo ?? '']);
      const g = groups.get(key) ?? groups.set(key, { surveyId, binding, indicatorIds: [] }).get(key)!;
      g.indicatorIds.push(indicatorId);
    }
  }
  const out: SurveySnapshot[] = [];
  for (const g of groups.values()) {
    try {
      const stats = await computeDashboard(deps, SYSTEM_ACTOR, g.surveyId, { ...filtersOf(g.binding), granularity: 'day' });
      out.push(snapshotOf(stats, g.indicatorIds, g.binding));
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }
  return out;
}
