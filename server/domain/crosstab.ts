/**
 * Cross-tabulation statistics (pure): row and column percentages, Pearson's χ² test of
 * independence with its p-value and Cramér's V, and Fisher's exact test for a 2×2 table.
 *
 * - Rows and columns with no observation are left out of the test (they carry no information and
 *   would give zero expected counts). Eᵢⱼ = rowᵢ·colⱼ/n; χ² = Σ(Oᵢⱼ − Eᵢⱼ)²/Eᵢⱼ on (r − 1)(c − 1)
 *   degrees of freedom; p = P(χ²_df ≥ χ²); V = √(χ²/(n·(min(r, c) − 1))).
 * - The χ² approximation needs expected counts of at least 5: below that the table says so, and a
 *   2×2 table gets Fisher's exact test (two-sided: the sum of the probabilities, under fixed margins,
 *   of every table no more likely than the observed one).
 * - The test assumes each respondent is counted in one cell: a multiple-choice question breaks it.
 */
import chisquareCdf from '@stdlib/stats-base-dists-chisquare-cdf';
import hypergeometricPmf from '@stdlib/stats-base-dists-hypergeometric-pmf';

export interface CrossTabPercentages {
  rowTotals: number[];
  colTotals: number[];
  total: number;
  /** Percent of the row total (null for an empty row). */
  rowPct: (number | null)[][];
  /** Percent of the column total (null for an empty column). */
  colPct: (number | null)[][];
}

export function crossTabPercentages(cells: readonly (readonly number[])[]): CrossTabPercentages {
  const rowTotals = cells.map((r) => r.reduce((k, x) => k + x, 0));
  const colTotals = (cells[0] ?? []).map((_x, j) => cells.reduce((k, r) => k + (r[j] ?? 0), 0));
  const total = rowTotals.reduce((k, x) => k + x, 0);
  return {
    rowTotals,
    colTotals,
    total,
    rowPct: cells.map((r, i) => r.map((x) => (rowTotals[i]! > 0 ? (x / rowTotals[i]!) * 100 : null))),
    colPct: cells.map((r) => r.map((x, j) => (colTotals[j]! > 0 ? (x / colTotals[j]!) * 100 : null))),
  };
}

export interface IndependenceTest {
  /** Observations in the tested table. */
  n: number;
  /** Rows and columns with at least one observation (the table tested). */
  rows: number;
  cols: number;
  chi2: number | null;
  df: number | null;
  p: number | null;
  cramersV: number | null;
  minExpected: number | null;
  /** Cells whose expected count is under 5. */
  expectedBelow5: number;
  /** Two-sided Fisher exact p for a 2×2 table; null otherwise. */
  fisherP: number | null;
}

/** Two-sided Fisher exact test of a 2×2 table [[a, b], [c, d]]. */
export function fisherExact(a: number, b: number, c: number, d: number): number {
  const N = a + b + c + d;
  const K = a + c;
  const draws = a + b;
  const observed = hypergeometricPmf(a, N, K, draws);
  let p = 0;
  for (let x = Math.max(0, draws + K - N); x <= Math.min(draws, K); x++) {
    const px = hypergeometricPmf(x, N, K, draws);
    // Ties with the observed table count, allowing for float error (R uses a relative 1e-7).
    if (px <= observed * (1 + 1e-7)) p += px;
  }
  return Math.min(1, p);
}

export function independenceTest(cells: readonly (readonly number[])[]): IndependenceTest {
  const { rowTotals, colTotals, total } = crossTabPercentages(cells);
  const rowsUsed = rowTotals.map((x, i) => (x > 0 ? i : -1)).filter((i) => i >= 0);
  const colsUsed = colTotals.map((x, j) => (x > 0 ? j : -1)).filter((j) => j >= 0);
  const r = rowsUsed.length;
  const c = colsUsed.length;
  const none = { n: total, rows: r, cols: c, chi2: null, df: null, p: null, cramersV: null, minExpected: null, expectedBelow5: 0, fisherP: null };
  if (r < 2 || c < 2) return none;
  let chi2 = 0;
  let minExpected = Infinity;
  let expectedBelow5 = 0;
  for (const i of rowsUsed) {
    for (const j of colsUsed) {
      const e = (rowTotals[i]! * colTotals[j]!) / total;
      const o = cells[i]![j]!;
      chi2 += ((o - e) * (o - e)) / e;
      minExpected = Math.min(minExpected, e);
      if (e < 5) expectedBelow5++;
    }
  }
  const df = (r - 1) * (c - 1);
  const at = (i: number, j: number) => cells[rowsUsed[i]!]![colsUsed[j]!]!;
  return {
    n: total,
    rows: r,
    cols: c,
    chi2,
    df,
    p: Math.max(0, 1 - chisquareCdf(chi2, df)),
    cramersV: Math.sqrt(chi2 / (total * (Math.min(r, c) - 1))),
    minExpected,
    expectedBelow5,
    fisherP: r === 2 && c === 2 ? fisherExact(at(0, 0), at(0, 1), at(1, 0), at(1, 1)) : null,
  };
}
