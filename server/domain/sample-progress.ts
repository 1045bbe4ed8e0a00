import { requiredSample } from './statistics';

/** Where a station's sample target comes from: the survey's setting, the station's population, or nowhere. */
export type TargetSource = 'survey' | 'population' | 'none';

export interface SampleProgress {
  /** Valid answers wanted at this station; null when neither a target nor the population is known. */
  target: number | null;
  source: TargetSource;
  valid: number;
  /** Whole percent reached, rounded down (so 100 means reached), not capped; null without a target. */
  percent: number | null;
  reached: boolean;
}

/**
 * Progress of one station toward its sample: the survey's target per station when set, else the
 * required sample for its population of service recipients (n = z²p(1−p)/e² with finite-population
 * correction, see requiredSample). A station of 0 recipients needs none and has reached it.
 */
export function sampleProgress(valid: number, targetPerSite: number | null, recipients: number | null): SampleProgress {
  const source: TargetSource = targetPerSite !== null ? 'survey' : recipients !== null ? 'population' : 'none';
  const target = source === 'survey' ? targetPerSite : source === 'population' ? requiredSample(recipients) : null;
  if (target === null) return { target, source, valid, percent: null, reached: false };
  if (target <= 0) return { target: 0, source, valid, percent: 100, reached: true };
  return { target, source, valid, percent: Math.floor((valid * 100) / target), reached: valid >= target };
}
