import { levelOf, type Granularity, type QuestionSummary } from '../../domain/statistics';
import type { Translate } from '../../i18n';
import type { DashboardStats } from '../../services/statistics';
import { dimensionLabel } from '../../services/stats-tables';

/**
 * Chart.js configurations (plain JSON: the page carries them in an escaped data- attribute and
 * public/js/charts.js draws them). Every chart also has a table on the page, and its axes say what
 * they measure and in which unit.
 */
type Config = Record<string, unknown>;

/**
 * One diverging scale for the satisfaction levels on every chart, 非常不满意 red → 非常满意 green
 * (each ≥ 3:1 against white, as graphics need; the legend's text is the page's ink). Keyed by level;
 * public/css/app.css's .level-N swatches use the same colours.
 */
export const LEVEL_COLOURS: Record<number, string> = { 5: '#1b7837', 4: '#5a9e3a', 3: '#a07800', 2: '#d6604d', 1: '#b2182b' };
/** Counts and non-satisfaction options: a neutral blue that is not on the satisfaction scale. */
const NEUTRAL = '#0a4fa3';
const INK = '#1a1f24';

const axisTitle = (text: string) => ({ display: true, text, color: INK, font: { weight: 'bold' } });
const colourOf = (value: number | null, weights: readonly number[]) => (value === null ? '#c9d0d6' : LEVEL_COLOURS[levelOf(value, weights)]);
const indexAxis = (stats: DashboardStats, t: Translate) => ({ min: Math.min(0, ...stats.survey.weights), max: Math.max(100, ...stats.survey.weights), title: axisTitle(t('est.axis.index')) });

/** The station ranking: each station's index with its 95% interval as error bars, coloured by level. */
export function stationChart(stats: DashboardStats, t: Translate): Config {
  const rows = stats.bySite.filter((s) => s.satisfaction.index !== null);
  return {
    type: 'bar',
    data: {
      labels: rows.map((s) => (s.satisfaction.insufficient ? `${s.site.name}（${t('est.insufficient')}）` : s.site.name)),
      datasets: [
        {
          label: t('stats.index'),
          data: rows.map((s) => s.satisfaction.index),
          intervals: rows.map((s) => s.satisfaction.indexCi),
          backgroundColor: rows.map((s) => colourOf(s.satisfaction.index, stats.survey.weights)),
        },
      ],
    },
    options: { indexAxis: 'y', scales: { x: indexAxis(stats, t), y: { title: axisTitle(t('est.axis.station')) } }, plugins: { legend: { display: false } } },
  };
}

export function trendChart(stats: DashboardStats, t: Translate): Config {
  const g: Granularity = stats.trendGranularity;
  return {
    type: 'line',
    data: {
      labels: stats.trend.map((p) => p.bucket),
      datasets: [
        {
          label: t('stats.index'),
          data: stats.trend.map((p) => p.index),
          borderColor: INK,
          backgroundColor: INK,
          pointBackgroundColor: stats.trend.map((p) => colourOf(p.index, stats.survey.weights)),
          pointBorderColor: INK,
          pointRadius: 5,
          yAxisID: 'y',
        },
        { label: t('stats.validCount'), data: stats.trend.map((p) => p.valid), borderColor: NEUTRAL, backgroundColor: 'rgba(10, 79, 163, 0.25)', yAxisID: 'y1', type: 'bar' },
      ],
    },
    options: {
      scales: {
        x: { title: axisTitle(t(`est.axis.period.${g}`)) },
        y: { ...indexAxis(stats, t), position: 'left' },
        y1: { min: 0, position: 'right', grid: { drawOnChartArea: false }, title: axisTitle(t('est.axis.valid')), ticks: { precision: 0 } },
      },
    },
  };
}

export function dimensionChart(stats: DashboardStats, t: Translate): Config {
  const dims = stats.dimensions;
  return {
    type: 'bar',
    data: {
      labels: dims.map((d) => dimensionLabel(t, d.dimension)),
      datasets: [
        {
          label: t('stats.index'),
          data: dims.map((d) => d.satisfaction.index),
          intervals: dims.map((d) => d.satisfaction.indexCi),
          backgroundColor: dims.map((d) => colourOf(d.satisfaction.index, stats.survey.weights)),
        },
      ],
    },
    options: { scales: { y: indexAxis(stats, t), x: { title: axisTitle(t('est.axis.dimension')) } }, plugins: { legend: { display: false } } },
  };
}

/** A 100% stacked bar of one Likert item, 非常不满意 on the left (不了解 outside the denominator, so not drawn). */
export function likertChart(q: Extract<QuestionSummary, { type: 'likert5' }>, t: Translate): Config {
  const levels = q.options.filter((o) => o.id !== 'na').reverse();
  return {
    type: 'bar',
    data: {
      labels: [q.text.length > 24 ? `${q.text.slice(0, 24)}…` : q.text],
      datasets: levels.map((o) => ({ label: o.label, data: [o.share ?? 0], backgroundColor: LEVEL_COLOURS[Number(o.id)] ?? NEUTRAL })),
    },
    options: { indexAxis: 'y', scales: { x: { stacked: true, min: 0, max: 100, title: axisTitle(t('est.axis.share')) }, y: { stacked: true } }, aspectRatio: 4 },
  };
}

export function optionChart(q: Extract<QuestionSummary, { type: 'single' | 'multi' | 'rating' | 'nps' }>, t: Translate): Config {
  const vertical = q.type === 'rating' || q.type === 'nps';
  return {
    type: 'bar',
    data: { labels: q.options.map((o) => o.label), datasets: [{ label: t('stats.share'), data: q.options.map((o) => o.share ?? 0), backgroundColor: NEUTRAL }] },
    options: {
      indexAxis: vertical ? 'x' : 'y',
      scales: { [vertical ? 'y' : 'x']: { min: 0, max: 100, title: axisTitle(t('est.axis.share')) }, [vertical ? 'x' : 'y']: { title: axisTitle(t('est.axis.option')) } },
      plugins: { legend: { display: false } },
    },
  };
}
