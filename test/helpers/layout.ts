import type { Page } from 'playwright-core';

/**
 * The little of the DOM that splitNumbers and sidewaysScrollers touch in the page (tsconfig has no
 * "dom" lib on purpose; see browser.ts).
 */
interface Rect {
  top: number;
  width: number;
  height: number;
}
interface Style {
  clip: string;
  clipPath: string;
  overflowX: string;
  overflowY: string;
}
interface El {
  tagName: string;
  id: string;
  className: string | { baseVal: string };
  textContent: string | null;
  parentElement: El | null;
  scrollWidth: number;
  clientWidth: number;
  getBoundingClientRect(): Rect;
  closest(selector: string): El | null;
  checkVisibility(options: { visibilityProperty: boolean; opacityProperty: boolean }): boolean;
}
interface TextNode {
  data: string;
  parentElement: El | null;
}
interface TextRange {
  setStart(node: TextNode, offset: number): void;
  setEnd(node: TextNode, offset: number): void;
  getClientRects(): ArrayLike<Rect>;
}
declare const document: {
  body: El;
  createTreeWalker(root: El, whatToShow: number): { nextNode(): TextNode | null };
  createRange(): TextRange;
  querySelectorAll(selector: string): ArrayLike<El>;
};
declare function getComputedStyle(el: El): Style;

/**
 * What counts as one number when read: digits joined by . , % / : - and an optional leading sign
 * (80.15, 94.55%, 1,234, 2026-12-07, ±3.2, 38/60, 08:30), and an interval of two such numbers
 * ("71.2–78.4", "85.2% – 96.1%", "[71.2, 78.4]", also when glued with no-break spaces and word
 * joiners, see keepNumbersWhole), which a reader takes in as one figure. Digits inside a word or an address (JYG01,
 * /2026/, q1) are not numbers of their own.
 */
const NUMBER = String.raw`[±+\-−]?\d(?:[\d.,/:\-\u2060]*\d)?%?`;
const GLUE = String.raw`[ \u00a0\u2060]{0,2}`;
export const NUMBER_TOKEN = new RegExp(
  String.raw`(?<![A-Za-z0-9_/=&?#@.\-])(?:\[${NUMBER},${GLUE}${NUMBER}\]|${NUMBER}(?:${GLUE}[–—～~]${GLUE}${NUMBER})?)(?![A-Za-z0-9_/=&?#@])`,
  'g',
);

export interface SplitNumber {
  /** The number as written, e.g. "80.15". */
  token: string;
  /** How many lines it is spread over. */
  lines: number;
  /** The element holding it, like "td.num" or "p#total-score.kpi". */
  element: string;
  /** That element's text (whitespace collapsed, at most 160 characters), to find it in a failure message. */
  text: string;
}

export interface NumberScan {
  /** How many number tokens the page shows (a check that found none has checked nothing). */
  checked: number;
  split: SplitNumber[];
}

/** The numbers on the page that the browser has broken over more than one line (see scanNumbers). */
export async function splitNumbers(page: Page): Promise<SplitNumber[]> {
  return (await scanNumbers(page)).split;
}

/**
 * Every number shown on the page, and those the browser has broken over more than one line. Walks the visible
 * text nodes, finds each number token and asks the layout where it is: a DOM Range over the token
 * gives one client rect per line fragment, and rects whose tops differ by more than a pixel are on
 * different lines. Text that is not shown (display: none, visibility: hidden, closed <details>,
 * the clipped .sr-only and .hp boxes, form controls' inner text) is skipped.
 */
export async function scanNumbers(page: Page): Promise<NumberScan> {
  return page.evaluate((source) => {
    const pattern = new RegExp(source, 'g');
    const unrendered = new Set(['SCRIPT', 'STYLE', 'TEMPLATE', 'NOSCRIPT', 'TEXTAREA', 'OPTION', 'SELECT', 'TITLE']);
    const shown = new Map<El, boolean>();
    const isShown = (el: El): boolean => {
      const known = shown.get(el);
      if (known !== undefined) return known;
      let result = !unrendered.has(el.tagName) && el.checkVisibility({ visibilityProperty: true, opacityProperty: true });
      if (result) {
        // Clipped boxes (.sr-only: clip rect(0 0 0 0), 1px wide) lay text out one character a line, unseen.
        const style = getComputedStyle(el);
        const box = el.getBoundingClientRect();
        const clips = style.overflowX !== 'visible' || style.overflowY !== 'visible';
        if ((style.clip !== 'auto' && style.clip !== '') || style.clipPath !== 'none' || (clips && (box.width <= 1 || box.height <= 1))) result = false;
      }
      if (result && el.parentElement) result = isShown(el.parentElement);
      shown.set(el, result);
      return result;
    };
    const describe = (el: El): string => {
      const cls = typeof el.className === 'string' ? el.className : el.className.baseVal;
      return `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${cls.trim() ? `.${cls.trim().split(/\s+/).join('.')}` : ''}`;
    };
    const split: { token: string; lines: number; element: string; text: string }[] = [];
    let checked = 0;
    const walker = document.createTreeWalker(document.body, 4 /* NodeFilter.SHOW_TEXT */);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const parent = node.parentElement;
      if (!parent || !/\d/.test(node.data) || !isShown(parent)) continue;
      pattern.lastIndex = 0;
      for (let m = pattern.exec(node.data); m; m = pattern.exec(node.data)) {
        checked++;
        const range = document.createRange();
        range.setStart(node, m.index);
        range.setEnd(node, m.index + m[0].length);
        const tops: number[] = [];
        const rects = range.getClientRects();
        for (let i = 0; i < rects.length; i++) {
          const r = rects[i]!;
          if (r.width > 0 && r.height > 0 && !tops.some((top) => Math.abs(top - r.top) <= 1)) tops.push(r.top);
        }
        if (tops.length > 1) {
          split.push({ token: m[0], lines: tops.length, element: describe(parent), text: (parent.textContent ?? '').replace(/\s+/g, ' ').trim().slice(0, 160) });
        }
      }
    }
    return { checked, split };
  }, NUMBER_TOKEN.source);
}

/**
 * The elements, other than a .table-wrap region, that scroll sideways (overflow-x auto or scroll and
 * content wider than the box). With noHorizontalScroll (the page itself) this is "nothing scrolls
 * sideways except a table the author put in a scrollable region on purpose".
 */
export async function sidewaysScrollers(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    const all = document.querySelectorAll('body *');
    for (let i = 0; i < all.length; i++) {
      const el = all[i]!;
      if (['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName) || el.closest('.table-wrap') === el) continue;
      const { overflowX } = getComputedStyle(el);
      if ((overflowX === 'auto' || overflowX === 'scroll') && el.scrollWidth > el.clientWidth + 1) {
        const cls = typeof el.className === 'string' ? el.className : el.className.baseVal;
        out.push(`${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}${cls.trim() ? `.${cls.trim().split(/\s+/).join('.')}` : ''} (${el.scrollWidth} > ${el.clientWidth})`);
      }
    }
    return out;
  });
}
