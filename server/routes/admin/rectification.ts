import { Router, type Request, type RequestHandler, type Response } from 'express';
import { EVIDENCE_MAX_BYTES, EVIDENCE_TYPES } from '../../domain/report/facts';
import { RECTIFICATION_STATUSES } from '../../domain/rectification';
import { zoneName } from '../../domain/time';
import { ForbiddenError } from '../../errors';
import type { Deps } from '../../services/context';
import { canManage } from '../../services/permissions';
import { addRectificationFile, rectificationModel, removeRectificationFile, updateRectificationItem } from '../../services/rectification';
import { throwUploadProblem } from './evaluation-report';
import { fieldsOf, viewHelpers, failureOf, flash, type Failure } from './evaluation-forms';

type Req = Request;
type Res = Response;

const idOf = (req: Req) => String(req.params.id ?? '');
const itemOf = (req: Req) => String(req.params.itemId ?? '');
const body = (req: Req) => (req.body ?? {}) as Record<string, unknown>;

/** The path of an item's upload form, for app.ts to mount evidenceUpload() on (before the CSRF check). */
export const RECTIFICATION_UPLOAD_PATH = '/admin/evaluations/:id/rectification/:itemId/files';

/**
 * /admin/evaluations/:id/rectification: the 整改 items with their status (overdue ones marked, in
 * the configured zone), a form per item, and its evidence files. Open to everyone who may read the
 * evaluation; admins and evaluators change, locked or not.
 */
export function rectificationRouter(deps: Deps): Router {
  const router = Router();
  const manage: RequestHandler = (req, _res, next) => next(canManage(req.actor) ? undefined : new ForbiddenError());
  const base = (id: string) => `/admin/evaluations/${encodeURIComponent(id)}`;
  const back = (req: Req) => `${base(idOf(req))}/rectification#item-${encodeURIComponent(itemOf(req))}`;

  const show = async (req: Req, res: Res, failure: Failure | null = null) => {
    const model = await rectificationModel(deps, req.actor, idOf(req));
    res.page(
      'admin/evaluations/rectification',
      {
        title: `${req.t('rectification.title')} · ${model.evaluation.record.name}`,
        model,
        failure,
        statuses: RECTIFICATION_STATUSES,
        zone: zoneName(deps.config.timeZone, req.t('time.beijing')),
        timeZone: deps.config.timeZone,
        maxMb: EVIDENCE_MAX_BYTES / 1024 / 1024,
        accept: Object.keys(EVIDENCE_TYPES).map((e) => `.${e}`).join(','),
        types: Object.keys(EVIDENCE_TYPES).join(', '),
        canManage: canManage(req.actor),
        base: base(idOf(req)),
        ...viewHelpers(req.locale, deps.config.timeZone),
      },
      { status: failure?.status ?? 200 },
    );
  };

  router.get('/:id/rectification', (req, res) => show(req, res));

  router.post('/:id/rectification/:itemId', manage, async (req, res) => {
    const values = fieldsOf(body(req), ['updatedAt', 'unit', 'deadline', 'status', 'reason', 'note']);
    const { updatedAt, deadline, ...rest } = values;
    try {
      await updateRectificationItem(deps, req.actor, idOf(req), itemOf(req), { updatedAt, ...rest, deadline: deadline!.trim() ? deadline!.trim() : null });
      flash(req, req.t('rectification.saved'));
      res.redirect(303, back(req));
    } catch (err) {
      await show(req, res, failureOf(req, err, `item-${itemOf(req)}`, values));
    }
  });

  router.post('/:id/rectification/:itemId/files', manage, async (req, res) => {
    const values = fieldsOf(body(req), ['updatedAt']);
    try {
      throwUploadProblem(res);
      const file = req.file ? { name: req.file.originalname, bytes: req.file.buffer } : null;
      const { file: saved } = await addRectificationFile(deps, req.actor, idOf(req), itemOf(req), { updatedAt: values.updatedAt, file });
      flash(req, req.t('reportui.files.added', { name: saved.name }));
      res.redirect(303, back(req));
    } catch (err) {
      await show(req, res, failureOf(req, err, `upload-${itemOf(req)}`, values));
    }
  });

  router.post('/:id/rectification/:itemId/files/:fileId/remove', manage, async (req, res) => {
    const values = fieldsOf(body(req), ['updatedAt']);
    try {
      await removeRectificationFile(deps, req.actor, idOf(req), itemOf(req), String(req.params.fileId), values);
      flash(req, req.t('reportui.files.removed'));
      res.redirect(303, back(req));
    } catch (err) {
      await show(req, res, failureOf(req, err, `upload-${itemOf(req)}`, values));
    }
  });

  return router;
}
