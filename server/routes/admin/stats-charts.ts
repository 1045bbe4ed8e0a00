import type { QuestionSummary } from '../../domain/statistics';
import type { Translate } from '../../i18n';
import type { DashboardStats } from '../../services/statistics';

/**
 * Chart.js configurations (plain JSON: the page carries them in an escaped data- attribute and
 * public/js/charts.js draws them). Every chart also has a table on the page.
 */
type Config = Record<string, unknown>;

const LIKERT_COLOURS = ['#0b5d3b', '#4f9d69', '#a7c957', '#e9a23b', '#b23a48'];

export function stationChart(stats: DashboardStats, t: Translate): Config {
  const rows = stats.bySite.filter((s) => s.satisfaction.index !== null);
  return {
    type: 'bar',
    data: {
      labels: rows.map((s) => s.site.name),
      datasets: [
        {
          label: t('stats.index'),
          data: rows.map((s) => s.satisfaction.index),
          intervals: rows.map((s) => s.satisfaction.indexCi),
          backgroundColor: rows.map((s) => (s.adequate ? '#0b5d3b' : '#7a8a99')),
        },
      ],
    },
    options: { indexAxis: 'y', scales: { x: { min: 0, max: Math.max(100, ...stats.survey.weights) } }, plugins: { legend: { display: false } } },
  };
}

export function trendChart(stats: DashboardStats, t: Translate): Config {
  return {
    type: 'line',
    data: {
      labels: stats.trend.map((p) => p.bucket),
      datasets: [
        { label: t('stats.index'), data: stats.trend.map((p) => p.index), borderColor: '#0b5d3b', backgroundColor: '#0b5d3b', yAxisID: 'y' },
        { label: t('stats.validCount'), data: stats.trend.map((p) => p.valid), borderColor: '#0a4fa3', backgroundColor: '#0a4fa3', yAxisID: 'y1', type: 'bar' },
      ],
    },
    options: { scales: { y: { min: 0, max: Math.max(100, ...stats.survey.weights), position: 'left' }, y1: { min: 0, position: 'right', grid: { drawOnChartArea: false } } } },
  };
}

export function dimensionChart(stats: DashboardStats, t: Translate): Config {
  const dims = stats.dimensions;
  const label = (d: string) => (['attitude', 'competence', 'timeliness', 'effect', 'environment', 'overall', 'awareness'].includes(d) ? t(`dimension.${d}` as Parameters<Translate>[0]) : d);
  return {
    type: 'bar',
    data: {
      labels: dims.map((d) => label(d.dimension)),
      datasets: [{ label: t('stats.index'), data: dims.map((d) => d.satisfaction.index), intervals: dims.map((d) => d.satisfaction.indexCi), backgroundColor: '#0b5d3b' }],
    },
    options: { scales: { y: { min: 0, max: Math.max(100, ...stats.survey.weights) } }, plugins: { legend: { display: false } } },
  };
}

/** A 100% stacked bar of one Likert item (不了解 outside the denominator, so not drawn). */
export function likertChart(q: Extract<QuestionSummary, { type: 'likert5' }>): Config {
  const levels = q.options.filter((o) => o.id !== 'na');
  return {
    type: 'bar',
    data: {
      labels: [q.text.length > 24 ? `${q.text.slice(0, 24)}…` : q.text],
      datasets: levels.map((o, i) => ({ label: o.label, data: [o.share ?? 0], backgroundColor: LIKERT_COLOURS[i] })),
    },
    options: { indexAxis: 'y', scales: { x: { stacked: true, min: 0, max: 100 }, y: { stacked: true } }, aspectRatio: 5 },
  };
}

export function optionChart(q: Extract<QuestionSummary, { type: 'single' | 'multi' | 'rating' | 'nps' }>, t: Translate): Config {
  return {
    type: 'bar',
    data: { labels: q.options.map((o) => o.label), datasets: [{ label: t('stats.share'), data: q.options.map((o) => o.share ?? 0), backgroundColor: '#0a4fa3' }] },
    options: { indexAxis: q.type === 'rating' || q.type === 'nps' ? 'x' : 'y', scales: { [q.type === 'rating' || q.type === 'nps' ? 'y' : 'x']: { min: 0, max: 100 } }, plugins: { legend: { display: false } } },
  };
}
