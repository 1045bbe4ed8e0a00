import { crossTabPercentages, fisherExact, independenceTest } from '../../server/domain/crosstab';

describe('cross-tab statistics', () => {
  it('reproduces Field, Miles & Field (2012) §18.6: cats trained with food or affection, χ²(1) = 25.36, Cramér\'s V = .36', () => {
    // Discovering Statistics Using R, chapter 18 (categorical data): 200 cats,
    //                 danced  did not
    //   food            28      10
    //   affection       48     114
    // Published: Pearson χ²(1) = 25.36, p < .001; Cramér's V = 0.36 (0.356).
    const test = independenceTest([
      [28, 10],
      [48, 114],
    ]);
    expect(test.df).toBe(1);
    expect(test.chi2!).toBeCloseTo(25.36, 2);
    expect(test.p!).toBeLessThan(0.001);
    expect(test.cramersV!).toBeCloseTo(0.356, 3);
    // Expected counts 14.44, 23.56, 61.56, 100.44: none under 5.
    expect(test.minExpected!).toBeCloseTo(14.44, 2);
    expect(test.expectedBelow5).toBe(0);
  });

  it('reproduces Fisher\'s tea-tasting experiment (Agresti 2002, Table 3.8): two-sided P = 0.486', () => {
    // Guess milk / tea first against truth: [[3, 1], [1, 3]]; P(a = 3) = 16/70 = 0.229, P(a = 4) = 1/70 = 0.014;
    // two-sided: tables no more likely than the observed one: a ∈ {0, 1, 3, 4} = 34/70 = 0.4857.
    expect(fisherExact(3, 1, 1, 3)).toBeCloseTo(34 / 70, 12);
    const test = independenceTest([
      [3, 1],
      [1, 3],
    ]);
    // Every expected count is 2 (< 5): the χ² approximation is flagged and Fisher's P given.
    expect(test.expectedBelow5).toBe(4);
    expect(test.fisherP!).toBeCloseTo(0.4857, 4);
    // χ² = 4 × (1²/2) = 2, V = √(2/8) = 0.5.
    expect(test.chi2).toBeCloseTo(2, 12);
    expect(test.cramersV).toBeCloseTo(0.5, 12);
  });

  it('gives row and column percentages with their totals, and leaves empty rows out of the test', () => {
    const cells = [
      [28, 10],
      [0, 0],
      [48, 114],
    ];
    const pct = crossTabPercentages(cells);
    expect(pct.rowTotals).toEqual([38, 0, 162]);
    expect(pct.colTotals).toEqual([76, 124]);
    expect(pct.rowPct[0]![0]).toBeCloseTo((28 / 38) * 100, 10);
    expect(pct.rowPct[1]).toEqual([null, null]);
    expect(pct.colPct[2]![1]).toBeCloseTo((114 / 124) * 100, 10);
    const test = independenceTest(cells);
    expect(test.rows).toBe(2);
    expect(test.chi2!).toBeCloseTo(25.36, 2);
  });

  it('has no test for a table with one non-empty row or column', () => {
    expect(independenceTest([[3, 4]])).toMatchObject({ chi2: null, p: null, cramersV: null });
    expect(independenceTest([[0, 0], [0, 0]])).toMatchObject({ n: 0, chi2: null });
  });
});
