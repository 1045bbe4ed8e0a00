import { createCanvas, GlobalFonts } from '@napi-rs/canvas';
import type * as ChartJs from 'chart.js' with { 'resolution-mode': 'import' };
import type { ChartSpec } from '../domain/report/model';
import { fontPath } from './fonts';

/**
 * The report's charts as PNG: Chart.js drawing on a server-side canvas (@napi-rs/canvas, no
 * browser) with the bundled Noto Sans SC, so Chinese labels come out the same on every server.
 * The same picture goes into the Word file and the print page. Drawing is deterministic: the same
 * figures give the same bytes, which keeps a locked report's file stable.
 */

// chart.js ships its types as an ES module; its CommonJS build (dist/chart.cjs) is what Node and jest load.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { Chart, registerables } = require('chart.js') as typeof ChartJs;
type ChartConfiguration<T extends ChartJs.ChartType> = ChartJs.ChartConfiguration<T>;
type Plugin = ChartJs.Plugin;

const FAMILY = 'ManyiReport';
let ready = false;

function prepare(): void {
  if (ready) return;
  GlobalFonts.registerFromPath(fontPath('regular'), FAMILY);
  Chart.register(...registerables);
  ready = true;
}

/** Pixels: the chart is drawn at twice the size it is shown, so it stays sharp in print. */
export const CHART_WIDTH = 1600;
const FONT = 22;

export function chartHeight(spec: ChartSpec): number {
  const rows = spec.labels.length;
  return spec.horizontal ? Math.max(360, 140 + rows * (spec.stacked ? 56 : 48) + (spec.legend ? 60 : 0)) : 700;
}

/** White paper behind the chart (a canvas starts transparent). */
const background: Plugin = {
  id: 'manyiBackground',
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

/** Each bar's figure at its end (unstacked charts), so the picture can be read without the table. */
const values: Plugin = {
  id: 'manyiValues',
  afterDatasetsDraw(chart) {
    const cfg = chart.config as { type?: string; options?: { plugins?: { manyiValues?: { show?: boolean } } } };
    if (!cfg.options?.plugins?.manyiValues?.show) return;
    const { ctx } = chart;
    ctx.save();
    ctx.font = `${FONT}px ${FAMILY}`;
    ctx.fillStyle = '#222222';
    ctx.textBaseline = 'middle';
    chart.data.datasets.forEach((dataset, d) => {
      chart.getDatasetMeta(d).data.forEach((bar, i) => {
        const v = dataset.data[i];
        if (typeof v !== 'number') return;
        const { x, y } = bar.getProps(['x', 'y'], true) as { x: number; y: number };
        ctx.fillText(String(v), x + 8, y);
      });
    });
    ctx.restore();
  },
};

/** One chart as PNG bytes, with its pixel size. */
export async function renderChartPng(spec: ChartSpec): Promise<{ png: Buffer; width: number; height: number }> {
  prepare();
  const width = CHART_WIDTH;
  const height = chartHeight(spec);
  const canvas = createCanvas(width, height);
  const axis = spec.horizontal ? 'x' : 'y';
  const config: ChartConfiguration<'bar'> = {
    type: 'bar',
    data: {
      labels: spec.labels,
      datasets: spec.datasets.map((d) => ({ label: d.label, data: d.data, backgroundColor: d.colour, borderWidth: 0, barPercentage: 0.8 })),
    },
    options: {
      indexAxis: spec.horizontal ? 'y' : 'x',
      animation: false,
      responsive: false,
      devicePixelRatio: 1,
      layout: { padding: { left: 12, right: spec.stacked ? 24 : 90, top: 12, bottom: 12 } },
      font: { family: FAMILY, size: FONT },
      scales: {
        [axis]: { min: spec.min, max: spec.max, stacked: spec.stacked, title: { display: true, text: spec.valueTitle, font: { family: FAMILY, size: FONT } }, ticks: { font: { family: FAMILY, size: FONT } } },
        [axis === 'x' ? 'y' : 'x']: { stacked: spec.stacked, ticks: { font: { family: FAMILY, size: FONT }, autoSkip: false }, grid: { display: false } },
      },
      plugins: {
        legend: { display: spec.legend, position: 'bottom', labels: { font: { family: FAMILY, size: FONT } } },
        tooltip: { enabled: false },
        manyiValues: { show: !spec.stacked },
      } as never,
    },
    plugins: [background, values],
  };
  const chart = new Chart(canvas.getContext('2d') as unknown as ChartJs.ChartItem, config);
  try {
    chart.draw();
    return { png: await canvas.encode('png'), width, height };
  } finally {
    chart.destroy();
  }
}
