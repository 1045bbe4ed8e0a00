import type { IsoTime } from '../../models/common';
import type { Evidence } from './scoring-rules';
import { meanInterval, round, wilsonInterval } from './statistics';

/**
 * One survey's share of a bound indicator's evidence: its response counts, the raw sums behind its
 * satisfaction figures (n Likert answers with a level, Σw, Σw², answers in the satisfied levels)
 * and its own sample adequacy.
 */
export interface EvidencePart {
  received: number;
  valid: number;
  n: number;
  sum: number;
  sumsq: number;
  satisfied: number;
  adequate: boolean;
  required: number;
}

const clampPercent = (x: number) => Math.min(Math.max(x, 0), 100);

/**
 * Pools several surveys into one Evidence, as if their valid answers were one sample:
 * index = Σsum ÷ Σn with its 95% interval from the pooled n, Σsum and Σsum² (not an average of
 * the surveys' indices, which would weigh a survey of 10 answers like one of 1,000);
 * rate = Σsatisfied ÷ Σn with the Wilson interval; received and valid are summed.
 * The pooled sample is adequate only when every survey's own sample is (a large survey cannot
 * make up for one that was barely answered); the required sample is the sum of theirs.
 * With no parts, or no Likert answer with a level, index and rate are null (no evidence, not 0).
 */
export function poolEvidence(parts: readonly EvidencePart[], computedAt: IsoTime): Evidence {
  const total = parts.reduce(
    (acc, p) => ({
      received: acc.received + p.received,
      valid: acc.valid + p.valid,
      n: acc.n + p.n,
      sum: acc.sum + p.sum,
      sumsq: acc.sumsq + p.sumsq,
      satisfied: acc.satisfied + p.satisfied,
      required: acc.required + p.required,
    }),
    { received: 0, valid: 0, n: 0, sum: 0, sumsq: 0, satisfied: 0, required: 0 },
  );
  const mean = meanInterval(total.n, total.sum, total.sumsq);
  const wilson = wilsonInterval(total.satisfied, total.n);
  const pct = (x: number | null) => (x === null ? null : round(clampPercent(x), 2));
  const index = pct(mean.mean);
  const rate = total.n > 0 ? pct((total.satisfied / total.n) * 100) : null;
  return {
    received: total.received,
    valid: total.valid,
    index,
    indexCi: index !== null && mean.ci ? [pct(mean.ci[0])!, pct(mean.ci[1])!] : null,
    rate,
    rateCi: rate !== null && wilson ? [pct(wilson[0] * 100)!, pct(wilson[1] * 100)!] : null,
    adequate: parts.length > 0 && total.valid > 0 && parts.every((p) => p.adequate),
    requiredSample: parts.length > 0 ? total.required : null,
    computedAt,
  };
}
