import crypto from 'node:crypto';
import type { Request, Response } from 'express';
import type { Question, Survey } from '../../models/survey';
import type { Site } from '../../models/site';
import { answerField } from '../domain/answers';
import { isLocale } from '../i18n';
import { setLocale } from '../http/locale';
import { deriveKey } from '../secrets';
import { acceptsGzip } from '../http/negotiate';
import type { Deps } from '../services/context';
import { signFormToken, type FormToken } from '../services/form-token';
import { PAPER_DATE_FIELD } from '../services/responses';
import { versionQuestions } from '../services/surveys';
import { compileSplicedPage, spliceGzip, splicePlain, type SplicedPage } from '../http/spliced-page';

/** The reserved slot of a cached blank form (letters and dashes: EJS escaping leaves it as it is). */
const FORM_TOKEN_SLOT = 'manyi-slot-ft-5e0c1d';
const SLOT_SAFE = /^[A-Za-z0-9._|-]+$/;

const fingerprints = new WeakMap<object, string>();
/** A digest of what an object read from the store holds (its response count left out: it changes with every answer). */
function fingerprint(o: Survey | Site): string {
  let fp = fingerprints.get(o);
  if (fp === undefined) {
    fp = crypto.createHash('sha256').update(JSON.stringify({ ...o, responseCount: 0 })).digest('base64url');
    fingerprints.set(o, fp);
  }
  return fp;
}

export const BIG_COOKIE = 'manyi.big';
/** The form's switch buttons (大字模式, language) post the answers back under this name; nothing is stored. */
export const SWITCH_FIELD = '_switch';

export interface FormPage {
  survey: Survey;
  /** The station named on the form (null in a preview without one). */
  site: Site | null;
  token: FormToken;
  /** Where the form posts (the resident URL, or the preview URL). */
  action: string;
}

export interface FormOptions {
  status?: number;
  /** The posted body, to show the answers again. */
  values?: Record<string, unknown>;
  errors?: Record<string, string>;
  notice?: string | null;
}

/** 大字模式 (large text) is remembered in a cookie; read once per request into res.locals.big. */
export function readBigMode(req: Request, res: Response): boolean {
  if (typeof res.locals.big !== 'boolean') res.locals.big = req.cookies?.[BIG_COOKIE] === '1';
  return res.locals.big as boolean;
}

/** Which switch a posted form asked for, if any. */
export function switchOf(body: unknown): 'big' | 'lang' | null {
  const v = (body as Record<string, unknown> | undefined)?.[SWITCH_FIELD];
  return v === 'big' || v === 'lang' ? v : null;
}

/** Rendering of the questionnaire, shared by the resident page (/s/:code) and the evaluators' preview. */
export function questionnaireRenderer(deps: Deps) {
  /**
   * The questions' HTML of an unanswered form depends only on the survey version and the page
   * language, so it is rendered once and reused; a form shown again with answers or errors is
   * rendered afresh. Keyed by updatedAt too, because a version without responses is edited in place.
   */
  const blankQuestions = new Map<string, string>();
  function renderQuestions(
    req: Request,
    res: Response,
    survey: Survey,
    questions: Question[],
    values: Record<string, unknown>,
    errors: Record<string, string>,
    transcribing: boolean,
  ): Promise<string> {
    const blank = Object.keys(errors).length === 0 && Object.values(values).every((v) => v === undefined);
    const key = `${survey.id}|${survey.version}|${survey.updatedAt}|${req.locale}|${questions.length}|${transcribing}`;
    const cached = blank ? blankQuestions.get(key) : undefined;
    if (cached !== undefined) return Promise.resolve(cached);
    return new Promise((resolve, reject) => {
      res.render('respond/questions', { survey, questions, values, errors, transcribing }, (err, html) => {
        if (err) return reject(err);
        if (blank) {
          if (blankQuestions.size >= 500) blankQuestions.delete(blankQuestions.keys().next().value!);
          blankQuestions.set(key, html);
        }
        resolve(html);
      });
    });
  }

  async function formLocals(req: Request, res: Response, page: FormPage, options: FormOptions, formToken: string): Promise<Record<string, unknown>> {
    readBigMode(req, res);
    const { questions } = await versionQuestions(deps, page.survey, page.token.version);
    const values: Record<string, unknown> = {};
    for (const q of questions) values[q.id] = options.values?.[answerField(q.id)];
    // A paper questionnaire is typed in as written: questions the resident left blank may stay blank.
    const questionsHtml = await renderQuestions(req, res, page.survey, questions, values, options.errors ?? {}, page.token.channel === 'paper');
    const paperDate = options.values?.[PAPER_DATE_FIELD];
    return {
      title: page.survey.title,
      survey: page.survey,
      site: page.site,
      questions,
      questionsHtml,
      errors: options.errors ?? {},
      notice: options.notice ?? null,
      formToken,
      // A form token bound to this browser's device is the form's CSRF check (see tokenFor): no CSRF token then.
      csrfField: !deviceBound(req, page),
      channel: page.token.channel,
      action: page.action,
      paperDate: typeof paperDate === 'string' ? paperDate.slice(0, 10) : '',
      // The switches are buttons of this form, so they carry what was typed (no JavaScript needed).
      formSwitches: true,
    };
  }

  /**
   * A questionnaire's form token is bound to the browser's device (the signed device cookie), which
   * makes it the CSRF check of the form's POST (respondRouter's formTokenCsrf): the page carries no
   * CSRF token and sets no CSRF cookie. A preview's token (posted to /admin) is not, and its page has one.
   */
  const deviceBound = (req: Request, page: FormPage) => page.token.channel !== 'test' && typeof req.deviceId === 'string';
  const tokenFor = (req: Request, page: FormPage) =>
    page.token.channel === 'test' ? signFormToken(previewKey(deps), page.token) : signFormToken(formKey(deps), page.token, req.deviceId);

  async function renderForm(req: Request, res: Response, page: FormPage, options: FormOptions = {}): Promise<void> {
    const locals = await formLocals(req, res, page, options, tokenFor(req, page));
    res.page('respond/form', locals, { layout: 'layouts/respond', status: options.status ?? 200 });
  }

  /**
   * Blank questionnaires, rendered once per page variant with their two tokens left as slots (see
   * http/spliced-page.ts). The key holds everything the page is rendered from — a fingerprint of
   * the survey and station as read, the publication, version, channel, language, 大字模式 and the
   * query the language link keeps — so an edit, a new version or a renamed station is a new key
   * and never a stale page; a paused or closed publication never reaches the form (gate). Bounded.
   */
  const blankPages = new Map<string, SplicedPage | null>();
  const BLANK_PAGES_MAX = 256;

  /** What a blank page is rendered from besides the page itself (see blankPages). */
  interface Variant {
    locale: string;
    big: boolean;
    /** The language switch's link (langHrefFor) and the path the page was asked at. */
    langHref: string;
    currentPath: string;
  }

  function blankPageKey(page: FormPage, v: Variant): string {
    return [
      fingerprint(page.survey),
      page.site ? fingerprint(page.site) : '',
      page.token.publicationId,
      page.token.version,
      page.token.channel,
      page.action,
      v.locale,
      v.big ? 'big' : '',
      v.langHref,
      v.currentPath,
    ].join('\u0001');
  }

  /** The body of a cached blank page with this request's form token in it; null when it cannot go in as it is. */
  function splicedBody(compiled: SplicedPage, req: Request, page: FormPage, gzip: boolean): Buffer | null {
    const values = [tokenFor(req, page)];
    // The token is base64url and '.' only: nothing to escape (the slot was rendered escaped).
    if (!values.every((v) => SLOT_SAFE.test(v))) return null;
    return gzip ? spliceGzip(compiled, values) : splicePlain(compiled, values);
  }

  /**
   * A blank page already in the cache, for the resident form's lean path (respondRouter's blankForm),
   * which never renders: on a miss it goes the full way, and sendBlankForm fills the cache.
   */
  function cachedBlankPage(page: FormPage, v: Variant): SplicedPage | undefined {
    return blankPages.get(blankPageKey(page, v)) ?? undefined;
  }

  /**
   * Sends an unanswered questionnaire from the cache of blank pages: only this request's signed form
   * token is new, spliced into the cached page, gzip-compressed without compressing the page again.
   * Same page, headers, cookies and token as renderForm. The cached pages are those of a device-bound
   * token (no CSRF field); a request without a device id (never a GET) is rendered afresh.
   */
  async function sendBlankForm(req: Request, res: Response, page: FormPage): Promise<void> {
    if (!deviceBound(req, page)) return renderForm(req, res, page);
    const variant: Variant = {
      locale: req.locale,
      big: readBigMode(req, res),
      langHref: String(res.locals.langHref),
      currentPath: String(res.locals.currentPath),
    };
    const key = blankPageKey(page, variant);
    let compiled = blankPages.get(key);
    if (compiled === undefined) {
      const locals = await formLocals(req, res, page, {}, FORM_TOKEN_SLOT);
      const html = await res.pageHtml('respond/form', locals, { layout: 'layouts/respond' });
      compiled = compileSplicedPage(html, [FORM_TOKEN_SLOT]);
      if (blankPages.size >= BLANK_PAGES_MAX) blankPages.delete(blankPages.keys().next().value!);
      blankPages.set(key, compiled);
    }
    const gzip = acceptsGzip(req);
    const body = compiled && splicedBody(compiled, req, page, gzip);
    if (!body) return renderForm(req, res, page);
    res.status(200).type('html').vary('Accept-Encoding');
    if (gzip) res.setHeader('Content-Encoding', 'gzip');
    res.setHeader('Content-Length', body.length);
    res.end(body);
  }

  /**
   * 大字模式 or the language switch, pressed on a filled-in form: remember the choice and show the
   * same form (same token, so answer time still runs from when it was first issued) with the answers kept.
   */
  async function applySwitch(req: Request, res: Response, which: 'big' | 'lang', page: FormPage): Promise<void> {
    if (which === 'big') {
      const big = !readBigMode(req, res);
      res.cookie(BIG_COOKIE, big ? '1' : '0', { httpOnly: true, sameSite: 'lax', secure: deps.config.secureCookies, maxAge: 365 * 24 * 3600_000 });
      res.locals.big = big;
    } else {
      const next = req.locale === 'zh-CN' ? 'en' : 'zh-CN';
      if (isLocale(next)) setLocale(req, res, next, deps.config);
    }
    await renderForm(req, res, page, { values: req.body as Record<string, unknown> });
  }

  return { renderForm, applySwitch, sendBlankForm, cachedBlankPage, splicedBody };
}


const keys = new WeakMap<Deps['config'], { form: Buffer; preview: Buffer }>();
function keysOf(deps: Deps) {
  let k = keys.get(deps.config);
  if (!k) {
    k = { form: deriveKey(deps.config.sessionSecret, 'form-token'), preview: deriveKey(deps.config.sessionSecret, 'preview-token') };
    keys.set(deps.config, k);
  }
  return k;
}
/** The key that signs residents' form tokens. */
export const formKey = (deps: Deps) => keysOf(deps).form;
/** Preview tokens have a key of their own: a preview token can never pass as a resident's. */
export const previewKey = (deps: Deps) => keysOf(deps).preview;
