import type { SurveyResponse } from '../../models/response';
import type { Question } from '../../models/survey';
import { isValidState } from '../domain/quality';
import { tallyState } from '../domain/tally';
import { NotFoundError, ValidationError } from '../errors';
import type { ResponseFilter } from '../store/store';
import type { Actor, Deps } from './context';
import { restrictSites } from './permissions';
import { allQuestions, type Filters } from './statistics';
import { getSurvey } from './surveys';

/** The store filter for dashboard filters, narrowed to the stations the actor may see. */
export function responseFilter(actor: Actor, surveyId: string, f: Filters): ResponseFilter {
  return {
    surveyId,
    siteIds: restrictSites(actor, f.sites),
    dayFrom: f.from,
    dayTo: f.to,
    channels: f.channels,
    segments: f.segments,
  };
}

export interface CommentRow {
  response: SurveyResponse;
  question: Question;
  text: string;
  valid: boolean;
}

/** 意见建议: responses with text answers (containing `search`, if given), newest first, paged. */
export async function listComments(deps: Deps, actor: Actor, surveyId: string, f: Filters, options: { search: string; page: number; pageSize: number }) {
  const survey = await getSurvey(deps, surveyId);
  const textQuestions = (await allQuestions(deps, survey)).filter((q) => q.type === 'text');
  const filter: ResponseFilter = { ...responseFilter(actor, surveyId, f), textQuestionIds: textQuestions.map((q) => q.id), textContains: options.search };
  const [total, responses] = await Promise.all([
    deps.store.responses.count(filter),
    deps.store.responses.list(filter, { limit: options.pageSize, offset: (options.page - 1) * options.pageSize, newestFirst: true }),
  ]);
  const rules = survey.settings.qualityRules;
  const rows: CommentRow[] = [];
  for (const r of responses) {
    for (const q of textQuestions) {
      const text = r.answers[q.id];
      if (typeof text === 'string' && text !== '') rows.push({ response: r, question: q, text, valid: isValidState(tallyState(r), rules) });
    }
  }
  return { survey, total, rows, pages: Math.max(1, Math.ceil(total / options.pageSize)) };
}

/** A cross-tab that tallies cannot answer (question × question): streams the chosen responses. */
export async function crossTab(deps: Deps, actor: Actor, surveyId: string, f: Filters, rowId: string, colId: string) {
  const survey = await getSurvey(deps, surveyId);
  const questions = await allQuestions(deps, survey);
  const rowQ = questions.find((q) => q.id === rowId);
  const colQ = questions.find((q) => q.id === colId);
  const tabulable = (q?: Question) => !!q && ['likert5', 'single', 'multi', 'rating', 'nps'].includes(q.type);
  if (!rowQ || !colQ) throw new NotFoundError();
  if (!tabulable(rowQ) || !tabulable(colQ)) throw new ValidationError({ row: { key: 'stats.crossTabTypes' } });
  const values = (q: Question, a: unknown): string[] => (a === undefined ? [] : Array.isArray(a) ? a.map(String) : [String(a)]);
  const counts = new Map<string, number>();
  let responses = 0;
  for await (const r of deps.store.responses.stream(responseFilter(actor, surveyId, f))) {
    if (f.mode === 'valid' && !isValidState(tallyState(r), survey.settings.qualityRules)) continue;
    const rv = values(rowQ, r.answers[rowQ.id]);
    const cv = values(colQ, r.answers[colQ.id]);
    if (!rv.length || !cv.length) continue;
    responses++;
    for (const a of rv) for (const b of cv) counts.set(`${a}\u0001${b}`, (counts.get(`${a}\u0001${b}`) ?? 0) + 1);
  }
  const axis = (q: Question) => {
    if (q.type === 'rating' || q.type === 'nps') {
      const out = [];
      for (let v = q.type === 'nps' ? 0 : (q.min ?? 1); v <= (q.type === 'nps' ? 10 : (q.max ?? 5)); v++) out.push({ id: String(v), label: String(v) });
      return out;
    }
    return q.type === 'likert5' && q.allowNotApplicable ? [...q.options, { id: 'na', label: q.notApplicableLabel }] : q.options;
  };
  const rows = axis(rowQ);
  const cols = axis(colQ);
  return {
    row: { id: rowQ.id, text: rowQ.text, options: rows },
    col: { id: colQ.id, text: colQ.text, options: cols },
    cells: rows.map((r) => cols.map((c) => counts.get(`${r.id}\u0001${c.id}`) ?? 0)),
    responses,
  };
}
