import express, { Router, type Request } from 'express';
import { z } from 'zod';
import { SITE_CSV_MAX_BYTES } from '../../domain/site-csv';
import { wellFormedTextSchema } from '../../domain/text-input';
import { AppError } from '../../errors';
import type { Deps } from '../../services/context';
import { assertCanManage } from '../../services/permissions';
import { createSite, getSite, importSites, listSites, updateSite } from '../../services/sites';
import { parseInput } from '../../services/validate';

export const listQuery = z.strictObject({ active: z.enum(['true', 'false']).optional() });
export const importJson = z.strictObject({ csv: wellFormedTextSchema().pipe(z.string().min(1)) });
const CSV_TYPES = ['text/csv', 'text/plain', 'application/csv'];

const idOf = (req: Request) => (typeof req.params.id === 'string' ? req.params.id : '');

/** /api/v1/sites: the same services as the admin pages, as JSON. */
export function sitesApi(deps: Deps): Router {
  const router = Router();

  router.get('/', async (req, res) => {
    const { active } = parseInput(listQuery, req.query);
    const sites = await listSites(deps, req.actor, active === undefined ? {} : { active: active === 'true' });
    res.json({ sites });
  });

  router.post('/', async (req, res) => {
    const site = await createSite(deps, req.body, req.actor);
    res.status(201).location(`/api/v1/sites/${site.id}`).json({ site });
  });

  // Bytes (text/csv, any encoding the importer recognises) or JSON {csv: "..."}; all rows or none.
  router.post('/import', express.raw({ type: CSV_TYPES, limit: SITE_CSV_MAX_BYTES }), async (req, res) => {
    // Who may import is settled before the body is looked at: a viewer learns nothing from a 400.
    assertCanManage(req.actor);
    const body: unknown = req.body;
    let file: Uint8Array | string;
    if (Buffer.isBuffer(body)) file = body;
    else if (req.is('application/json')) file = parseInput(importJson, body).csv;
    else throw new AppError(415, 'unsupported_media_type', 'sites.csv.noFile');
    const { sites, encoding } = await importSites(deps, file, req.actor);
    res.status(201).json({ imported: sites.length, encoding, sites });
  });

  router.get('/:id', async (req, res) => {
    res.json({ site: await getSite(deps, req.actor, idOf(req)) });
  });

  router.patch('/:id', async (req, res) => {
    res.json({ site: await updateSite(deps, idOf(req), req.body, req.actor) });
  });

  return router;
}
