import { STAFF_CHANNELS, type AnswerValue, type Channel, type SurveyResponse } from '../../models/response';
import { ALWAYS_INVALID_FLAGS, LIKERT_LEVELS, NOTE_FLAGS, type Question, type QualityFlag } from '../../models/survey';

/** The questionnaire's hidden anti-bot field: people never see it, so it comes back as one empty string. */
export const HONEYPOT_FIELD = 'website';

/**
 * Whether a submitted form filled the honeypot: any value other than the single empty string a
 * browser sends for the untouched field — text, whitespace, or the field sent more than once
 * (an array, even of empty strings). A form without the field is not a hit: nothing says a bot sent it.
 */
export function honeypotFilled(body: Record<string, unknown>): boolean {
  if (!Object.hasOwn(body, HONEYPOT_FIELD)) return false;
  return body[HONEYPOT_FIELD] !== '';
}

/** Straight-lining needs at least this many satisfaction items answered with a level. */
export const STRAIGHTLINE_MIN_ITEMS = 4;

export interface QualityInput {
  durationMs: number;
  minAnswerSeconds: number;
  answers: Record<string, AnswerValue>;
  questions: readonly Question[];
  /** Submissions to this publication in the minute before this one. */
  recentSubmissions: number;
  burstPerMinute: number;
  /** This device already answered the survey at another station. */
  deviceAtOtherSite: boolean;
  channel: Channel;
  /** The hidden anti-bot field (honeypot) came back filled. */
  honeypot: boolean;
  /** Characters removed from the text answers (controls, lone surrogates, non-characters, bidi controls). */
  removedCharacters: number;
}

/**
 * Quality flags computed at submit and stored with the response. They never refuse an answer;
 * whether a flag makes the response invalid is the survey's choice (settings.qualityRules), except
 * honeypot (always) and cleaned (never): see flagEffect.
 */
export function qualityFlags(input: QualityInput): QualityFlag[] {
  const flags: QualityFlag[] = [];
  if (input.honeypot) flags.push('honeypot');
  if (input.removedCharacters > 0) flags.push('cleaned');
  // Station staff entering an answer (assisted, or transcribing a paper questionnaire) are fast by
  // design and say who they are: answer time says nothing about the resident, so timing rules do not apply.
  const byStaff = STAFF_CHANNELS.includes(input.channel);
  if (!byStaff && input.minAnswerSeconds > 0 && input.durationMs < input.minAnswerSeconds * 1000) flags.push('speeder');
  const levels = input.questions
    .filter((q) => q.type === 'likert5' && q.countsTowardSatisfaction)
    .map((q) => input.answers[q.id])
    .filter((a): a is string => typeof a === 'string' && (LIKERT_LEVELS as readonly string[]).includes(a));
  if (levels.length >= STRAIGHTLINE_MIN_ITEMS && levels.every((l) => l === levels[0])) flags.push('straightline');
  // Staff entry comes from one worker's device at a steady pace: burst and device rules do not apply.
  if (!byStaff) {
    if (input.recentSubmissions + 1 > input.burstPerMinute) flags.push('burst');
    if (input.deviceAtOtherSite) flags.push('multisite');
  }
  return flags;
}

/**
 * What a flag does to counting: 'on' / 'off' for a rule the survey switched on or off, 'always' for
 * a flag that leaves a response out whatever the rules (honeypot), 'never' for a note (cleaned).
 */
export type FlagEffect = 'on' | 'off' | 'always' | 'never';

export function flagEffect(flag: string, enabledRules: readonly string[]): FlagEffect {
  if ((ALWAYS_INVALID_FLAGS as readonly string[]).includes(flag)) return 'always';
  if ((NOTE_FLAGS as readonly string[]).includes(flag)) return 'never';
  return enabledRules.includes(flag) ? 'on' : 'off';
}

const invalidates = (flag: string, enabledRules: readonly string[]) => {
  const effect = flagEffect(flag, enabledRules);
  return effect === 'on' || effect === 'always';
};

/** Whether a response in this tally state counts as valid under the survey's enabled rules. */
export function isValidState(state: string, enabledRules: readonly string[]): boolean {
  if (state === 'excluded') return false;
  if (state === 'kept' || state === '') return true;
  return !state.split(',').some((flag) => invalidates(flag, enabledRules));
}

/**
 * Why a response counts or not (计入状态), in five cases a reviewer can act on:
 * - counted: no quality flag (notes such as `cleaned` aside);
 * - countedFlagged: flagged, but the survey has every one of its rules off;
 * - notCounted: a flag whose rule is on (`invalidating`) leaves it out;
 * - excluded: a person excluded it (剔除), whatever its flags;
 * - kept: a person judged it genuine (确认有效), so it counts whatever its flags.
 * Agrees with isValidState(tallyState(r), rules), which the dashboards count with.
 */
export type CountingKind = 'counted' | 'countedFlagged' | 'notCounted' | 'excluded' | 'kept';

export interface CountingStatus {
  kind: CountingKind;
  counts: boolean;
  /** Flags whose rule is on, and honeypot (they leave the response out unless a person kept it). */
  invalidating: string[];
  /** Flags whose rule is off. */
  tolerated: string[];
  /** Flags that are notes and never change counting (cleaned). */
  notes: string[];
  /** The person's decision, for excluded and kept. */
  decision: { reason: string | null; by: string | null; at: string | null } | null;
}

export function countingStatus(r: Pick<SurveyResponse, 'flags' | 'review' | 'reviewReason' | 'reviewedBy' | 'reviewedAt'>, enabledRules: readonly string[]): CountingStatus {
  const flags = [...r.flags].sort();
  const invalidating = flags.filter((f) => invalidates(f, enabledRules));
  const tolerated = flags.filter((f) => flagEffect(f, enabledRules) === 'off');
  const notes = flags.filter((f) => flagEffect(f, enabledRules) === 'never');
  const decision = r.review ? { reason: r.reviewReason, by: r.reviewedBy, at: r.reviewedAt } : null;
  const base = { invalidating, tolerated, notes, decision };
  if (r.review === 'excluded') return { kind: 'excluded', counts: false, ...base };
  if (r.review === 'kept') return { kind: 'kept', counts: true, ...base };
  if (invalidating.length) return { kind: 'notCounted', counts: false, ...base };
  return { kind: tolerated.length ? 'countedFlagged' : 'counted', counts: true, ...base };
}

/** What a reviewer may do to a response: exclude it, keep it despite flags, or restore the automatic rules. */
export const REVIEW_ACTIONS = ['exclude', 'keep', 'restore'] as const;
export type ReviewAction = (typeof REVIEW_ACTIONS)[number];

/** Why an action changes nothing, or null when it applies. */
export type ReviewSkip = 'alreadyExcluded' | 'alreadyKept' | 'alreadyAuto' | 'nothingToKeep';

/**
 * The review a response gets from an action, or why the action does not apply: keeping is for a
 * flagged response (an unflagged one, or one with notes only, counts by itself), and an action to
 * the current state is a no-op.
 */
export function applyReviewAction(r: Pick<SurveyResponse, 'flags' | 'review'>, action: ReviewAction): { to: SurveyResponse['review'] } | { skip: ReviewSkip } {
  switch (action) {
    case 'exclude':
      return r.review === 'excluded' ? { skip: 'alreadyExcluded' } : { to: 'excluded' };
    case 'keep':
      if (r.review === 'kept') return { skip: 'alreadyKept' };
      return r.flags.some((f) => !(NOTE_FLAGS as readonly string[]).includes(f)) ? { to: 'kept' } : { skip: 'nothingToKeep' };
    case 'restore':
      return r.review === null ? { skip: 'alreadyAuto' } : { to: null };
  }
}
