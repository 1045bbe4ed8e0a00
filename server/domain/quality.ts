import { STAFF_CHANNELS, type AnswerValue, type Channel } from '../../models/response';
import { LIKERT_LEVELS, type Question, type QualityRule } from '../../models/survey';

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
}

/**
 * Quality flags computed at submit and stored with the response. They never refuse an answer;
 * whether a flag makes the response invalid is the survey's choice (settings.qualityRules).
 */
export function qualityFlags(input: QualityInput): QualityRule[] {
  const flags: QualityRule[] = [];
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

/** Whether a response in this tally state counts as valid under the survey's enabled rules. */
export function isValidState(state: string, enabledRules: readonly string[]): boolean {
  if (state === 'excluded') return false;
  if (state === '') return true;
  return !state.split(',').some((flag) => enabledRules.includes(flag));
}
