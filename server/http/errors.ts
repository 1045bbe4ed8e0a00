import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { ZodError } from 'zod';
import { AppError, NotFoundError, UnavailableError, ValidationError } from '../errors';
import { fieldErrors } from '../services/validate';
import { translate } from '../i18n';

export const notFound: RequestHandler = (_req, _res, next) => next(new NotFoundError());

/** The store cannot be reached or written (closed, read-only, disk full, MongoDB down): 503, try again. */
export function isStoreUnavailable(err: unknown): boolean {
  const e = err as { name?: string; code?: string; message?: string };
  if (!e || typeof e !== 'object') return false;
  if (e.name === 'MongoServerSelectionError' || e.name === 'MongoNetworkError' || e.name === 'MongoNotConnectedError') return true;
  if (typeof e.code === 'string' && /^SQLITE_(READONLY|BUSY|LOCKED|IOERR|FULL|CANTOPEN|CORRUPT)/.test(e.code)) return true;
  return typeof e.message === 'string' && /database connection is not open|The database connection is not open/.test(e.message);
}

/** Turns what a library throws (body parsers, CSRF) into our typed errors. */
function normalise(err: unknown): AppError | null {
  if (err instanceof AppError) return err;
  // A schema parse that a route forgot to wrap still answers 400 with the fields, never 500.
  if (err instanceof ZodError) return new ValidationError(fieldErrors(err));
  if (isStoreUnavailable(err)) return new UnavailableError();
  const e = err as { code?: string; type?: string; status?: number };
  if (e?.code === 'EBADCSRFTOKEN') return new AppError(403, 'csrf', 'error.csrf');
  switch (e?.type) {
    case 'entity.too.large':
    case 'parameters.too.many':
      return new AppError(413, 'too_large', 'error.bodyTooLarge');
    case 'entity.parse.failed':
      return new AppError(400, 'bad_json', 'error.badJson');
    case 'encoding.unsupported':
    case 'charset.unsupported':
    case 'entity.verify.failed':
      return new AppError(415, 'bad_encoding', 'error.badEncoding');
  }
  if (e?.status && e.status >= 400 && e.status < 500) return new AppError(e.status, 'bad_request', 'error.validation');
  return null;
}

export function wantsJson(req: Parameters<RequestHandler>[0]): boolean {
  return req.originalUrl.startsWith('/api/') || req.accepts(['html', 'json']) === 'json';
}

/**
 * The one error handler: a catalog message in the user's language, HTML or JSON
 * ({error: {code, message, fields?}}), never a stack trace.
 */
export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (err, req, res, next) => {
    if (res.headersSent) return next(err);
    const known = normalise(err);
    const locale = req.locale ?? 'zh-CN';
    const appErr = known ?? new AppError(500, 'internal', 'error.internal');
    if (!known) logger.error({ err, reqId: req.id }, 'unhandled error');
    else if (appErr.status === 503) logger.error({ err, reqId: req.id }, 'store unavailable');
    const message = translate(locale, appErr.messageKey, appErr.params);
    const fields = appErr.fields
      ? Object.fromEntries(Object.entries(appErr.fields).map(([k, v]) => [k, translate(locale, v.key, v.params)]))
      : undefined;
    res.status(appErr.status);
    if (appErr.status === 429) res.set('Retry-After', '60');
    if (wantsJson(req)) {
      res.json({ error: { code: appErr.code, message, ...(fields ? { fields } : {}) } });
      return;
    }
    if (!req.t) {
      res.type('text/plain').send(message);
      return;
    }
    const resident = req.path.startsWith('/s/');
    const locals = { title: req.t('error.title'), status: appErr.status, message, fields: fields ?? {}, requestId: String(req.id ?? ''), resident };
    if (typeof res.page === 'function') {
      res.page('errors/error', locals, { layout: resident ? 'layouts/respond' : req.user ? 'layouts/admin' : 'layouts/public', status: appErr.status });
      return;
    }
    renderBare(res, locals, resident ? 'layouts/respond' : 'layouts/public', req.path, message);
  };
}

/**
 * The error page for a request refused before the page helpers exist (a body too large, in the
 * wrong encoding, with too many fields): same view, in a layout that needs no session or CSRF
 * token, so a person still reads what went wrong in their language.
 */
function renderBare(res: Response, locals: Record<string, unknown>, layout: string, path: string, message: string): void {
  const plain = () => res.type('text/plain').send(message);
  res.render('errors/error', { ...locals, flash: [] }, (err, body) => {
    if (err) return plain();
    res.render(layout, { ...locals, body, currentPath: path }, (err2, html) => {
      if (err2) return plain();
      res.type('html').send(html);
    });
  });
}
