import { en } from './en';
import { zhCN, type MessageKey } from './zh-CN';

export type { MessageKey };
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export type Params = Record<string, string | number>;
export type Translate = (key: MessageKey, params?: Params) => string;

const catalogs: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** The one lookup used by views, errors and exports: `{name}` placeholders are filled from params. */
export function translate(locale: Locale, key: MessageKey, params?: Params): string {
  const text = catalogs[locale][key] ?? zhCN[key] ?? key;
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole));
}

export function translator(locale: Locale): Translate {
  return (key, params) => translate(locale, key, params);
}

export function hasMessage(key: string): key is MessageKey {
  return key in zhCN;
}

/**
 * Locale choice: ?lang= beats the cookie, the cookie beats Accept-Language, and the default is last.
 * `accepted` is what req.acceptsLanguages(...) picked (or false).
 */
export function chooseLocale(query: unknown, cookie: unknown, accepted: string | false, fallback: Locale): Locale {
  if (isLocale(query)) return query;
  if (isLocale(cookie)) return cookie;
  if (accepted) {
    if (accepted.toLowerCase().startsWith('zh')) return 'zh-CN';
    if (accepted.toLowerCase().startsWith('en')) return 'en';
  }
  return fallback;
}
