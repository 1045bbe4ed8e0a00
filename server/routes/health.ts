import { Router } from 'express';
import type { Deps } from '../services/context';

/** /healthz: the process answers. /readyz: the store answers too (503 when it does not). */
export function healthRouter(deps: Deps): Router {
  const router = Router();
  router.get('/healthz', (_req, res) => {
    res.set('Cache-Control', 'no-store').json({ status: 'ok' });
  });
  router.get('/readyz', async (_req, res) => {
    res.set('Cache-Control', 'no-store');
    try {
      await deps.store.ping();
      res.json({ status: 'ok', store: deps.store.kind });
    } catch (err) {
      deps.logger.warn({ err }, 'store not ready');
      res.status(503).json({ status: 'unavailable', store: deps.store.kind });
    }
  });
  return router;
}
