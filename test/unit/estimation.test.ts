import fc from 'fast-check';
import {
  constantSums,
  emptySums,
  mergeSums,
  MIN_RESPONDENTS,
  profileKey,
  respondentScore,
  satisfiedThreshold,
  simpleEstimate,
  stratifiedEstimate,
  sumsFromProfiles,
  t95,
  wilson,
  Z95,
  type LevelCounts,
  type RespondentSums,
} from '../../server/domain/estimation';

/** Default weights of levels 5..1 and satisfied levels (非常满意, 满意, 基本满意). */
const WEIGHTS = [100, 80, 60, 40, 20];
const SATISFIED = [5, 4, 3];
const SCALE = { scale: { min: 20, max: 100 } };

/** Respondents who each answered one item, with these weights (100 → level 5 … 20 → level 1). */
function oneItemEach(scores: number[]): RespondentSums {
  const profiles = new Map<string, number>();
  for (const y of scores) {
    const c: LevelCounts = [0, 0, 0, 0, 0];
    c[WEIGHTS.indexOf(y)] = 1;
    profiles.set(profileKey(c), (profiles.get(profileKey(c)) ?? 0) + 1);
  }
  return sumsFromProfiles(profiles, WEIGHTS, SATISFIED);
}

describe('respondent scores', () => {
  it('scores a respondent by the mean weight of the items they answered with a level, satisfied at the smallest satisfied weight', () => {
    expect(satisfiedThreshold(WEIGHTS, SATISFIED)).toBe(60);
    expect(satisfiedThreshold([100, 80, 60, 30, 0], [5, 4])).toBe(80);
    // 5, 4, 4, 3 and 5 (不了解 left out): (100 + 80 + 80 + 60 + 100) / 5 = 84.
    expect(respondentScore([2, 2, 1, 0, 0], WEIGHTS, 60)).toEqual({ y: 84, satisfied: true });
    // 5 and 1: (100 + 20) / 2 = 60, exactly the threshold: satisfied.
    expect(respondentScore([1, 0, 0, 0, 1], WEIGHTS, 60)).toEqual({ y: 60, satisfied: true });
    expect(respondentScore([0, 0, 0, 0, 0], WEIGHTS, 60)).toBeNull();
  });

  it('computes the respondent-level index and 满意率 of three residents, unlike the answer-level figures', () => {
    // R1 answered 5,4,4,3,(不了解),5 → 420/5 = 84, satisfied;
    // R2 4,4,4,4,2,4 → 440/6 = 73.333…, satisfied (73.3 ≥ 60);
    // R3 2,2,1,3,3,2 → 260/6 = 43.333…, not satisfied.
    const sums = sumsFromProfiles(
      [
        ['2-2-1-0-0', 1],
        ['0-5-0-1-0', 1],
        ['0-0-2-3-1', 1],
      ],
      WEIGHTS,
      SATISFIED,
    );
    // Index = (84 + 73.333 + 43.333) / 3 = 200.667 / 3 = 66.889 (answers pooled would give 1120/17 = 65.88);
    // 满意率 = 2 of 3 respondents = 66.67% (answers pooled: 12 of 17 = 70.59%).
    expect(sums.n).toBe(3);
    expect(sums.mean).toBeCloseTo(602 / 9, 10);
    expect(sums.satisfied).toBe(2);
    // Σ(y − ȳ)²: deviations 17.111, 6.444, −23.556 → 292.79 + 41.53 + 554.86 = 889.19 (= 8002.67/9).
    expect(sums.m2).toBeCloseTo(889.185185, 5);
    const e = simpleEstimate(sums, null, SCALE);
    expect(e.index).toBeCloseTo(66.8889, 4);
    expect(e.rate).toBeCloseTo(2 / 3, 12);
    // n = 3 < 5: no interval ("样本不足").
    expect(MIN_RESPONDENTS).toBe(5);
    expect(e).toMatchObject({ insufficient: true, indexCi: null, rateCi: null });
  });

  it('merges sums exactly, so identical scores keep zero spread however they are grouped', () => {
    const a = constantSums(3, 80, true);
    const b = constantSums(4, 80, true);
    expect(mergeSums(a, b)).toEqual({ n: 7, mean: 80, m2: 0, satisfied: 7 });
    expect(mergeSums(emptySums(), a)).toEqual(a);
    // {60, 100}: mean 80, Σ(y − ȳ)² = 400 + 400.
    expect(mergeSums(constantSums(1, 60, true), constantSums(1, 100, true))).toEqual({ n: 2, mean: 80, m2: 800, satisfied: 2 });
  });
});

describe('intervals of one group', () => {
  it('uses t with n − 1 degrees of freedom: ±28.31 at n = 5 where z gave ±19.99', () => {
    // Scores 100, 80, 60, 80, 40: ȳ = 72, Σ(y − ȳ)² = 784 + 64 + 144 + 64 + 1024 = 2080, s² = 520,
    // se = √(520/5) = 10.198; z·se = 1.95996 × 10.198 = 19.99; t₄ = 2.77645 → 28.31.
    const e = simpleEstimate(oneItemEach([100, 80, 60, 80, 40]), null, SCALE);
    expect(e.index).toBe(72);
    expect(e.indexDf).toBe(4);
    expect(e.indexSe).toBeCloseTo(10.198039, 6);
    expect(Z95 * e.indexSe!).toBeCloseTo(19.99, 2);
    expect(t95(4)).toBeCloseTo(2.776445, 6);
    // 72 ± 28.3143 = [43.69, 100.31], the upper end cut at the scale's top (no mean exceeds 100).
    expect(e.indexCi![0]).toBeCloseTo(72 - 28.3143, 4);
    expect(e.indexCi![1]).toBe(100);
    expect(e.indexMethod).toBe('t');
    // 4 of 5 reach 60: Wilson(0.8, 5): centre (0.8 + 0.38415)/1.76829 = 0.66966, half 1.10839 × √(0.032 + 0.038415) = 0.29412.
    expect(e.rate).toBe(0.8);
    expect(e.rateCi![0]).toBeCloseTo(0.37553, 4);
    expect(e.rateCi![1]).toBeCloseTo(0.96378, 4);
  });

  it('gives no zero-width interval when every respondent is equal: a bound from the share who could differ', () => {
    // Five residents all at 100. u = Wilson upper bound of 0 of 5 = z²/(5 + z²) = 3.8415/8.8415 = 0.43448;
    // the mean lies in [100 − 0.43448 × (100 − 20), 100] = [65.24, 100].
    const top = simpleEstimate(oneItemEach([100, 100, 100, 100, 100]), null, SCALE);
    expect(top.indexMethod).toBe('all-equal');
    expect(top.indexCi![0]).toBeCloseTo(65.2414, 4);
    expect(top.indexCi![1]).toBe(100);
    // The rate 5 of 5 keeps Wilson's interval [0.5655, 1].
    expect(top.rateCi![0]).toBeCloseTo(0.565518, 5);
    expect(top.rateCi![1]).toBe(1);
    // All at 60 (mid-scale): [60 − 0.43448 × 40, 60 + 0.43448 × 40] = [42.62, 77.38].
    const mid = simpleEstimate(oneItemEach([60, 60, 60, 60, 60]), null, SCALE);
    expect(mid.indexCi![0]).toBeCloseTo(42.6207, 4);
    expect(mid.indexCi![1]).toBeCloseTo(77.3793, 4);
  });

  it('applies the finite-population correction to a station: a census has no sampling error', () => {
    // Scores 100, 80, 60, 80, 40 from a station of 10 recipients: v = (1 − 5/10) × 520/5 = 52, se = 7.2111.
    const half = simpleEstimate(oneItemEach([100, 80, 60, 80, 40]), 10, SCALE);
    expect(half.indexSe).toBeCloseTo(Math.sqrt(52), 10);
    // Wilson at n/(1 − f) = 10 for 4 of 5.
    expect(half.rateNeff).toBeCloseTo(10, 12);
    expect(half.rateCi![0]).toBeCloseTo(wilson(0.8, 10)[0], 12);
    expect(half.rateCi![1]).toBeCloseTo(wilson(0.8, 10)[1], 12);
    const census = simpleEstimate(oneItemEach([100, 80, 60, 80, 40]), 5, SCALE);
    expect(census).toMatchObject({ indexMethod: 'census', indexCi: [72, 72], rateCi: [0.8, 0.8] });
  });
});

describe('the stratified estimate', () => {
  it('weights three stations by population with per-station FPC (hand-computed)', () => {
    // A: N 100, scores 100, 80, 60       → ȳ 80, s² 400
    // B: N 200, scores 80, 80, 60, 40    → ȳ 65, s² (225 + 225 + 25 + 625)/3 = 366.667
    // C: N 700, scores 100, 100, 80, 60, 60 → ȳ 80, s² 1600/4 = 400
    // W = 0.1, 0.2, 0.7; ȳ_st = 8 + 13 + 56 = 77.
    // v = Σ W²(1 − f)s²/n = 0.01×0.97×400/3 + 0.04×0.98×366.667/4 + 0.49×(1 − 5/700)×400/5
    //   = 1.29333 + 3.59333 + 38.92 = 43.80667; se = 6.61866.
    // Satterthwaite df = 43.80667² / (1.29333²/2 + 3.59333²/3 + 38.92²/4) = 1919.02/383.83 = 4.9996;
    // t = 2.57064; interval 77 ± 17.0142 = [59.99, 94.01].
    const e = stratifiedEstimate(
      [
        { id: 'A', population: 100, sums: oneItemEach([100, 80, 60]) },
        { id: 'B', population: 200, sums: oneItemEach([80, 80, 60, 40]) },
        { id: 'C', population: 700, sums: oneItemEach([100, 100, 80, 60, 60]) },
      ],
      SCALE,
    );
    expect(e.weighting).toBe('population');
    expect(e.weights).toEqual({ A: 0.1, B: 0.2, C: 0.7 });
    expect(e.index).toBeCloseTo(77, 10);
    expect(e.indexSe! ** 2).toBeCloseTo(43.806667, 5);
    expect(e.indexDf).toBeCloseTo(4.99965, 4);
    expect(e.indexCi![0]).toBeCloseTo(59.9858, 3);
    expect(e.indexCi![1]).toBeCloseTo(94.0142, 3);
    // 满意率: A 3/3, B 3/4, C 5/5 → p_st = 0.1 + 0.15 + 0.7 = 0.95;
    // v = 0.04 × 0.98 × 0.75 × 0.25 / 4 = 0.0018375 → n* = 0.95×0.05/0.0018375 = 25.85, capped at
    // Σ n/(1 − f) = 3/0.97 + 4/0.98 + 5/(695/700) = 12.2104; Wilson(0.95, 12.2104) = [0.6908, 0.9939].
    expect(e.rate).toBeCloseTo(0.95, 12);
    expect(e.rateNeff).toBeCloseTo(12.210387, 5);
    expect(e.rateCi![0]).toBeCloseTo(0.690766, 5);
    expect(e.rateCi![1]).toBeCloseTo(0.99385, 5);
    expect(e.coverage).toBe(1);
  });

  it('falls back to weights by respondents when a station\'s population is unknown, and names it', () => {
    const e = stratifiedEstimate(
      [
        { id: 'A', population: 100, sums: oneItemEach([100, 80, 60]) },
        { id: 'B', population: null, sums: oneItemEach([80, 80, 60, 40]) },
        { id: 'D', population: 50, sums: emptySums() },
      ],
      SCALE,
    );
    expect(e.weighting).toBe('respondents');
    expect(e.missingPopulation).toEqual(['B']);
    expect(e.emptyStrata).toEqual(['D']);
    // W = 3/7, 4/7: ȳ = (240 + 260)/7 = 71.4286, the mean of the 7 respondents.
    expect(e.index).toBeCloseTo(500 / 7, 10);
  });

  it('lets a station of one respondent borrow the pooled within-station variance', () => {
    // A: 100, 60 (s² 800, df 1); B: 80, 40 (s² 800, df 1); C: 100 alone borrows s_w² = 1600/2 = 800.
    const e = stratifiedEstimate(
      [
        { id: 'A', population: null, sums: oneItemEach([100, 60]) },
        { id: 'B', population: null, sums: oneItemEach([80, 40]) },
        { id: 'C', population: null, sums: oneItemEach([100]) },
      ],
      SCALE,
    );
    // W = 0.4, 0.4, 0.2: v = 0.16×800/2 + 0.16×800/2 + 0.04×800/1 = 64 + 64 + 32 = 160.
    expect(e.indexSe! ** 2).toBeCloseTo(160, 8);
    // df = 160² / (64²/1 + 64²/1 + 32²/2) = 25600 / 8704 = 2.941.
    expect(e.indexDf).toBeCloseTo(25600 / 8704, 8);
  });

  it('equals the simple respondent-level estimate for one station (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(100, 80, 60, 40, 20), { minLength: 1, maxLength: 40 }), fc.option(fc.integer({ min: 1, max: 500 })), (scores, population) => {
        const sums = oneItemEach(scores);
        const st = stratifiedEstimate([{ id: 'only', population, sums }], SCALE);
        const simple = simpleEstimate(sums, population, SCALE);
        expect(st.index).toBe(simple.index);
        expect(st.indexCi).toEqual(simple.indexCi);
        expect(st.rate).toBe(simple.rate);
        expect(st.rateCi).toEqual(simple.rateCi);
        // And the simple estimate is the plain mean and share of the respondents.
        expect(simple.index).toBeCloseTo(scores.reduce((k, y) => k + y, 0) / scores.length, 9);
        expect(simple.rate).toBeCloseTo(scores.filter((y) => y >= 60).length / scores.length, 12);
      }),
    );
  });

  it('equals the pooled respondent-level estimate when stations have equal populations and equal n (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 12 }).chain((n) => fc.array(fc.array(fc.constantFrom(100, 80, 60, 40, 20), { minLength: n, maxLength: n }), { minLength: 1, maxLength: 6 })),
        fc.integer({ min: 1, max: 1000 }),
        (stations, population) => {
          const strata = stations.map((scores, i) => ({ id: `s${i}`, population, sums: oneItemEach(scores) }));
          const st = stratifiedEstimate(strata, SCALE);
          const all = stations.flat();
          expect(st.index).toBeCloseTo(all.reduce((k, y) => k + y, 0) / all.length, 9);
          expect(st.rate).toBeCloseTo(all.filter((y) => y >= 60).length / all.length, 12);
        },
      ),
    );
  });
});
