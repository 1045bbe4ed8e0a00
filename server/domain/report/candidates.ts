import type { EvaluationData, Scorecard } from '../evaluation';
import { formatNumber, formatPercent, roundScore, toHundredths } from '../grading';
import type { EvaluationLocale } from '../scoring-rules';
import { deductionReason, lostPoints } from './compose';
import type { SurveySnapshot } from './satisfaction';
import { bare, reportText } from './text';

/**
 * Candidates for 存在问题: what the figures point at, offered to the evaluator to accept (and then
 * rewrite) or to ignore; never printed until accepted. The indicators that lost most points, the
 * lowest-rated questions and the lowest-rated stations.
 */
export interface ProblemCandidate {
  /** Stable across page loads: indicator:<id>, question:<survey>:<id>, station:<survey>:<code>. */
  key: string;
  kind: 'indicator' | 'question' | 'station';
  text: string;
  indicatorIds: string[];
  /** A problem with this text is already in the list. */
  taken: boolean;
}

export const CANDIDATE_LIMITS = { indicators: 5, questions: 3, stations: 3 } as const;

export function problemCandidates(data: EvaluationData, card: Scorecard, surveys: readonly SurveySnapshot[], locale: EvaluationLocale): ProblemCandidate[] {
  const t = reportText(locale);
  const taken = new Set(data.report.problems.map((p) => bare(p.text)));
  const out: ProblemCandidate[] = [];
  const add = (c: Omit<ProblemCandidate, 'taken'>) => out.push({ ...c, taken: taken.has(bare(c.text)) });

  const lost = card.nodes
    .filter((n) => n.leaf && lostPoints(n))
    .map((n) => ({ n, lost: (toHundredths(n.points) - toHundredths(n.score!)) / 100 }))
    .sort((a, b) => b.lost - a.lost || (a.n.rate ?? 0) - (b.n.rate ?? 0));
  for (const { n, lost: points } of lost.slice(0, CANDIDATE_LIMITS.indicators)) {
    const reason = deductionReason(n, data, locale);
    add({
      key: `indicator:${n.id}`,
      kind: 'indicator',
      text: reason && n.rule === undefined ? reason : t('report.candidate.indicator', { name: n.name, lost: formatNumber(roundScore(points)), rate: formatPercent(n.rate) }),
      indicatorIds: [n.id],
    });
  }
  for (const s of surveys) {
    const bound = s.indicatorIds;
    const questions = s.questions.filter((q) => q.type === 'likert5' && q.index !== null).sort((a, b) => a.index! - b.index!);
    for (const q of questions.slice(0, CANDIDATE_LIMITS.questions)) {
      add({ key: `question:${s.surveyId}:${q.id}`, kind: 'question', text: t('report.candidate.question', { question: bare(q.text), index: formatNumber(q.index!), rate: q.rate === null ? '—' : `${formatNumber(q.rate)}%` }), indicatorIds: bound });
    }
    const stations = s.stationRows.filter((r) => r.valid > 0 && r.index !== null).sort((a, b) => a.index! - b.index!);
    if (stations.length >= 2) {
      for (const r of stations.slice(0, CANDIDATE_LIMITS.stations)) {
        add({ key: `station:${s.surveyId}:${r.code}`, kind: 'station', text: t('report.candidate.station', { station: r.name, index: formatNumber(r.index!), overall: s.index === null ? '—' : formatNumber(s.index) }), indicatorIds: bound });
      }
    }
  }
  return out;
}
