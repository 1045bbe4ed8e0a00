import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../config';
import { chooseLocale, LOCALES, translator, type Locale } from '../i18n';

export const LANG_COOKIE = 'manyi.lang';

/** Picks the language (?lang=, then cookie, then Accept-Language) and exposes t() to views. */
export function localeMiddleware(config: Config): RequestHandler {
  return (req, res, next) => {
    // Already chosen for this request (the resident form's short path runs it before the full chain).
    if (req.locale !== undefined) return next();
    const query = typeof req.query.lang === 'string' ? req.query.lang : undefined;
    const accepted = req.acceptsLanguages([...LOCALES, 'zh', 'en-US', 'en-GB', 'zh-Hans']);
    const cookieLang = req.cookies?.[LANG_COOKIE] as unknown;
    const locale = chooseLocale(query, cookieLang, accepted, config.defaultLocale);
    applyLocale(req, res, locale);
    if (query && query === locale && cookieLang !== query) rememberLocale(res, locale, config);
    res.vary('Accept-Language');
    next();
  };
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
  // The language switch keeps the page's other query parameters (filters, page number).
  const params = new URLSearchParams(req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '');
  params.set('lang', locale === 'zh-CN' ? 'en' : 'zh-CN');
  res.locals.langHref = `?${params.toString()}`;
}

/** Switches this response to another language and remembers the choice (a form's language button). */
export function setLocale(req: Request, res: Response, locale: Locale, config: Config): void {
  applyLocale(req, res, locale);
  rememberLocale(res, locale, config);
}
