import * as evaluationArea from '../../i18n/areas/evaluation';
import * as fundingArea from '../../i18n/areas/funding';
import * as rectificationArea from '../../i18n/areas/rectification';
import * as reportArea from '../../i18n/areas/report';
import * as surveysArea from '../../i18n/areas/surveys';
import type { EvaluationLocale } from '../scoring-rules';

/**
 * The words of the report, from the catalog areas it speaks from (its own, the scorecard's, funding's
 * and the survey labels), and the few ways Chinese official writing sets figures and dates.
 */
const catalog = {
  zh: { ...surveysArea.zh, ...evaluationArea.zh, ...fundingArea.zh, ...reportArea.zh, ...rectificationArea.zh },
  en: { ...surveysArea.en, ...evaluationArea.en, ...fundingArea.en, ...reportArea.en, ...rectificationArea.en },
};

export type ReportKey = keyof typeof catalog.zh;
export type ReportParams = Record<string, string | number>;
export type ReportText = (key: ReportKey, params?: ReportParams) => string;

export function reportText(locale: EvaluationLocale): ReportText {
  const table: Record<ReportKey, string> = locale === 'en' ? catalog.en : catalog.zh;
  return (key, params = {}) => table[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

/** A catalog key this module knows, or null (codes from another version). */
export const isReportKey = (key: string): key is ReportKey => key in catalog.zh;

const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'];

/** 1 → 一, 10 → 十, 11 → 十一, 36 → 三十六 (counts in running text and section numbers, up to 99). */
export function chineseNumeral(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > 99) return String(n);
  if (n < 10) return DIGITS[n]!;
  const tens = Math.floor(n / 10);
  const ones = n % 10;
  return `${tens === 1 ? '' : DIGITS[tens]}十${ones ? DIGITS[ones] : ''}`;
}

/** The number of a section: 一, 二 … in Chinese; 1, 2 … in English. */
export const sectionNumber = (i: number, locale: EvaluationLocale): string => (locale === 'en' ? String(i) : chineseNumeral(i));

/** A count in running text: 四 in Chinese (四个维度), 4 in English. */
export const countWord = (n: number, locale: EvaluationLocale): string => (locale === 'en' ? String(n) : chineseNumeral(n));

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

function parts(day: string): { y: number; m: number; d: number } {
  const [y, m, d] = day.split('-').map(Number);
  return { y: y!, m: m!, d: d! };
}

/** 2023-08-25 → 2023年8月25日 / 25 August 2023. */
export function formatDay(day: string, locale: EvaluationLocale): string {
  const { y, m, d } = parts(day);
  return locale === 'en' ? `${d} ${MONTHS[m - 1]} ${y}` : `${y}年${m}月${d}日`;
}

/** 2023-10-20 → 2023年10月 / October 2023 (the cover's date). */
export function formatMonth(day: string, locale: EvaluationLocale): string {
  const { y, m } = parts(day);
  return locale === 'en' ? `${MONTHS[m - 1]} ${y}` : `${y}年${m}月`;
}

/** A span of days, the year said once when both ends share it: 2023年8月25日-10月20日. */
export function formatSpan(from: string | null, to: string | null, locale: EvaluationLocale): string {
  if (from && to && from !== to) {
    const a = parts(from);
    const b = parts(to);
    if (locale === 'en') return a.y === b.y ? `${a.d} ${MONTHS[a.m - 1]} – ${formatDay(to, locale)}` : `${formatDay(from, locale)} – ${formatDay(to, locale)}`;
    return a.y === b.y ? `${formatDay(from, locale)}-${b.m}月${b.d}日` : `${formatDay(from, locale)}-${formatDay(to, locale)}`;
  }
  const one = from ?? to;
  return one ? formatDay(one, locale) : '';
}

/** Items of a list in running text: 决策、过程、产出、效益 / Decision, Process, Outputs, Benefits. */
export const joinItems = (items: readonly string[], locale: EvaluationLocale): string => items.join(locale === 'en' ? ', ' : '、');

/** Strips the punctuation a typed item may end with, so the joining punctuation is the report's own. */
export const bare = (s: string): string => s.trim().replace(/[。；;，,.\s]+$/u, '');

/** A sentence ends with 。 (or . in English) exactly once. */
export function sentence(s: string, locale: EvaluationLocale): string {
  const t = s.trim();
  if (!t) return '';
  if (locale === 'en') return /[.!?]$/.test(t) ? t : `${t}.`;
  return /[。！？]$/u.test(t) ? t : `${bare(t)}。`;
}

/** Goals as the reference prints them: 一是…；二是…；…。 (First, …; second, …; …. in English). */
export function ordinalSeries(items: readonly string[], locale: EvaluationLocale): string {
  const clean = items.map(bare).filter(Boolean);
  if (!clean.length) return '';
  if (locale === 'en') {
    const words = ['First', 'second', 'third', 'fourth', 'fifth', 'sixth', 'seventh', 'eighth', 'ninth', 'tenth'];
    return `${clean.map((g, i) => `${words[i] ?? `(${i + 1})`}, ${g}`).join('; ')}.`;
  }
  return `${clean.map((g, i) => `${chineseNumeral(i + 1)}是${g}`).join('；')}。`;
}
