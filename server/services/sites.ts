import { z } from 'zod';
import { siteInputSchema, type Site } from '../../models/site';
import { parseSiteCsv, siteIssueMessage, type CsvEncoding, type SiteCsvIssue } from '../domain/site-csv';
import { AppError, BadRequestError, ConflictError, NotFoundError, ValidationError, type FieldErrors } from '../errors';
import { newId } from '../ids';
import { DuplicateKeyError, type SitePatch } from '../store/store';
import { audit } from './audit';
import type { Actor, Deps } from './context';
import { assertCanManage, assertCanSeeSite, visibleSiteIds } from './permissions';
import { issueFields } from './validate';

/** At most this many problems travel back to the page or the API caller; the count says how many there were. */
export const IMPORT_REPORT_LIMIT = 200;

/** A site code already used by another site: 409, with the message on the code field. */
export class SiteCodeTakenError extends ConflictError {
  override readonly fields: FieldErrors;
  constructor(code: string) {
    super('sites.codeTaken', { code });
    this.fields = { code: { key: 'sites.codeTaken', params: { code } } };
  }
}

/** An import refused row by row: nothing was stored. `issues` holds the first IMPORT_REPORT_LIMIT problems. */
export class SiteImportError extends AppError {
  constructor(
    public readonly issues: SiteCsvIssue[],
    public readonly total: number,
  ) {
    const fields: FieldErrors = {};
    for (const i of issues) fields[`row.${i.row}.${i.field}`] ??= { key: i.key, ...(i.params ? { params: i.params } : {}) };
    super(400, 'validation', 'sites.import.failed', { count: total }, fields);
  }
}

export const createSchema = siteInputSchema.strict();

const shape = siteInputSchema.shape;
// Not siteInputSchema.partial(): zod 4 would fill in the defaults (township '', active true) for
// every field a PATCH leaves out, and so overwrite them.
export const patchSchema = z.strictObject({
  code: shape.code.optional(),
  name: shape.name.optional(),
  township: shape.township.unwrap().optional(),
  kind: shape.kind.optional(),
  recipients: shape.recipients.unwrap().optional(),
  active: shape.active.unwrap().optional(),
});

function parseSite<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (!result.success) {
    const fields: FieldErrors = {};
    for (const issue of result.error.issues) for (const name of issueFields(issue)) fields[name] ??= siteIssueMessage(issue);
    throw new ValidationError(fields);
  }
  return result.data;
}

async function siteOrFail(deps: Deps, actor: Actor, id: string): Promise<Site> {
  assertCanSeeSite(actor, id);
  const site = await deps.store.sites.get(id);
  if (!site) throw new NotFoundError();
  return site;
}

/** The sites this actor may see (station staff: only their own), ordered by code. */
export async function listSites(deps: Deps, actor: Actor, filter: { active?: boolean } = {}): Promise<Site[]> {
  const ids = visibleSiteIds(actor);
  return deps.store.sites.list({ ...(filter.active === undefined ? {} : { active: filter.active }), ...(ids ? { ids } : {}) });
}

export async function getSite(deps: Deps, actor: Actor, id: string): Promise<Site> {
  return siteOrFail(deps, actor, id);
}

export async function createSite(deps: Deps, input: unknown, actor: Actor): Promise<Site> {
  assertCanManage(actor);
  const data = parseSite(createSchema, input);
  const now = deps.clock().toISOString();
  const site: Site = { id: newId(), ...data, isDemo: false, createdAt: now, updatedAt: now };
  try {
    await deps.store.sites.create(site);
  } catch (err) {
    if (err instanceof DuplicateKeyError) throw new SiteCodeTakenError(site.code);
    throw err;
  }
  await audit(deps, actor, 'site.create', { type: 'site', id: site.id }, { code: site.code, name: site.name, kind: site.kind, recipients: site.recipients });
  return site;
}

/**
 * Changes the given fields (a PATCH: fields left out stay as they are). The audit event lists
 * each changed field with its old and new value; a change of `active` is recorded as
 * site.activate / site.deactivate.
 */
export async function updateSite(deps: Deps, id: string, input: unknown, actor: Actor): Promise<Site> {
  assertCanManage(actor);
  const site = await siteOrFail(deps, actor, id);
  const data = parseSite(patchSchema, input);
  const patch: SitePatch = {};
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  for (const [key, value] of Object.entries(data) as [keyof typeof data, unknown][]) {
    if (value === undefined || value === site[key]) continue;
    (patch as Record<string, unknown>)[key] = value;
    if (key !== 'active') changes[key] = { from: site[key], to: value };
  }
  if (Object.keys(patch).length === 0) return site;
  patch.updatedAt = deps.clock().toISOString();
  let updated: Site | null;
  try {
    updated = await deps.store.sites.update(id, patch);
  } catch (err) {
    if (err instanceof DuplicateKeyError) throw new SiteCodeTakenError(String(patch.code ?? site.code));
    throw err;
  }
  if (!updated) throw new NotFoundError();
  if (Object.keys(changes).length) await audit(deps, actor, 'site.update', { type: 'site', id }, { code: updated.code, changes });
  if (patch.active !== undefined) await audit(deps, actor, patch.active ? 'site.activate' : 'site.deactivate', { type: 'site', id }, { code: updated.code });
  return updated;
}

/** Deactivates or reactivates a site; a deactivated site keeps its data and can be reactivated. */
export async function setSiteActive(deps: Deps, id: string, active: boolean, actor: Actor): Promise<Site> {
  return updateSite(deps, id, { active }, actor);
}

/**
 * Imports many sites from a CSV file (bytes from an upload, or text from the API): every row is
 * checked, including against the codes already stored, and then all are stored in one
 * transaction, or none. Problems come back per row (SiteImportError) or for the whole file
 * (BadRequestError).
 */
export async function importSites(deps: Deps, file: Uint8Array | string, actor: Actor): Promise<{ sites: Site[]; encoding: CsvEncoding }> {
  assertCanManage(actor);
  const parsed = parseSiteCsv(file);
  if (!parsed.ok) {
    if (parsed.fileError) throw new BadRequestError(parsed.fileError.key, parsed.fileError.params);
    throw new SiteImportError(parsed.issues.slice(0, IMPORT_REPORT_LIMIT), parsed.issues.length);
  }
  const conflicts = async () => {
    const taken = new Set((await deps.store.sites.list()).map((s) => s.code));
    const issues: SiteCsvIssue[] = parsed.rows
      .filter((r) => taken.has(r.site.code))
      .map((r) => ({ row: r.row, field: 'code', key: 'sites.codeTaken', params: { code: r.site.code } }));
    return issues.length ? new SiteImportError(issues.slice(0, IMPORT_REPORT_LIMIT), issues.length) : null;
  };
  const before = await conflicts();
  if (before) throw before;

  const now = deps.clock().toISOString();
  const sites: Site[] = parsed.rows.map((r) => ({ id: newId(), ...r.site, isDemo: false, createdAt: now, updatedAt: now }));
  try {
    await deps.store.sites.createMany(sites);
  } catch (err) {
    // Another import or edit took a code between the check and the write: still nothing stored.
    if (err instanceof DuplicateKeyError) throw (await conflicts()) ?? new ConflictError('sites.codeTaken', { code: sites[0]!.code });
    throw err;
  }
  await audit(deps, actor, 'site.import', { type: 'site' }, { count: sites.length, encoding: parsed.encoding, codes: sites.map((s) => s.code) });
  return { sites, encoding: parsed.encoding };
}
