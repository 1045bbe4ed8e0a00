import { z } from 'zod';
import { freeTextSchema, idSchema, nameSchema, requiredNameSchema, type IsoTime } from '../../models/common';
import { flattenTree, checkTree, indicatorTreeSchema, leavesOf, MAX_NODES, referenceTemplate, type IndicatorNode } from './evaluation-tree';
import { effectiveScores, emptyPanel, expertPanelSchema, type ExpertPanel } from './experts';
import { checkFunding, emptyFunding, fundingSchema, type Funding } from './funding';
import {
  DEFAULT_GRADES,
  formatNumber,
  formatPercent,
  formatScore,
  gradeOf,
  gradeThresholdsSchema,
  hasAtMostDecimals,
  rateOf,
  roundScore,
  toHundredths,
  type Grade,
  type GradeThresholds,
} from './grading';
import {
  bindingSchema,
  evidenceSchema,
  scoreBinding,
  type Binding,
  type EvaluationLocale,
  type EvaluationMessage,
  type EvaluationMessageKey,
  type EvaluationProblem,
  type Evidence,
  type Measure,
  type ScoringRule,
} from './scoring-rules';
import { emptyReportFacts, reportFactsSchema, type ReportFacts } from './report/facts';
import { referenceIndicatorFacts } from './report/indicator-texts';
import { surveySnapshotSchema, type SurveySnapshot } from './report/satisfaction';
import { emptyRectification, rectificationSchema, type Rectification } from './rectification';

export * from './evaluation-tree';
export * from './funding';
export * from './grading';
export * from './scoring-rules';

/**
 * 绩效评价: the data of one evaluation (kept as `EvaluationRecord.data`) and the scorecard computed
 * from it. Pure: the statistics service supplies the evidence, the caller supplies the clock.
 */

export interface EvaluationProject {
  /** 项目名称 */
  name: string;
  /** 评价年度, e.g. 2021-2023年度 */
  period: string;
  /** 委托评价单位 */
  commissioner: string;
  /** 评价机构名称 */
  evaluator: string;
  /** 评价对象名称 */
  subject: string;
}

/** A score entered by the evaluator for an ordinary indicator; null while only a note is written. */
export interface ScoreEntry {
  score: number | null;
  note: string;
}

/** Once locked, the scorecard is computed from the evidence frozen here, not from live responses. */
export interface EvaluationLock {
  at: IsoTime;
  by: string;
  evidence: Record<string, Evidence>;
  /** The bound surveys' statistics as the report quotes them, frozen with the scores (none in locks made before reports existed). */
  surveys?: SurveySnapshot[];
}

export interface EvaluationData {
  project: EvaluationProject;
  funding: Funding;
  tree: IndicatorNode[];
  grades: GradeThresholds;
  scores: Record<string, ScoreEntry>;
  bindings: Record<string, Binding>;
  lock: EvaluationLock | null;
  /** The report's facts (基本情况, 目标, 依据, 问题, 建议…) and each indicator's 指标解释, 评分标准 and 佐证材料. */
  report: ReportFacts;
  /** 专家评分: one sheet per expert, the combination rule and the 合议 results. */
  experts: ExpertPanel;
  /** 整改: an item per 存在问题 and the items carried over; still editable after the lock. */
  rectification: Rectification;
}

const projectNameSchema = requiredNameSchema(100);
const labelSchema = nameSchema(100).default('');

/** A map keyed by indicator id, at most one entry per possible indicator. */
const byIndicator = <T extends z.ZodType>(value: T) =>
  z.record(idSchema, value).superRefine((map, ctx) => {
    if (Object.keys(map).length > MAX_NODES) ctx.addIssue({ code: 'too_big', origin: 'array', maximum: MAX_NODES, inclusive: true, input: map, message: `more than ${MAX_NODES} entries` });
  });

const scoreEntrySchema = z.object({
  score: z
    .number()
    .min(0)
    .max(100)
    .refine((v) => hasAtMostDecimals(v, 2), 'at most 2 decimals')
    .nullable()
    .default(null),
  note: freeTextSchema(2000).default(''),
});

const lockSchema = z.object({
  at: z.iso.datetime(),
  by: projectNameSchema,
  evidence: byIndicator(evidenceSchema),
  surveys: z.array(surveySnapshotSchema).max(20).default(() => []),
});

export const evaluationDataSchema = z.object({
  project: z.object({ name: projectNameSchema, period: labelSchema, commissioner: labelSchema, evaluator: labelSchema, subject: labelSchema }),
  funding: fundingSchema.default(emptyFunding),
  tree: indicatorTreeSchema.default(() => []),
  grades: gradeThresholdsSchema.default(() => ({ ...DEFAULT_GRADES })),
  scores: byIndicator(scoreEntrySchema).default(() => ({})),
  bindings: byIndicator(bindingSchema).default(() => ({})),
  lock: lockSchema.nullable().default(null),
  report: reportFactsSchema.default(emptyReportFacts),
  experts: expertPanelSchema.default(emptyPanel),
  rectification: rectificationSchema.default(emptyRectification),
});

// The schema's output must be usable wherever EvaluationData is expected.
const _schemaFitsType = (parsed: z.output<typeof evaluationDataSchema>): EvaluationData => parsed;

/**
 * A new evaluation on the reference template: default grades, no funding, nothing scored or bound;
 * each indicator's 指标解释 and 评分标准 pre-filled from the template (editable).
 */
export function newEvaluationData(project: Pick<EvaluationProject, 'name'> & Partial<EvaluationProject>, locale: EvaluationLocale): EvaluationData {
  return {
    project: { period: '', commissioner: '', evaluator: '', subject: '', ...project },
    funding: emptyFunding(),
    tree: referenceTemplate(locale),
    grades: { ...DEFAULT_GRADES },
    scores: {},
    bindings: {},
    lock: null,
    report: { ...emptyReportFacts(), indicators: referenceIndicatorFacts(locale) },
    experts: emptyPanel(),
    rectification: emptyRectification(),
  };
}

function nodesById(tree: readonly IndicatorNode[]): Map<string, IndicatorNode> {
  const map = new Map<string, IndicatorNode>();
  for (const { node } of flattenTree(tree)) if (!map.has(node.id)) map.set(node.id, node);
  return map;
}

/** Entered scores that cannot count as they are: outside 0…points, on a parent, or for an indicator that no longer exists. */
export function checkScores(data: Pick<EvaluationData, 'tree' | 'scores'>): EvaluationProblem[] {
  const problems: EvaluationProblem[] = [];
  const nodes = nodesById(data.tree);
  for (const [id, entry] of Object.entries(data.scores)) {
    const node = nodes.get(id);
    if (!node) {
      problems.push({ nodeId: id, key: 'evaluation.score.unknownIndicator', params: { id } });
      continue;
    }
    if (entry.score === null) continue;
    const params = { name: node.name, score: formatNumber(entry.score), points: formatNumber(node.points) };
    if (node.children.length > 0) problems.push({ nodeId: id, key: 'evaluation.score.notLeaf', params });
    else if (entry.score < 0) problems.push({ nodeId: id, key: 'evaluation.score.negative', params });
    else if (toHundredths(entry.score) > toHundredths(node.points)) problems.push({ nodeId: id, key: 'evaluation.score.aboveMax', params });
  }
  return problems;
}

/** Bindings that cannot be applied: to a missing indicator or to one that has sub-indicators. */
export function checkBindings(data: Pick<EvaluationData, 'tree' | 'bindings'>): EvaluationProblem[] {
  const problems: EvaluationProblem[] = [];
  const nodes = nodesById(data.tree);
  for (const id of Object.keys(data.bindings)) {
    const node = nodes.get(id);
    if (!node) problems.push({ nodeId: id, key: 'evaluation.binding.unknownIndicator', params: { id } });
    else if (node.children.length > 0) problems.push({ nodeId: id, key: 'evaluation.binding.notLeaf', params: { name: node.name } });
  }
  return problems;
}

/** Every check at once, in the order a page lists them: tree, scores, bindings, funding. */
export function checkEvaluation(data: EvaluationData): EvaluationProblem[] {
  return [...checkTree(data.tree), ...checkScores(data), ...checkBindings(data), ...checkFunding(data.funding)];
}

/** The evidence a scorecard uses: the frozen snapshot once locked, otherwise the live figures. */
export function scorecardEvidence(data: Pick<EvaluationData, 'lock'>, live: Readonly<Record<string, Evidence | null>>): Readonly<Record<string, Evidence | null>> {
  return data.lock ? data.lock.evidence : live;
}

/**
 * Leaf: 'scored' (entered), 'bound' (from satisfaction), 'no-evidence' (bound, nothing to score
 * from), 'unscored' (nothing entered). Parent: 'scored' when every leaf below has a score, else 'unscored'.
 */
export type NodeStatus = 'scored' | 'unscored' | 'no-evidence' | 'bound';

export interface ScorecardNode {
  id: string;
  name: string;
  points: number;
  level: number;
  parentId: string | null;
  leaf: boolean;
  /** A leaf without a score has null; a parent sums its children, counting those as 0. */
  score: number | null;
  /** score ÷ points to 4 decimals; null without a score or with 0 points. */
  rate: number | null;
  status: NodeStatus;
  /** Leaves at or below this node that have no score yet. */
  missing: number;
  note?: string;
  measure?: Measure;
  rule?: ScoringRule;
  evidence?: Evidence | null;
  /** The satisfaction figure S the rule was applied to. */
  value?: number | null;
  explanation?: EvaluationMessage;
}

export interface ScorecardDimension {
  id: string;
  name: string;
  points: number;
  score: number;
  rate: number | null;
  missing: number;
}

export interface Scorecard {
  /** Every node, parents before children, in tree order. */
  nodes: ScorecardNode[];
  /** The first-level nodes (决策, 过程, 产出, 效益). */
  dimensions: ScorecardDimension[];
  points: number;
  total: number;
  rate: number | null;
  grade: Grade;
  /** True when every leaf has a score; otherwise total and grade are provisional. */
  complete: boolean;
  missing: number;
}

/**
 * The scorecard. Ordinary leaves take their entered score (kept within 0…points; checkScores
 * reports entries outside it), bound leaves are scored by their rule from `evidenceByIndicator`
 * (pass lock.evidence once locked, see scorecardEvidence). Sums are exact in hundredths, so the
 * only rounding is the rule's, once per leaf, and each rate's.
 */
export function computeScorecard(
  data: Pick<EvaluationData, 'tree' | 'scores' | 'bindings' | 'grades'> & Partial<Pick<EvaluationData, 'experts'>>,
  evidenceByIndicator: Readonly<Record<string, Evidence | null | undefined>>,
): Scorecard {
  const nodes: ScorecardNode[] = [];
  // Indicators the experts scored take their combined (or agreed) score; the note stays the evaluator's.
  const scores = effectiveScores(data.scores, data.experts, leavesOf(data.tree).map((n) => n.id));

  const visit = (node: IndicatorNode, level: number, parentId: string | null): { hundredths: number; missing: number } => {
    const out: ScorecardNode = { id: node.id, name: node.name, points: node.points, level, parentId, leaf: node.children.length === 0, score: null, rate: null, status: 'unscored', missing: 0 };
    nodes.push(out);
    const entry = scores[node.id];
    if (entry?.note) out.note = entry.note;

    if (node.children.length > 0) {
      let hundredths = 0;
      for (const child of node.children) {
        const result = visit(child, level + 1, node.id);
        hundredths += result.hundredths;
        out.missing += result.missing;
      }
      out.score = hundredths / 100;
      out.rate = rateOf(out.score, node.points);
      out.status = out.missing === 0 ? 'scored' : 'unscored';
      return { hundredths, missing: out.missing };
    }

    const binding = data.bindings[node.id];
    if (binding) {
      const evidence = evidenceByIndicator[node.id] ?? null;
      const result = scoreBinding(node.points, binding, evidence);
      out.measure = binding.measure;
      out.rule = binding.rule;
      out.evidence = evidence;
      out.value = result.value;
      out.explanation = result.explanation;
      out.score = result.score;
      out.status = result.status === 'scored' ? 'bound' : 'no-evidence';
    } else if (entry && entry.score !== null) {
      out.score = roundScore(Math.min(Math.max(entry.score, 0), node.points));
      out.status = 'scored';
    }
    out.rate = out.score === null ? null : rateOf(out.score, node.points);
    out.missing = out.score === null ? 1 : 0;
    return { hundredths: out.score === null ? 0 : toHundredths(out.score), missing: out.missing };
  };

  let totalHundredths = 0;
  let missing = 0;
  for (const node of data.tree) {
    const result = visit(node, 1, null);
    totalHundredths += result.hundredths;
    missing += result.missing;
  }

  const dimensions = nodes
    .filter((n) => n.level === 1)
    .map((n): ScorecardDimension => ({ id: n.id, name: n.name, points: n.points, score: n.score ?? 0, rate: n.rate, missing: n.missing }));
  const points = dimensions.reduce((sum, d) => sum + toHundredths(d.points), 0) / 100;
  const total = totalHundredths / 100;
  return {
    nodes,
    dimensions,
    points,
    total,
    rate: rateOf(total, points),
    grade: gradeOf(total, data.grades),
    complete: missing === 0 && nodes.some((n) => n.leaf),
    missing,
  };
}

export interface AnalysisRow {
  kind: 'points' | 'score' | 'rate';
  label: EvaluationMessageKey;
  /** One value per dimension, then the total. */
  values: (number | null)[];
  /** The same values as printed: points as written, scores with 2 decimals, rates as 95.00%. */
  text: string[];
}

/** The report's 绩效分析 table: 指标 | 决策 | 过程 | 产出 | 效益 | 合计, with rows 分值, 得分, 得分率. */
export interface AnalysisTable {
  corner: EvaluationMessageKey;
  columns: { id: string; name: string }[];
  totalLabel: EvaluationMessageKey;
  rows: AnalysisRow[];
}

export function analysisTable(scorecard: Scorecard): AnalysisTable {
  const dims = scorecard.dimensions;
  const points = [...dims.map((d) => d.points), scorecard.points];
  const scores = [...dims.map((d) => d.score), scorecard.total];
  const rates = [...dims.map((d) => d.rate), scorecard.rate];
  return {
    corner: 'evaluation.table.indicator',
    columns: dims.map((d) => ({ id: d.id, name: d.name })),
    totalLabel: 'evaluation.table.total',
    rows: [
      { kind: 'points', label: 'evaluation.table.points', values: points, text: points.map(formatNumber) },
      { kind: 'score', label: 'evaluation.table.score', values: scores, text: scores.map(formatScore) },
      { kind: 'rate', label: 'evaluation.table.rate', values: rates, text: rates.map(formatPercent) },
    ],
  };
}

/** The catalog key of a grade: 优, 良, 中, 差. */
export const gradeKey = (grade: Grade): EvaluationMessageKey => `evaluation.grade.${grade}`;
