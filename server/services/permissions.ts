import { ForbiddenError, NotFoundError } from '../errors';
import type { Actor } from './context';

/**
 * Who may do what:
 * - admin: everything; evaluator: manage sites, surveys, publications, evaluations, exclusions;
 * - station: read its own sites' data and enter assisted responses there;
 * - viewer: read everything, change nothing. A read-only API token changes nothing either.
 */
export function canManage(actor: Actor): boolean {
  return (actor.role === 'admin' || actor.role === 'evaluator' || actor.role === 'system') && actor.scope !== 'read';
}

export function assertCanManage(actor: Actor): void {
  if (!canManage(actor)) throw new ForbiddenError();
}

export function assertAdmin(actor: Actor): void {
  if ((actor.role !== 'admin' && actor.role !== 'system') || actor.scope === 'read') throw new ForbiddenError();
}

/** The sites this actor may see: null means all. */
export function visibleSiteIds(actor: Actor): string[] | null {
  return actor.role === 'station' ? actor.siteIds : null;
}

/** Station staff asking for another station's data get 404, so they cannot probe which ids exist. */
export function assertCanSeeSite(actor: Actor, siteId: string): void {
  const visible = visibleSiteIds(actor);
  if (visible && !visible.includes(siteId)) throw new NotFoundError();
}

/** Narrows a requested site filter to what the actor may see. */
export function restrictSites(actor: Actor, requested: string[] | undefined): string[] | undefined {
  const visible = visibleSiteIds(actor);
  if (!visible) return requested;
  return requested ? requested.filter((s) => visible.includes(s)) : visible;
}
