import { Router, type Request, type Response } from 'express';
import type { Channel } from '../../models/response';
import type { Publication } from '../../models/publication';
import type { Site } from '../../models/site';
import type { Question, Survey } from '../../models/survey';
import { answerField } from '../domain/answers';
import { AppError, NotFoundError } from '../errors';
import { isStoreUnavailable } from '../http/errors';
import { limiter } from '../http/rate-limit';
import { deriveKey } from '../secrets';
import type { Deps } from '../services/context';
import { newFormToken, signFormToken, verifyFormToken, type FormToken } from '../services/form-token';
import { canManage } from '../services/permissions';
import { deviceHashOf, publicationState, submitResponse } from '../services/responses';
import { versionQuestions } from '../services/surveys';

const BIG_COOKIE = 'manyi.big';
/** A form older than this is refreshed (answers kept) rather than trusted for answer time. */
const FORM_MAX_AGE_MS = 24 * 3600_000;
const CODE = /^[a-z2-9]{6,16}$/;

interface Loaded {
  publication: Publication;
  survey: Survey;
  site: Site;
}

/** The resident's questionnaire at /s/:code: server-rendered, works without JavaScript. */
export function respondRouter(deps: Deps, ipHash: (req: Request) => string): Router {
  const router = Router();
  const formKey = deriveKey(deps.config.sessionSecret, 'form-token');
  const perIp = limiter(deps.store, deps.clock, 'submit-ip', { windowMs: 60_000, limit: deps.config.submitLimitPerIp, key: ipHash });
  const perPublication = limiter(deps.store, deps.clock, 'submit-pub', { windowMs: 60_000, limit: deps.config.submitLimitPerStation, key: (req) => String(req.params.code) });

  router.use('/s/:code', (req, res, next) => {
    res.set('Cache-Control', 'no-store');
    // Large-text mode (大字模式) is a cookie, switched by a plain link so it works without JavaScript.
    const big = req.query.big;
    if (big === '1' || big === '0') {
      res.cookie(BIG_COOKIE, big, { httpOnly: true, sameSite: 'lax', secure: deps.config.secureCookies, maxAge: 365 * 24 * 3600_000 });
      res.locals.big = big === '1';
    } else res.locals.big = req.cookies?.[BIG_COOKIE] === '1';
    next();
  });

  async function load(req: Request): Promise<Loaded> {
    const code = String(req.params.code);
    if (!CODE.test(code)) throw new NotFoundError('respond.unknown');
    const publication = await deps.store.publications.getByCode(code);
    if (!publication) throw new NotFoundError('respond.unknown');
    const [survey, site] = await Promise.all([deps.store.surveys.get(publication.surveyId), deps.store.sites.get(publication.siteId)]);
    if (!survey || !site) throw new NotFoundError('respond.unknown');
    return { publication, survey, site };
  }

  /** Assisted entry: a logged-in worker who may enter answers for this station. */
  function assistedAllowed(req: Request, siteId: string): boolean {
    const u = req.user;
    if (!u) return false;
    if (u.role === 'station') return u.siteIds.includes(siteId);
    return canManage(req.actor);
  }

  function channelFor(req: Request, siteId: string): Channel {
    if (req.query.assisted === '1' && assistedAllowed(req, siteId)) return 'assisted';
    return req.query.via === 'link' ? 'link' : 'qr';
  }

  /** Renders a page of the resident layout (thank-you, ended, not found…). */
  function message(res: Response, status: number, view: string, locals: Record<string, unknown>) {
    res.page(`respond/${view}`, locals, { layout: 'layouts/respond', status });
  }

  /**
   * The questions' HTML of an unanswered form depends only on the survey version and the page
   * language, so it is rendered once and reused; a form shown again with answers or errors is
   * rendered afresh. Keyed by updatedAt too, because a version without responses is edited in place.
   */
  const blankQuestions = new Map<string, string>();
  function renderQuestions(req: Request, res: Response, l: Loaded, questions: Question[], values: Record<string, unknown>, errors: Record<string, string>): Promise<string> {
    const blank = Object.keys(errors).length === 0 && Object.values(values).every((v) => v === undefined);
    const key = `${l.survey.id}|${l.survey.version}|${l.survey.updatedAt}|${req.locale}|${questions.length}`;
    const cached = blank ? blankQuestions.get(key) : undefined;
    if (cached !== undefined) return Promise.resolve(cached);
    return new Promise((resolve, reject) => {
      res.render('respond/questions', { survey: l.survey, questions, values, errors }, (err, html) => {
        if (err) return reject(err);
        if (blank) {
          if (blankQuestions.size >= 500) blankQuestions.delete(blankQuestions.keys().next().value!);
          blankQuestions.set(key, html);
        }
        resolve(html);
      });
    });
  }

  async function renderForm(
    req: Request,
    res: Response,
    l: Loaded,
    token: FormToken,
    options: { status?: number; values?: Record<string, unknown>; errors?: Record<string, string>; notice?: string | null } = {},
  ) {
    const { questions } = await versionQuestions(deps, l.survey, token.version);
    const values: Record<string, unknown> = {};
    for (const q of questions) values[q.id] = options.values?.[answerField(q.id)];
    const questionsHtml = await renderQuestions(req, res, l, questions, values, options.errors ?? {});
    res.page(
      'respond/form',
      {
        title: l.survey.title,
        survey: l.survey,
        site: l.site,
        questions,
        questionsHtml,
        errors: options.errors ?? {},
        notice: options.notice ?? null,
        formToken: signFormToken(formKey, token),
        channel: token.channel,
        code: l.publication.code,
      },
      { layout: 'layouts/respond', status: options.status ?? 200 },
    );
  }

  async function gate(req: Request, res: Response, l: Loaded): Promise<boolean> {
    const state = publicationState(deps, l.publication, l.survey, l.site);
    if (state === 'hidden') throw new NotFoundError('respond.unknown');
    if (state === 'ended') {
      message(res, 410, 'ended', { title: req.t('respond.endedTitle'), survey: l.survey, site: l.site });
      return false;
    }
    if (state === 'not-yet-open') {
      message(res, 403, 'not-yet', { title: req.t('respond.notYetTitle'), survey: l.survey, site: l.site });
      return false;
    }
    return true;
  }

  router.get('/s/:code', async (req, res) => {
    const l = await load(req);
    if (!(await gate(req, res, l))) return;
    const channel = channelFor(req, l.site.id);
    if (channel !== 'assisted' && l.survey.settings.duplicatePolicy === 'one-per-device' && req.deviceId) {
      if (await deps.store.responses.existsForDevice(l.survey.id, deviceHashOf(deps, req.deviceId))) {
        return message(res, 200, 'already', { title: req.t('respond.alreadyTitle'), survey: l.survey, site: l.site });
      }
    }
    await renderForm(req, res, l, newFormToken(l.publication.id, l.survey.version, deps.clock().getTime(), channel));
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
    const token = verifyFormToken(formKey, body.ft);
    const fresh = () => newFormToken(l.publication.id, l.survey.version, deps.clock().getTime(), channelFor(req, l.site.id));
    if (!token || token.publicationId !== l.publication.id) {
      return renderForm(req, res, l, fresh(), { status: 400, values: body, notice: req.t('respond.tokenInvalid') });
    }
    if (token.channel === 'assisted' && !assistedAllowed(req, l.site.id)) {
      return renderForm(req, res, l, fresh(), { status: 403, values: body, notice: req.t('respond.assistedLogin') });
    }
    if (deps.clock().getTime() - token.issuedAt > FORM_MAX_AGE_MS) {
      return renderForm(req, res, l, fresh(), { status: 400, values: body, notice: req.t('respond.tokenExpired') });
    }
    // The honeypot field is invisible to people; a bot that fills it is thanked and nothing is stored.
    if (typeof body.website === 'string' && body.website !== '') {
      req.log?.info({ publication: l.publication.id }, 'honeypot filled; submission dropped');
      return res.redirect(303, `/s/${l.publication.code}/thanks`);
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
      return renderForm(req, res, l, token, { status: 503, values: body, notice: req.t('respond.tryAgain') });
    }
    if (result.kind === 'invalid') {
      const errors: Record<string, string> = {};
      for (const [k, v] of Object.entries(result.errors)) errors[k] = req.t(v.key, v.params);
      return renderForm(req, res, l, token, { status: 400, values: body, errors, notice: req.t('respond.fixErrors', { count: Object.keys(errors).length }) });
    }
    if (result.kind === 'already-answered') {
      return message(res, 409, 'already', { title: req.t('respond.alreadyTitle'), survey: l.survey, site: l.site });
    }
    const next = token.channel === 'assisted' ? `/s/${l.publication.code}/thanks?assisted=1` : `/s/${l.publication.code}/thanks`;
    res.redirect(303, next);
  });

  router.get('/s/:code/thanks', async (req, res) => {
    const l = await load(req);
    message(res, 200, 'thanks', { title: req.t('respond.thanksTitle'), survey: l.survey, site: l.site, code: l.publication.code, assisted: req.query.assisted === '1' && assistedAllowed(req, l.site.id) });
  });

  return router;
}
