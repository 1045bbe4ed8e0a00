import crypto from 'node:crypto';
import { z } from 'zod';
import type { EvaluationRecord } from '../../models/evaluation';
import {
  analysisTable,
  bindingShape,
  checkBindings,
  checkEvaluation,
  checkScores,
  computeScorecard,
  evaluationDataSchema,
  flattenTree,
  leavesOf,
  fundingInputSchema,
  fundingRates,
  gradeThresholdsSchema,
  indicatorTreeSchema,
  newEvaluationData,
  bindingRuleText,
  scorecardEvidence,
  withBindingChecks,
  type AnalysisTable,
  type Binding,
  type EvaluationData,
  type EvaluationLocale,
  type EvaluationProblem,
  type Evidence,
  type FundingRates,
  type IndicatorNode,
  type Scorecard,
} from '../domain/evaluation';
import { applyTreeEdit, duplicateIds, keepLeafEntries, type TreeEdit, type TreeEditRefusal } from '../domain/indicator-edits';
import { pruneFacts } from '../domain/report/facts';
import { carryOver, MAX_CARRIED, pruneRectification, rectificationItems, type Rectification } from '../domain/rectification';
import { localDay } from '../domain/time';
import { idSchema } from '../../models/common';
import { lockRefusals } from '../domain/report/lock-checks';
import { poolEvidence, type EvidencePart } from '../domain/pooled-evidence';
import { bindingCaseCounts } from './cases';
import { freeTextSchema, parseStored } from '../domain/text-input';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, type FieldErrors } from '../errors';
import type { MessageKey } from '../i18n';
import { newId } from '../ids';
import { audit } from './audit';
import { SYSTEM_ACTOR, type Actor, type Deps } from './context';
import { assertAdmin, assertCanManage } from './permissions';
import { surveySnapshots } from './report-surveys';
import { computeDashboard, filtersQuery, type Filters } from './statistics';
import { parseInput } from './validate';

/**
 * 绩效评价 use cases: an evaluation is one record whose `data` is EvaluationData (validated by the
 * domain schema on every write). Every write names the `updatedAt` it was based on and is refused
 * with 409 when someone saved in between; a locked evaluation refuses every write but unlock.
 */

export interface Evaluation {
  record: EvaluationRecord;
  data: EvaluationData;
}

export type EvaluationWithProblems = Evaluation & { problems: EvaluationProblem[] };

const project = evaluationDataSchema.shape.project.shape;
const node = indicatorTreeSchema.element.shape;
const scoreEntry = evaluationDataSchema.shape.scores.unwrap().valueType.shape;
/** The `updatedAt` a write was based on (every write but create sends it; 409 when someone saved since). */
const stampSchema = z.string().min(1).max(40).meta({ description: 'the evaluation’s updatedAt the change is based on; 409 when it has changed since' });
/** POST …/lock and DELETE …/bindings/{indicatorId}: only the stamp. */
export const stampInputSchema = z.strictObject({ updatedAt: stampSchema });

/**
 * Evaluations are read by admins, evaluators and viewers and changed by admins and evaluators.
 * Station staff see only their own stations' data, and a project's evidence pools every station,
 * so the scorecard is not theirs to read.
 */
function assertCanRead(actor: Actor): void {
  if (actor.role === 'public' || actor.role === 'station') throw new ForbiddenError();
}

function dataOf(record: EvaluationRecord): EvaluationData {
  // Names stored before the input normalisation are repaired on the way in (parseStored).
  const parsed = parseStored(evaluationDataSchema, record.data);
  // Only this module writes `data`, always through the schema: a failure here is a bug or a hand-edited database.
  if (!parsed.success) throw new Error(`evaluation ${record.id} holds data that does not match the schema: ${parsed.error.message}`);
  return parsed.data;
}

async function load(deps: Deps, id: string): Promise<Evaluation> {
  const record = await deps.store.evaluations.get(id);
  if (!record) throw new NotFoundError();
  return { record, data: dataOf(record) };
}

/**
 * A stamp later than the previous one even when the clock has not moved (a fixed test clock, two
 * saves in one millisecond), so a form based on the older version is always seen to be stale.
 */
function nextStamp(now: Date, previous: string): string {
  const prev = Date.parse(previous);
  return new Date(Number.isNaN(prev) ? now.getTime() : Math.max(now.getTime(), prev + 1)).toISOString();
}

function assertFresh(current: Evaluation, expected: string): void {
  if (current.record.updatedAt !== expected) throw new ConflictError('evalui.stale');
}

function assertUnlocked(current: Evaluation): void {
  if (current.data.lock) throw new ConflictError('evalui.locked');
}

/** Loads, checks permission, freshness and lock, for every write but unlock. */
async function forWrite(deps: Deps, actor: Actor, id: string, expected: string): Promise<Evaluation> {
  assertCanManage(actor);
  const current = await load(deps, id);
  assertFresh(current, expected);
  assertUnlocked(current);
  return current;
}

/**
 * What other parts of the data say about indicators follows the tree: report facts and expert
 * scores of indicators that are no longer leaves go with them (the tree edit itself is audited).
 */
function pruneToTree(data: EvaluationData): EvaluationData {
  const leaves = new Set(leavesOf(data.tree).map((n) => n.id));
  const keep = <T>(map: Readonly<Record<string, T>>) => Object.fromEntries(Object.entries(map).filter(([id]) => leaves.has(id)));
  return {
    ...data,
    report: pruneFacts(data.report, leaves),
    rectification: pruneRectification(data.rectification, data.report.problems),
    experts: { ...data.experts, sheets: Object.fromEntries(Object.entries(data.experts.sheets).map(([id, sheet]) => [id, { ...sheet, scores: keep(sheet.scores) }])), consensus: keep(data.experts.consensus) },
  };
}

async function save(deps: Deps, current: Evaluation, expected: string, next: EvaluationData): Promise<Evaluation> {
  const data = parseInput(evaluationDataSchema, pruneToTree(next));
  const record = await deps.store.evaluations.update(current.record.id, expected, {
    name: data.project.name,
    locked: data.lock !== null,
    data: data as unknown as Record<string, unknown>,
    updatedAt: nextStamp(deps.clock(), current.record.updatedAt),
  });
  if (!record) throw new ConflictError('evalui.stale');
  return { record, data };
}

const withProblems = (e: Evaluation): EvaluationWithProblems => ({ ...e, problems: checkEvaluation(e.data) });

/**
 * One change to an evaluation's data by another use case (report facts, evidence files, expert
 * sheets): permission, freshness and lock are checked and the result validated as every write is.
 * The caller audits.
 */
export async function changeEvaluation(
  deps: Deps,
  actor: Actor,
  id: string,
  expected: string,
  change: (current: Evaluation) => EvaluationData | Promise<EvaluationData>,
): Promise<EvaluationWithProblems> {
  assertCanManage(actor);
  const current = await forWrite(deps, actor, id, expected);
  return withProblems(await save(deps, current, expected, await change(current)));
}

/**
 * A change to the 整改 items only. Permission and freshness are checked as for every write, but not
 * the lock: rectification goes on after the report is delivered. Nothing else in the data changes.
 * The caller audits.
 */
export async function changeRectification(
  deps: Deps,
  actor: Actor,
  id: string,
  expected: string,
  change: (current: Evaluation) => Rectification | Promise<Rectification>,
): Promise<EvaluationWithProblems> {
  assertCanManage(actor);
  const current = await load(deps, id);
  assertFresh(current, expected);
  return withProblems(await save(deps, current, expected, { ...current.data, rectification: await change(current) }));
}

export async function getEvaluation(deps: Deps, actor: Actor, id: string): Promise<EvaluationWithProblems> {
  assertCanRead(actor);
  return withProblems(await load(deps, id));
}

export async function listEvaluations(deps: Deps, actor: Actor): Promise<EvaluationRecord[]> {
  assertCanRead(actor);
  return deps.store.evaluations.list();
}

export const evaluationCreateSchema = z.strictObject({
  name: project.name,
  period: project.period,
  commissioner: project.commissioner,
  evaluator: project.evaluator,
  subject: project.subject,
  template: z.enum(['reference', 'blank']).default('reference'),
  locale: z.enum(['zh-CN', 'en']).default('zh-CN'),
  importRectificationFrom: idSchema
    .optional()
    .meta({ description: 'an earlier evaluation whose open 整改 items (未整改, 整改中) become this one’s first items, each linked back to its source; the earlier evaluation is not changed' }),
});

/** A new evaluation on the reference template (36 indicators weighted 15/17/34/34) or with an empty tree. */
export async function createEvaluation(deps: Deps, actor: Actor, input: unknown, options: { isDemo?: boolean } = {}): Promise<Evaluation> {
  assertCanManage(actor);
  const { template, locale, importRectificationFrom, ...fields } = parseInput(evaluationCreateSchema, input ?? {});
  const data = newEvaluationData(fields, locale);
  if (template === 'blank') data.tree = [];
  let imported: { from: string; name: string; itemIds: string[] } | null = null;
  if (importRectificationFrom) {
    const source = await deps.store.evaluations.get(importRectificationFrom);
    if (!source) throw new ValidationError({ importRectificationFrom: { key: 'rectification.unknownSource' } });
    const sourceData = dataOf(source);
    const open = rectificationItems(sourceData.report.problems, sourceData.rectification, localDay(deps.clock(), deps.config.timeZone));
    const items = carryOver(open, { id: source.id, name: source.name }, newId);
    if (items.length > MAX_CARRIED) throw new ValidationError({ importRectificationFrom: { key: 'rectification.tooMany', params: { n: items.length, max: MAX_CARRIED } } });
    data.rectification = { items };
    imported = { from: source.id, name: source.name, itemIds: items.map((i) => i.source!.itemId) };
  }
  const now = deps.clock().toISOString();
  const record: EvaluationRecord = {
    id: newId(),
    name: data.project.name,
    locked: false,
    isDemo: options.isDemo ?? false,
    data: data as unknown as Record<string, unknown>,
    createdBy: actor.id,
    createdAt: now,
    updatedAt: now,
  };
  await deps.store.evaluations.create(record);
  await audit(deps, actor, 'evaluation.create', { type: 'evaluation', id: record.id }, { name: record.name, template, locale });
  if (imported) await audit(deps, actor, 'rectification.import', { type: 'evaluation', id: record.id }, { from: imported.from, fromName: imported.name, count: imported.itemIds.length, itemIds: imported.itemIds });
  return { record, data };
}

const projectPatchSchema = z.strictObject({
  name: project.name.optional(),
  period: project.period.unwrap().optional(),
  commissioner: project.commissioner.unwrap().optional(),
  evaluator: project.evaluator.unwrap().optional(),
  subject: project.subject.unwrap().optional(),
});

export const evaluationPatchSchema = z.strictObject({
  updatedAt: stampSchema,
  project: projectPatchSchema.optional(),
  funding: fundingInputSchema.optional(),
  grades: gradeThresholdsSchema.optional(),
  tree: indicatorTreeSchema.optional(),
  scores: evaluationDataSchema.shape.scores.unwrap().optional(),
  bindings: evaluationDataSchema.shape.bindings.unwrap().optional(),
});

const problemFields = (prefix: string, problems: EvaluationProblem[], field = ''): FieldErrors => {
  const out: FieldErrors = {};
  for (const p of problems) out[`${prefix}.${p.nodeId ?? ''}${field}`] ??= { key: p.key, params: p.params };
  return out;
};

function assertNoDuplicateIds(tree: readonly IndicatorNode[]): void {
  const twice = duplicateIds(tree);
  if (twice.length) throw new ValidationError({ tree: { key: 'evalui.tree.duplicateIds', params: { ids: twice.join(', ') } } });
}

/** Surveys and stations named by bindings must exist. */
async function assertBindingTargets(deps: Deps, bindings: Readonly<Record<string, Binding>>, field: (indicatorId: string, name: 'surveyIds' | 'siteIds') => string): Promise<void> {
  const errors: FieldErrors = {};
  for (const [indicatorId, b] of Object.entries(bindings)) {
    for (const sid of b.surveyIds) {
      if (!(await deps.store.surveys.get(sid))) errors[field(indicatorId, 'surveyIds')] ??= { key: 'evalui.binding.unknownSurvey', params: { id: sid } };
    }
    if (b.siteIds?.length) {
      const found = new Set((await deps.store.sites.list({ ids: b.siteIds })).map((s) => s.id));
      const missing = b.siteIds.filter((s) => !found.has(s));
      if (missing.length) errors[field(indicatorId, 'siteIds')] ??= { key: 'user.unknownSite', params: { site: missing.join(', ') } };
    }
  }
  if (Object.keys(errors).length) throw new ValidationError(errors);
}

/**
 * PATCH: any of project (merged field by field), funding, grades, tree, scores, bindings (each
 * replaced whole). A new tree drops the scores and bindings of indicators that are no longer
 * leaves unless the same request gives new ones; entered scores must be within their points.
 */
export async function updateEvaluation(deps: Deps, actor: Actor, id: string, input: unknown): Promise<EvaluationWithProblems> {
  assertCanManage(actor);
  const patch = parseInput(evaluationPatchSchema, input);
  const current = await forWrite(deps, actor, id, patch.updatedAt);
  const next: EvaluationData = { ...current.data };
  const dropped: string[] = [];
  if (patch.project) next.project = { ...current.data.project, ...patch.project };
  if (patch.funding) next.funding = patch.funding;
  if (patch.grades) next.grades = patch.grades;
  if (patch.tree) {
    assertNoDuplicateIds(patch.tree);
    next.tree = patch.tree;
    const scores = keepLeafEntries(patch.tree, next.scores);
    const bindings = keepLeafEntries(patch.tree, next.bindings);
    next.scores = scores.kept;
    next.bindings = bindings.kept;
    dropped.push(...new Set([...scores.dropped, ...bindings.dropped]));
  }
  if (patch.scores) {
    next.scores = patch.scores;
    const problems = checkScores(next);
    if (problems.length) throw new ValidationError(problemFields('scores', problems, '.score'));
  }
  if (patch.bindings) {
    next.bindings = patch.bindings;
    const problems = checkBindings(next);
    if (problems.length) throw new ValidationError(problemFields('bindings', problems));
    await assertBindingTargets(deps, patch.bindings, (i, f) => `bindings.${i}.${f}`);
  }
  const saved = await save(deps, current, patch.updatedAt, next);
  const fields = Object.keys(patch).filter((k) => k !== 'updatedAt');
  await audit(deps, actor, 'evaluation.update', { type: 'evaluation', id }, { fields, ...(dropped.length ? { dropped } : {}) });
  return withProblems(saved);
}

/** The project block (项目名称, 评价年度, 委托评价单位, 评价机构, 评价对象). */
export async function updateProject(deps: Deps, actor: Actor, id: string, input: unknown): Promise<EvaluationWithProblems> {
  const { updatedAt, ...rest } = parseInput(z.looseObject({ updatedAt: stampSchema }), input);
  return updateEvaluation(deps, actor, id, { updatedAt, project: rest });
}

/** The 资金情况 block, in 万元. */
export async function updateFunding(deps: Deps, actor: Actor, id: string, input: unknown): Promise<EvaluationWithProblems> {
  const { updatedAt, ...funding } = parseInput(z.looseObject({ updatedAt: stampSchema }), input);
  return updateEvaluation(deps, actor, id, { updatedAt, funding });
}

/** The lowest totals of 优, 良, 中. */
export async function updateGrades(deps: Deps, actor: Actor, id: string, input: unknown): Promise<EvaluationWithProblems> {
  const { updatedAt, ...grades } = parseInput(z.looseObject({ updatedAt: stampSchema }), input);
  return updateEvaluation(deps, actor, id, { updatedAt, grades });
}

export const treeInputSchema = z.strictObject({ updatedAt: stampSchema, tree: indicatorTreeSchema });

/** PUT …/indicators: the whole tree at once (saved even when its points do not add up; the problems come back). */
export async function replaceTree(deps: Deps, actor: Actor, id: string, input: unknown): Promise<EvaluationWithProblems> {
  assertCanManage(actor);
  const { updatedAt, tree } = parseInput(treeInputSchema, input);
  return updateEvaluation(deps, actor, id, { updatedAt, tree });
}

const treeEditSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('add'), updatedAt: stampSchema, parentId: node.id.nullable(), name: node.name, points: node.points }),
  z.object({ op: z.literal('update'), updatedAt: stampSchema, nodeId: node.id, name: node.name, points: node.points }),
  z.object({ op: z.literal('remove'), updatedAt: stampSchema, nodeId: node.id }),
]);

export type TreeEditInput = z.input<typeof treeEditSchema>;

const REFUSALS: Record<TreeEditRefusal, MessageKey> = {
  unknownNode: 'evalui.tree.unknownNode',
  tooDeep: 'evalui.tree.tooDeep',
  lastChild: 'evalui.tree.lastChild',
};

const PLACEHOLDERS: Record<EvaluationLocale, { group: string; leaf: string }> = {
  'zh-CN': { group: '新二级指标', leaf: '新三级指标' },
  en: { group: 'New group', leaf: 'New indicator' },
};

/** A short readable indicator id, unique in its tree. */
function newIndicatorId(taken: ReadonlySet<string>): string {
  for (;;) {
    const id = `i${crypto.randomBytes(4).toString('hex')}`;
    if (!taken.has(id)) return id;
  }
}

/**
 * One edit from the tree editor: add a sub-indicator (or a dimension), rename and re-weight, or
 * remove a branch (its scores and bindings go with it). Returns the id of the node concerned.
 */
export async function editTree(deps: Deps, actor: Actor, id: string, input: unknown, locale: EvaluationLocale = 'zh-CN'): Promise<EvaluationWithProblems & { nodeId: string }> {
  assertCanManage(actor);
  const edit = parseInput(treeEditSchema, input);
  const current = await forWrite(deps, actor, id, edit.updatedAt);
  const { updatedAt: _stamp, ...change } = edit;
  const result = applyTreeEdit(current.data.tree, change as TreeEdit, { newId: newIndicatorId, placeholderGroup: PLACEHOLDERS[locale].group, placeholderLeaf: PLACEHOLDERS[locale].leaf });
  if (!result.ok) {
    if (result.refusal === 'unknownNode') throw new NotFoundError();
    throw new ConflictError(REFUSALS[result.refusal]);
  }
  const scores = keepLeafEntries(result.tree, current.data.scores);
  const bindings = keepLeafEntries(result.tree, current.data.bindings);
  const saved = await save(deps, current, edit.updatedAt, { ...current.data, tree: result.tree, scores: scores.kept, bindings: bindings.kept });
  const details: Record<string, unknown> = { op: edit.op, nodeId: result.nodeId };
  if (edit.op !== 'remove') Object.assign(details, { name: edit.name, points: edit.points });
  if (result.removed.length) details.removed = result.removed;
  const dropped = [...new Set([...scores.dropped, ...bindings.dropped])];
  if (dropped.length) details.dropped = dropped;
  await audit(deps, actor, 'evaluation.tree', { type: 'evaluation', id }, details);
  return { ...withProblems(saved), nodeId: result.nodeId };
}

function leafOrFail(data: EvaluationData, indicatorId: string, field: string): IndicatorNode {
  const found = flattenTree(data.tree).find((f) => f.node.id === indicatorId);
  if (!found) throw new NotFoundError();
  if (found.node.children.length > 0) {
    const key = field === 'score' ? 'evaluation.score.notLeaf' : 'evaluation.binding.notLeaf';
    throw new ValidationError({ [field]: { key, params: { name: found.node.name } } });
  }
  return found.node;
}

export const scoreInputSchema = z.strictObject({ updatedAt: stampSchema, score: scoreEntry.score, note: scoreEntry.note });

/** The score (and evidence note) of an ordinary indicator: 0 … its points, at most 2 decimals; null clears it. */
export async function setScore(deps: Deps, actor: Actor, id: string, indicatorId: string, input: unknown): Promise<EvaluationWithProblems> {
  assertCanManage(actor);
  const entry = parseInput(scoreInputSchema, input);
  const current = await forWrite(deps, actor, id, entry.updatedAt);
  const leaf = leafOrFail(current.data, indicatorId, 'score');
  if (current.data.bindings[indicatorId]) throw new ConflictError('evalui.score.bound', { name: leaf.name });
  const next = { ...current.data, scores: { ...current.data.scores, [indicatorId]: { score: entry.score, note: entry.note } } };
  const problems = checkScores(next).filter((p) => p.nodeId === indicatorId);
  if (problems.length) throw new ValidationError({ score: { key: problems[0]!.key, params: problems[0]!.params } });
  const saved = await save(deps, current, entry.updatedAt, next);
  const before = current.data.scores[indicatorId];
  await audit(deps, actor, 'evaluation.score', { type: 'evaluation', id }, { indicatorId, name: leaf.name, points: leaf.points, from: before?.score ?? null, to: entry.score, note: entry.note });
  return withProblems(saved);
}

export const bindingInputSchema = withBindingChecks(z.strictObject({ updatedAt: stampSchema, ...bindingShape }));

/** Binds an ordinary indicator to survey results: which surveys, stations and days, which figure, which rule. */
export async function bindIndicator(deps: Deps, actor: Actor, id: string, indicatorId: string, input: unknown): Promise<EvaluationWithProblems> {
  assertCanManage(actor);
  const { updatedAt, ...binding } = parseInput(bindingInputSchema, input);
  const current = await forWrite(deps, actor, id, updatedAt);
  const leaf = leafOrFail(current.data, indicatorId, 'indicator');
  await assertBindingTargets(deps, { [indicatorId]: binding }, (_i, f) => f);
  const saved = await save(deps, current, updatedAt, { ...current.data, bindings: { ...current.data.bindings, [indicatorId]: binding } });
  await audit(deps, actor, 'evaluation.bind', { type: 'evaluation', id }, { indicatorId, name: leaf.name, binding, previous: current.data.bindings[indicatorId] ?? null });
  return withProblems(saved);
}

/** Makes a bound indicator ordinary again (its entered score, if any, counts again). */
export async function unbindIndicator(deps: Deps, actor: Actor, id: string, indicatorId: string, input: unknown): Promise<EvaluationWithProblems> {
  assertCanManage(actor);
  const { updatedAt } = parseInput(stampInputSchema, input);
  const current = await forWrite(deps, actor, id, updatedAt);
  const previous = current.data.bindings[indicatorId];
  if (!previous) throw new NotFoundError();
  const { [indicatorId]: _gone, ...bindings } = current.data.bindings;
  const saved = await save(deps, current, updatedAt, { ...current.data, bindings });
  await audit(deps, actor, 'evaluation.unbind', { type: 'evaluation', id }, { indicatorId, previous });
  return withProblems(saved);
}

/** The dashboard filters a binding stands for: its stations and days, valid responses only. */
export function bindingFilters(binding: Pick<Binding, 'siteIds' | 'dayFrom' | 'dayTo'>): Filters {
  return {
    sites: binding.siteIds?.length ? binding.siteIds : undefined,
    from: binding.dayFrom,
    to: binding.dayTo,
    segments: undefined,
    channels: undefined,
    mode: 'valid',
    granularity: undefined,
  };
}

/** Where a binding's figures can be checked: the survey dashboard with the same filters. */
export function dashboardHref(surveyId: string, binding: Pick<Binding, 'siteIds' | 'dayFrom' | 'dayTo'>): string {
  const query = filtersQuery(bindingFilters(binding));
  return `/admin/stats/${encodeURIComponent(surveyId)}${query ? `?${query}` : ''}`;
}

export interface SurveyEvidence extends EvidencePart {
  surveyId: string;
  /** null when the survey no longer exists (it then contributes nothing). */
  title: string | null;
  isDemo: boolean;
  index: number | null;
  rate: number | null;
  href: string;
}

/**
 * Each bound survey's figures over the binding's stations and days (valid responses). Computed for
 * the whole project whoever asks, not narrowed to a station user's own stations, so that everyone
 * sees the same score.
 */
export async function surveyEvidence(deps: Deps, binding: Binding): Promise<SurveyEvidence[]> {
  const out: SurveyEvidence[] = [];
  for (const surveyId of binding.surveyIds) {
    const href = dashboardHref(surveyId, binding);
    try {
      const stats = await computeDashboard(deps, SYSTEM_ACTOR, surveyId, bindingFilters(binding));
      out.push({
        surveyId,
        title: stats.survey.title,
        isDemo: stats.survey.isDemo,
        received: stats.overall.received,
        valid: stats.overall.valid,
        strata: stats.strata,
        scale: stats.scale,
        adequate: stats.overall.adequate,
        required: stats.overall.required,
        index: stats.overall.satisfaction.index,
        rate: stats.overall.satisfaction.rate,
        cases: await bindingCaseCounts(deps, surveyId, binding),
        href,
      });
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
      out.push({ surveyId, title: null, isDemo: false, received: 0, valid: 0, strata: [], scale: { min: 0, max: 100 }, adequate: false, required: 0, index: null, rate: null, href });
    }
  }
  return out;
}

/** The Evidence of a binding: its surveys pooled (see poolEvidence). */
export async function computeEvidence(deps: Deps, binding: Binding): Promise<Evidence> {
  return poolEvidence(await surveyEvidence(deps, binding), deps.clock().toISOString());
}

/** The bindings that sit on a leaf (those the checks reject are left out). */
export function validBindings(data: EvaluationData): Record<string, Binding> {
  const invalid = new Set(checkBindings(data).map((p) => p.nodeId));
  return Object.fromEntries(Object.entries(data.bindings).filter(([id]) => !invalid.has(id)));
}

/** The surveys behind every binding that sits on a leaf (bindings the checks reject are left out). */
async function boundSurveys(deps: Deps, data: EvaluationData): Promise<Record<string, SurveyEvidence[]>> {
  const invalid = new Set(checkBindings(data).map((p) => p.nodeId));
  const out: Record<string, SurveyEvidence[]> = {};
  for (const [indicatorId, binding] of Object.entries(data.bindings)) if (!invalid.has(indicatorId)) out[indicatorId] = await surveyEvidence(deps, binding);
  return out;
}

function pooled(parts: Readonly<Record<string, SurveyEvidence[]>>, at: string): Record<string, Evidence> {
  return Object.fromEntries(Object.entries(parts).map(([id, surveys]) => [id, poolEvidence(surveys, at)]));
}

export interface ScoredEvaluation {
  scorecard: Scorecard;
  evidence: Readonly<Record<string, Evidence | null>>;
  /** False once locked: the evidence is the frozen snapshot. */
  live: boolean;
}

/** The scorecard: live evidence (from `parts` when the caller has them), or the snapshot frozen by the lock. */
export async function scoreEvaluation(deps: Deps, evaluation: Evaluation, parts?: Readonly<Record<string, SurveyEvidence[]>>): Promise<ScoredEvaluation> {
  const live = evaluation.data.lock ? {} : pooled(parts ?? (await boundSurveys(deps, evaluation.data)), deps.clock().toISOString());
  const evidence = scorecardEvidence(evaluation.data, live);
  return { scorecard: computeScorecard(evaluation.data, evidence), evidence, live: !evaluation.data.lock };
}

/**
 * Locks the scorecard: the evidence of every bound indicator is computed now and frozen with the
 * time and the person, so later responses, exclusions or survey edits no longer move the score.
 * Every other write is refused until an admin unlocks.
 */
export async function lockEvaluation(deps: Deps, actor: Actor, id: string, input: unknown): Promise<EvaluationWithProblems> {
  assertCanManage(actor);
  const { updatedAt } = parseInput(stampInputSchema, input);
  const current = await forWrite(deps, actor, id, updatedAt);
  const evidence = pooled(await boundSurveys(deps, current.data), deps.clock().toISOString());
  // The report's 扣分原因 and the experts' 合议 must be settled first: locked, nothing can be added.
  const refusals = lockRefusals(current.data, computeScorecard(current.data, evidence));
  const names = (list: { name: string }[]) => list.map((x) => `“${x.name}”`).join('、');
  if (refusals.missingReasons.length) throw new ConflictError('reportui.lock.missingReasons', { count: refusals.missingReasons.length, names: names(refusals.missingReasons) });
  if (refusals.unresolved.length) throw new ConflictError('reportui.lock.unresolved', { count: refusals.unresolved.length, names: names(refusals.unresolved) });
  const surveys = await surveySnapshots(deps, validBindings(current.data), bindingFilters);
  const lock = { at: deps.clock().toISOString(), by: actor.name, evidence, surveys };
  const saved = await save(deps, current, updatedAt, { ...current.data, lock });
  const card = computeScorecard(saved.data, evidence);
  await audit(deps, actor, 'evaluation.lock', { type: 'evaluation', id }, { total: card.total, grade: card.grade, complete: card.complete, evidence });
  return withProblems(saved);
}

export const unlockSchema = z.strictObject({ updatedAt: stampSchema, reason: freeTextSchema(500, { min: 1 }) });

/** Unlocks (admins only, with a reason kept in the audit log together with the snapshot it discards). */
export async function unlockEvaluation(deps: Deps, actor: Actor, id: string, input: unknown): Promise<EvaluationWithProblems> {
  assertAdmin(actor);
  const { updatedAt, reason } = parseInput(unlockSchema, input);
  const current = await load(deps, id);
  assertFresh(current, updatedAt);
  if (!current.data.lock) throw new ConflictError('evalui.notLocked');
  const snapshot = current.data.lock;
  const card = computeScorecard(current.data, snapshot.evidence);
  const saved = await save(deps, current, updatedAt, { ...current.data, lock: null });
  await audit(deps, actor, 'evaluation.unlock', { type: 'evaluation', id }, { reason, lockedAt: snapshot.at, lockedBy: snapshot.by, total: card.total, grade: card.grade, evidence: snapshot.evidence });
  return withProblems(saved);
}

export interface BoundDetail {
  binding: Binding;
  ruleText: string;
  /** Live figures per survey with its dashboard link (once locked the scorecard uses the frozen pooled evidence instead). */
  surveys: SurveyEvidence[];
}

export interface ScorecardModel {
  evaluation: EvaluationWithProblems;
  scored: ScoredEvaluation;
  analysis: AnalysisTable;
  funding: FundingRates;
  /** Problems by indicator id ('' for the whole evaluation). */
  problemsByNode: Record<string, EvaluationProblem[]>;
  /** For each bound indicator: its rule in words and the surveys behind it. */
  bound: Record<string, BoundDetail>;
}

/** Everything the scorecard page, the print view and the exports show. */
export async function scorecardModel(deps: Deps, actor: Actor, id: string, locale: EvaluationLocale): Promise<ScorecardModel> {
  const evaluation = await getEvaluation(deps, actor, id);
  const parts = await boundSurveys(deps, evaluation.data);
  const scored = await scoreEvaluation(deps, evaluation, parts);
  const problemsByNode: Record<string, EvaluationProblem[]> = {};
  for (const p of evaluation.problems) (problemsByNode[p.nodeId ?? ''] ??= []).push(p);
  const bound: Record<string, BoundDetail> = {};
  for (const [indicatorId, binding] of Object.entries(evaluation.data.bindings)) {
    bound[indicatorId] = { binding, ruleText: bindingRuleText(binding, locale), surveys: parts[indicatorId] ?? (await surveyEvidence(deps, binding)) };
  }
  return { evaluation, scored, analysis: analysisTable(scored.scorecard), funding: fundingRates(evaluation.data.funding), problemsByNode, bound };
}
