import type { SurveyResponse } from '../../models/response';
import type { Question } from '../../models/survey';
import { crossTabPercentages, independenceTest } from '../domain/crosstab';
import { countingStatus, isValidState, type CountingStatus } from '../domain/quality';
import { tallyState } from '../domain/tally';
import { NotFoundError, ValidationError } from '../errors';
import type { ResponseFilter } from '../store/store';
import type { Actor, Deps } from './context';
import { restrictSites } from './permissions';
import { userNames } from './response-detail';
import { allQuestions, computeDashboard, type Filters } from './statistics';
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
  status: CountingStatus;
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
      if (typeof text === 'string' && text !== '') {
        const status = countingStatus(r, rules);
        rows.push({ response: r, question: q, text, valid: status.counts, status });
      }
    }
  }
  const names = await userNames(deps, responses.map((r) => r.reviewedBy));
  return { survey, total, rows, names, pages: Math.max(1, Math.ceil(total / options.pageSize)) };
}

/** The data-quality page's lists: flagged and left to the rules (to review), excluded, kept, or all. */
export const REVIEW_TABS = ['review', 'excluded', 'kept', 'all'] as const;
export type ReviewTab = (typeof REVIEW_TABS)[number];

export function reviewTab(value: unknown): ReviewTab {
  // 'flagged' is what the first version of the page called the review list.
  if (value === 'flagged') return 'review';
  return (REVIEW_TABS as readonly unknown[]).includes(value) ? (value as ReviewTab) : 'review';
}

const TAB_FILTER: Record<ReviewTab, Pick<ResponseFilter, 'flagged' | 'review'>> = {
  review: { flagged: true, review: 'auto' },
  excluded: { review: 'excluded' },
  kept: { review: 'kept' },
  all: {},
};

/**
 * One page of the data-quality list with each response's counting status, and the counts at the
 * top from computeDashboard (the same numbers as the overview).
 */
export async function listForReview(deps: Deps, actor: Actor, surveyId: string, f: Filters, options: { tab: ReviewTab; page: number; pageSize: number }) {
  const survey = await getSurvey(deps, surveyId);
  const filter: ResponseFilter = { ...responseFilter(actor, surveyId, f), ...TAB_FILTER[options.tab] };
  const [total, responses, stats] = await Promise.all([
    deps.store.responses.count(filter),
    deps.store.responses.list(filter, { limit: options.pageSize, offset: (options.page - 1) * options.pageSize, newestFirst: true }),
    computeDashboard(deps, actor, surveyId, { ...f, mode: 'valid' }),
  ]);
  const rules = survey.settings.qualityRules;
  const rows = responses.map((response) => ({ response, status: countingStatus(response, rules) }));
  const names = await userNames(deps, responses.map((r) => r.reviewedBy));
  return { survey, total, rows, names, quality: stats.quality, talliesAsOf: stats.talliesAsOf, pages: Math.max(1, Math.ceil(total / options.pageSize)) };
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
  const cells = rows.map((r) => cols.map((c) => counts.get(`${r.id}\u0001${c.id}`) ?? 0));
  // A multiple choice counts one person in several cells: the χ² test's independence of observations fails.
  const multi = rowQ.type === 'multi' || colQ.type === 'multi';
  return {
    row: { id: rowQ.id, text: rowQ.text, options: rows },
    col: { id: colQ.id, text: colQ.text, options: cols },
    cells,
    responses,
    ...crossTabPercentages(cells),
    multi,
    test: multi ? null : independenceTest(cells),
  };
}

/** What the statistics pages' filter form offers: the survey's stations this actor may see, and the segment options. */
export async function filterChoices(deps: Deps, actor: Actor, surveyId: string) {
  const survey = await getSurvey(deps, surveyId);
  const pubs = await deps.store.publications.listBySurvey(survey.id);
  const visible = restrictSites(actor, undefined);
  const sites = (await deps.store.sites.list({ ids: pubs.map((p) => p.siteId) })).filter((s) => !visible || visible.includes(s.id));
  const segmentQ = survey.questions.find((q) => q.id === survey.segmentQuestionId);
  return { survey, sites, segmentOptions: segmentQ?.options ?? [] };
}

/** Every survey, for the statistics index. */
export async function listSurveysForStats(deps: Deps) {
  return deps.store.surveys.list();
}

/**
 * One page of responses (the API), oldest first, each with its counting status: the valid ones in
 * mode 'valid' (as the statistics count them), every received one in mode 'raw'.
 */
export async function listResponses(deps: Deps, actor: Actor, surveyId: string, f: Filters, page: { limit: number; offset: number }) {
  const survey = await getSurvey(deps, surveyId);
  const filter: ResponseFilter = { ...responseFilter(actor, survey.id, f), ...(f.mode === 'valid' ? { validUnder: survey.settings.qualityRules } : {}) };
  const [total, responses] = await Promise.all([deps.store.responses.count(filter), deps.store.responses.list(filter, page)]);
  return { total, rows: responses.map((response) => ({ response, status: countingStatus(response, survey.settings.qualityRules) })) };
}
