/**
 * Sample adequacy that adds up (pure). Planning is for a proportion at margin e with confidence z
 * (defaults p = 0.5, e = 0.05, 95%), on the same design as the estimates: stations are strata.
 *
 * - A station's own requirement (its figure to ±e): n₀ = z²p(1−p)/e², nₕ = n₀/(1 + (n₀ − 1)/Nₕ)
 *   (Cochran 1977 (4.2) with the finite-population correction), or the survey's target per station.
 * - The overall requirement (the survey's figure to ±e) with per-stratum FPC, Sₕ² = p(1−p)·Nₕ/(Nₕ − 1):
 *   proportional allocation (default): n = Σ WₕSₕ² / (e²/z² + Σ WₕSₕ²/N), nₕ = n·Wₕ;
 *   Neyman allocation (when every station has a prior variance Sₕ²): n = (Σ WₕSₕ)² / (e²/z² + Σ WₕSₕ²/N),
 *   nₕ = n·WₕSₕ/Σ WₖSₖ, a station allotted more than Nₕ taking a census and the rest re-allocated
 *   (Cochran §5.5, §5.9). Each station's share is rounded up and the overall requirement is the sum
 *   of the shares, so the column adds up to the total.
 * - Achieved margin at the current n: eₕ = z·√((1 − fₕ)Sₕ²/nₕ) per station; overall
 *   z·√(Σ Wₕ²(1 − fₕ)Sₕ²/nₕ) over the represented stations. eₕ ≤ e exactly when nₕ reaches its requirement.
 */
import { Z95 } from './estimation';

export interface PlanStation {
  id: string;
  /** Service recipients; null when unknown. */
  population: number | null;
  /** Responses the figures rest on. */
  n: number;
  /** Prior variance Sₕ² in the margin's units (proportion²), when known from an earlier survey. */
  priorVariance?: number | null;
}

export interface PlanOptions {
  p?: number;
  margin?: number;
  z?: number;
  /** The survey's target sample per station, which replaces the computed requirements. */
  target?: number | null;
}

export type Allocation = 'proportional' | 'neyman' | 'target' | 'none';

export interface StationPlan {
  id: string;
  /** What the station needs for its own figure to ±e. */
  required: number;
  /** Its share of the overall requirement under the allocation (null without populations). */
  share: number | null;
  /** Achieved margin of error (proportion, e.g. 0.061 = ±6.1 points) at its current n; null with none. */
  moe: number | null;
  adequate: boolean;
}

export interface SamplePlan {
  allocation: Allocation;
  margin: number;
  stations: StationPlan[];
  overall: {
    /** Σ of the stations' shares (or targets); without populations, n₀. */
    required: number;
    /** Σ of the stations' own requirements (every station to ±e). */
    stationsRequired: number;
    moe: number | null;
    adequate: boolean;
    /** Stations with no response yet: the overall figure does not represent them. */
    unrepresented: string[];
  };
}

const known = (p: number | null): p is number => p !== null && p > 0;

/** Responses needed for one station's figure to ±e: Cochran's n₀ with the finite-population correction. */
export function requiredSample(population: number | null, options: PlanOptions = {}): number {
  const p = options.p ?? 0.5;
  const e = options.margin ?? 0.05;
  const z = options.z ?? Z95;
  const n0 = (z * z * p * (1 - p)) / (e * e);
  if (population === null || population === undefined) return Math.ceil(n0);
  if (population <= 0) return 0;
  return Math.ceil(n0 / (1 + (n0 - 1) / population));
}

/** Sₕ² of a proportion in a finite population of N (N/(N − 1) times p(1 − p)). */
const planningVariance = (pq: number, population: number | null) => (known(population) && population > 1 ? (pq * population) / (population - 1) : pq);

export function samplePlan(stations: readonly PlanStation[], options: PlanOptions = {}): SamplePlan {
  const p = options.p ?? 0.5;
  const e = options.margin ?? 0.05;
  const z = options.z ?? Z95;
  const pq = p * (1 - p);
  const target = options.target ?? null;
  const S2 = stations.map((s) => s.priorVariance ?? planningVariance(pq, s.population));
  const fraction = (s: PlanStation) => (known(s.population) && s.population >= s.n ? s.n / s.population : 0);
  const moeOf = (s: PlanStation, i: number) => (s.n > 0 ? z * Math.sqrt(((1 - fraction(s)) * S2[i]!) / s.n) : null);
  const required = stations.map((s) => target ?? requiredSample(s.population, { p, margin: e, z }));

  const allKnown = stations.length > 0 && stations.every((s) => known(s.population));
  let allocation: Allocation = target !== null ? 'target' : allKnown ? (stations.every((s) => s.priorVariance != null) ? 'neyman' : 'proportional') : 'none';
  let shares: (number | null)[] = stations.map(() => null);
  if (allocation === 'target') shares = stations.map(() => target);
  else if (allocation === 'proportional' || allocation === 'neyman') {
    const N = stations.reduce((k, s) => k + s.population!, 0);
    const W = stations.map((s) => s.population! / N);
    const D = (e * e) / (z * z);
    const raw = stations.map(() => 0);
    const census = new Set<number>();
    // Neyman may allot a station more than it has: it then takes a census and the rest are re-allocated.
    for (;;) {
      const rest = stations.map((_s, i) => i).filter((i) => !census.has(i));
      const size = (i: number) => (allocation === 'neyman' ? Math.sqrt(S2[i]!) : 1);
      const sumWS = rest.reduce((k, i) => k + W[i]! * size(i), 0);
      const sumWS2 = rest.reduce((k, i) => k + W[i]! * S2[i]!, 0);
      const n = allocation === 'neyman' ? (sumWS * sumWS) / (D + sumWS2 / N) : sumWS2 / (D + sumWS2 / N);
      let over = false;
      for (const i of rest) {
        raw[i] = (n * W[i]! * size(i)) / sumWS;
        if (raw[i]! > stations[i]!.population!) {
          census.add(i);
          over = true;
        }
      }
      for (const i of census) raw[i] = stations[i]!.population!;
      if (!over || census.size === stations.length) break;
    }
    shares = raw.map((x, i) => Math.min(stations[i]!.population!, Math.ceil(x - 1e-9)));
  }
  if (stations.length === 0) allocation = 'none';

  const plans: StationPlan[] = stations.map((s, i) => ({ id: s.id, required: required[i]!, share: shares[i]!, moe: moeOf(s, i), adequate: s.n > 0 && s.n >= required[i]! }));
  const represented = stations.map((s, i) => ({ s, i })).filter(({ s }) => s.n > 0);
  const unrepresented = stations.filter((s) => s.n === 0).map((s) => s.id);
  // Over the represented stations, weighted as the estimates are: by population when every one is known, else by responses.
  const byPopulation = represented.length > 0 && represented.every(({ s }) => known(s.population));
  const total = represented.reduce((k, { s }) => k + (byPopulation ? s.population! : s.n), 0);
  const variance = represented.reduce((k, { s, i }) => {
    const w = (byPopulation ? s.population! : s.n) / total;
    return k + (w * w * (1 - fraction(s)) * S2[i]!) / s.n;
  }, 0);
  const moe = represented.length ? z * Math.sqrt(variance) : null;
  const overallRequired = allocation === 'none' ? requiredSample(null, { p, margin: e, z }) : shares.reduce<number>((k, x) => k + (x ?? 0), 0);
  const adequate =
    allocation === 'target' ? plans.length > 0 && plans.every((x) => x.adequate) : moe !== null && unrepresented.length === 0 && moe <= e + 1e-12;
  return {
    allocation,
    margin: e,
    stations: plans,
    overall: { required: overallRequired, stationsRequired: required.reduce((k, x) => k + x, 0), moe, adequate, unrepresented },
  };
}
