import { Router, type Request, type Response } from 'express';
import { NotFoundError, ValidationError } from '../errors';
import { limiter } from '../http/rate-limit';
import { caseByReceipt, caseForThanks, leaveContact } from '../services/cases';
import type { Deps } from '../services/context';
import { loadPublication } from '../services/responses';

/**
 * The resident's side of 以评促改: leaving a contact on the thank-you page (POST, CSRF and the
 * response's signed reference) and the public progress page /c/<code> (no login, no JavaScript).
 */
export function casesPublicRouter(deps: Deps, ipHash: (req: Request) => string): Router {
  const router = Router();
  // Guessing codes: 30 look-ups a minute per address, counted whether the code was right or wrong.
  const lookups = limiter(deps.store, deps.clock, 'receipt', { windowMs: 60_000, limit: 30, key: ipHash });
  const contacts = limiter(deps.store, deps.clock, 'case-contact', { windowMs: 60_000, limit: 20, key: ipHash });

  function receiptPage(req: Request, res: Response, status: number, locals: Record<string, unknown>) {
    res.set('Cache-Control', 'no-store');
    res.set('X-Robots-Tag', 'noindex');
    res.page('respond/receipt', { title: req.t('cases.receiptPage.title'), found: null, code: '', ...locals }, { layout: 'layouts/respond', status });
  }

  router.get('/c', lookups, async (req, res) => {
    const code = typeof req.query.code === 'string' ? req.query.code : '';
    if (code) return res.redirect(303, `/c/${encodeURIComponent(code.trim())}`);
    receiptPage(req, res, 200, {});
  });

  router.get('/c/:code', lookups, async (req, res) => {
    const found = await caseByReceipt(deps, String(req.params.code));
    // Wrong and expired codes get the same page and status: a code cannot be probed.
    if (!found) return receiptPage(req, res, 404, { found: null, missing: true });
    receiptPage(req, res, 200, { found });
  });

  router.post('/s/:code/contact', contacts, async (req, res) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const code = String(req.params.code);
    const back = `/s/${encodeURIComponent(code)}/thanks?r=${encodeURIComponent(String(body.r ?? ''))}`;
    try {
      await leaveContact(deps, { ref: body.r, phone: body.phone, callback: body.callback });
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      const [info, l] = await Promise.all([caseForThanks(deps, body.r), loadPublication(deps, code)]);
      if (!l) throw new NotFoundError('respond.unknown');
      const errors: Record<string, string> = {};
      for (const [k, v] of Object.entries(err.fields ?? {})) errors[k] = req.t(v.key, v.params);
      res.set('Cache-Control', 'no-store');
      return res.page(
        'respond/thanks',
        { title: req.t('respond.thanksTitle'), survey: l.survey, site: l.site, code, assisted: false, nextHref: null, onePerDevice: false, caseInfo: info, contactSaved: false, contactErrors: errors, contactValues: body, contactDays: deps.config.caseContactDays, publicBase: deps.config.publicBaseUrl },
        { layout: 'layouts/respond', status: 400 },
      );
    }
    res.redirect(303, `${back}&saved=1`);
  });

  return router;
}

