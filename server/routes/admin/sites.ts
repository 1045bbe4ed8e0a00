import { Router, type Request, type RequestHandler, type Response } from 'express';
import multer from 'multer';
import { z } from 'zod';
import type { Site } from '../../../models/site';
import { csvDocument } from '../../documents/spreadsheet';
import { parseRecipients, SITE_CSV_MAX_BYTES, SITE_CSV_MAX_ROWS, SITE_CSV_TEMPLATE_HEADER, type CsvMessage } from '../../domain/site-csv';
import { AppError, ForbiddenError } from '../../errors';
import type { Deps } from '../../services/context';
import { canManage } from '../../services/permissions';
import { createSite, getSite, importSites, IMPORT_REPORT_LIMIT, listSites, setSiteActive, SiteImportError, updateSite } from '../../services/sites';

const UPLOAD_ERROR = 'siteUploadError';

/**
 * Parses the multipart import form (one CSV file, at most SITE_CSV_MAX_BYTES, kept in memory).
 * app.ts mounts it before the CSRF check, which needs the form's `_csrf` field from this body;
 * the check still runs on every upload. Only users who may manage sites get their body parsed.
 */
export function siteCsvUpload(): RequestHandler {
  const upload = multer({
    storage: multer.memoryStorage(),
    limits: { fileSize: SITE_CSV_MAX_BYTES, files: 1, fields: 5, parts: 6, fieldSize: 4096, fieldNameSize: 100, headerPairs: 20 },
  }).single('file');
  return (req, res, next) => {
    if (!canManage(req.actor)) return next(new ForbiddenError());
    upload(req, res, (err: unknown) => {
      // Not thrown: the CSRF check runs first, then the import page explains the problem.
      if (err) {
        const tooLarge = err instanceof multer.MulterError && err.code === 'LIMIT_FILE_SIZE';
        res.locals[UPLOAD_ERROR] = (
          tooLarge ? { key: 'sites.csv.tooLarge', params: { max: '1 MB' }, status: 413 } : { key: 'sites.csv.uploadFailed', status: 400 }
        ) satisfies CsvMessage & { status: number };
      }
      next();
    });
  };
}

interface SiteForm {
  code: string;
  name: string;
  township: string;
  kind: string;
  recipients: string;
}

const text = (v: unknown) => (typeof v === 'string' ? v : '');
const formOf = (body: Record<string, unknown> | undefined): SiteForm => ({
  code: text(body?.code),
  name: text(body?.name),
  township: text(body?.township),
  kind: text(body?.kind),
  recipients: text(body?.recipients),
});
const formFromSite = (s: Site): SiteForm => ({
  code: s.code,
  name: s.name,
  township: s.township,
  kind: s.kind,
  recipients: s.recipients === null ? '' : String(s.recipients),
});
const inputOf = (f: SiteForm) => ({ code: f.code, name: f.name, township: f.township, kind: f.kind, recipients: parseRecipients(f.recipients) });

const listQuery = z.object({ status: z.enum(['all', 'active', 'inactive']).catch('all') });

const COLUMN_LABELS = {
  code: 'sites.code',
  name: 'sites.name',
  township: 'sites.township',
  kind: 'sites.kind',
  recipients: 'sites.recipients',
  row: 'sites.import.wholeRow',
} as const;

/** A confirmation shown once on the next page (kept in the session, so a crafted link cannot fake one). */
function flash(req: Request, text: string): void {
  req.session.flash = [...(req.session.flash ?? []), { kind: 'ok', text }];
}

function takeFlash(req: Request): { kind: 'ok' | 'error'; text: string }[] {
  const messages = req.session.flash ?? [];
  if (messages.length) delete req.session.flash;
  return messages;
}

const idOf = (req: Request) => (typeof req.params.id === 'string' ? req.params.id : '');

type Req = Request;
type Res = Response;

/** /admin/sites: everyone logged in may look (station staff at their own sites); admins and evaluators change. */
export function sitesRouter(deps: Deps): Router {
  const router = Router();
  const manage: RequestHandler = (req, _res, next) => next(canManage(req.actor) ? undefined : new ForbiddenError());

  const errorsOf = (req: Req, err: AppError): Record<string, string> => {
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(err.fields ?? {})) out[k] = req.t(v.key, v.params);
    return out;
  };

  const showForm = (req: Req, res: Res, locals: { site: Site | null; form: SiteForm; errors?: Record<string, string>; message?: string | null }, status = 200) => {
    const title = locals.site ? req.t('sites.editOf', { name: locals.site.name }) : req.t('sites.new');
    res.page('admin/sites/form', { title, errors: {}, message: null, ...locals }, { status });
  };

  const showImport = (
    req: Req,
    res: Res,
    locals: { fileError?: string | null; issues?: { row: number; column: string; message: string }[]; total?: number } = {},
    status = 200,
  ) => {
    res.page(
      'admin/sites/import',
      {
        title: req.t('sites.import.title'),
        fileError: null,
        issues: [],
        total: 0,
        limit: IMPORT_REPORT_LIMIT,
        maxRows: SITE_CSV_MAX_ROWS,
        maxSize: '1 MB',
        ...locals,
      },
      { status },
    );
  };

  router.get('/', async (req, res) => {
    const q = listQuery.parse(req.query);
    const all = await listSites(deps, req.actor);
    const active = all.filter((s) => s.active);
    const sites = q.status === 'active' ? active : q.status === 'inactive' ? all.filter((s) => !s.active) : all;
    res.page('admin/sites/list', {
      title: req.t('sites.title'),
      sites,
      status: q.status,
      counts: { all: all.length, active: active.length, inactive: all.length - active.length },
      recipients: sites.reduce((n, s) => n + (s.recipients ?? 0), 0),
      canManage: canManage(req.actor),
      notices: takeFlash(req),
    });
  });

  router.get('/new', manage, (req, res) => showForm(req, res, { site: null, form: { code: '', name: '', township: '', kind: 'township', recipients: '' } }));

  router.post('/', manage, async (req, res) => {
    const form = formOf(req.body as Record<string, unknown>);
    try {
      const site = await createSite(deps, inputOf(form), req.actor);
      flash(req, req.t('sites.created', { code: site.code }));
      res.redirect(303, '/admin/sites');
    } catch (err) {
      if (err instanceof AppError && err.status < 500 && err.fields) {
        return showForm(req, res, { site: null, form, errors: errorsOf(req, err), message: req.t('error.validation') }, err.status);
      }
      throw err;
    }
  });

  router.get('/import', manage, (req, res) => showImport(req, res));

  router.get('/import/template.csv', manage, (_req, res) => {
    res.type('text/csv; charset=utf-8');
    res.attachment('sites-template.csv');
    // With a BOM so that Excel opens the Chinese headers as UTF-8 (CSV_OPTIONS).
    res.send(csvDocument([[...SITE_CSV_TEMPLATE_HEADER]]));
  });

  router.post('/import', manage, async (req, res) => {
    const uploadError = res.locals[UPLOAD_ERROR] as (CsvMessage & { status: number }) | undefined;
    if (uploadError) return showImport(req, res, { fileError: req.t(uploadError.key, uploadError.params) }, uploadError.status);
    if (!req.file || req.file.size === 0) return showImport(req, res, { fileError: req.t('sites.csv.noFile') }, 400);
    try {
      const { sites } = await importSites(deps, req.file.buffer, req.actor);
      flash(req, req.t('sites.imported', { count: sites.length }));
      res.redirect(303, '/admin/sites');
    } catch (err) {
      if (err instanceof SiteImportError) {
        const issues = err.issues.map((i) => ({
          row: i.row,
          column: req.t(COLUMN_LABELS[i.field]),
          message: req.t(i.key, i.params),
        }));
        return showImport(req, res, { fileError: req.t(err.messageKey, err.params), issues, total: err.total }, 400);
      }
      if (err instanceof AppError && err.status < 500) return showImport(req, res, { fileError: req.t(err.messageKey, err.params) }, err.status);
      throw err;
    }
  });

  router.get('/:id/edit', manage, async (req, res) => {
    const site = await getSite(deps, req.actor, idOf(req));
    showForm(req, res, { site, form: formFromSite(site) });
  });

  router.post('/:id', manage, async (req, res) => {
    const site = await getSite(deps, req.actor, idOf(req));
    const form = formOf(req.body as Record<string, unknown>);
    try {
      const updated = await updateSite(deps, site.id, inputOf(form), req.actor);
      flash(req, req.t('sites.updated', { code: updated.code }));
      res.redirect(303, '/admin/sites');
    } catch (err) {
      if (err instanceof AppError && err.status < 500 && err.fields) {
        return showForm(req, res, { site, form, errors: errorsOf(req, err), message: req.t('error.validation') }, err.status);
      }
      throw err;
    }
  });

  router.post('/:id/active', manage, async (req, res) => {
    const active = (req.body as Record<string, unknown> | undefined)?.active === 'true';
    const site = await setSiteActive(deps, idOf(req), active, req.actor);
    flash(req, req.t(active ? 'sites.activated' : 'sites.deactivated', { code: site.code }));
    res.redirect(303, '/admin/sites');
  });

  return router;
}
