import { Router } from 'express';
import type { Deps } from '../services/context';
import { checkReadiness } from '../services/health';

/** /healthz: the process answers. /readyz: the store answers too (503 when it does not, with a one-word reason). */
export function healthRouter(deps: Deps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    const r = await checkReadiness(deps);
    if (r.ready) res.json({ status: 'ok', store: r.store });
    else res.status(503).json({ status: 'unavailable', store: r.store, reason: r.reason });
  });
  return router;
}
