import type { TallyDelta, TallyKey } from '../../models/tally';

/*
 * Merging tally deltas, apart from domain/tally.ts so the SQLite writer thread loads it without the
 * survey model (and mongoose, zod) that computing deltas needs.
 */

/** One text per tally group (its key's fields joined). */
export const groupId = (k: TallyKey) => [k.surveyId, k.day, k.version, k.siteId, k.channel, k.segment, k.state].join('\u0001');

/** Sums deltas into one per group, dropping zero cells (rebuild-tallies and comparisons). */
export function mergeDeltas(deltas: Iterable<TallyDelta>): TallyDelta[] {
  const groups = new Map<string, TallyDelta>();
  for (const d of deltas) {
    const id = groupId(d.key);
    let g = groups.get(id);
    if (!g) groups.set(id, (g = { key: d.key, cells: {} }));
    const cells = g.cells;
    for (const k in d.cells) {
      const c = d.cells[k]!;
      const t = cells[k];
      if (t) {
        t.count += c.count;
        t.sum += c.sum;
        t.sumsq += c.sumsq;
      } else cells[k] = { count: c.count, sum: c.sum, sumsq: c.sumsq };
    }
  }
  const out: { id: string; delta: TallyDelta }[] = [];
  for (const [id, g] of groups) {
    let kept = 0;
    for (const k in g.cells) {
      if (g.cells[k]!.count === 0) delete g.cells[k];
      else kept++;
    }
    if (kept) out.push({ id, delta: g });
  }
  // Sorted by group id, each id built once (not twice per comparison).
  return out.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((o) => o.delta);
}
