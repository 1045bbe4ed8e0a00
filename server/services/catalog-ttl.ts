/**
 * How long a cache of the catalog (publications with their survey and station, the working-day
 * calendar) may be used on a store that keeps no catalog stamp (MongoDB): a pause, a close, an edit
 * or a calendar change reaches every app instance within this bound. With a stamp (SQLite) a change
 * is seen by the next request, whichever process wrote it.
 */
export const CATALOG_TTL_MS = 5_000;

/**
 * Whether a copy of the catalog read at `kept.stamp`, `kept.since` (performance.now()) may still be
 * used now that the stamp reads `stamp`: the same stamp, and on a store without one (null) not older
 * than CATALOG_TTL_MS. The publications' cache and the calendar's both ask this.
 */
export function catalogCopyCurrent(kept: { stamp: number | null; since: number } | undefined, stamp: number | null, now: number): boolean {
  return kept !== undefined && kept.stamp === stamp && (stamp !== null || now - kept.since <= CATALOG_TTL_MS);
}
