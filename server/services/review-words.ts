import { flagEffect, type CountingStatus } from '../domain/quality';
import { localDateTime } from '../domain/time';
import type { MessageKey, Translate } from '../i18n';
import type { BulkOutcome, ReviewOutcome } from './review';

/** Flag names in the reader's language, joined as a list. */
export function flagNames(t: Translate, flags: readonly string[]): string {
  return flags.map((f) => t(`flag.${f}` as MessageKey)).join(t('common.listSep'));
}

const EFFECT_WORDS = { on: 'review.ruleOn', off: 'review.ruleOff', always: 'review.ruleAlways', never: 'review.ruleNever' } as const;

/** What a flag does to counting under the survey's rules: rule on or off, always out (honeypot), a note (cleaned). */
export function flagEffectText(t: Translate, flag: string, enabledRules: readonly string[]): string {
  return t(EFFECT_WORDS[flagEffect(flag, enabledRules)]);
}

/** What a flag means, with the survey's own minimum time and burst limit. */
export function flagHelpText(t: Translate, flag: string, settings: { minAnswerSeconds: number; burstPerMinute: number }): string {
  return t(`flagHelp.${flag}` as MessageKey, { seconds: settings.minAnswerSeconds, n: settings.burstPerMinute });
}

/** A time in the survey's zone with the zone named, e.g. "2026-11-05 10:20:00（Asia/Shanghai）". */
export function zonedTime(iso: string, timeZone: string): string {
  return `${localDateTime(iso, timeZone)} (${timeZone})`;
}

/** Who, when and why of a person's decision, for the status in words ("—" for what is not known). */
function decisionWords(t: Translate, s: CountingStatus, names: ReadonlyMap<string, string>, timeZone: string) {
  return {
    who: s.decision?.by ? (names.get(s.decision.by) ?? t('status.unknownPerson')) : t('status.unknownPerson'),
    at: s.decision?.at ? zonedTime(s.decision.at, timeZone) : '—',
    reason: s.decision?.reason ?? '—',
  };
}

/**
 * The counting status (计入状态) in words a reviewer understands; `names` maps user ids to usernames.
 * No closure is built per call: an export asks this once per row.
 */
export function statusText(t: Translate, s: CountingStatus, names: ReadonlyMap<string, string>, timeZone: string): string {
  switch (s.kind) {
    case 'counted':
      return t('status.counted');
    case 'countedFlagged':
      return t('status.countedFlagged', { flags: flagNames(t, s.tolerated) });
    case 'notCounted':
      // A honeypot hit is out whatever the rules: "rule on" would send the reader to the settings.
      if (s.invalidating.some((f) => flagEffect(f, []) === 'always')) return t('status.notCountedAlways', { flags: flagNames(t, s.invalidating) });
      return t('status.notCounted', { flags: flagNames(t, s.invalidating) });
    case 'excluded':
      return t('status.excluded', decisionWords(t, s, names, timeZone));
    case 'kept':
      return t('status.kept', { ...decisionWords(t, s, names, timeZone), flags: flagNames(t, [...s.invalidating, ...s.tolerated]) });
  }
}

/** The flash after one review: what was done and what happened to 有效数. */
export function outcomeText(t: Translate, o: ReviewOutcome): string {
  const done = t(`review.done.${o.action}`);
  if (o.valid.before !== o.valid.after) return `${done}${t('review.validChanged', { before: o.valid.before, after: o.valid.after })}`;
  const n = o.valid.after;
  if (!o.after.counts && o.before.invalidating.length) return `${done}${t('review.validSameNotCounted', { flags: flagNames(t, o.before.invalidating), n })}`;
  if (o.after.counts && o.before.tolerated.length) return `${done}${t('review.validSameCounted', { flags: flagNames(t, o.before.tolerated), n })}`;
  return `${done}${t('review.validSame', { n })}`;
}

/** The flashes after a bulk review: what changed, and (never silently) what was skipped and why. */
export function bulkOutcomeText(t: Translate, o: BulkOutcome): { done: string; skipped: string | null } {
  const action = t(`review.action.${o.action}`);
  const done = o.changed.length
    ? t('review.bulk.done', { action, n: o.changed.length, before: o.valid.before, after: o.valid.after })
    : t('review.bulk.none', { action, n: o.valid.after });
  if (!o.skipped.length) return { done, skipped: null };
  const counts = new Map<MessageKey, number>();
  for (const s of o.skipped) {
    const key: MessageKey = s.why === 'notFound' ? 'review.skip.notFound' : s.why === 'changed' ? 'review.skip.changed' : s.why === 'nothingToKeep' ? 'review.skip.nothingToKeep' : 'review.skip.same';
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const details = [...counts].map(([key, n]) => t(key, { n })).join(t('common.listSep'));
  return { done, skipped: t('review.bulk.skipped', { n: o.skipped.length, details }) };
}
