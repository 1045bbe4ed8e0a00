import { z } from 'zod';
import { hasAtMostDecimals, rateOf } from './grading';
import type { EvaluationProblem } from './scoring-rules';

/** Amounts are in 万元 (10,000 yuan), as in the report's 资金情况 table; 6 decimals reach the fen (分). */
export const AMOUNT_DIGITS = 6;

export interface FundingSources {
  /** 中央财政 */
  central: number;
  /** 省级财政 */
  provincial: number;
  /** 市级财政 */
  municipal: number;
}

export interface Funding {
  /** 预算安排资金 */
  budget: FundingSources;
  /** 实际到位资金 */
  received: FundingSources;
  /** 实际支出资金 */
  spent: number;
  /** 结转结余资金 */
  carriedOver: number;
}

const amountSchema = z
  .number()
  .min(0)
  .max(10_000_000)
  .refine((v) => hasAtMostDecimals(v, AMOUNT_DIGITS), `at most ${AMOUNT_DIGITS} decimals`);
const sourcesSchema = z.object({ central: amountSchema.default(0), provincial: amountSchema.default(0), municipal: amountSchema.default(0) });

export const fundingSchema = z.object({
  budget: sourcesSchema,
  received: sourcesSchema,
  spent: amountSchema.default(0),
  carriedOver: amountSchema.default(0),
});

export const emptyFunding = (): Funding => ({
  budget: { central: 0, provincial: 0, municipal: 0 },
  received: { central: 0, provincial: 0, municipal: 0 },
  spent: 0,
  carriedOver: 0,
});

// Sums in millionths of 万元 (whole fen), so 60 + 50.5 + 0.1 never drifts.
const UNIT = 10 ** AMOUNT_DIGITS;
const toUnits = (amount: number) => Math.round(amount * UNIT);
const total = (s: FundingSources) => (toUnits(s.central) + toUnits(s.provincial) + toUnits(s.municipal)) / UNIT;

export interface FundingRates {
  budgetTotal: number;
  receivedTotal: number;
  /** 资金到位率 = received ÷ budget; null when nothing was budgeted. */
  receivedRate: number | null;
  /** 预算执行率 = spent ÷ received; null when nothing was received. */
  executionRate: number | null;
}

/** The totals and the two rates of the 资金情况 table, rates to 4 decimals (0.9455 = 94.55%). */
export function fundingRates(funding: Funding): FundingRates {
  const budgetTotal = total(funding.budget);
  const receivedTotal = total(funding.received);
  return {
    budgetTotal,
    receivedTotal,
    receivedRate: rateOf(receivedTotal, budgetTotal),
    executionRate: rateOf(funding.spent, receivedTotal),
  };
}

/**
 * Figures that contradict each other: more spent than received, or a carried-over amount that is
 * not received − spent. These are warnings to check against the vouchers, not input errors.
 */
export function checkFunding(funding: Funding): EvaluationProblem[] {
  const problems: EvaluationProblem[] = [];
  const received = toUnits(total(funding.received));
  const spent = toUnits(funding.spent);
  if (spent > received) {
    problems.push({ nodeId: null, key: 'evaluation.funding.spentAboveReceived', params: { spent: formatAmount(funding.spent), received: formatAmount(received / UNIT) } });
  } else if (toUnits(funding.carriedOver) !== received - spent) {
    problems.push({
      nodeId: null,
      key: 'evaluation.funding.carriedOverMismatch',
      params: { carriedOver: formatAmount(funding.carriedOver), expected: formatAmount((received - spent) / UNIT) },
    });
  }
  return problems;
}

/** An amount in 万元 as written in the report: up to 6 decimals, trailing zeros dropped (104.476). */
export const formatAmount = (amount: number): string => String(Number(amount.toFixed(AMOUNT_DIGITS)));
