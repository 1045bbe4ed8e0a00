import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { localDateTime, zoneName } from '../domain/time';

/**
 * res.page(view, locals): renders the view, then its layout with the view's HTML as `body`, and sends it;
 * res.pageHtml(view, locals): the same HTML, returned instead of sent.
 * res.csrf(): a CSRF token for the page's forms (generated once per response).
 */
export function renderHelpers(generateCsrfToken: (req: Request, res: Response) => string): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    let token: string | null = null;
    res.csrf = () => (token ??= generateCsrfToken(req, res));
    res.locals.csrf = res.csrf;
    res.locals.currentPath = req.path;
    res.locals.user = req.user ?? null;
    /** "2026-12-10 08:00（北京时间）": a time for people, in the zone it is read in, with the zone named. */
    res.locals.zonedTime = (instant: Date | string, timeZone: string) =>
      `${localDateTime(instant, timeZone).slice(0, 16)}${req.t('time.zoneSuffix', { zone: zoneName(timeZone, req.t('time.beijing')) })}`;
    res.pageHtml = (view, locals = {}, options = {}) => {
      const layout = options.layout ?? 'layouts/admin';
      // One-time messages after a redirect (saved, excluded…), shown once by the layout.
      const flash = req.session?.flash;
      if (flash) delete req.session.flash;
      res.locals.flash = flash ?? [];
      return new Promise<string>((resolve, reject) => {
        res.render(view, locals, (err, body) => {
          if (err) return reject(err);
          res.render(layout, { ...locals, body }, (err2, html) => (err2 ? reject(err2) : resolve(html)));
        });
      });
    };
    res.page = (view, locals = {}, options = {}) => {
      res
        .pageHtml(view, locals, options)
        .then((html) => {
          res.status(options.status ?? res.statusCode).type('html').send(html);
        })
        .catch(next);
    };
    next();
  };
}
