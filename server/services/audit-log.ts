import type { AuditEvent } from '../../models/audit-event';
import { actionName, describeAuditEvent, type AuditLine, type AuditLookups } from '../domain/audit-words';
import { dayCell, startOfLocalDay } from '../domain/time';
import { ValidationError, type FieldErrors } from '../errors';
import type { Translate } from '../i18n';
import type { AuditQuery } from '../store/store';
import { AUDIT_ACTIONS, isAuditAction } from './audit';
import type { Actor, Deps } from './context';
import { assertAdmin } from './permissions';

export const AUDIT_PAGE_SIZE = 50;

/** The audit page's filters, as they stand in its URL (every value a string, '' when unset). */
export interface AuditFilters {
  user: string;
  action: string;
  /** Local days (YYYY-MM-DD) in the configured zone, both included. */
  from: string;
  to: string;
}

export interface AuditLogPage {
  rows: { event: AuditEvent; line: AuditLine }[];
  total: number;
  page: number;
  pages: number;
  filters: AuditFilters;
  /** The filters as a query string (for the pager and links), '' when none. */
  query: string;
  users: { id: string; name: string }[];
  actions: { code: string; name: string }[];
  timeZone: string;
}

const one = (v: unknown): string => (typeof v === 'string' ? v.trim() : '');
const isDay = (s: string) => /^\d{4}-\d{2}-\d{2}$/.test(s) && !Number.isNaN(dayCell(s).getTime()) && dayCell(s).toISOString().slice(0, 10) === s;

/** Reads the page's query; every problem is a field error naming the field. */
export function parseAuditFilters(query: unknown, userIds: ReadonlySet<string>): { filters: AuditFilters; page: number } {
  const q = (query ?? {}) as Record<string, unknown>;
  const filters: AuditFilters = { user: one(q.user), action: one(q.action), from: one(q.from), to: one(q.to) };
  const errors: FieldErrors = {};
  if (filters.user && !userIds.has(filters.user)) errors.user = { key: 'auditlog.unknownUser' };
  if (filters.action && !isAuditAction(filters.action)) errors.action = { key: 'auditlog.unknownAction' };
  if (filters.from && !isDay(filters.from)) errors.from = { key: 'auditlog.badDate' };
  if (filters.to && !isDay(filters.to)) errors.to = { key: 'auditlog.badDate' };
  else if (filters.to && filters.from && !errors.from && filters.to < filters.from) errors.to = { key: 'auditlog.toBeforeFrom', params: { from: filters.from } };
  if (Object.keys(errors).length) throw new AuditFilterError(errors, filters);
  const page = Number(one(q.page));
  return { filters, page: Number.isInteger(page) && page >= 1 && page <= 100_000 ? page : 1 };
}

/** Bad filters: the page shows them again with their messages (400). */
export class AuditFilterError extends ValidationError {
  constructor(
    fields: FieldErrors,
    public readonly filters: AuditFilters,
  ) {
    super(fields);
  }
}

function queryOf(f: AuditFilters): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(f)) if (v) p.set(k, v);
  return p.toString();
}

/** The next local day, for an exclusive end. */
function nextDay(day: string): string {
  const d = dayCell(day);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

/** What the filter form offers: users by name, actions by their catalog name. */
async function choices(deps: Deps, t: Translate) {
  const users = (await deps.store.users.list()).map((u) => ({ id: u.id, name: u.username })).sort((a, b) => a.name.localeCompare(b.name));
  const actions = AUDIT_ACTIONS.map((code) => ({ code, name: actionName(t, code) }));
  return { users, actions };
}

/**
 * The audit log for administrators: newest first, filtered by user, action and local date range
 * (in the configured zone), paged; each event in words (its action's name, its target named, its
 * details as a sentence) with its time in the configured zone.
 */
export async function auditLogPage(deps: Deps, actor: Actor, query: unknown, t: Translate): Promise<AuditLogPage> {
  assertAdmin(actor);
  const timeZone = deps.config.timeZone;
  const { users, actions } = await choices(deps, t);
  const { filters, page } = parseAuditFilters(query, new Set(users.map((u) => u.id)));
  const where: Omit<AuditQuery, 'limit' | 'offset'> = {
    ...(filters.user ? { actorId: filters.user } : {}),
    ...(filters.action ? { action: filters.action } : {}),
    ...(filters.from ? { from: startOfLocalDay(filters.from, timeZone).toISOString() } : {}),
    ...(filters.to ? { to: startOfLocalDay(nextDay(filters.to), timeZone).toISOString() } : {}),
  };
  const [events, total] = await Promise.all([deps.store.audit.list({ ...where, limit: AUDIT_PAGE_SIZE, offset: (page - 1) * AUDIT_PAGE_SIZE }), deps.store.audit.count(where)]);
  const [sites, surveys, evaluations] = await Promise.all([deps.store.sites.list(), deps.store.surveys.list(), deps.store.evaluations.list()]);
  const siteById = new Map(sites.map((s) => [s.id, s]));
  const surveyById = new Map(surveys.map((s) => [s.id, s.title]));
  const userById = new Map(users.map((u) => [u.id, u.name]));
  const evaluationById = new Map(evaluations.map((e) => [e.id, e.name]));
  const lookups: AuditLookups = {
    timeZone,
    site: (id) => siteById.get(id),
    survey: (id) => surveyById.get(id),
    user: (id) => userById.get(id),
    evaluation: (id) => evaluationById.get(id),
  };
  return {
    rows: events.map((event) => ({ event, line: describeAuditEvent(t, event, lookups) })),
    total,
    page,
    pages: Math.max(1, Math.ceil(total / AUDIT_PAGE_SIZE)),
    filters,
    query: queryOf(filters),
    users,
    actions,
    timeZone,
  };
}

/** The form's choices when the filters were refused (the page shows no events then). */
export async function auditFilterChoices(deps: Deps, actor: Actor, t: Translate) {
  assertAdmin(actor);
  return { ...(await choices(deps, t)), timeZone: deps.config.timeZone };
}
