import { Router, type Request, type Response } from 'express';
import type { Deps } from '../../services/context';
import { newFormToken, previewTarget, verifyFormToken } from '../../services/form-token';
import { deleteTestResponses, listTestResponses, previewContext, submitTestResponse, type PreviewContext } from '../../services/test-responses';
import { previewKey, questionnaireRenderer, switchOf } from '../respond-form';

/**
 * Preview and test mode: /admin/surveys/:id/preview shows the real questionnaire (in any state,
 * draft included) in the residents' layout; what is submitted is kept as a test answer, never counted.
 */
export function previewRouter(deps: Deps): Router {
  const router = Router();
  const { renderForm, applySwitch } = questionnaireRenderer(deps);
  const key = previewKey(deps);

  const siteParam = (req: Request) => (typeof req.query.site === 'string' && req.query.site ? req.query.site.slice(0, 64) : null);
  const action = (ctx: PreviewContext) => `/admin/surveys/${ctx.survey.id}/preview${ctx.site ? `?site=${encodeURIComponent(ctx.site.id)}` : ''}`;
  const page = (ctx: PreviewContext, token = newFormToken(previewTarget(ctx.survey.id), ctx.survey.version, deps.clock().getTime(), 'test')) => ({
    survey: ctx.survey,
    site: ctx.site,
    token,
    action: action(ctx),
  });

  router.get('/:id/preview', async (req, res) => {
    const ctx = await previewContext(deps, req.actor, req.params.id as string, siteParam(req));
    await renderForm(req, res, page(ctx));
  });

  router.post('/:id/preview', async (req: Request, res: Response) => {
    const ctx = await previewContext(deps, req.actor, req.params.id as string, siteParam(req));
    const body = (req.body ?? {}) as Record<string, unknown>;
    const token = verifyFormToken(key, body.ft);
    if (!token || token.channel !== 'test' || token.publicationId !== previewTarget(ctx.survey.id)) {
      return renderForm(req, res, page(ctx), { status: 400, values: body, notice: req.t('respond.tokenInvalid') });
    }
    const which = switchOf(body);
    if (which) return applySwitch(req, res, which, page(ctx, token));
    const result = await submitTestResponse(deps, req.actor, { context: ctx, token, body });
    if (result.kind === 'invalid') {
      const errors: Record<string, string> = {};
      for (const [k, v] of Object.entries(result.errors)) errors[k] = req.t(v.key, v.params);
      return renderForm(req, res, page(ctx, token), { status: 400, values: body, errors, notice: req.t('respond.fixErrors', { count: Object.keys(errors).length }) });
    }
    res.page(
      'respond/test-saved',
      { title: req.t('respond.testSaved'), survey: ctx.survey, again: action(ctx), back: `/admin/surveys/${ctx.survey.id}/tests` },
      { layout: 'layouts/respond' },
    );
  });

  router.get('/:id/tests', async (req, res) => {
    const { survey, rows } = await listTestResponses(deps, req.actor, req.params.id, req.t('common.listSep'));
    res.page('admin/surveys/tests', { title: `${req.t('preview.tests')} · ${survey.title}`, survey, rows });
  });

  router.post('/:id/tests/delete', async (req, res) => {
    const id = (req.body as Record<string, unknown>).id;
    const count = await deleteTestResponses(deps, req.actor, req.params.id, typeof id === 'string' && id ? id : null);
    req.session.flash = [{ kind: 'ok', text: req.t('preview.deleted', { count }) }];
    res.redirect(303, `/admin/surveys/${req.params.id}/tests`);
  });

  return router;
}
