import { requiredSample, samplePlan } from '../../server/domain/sample-plan';

describe('sample adequacy that adds up', () => {
  it('asks each station for its own n with its FPC and the survey for the sum of the stations\' proportional shares', () => {
    // n₀ = 1.95996² × 0.25 / 0.05² = 384.146.
    // Own: 120 recipients → 384.146 / (1 + 383.146/120) = 91.62 → 92; 80 → 384.146 / (1 + 383.146/80) = 66.35 → 67.
    // Overall, proportional (W = 0.6, 0.4; Sₕ² = 0.25·N/(N − 1) = 0.252101, 0.253165; e²/z² = 0.00065079):
    //   n = Σ WS² / (e²/z² + Σ WS²/200) = 0.252532 / (0.00065079 + 0.00126266) = 131.976;
    //   shares 131.976 × 0.6 = 79.19 → 80 and × 0.4 = 52.79 → 53; overall = 80 + 53 = 133.
    const plan = samplePlan([
      { id: 'A', population: 120, n: 80 },
      { id: 'B', population: 80, n: 53 },
    ]);
    expect(plan.allocation).toBe('proportional');
    expect(plan.stations.map((s) => [s.id, s.required, s.share])).toEqual([
      ['A', 92, 80],
      ['B', 67, 53],
    ]);
    expect(plan.overall).toMatchObject({ required: 133, stationsRequired: 159, unrepresented: [] });
    // Having the shares gives the overall ±5 points: achieved margin ≤ 0.05, while each station alone is short of its own 92 / 67.
    expect(plan.overall.moe).toBeLessThanOrEqual(0.05);
    expect(plan.overall.adequate).toBe(true);
    expect(plan.stations.map((s) => s.adequate)).toEqual([false, false]);
    // Station A's own margin at n = 80 of 120: 1.95996 × √((40/119) × 0.25/80) = 1.95996 × 0.032410 = 0.06352.
    expect(plan.stations[0]!.moe).toBeCloseTo(0.063523, 5);
  });

  it('reaches its margin exactly when a station reaches its requirement', () => {
    for (const population of [30, 80, 120, 1000, 50_000]) {
      const need = requiredSample(population);
      const at = samplePlan([{ id: 'S', population, n: need }]).stations[0]!;
      const below = samplePlan([{ id: 'S', population, n: need - 1 }]).stations[0]!;
      expect(at.moe!).toBeLessThanOrEqual(0.05);
      expect(below.moe!).toBeGreaterThan(0.05);
      expect([at.adequate, below.adequate]).toEqual([true, false]);
    }
  });

  it('allocates by Neyman when every station has a prior variance (hand-computed)', () => {
    // N = 600, 300, 100 → W = 0.6, 0.3, 0.1; S = 0.3, 0.5, 0.4: Σ WS = 0.37, Σ WS² = 0.145.
    // n = 0.37² / (0.00065079 + 0.145/1000) = 0.1369 / 0.00079579 = 172.03;
    // shares n·WS/Σ WS = 172.03 × (0.18, 0.15, 0.04)/0.37 = 83.69, 69.74, 18.60 → 84 + 70 + 19 = 173.
    const plan = samplePlan([
      { id: 'A', population: 600, n: 0, priorVariance: 0.09 },
      { id: 'B', population: 300, n: 0, priorVariance: 0.25 },
      { id: 'C', population: 100, n: 0, priorVariance: 0.16 },
    ]);
    expect(plan.allocation).toBe('neyman');
    expect(plan.stations.map((s) => s.share)).toEqual([84, 70, 19]);
    expect(plan.overall.required).toBe(173);
    expect(plan.overall).toMatchObject({ moe: null, adequate: false, unrepresented: ['A', 'B', 'C'] });
  });

  it('takes a census of a station Neyman would over-allot, and re-allocates the rest', () => {
    // N = 1000 and 40, S² = 0.01 and 0.25, e = 0.01: the first pass gives the small station 49.8 > 40;
    // it takes all 40, and the other gets (W₁S₁)² / (e²/z² + W₁S₁²/N) = 0.0092456 / 0.0000352774 = 262.08 → 263.
    const plan = samplePlan(
      [
        { id: 'big', population: 1000, n: 0, priorVariance: 0.01 },
        { id: 'small', population: 40, n: 0, priorVariance: 0.25 },
      ],
      { margin: 0.01 },
    );
    expect(plan.stations.map((s) => s.share)).toEqual([263, 40]);
    expect(plan.overall.required).toBe(303);
  });

  it('uses the survey\'s target per station, and says it cannot allocate without populations', () => {
    const target = samplePlan(
      [
        { id: 'A', population: 120, n: 30 },
        { id: 'B', population: null, n: 31 },
      ],
      { target: 30 },
    );
    expect(target.allocation).toBe('target');
    expect(target.overall).toMatchObject({ required: 60, adequate: true });
    const none = samplePlan([
      { id: 'A', population: 120, n: 30 },
      { id: 'B', population: null, n: 0 },
    ]);
    expect(none.allocation).toBe('none');
    expect(none.stations.map((s) => s.share)).toEqual([null, null]);
    expect(none.overall).toMatchObject({ required: 385, adequate: false, unrepresented: ['B'] });
  });
});
