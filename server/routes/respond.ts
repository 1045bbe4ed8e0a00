import { Router, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import type { Channel } from '../../models/response';
import type { Publication } from '../../models/publication';
import type { Site } from '../../models/site';
import type { Survey } from '../../models/survey';
import { RESIDENT_PAGE } from '../domain/lifecycle';
import { AppError, NotFoundError } from '../errors';
import { isStoreUnavailable } from '../http/errors';
import { limiter } from '../http/rate-limit';
import { hasSessionCookie } from '../http/session';
import { DEVICE_COOKIE, deviceCookieOptions, isDeviceId } from '../http/device';
import { cookieWriter, recordFixedHeaders, sendWhole } from '../http/lean-response';
import { langHrefFor, requestLocale } from '../http/locale';
import { newSecretToken } from '../ids';
import { acceptsGzip } from '../http/negotiate';
import type { Deps } from '../services/context';
import { newFormToken, verifyFormToken, type FormToken } from '../services/form-token';
import { canManage } from '../services/permissions';
import { caseForThanks, responseRef } from '../services/cases';
import { alreadyAnswered, answerCheckNeeded, loadPublication, loadPublicationNow, stageOf, submitResponse, type LoadedPublication } from '../services/responses';
import { BIG_COOKIE, formKey, questionnaireRenderer, switchOf } from './respond-form';

/** A form older than this is refreshed (answers kept) rather than trusted for answer time. */
const FORM_MAX_AGE_MS = 24 * 3600_000;
const CODE = /^[a-z2-9]{6,16}$/;
/** The path a questionnaire posts to (/s/:code, as Express matches it: a trailing slash allowed). */
const QUESTIONNAIRE_PATH = /^\/s\/[^/]+\/?$/;

interface Loaded {
  publication: Publication;
  survey: Survey;
  site: Site;
}

/** The query parameters a resident's link or the page's own switches carry; any other query is rendered afresh. */
const CACHEABLE_QUERY = new Set(['lang', 'big', 'via']);
const plainQuery = (req: Request) => Object.keys(req.query).every((k) => CACHEABLE_QUERY.has(k) && typeof req.query[k] === 'string');

export interface RespondRoutes {
  /** Every resident route (/s/:code, its thanks page…). */
  router: Router;
  /**
   * GET /s/:code for an anonymous resident, answered before the router (app.ts): it serves a blank
   * form already in the cache with a new device's cookie and this request's form token (bound to the
   * device: the form's CSRF check), the same
   * headers the full chain sets (helmet's recorded once, see recordFixedHeaders) and one writeHead.
   * Anything else — a session cookie (staff), a query other than ?via=, an unknown code, a stage
   * other than open, a device that has answered, a page not rendered yet, an error — goes on through
   * the full chain to `router`, which answers it as before (and renders the page into the cache).
   */
  blankForm: RequestHandler;
  /** Runs before the CSRF middleware (both chains): a questionnaire POST whose form token is bound to this device passes it (see below). */
  formTokenCsrf: RequestHandler;
  /**
   * What `router` runs for POST /s/:code, in its order (the resident page's headers, the two
   * submission limiters, the handler): the app's straight chain for an anonymous resident runs these.
   */
  submitSteps: RequestHandler[];
  /** How many blank forms the lean path has served (the tests check which path answered). */
  leanServed: () => number;
}

/** What the lean blank-form path shares with the full chain: the app's own instances, each safe to run twice. */
export interface LeanSteps {
  /** The request log (or the app logger attached as req.log when request lines are not logged). */
  log: RequestHandler;
  cookies: RequestHandler;
  /** The key cookie-parser checks signed cookies with (the device cookie is signed with it). */
  cookieSecret: string;
  /** The security headers (helmet). */
  security: RequestHandler;
}

const NOOP = () => undefined;

/** The resident's questionnaire at /s/:code: server-rendered, works without JavaScript. */
export function respondRouter(deps: Deps, ipHash: (req: Request) => string, steps: LeanSteps): RespondRoutes {
  const router = Router();
  const key = formKey(deps);
  const { renderForm, applySwitch, sendBlankForm, cachedBlankPage, splicedBody } = questionnaireRenderer(deps);
  // Pressing 大字模式 or the language button on a form stores nothing: it is not a submission to count.
  const submissionsOnly = (mw: RequestHandler): RequestHandler => (req, res, next) => (switchOf(req.body) ? next() : mw(req, res, next));
  const perIp = submissionsOnly(limiter(deps.store, deps.clock, 'submit-ip', { windowMs: 60_000, limit: deps.config.submitLimitPerIp, key: ipHash, buffered: true }));
  const perPublication = submissionsOnly(
    limiter(deps.store, deps.clock, 'submit-pub', { windowMs: 60_000, limit: deps.config.submitLimitPerStation, key: (req) => String(req.params.code), buffered: true }),
  );

  function residentHeaders(req: Request, res: Response) {
    res.set('Cache-Control', 'no-store');
    // Large-text mode (大字模式) is a cookie, switched by a plain link so it works without JavaScript.
    const big = req.query.big;
    if (big === '1' || big === '0') {
      res.cookie(BIG_COOKIE, big, { httpOnly: true, sameSite: 'lax', secure: deps.config.secureCookies, maxAge: 365 * 24 * 3600_000 });
      res.locals.big = big === '1';
    } else res.locals.big = req.cookies?.[BIG_COOKIE] === '1';
  }
  const residentPage: RequestHandler = (req, res, next) => {
    residentHeaders(req, res);
    next();
  };
  router.use('/s/:code', residentPage);

  async function load(req: Request): Promise<Loaded> {
    const code = String(req.params.code);
    if (!CODE.test(code)) throw new NotFoundError('respond.unknown');
    const loaded = await loadPublication(deps, code);
    if (!loaded) throw new NotFoundError('respond.unknown');
    return loaded;
  }

  /** Assisted entry: a logged-in worker who may enter answers for this station. */
  function assistedAllowed(req: Request, siteId: string): boolean {
    const u = req.user;
    if (!u) return false;
    if (u.role === 'station') return u.siteIds.includes(siteId);
    return canManage(req.actor);
  }

  /** ?assisted=1 (代填) and ?assisted=1&paper=1 (纸质录入) for staff who may enter answers here; else qr or ?via=link. */
  function channelFor(req: Request, siteId: string): Channel {
    if (req.query.assisted === '1' && assistedAllowed(req, siteId)) return req.query.paper === '1' ? 'paper' : 'assisted';
    return req.query.via === 'link' ? 'link' : 'qr';
  }

  const ACTION_QUERY: Record<string, string> = { assisted: '?assisted=1', paper: '?assisted=1&paper=1', link: '?via=link' };
  const formPage = (l: Loaded, token: FormToken) => ({ survey: l.survey, site: l.site, token, action: `/s/${l.publication.code}${ACTION_QUERY[token.channel] ?? ''}` });

  /** Renders a page of the resident layout (thank-you, ended, not found…). */
  function message(res: Response, status: number, view: string, locals: Record<string, unknown>) {
    res.page(`respond/${view}`, locals, { layout: 'layouts/respond', status });
  }

  /** Residents answer only an open publication; every other stage has its own page (and staff get a way to preview). */
  async function gate(req: Request, res: Response, l: Loaded): Promise<boolean> {
    const stage = stageOf(deps, l.publication, l.survey, l.site);
    const page = RESIDENT_PAGE[stage];
    if (page.view === 'form') return true;
    if (stage === 'paused') res.set('Retry-After', '3600');
    const titles = { 'not-yet': 'respond.notYetTitle', paused: 'respond.pausedTitle', ended: 'respond.endedTitle' } as const;
    message(res, page.status, page.view, {
      title: req.t(titles[page.view]),
      survey: l.survey,
      site: l.site,
      stage,
      previewHref: canManage(req.actor) ? `/admin/surveys/${l.survey.id}/preview?site=${encodeURIComponent(l.site.id)}` : null,
    });
    return false;
  }

  router.get('/s/:code', async (req, res) => {
    const l = await load(req);
    if (!(await gate(req, res, l))) return;
    const channel = channelFor(req, l.site.id);
    if (await alreadyAnswered(deps, l.survey, channel, req.deviceId ?? null)) {
      return message(res, 200, 'already', { title: req.t('respond.alreadyTitle'), survey: l.survey, site: l.site });
    }
    const page = formPage(l, newFormToken(l.publication.id, l.survey.version, deps.clock().getTime(), channel));
    // A resident's blank form comes from the cache of rendered pages; staff (and one-time messages) get a fresh render.
    if (!req.user && !req.session?.flash?.length && plainQuery(req)) return sendBlankForm(req, res, page);
    await renderForm(req, res, page);
  });

  const submit: RequestHandler = async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    let l: Loaded;
    try {
      l = await load(req);
      if (!(await gate(req, res, l))) return;
    } catch (err) {
      if (!isStoreUnavailable(err)) throw err;
      // The store is down before we could even read the questionnaire: nothing was written. Hand
      // the answers back in a one-button form; resending them is safe (same submission token).
      req.log?.error({ err }, 'store unavailable while receiving a response');
      const fields: [string, string][] = [];
      for (const [k, v] of Object.entries(body)) {
        if (k === '_csrf') continue;
        for (const x of Array.isArray(v) ? v : [v]) if (typeof x === 'string') fields.push([k, x]);
      }
      return message(res, 503, 'retry', { title: req.t('respond.retryTitle'), fields, action: req.originalUrl });
    }
    const token = req.formToken ?? verifyFormToken(key, body.ft, req.deviceId);
    const fresh = () => formPage(l, newFormToken(l.publication.id, l.survey.version, deps.clock().getTime(), channelFor(req, l.site.id)));
    if (!token || token.publicationId !== l.publication.id || token.channel === 'test') {
      return renderForm(req, res, fresh(), { status: 400, values: body, notice: req.t('respond.tokenInvalid') });
    }
    if ((token.channel === 'assisted' || token.channel === 'paper') && !assistedAllowed(req, l.site.id)) {
      return renderForm(req, res, fresh(), { status: 403, values: body, notice: req.t('respond.assistedLogin') });
    }
    const which = switchOf(body);
    if (which) return applySwitch(req, res, which, formPage(l, token));
    if (deps.clock().getTime() - token.issuedAt > FORM_MAX_AGE_MS) {
      return renderForm(req, res, fresh(), { status: 400, values: body, notice: req.t('respond.tokenExpired') });
    }
    let result;
    try {
      result = await submitResponse(deps, {
        publication: l.publication,
        survey: l.survey,
        site: l.site,
        token,
        body,
        deviceId: req.deviceId ?? null,
        ipHash: ipHash(req),
        enteredBy: req.user?.id ?? null,
      });
    } catch (err) {
      if (err instanceof AppError) throw err;
      // The store failed: nothing was written (one transaction). Keep every answer and the same token so a retry is safe.
      req.log?.error({ err }, 'storing a response failed');
      return renderForm(req, res, formPage(l, token), { status: 503, values: body, notice: req.t('respond.tryAgain') });
    }
    if (result.kind === 'invalid') {
      const errors: Record<string, string> = {};
      for (const [k, v] of Object.entries(result.errors)) errors[k] = req.t(v.key, v.params);
      return renderForm(req, res, formPage(l, token), { status: 400, values: body, errors, notice: req.t('respond.fixErrors', { count: Object.keys(errors).length }) });
    }
    if (result.kind === 'already-answered') {
      return message(res, 409, 'already', { title: req.t('respond.alreadyTitle'), survey: l.survey, site: l.site });
    }
    // A resident's thank-you page carries the response's signed reference: after a bad review it
    // offers the case's receipt code and the contact form (以评促改).
    const next = token.channel === 'paper' ? '?assisted=1&paper=1' : token.channel === 'assisted' ? '?assisted=1' : result.caseOpened ? `?r=${responseRef(deps, result.response.id)}` : '';
    res.redirect(303, `/s/${l.publication.code}/thanks${next}`);
  };
  /**
   * The CSRF check of a questionnaire's POST: its form token, when it verifies for this request's
   * device, is what a CSRF token would prove (only a page of ours served to this device holds it:
   * the MAC covers the device id, which is the httpOnly signed cookie's value), so the CSRF
   * middleware after it lets the request through (req.formToken). Anything else — no device cookie,
   * a token of another device, an unbound token (a form served before tokens were bound), a
   * forged one — is left to that middleware, which then needs a valid CSRF token as before.
   */
  const formTokenCsrf: RequestHandler = (req, _res, next) => {
    if (req.method === 'POST' && req.deviceId && QUESTIONNAIRE_PATH.test(req.path)) {
      const token = verifyFormToken(key, (req.body as Record<string, unknown> | undefined)?.ft, req.deviceId);
      if (token?.deviceBound) req.formToken = token;
    }
    next();
  };
  const submitSteps = [residentPage, perIp, perPublication, submit];
  router.post('/s/:code', perIp, perPublication, submit);

  router.get('/s/:code/thanks', async (req, res) => {
    const l = await load(req);
    const staff = req.query.assisted === '1' && assistedAllowed(req, l.site.id);
    const caseInfo = staff ? null : await caseForThanks(deps, req.query.r);
    message(res, 200, 'thanks', {
      caseInfo,
      contactSaved: req.query.saved === '1',
      contactErrors: {},
      contactValues: {},
      contactDays: deps.config.caseContactDays,
      publicBase: deps.config.publicBaseUrl,
      title: req.t('respond.thanksTitle'),
      survey: l.survey,
      site: l.site,
      code: l.publication.code,
      assisted: staff,
      nextHref: staff ? `/s/${l.publication.code}${req.query.paper === '1' ? ACTION_QUERY.paper : ACTION_QUERY.assisted}` : null,
      onePerDevice: !staff && l.survey.settings.duplicatePolicy === 'one-per-device',
    });
  });

  // The security headers of the full chain, recorded once (helmet's are fixed); if they were not, helmet runs per request.
  const fixedSecurity = recordFixedHeaders(steps.security);
  const securityFlat = fixedSecurity ? fixedSecurity.flat() : null;
  const deviceOptions = deviceCookieOptions(deps.config);
  const writeCookie = cookieWriter(steps.cookieSecret);

  // Every blank form's headers but its length and cookies, in the order the full chain sets them.
  const plainHeaders = [...(securityFlat ?? []), 'Cache-Control', 'no-store', 'Content-Type', 'text/html; charset=utf-8', 'Vary', 'Accept-Language, Accept-Encoding'];
  const gzipHeaders = [...plainHeaders, 'Content-Encoding', 'gzip'];
  let leanServed = 0;
  const blankForm: RequestHandler = (req, res, next) => {
    // The query is read once here (Express parses it again at every read of req.query).
    const query = req.query;
    let via: unknown;
    for (const k in query) {
      if (k !== 'via') return next();
      via = query[k];
    }
    const code = String(req.params.code);
    if ((via !== undefined && typeof via !== 'string') || !CODE.test(code)) return next();
    steps.log(req, res, NOOP);
    steps.cookies(req, res, NOOP);
    if (hasSessionCookie(req)) return next();
    const channel: Channel = via === 'link' ? 'link' : 'qr';
    // The publication from the cache without a promise when the store can say at once that it is
    // current (SQLite); else, or on a cache miss, read as the full chain reads it.
    let now: LoadedPublication | null | undefined;
    try {
      now = loadPublicationNow(deps, code);
    } catch {
      return next();
    }
    if (now !== undefined) return serveBlank(req, res, next, now, channel);
    loadPublication(deps, code).then(
      (l) => serveBlank(req, res, next, l, channel),
      () => next(),
    );
  };

  /** The blank form for a publication as loaded; synchronous unless a one-per-device survey must look the device up. */
  function serveBlank(req: Request, res: Response, next: NextFunction, l: LoadedPublication | null, channel: Channel): void {
    let known: unknown;
    try {
      if (!l || stageOf(deps, l.publication, l.survey, l.site) !== 'open') return next();
      known = req.signedCookies?.[DEVICE_COOKIE];
    } catch {
      return next();
    }
    if (!isDeviceId(known)) {
      const fresh = newSecretToken(18);
      return sendBlank(req, res, next, l, channel, fresh, writeCookie(DEVICE_COOKIE, fresh, deviceOptions));
    }
    if (!answerCheckNeeded(l.survey, channel, known)) return sendBlank(req, res, next, l, channel, known, null);
    alreadyAnswered(deps, l.survey, channel, known).then(
      (answered) => (answered ? next() : sendBlank(req, res, next, l, channel, known, null)),
      () => next(),
    );
  }

  /**
   * Sends the cached blank page with this request's form token (and a new device's cookie). Anything
   * short of that — the page not rendered yet (the first visit after a start or an edit), a token that
   * cannot go in, an error before the headers went out — leaves the request to the full chain.
   */
  function sendBlank(req: Request, res: Response, next: NextFunction, l: LoadedPublication, channel: Channel, deviceId: string, deviceCookie: string | null): void {
    let body: Buffer | null = null;
    let gzip = false;
    try {
      const locale = requestLocale(req, undefined, deps.config);
      const page = formPage(l, newFormToken(l.publication.id, l.survey.version, deps.clock().getTime(), channel));
      const compiled = cachedBlankPage(page, { locale, big: req.cookies?.[BIG_COOKIE] === '1', langHref: langHrefFor(req.originalUrl, locale), currentPath: req.path });
      if (compiled) {
        req.deviceId = deviceId;
        gzip = acceptsGzip(req);
        body = splicedBody(compiled, req, page, gzip);
        if (!securityFlat && body) steps.security(req, res, NOOP);
      }
    } catch {
      body = null;
    }
    if (!body) {
      req.deviceId = undefined;
      return next();
    }
    const headers = (gzip ? gzipHeaders : plainHeaders).slice();
    headers.push('Content-Length', String(body.length));
    if (deviceCookie) headers.push('Set-Cookie', deviceCookie);
    try {
      sendWhole(res, 200, headers, body);
    } catch (err) {
      return res.headersSent ? next(err) : next();
    }
    leanServed++;
  }

  return { router, blankForm, formTokenCsrf, submitSteps, leanServed: () => leanServed };
}
