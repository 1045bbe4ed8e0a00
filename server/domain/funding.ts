import { z } from 'zod';
import { hasAtMostDecimals, rateOf } from './grading';
import type { EvaluationProblem } from './scoring-rules';

/**
 * 资金情况 as the report prints it, in 万元 (10,000 yuan): 预算安排资金 and 实际到位资金 each as a
 * total entered in its own right beside its 中央/省级/市级 parts, 实际支出资金 and 结转结余资金.
 * The evaluator's figures stand: parts that do not make their total, and a 结转结余 that is not
 * 到位 − 支出, are pointed out (checkFunding), never corrected. Figures that cannot be (negative,
 * or more spent than received) are refused when entered (fundingInputSchema).
 */

/** Entered amounts have at most 4 decimals of 万元 (one yuan). */
export const AMOUNT_DIGITS = 4;
/** Figures stored before totals existed could have 6 decimals (the fen); they load unchanged. */
export const STORED_AMOUNT_DIGITS = 6;
export const MAX_AMOUNT = 10_000_000;

export interface FundingSources {
  /** 合计, as printed (not computed from the parts). */
  total: number;
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

export const FUNDING_PARTS = ['central', 'provincial', 'municipal'] as const;

/**
 * Arithmetic in whole millionths of 万元 (0.01 yuan): every amount the app accepts (4 decimals) or
 * has stored (6) is an exact integer there, so sums and differences are exact and compared for
 * equality without a tolerance (60 + 50.5 is 110.5, and 110.5 − 104.476 is 6.024, exactly).
 */
const UNIT = 10 ** STORED_AMOUNT_DIGITS;
export const toAmountUnits = (amount: number): number => Math.round(amount * UNIT);
const fromUnits = (units: number): number => units / UNIT;
const partsUnits = (s: Omit<FundingSources, 'total'>) => FUNDING_PARTS.reduce((sum, p) => sum + toAmountUnits(s[p]), 0);

/** The sum of the 中央/省级/市级 parts, exact. */
export const partsSum = (s: Omit<FundingSources, 'total'>): number => fromUnits(partsUnits(s));

/** An amount in 万元 as written in the report: trailing zeros dropped (104.476, 7). */
export const formatAmount = (amount: number): string => String(Number(amount.toFixed(STORED_AMOUNT_DIGITS)));

/** A catalog key and its parameters on a refinement, so the message says what is wrong (see issueMessage). */
const says = (key: string, params: Record<string, string | number> = {}) => ({ params: { key, params } });

const inputAmount = z
  .number()
  .min(0)
  .max(MAX_AMOUNT)
  .refine((v) => hasAtMostDecimals(v, AMOUNT_DIGITS), says('funding.decimals', { digits: AMOUNT_DIGITS }));

const inputSources = z.strictObject({
  total: inputAmount,
  central: inputAmount.default(0),
  provincial: inputAmount.default(0),
  municipal: inputAmount.default(0),
});

/**
 * 资金情况 as entered (API and form). Totals are required: they are the printed figures. More
 * spent than received is refused on `spent`; parts that do not add up are only pointed out.
 */
export const fundingInputSchema = z
  .strictObject({
    budget: inputSources,
    received: inputSources,
    spent: inputAmount.default(0),
    carriedOver: inputAmount.default(0),
  })
  .superRefine((f, ctx) => {
    if (toAmountUnits(f.spent) > toAmountUnits(f.received.total)) {
      ctx.addIssue({ code: 'custom', path: ['spent'], input: f.spent, ...says('evaluation.funding.spentAboveReceived', { spent: formatAmount(f.spent), received: formatAmount(f.received.total) }) });
    }
  });

const storedAmount = z
  .number()
  .min(0)
  .max(MAX_AMOUNT)
  .refine((v) => hasAtMostDecimals(v, STORED_AMOUNT_DIGITS), `at most ${STORED_AMOUNT_DIGITS} decimals`);

const storedSources = z.object({ total: storedAmount, central: storedAmount, provincial: storedAmount, municipal: storedAmount });

/** Funding as stored and as the API gives it: totals and parts, in 万元. */
export const fundingRecordSchema = z.object({ budget: storedSources, received: storedSources, spent: storedAmount, carriedOver: storedAmount });

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Funding stored before totals existed has only the parts: its total is their sum (what the app
 * showed as 合计 then). Missing parts and amounts read as 0, as the old schema's defaults did.
 */
export function migrateFunding(stored: unknown): unknown {
  if (!isRecord(stored)) return stored;
  const sources = (v: unknown): unknown => {
    if (!isRecord(v)) return v;
    const parts = Object.fromEntries(FUNDING_PARTS.map((p) => [p, v[p] ?? 0]));
    if (v.total !== undefined || !FUNDING_PARTS.every((p) => typeof parts[p] === 'number')) return { ...parts, ...v };
    return { ...v, ...parts, total: partsSum(parts as Omit<FundingSources, 'total'>) };
  };
  return { ...stored, budget: sources(stored.budget), received: sources(stored.received), spent: stored.spent ?? 0, carriedOver: stored.carriedOver ?? 0 };
}

/** Funding as kept in an evaluation's data: the current shape, or the old one migrated on read. */
export const fundingSchema = z.preprocess(migrateFunding, fundingRecordSchema);

export const emptyFunding = (): Funding => ({
  budget: { total: 0, central: 0, provincial: 0, municipal: 0 },
  received: { total: 0, central: 0, provincial: 0, municipal: 0 },
  spent: 0,
  carriedOver: 0,
});

export interface FundingRates {
  /** 预算安排资金合计, as entered. */
  budgetTotal: number;
  /** 实际到位资金合计, as entered. */
  receivedTotal: number;
  /** 资金到位率 = received ÷ budget (totals), a fraction to 4 decimals; null when nothing was budgeted. */
  receivedRate: number | null;
  /** 预算执行率 = spent ÷ received total, a fraction to 4 decimals (0.9455 = 94.55%); null when nothing was received. */
  executionRate: number | null;
}

/** The two rates of the 资金情况 table, from the totals as entered. */
export function fundingRates(funding: Funding): FundingRates {
  const budgetTotal = funding.budget.total;
  const receivedTotal = funding.received.total;
  return {
    budgetTotal,
    receivedTotal,
    receivedRate: rateOf(toAmountUnits(receivedTotal), toAmountUnits(budgetTotal)),
    executionRate: rateOf(toAmountUnits(funding.spent), toAmountUnits(receivedTotal)),
  };
}

/**
 * 核对提示: figures that contradict each other, to check against the vouchers. Parts that do not make
 * their total (a breakdown of all zeros counts as not given), more spent than received (only in
 * data stored before it was refused), and a 结转结余 that is not 到位 − 支出.
 */
export function checkFunding(funding: Funding): EvaluationProblem[] {
  const problems: EvaluationProblem[] = [];
  for (const group of ['budget', 'received'] as const) {
    const s = funding[group];
    const sum = partsUnits(s);
    if (sum !== 0 && sum !== toAmountUnits(s.total)) {
      problems.push({
        nodeId: null,
        key: group === 'budget' ? 'evaluation.funding.budgetParts' : 'evaluation.funding.receivedParts',
        params: { parts: FUNDING_PARTS.filter((p) => s[p] !== 0).map((p) => formatAmount(s[p])).join(' + '), sum: formatAmount(fromUnits(sum)), total: formatAmount(s.total) },
      });
    }
  }
  const received = toAmountUnits(funding.received.total);
  const spent = toAmountUnits(funding.spent);
  if (spent > received) {
    problems.push({ nodeId: null, key: 'evaluation.funding.spentAboveReceived', params: { spent: formatAmount(funding.spent), received: formatAmount(funding.received.total) } });
  } else if (toAmountUnits(funding.carriedOver) !== received - spent) {
    problems.push({
      nodeId: null,
      key: 'evaluation.funding.carriedOverMismatch',
      params: { carriedOver: formatAmount(funding.carriedOver), expected: formatAmount(fromUnits(received - spent)) },
    });
  }
  return problems;
}
