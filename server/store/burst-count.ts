/**
 * The burst rule asks, for every submission, how many of a publication's responses were submitted
 * since a minute ago, counted up to a cap. During a burst — exactly when submissions pour in — the
 * answer is the cap every time. This remembers, per publication and cap, the submission time of
 * the cap-th newest response once the count reaches the cap: while that time is at or after `since`,
 * at least `cap` responses are newer than `since`, so the answer is the cap without a read.
 *
 * It stays true because a publication's responses are only ever added (they are removed only with
 * their whole survey, publications included): newer responses only move the cap-th newest later.
 * Below the cap the count is read as before, one bounded read.
 */
export type CountSince = (publicationId: string, since: string, cap: number) => Promise<number>;
/** The submission time (ISO) of a publication's cap-th newest response, or null if it has fewer. */
export type CapthNewest = (publicationId: string, cap: number) => Promise<string | null>;

/** Publications × caps remembered at most (a burst at each of this many stations at once). */
const MAX_REMEMBERED = 10_000;

export function saturatingCount(count: CountSince, capthNewest: CapthNewest): CountSince {
  const remembered = new Map<string, string>();
  return async (publicationId, since, cap) => {
    const key = `${cap}\u0000${publicationId}`;
    const known = remembered.get(key);
    if (known !== undefined && known >= since) return cap;
    const n = await count(publicationId, since, cap);
    if (n >= cap) {
      const at = await capthNewest(publicationId, cap);
      if (at !== null) {
        if (remembered.size >= MAX_REMEMBERED) remembered.clear();
        remembered.set(key, at);
      }
    }
    return n;
  };
}
