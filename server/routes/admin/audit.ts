import { Router } from 'express';
import { z } from 'zod';
import { requireRole } from '../../http/auth';
import type { Deps } from '../../services/context';

const PAGE = 50;
const querySchema = z.object({ page: z.coerce.number().int().min(1).max(100000).catch(1) });

export function auditRouter(deps: Deps): Router {
  const router = Router();
  router.get('/', requireRole('admin'), async (req, res) => {
    const { page } = querySchema.parse(req.query);
    const [events, total] = await Promise.all([
      deps.store.audit.list({ limit: PAGE, offset: (page - 1) * PAGE }),
      deps.store.audit.count(),
    ]);
    res.page('admin/audit', { title: req.t('nav.audit'), events, page, pages: Math.max(1, Math.ceil(total / PAGE)), total });
  });
  return router;
}
