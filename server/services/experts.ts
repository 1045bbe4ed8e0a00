import { z } from 'zod';
import { idSchema, textSchema } from '../../models/common';
import { COMBINATION_RULES, checkSheet, expertResults, summarisePanel, type ExpertSheet, type IndicatorExperts, type PanelSummary } from '../domain/experts';
import { hasAtMostDecimals, leavesOf, type EvaluationData, type IndicatorNode } from '../domain/evaluation';
import { ForbiddenError, NotFoundError, ValidationError, type FieldErrors } from '../errors';
import { audit } from './audit';
import type { Actor, Deps } from './context';
import { changeEvaluation, getEvaluation, type EvaluationWithProblems } from './evaluations';
import { canManage } from './permissions';
import { parseInput } from './validate';

/**
 * 专家评分: every admin or evaluator may keep a sheet of their own scores for the ordinary
 * indicators (those not scored from a survey). Each sees only their own sheet when scoring; the
 * overview shows how many indicators each has scored, the combined scores, and, for the indicators
 * where they differ by more than the threshold, every expert's score, so the panel can agree (合议).
 */

const stampSchema = z.string().min(1).max(40);
const points = z
  .number()
  .min(0)
  .max(100)
  .refine((v) => hasAtMostDecimals(v, 2), 'at most 2 decimals');

/** The indicators experts score: leaves without a survey binding. */
export function scorableLeaves(data: EvaluationData): IndicatorNode[] {
  return leavesOf(data.tree).filter((n) => !data.bindings[n.id]);
}

function expertOf(actor: Actor): string {
  if (!canManage(actor) || !actor.id) throw new ForbiddenError();
  return actor.id;
}

export interface ExpertSheetModel {
  evaluation: EvaluationWithProblems;
  leaves: IndicatorNode[];
  sheet: ExpertSheet | null;
}

/** The signed-in expert's own sheet. */
export async function expertSheet(deps: Deps, actor: Actor, id: string): Promise<ExpertSheetModel> {
  const expertId = expertOf(actor);
  const evaluation = await getEvaluation(deps, actor, id);
  return { evaluation, leaves: scorableLeaves(evaluation.data), sheet: evaluation.data.experts.sheets[expertId] ?? null };
}

export const sheetInputSchema = z.strictObject({ updatedAt: stampSchema, scores: z.record(idSchema, points.nullable()) });

/** Saves the signed-in expert's scores: a null (an emptied field) takes a score off the sheet; an empty sheet is removed. */
export async function saveExpertSheet(deps: Deps, actor: Actor, id: string, input: unknown): Promise<EvaluationWithProblems> {
  const expertId = expertOf(actor);
  const { updatedAt, scores } = parseInput(sheetInputSchema, input);
  const entered = Object.fromEntries(Object.entries(scores).filter((e): e is [string, number] => e[1] !== null));
  let count = 0;
  const saved = await changeEvaluation(deps, actor, id, updatedAt, ({ data }) => {
    const leaves = new Map(scorableLeaves(data).map((n) => [n.id, { name: n.name, points: n.points }]));
    const problems = checkSheet(entered, leaves);
    if (problems.length) {
      const errors: FieldErrors = {};
      for (const p of problems) errors[`scores.${p.indicatorId}`] = p.key === 'aboveMax' ? { key: 'evaluation.score.aboveMax', params: p.params } : { key: 'reportui.experts.notScorable', params: p.params };
      throw new ValidationError(errors);
    }
    count = Object.keys(entered).length;
    const sheets = { ...data.experts.sheets };
    if (count) sheets[expertId] = { name: actor.name, scores: entered, updatedAt: deps.clock().toISOString() };
    else delete sheets[expertId];
    return { ...data, experts: { ...data.experts, sheets } };
  });
  await audit(deps, actor, 'evaluation.expertScores', { type: 'evaluation', id }, { expert: actor.name, scored: count, scores: entered });
  return saved;
}

export const panelInputSchema = z.strictObject({
  updatedAt: stampSchema,
  rule: z.enum(COMBINATION_RULES),
  threshold: points.refine((v) => v > 0, { params: { key: 'reportui.experts.thresholdPositive' } }),
});

/** The combination rule and the divergence threshold. */
export async function updatePanel(deps: Deps, actor: Actor, id: string, input: unknown): Promise<EvaluationWithProblems> {
  const { updatedAt, rule, threshold } = parseInput(panelInputSchema, input);
  const saved = await changeEvaluation(deps, actor, id, updatedAt, ({ data }) => ({ ...data, experts: { ...data.experts, rule, threshold } }));
  await audit(deps, actor, 'evaluation.experts', { type: 'evaluation', id }, { rule, threshold });
  return saved;
}

export const consensusInputSchema = z.strictObject({ updatedAt: stampSchema, score: points.nullable(), note: textSchema(1000).default('') });

/** The score the panel agreed on for one indicator (合议); null takes it back. */
export async function setConsensus(deps: Deps, actor: Actor, id: string, indicatorId: string, input: unknown): Promise<EvaluationWithProblems> {
  expertOf(actor);
  const { updatedAt, score, note } = parseInput(consensusInputSchema, input);
  let name = '';
  const saved = await changeEvaluation(deps, actor, id, updatedAt, ({ data }) => {
    const leaf = scorableLeaves(data).find((n) => n.id === indicatorId);
    if (!leaf) throw new NotFoundError();
    name = leaf.name;
    if (score !== null && score > leaf.points) throw new ValidationError({ score: { key: 'evaluation.score.aboveMax', params: { name: leaf.name, score, points: leaf.points } } });
    const consensus = { ...data.experts.consensus };
    if (score === null) delete consensus[indicatorId];
    else consensus[indicatorId] = { score, note };
    return { ...data, experts: { ...data.experts, consensus } };
  });
  await audit(deps, actor, 'evaluation.consensus', { type: 'evaluation', id }, { indicatorId, name, score, note });
  return saved;
}

export interface ExpertsOverview {
  evaluation: EvaluationWithProblems;
  summary: PanelSummary;
  experts: { id: string; name: string; scored: number; updatedAt: string }[];
  /** Per indicator some expert scored, in tree order; only divergent ones carry every expert's score. */
  results: (Omit<IndicatorExperts, 'scores'> & { name: string; points: number; scores: IndicatorExperts['scores'] | null })[];
  leaves: number;
}

export async function expertsOverview(deps: Deps, actor: Actor, id: string): Promise<ExpertsOverview> {
  const evaluation = await getEvaluation(deps, actor, id);
  const data = evaluation.data;
  const leaves = scorableLeaves(data);
  const byId = new Map(leaves.map((n) => [n.id, n]));
  const ids = leaves.map((n) => n.id);
  return {
    evaluation,
    summary: summarisePanel(data.experts, ids),
    experts: Object.entries(data.experts.sheets).map(([expertId, s]) => ({ id: expertId, name: s.name, scored: Object.keys(s.scores).filter((k) => byId.has(k)).length, updatedAt: s.updatedAt })),
    results: expertResults(data.experts, ids).map((r) => ({ ...r, name: byId.get(r.indicatorId)!.name, points: byId.get(r.indicatorId)!.points, scores: r.divergent || r.consensus ? r.scores : null })),
    leaves: leaves.length,
  };
}
