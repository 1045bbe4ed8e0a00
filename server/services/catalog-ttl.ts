/**
 * How long a cache of the catalog (publications with their survey and station, the working-day
 * calendar) may be used on a store that keeps no catalog stamp (MongoDB): a pause, a close, an edit
 * or a calendar change reaches every app instance within this bound. With a stamp (SQLite) a change
 * is seen by the next request, whichever process wrote it.
 */
export const CATALOG_TTL_MS = 5_000;
