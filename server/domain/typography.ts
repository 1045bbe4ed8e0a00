/** U+2060 WORD JOINER: forbids a line break where it stands and shows nothing. */
export const WORD_JOINER = '\u2060';
/** U+00A0 NO-BREAK SPACE. */
export const NO_BREAK_SPACE = '\u00a0';

/** One figure as written: 80.15, 94.55%, 1,234, 2026-12-07, ±3.2, 38/60. */
const NUMBER = String.raw`[±+\-−]?\d(?:[\d.,/:\-]*\d)?%?`;
/** Two figures joined by a dash or a full-width tilde, with or without spaces: 18–59, 85.07 – 101.6, 3～5. */
const RANGE = new RegExp(String.raw`(${NUMBER})( ?)([–—～])( ?)(?=${NUMBER})`, 'g');
/** An interval written as a pair: [71.2, 78.4]. */
const PAIR = new RegExp(String.raw`\[(${NUMBER}), (${NUMBER})\]`, 'g');
/** A hyphen between digits, as in a date (2026-12-07) or a span of years (2021-2023), after which browsers break. */
const DIGIT_HYPHEN = /(?<=\d)-(?=\d)/g;

/**
 * The text with its ranges, intervals and dates glued so that a line never breaks inside them:
 * Unicode line breaking (UAX #14, as browsers apply it) allows a break after an en dash or a hyphen
 * between digits, around an em dash or a full-width tilde and at any space, so "18–59 岁" could end
 * a line with "18–" and a date with "2026-". Spaces inside become no-break spaces and word joiners
 * stand beside the dashes; the text looks the same. For text a view does not mark up itself (option
 * labels written by survey authors, table cells and sentences from the catalog that embed a figure);
 * markup of our own uses <span class="num"> (white-space: nowrap) instead, which copies cleanly.
 */
export function keepNumbersWhole(text: string): string {
  return text
    .replace(RANGE, (_m, from: string, before: string, dash: string, after: string) => `${from}${before ? NO_BREAK_SPACE : ''}${WORD_JOINER}${dash}${WORD_JOINER}${after ? NO_BREAK_SPACE : ''}`)
    .replace(PAIR, (_m, low: string, high: string) => `[${low},${NO_BREAK_SPACE}${high}]`)
    .replace(DIGIT_HYPHEN, `-${WORD_JOINER}`);
}
