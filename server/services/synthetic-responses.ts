import type { Publication } from '../../models/publication';
import type { SurveyResponse } from '../../models/response';
import type { Question, Survey } from '../../models/survey';
import { newId, newSecretToken } from '../ids';
import { submissionTokenAt } from './form-token';

/** A small deterministic PRNG (mulberry32), so benchmark data are the same on every run. */
export function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(rand: () => number, list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;

/** Plausible answers to the template survey: mostly satisfied, a station-specific mood, some 'na'. */
export function syntheticAnswers(rand: () => number, questions: readonly Question[], mood: number): Record<string, string | string[] | number> {
  const answers: Record<string, string | string[] | number> = {};
  for (const q of questions) {
    if (!q.required && rand() < 0.15) continue;
    switch (q.type) {
      case 'likert5': {
        const r = rand();
        answers[q.id] = q.allowNotApplicable && r < 0.04 ? 'na' : r < 0.35 + mood ? '5' : r < 0.75 + mood / 2 ? '4' : r < 0.92 ? '3' : r < 0.98 ? '2' : '1';
        break;
      }
      case 'single':
        answers[q.id] = pick(rand, q.options).id;
        break;
      case 'multi':
        answers[q.id] = q.options.filter(() => rand() < 0.4).map((o) => o.id);
        if ((answers[q.id] as string[]).length === 0) answers[q.id] = [q.options[0]!.id];
        break;
      case 'rating':
        answers[q.id] = 1 + Math.floor(rand() * (q.max ?? 5));
        break;
      case 'nps':
        answers[q.id] = Math.floor(rand() * 11);
        break;
      case 'number':
        answers[q.id] = Math.round(rand() * 100);
        break;
      case 'text':
        if (rand() < 0.2) answers[q.id] = pick(rand, ['服务很好，谢谢社工', '希望多组织活动', '上门服务很及时', '希望增加服务次数', '环境可以再改善']);
        break;
    }
  }
  return answers;
}

export interface SyntheticOptions {
  days: number;
  /** Last day of the period (local), YYYY-MM-DD. */
  lastDay: string;
  isDemo?: boolean;
}

/** One synthetic response at a publication, spread over the period, channels, flags and exclusions. */
export function syntheticResponse(rand: () => number, survey: Survey, pub: Publication, mood: number, o: SyntheticOptions): SurveyResponse {
  const dayIndex = Math.floor(rand() * o.days);
  const day = new Date(Date.parse(`${o.lastDay}T00:00:00Z`) - dayIndex * 86400000).toISOString().slice(0, 10);
  const submitted = new Date(Date.parse(`${day}T02:00:00Z`) + Math.floor(rand() * 10 * 3600_000));
  const speeder = rand() < 0.04;
  const durationMs = speeder ? 5000 + Math.floor(rand() * 10000) : 40_000 + Math.floor(rand() * 200_000);
  const answers = syntheticAnswers(rand, survey.questions, mood);
  const r = rand();
  const excluded = rand() < 0.01;
  return {
    id: newId(),
    surveyId: survey.id,
    version: survey.version,
    siteId: pub.siteId,
    publicationId: pub.id,
    channel: r < 0.8 ? 'qr' : r < 0.9 ? 'link' : 'assisted',
    startedAt: new Date(submitted.getTime() - durationMs).toISOString(),
    submittedAt: submitted.toISOString(),
    day,
    durationMs,
    answers,
    segment: typeof answers[survey.segmentQuestionId ?? ''] === 'string' ? (answers[survey.segmentQuestionId!] as string) : '',
    flags: speeder ? ['speeder'] : [],
    review: excluded ? 'excluded' : null,
    reviewReason: excluded ? '核查为重复' : null,
    reviewedBy: null,
    reviewedAt: excluded ? submitted.toISOString() : null,
    deviceHash: newSecretToken(12),
    ipHash: newSecretToken(12),
    submissionToken: submissionTokenAt(submitted.getTime() - durationMs),
    enteredBy: null,
    paperDate: null,
    isDemo: o.isDemo ?? false,
  };
}
