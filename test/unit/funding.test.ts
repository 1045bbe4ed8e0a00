import {
  checkFunding,
  evaluationDataSchema,
  formatPercent,
  fundingInputSchema,
  fundingRates,
  fundingSchema,
  migrateFunding,
  type Funding,
} from '../../server/domain/evaluation';

/** The reference report's 资金情况 as printed (万元): 189 / 60 / 139, 110.5 / 60 / 50.5, 104.476, 7. */
const PRINTED: Funding = {
  budget: { total: 189, central: 0, provincial: 60, municipal: 139 },
  received: { total: 110.5, central: 0, provincial: 60, municipal: 50.5 },
  spent: 104.476,
  carriedOver: 7,
};

const keysOf = (f: Funding) => checkFunding(f).map((p) => p.key);

/** The field errors (dotted path → catalog key) of a refused input. */
function refusal(input: unknown): Record<string, string> {
  const result = fundingInputSchema.safeParse(input);
  if (result.success) throw new Error('accepted');
  return Object.fromEntries(result.error.issues.map((i) => [i.path.join('.'), ((i as { params?: { key?: string } }).params?.key ?? i.code) as string]));
}

describe('funding as printed: the reference case', () => {
  it('is accepted as printed and keeps every figure as entered', () => {
    expect(fundingInputSchema.parse(PRINTED)).toEqual(PRINTED);
  });

  it('gives the report’s 预算执行率 of 94.55% (104.476 ÷ 110.5) and a 资金到位率 from the printed totals (110.5 ÷ 189)', () => {
    const rates = fundingRates(PRINTED);
    expect(rates).toEqual({ budgetTotal: 189, receivedTotal: 110.5, receivedRate: 0.5847, executionRate: 0.9455 });
    expect(formatPercent(rates.executionRate)).toBe('94.55%');
  });

  it('points out exactly the two disagreements: 60 + 139 = 199 ≠ 189, and 110.5 − 104.476 = 6.024 ≠ 7', () => {
    expect(checkFunding(PRINTED)).toEqual([
      { nodeId: null, key: 'evaluation.funding.budgetParts', params: { parts: '60 + 139', sum: '199', total: '189' } },
      { nodeId: null, key: 'evaluation.funding.carriedOverMismatch', params: { carriedOver: '7', expected: '6.024' } },
    ]);
  });

  it('has nothing to point out once the figures agree', () => {
    expect(checkFunding({ ...PRINTED, budget: { ...PRINTED.budget, total: 199 }, carriedOver: 6.024 })).toEqual([]);
  });

  it('points out received parts that do not make their total', () => {
    expect(keysOf({ ...PRINTED, received: { ...PRINTED.received, municipal: 40.5 } })).toContain('evaluation.funding.receivedParts');
  });

  it('takes a breakdown of all zeros as not given (a total alone is not a disagreement)', () => {
    expect(keysOf({ budget: { total: 189, central: 0, provincial: 0, municipal: 0 }, received: { total: 110.5, central: 0, provincial: 0, municipal: 0 }, spent: 104.476, carriedOver: 6.024 })).toEqual([]);
  });
});

describe('funding input: what cannot be is refused, naming the field', () => {
  it('refuses more spent than received on `spent`, saying both amounts', () => {
    const result = fundingInputSchema.safeParse({ ...PRINTED, spent: 120 });
    expect(result.success).toBe(false);
    expect(result.error!.issues).toEqual([
      expect.objectContaining({ path: ['spent'], params: { key: 'evaluation.funding.spentAboveReceived', params: { spent: '120', received: '110.5' } } }),
    ]);
  });

  it('accepts spending exactly what was received (to the yuan)', () => {
    expect(fundingInputSchema.safeParse({ ...PRINTED, spent: 110.5, carriedOver: 0 }).success).toBe(true);
    expect(refusal({ ...PRINTED, spent: 110.5001 })).toEqual({ spent: 'evaluation.funding.spentAboveReceived' });
  });

  it.each([
    ['budget.total', { ...PRINTED, budget: { ...PRINTED.budget, total: -189 } }],
    ['budget.central', { ...PRINTED, budget: { ...PRINTED.budget, central: -1 } }],
    ['received.provincial', { ...PRINTED, received: { ...PRINTED.received, provincial: -60 } }],
    ['received.municipal', { ...PRINTED, received: { ...PRINTED.received, municipal: -0.0001 } }],
    ['carriedOver', { ...PRINTED, carriedOver: -7 }],
  ])('refuses a negative amount in %s', (field, input) => {
    expect(refusal(input)).toEqual({ [field]: 'too_small' });
  });

  it('refuses a negative spending on `spent` (and does not also call it more than received)', () => {
    expect(refusal({ ...PRINTED, spent: -1 })).toEqual({ spent: 'too_small' });
  });

  it('allows 4 decimals of 万元 (one yuan) and refuses a fifth', () => {
    expect(fundingInputSchema.safeParse({ ...PRINTED, carriedOver: 6.0241 }).success).toBe(true);
    expect(refusal({ ...PRINTED, carriedOver: 6.02401 })).toEqual({ carriedOver: 'funding.decimals' });
  });

  it('requires both totals (the printed figures), defaults the parts, spent and carried over to 0', () => {
    expect(refusal({ budget: { provincial: 60 }, received: { total: 1 } })).toEqual({ 'budget.total': 'invalid_type' });
    expect(fundingInputSchema.parse({ budget: { total: 5 }, received: { total: 5 } })).toEqual({
      budget: { total: 5, central: 0, provincial: 0, municipal: 0 },
      received: { total: 5, central: 0, provincial: 0, municipal: 0 },
      spent: 0,
      carriedOver: 0,
    });
  });

  it('refuses unknown fields and text where an amount belongs', () => {
    expect(refusal({ ...PRINTED, budget: { ...PRINTED.budget, county: 1 } })).toEqual({ budget: 'unrecognized_keys' });
    expect(refusal({ ...PRINTED, spent: '104.476' })).toEqual({ spent: 'invalid_type' });
  });
});

describe('funding arithmetic: exact, without a tolerance', () => {
  it('compares in whole millionths of 万元, so 0.1 + 0.2 makes 0.3 and 110.5 − 104.476 makes 6.024', () => {
    const f: Funding = { budget: { total: 0.3, central: 0.1, provincial: 0.2, municipal: 0 }, received: { total: 0.3, central: 0.1, provincial: 0.2, municipal: 0 }, spent: 0.3, carriedOver: 0 };
    expect(checkFunding(f)).toEqual([]);
    expect(fundingRates(f)).toMatchObject({ receivedRate: 1, executionRate: 1 });
    expect(keysOf({ ...PRINTED, budget: { ...PRINTED.budget, total: 199 }, carriedOver: 6.024 })).toEqual([]);
  });

  it('sees a difference of one yuan (0.0001 万元)', () => {
    expect(keysOf({ ...PRINTED, budget: { ...PRINTED.budget, total: 199.0001 }, carriedOver: 6.024 })).toEqual(['evaluation.funding.budgetParts']);
    expect(keysOf({ ...PRINTED, budget: { ...PRINTED.budget, total: 199 }, carriedOver: 6.0239 })).toEqual(['evaluation.funding.carriedOverMismatch']);
  });

  it('gives null rates, never NaN or Infinity, when nothing was budgeted or received', () => {
    const none = fundingInputSchema.parse({ budget: { total: 0 }, received: { total: 0 } });
    expect(fundingRates(none)).toEqual({ budgetTotal: 0, receivedTotal: 0, receivedRate: null, executionRate: null });
  });
});

describe('funding stored before totals existed', () => {
  const OLD = { budget: { central: 0, provincial: 60, municipal: 139 }, received: { central: 0, provincial: 60, municipal: 50.5 }, spent: 104.476, carriedOver: 6.024 };

  it('loads with each total taken as the sum of its parts (what the app showed as 合计 then)', () => {
    expect(fundingSchema.parse(OLD)).toEqual({
      budget: { total: 199, central: 0, provincial: 60, municipal: 139 },
      received: { total: 110.5, central: 0, provincial: 60, municipal: 50.5 },
      spent: 104.476,
      carriedOver: 6.024,
    });
    expect(checkFunding(fundingSchema.parse(OLD))).toEqual([]);
  });

  it('loads inside an evaluation, with missing parts as 0 and amounts of up to 6 decimals kept as they were', () => {
    const data = evaluationDataSchema.parse({ project: { name: 'x' }, funding: { budget: { provincial: 0.000001 }, received: { municipal: 2 }, spent: 1 } });
    expect(data.funding).toEqual({ budget: { total: 0.000001, central: 0, provincial: 0.000001, municipal: 0 }, received: { total: 2, central: 0, provincial: 0, municipal: 2 }, spent: 1, carriedOver: 0 });
  });

  it('keeps spending above receipts that was stored before it was refused, and points it out', () => {
    const stored = fundingSchema.parse({ ...OLD, spent: 120 });
    expect(stored.spent).toBe(120);
    expect(keysOf(stored)).toEqual(['evaluation.funding.spentAboveReceived']);
  });

  it('leaves the current shape alone', () => {
    expect(migrateFunding(PRINTED)).toEqual(PRINTED);
    expect(fundingSchema.parse(PRINTED)).toEqual(PRINTED);
  });
});
