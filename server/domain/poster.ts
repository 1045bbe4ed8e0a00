import type { Site } from '../../models/site';
import type { Survey } from '../../models/survey';
import type { Translate } from '../i18n';

/**
 * A station's QR poster as plain data. The printable page (views/admin/posters.ejs), the PDF and
 * the PNG all render this one model, so the three never disagree.
 */
export interface PosterModel {
  station: string;
  title: string;
  /** The demo label when the survey is a demonstration, else null. */
  demo: string | null;
  invitation: string;
  /** What the QR code encodes: PUBLIC_BASE_URL/s/<code>. */
  qrPayload: string;
  qrAlt: string;
  /** The same link printed under the code, for typing by hand. */
  linkIntro: string;
  link: string;
  steps: string[];
  /** 每部手机只能作答一次, when the survey takes one answer per device; else null. */
  onePerPhone: string | null;
  privacy: string;
}

export interface PosterInput {
  survey: Pick<Survey, 'title' | 'isDemo' | 'settings'>;
  site: Pick<Site, 'name'>;
  link: string;
}

export function buildPoster({ survey, site, link }: PosterInput, t: Translate): PosterModel {
  return {
    station: site.name,
    title: survey.title,
    demo: survey.isDemo ? t('demo.label') : null,
    invitation: t('poster.invite'),
    qrPayload: link,
    qrAlt: t('poster.qrAlt', { station: site.name }),
    linkIntro: t('poster.orType'),
    link,
    steps: [t('poster.step1'), t('poster.step2'), t('poster.step3')],
    onePerPhone: survey.settings.duplicatePolicy === 'one-per-device' ? t('poster.onePerPhone') : null,
    privacy: t('poster.privacy'),
  };
}

/** Width of `text` in mm when set at `size` mm (the em size), regular or bold. Each renderer measures with its own font engine. */
export type Measure = (text: string, size: number, bold: boolean) => number;

/** Ideographs, kana, hangul and full-width forms: a line may break before any of them. */
const BREAK_ANYWHERE = /[\u2E80-\u9FFF\uAC00-\uD7AF\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFFEF]/;
/** Closing punctuation never starts a line: it stays with the character before it. */
const CLOSING = /^[，。、；：？！）」』》〉】…,.;:?!)\]}]$/;

/** Breakable units: one ideograph (with closing punctuation that follows), a run of other letters, or a run of spaces. */
function tokens(text: string): string[] {
  const out: string[] = [];
  for (const ch of text) {
    const last = out.length ? out[out.length - 1]! : null;
    if (last !== null && CLOSING.test(ch)) out[out.length - 1] = last + ch;
    else if (/\s/.test(ch)) {
      if (last !== null && /^\s+$/.test(last)) out[out.length - 1] = last + ch;
      else out.push(ch);
    } else if (BREAK_ANYWHERE.test(ch)) out.push(ch);
    else if (last !== null && !/\s/.test(last) && !BREAK_ANYWHERE.test(last[0]!)) out[out.length - 1] = last + ch;
    else out.push(ch);
  }
  return out;
}

/**
 * Greedy line breaking within maxWidth: between ideographs, at spaces between words, and inside a
 * word (a link, a long code) only when the word alone is wider than the line. No line is wider than
 * maxWidth unless a single character is.
 */
export function wrapText(text: string, maxWidth: number, size: number, bold: boolean, measure: Measure): string[] {
  const lines: string[] = [];
  let line = '';
  const push = () => {
    const trimmed = line.trimEnd();
    if (trimmed) lines.push(trimmed);
    line = '';
  };
  for (const token of tokens(text.trim())) {
    if (/^\s+$/.test(token)) {
      if (line) line += ' ';
      continue;
    }
    if (measure(line + token, size, bold) <= maxWidth) {
      line += token;
      continue;
    }
    if (line.trim()) push();
    if (measure(token, size, bold) <= maxWidth) {
      line = token;
      continue;
    }
    for (const ch of token) {
      if (line && measure(line + ch, size, bold) > maxWidth) push();
      line += ch;
    }
  }
  push();
  return lines.length ? lines : [''];
}

/**
 * The largest of `sizes` (descending, mm) at which the text fits in maxLines lines; if none does,
 * the smallest size with as many lines as it needs: a poster never drops part of a name.
 */
export function fitText(text: string, o: { maxWidth: number; sizes: readonly number[]; maxLines: number; bold: boolean; measure: Measure }): { size: number; lines: string[] } {
  let lines: string[] = [];
  let size = o.sizes[0]!;
  for (const s of o.sizes) {
    size = s;
    lines = wrapText(text, o.maxWidth, s, o.bold, o.measure);
    if (lines.length <= o.maxLines) break;
  }
  return { size, lines };
}

/** A4 portrait, in mm. */
export const A4 = { width: 210, height: 297 } as const;
/** The QR code's quiet zone in modules on each side (the same margin the QR images use). */
export const QR_QUIET_MODULES = 4;

const PT = 25.4 / 72;
const MARGIN = 15;
const CONTENT = A4.width - 2 * MARGIN;
const LINE = 1.3;
/** Where the alphabetic baseline sits in a line box of height size × LINE (CJK fonts: ascent ≈ 0.88 em). */
const BASELINE = (LINE - 1) / 2 + 0.88;
const QR_MIN = 60;
const QR_MAX = 110;

export const POSTER_COLOURS = { ink: '#000000', station: '#0b5d3b', muted: '#333333', rule: '#999999', demo: '#fff3cd' } as const;

export type PosterItem =
  /** One line of text; x is its left edge, baseline its alphabetic baseline (mm). */
  | { kind: 'text'; text: string; x: number; baseline: number; top: number; size: number; bold: boolean; colour: string; width: number }
  | { kind: 'box'; x: number; y: number; width: number; height: number; colour: string }
  /** The QR code's square including its quiet zone. */
  | { kind: 'qr'; x: number; y: number; size: number; payload: string };

export interface PosterLayout {
  width: number;
  height: number;
  items: PosterItem[];
}

/** A matrix of QR modules, row by row, truthy = dark. */
export interface QrMatrix {
  size: number;
  modules: ArrayLike<number | boolean>;
}

/** What a renderer needs for one page: the content and its QR code's modules. */
export interface PosterPage {
  model: PosterModel;
  qr: QrMatrix;
}

interface Block {
  gap: number;
  height: number;
  place(top: number): PosterItem[];
}

/**
 * Places the poster on an A4 page: every line wrapped to the content width (long station names and
 * titles shrink, then wrap), the QR code as large as the remaining height allows (60–110 mm), the
 * whole centred vertically when there is room to spare. All positions in mm from the top left.
 */
export function layoutPoster(model: PosterModel, measure: Measure): PosterLayout {
  const textBlock = (text: string, o: { gap: number; sizes: number[]; maxLines: number; bold?: boolean; colour?: string; width?: number; prefix?: string; background?: string }): Block => {
    const bold = o.bold ?? false;
    const width = o.width ?? CONTENT;
    const pad = o.background ? 2 : 0;
    // The prefix ("1. ") is measured at the largest size, so it fits at any smaller one.
    const indent = o.prefix ? measure(o.prefix, o.sizes[0]! * PT, bold) : 0;
    const fit = fitText(text, { maxWidth: width - indent - 2 * pad, sizes: o.sizes.map((s) => s * PT), maxLines: o.maxLines, bold, measure });
    const lineHeight = fit.size * LINE;
    return {
      gap: o.gap,
      height: fit.lines.length * lineHeight + 2 * pad,
      place(top) {
        const items: PosterItem[] = [];
        const hanging = o.prefix ? measure(o.prefix, fit.size, bold) : 0;
        if (o.background) items.push({ kind: 'box', x: MARGIN, y: top, width: CONTENT, height: fit.lines.length * lineHeight + 2 * pad, colour: o.background });
        fit.lines.forEach((line, i) => {
          const lineTop = top + pad + i * lineHeight;
          const text = o.prefix && i === 0 ? o.prefix + line : line;
          const w = measure(text, fit.size, bold);
          // Centred lines, or left-aligned in a narrower column (the steps) with a hanging indent.
          const x = o.width ? (A4.width - width) / 2 + (i > 0 ? hanging : 0) : (A4.width - w) / 2;
          items.push({ kind: 'text', text, x, top: lineTop, baseline: lineTop + fit.size * BASELINE, size: fit.size, bold, colour: o.colour ?? POSTER_COLOURS.ink, width: w });
        });
        return items;
      },
    };
  };

  const before: Block[] = [
    textBlock(model.station, { gap: 0, sizes: [20, 18, 16, 14], maxLines: 2, bold: true, colour: POSTER_COLOURS.station }),
    textBlock(model.title, { gap: 4, sizes: [28, 24, 20, 18, 16], maxLines: 3, bold: true }),
  ];
  if (model.demo) before.push(textBlock(model.demo, { gap: 4, sizes: [13, 12, 11], maxLines: 3, background: POSTER_COLOURS.demo }));
  before.push(textBlock(model.invitation, { gap: 5, sizes: [18, 16, 14], maxLines: 2 }));
  const after: Block[] = [
    textBlock(model.linkIntro, { gap: 2, sizes: [12, 11, 10], maxLines: 2 }),
    textBlock(model.link, { gap: 1, sizes: [14, 12, 10], maxLines: 2, bold: true }),
    ...model.steps.map((step, i) => textBlock(step, { gap: i === 0 ? 6 : 2, sizes: [15, 14, 12], maxLines: 2, width: 160, prefix: `${i + 1}. ` })),
  ];
  if (model.onePerPhone) after.push(textBlock(model.onePerPhone, { gap: 4, sizes: [14, 12], maxLines: 2, bold: true }));
  const privacy = textBlock(model.privacy, { gap: 4, sizes: [11, 10, 9], maxLines: 3, colour: POSTER_COLOURS.muted });
  const rule: Block = { gap: 5, height: 0.3, place: (top) => [{ kind: 'box', x: MARGIN, y: top, width: CONTENT, height: 0.3, colour: POSTER_COLOURS.rule }] };
  after.push(rule, privacy);

  const QR_GAP = 5;
  const textHeight = [...before, ...after].reduce((h, b) => h + b.gap + b.height, 0) + 2 * QR_GAP;
  const free = A4.height - 2 * MARGIN - textHeight;
  const qrSize = Math.max(QR_MIN, Math.min(QR_MAX, free));
  let y = MARGIN + Math.max(0, (free - qrSize) / 2);

  const items: PosterItem[] = [];
  for (const b of before) {
    y += b.gap;
    items.push(...b.place(y));
    y += b.height;
  }
  y += QR_GAP;
  items.push({ kind: 'qr', x: (A4.width - qrSize) / 2, y, size: qrSize, payload: model.qrPayload });
  y += qrSize + QR_GAP;
  for (const b of after) {
    y += b.gap;
    items.push(...b.place(y));
    y += b.height;
  }
  return { width: A4.width, height: A4.height, items };
}

/** Dark runs of each QR row as rectangles in module units (quiet zone included), so renderers draw few shapes and no seams within a row. */
export function qrRuns(qr: QrMatrix): { row: number; col: number; length: number }[] {
  const runs: { row: number; col: number; length: number }[] = [];
  for (let r = 0; r < qr.size; r++) {
    let start = -1;
    for (let c = 0; c <= qr.size; c++) {
      const dark = c < qr.size && Boolean(qr.modules[r * qr.size + c]);
      if (dark && start < 0) start = c;
      else if (!dark && start >= 0) {
        runs.push({ row: r + QR_QUIET_MODULES, col: start + QR_QUIET_MODULES, length: c - start });
        start = -1;
      }
    }
  }
  return runs;
}
