import type { ReportFacts } from '../../domain/report/facts';
import { fieldsOf, numberOrText, text, type Form } from './evaluation-forms';

/**
 * The report pages' HTML forms. Lists (评价依据, 工作过程, 存在问题, 建议) are rows of fields named
 * `name.N`, with a few blank rows to add to: a row left blank is dropped, a row emptied is removed.
 * No JavaScript is needed. Validation is the service's; errors on a row are moved back to the row
 * the user typed them in.
 */

export const FACT_PARTS = ['basics', 'goals', 'bases', 'process', 'problems', 'suggestions'] as const;
export type FactPart = (typeof FACT_PARTS)[number];

/** Blank rows offered below the filled ones. */
const SPARE = { bases: 3, process: 3, problems: 2, suggestions: 2 } as const;

const BASICS = ['outline', 'evaluationType', 'purpose', 'scope', 'dataCollection', 'experiences', 'otherMatters', 'reportDate', 'methodsOther'] as const;
const ROW_FIELDS = {
  bases: ['title', 'docNo'],
  process: ['name', 'from', 'to'],
  problems: ['id', 'text', 'cause'],
  suggestions: ['id', 'text'],
} as const;
const ROW_LISTS = { problems: 'indicatorIds', suggestions: 'problemIds' } as const;

type RowPart = keyof typeof ROW_FIELDS;

const list = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' && v ? [v] : []);

function rowsForm(part: RowPart, rows: Record<string, string | string[]>[]): Form {
  const form: Form = { rows: String(rows.length + SPARE[part]) };
  rows.forEach((row, i) => {
    for (const [k, v] of Object.entries(row)) form[`${k}.${i}`] = v;
  });
  return form;
}

/** What each form shows for the facts as stored. */
export function factsForms(f: ReportFacts): Record<FactPart, Form> {
  return {
    basics: {
      outline: f.outline,
      evaluationType: f.evaluationType,
      purpose: f.purpose,
      scope: f.scope,
      dataCollection: f.dataCollection,
      experiences: f.experiences,
      otherMatters: f.otherMatters,
      reportDate: f.reportDate ?? '',
      methods: [...f.methods],
      methodsOther: f.methodsOther,
    },
    goals: { goals: f.goals.join('\n') },
    bases: rowsForm('bases', f.bases.map((b) => ({ title: b.title, docNo: b.docNo }))),
    process: rowsForm('process', f.process.map((s) => ({ name: s.name, from: s.from ?? '', to: s.to ?? '' }))),
    problems: rowsForm('problems', f.problems.map((p) => ({ id: p.id, text: p.text, cause: p.cause, indicatorIds: [...p.indicatorIds] }))),
    suggestions: rowsForm('suggestions', f.suggestions.map((s) => ({ id: s.id, text: s.text, problemIds: [...s.problemIds] }))),
  };
}

/** The posted values of a form, as the form shows them again when refused. */
export function postedForm(part: FactPart, body: Record<string, unknown>): Form {
  if (part === 'basics') return { ...fieldsOf(body, BASICS), methods: list(body.methods) };
  if (part === 'goals') return fieldsOf(body, ['goals']);
  const count = Math.min(Math.max(Number(text(body.rows)) || 0, 0), 60);
  const form: Form = { rows: String(count) };
  for (let i = 0; i < count; i++) {
    for (const f of ROW_FIELDS[part]) form[`${f}.${i}`] = text(body[`${f}.${i}`]);
    if (part === 'problems' || part === 'suggestions') form[`${ROW_LISTS[part]}.${i}`] = list(body[`${ROW_LISTS[part]}.${i}`]);
  }
  return form;
}

const one = (form: Form, name: string): string => {
  const v = form[name];
  return typeof v === 'string' ? v : '';
};

/**
 * The service's input for one form, and for list forms the form row of each item sent (blank rows
 * are not sent), so an error on item k can be shown on the row it came from.
 */
export function factsInput(part: FactPart, form: Form): { input: Record<string, unknown>; rows: number[] } {
  switch (part) {
    case 'basics': {
      const input: Record<string, unknown> = {};
      for (const k of BASICS) input[k] = one(form, k);
      input.reportDate = one(form, 'reportDate').trim() || null;
      input.methods = Array.isArray(form.methods) ? form.methods : [];
      return { input, rows: [] };
    }
    case 'goals':
      return { input: { goals: one(form, 'goals').split(/\r?\n/).map((l) => l.trim()).filter(Boolean) }, rows: [] };
    default: {
      const count = Number(one(form, 'rows')) || 0;
      const items: Record<string, unknown>[] = [];
      const rows: number[] = [];
      for (let i = 0; i < count; i++) {
        const get = (f: string) => one(form, `${f}.${i}`).trim();
        const links = Array.isArray(form[`${part === 'problems' ? 'indicatorIds' : 'problemIds'}.${i}`]) ? (form[`${part === 'problems' ? 'indicatorIds' : 'problemIds'}.${i}`] as string[]) : [];
        let item: Record<string, unknown> | null = null;
        if (part === 'bases') item = get('title') || get('docNo') ? { title: get('title'), docNo: get('docNo') } : null;
        if (part === 'process') item = get('name') || get('from') || get('to') ? { name: get('name'), from: get('from') || null, to: get('to') || null } : null;
        if (part === 'problems') item = get('text') || get('cause') ? { ...(get('id') ? { id: get('id') } : {}), text: get('text'), cause: get('cause'), indicatorIds: links } : null;
        if (part === 'suggestions') item = get('text') ? { ...(get('id') ? { id: get('id') } : {}), text: get('text'), problemIds: links } : null;
        if (item) {
          items.push(item);
          rows.push(i);
        }
      }
      return { input: { [part]: items }, rows };
    }
  }
}

/** Field errors of list items (bases.2.title) moved to the row they were typed in (title.5). */
export function rowErrors(part: FactPart, errors: Record<string, string>, rows: number[]): Record<string, string> {
  if (part === 'basics' || part === 'goals') return errors;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(errors)) {
    const m = new RegExp(`^${part}\\.(\\d+)\\.(\\w+)`).exec(k);
    if (m) out[`${m[2]}.${rows[Number(m[1])] ?? m[1]}`] ??= v;
    else out[k] = v;
  }
  return out;
}

/** The indicator facts form. */
export const indicatorFactsForm = (f: { explanation: string; criteria: string; surveyRefs: { id: string }[] }): Form => ({
  explanation: f.explanation,
  criteria: f.criteria,
  surveyRefs: f.surveyRefs.map((r) => r.id),
});

/** An expert's sheet as typed: one field per indicator, named score.<id>; empty takes the score off. */
export function sheetInput(body: Record<string, unknown>, ids: readonly string[]): { values: Form; input: { scores: Record<string, number | string | null> } } {
  const values: Form = {};
  const scores: Record<string, number | string | null> = {};
  for (const id of ids) {
    const typed = text(body[`score.${id}`]);
    values[`score.${id}`] = typed;
    const v = numberOrText(typed);
    scores[id] = v === undefined ? null : v;
  }
  return { values, input: { scores } };
}
