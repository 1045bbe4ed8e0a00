import { Router } from 'express';
import { zoneName } from '../../domain/time';
import { requireRole } from '../../http/auth';
import { AuditFilterError, auditFilterChoices, auditLogPage } from '../../services/audit-log';
import type { Deps } from '../../services/context';

/** /admin/audit: the audit log, filtered in the URL (user, action, dates), paged; administrators only. */
export function auditRouter(deps: Deps): Router {
  const router = Router();
  router.get('/', requireRole('admin'), async (req, res) => {
    const zone = zoneName(deps.config.timeZone, req.t('time.beijing'));
    try {
      res.page('admin/audit', { title: req.t('nav.audit'), zone, ...(await auditLogPage(deps, req.actor, req.query, req.t)), errors: {} });
    } catch (err) {
      if (!(err instanceof AuditFilterError)) throw err;
      const errors = Object.fromEntries(Object.entries(err.fields ?? {}).map(([k, v]) => [k, req.t(v.key, v.params)]));
      const choices = await auditFilterChoices(deps, req.actor, req.t);
      res.page('admin/audit', { title: req.t('nav.audit'), zone, ...choices, rows: [], total: 0, page: 1, pages: 1, filters: err.filters, query: '', errors }, { status: 400 });
    }
  });
  return router;
}
