import { mergeDeltas, sameTallies, tallyDeltas, tallyFreshnessTime } from '../domain/tally';
import { zoneName } from '../domain/time';
import type { Translate } from '../i18n';
import type { TallyDelta } from '../../models/tally';
import type { Question } from '../../models/survey';
import { ConflictError } from '../errors';
import { TalliesChangedError } from '../store/store';
import type { Deps } from './context';
import { getSurvey } from './surveys';

/** How long a page waits for pending tallies before it shows what is there, saying how fresh it is. */
export const SETTLE_LIMIT_MS = 1500;

/**
 * Applies a survey's pending tallies (MongoDB; nothing on SQLite) for at most `limitMs`, then says up
 * to when its tallies hold every response: null when they are current. Best effort: a slow or failed
 * settle is logged and the reader gets the tallies as they are, with their time.
 */
export async function settleTallies(deps: Deps, surveyId: string, limitMs = SETTLE_LIMIT_MS): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const settled = deps.store.tallies.settle(surveyId).then(
    () => 'settled' as const,
    (err: unknown) => {
      deps.logger.warn({ err, surveyId }, 'applying pending tallies failed; showing the tallies as they are');
      return 'failed' as const;
    },
  );
  const timedOut = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), limitMs);
    timer.unref();
  });
  try {
    await Promise.race([settled, timedOut]);
  } finally {
    clearTimeout(timer);
  }
  return deps.store.tallies.freshness(surveyId);
}

/** "统计截至 10:00:05（北京时间）…": what a page says when its tallies lag (talliesAsOf not null). */
export function tallyFreshnessNote(t: Translate, asOf: string, now: string, timeZone: string): string {
  return t('tallies.asOf', { time: tallyFreshnessTime(asOf, now, timeZone), zone: t('time.zoneSuffix', { zone: zoneName(timeZone, t('time.beijing')) }) });
}

/** Tallies recomputed from the stored responses (streamed, so memory is bounded by the number of groups), and the last response id read. */
export async function recomputeTallies(deps: Deps, surveyId: string): Promise<{ deltas: TallyDelta[]; through: string | null }> {
  const survey = await getSurvey(deps, surveyId);
  const versions = new Map<number, Question[]>([[survey.version, survey.questions]]);
  for (const v of await deps.store.surveys.listVersions(surveyId)) if (!versions.has(v.version)) versions.set(v.version, v.questions);
  let pending: TallyDelta[] = [];
  let merged: TallyDelta[] = [];
  let through: string | null = null;
  for await (const r of deps.store.responses.stream({ surveyId })) {
    pending.push(...tallyDeltas(r, versions.get(r.version) ?? []));
    through = r.id;
    if (pending.length >= 20_000) {
      merged = mergeDeltas([...merged, ...pending]);
      pending = [];
    }
  }
  return { deltas: mergeDeltas([...merged, ...pending]), through };
}

/** Rebuild attempts while responses keep arriving and being counted (each attempt recomputes). */
const REBUILD_ATTEMPTS = 5;

/**
 * rebuild-tallies: replaces a survey's tallies by a recomputation and, in the same transaction,
 * clears the pending marker of every response it read (later ones stay pending); reports whether
 * the tallies had drifted. Pending tallies are applied first, so drift means drift, not lag. A
 * response counted while the recomputation ran would be lost: the store refuses, and it recomputes.
 */
export async function rebuildTallies(deps: Deps, surveyId: string): Promise<{ groups: number; hadDrifted: boolean; difference?: string }> {
  for (let attempt = 1; ; attempt++) {
    await deps.store.tallies.settle(surveyId);
    const fresh = await recomputeTallies(deps, surveyId);
    const check = sameTallies(await deps.store.tallies.dump(surveyId), fresh.deltas);
    try {
      await deps.store.tallies.replaceForSurvey(surveyId, fresh.deltas, fresh.through);
    } catch (err) {
      if (!(err instanceof TalliesChangedError)) throw err;
      if (attempt >= REBUILD_ATTEMPTS) throw new ConflictError('tallies.rebuildBusy', { id: surveyId, attempts: attempt });
      continue;
    }
    return { groups: fresh.deltas.length, hadDrifted: !check.same, ...(check.difference ? { difference: check.difference } : {}) };
  }
}

/** Whether the stored tallies equal a recomputation from the responses (pending tallies applied first). */
export async function verifyTallies(deps: Deps, surveyId: string) {
  await deps.store.tallies.settle(surveyId);
  return sameTallies(await deps.store.tallies.dump(surveyId), (await recomputeTallies(deps, surveyId)).deltas);
}

/** check-db: how many responses of a survey were waiting for their tallies, and whether the tallies then equal a rebuild. */
export async function checkTallies(deps: Deps, surveyId: string): Promise<{ pending: number; same: boolean; difference?: string }> {
  const pending = await deps.store.tallies.pending(surveyId);
  return { pending, ...(await verifyTallies(deps, surveyId)) };
}
