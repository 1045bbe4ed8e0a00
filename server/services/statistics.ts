import { z } from 'zod';
import { CHANNELS } from '../../models/response';
import type { Site } from '../../models/site';
import type { Question, Survey } from '../../models/survey';
import type { TallyRow } from '../../models/tally';
import { isValidState } from '../domain/quality';
import { ValidationError, type FieldErrors } from '../errors';
import { dashboardLevel, DIMENSION_CELLS, parseDimensionCell, RESPONDENT_CELLS, trendLevel } from '../domain/tally';
import {
  emptySums,
  mergeSums,
  overlaps,
  profileScorer,
  satisfiedThreshold,
  simpleEstimate,
  stratifiedEstimate,
  sumsFromProfiles,
  weightRange,
  type Estimate,
  type IntervalMethod,
  type ProfileScorer,
  type RespondentSums,
  type StratifiedEstimate,
  type StratumInput,
  type Weighting,
} from '../domain/estimation';
import { samplePlan, type Allocation } from '../domain/sample-plan';
import { nameSchema } from '../domain/text-input';
import {
  addLikert,
  bucketOf,
  emptyLikert,
  granularityForSpan,
  likertCounts,
  round,
  satisfaction,
  summariseQuestion,
  type CellSum,
  type Granularity,
  type Interval,
  type LikertCounts,
  type QuestionSummary,
  type Satisfaction,
} from '../domain/statistics';
import type { Actor, Deps } from './context';
import { restrictSites } from './permissions';
import { getSurvey } from './surveys';
import { rebuildTallies, settleTallies } from './tallies';
import { parseInput } from './validate';

const isDay = (d: string) => /^\d{4}-\d{2}-\d{2}$/.test(d) && !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d);
const day = z.string().refine(isDay, { params: { key: 'filters.day' } });
const listOf = <T extends z.ZodType>(item: T) =>
  z.preprocess((v) => (v === undefined || v === '' ? undefined : Array.isArray(v) ? v : String(v).split(',').filter(Boolean)), z.array(item).max(500).optional());

export const FILTER_MODES = ['valid', 'raw'] as const;
export const GRANULARITIES = ['day', 'week', 'month'] as const;

/**
 * Dashboard filters, shared by every view, the API and exports (and carried in the URL). `mode`
 * chooses the responses the figures are computed from: valid ones (default) or all received.
 * Without `granularity` the trend's buckets follow its span (granularityForSpan).
 */
export const filtersSchema = z
  .object({
    sites: listOf(nameSchema(64, { min: 1 })),
    from: day.optional().or(z.literal('').transform(() => undefined)),
    to: day.optional().or(z.literal('').transform(() => undefined)),
    segments: listOf(nameSchema(64)),
    channels: listOf(z.enum(CHANNELS)),
    mode: z.enum(FILTER_MODES).default('valid'),
    granularity: z.enum(GRANULARITIES).optional().or(z.literal('').transform(() => undefined)),
  })
  .superRefine((f, ctx) => {
    if (f.from && f.to && f.from > f.to) ctx.addIssue({ code: 'custom', path: ['to'], input: f.to, params: { key: 'filters.toBeforeFrom', params: { from: f.from, to: f.to } } });
  });

export type Filters = z.infer<typeof filtersSchema>;

export function parseFilters(query: unknown): Filters {
  const q = (query ?? {}) as Record<string, unknown>;
  return parseInput(filtersSchema, {
    sites: q.sites,
    from: q.from,
    to: q.to,
    segments: q.segments,
    channels: q.channels,
    mode: q.mode || undefined,
    granularity: q.granularity || undefined,
  });
}

/** The option ids a survey's segment question has had in any version (what `segments` may name). */
async function segmentValues(deps: Deps, survey: Survey): Promise<Set<string>> {
  const values = new Set<string>();
  const add = (questions: readonly Question[], id: string | null) => {
    for (const o of questions.find((q) => q.id === id)?.options ?? []) values.add(o.id);
  };
  add(survey.questions, survey.segmentQuestionId);
  if (survey.version > 1) for (const v of await deps.store.surveys.listVersions(survey.id)) add(v.questions, v.segmentQuestionId);
  return values;
}

/**
 * The filters of an API request, checked against what exists: a station id that names no station,
 * or a segment that is no option of the survey's segment question, is refused (400 naming it)
 * rather than answered with zeros. The survey must exist (404 otherwise).
 */
export async function resolveFilters(deps: Deps, surveyId: string, query: unknown): Promise<Filters> {
  const filters = parseFilters(query);
  const survey = await getSurvey(deps, surveyId);
  const errors: FieldErrors = {};
  if (filters.sites?.length) {
    const found = new Set((await deps.store.sites.list({ ids: [...new Set(filters.sites)] })).map((s) => s.id));
    const missing = filters.sites.filter((id) => !found.has(id));
    if (missing.length) errors.sites = { key: 'user.unknownSite', params: { site: missing.join(', ') } };
  }
  if (filters.segments?.length) {
    const known = await segmentValues(deps, survey);
    const missing = filters.segments.filter((v) => !known.has(v));
    if (missing.length) errors.segments = { key: 'filters.unknownSegment', params: { segment: missing.join(', ') } };
  }
  if (Object.keys(errors).length) throw new ValidationError(errors);
  return filters;
}

/** The filters as a query string, so a view can be bookmarked and exported with the same filters. */
export function filtersQuery(f: Filters): string {
  const p = new URLSearchParams();
  if (f.sites?.length) p.set('sites', f.sites.join(','));
  if (f.from) p.set('from', f.from);
  if (f.to) p.set('to', f.to);
  if (f.segments?.length) p.set('segments', f.segments.join(','));
  if (f.channels?.length) p.set('channels', f.channels.join(','));
  if (f.mode !== 'valid') p.set('mode', f.mode);
  if (f.granularity) p.set('granularity', f.granularity);
  return p.toString();
}

/** Respondent-level figures as pages print them: index on the weights' scale, rate in percent, 2 decimals. */
export interface RespondentFigures {
  /** Respondents with at least one satisfaction answer with a level. */
  n: number;
  satisfied: number;
  index: number | null;
  indexCi: Interval | null;
  /** Percent. */
  rate: number | null;
  rateCi: Interval | null;
  /** Fewer than MIN_RESPONDENTS respondents: no interval, 样本不足. */
  insufficient: boolean;
  method: IntervalMethod | null;
  /** Degrees of freedom of the t-interval (Satterthwaite when stratified). */
  df: number | null;
}

export interface GroupStats {
  received: number;
  valid: number;
  /** 有效率 in percent. */
  validRate: number | null;
  satisfaction: RespondentFigures;
}

export interface SiteStats extends GroupStats {
  site: Pick<Site, 'id' | 'code' | 'name' | 'recipients'>;
  /** What the station needs for its own figures to ±5 points (its FPC, or the survey's target). */
  required: number;
  /** Its share of the overall requirement under the allocation (null without populations). */
  allocated: number | null;
  /** Achieved margin of error at its current n, in percentage points (p = 0.5). */
  moe: number | null;
  adequate: boolean;
  /** Valid responses ÷ service recipients, in percent. */
  responseRate: number | null;
  /** Its stratum weight Wₕ in the overall figures, in percent (null when it has no respondent). */
  weight: number | null;
}

export interface EstimatorInfo {
  /** population: Wₕ = Nₕ/N; respondents: Wₕ = nₕ/n (a population is missing). */
  weighting: Weighting;
  strata: number;
  /** Names of stations in scope with no respondent (not represented). */
  emptyStrata: string[];
  /** Names of represented stations without a population (why weighting is by respondents). */
  missingPopulation: string[];
  /** Names of stations with fewer recipients than respondents (no FPC applied). */
  populationBelowRespondents: string[];
  /** Share of the population in represented stations, percent. */
  coverage: number | null;
}

export interface DashboardStats {
  survey: Pick<Survey, 'id' | 'title' | 'status' | 'version' | 'isDemo'> & { weights: number[]; satisfiedLevels: number[]; qualityRules: string[]; threshold: number };
  filters: Filters;
  overall: GroupStats & {
    /** The stratified estimator the overall figures use. */
    estimator: EstimatorInfo;
    /** The same respondents pooled without strata (unweighted), for comparison. */
    pooled: RespondentFigures;
    /** Σ of the stations' shares under the allocation (the overall figure to ±5 points). */
    required: number;
    /** Σ of what each station needs for its own figure. */
    stationsRequired: number;
    allocation: Allocation;
    /** Achieved overall margin, percentage points. */
    moe: number | null;
    adequate: boolean;
    /** Names of stations with no response yet. */
    unrepresented: string[];
  };
  bySite: SiteStats[];
  /** The lowest station with an interval, and the stations whose intervals overlap its own. */
  lowest: { siteId: string; name: string; index: number; indexCi: Interval; overlapping: string[] } | null;
  bySegment: (GroupStats & { value: string; label: string })[];
  /** Pairs of segments whose index intervals do not overlap (the only differences the data establish). */
  segmentsApart: [string, string][];
  dimensions: { dimension: string; satisfaction: RespondentFigures; answers: Satisfaction }[];
  questions: QuestionSummary[];
  /** The trend's buckets: the chosen granularity, or the one its span calls for. */
  trendGranularity: Granularity;
  trend: { bucket: string; received: number; valid: number; respondents: number; index: number | null; rate: number | null; insufficient: boolean }[];
  /** By tally state: excluded and kept by a person; flags and clean among the responses left to the rules. */
  quality: { received: number; valid: number; excluded: number; kept: number; flags: Record<string, number>; clean: number };
  /** The unrounded respondent sums of each station, for pooling evidence across surveys (not in the API). */
  strata: StratumInput[];
  /** The range respondent scores can take (the weights' smallest and largest). */
  scale: { min: number; max: number };
  computedAt: string;
  /**
   * null when the tallies hold every response; else the submission time of the oldest response not
   * yet in them (MongoDB applies tallies in batches shortly after each submission).
   */
  talliesAsOf: string | null;
}

/** Every question any version asked (current wording first), so old answers keep their place. */
export async function allQuestions(deps: Deps, survey: Survey): Promise<Question[]> {
  const byId = new Map(survey.questions.map((q) => [q.id, q]));
  if (survey.version > 1) {
    for (const v of await deps.store.surveys.listVersions(survey.id)) for (const q of v.questions) if (!byId.has(q.id)) byId.set(q.id, q);
  }
  return [...byId.values()];
}

type Cells = Map<string, Map<string, CellSum>>;

function addCell(cells: Cells, row: TallyRow) {
  let q = cells.get(row.questionId);
  if (!q) cells.set(row.questionId, (q = new Map()));
  const c = q.get(row.key);
  if (c) {
    c.count += row.count;
    c.sum += row.sum;
    c.sumsq += row.sumsq;
  } else q.set(row.key, { count: row.count, sum: row.sum, sumsq: row.sumsq });
}

interface Acc {
  received: number;
  /** Valid responses, whatever the mode. */
  valid: number;
  /** The responses the figures are computed from: valid ones, or all in raw mode. */
  basis: number;
  cells: Cells;
}

const newAcc = (): Acc => ({ received: 0, valid: 0, basis: 0, cells: new Map() });

/** The level profiles of a group's respondents ('_r'), or of one dimension ('_rd'). */
function profiles(cells: Cells, dimension?: string): [string, number][] {
  if (dimension === undefined) return [...(cells.get(RESPONDENT_CELLS) ?? new Map<string, CellSum>()).entries()].map(([k, c]) => [k, c.count]);
  const out: [string, number][] = [];
  for (const [k, c] of cells.get(DIMENSION_CELLS) ?? new Map<string, CellSum>()) {
    const d = parseDimensionCell(k);
    if (d && d.dimension === dimension) out.push([d.profile, c.count]);
  }
  return out;
}

/** The figures as printed: rounded once, here. */
export function respondentFigures(e: Estimate): RespondentFigures {
  const pct = (x: number) => round(x * 100, 2);
  return {
    n: e.n,
    satisfied: e.satisfied,
    index: round(e.index, 2),
    indexCi: e.indexCi ? [round(e.indexCi[0], 2), round(e.indexCi[1], 2)] : null,
    rate: e.rate === null ? null : pct(e.rate),
    rateCi: e.rateCi ? [pct(e.rateCi[0]), pct(e.rateCi[1])] : null,
    insufficient: e.insufficient,
    method: e.indexMethod,
    df: e.indexMethod === 't' && e.indexDf !== null ? round(e.indexDf, 1) : null,
  };
}

interface Scoring {
  weights: readonly number[];
  levels: readonly number[];
  scale: { min: number; max: number };
  score: ProfileScorer;
}

const sumsOf = (cells: Cells, s: Scoring, dimension?: string): RespondentSums => sumsFromProfiles(profiles(cells, dimension), s.weights, s.levels, s.score);

function groupStats(acc: Acc, estimate: Estimate): GroupStats {
  return { received: acc.received, valid: acc.valid, validRate: round(acc.received ? (acc.valid / acc.received) * 100 : null, 2), satisfaction: respondentFigures(estimate) };
}

/** Whether the tallies predate respondent profiles: every response has one, so their counts must add up. */
function lacksProfiles(rows: readonly TallyRow[]): boolean {
  let responses = 0;
  let profiled = 0;
  for (const r of rows) {
    if (r.questionId === '_n') responses += r.count;
    else if (r.questionId === RESPONDENT_CELLS) profiled += r.count;
  }
  return responses !== profiled;
}

/**
 * Everything the dashboard shows, from tallies only: its cost depends on stations × segments ×
 * states × options and level profiles (and days when a period is chosen), never on the number of
 * responses. Overall figures are stratified by station (estimation.ts); tallies written before
 * respondent profiles existed are rebuilt once, the first time a dashboard reads them.
 */
export async function computeDashboard(deps: Deps, actor: Actor, surveyId: string, filters: Filters, rebuilt = false): Promise<DashboardStats> {
  const survey = await getSurvey(deps, surveyId);
  const talliesAsOf = await settleTallies(deps, survey.id);
  const questions = await allQuestions(deps, survey);
  const siteIds = restrictSites(actor, filters.sites);
  const base = { surveyId, siteIds, dayFrom: filters.from, dayTo: filters.to, channels: filters.channels, segments: filters.segments };
  const rules = survey.settings.qualityRules;
  const valid = (state: string) => isValidState(state, rules);
  const counts = (state: string) => filters.mode === 'raw' || valid(state);
  const scoring: Scoring = {
    weights: survey.settings.likertWeights,
    levels: survey.settings.satisfiedLevels,
    scale: weightRange(survey.settings.likertWeights),
    score: profileScorer(survey.settings.likertWeights, survey.settings.satisfiedLevels),
  };
  const options = { scale: scoring.scale };

  const level = dashboardLevel(base);
  // By station and by segment from one read, rather than by station × segment: the result stays
  // proportional to stations + segments, not their product.
  const [siteRows, segmentAll] = await deps.store.tallies.queryMany({ ...base, level }, [
    ['siteId', 'state'],
    ['segment', 'state'],
  ]);
  if (!rebuilt && lacksProfiles(siteRows!)) {
    deps.logger.info({ surveyId: survey.id }, 'tallies predate respondent profiles: rebuilding them once');
    await rebuildTallies(deps, survey.id);
    return computeDashboard(deps, actor, surveyId, filters, true);
  }
  const segmentRows = segmentAll!.filter((r) => r.questionId === '_n' || r.questionId === RESPONDENT_CELLS);
  const overall = newAcc();
  const bySite = new Map<string, Acc>();
  const bySegment = new Map<string, Acc>();
  const quality = { received: 0, valid: 0, excluded: 0, kept: 0, flags: {} as Record<string, number>, clean: 0 };
  const add = (accs: Acc[], row: TallyRow) => {
    const state = row.state ?? '';
    const include = counts(state);
    if (row.questionId === '_n') {
      for (const a of accs) {
        a.received += row.count;
        if (valid(state)) a.valid += row.count;
        if (include) a.basis += row.count;
      }
    } else if (include) for (const a of accs) addCell(a.cells, row);
  };
  for (const row of siteRows!) {
    const siteAcc = bySite.get(row.siteId!) ?? bySite.set(row.siteId!, newAcc()).get(row.siteId!)!;
    add([overall, siteAcc], row);
    if (row.questionId !== '_n') continue;
    const state = row.state ?? '';
    quality.received += row.count;
    if (isValidState(state, rules)) quality.valid += row.count;
    if (state === 'excluded') quality.excluded += row.count;
    else if (state === 'kept') quality.kept += row.count;
    else if (state === '') quality.clean += row.count;
    else for (const flag of state.split(',')) quality.flags[flag] = (quality.flags[flag] ?? 0) + row.count;
  }
  for (const row of segmentRows) add([bySegment.get(row.segment!) ?? bySegment.set(row.segment!, newAcc()).get(row.segment!)!], row);

  // Stations where the survey is published (or that have responses), within the filter and what the actor may see: the strata.
  const published = new Set((await deps.store.publications.listBySurvey(surveyId)).map((p) => p.siteId));
  const sites = (await deps.store.sites.list(siteIds ? { ids: siteIds } : {})).filter((s) => published.has(s.id) || bySite.has(s.id));
  const nameOf = new Map(sites.map((s) => [s.id, s.name]));
  const names = (ids: string[]) => ids.map((id) => nameOf.get(id) ?? id);
  const accOf = (id: string) => bySite.get(id) ?? newAcc();
  const strata = sites.map((site) => ({ id: site.id, population: site.recipients, sums: sumsOf(accOf(site.id).cells, scoring) }));
  const stratified = stratifiedEstimate(strata, options);
  const plan = samplePlan(
    sites.map((site) => ({ id: site.id, population: site.recipients, n: accOf(site.id).basis })),
    { target: survey.settings.targetSamplePerSite },
  );
  const planOf = new Map(plan.stations.map((p) => [p.id, p]));
  const points = (x: number | null) => (x === null ? null : round(x * 100, 2));

  const siteStats: SiteStats[] = sites
    .map((site, i) => {
      const acc = accOf(site.id);
      const p = planOf.get(site.id)!;
      const w = stratified.weights[site.id];
      return {
        ...groupStats(acc, simpleEstimate(strata[i]!.sums, site.recipients, options)),
        site: { id: site.id, code: site.code, name: site.name, recipients: site.recipients },
        required: p.required,
        allocated: p.share,
        moe: points(p.moe),
        adequate: p.adequate,
        responseRate: round(site.recipients ? (acc.valid / site.recipients) * 100 : null, 2),
        weight: w === undefined ? null : round(w * 100, 2),
      };
    })
    .sort((a, b) => (b.satisfaction.index ?? -1) - (a.satisfaction.index ?? -1) || a.site.code.localeCompare(b.site.code));

  const segmentQ = questions.find((q) => q.id === survey.segmentQuestionId);
  const segments = [...bySegment.entries()]
    .map(([value, acc]) => ({
      value,
      label: value ? (segmentQ?.options.find((o) => o.id === value)?.label ?? value) : '—',
      order: segmentQ?.options.findIndex((o) => o.id === value) ?? -1,
      ...groupStats(acc, simpleEstimate(sumsOf(acc.cells, scoring), null, options)),
    }))
    .sort((a, b) => (a.order < 0 ? 999 : a.order) - (b.order < 0 ? 999 : b.order))
    .map(({ order: _order, ...s }) => s);

  const dims = new Map<string, LikertCounts>();
  for (const q of questions) {
    if (q.type !== 'likert5' || !q.countsTowardSatisfaction || !q.dimension) continue;
    addLikert(dims.get(q.dimension) ?? dims.set(q.dimension, emptyLikert()).get(q.dimension)!, likertCounts(overall.cells.get(q.id) ?? new Map()));
  }
  const dimensions = [...dims.entries()].map(([dimension, c]) => ({
    dimension,
    satisfaction: respondentFigures(stratifiedEstimate(sites.map((site) => ({ id: site.id, population: site.recipients, sums: sumsOf(accOf(site.id).cells, scoring, dimension) })), options)),
    answers: satisfaction(c, scoring.weights, scoring.levels),
  }));

  const pooled = simpleEstimate(strata.reduce((k, s) => mergeSums(k, s.sums), emptySums()), null, options);

  return {
    survey: {
      id: survey.id,
      title: survey.title,
      status: survey.status,
      version: survey.version,
      isDemo: survey.isDemo,
      weights: survey.settings.likertWeights,
      satisfiedLevels: survey.settings.satisfiedLevels,
      qualityRules: rules,
      threshold: satisfiedThreshold(scoring.weights, scoring.levels),
    },
    filters,
    overall: {
      ...groupStats(overall, stratified),
      estimator: estimatorInfo(stratified, names),
      pooled: respondentFigures(pooled),
      required: plan.overall.required,
      stationsRequired: plan.overall.stationsRequired,
      allocation: plan.allocation,
      moe: points(plan.overall.moe),
      adequate: plan.overall.adequate,
      unrepresented: names(plan.overall.unrepresented),
    },
    bySite: siteStats,
    lowest: lowestStation(siteStats),
    bySegment: segments,
    segmentsApart: separatedPairs(segments),
    dimensions,
    questions: questions.map((q) => summariseQuestion(q, overall.cells.get(q.id) ?? new Map(), scoring.weights, scoring.levels)),
    ...(await computeTrend(deps, scoring, base, { valid, counts }, filters)),
    quality,
    strata,
    scale: scoring.scale,
    computedAt: deps.clock().toISOString(),
    talliesAsOf,
  };
}

function estimatorInfo(e: StratifiedEstimate, names: (ids: string[]) => string[]): EstimatorInfo {
  return {
    weighting: e.weighting,
    strata: e.strata,
    emptyStrata: names(e.emptyStrata),
    missingPopulation: names(e.missingPopulation),
    populationBelowRespondents: names(e.populationBelowRespondents),
    coverage: e.coverage === null ? null : round(e.coverage * 100, 2),
  };
}

/** "Which station is worst and how sure are we": the lowest index with an interval, and who cannot be told apart from it. */
function lowestStation(stations: SiteStats[]): DashboardStats['lowest'] {
  const ranked = stations.filter((s) => s.satisfaction.index !== null && s.satisfaction.indexCi !== null);
  const low = ranked[ranked.length - 1];
  if (!low) return null;
  const overlapping = ranked.filter((s) => s !== low && overlaps(s.satisfaction.indexCi, low.satisfaction.indexCi)).map((s) => s.site.name);
  return { siteId: low.site.id, name: low.site.name, index: low.satisfaction.index!, indexCi: low.satisfaction.indexCi!, overlapping };
}

function separatedPairs(groups: { label: string; satisfaction: RespondentFigures }[]): [string, string][] {
  const out: [string, string][] = [];
  const withCi = groups.filter((g) => g.satisfaction.indexCi);
  for (let i = 0; i < withCi.length; i++) {
    for (let j = i + 1; j < withCi.length; j++) {
      if (!overlaps(withCi[i]!.satisfaction.indexCi, withCi[j]!.satisfaction.indexCi)) out.push([withCi[i]!.label, withCi[j]!.label]);
    }
  }
  return out;
}

/** The trend: respondent-level index and rate per bucket (all stations pooled), buckets chosen by the span unless asked. */
async function computeTrend(
  deps: Deps,
  scoring: Scoring,
  base: { surveyId: string; siteIds?: string[]; dayFrom?: string; dayTo?: string; channels?: string[]; segments?: string[] },
  by: { valid: (state: string) => boolean; counts: (state: string) => boolean },
  filters: Filters,
): Promise<Pick<DashboardStats, 'trend' | 'trendGranularity'>> {
  const level = trendLevel(base);
  // Both the trend level and the finer groups keep each response's level profile in '_r' cells.
  const rows = await deps.store.tallies.query({ ...base, level, groupBy: ['day', 'state'], questionIds: ['_n', RESPONDENT_CELLS] });
  const days = rows.map((r) => r.day!).sort();
  const granularity = filters.granularity ?? (days.length ? granularityForSpan(filters.from ?? days[0]!, filters.to ?? days[days.length - 1]!) : 'day');
  const buckets = new Map<string, { received: number; valid: number; profiles: Map<string, number> }>();
  const bucketOfDay = new Map<string, string>();
  for (const row of rows) {
    const key = bucketOfDay.get(row.day!) ?? bucketOfDay.set(row.day!, bucketOf(row.day!, granularity)).get(row.day!)!;
    const b = buckets.get(key) ?? buckets.set(key, { received: 0, valid: 0, profiles: new Map() }).get(key)!;
    const state = row.state ?? '';
    if (row.questionId === '_n') {
      b.received += row.count;
      if (by.valid(state)) b.valid += row.count;
    } else if (by.counts(state)) b.profiles.set(row.key, (b.profiles.get(row.key) ?? 0) + row.count);
  }
  const trend = [...buckets.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([bucket, b]) => {
      const f = respondentFigures(simpleEstimate(sumsFromProfiles(b.profiles, scoring.weights, scoring.levels, scoring.score), null, { scale: scoring.scale }));
      return { bucket, received: b.received, valid: b.valid, respondents: f.n, index: f.index, rate: f.rate, insufficient: f.insufficient };
    });
  return { trend, trendGranularity: granularity };
}
