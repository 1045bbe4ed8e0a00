import { z } from 'zod';
import { CHANNELS } from '../../models/response';
import type { Site } from '../../models/site';
import type { Question, Survey } from '../../models/survey';
import type { TallyRow } from '../../models/tally';
import { isValidState } from '../domain/quality';
import { ValidationError, type FieldErrors } from '../errors';
import { dashboardLevel, SATISFACTION_CELLS, trendLevel } from '../domain/tally';
import { nameSchema } from '../domain/text-input';
import {
  adequacy,
  addLikert,
  bucketOf,
  emptyLikert,
  likertCounts,
  round,
  satisfaction,
  summariseQuestion,
  type CellSum,
  type Granularity,
  type LikertCounts,
  type QuestionSummary,
  type Satisfaction,
} from '../domain/statistics';
import type { Actor, Deps } from './context';
import { restrictSites } from './permissions';
import { getSurvey } from './surveys';
import { settleTallies } from './tallies';
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
 */
export const filtersSchema = z
  .object({
    sites: listOf(nameSchema(64, { min: 1 })),
    from: day.optional().or(z.literal('').transform(() => undefined)),
    to: day.optional().or(z.literal('').transform(() => undefined)),
    segments: listOf(nameSchema(64)),
    channels: listOf(z.enum(CHANNELS)),
    mode: z.enum(FILTER_MODES).default('valid'),
    granularity: z.enum(GRANULARITIES).default('day'),
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
  if (f.granularity !== 'day') p.set('granularity', f.granularity);
  return p.toString();
}

export interface GroupStats {
  received: number;
  valid: number;
  /** 有效率 in percent. */
  validRate: number | null;
  satisfaction: Satisfaction;
}

export interface SiteStats extends GroupStats {
  site: Pick<Site, 'id' | 'code' | 'name' | 'recipients'>;
  required: number;
  adequate: boolean;
  /** Valid responses ÷ service recipients, in percent. */
  responseRate: number | null;
}

export interface DashboardStats {
  survey: Pick<Survey, 'id' | 'title' | 'status' | 'version' | 'isDemo'> & { weights: number[]; satisfiedLevels: number[]; qualityRules: string[] };
  filters: Filters;
  overall: GroupStats & { required: number; adequate: boolean };
  bySite: SiteStats[];
  bySegment: (GroupStats & { value: string; label: string })[];
  dimensions: { dimension: string; satisfaction: Satisfaction }[];
  questions: QuestionSummary[];
  trend: { bucket: string; received: number; valid: number; index: number | null; rate: number | null }[];
  /** By tally state: excluded and kept by a person; flags and clean among the responses left to the rules. */
  quality: { received: number; valid: number; excluded: number; kept: number; flags: Record<string, number>; clean: number };
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

function satisfactionOf(cells: Cells, questions: Question[], survey: Survey): Satisfaction {
  const total = emptyLikert();
  for (const q of questions) if (q.type === 'likert5' && q.countsTowardSatisfaction) addLikert(total, likertCounts(cells.get(q.id) ?? new Map()));
  return satisfaction(total, survey.settings.likertWeights, survey.settings.satisfiedLevels);
}

function groupStats(acc: Acc, questions: Question[], survey: Survey): GroupStats {
  return { received: acc.received, valid: acc.valid, validRate: round(acc.received ? (acc.valid / acc.received) * 100 : null, 2), satisfaction: satisfactionOf(acc.cells, questions, survey) };
}

/**
 * Everything the dashboard shows, from tallies only: its cost depends on stations × segments ×
 * states × options (and days when a period is chosen), never on the number of responses.
 */
export async function computeDashboard(deps: Deps, actor: Actor, surveyId: string, filters: Filters): Promise<DashboardStats> {
  const survey = await getSurvey(deps, surveyId);
  const talliesAsOf = await settleTallies(deps, survey.id);
  const questions = await allQuestions(deps, survey);
  const siteIds = restrictSites(actor, filters.sites);
  const base = { surveyId, siteIds, dayFrom: filters.from, dayTo: filters.to, channels: filters.channels, segments: filters.segments };
  const rules = survey.settings.qualityRules;
  const valid = (state: string) => isValidState(state, rules);
  const counts = (state: string) => filters.mode === 'raw' || valid(state);

  const level = dashboardLevel(base);
  const satisfactionIds = questions.filter((q) => q.type === 'likert5' && q.countsTowardSatisfaction).map((q) => q.id);
  // By station and by segment from one read, rather than by station × segment: the result stays
  // proportional to stations + segments, not their product.
  const [siteRows, segmentAll] = await deps.store.tallies.queryMany({ ...base, level }, [
    ['siteId', 'state'],
    ['segment', 'state'],
  ]);
  const segmentIds = new Set(['_n', ...satisfactionIds]);
  const segmentRows = segmentAll!.filter((r) => segmentIds.has(r.questionId));
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

  // Stations where the survey is published (or that have responses), within the filter and what the actor may see.
  const published = new Set((await deps.store.publications.listBySurvey(surveyId)).map((p) => p.siteId));
  const sites = (await deps.store.sites.list(siteIds ? { ids: siteIds } : {})).filter((s) => published.has(s.id) || bySite.has(s.id));
  const target = survey.settings.targetSamplePerSite;
  const siteStats: SiteStats[] = sites
    .map((site) => {
      const acc = bySite.get(site.id) ?? newAcc();
      const g = groupStats(acc, questions, survey);
      const a = adequacy(acc.basis, site.recipients, target);
      return {
        ...g,
        site: { id: site.id, code: site.code, name: site.name, recipients: site.recipients },
        required: a.required,
        adequate: a.adequate,
        responseRate: round(site.recipients ? (acc.valid / site.recipients) * 100 : null, 2),
      };
    })
    .sort((a, b) => (b.satisfaction.index ?? -1) - (a.satisfaction.index ?? -1) || a.site.code.localeCompare(b.site.code));

  const segmentQ = questions.find((q) => q.id === survey.segmentQuestionId);
  const segments = [...bySegment.entries()]
    .map(([value, acc]) => ({ value, label: value ? (segmentQ?.options.find((o) => o.id === value)?.label ?? value) : '—', order: segmentQ?.options.findIndex((o) => o.id === value) ?? -1, ...groupStats(acc, questions, survey) }))
    .sort((a, b) => (a.order < 0 ? 999 : a.order) - (b.order < 0 ? 999 : b.order))
    .map(({ order: _order, ...s }) => s);

  const dims = new Map<string, LikertCounts>();
  for (const q of questions) {
    if (q.type !== 'likert5' || !q.countsTowardSatisfaction || !q.dimension) continue;
    addLikert(dims.get(q.dimension) ?? dims.set(q.dimension, emptyLikert()).get(q.dimension)!, likertCounts(overall.cells.get(q.id) ?? new Map()));
  }

  const overallStats = groupStats(overall, questions, survey);
  const population = sites.reduce<number | null>((n, s) => (s.recipients === null || n === null ? null : n + s.recipients), 0);
  const overallAdequacy = adequacy(overall.basis, population, target ? target * Math.max(1, siteStats.length) : null);

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
    },
    filters,
    overall: { ...overallStats, required: overallAdequacy.required, adequate: overallAdequacy.adequate },
    bySite: siteStats,
    bySegment: segments,
    dimensions: [...dims.entries()].map(([dimension, c]) => ({ dimension, satisfaction: satisfaction(c, survey.settings.likertWeights, survey.settings.satisfiedLevels) })),
    questions: questions.map((q) => summariseQuestion(q, overall.cells.get(q.id) ?? new Map(), survey.settings.likertWeights, survey.settings.satisfiedLevels)),
    trend: await computeTrend(deps, survey, questions, base, { valid, counts }, filters.granularity),
    quality,
    computedAt: deps.clock().toISOString(),
    talliesAsOf,
  };
}

async function computeTrend(
  deps: Deps,
  survey: Survey,
  questions: Question[],
  base: { surveyId: string; siteIds?: string[]; dayFrom?: string; dayTo?: string; channels?: string[]; segments?: string[] },
  by: { valid: (state: string) => boolean; counts: (state: string) => boolean },
  granularity: Granularity,
) {
  const level = trendLevel(base);
  // The trend level keeps each response's satisfaction answers by level in '_sat' cells; finer groups keep them per question.
  const likertIds = level === 'trend' ? [SATISFACTION_CELLS] : questions.filter((q) => q.type === 'likert5' && q.countsTowardSatisfaction).map((q) => q.id);
  const rows = await deps.store.tallies.query({ ...base, level, groupBy: ['day', 'state'], questionIds: ['_n', ...likertIds] });
  const buckets = new Map<string, { received: number; valid: number; likert: LikertCounts }>();
  for (const row of rows) {
    const key = bucketOf(row.day!, granularity);
    const b = buckets.get(key) ?? buckets.set(key, { received: 0, valid: 0, likert: emptyLikert() }).get(key)!;
    const state = row.state ?? '';
    if (row.questionId === '_n') {
      b.received += row.count;
      if (by.valid(state)) b.valid += row.count;
    } else if (by.counts(state) && row.key in b.likert) b.likert[row.key as keyof LikertCounts] += row.count;
  }
  return [...buckets.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([bucket, b]) => {
      const s = satisfaction(b.likert, survey.settings.likertWeights, survey.settings.satisfiedLevels);
      return { bucket, received: b.received, valid: b.valid, index: s.index, rate: s.rate };
    });
}
