import { Router, type Request, type RequestHandler, type Response } from 'express';
import type { Channel } from '../../models/response';
import type { Publication } from '../../models/publication';
import type { Site } from '../../models/site';
import type { Survey } from '../../models/survey';
import { RESIDENT_PAGE } from '../domain/lifecycle';
import { AppError, NotFoundError } from '../errors';
import { isStoreUnavailable } from '../http/errors';
import { limiter } from '../http/rate-limit';
import { hasSessionCookie } from '../http/session';
import type { Deps } from '../services/context';
import { newFormToken, verifyFormToken, type FormToken } from '../services/form-token';
import { canManage } from '../services/permissions';
import { caseForThanks, responseRef } from '../services/cases';
import { alreadyAnswered, loadPublication, stageOf, submitResponse } from '../services/responses';
import { BIG_COOKIE, formKey, questionnaireRenderer, switchOf } from './respond-form';

/** A form older than this is refreshed (answers kept) rather than trusted for answer time. */
const FORM_MAX_AGE_MS = 24 * 3600_000;
const CODE = /^[a-z2-9]{6,16}$/;

interface Loaded {
  publication: Publication;
  survey: Survey;
  site: Site;
}

/** The query parameters a resident's link or the page's own switches carry; any other query is rendered afresh. */
const CACHEABLE_QUERY = new Set(['lang', 'big', 'via']);
const plainQuery = (req: Request) => Object.keys(req.query).every((k) => CACHEABLE_QUERY.has(k) && typeof req.query[k] === 'string');

/** Runs one middleware as a step of another handler. */
const step = (mw: RequestHandler, req: Request, res: Response) =>
  new Promise<void>((resolve, reject) => {
    void mw(req, res, (err?: unknown) => (err ? reject(err) : resolve()));
  });

export interface RespondRoutes {
  /** Every resident route (/s/:code, its thanks page…). */
  router: Router;
  /**
   * GET /s/:code for an anonymous resident, mounted right after the security headers: it runs only
   * the steps the blank form needs (`steps`: cookies, language, device cookie, render helpers — the
   * app's own instances, each safe to run twice) and serves the cached page. Anything else — a
   * session cookie (staff), an unknown query or code, a stage other than open, a device that has
   * answered, an error — goes on through the full chain to `router`, which answers it as before.
   */
  blankForm: RequestHandler;
}

/** The resident's questionnaire at /s/:code: server-rendered, works without JavaScript. */
export function respondRouter(deps: Deps, ipHash: (req: Request) => string, steps: { cookies: RequestHandler; locale: RequestHandler; device: RequestHandler; helpers: RequestHandler }): RespondRoutes {
  const router = Router();
  const key = formKey(deps);
  const { renderForm, applySwitch, sendBlankForm } = questionnaireRenderer(deps);
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
  router.use('/s/:code', (req, res, next) => {
    residentHeaders(req, res);
    next();
  });

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

  router.post('/s/:code', perIp, perPublication, async (req, res) => {
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
    const token = verifyFormToken(key, body.ft);
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
  });

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

  const blankForm: RequestHandler = (req, res, next) => {
    (async () => {
      await step(steps.cookies, req, res);
      const code = String(req.params.code);
      if (hasSessionCookie(req) || !plainQuery(req) || !CODE.test(code)) return next();
      const l = await loadPublication(deps, code);
      if (!l || stageOf(deps, l.publication, l.survey, l.site) !== 'open') return next();
      await step(steps.locale, req, res);
      await step(steps.device, req, res);
      const channel = channelFor(req, l.site.id);
      if (await alreadyAnswered(deps, l.survey, channel, req.deviceId ?? null)) return next();
      await step(steps.helpers, req, res);
      residentHeaders(req, res);
      await sendBlankForm(req, res, formPage(l, newFormToken(l.publication.id, l.survey.version, deps.clock().getTime(), channel)));
    })().catch((err: unknown) => (res.headersSent ? next(err) : next()));
  };

  return { router, blankForm };
}
