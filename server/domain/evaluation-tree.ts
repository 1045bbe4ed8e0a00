import { z } from 'zod';
import { idSchema, requiredNameSchema } from '../../models/common';
import { formatNumber, hasAtMostDecimals, toHundredths } from './grading';
import type { EvaluationLocale, EvaluationProblem } from './scoring-rules';

/**
 * The indicator tree (指标体系): level 1 are the dimensions 决策/过程/产出/效益, level 2 group them,
 * level 3 are the indicators that are scored. A parent's points are the sum of its children's.
 */
export interface IndicatorNode {
  id: string;
  name: string;
  points: number;
  children: IndicatorNode[];
}

export const MAX_NODES = 200;
export const LEAF_LEVEL = 3;

const pointsSchema = z
  .number()
  .min(0)
  .max(100)
  .refine((v) => hasAtMostDecimals(v, 2), 'at most 2 decimals');
const nameSchema = requiredNameSchema(100);
const nodeFields = { id: idSchema, name: nameSchema, points: pointsSchema };

// Three explicit levels rather than a recursive schema: a scored indicator sits at level 3 exactly.
const leafSchema = z.object({ ...nodeFields, children: z.array(z.never()).max(0).default([]) });
const level2Schema = z.object({ ...nodeFields, children: z.array(leafSchema).min(1).max(MAX_NODES) });
const level1Schema = z.object({ ...nodeFields, children: z.array(level2Schema).min(1).max(MAX_NODES) });

export const indicatorTreeSchema = z
  .array(level1Schema)
  .max(20)
  .superRefine((tree, ctx) => {
    const count = flattenTree(tree).length;
    if (count > MAX_NODES) ctx.addIssue({ code: 'too_big', origin: 'array', maximum: MAX_NODES, inclusive: true, input: tree, message: `more than ${MAX_NODES} indicators` });
  });

export interface FlatNode {
  node: IndicatorNode;
  level: number;
  parentId: string | null;
}

/** Every node, parents before their children, in the order of the tree. */
export function flattenTree(tree: readonly IndicatorNode[]): FlatNode[] {
  const out: FlatNode[] = [];
  const visit = (node: IndicatorNode, level: number, parentId: string | null) => {
    out.push({ node, level, parentId });
    for (const child of node.children) visit(child, level + 1, node.id);
  };
  for (const node of tree) visit(node, 1, null);
  return out;
}

/** The scored indicators: nodes without children. */
export function leavesOf(tree: readonly IndicatorNode[]): IndicatorNode[] {
  return flattenTree(tree)
    .map((f) => f.node)
    .filter((n) => n.children.length === 0);
}

const sumOfPoints = (nodes: readonly IndicatorNode[]) => nodes.reduce((sum, n) => sum + toHundredths(n.points), 0);

/**
 * Where the tree does not add up: duplicate ids, dimensions or groups without sub-indicators,
 * indicators below level 3, a parent whose points differ from its children's sum, first-level
 * points that do not total 100. Points are compared in hundredths, so 33.33 + 33.33 + 33.34 = 100.
 */
export function checkTree(tree: readonly IndicatorNode[]): EvaluationProblem[] {
  const problems: EvaluationProblem[] = [];
  const seen = new Set<string>();
  const visit = (node: IndicatorNode, level: number) => {
    if (seen.has(node.id)) problems.push({ nodeId: node.id, key: 'evaluation.tree.duplicateId', params: { id: node.id, name: node.name } });
    seen.add(node.id);
    if (level < LEAF_LEVEL && node.children.length === 0) {
      problems.push({ nodeId: node.id, key: 'evaluation.tree.needsChildren', params: { name: node.name, level } });
      return;
    }
    if (level >= LEAF_LEVEL && node.children.length > 0) {
      problems.push({ nodeId: node.id, key: 'evaluation.tree.tooDeep', params: { name: node.name } });
      return;
    }
    const sum = sumOfPoints(node.children);
    if (node.children.length > 0 && sum !== toHundredths(node.points)) {
      problems.push({ nodeId: node.id, key: 'evaluation.tree.sumMismatch', params: { name: node.name, points: formatNumber(node.points), sum: formatNumber(sum / 100) } });
    }
    for (const child of node.children) visit(child, level + 1);
  };
  for (const node of tree) visit(node, 1);
  const total = sumOfPoints(tree);
  if (total !== 100 * 100) problems.push({ nodeId: null, key: 'evaluation.tree.totalNot100', params: { sum: formatNumber(total / 100) } });
  return problems;
}

type Text = { zh: string; en: string };
type Spec = [id: string, name: Text, points: number, children?: Spec[]];

const node = ([id, name, points, children = []]: Spec, locale: EvaluationLocale): IndicatorNode => ({
  id,
  name: locale === 'en' ? name.en : name.zh,
  points,
  children: children.map((c) => node(c, locale)),
});

/** The indicator bound to the satisfaction survey in the reference template. */
export const SATISFACTION_INDICATOR_ID = 'satisfaction';

/**
 * The reference scorecard for a social-work station project: 4 dimensions weighted 15/17/34/34
 * as in the 嘉峪关 report, 11 groups, 36 indicators. The framework indicators come from 财政部
 * 《项目支出绩效评价管理办法》(财预〔2020〕10号) 附件1 项目支出绩效评价指标体系框架; the rest
 * measure what a 社工站 delivers (coverage, casework, certified staff, supervision, records).
 */
const REFERENCE: Spec[] = [
  ['decision', { zh: '决策', en: 'Decision' }, 15, [
    ['project-initiation', { zh: '项目立项', en: 'Project initiation' }, 5, [
      ['initiation-basis', { zh: '立项依据充分性', en: 'Sufficiency of the basis for the project' }, 3],
      ['initiation-procedure', { zh: '立项程序规范性', en: 'Compliance of the initiation procedure' }, 2],
    ]],
    ['performance-objectives', { zh: '绩效目标', en: 'Performance objectives' }, 5, [
      ['objective-soundness', { zh: '绩效目标合理性', en: 'Soundness of the performance objectives' }, 3],
      ['indicator-clarity', { zh: '绩效指标明确性', en: 'Clarity of the performance indicators' }, 2],
    ]],
    ['funding-input', { zh: '资金投入', en: 'Funding input' }, 5, [
      ['budgeting', { zh: '预算编制科学性', en: 'Soundness of the budget' }, 3],
      ['fund-allocation', { zh: '资金分配合理性', en: 'Reasonableness of fund allocation' }, 2],
    ]],
  ]],
  ['process', { zh: '过程', en: 'Process' }, 17, [
    ['fund-management', { zh: '资金管理', en: 'Fund management' }, 8, [
      ['funds-received-rate', { zh: '资金到位率', en: 'Funds received rate' }, 2],
      ['budget-execution-rate', { zh: '预算执行率', en: 'Budget execution rate' }, 2],
      ['fund-use-compliance', { zh: '资金使用合规性', en: 'Compliance of fund use' }, 2],
      ['financial-management', { zh: '财务管理规范性', en: 'Soundness of financial management' }, 2],
    ]],
    ['implementation', { zh: '组织实施', en: 'Organisation and implementation' }, 9, [
      ['rules-in-place', { zh: '管理制度健全性', en: 'Completeness of management rules' }, 2],
      ['rules-enforced', { zh: '制度执行有效性', en: 'Effectiveness of rule enforcement' }, 2],
      ['record-keeping', { zh: '档案管理规范性', en: 'Record keeping' }, 2],
      ['supervision-training', { zh: '督导培训开展情况', en: 'Supervision and training' }, 2],
      ['team-stability', { zh: '社工队伍稳定性', en: 'Stability of the social-work team' }, 1],
    ]],
  ]],
  ['output', { zh: '产出', en: 'Outputs' }, 34, [
    ['output-quantity', { zh: '产出数量', en: 'Output quantity' }, 14, [
      ['completion-rate', { zh: '实际完成率', en: 'Completion rate of planned work' }, 3],
      ['station-coverage', { zh: '社工站覆盖率', en: 'Coverage of townships and streets by stations' }, 3],
      ['service-visits', { zh: '服务人次', en: 'Service visits' }, 2],
      ['casework', { zh: '个案服务数量', en: 'Casework cases' }, 2],
      ['group-work', { zh: '小组活动数量', en: 'Group-work sessions' }, 2],
      ['community-activities', { zh: '社区活动数量', en: 'Community activities' }, 2],
    ]],
    ['output-quality', { zh: '产出质量', en: 'Output quality' }, 10, [
      ['quality-rate', { zh: '质量达标率', en: 'Quality compliance rate' }, 3],
      ['certified-ratio', { zh: '持证社工比例', en: 'Share of certified social workers' }, 2],
      ['staffing-rate', { zh: '社工配备达标率', en: 'Stations staffed to standard' }, 2],
      ['service-standards', { zh: '专业服务规范性', en: 'Professional standard of services' }, 3],
    ]],
    ['output-timeliness', { zh: '产出时效', en: 'Output timeliness' }, 5, [
      ['timely-completion', { zh: '完成及时性', en: 'Timely completion' }, 3],
      ['service-continuity', { zh: '服务接续及时性', en: 'Continuity of service between contracts' }, 2],
    ]],
    ['output-cost', { zh: '产出成本', en: 'Output cost' }, 5, [
      ['cost-saving-rate', { zh: '成本节约率', en: 'Cost saving rate' }, 3],
      ['unit-cost', { zh: '人均服务成本', en: 'Cost per person served' }, 2],
    ]],
  ]],
  ['benefit', { zh: '效益', en: 'Benefits' }, 34, [
    ['project-benefits', { zh: '项目效益', en: 'Project benefits' }, 24, [
      ['social-benefits', { zh: '社会效益', en: 'Social benefits' }, 5],
      ['sustainability', { zh: '可持续影响', en: 'Sustainable impact' }, 4],
      ['vulnerable-support', { zh: '困难群体帮扶成效', en: 'Support for people in difficulty' }, 4],
      ['resource-linking', { zh: '资源链接成效', en: 'Resources linked' }, 4],
      ['org-incubation', { zh: '社会组织培育成效', en: 'Social organisations incubated' }, 4],
      ['volunteers', { zh: '志愿服务队伍建设', en: 'Volunteer teams built' }, 3],
    ]],
    ['satisfaction-group', { zh: '满意度', en: 'Satisfaction' }, 10, [
      [SATISFACTION_INDICATOR_ID, { zh: '服务对象满意度', en: 'Satisfaction of service recipients' }, 10],
    ]],
  ]],
];

/** A fresh copy of the reference indicator tree, named in the given language. */
export function referenceTemplate(locale: EvaluationLocale): IndicatorNode[] {
  return REFERENCE.map((spec) => node(spec, locale));
}
