import { createCanvas, GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';
import { A4, layoutPoster, qrRuns, QR_QUIET_MODULES, type Measure, type PosterPage } from '../domain/poster';
import { fontPath } from './fonts';

/** 150 dpi: pixels per mm. A4 is 1240 × 1754 px. */
const K = 150 / 25.4;
export const POSTER_PNG_SIZE = { width: Math.round(A4.width * K), height: Math.round(A4.height * K) } as const;

const FAMILY = { regular: 'ManyiPosterRegular', bold: 'ManyiPosterBold' } as const;
let registered = false;

/** Registers the bundled font once per process, as two families: one name with two weights picks the wrong face. */
function registerFonts(): void {
  if (registered) return;
  GlobalFonts.registerFromPath(fontPath('regular'), FAMILY.regular);
  GlobalFonts.registerFromPath(fontPath('bold'), FAMILY.bold);
  registered = true;
}

const fontOf = (size: number, bold: boolean) => `${size * K}px ${bold ? FAMILY.bold : FAMILY.regular}`;

/** One poster as an A4 PNG at 150 dpi, laid out like the PDF; QR modules are whole pixels, so the code stays crisp. */
export async function renderPosterPng(page: PosterPage): Promise<Buffer> {
  registerFonts();
  const canvas = createCanvas(POSTER_PNG_SIZE.width, POSTER_PNG_SIZE.height);
  const ctx: SKRSContext2D = canvas.getContext('2d');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, canvas.width, canvas.height);
  ctx.textBaseline = 'alphabetic';
  const measure: Measure = (text, size, bold) => {
    ctx.font = fontOf(size, bold);
    return ctx.measureText(text).width / K;
  };

  for (const item of layoutPoster(page.model, measure).items) {
    if (item.kind === 'text') {
      ctx.font = fontOf(item.size, item.bold);
      ctx.fillStyle = item.colour;
      ctx.fillText(item.text, item.x * K, item.baseline * K);
    } else if (item.kind === 'box') {
      ctx.fillStyle = item.colour;
      ctx.fillRect(item.x * K, item.y * K, item.width * K, Math.max(1, item.height * K));
    } else {
      const modules = page.qr.size + 2 * QR_QUIET_MODULES;
      const cell = Math.floor((item.size * K) / modules);
      const x0 = Math.round(item.x * K + (item.size * K - cell * modules) / 2);
      const y0 = Math.round(item.y * K + (item.size * K - cell * modules) / 2);
      ctx.fillStyle = '#ffffff';
      ctx.fillRect(x0, y0, cell * modules, cell * modules);
      ctx.fillStyle = '#000000';
      for (const run of qrRuns(page.qr)) ctx.fillRect(x0 + run.col * cell, y0 + run.row * cell, run.length * cell, cell);
    }
  }
  return canvas.encode('png');
}
