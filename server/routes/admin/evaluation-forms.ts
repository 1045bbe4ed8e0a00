import {
  flattenTree,
  formatAmount,
  formatNumber,
  formatPercent,
  formatScore,
  gradeKey,
  roundTo,
  ruleText,
  bindingRuleText,
  type Measure,
  type Binding,
  type EvaluationData,
  type EvaluationLocale,
  type IndicatorNode,
  type NodeStatus,
  type ScoringRule,
} from '../../domain/evaluation';
import type { Request } from 'express';
import { localDateTime, zoneName } from '../../domain/time';
import { AppError } from '../../errors';
import { translate, type MessageKey } from '../../i18n';

/**
 * The evaluation pages' HTML forms: what a form shows (strings, as typed) and the input the
 * services validate (numbers where the user typed numbers). No validation here: a value that is
 * not a number is passed on as typed, so the service's schema says what is wrong with it.
 */
export type Form = Record<string, string | string[]>;

/** What a failed form shows again: the user's input, each field's message and a summary. */
export interface Failure {
  form: string;
  values: Form;
  errors: Record<string, string>;
  message: string;
  status: number;
}

/**
 * Only client errors become a re-rendered form; anything else goes to the error handler. `rows`
 * may regroup the field messages (the report's row-by-row forms).
 */
export function failureOf(req: Request, err: unknown, form: string, values: Form, rows?: (errors: Record<string, string>) => Record<string, string>): Failure {
  if (!(err instanceof AppError) || err.status >= 500) throw err;
  let errors: Record<string, string> = {};
  for (const [k, v] of Object.entries(err.fields ?? {})) errors[k] = req.t(v.key, v.params);
  if (rows) errors = rows(errors);
  const message = err.fields ? req.t('error.validation') : req.t(err.messageKey, err.params);
  return { form, values, errors, message, status: err.status };
}

/** A confirmation shown once on the next page. */
export function flash(req: Request, text: string): void {
  req.session.flash = [...(req.session.flash ?? []), { kind: 'ok', text }];
}

/** The named text fields of a posted form; anything else (arrays, objects) reads as ''. */
export function fieldsOf(body: Record<string, unknown>, names: readonly string[]): Record<string, string> {
  return Object.fromEntries(names.map((n) => [n, text(body[n])]));
}

export const text = (v: unknown): string => (typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : '');

/** '' → undefined (the schema's default or "required"); a decimal → number; anything else stays text. */
export function numberOrText(v: string | undefined): number | string | undefined {
  const s = (v ?? '').trim().replace(/，/g, ',').replace(/。/g, '.');
  if (s === '') return undefined;
  return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(s) ? Number(s) : s;
}

const str = (v: number | null | undefined) => (v === null || v === undefined ? '' : String(v));

export const projectForm = (d: EvaluationData): Form => ({ ...d.project });

export const fundingForm = (d: EvaluationData): Form => ({
  budgetTotal: str(d.funding.budget.total),
  budgetCentral: str(d.funding.budget.central),
  budgetProvincial: str(d.funding.budget.provincial),
  budgetMunicipal: str(d.funding.budget.municipal),
  receivedTotal: str(d.funding.received.total),
  receivedCentral: str(d.funding.received.central),
  receivedProvincial: str(d.funding.received.provincial),
  receivedMunicipal: str(d.funding.received.municipal),
  spent: str(d.funding.spent),
  carriedOver: str(d.funding.carriedOver),
});

/** The funding form's field names, in the order of the page. */
export const FUNDING_FIELDS = [
  'budgetTotal',
  'budgetCentral',
  'budgetProvincial',
  'budgetMunicipal',
  'receivedTotal',
  'receivedCentral',
  'receivedProvincial',
  'receivedMunicipal',
  'spent',
  'carriedOver',
] as const;

export function fundingInput(f: Record<string, string>) {
  const sources = (prefix: 'budget' | 'received') => ({
    total: numberOrText(f[`${prefix}Total`]),
    central: numberOrText(f[`${prefix}Central`]),
    provincial: numberOrText(f[`${prefix}Provincial`]),
    municipal: numberOrText(f[`${prefix}Municipal`]),
  });
  return { updatedAt: f.updatedAt, budget: sources('budget'), received: sources('received'), spent: numberOrText(f.spent), carriedOver: numberOrText(f.carriedOver) };
}

export const gradesForm = (d: EvaluationData): Form => ({ excellent: str(d.grades.excellent), good: str(d.grades.good), fair: str(d.grades.fair) });

export const gradesInput = (f: Record<string, string>) => ({ updatedAt: f.updatedAt, excellent: numberOrText(f.excellent), good: numberOrText(f.good), fair: numberOrText(f.fair) });

export const scoreForm = (d: EvaluationData, id: string): Form => ({ score: str(d.scores[id]?.score), note: d.scores[id]?.note ?? '' });

/** An empty score field clears the score (the indicator is then "not scored"). */
export function scoreInput(f: Record<string, string | undefined>) {
  const score = numberOrText(f.score);
  return { score: score === undefined ? null : score, note: f.note ?? '' };
}

/** The tree editor's three forms (add, update, remove) as the service's edit. */
export function treeEditInput(f: Record<string, string>) {
  const points = numberOrText(f.points);
  switch (f.op) {
    case 'add':
      return { op: 'add', updatedAt: f.updatedAt, parentId: f.parentId || null, name: f.name, points };
    case 'update':
      return { op: 'update', updatedAt: f.updatedAt, nodeId: f.nodeId, name: f.name, points };
    default:
      return { op: f.op, updatedAt: f.updatedAt, nodeId: f.nodeId };
  }
}

/** Bands as typed, one per line: "95 100" = at S ≥ 95, 100% of the points. */
export const bandsText = (bands: readonly { min: number; share: number }[]) => bands.map((b) => `${b.min} ${roundTo(b.share * 100, 2)}`).join('\n');

function parseBands(typed: string | undefined): { min: number | string | undefined; share: number | string | undefined }[] {
  return (typed ?? '')
    .split(/[\r\n;；]+/)
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const [min, share, ...extra] = line.split(/[\s,，:：→=]+/).filter(Boolean);
      const pct = numberOrText(share);
      return { min: numberOrText(min), share: typeof pct === 'number' && extra.length === 0 ? roundTo(pct / 100, 4) : (share ?? undefined) };
    });
}

export const DEFAULT_BINDING_FORM: Readonly<Form> = {
  surveyIds: [],
  siteIds: [],
  dayFrom: '',
  dayTo: '',
  measure: 'index',
  ruleKind: 'ratio',
  target: '90',
  deduction: '1',
  floor: '60',
  bands: '95 100\n90 90\n80 70\n70 50',
};

export const emptyBindingForm = (): Form => ({ ...DEFAULT_BINDING_FORM });

export function bindingForm(b: Binding): Form {
  const rule = b.rule;
  return {
    ...DEFAULT_BINDING_FORM,
    surveyIds: [...b.surveyIds],
    siteIds: [...(b.siteIds ?? [])],
    dayFrom: b.dayFrom ?? '',
    dayTo: b.dayTo ?? '',
    measure: b.measure,
    ruleKind: rule.kind,
    ...(rule.kind === 'ratio' ? { target: String(rule.target) } : {}),
    ...(rule.kind === 'threshold' ? { target: String(rule.target), deduction: String(rule.deductionPerPoint) } : {}),
    ...(rule.kind === 'linear' ? { target: String(rule.target), floor: String(rule.floor) } : {}),
    ...(rule.kind === 'bands' ? { bands: bandsText(rule.bands) } : {}),
  };
}

/** The binding form as bindingSchema input; the rule takes only the fields of its kind. */
export function bindingInput(f: Record<string, string | string[]>) {
  const one = (name: string) => (typeof f[name] === 'string' ? (f[name] as string) : '');
  const list = (name: string) => (Array.isArray(f[name]) ? (f[name] as string[]) : []);
  const kind = one('ruleKind');
  const rule =
    kind === 'ratio'
      ? { kind, target: numberOrText(one('target')) }
      : kind === 'threshold'
        ? { kind, target: numberOrText(one('target')), deductionPerPoint: numberOrText(one('deduction')) }
        : kind === 'linear'
          ? { kind, floor: numberOrText(one('floor')), target: numberOrText(one('target')) }
          : kind === 'bands'
            ? { kind, bands: parseBands(one('bands')) }
            : { kind };
  const siteIds = list('siteIds');
  return {
    surveyIds: list('surveyIds'),
    ...(siteIds.length ? { siteIds } : {}),
    ...(one('dayFrom') ? { dayFrom: one('dayFrom') } : {}),
    ...(one('dayTo') ? { dayTo: one('dayTo') } : {}),
    measure: one('measure'),
    rule,
  };
}

/** The names of the node's ancestors and itself, from the dimension down. */
export function nodePath(tree: readonly IndicatorNode[], id: string): string[] {
  const flat = flattenTree(tree);
  const byId = new Map(flat.map((f) => [f.node.id, f]));
  const names: string[] = [];
  for (let at = byId.get(id); at; at = at.parentId ? byId.get(at.parentId) : undefined) names.unshift(at.node.name);
  return names;
}

const STATUS_KEYS: Record<NodeStatus, MessageKey> = {
  scored: 'evaluation.status.scored',
  bound: 'evaluation.status.bound',
  'no-evidence': 'evaluation.status.noEvidence',
  unscored: 'evaluation.status.unscored',
};

/** Formatting helpers the evaluation views share (the domain's rounding and the catalog's words). */
export function viewHelpers(locale: EvaluationLocale, timeZone: string) {
  return {
    /** A time in the configured zone, the zone named: 2026-12-07 14:30（北京时间）. */
    when: (iso: string) => `${localDateTime(iso, timeZone).slice(0, 16)}${translate(locale, 'time.zoneSuffix', { zone: zoneName(timeZone, translate(locale, 'time.beijing')) })}`,
    fmt: { score: formatScore, percent: formatPercent, number: formatNumber, amount: formatAmount },
    statusKey: (status: NodeStatus) => STATUS_KEYS[status],
    gradeKey,
    ruleTextOf: (rule: ScoringRule, measure?: Measure) => (measure ? bindingRuleText({ rule, measure }, locale) : ruleText(rule, locale)),
    interval: (ci: [number, number] | null, suffix = '') => (ci ? `${formatNumber(ci[0])}${suffix}–${formatNumber(ci[1])}${suffix}` : '—'),
    value: (x: number | null | undefined, suffix = '') => (x === null || x === undefined ? '—' : `${formatNumber(x)}${suffix}`),
    /** An aside in brackets as each language writes it: full-width in Chinese. */
    paren: (text: string) => (locale === 'en' ? `(${text})` : `（${text}）`),
  };
}
