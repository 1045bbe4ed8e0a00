import type { Request, RequestHandler, Response } from 'express';
import { memoByHeader } from './negotiate';
import type { Config } from '../config';
import { chooseLocale, LOCALES, translator, type Locale } from '../i18n';

export const LANG_COOKIE = 'manyi.lang';

/** Picks the language (?lang=, then cookie, then Accept-Language) and exposes t() to views. */
export function localeMiddleware(config: Config): RequestHandler {
  return (req, res, next) => {
    // Already chosen for this request (the resident form's short path runs it before the full chain).
    if (req.locale !== undefined) return next();
    const query = typeof req.query.lang === 'string' ? req.query.lang : undefined;
    const cookieLang = req.cookies?.[LANG_COOKIE] as unknown;
    const locale = requestLocale(req, query, config);
    applyLocale(req, res, locale);
    if (query && query === locale && cookieLang !== query) rememberLocale(res, locale, config);
    res.vary('Accept-Language');
    next();
  };
}

const ACCEPTED = [...LOCALES, 'zh', 'en-US', 'en-GB', 'zh-Hans'];

/** The page language of a request: ?lang=, then the cookie, then Accept-Language, then the default. */
export function requestLocale(req: Request, query: string | undefined, config: Config): Locale {
  return chooseLocale(query, req.cookies?.[LANG_COOKIE], acceptedLanguage(req), config.defaultLocale);
}

/** What Accept-Language picks among the languages we know (req.acceptsLanguages), remembered per header value. */
const acceptedLanguage = memoByHeader('accept-language', (req) => req.acceptsLanguages(ACCEPTED));

/** The language switch's link: the page's query with lang set to the other language (filters and page number kept). */
export function langHrefFor(originalUrl: string, locale: Locale): string {
  const params = new URLSearchParams(originalUrl.includes('?') ? originalUrl.slice(originalUrl.indexOf('?') + 1) : '');
  params.set('lang', locale === 'zh-CN' ? 'en' : 'zh-CN');
  return `?${params.toString()}`;
}

function rememberLocale(res: Response, locale: Locale, config: Config): void {
  res.cookie(LANG_COOKIE, locale, { httpOnly: true, sameSite: 'lax', secure: config.secureCookies, maxAge: 365 * 24 * 3600_000 });
}

function applyLocale(req: Request, res: Response, locale: Locale): void {
  req.locale = locale;
  req.t = translator(locale);
  res.locals.t = req.t;
  res.locals.locale = locale;
  res.locals.htmlLang = locale === 'zh-CN' ? 'zh-CN' : 'en';
  res.locals.langHref = langHrefFor(req.originalUrl, locale);
}

/** Switches this response to another language and remembers the choice (a form's language button). */
export function setLocale(req: Request, res: Response, locale: Locale, config: Config): void {
  applyLocale(req, res, locale);
  rememberLocale(res, locale, config);
}
