import type { RequestHandler } from 'express';
import type { Config } from '../config';
import { chooseLocale, LOCALES, translator } from '../i18n';

export const LANG_COOKIE = 'manyi.lang';

/** Picks the language (?lang=, then cookie, then Accept-Language) and exposes t() to views. */
export function localeMiddleware(config: Config): RequestHandler {
  return (req, res, next) => {
    const query = typeof req.query.lang === 'string' ? req.query.lang : undefined;
    const accepted = req.acceptsLanguages([...LOCALES, 'zh', 'en-US', 'en-GB', 'zh-Hans']);
    const cookieLang = req.cookies?.[LANG_COOKIE] as unknown;
    req.locale = chooseLocale(query, cookieLang, accepted, config.defaultLocale);
    if (query && query === req.locale && cookieLang !== query) {
      res.cookie(LANG_COOKIE, req.locale, { httpOnly: true, sameSite: 'lax', secure: config.secureCookies, maxAge: 365 * 24 * 3600_000 });
    }
    req.t = translator(req.locale);
    res.locals.t = req.t;
    res.locals.locale = req.locale;
    res.locals.htmlLang = req.locale === 'zh-CN' ? 'zh-CN' : 'en';
    // The language switch keeps the page's other query parameters (filters, page number).
    const params = new URLSearchParams(req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '');
    params.set('lang', req.locale === 'zh-CN' ? 'en' : 'zh-CN');
    res.locals.langHref = `?${params.toString()}`;
    res.vary('Accept-Language');
    next();
  };
}
