import type { AnalysisTable, EvaluationData, FundingRates, Scorecard, ScorecardNode } from '../evaluation';
import { checkFunding, formatAmount, FUNDING_PARTS, toAmountUnits } from '../funding';
import { evaluationText, type EvaluationLocale } from '../scoring-rules';
import { expertResults, summarisePanel, type PanelSummary } from '../experts';
import { formatNumber, formatPercent, formatScore, roundTo, toHundredths } from '../grading';
import { leavesOf } from '../evaluation-tree';
import { localDateTime, zoneName } from '../time';
import { EVALUATION_METHODS, indicatorFactsOf, paragraphsOf, type ReportFacts } from './facts';
import type { Block, Cell, ChartBlock, ParagraphBlock, ReportDocument, Section, TableBlock } from './model';
import type { QuestionRow, SurveySnapshot } from './satisfaction';
import { lastChange, rectificationItems, statusCounts } from '../rectification';
import { bare, countWord, formatDay, formatMonth, formatSpan, isReportKey, joinItems, ordinalSeries, reportText, sectionNumber, sentence, type ReportText } from './text';

/**
 * Composes the report (one ReportDocument) from an evaluation's facts and the figures manyi
 * computes. Pure: the service supplies the scorecard, the survey snapshots and the clock.
 */
export interface ReportInputs {
  locale: EvaluationLocale;
  name: string;
  isDemo: boolean;
  data: EvaluationData;
  scorecard: Scorecard;
  analysis: AnalysisTable;
  rates: FundingRates;
  /** The bound surveys' figures: frozen with the lock, else live. */
  surveys: SurveySnapshot[];
  /** Rule text of each bound indicator. */
  ruleTexts: Readonly<Record<string, string>>;
  timeZone: string;
  generatedAt: string;
  /** The evaluation's last save (used for the file's dates when it is not locked). */
  updatedAt: string;
  /** App path of the evaluation, the root of every source link. */
  base: string;
}

const cell = (text: string | string[], extra: Omit<Cell, 'text'> = {}): Cell => ({ text: Array.isArray(text) ? text : [text], ...extra });
const label = (text: string, extra: Omit<Cell, 'text'> = {}): Cell => cell(text, { header: true, ...extra });
const figure = (text: string, extra: Omit<Cell, 'text'> = {}): Cell => cell(text, { numeric: true, ...extra });
const para = (text: string, style: ParagraphBlock['style'] = 'body', source?: string): ParagraphBlock => ({ kind: 'paragraph', text, style, ...(source ? { source } : {}) });

/** Where each kind of figure can be checked in manyi. */
function sources(base: string) {
  return {
    funding: `${base}/settings#funding`,
    project: `${base}/settings#project`,
    scorecard: `${base}#analysis`,
    indicator: (id: string) => `${base}/indicators/${encodeURIComponent(id)}`,
    facts: (part: string) => `${base}/report/facts#${part}`,
    experts: `${base}/experts`,
    survey: (s: SurveySnapshot) => `/admin/stats/${encodeURIComponent(s.surveyId)}`,
  };
}

/** 核对提示: the funding figures that disagree, with the arithmetic that shows it (60 + 139 = 199 ≠ 189). */
export function fundingCheckLines(data: EvaluationData, t: ReportText): string[] {
  const f = data.funding;
  return checkFunding(f).map((p) => {
    switch (p.key) {
      case 'evaluation.funding.budgetParts':
      case 'evaluation.funding.receivedParts':
        return t(p.key === 'evaluation.funding.budgetParts' ? 'report.check.budgetParts' : 'report.check.receivedParts', { parts: String(p.params.parts), sum: String(p.params.sum), total: String(p.params.total) });
      case 'evaluation.funding.carriedOverMismatch':
        return t('report.check.carriedOver', { received: formatAmount(f.received.total), spent: formatAmount(f.spent), expected: formatAmount((toAmountUnits(f.received.total) - toAmountUnits(f.spent)) / 1e6), carriedOver: formatAmount(f.carriedOver) });
      default:
        return t('report.check.other', { text: isReportKey(p.key) ? t(p.key, p.params) : p.key });
    }
  });
}

/** The 指标体系 sentence, counted from the tree: 一级指标4个、二级指标11个、三级指标36个，决策等四个一级指标占比分别为15%、17%、34%、34%. */
export function indicatorSystemSentence(data: Pick<EvaluationData, 'tree'>, locale: EvaluationLocale): string {
  const t = reportText(locale);
  const dims = data.tree;
  const groups = dims.flatMap((d) => d.children);
  const leaves = leavesOf(dims);
  const total = dims.reduce((s, d) => s + toHundredths(d.points), 0);
  const shares = dims.map((d) => `${formatNumber(total ? (toHundredths(d.points) / total) * 100 : 0)}%`);
  if (!dims.length) return t('report.system.empty');
  return t('report.system.sentence', {
    names: joinItems(dims.map((d) => d.name), locale),
    dims: countWord(dims.length, locale),
    n1: dims.length,
    n2: groups.length,
    n3: leaves.length,
    first: dims[0]!.name,
    shares: joinItems(shares, locale),
  });
}

/** 评价依据 as numbered paragraphs: 1.《…》（甘民发〔2021〕125号）； … the last ending with 。 */
export function basesLines(facts: ReportFacts, locale: EvaluationLocale): string[] {
  return facts.bases.map((b, i, all) => {
    const last = i === all.length - 1;
    if (locale === 'en') return `${i + 1}. ${b.title}${b.docNo ? ` (${b.docNo})` : ''}${last ? '.' : ';'}`;
    return `${i + 1}.《${bare(b.title).replace(/^《|》$/g, '')}》${b.docNo ? `（${b.docNo}）` : ''}${last ? '。' : '；'}`;
  });
}

/** 评价办法 as printed: the listed methods in the list's order, then the others as written. */
export function methodsText(facts: ReportFacts, locale: EvaluationLocale): string {
  const t = reportText(locale);
  const listed = EVALUATION_METHODS.filter((m) => facts.methods.includes(m)).map((m) => t(`report.method.${m}`));
  const other = facts.methodsOther
    .split(/[、,，;；]/)
    .map((s) => bare(s))
    .filter(Boolean);
  const all = [...listed, ...other];
  return all.length ? sentence(joinItems(all, locale), locale) : '';
}

/** 绩效评价工作过程: the steps in order and the span of their dates: 接受委托任务、…、结果应用（2023年8月25日-10月20日）。 */
export function processText(facts: ReportFacts, locale: EvaluationLocale): string {
  const steps = facts.process;
  if (!steps.length) return '';
  const days = steps.flatMap((s) => [s.from, s.to]).filter((d): d is string => !!d).sort();
  const span = days.length ? formatSpan(days[0]!, days[days.length - 1]!, locale) : '';
  const names = joinItems(steps.map((s) => bare(s.name)), locale);
  return locale === 'en' ? `${names}${span ? ` (${span})` : ''}.` : `${names}${span ? `（${span}）` : ''}。`;
}

/** The expert sentence the report names the method and the number of experts with; '' without experts. */
export function expertSentence(summary: PanelSummary, locale: EvaluationLocale): string {
  if (summary.experts === 0) return '';
  const t = reportText(locale);
  const method = t(summary.method === 'trimmedMean' ? 'report.experts.trimmedMean' : 'report.experts.mean');
  const consensus = summary.agreed ? t('report.experts.agreed', { threshold: formatNumber(summary.threshold), n: summary.agreed }) : t('report.experts.noneAgreed', { threshold: formatNumber(summary.threshold) });
  return t('report.experts.sentence', { n: summary.experts, method, consensus });
}

/** The satisfaction paragraph of one survey: period, stations, sample, index and rate with intervals, method, exclusions. */
export function satisfactionParagraph(s: SurveySnapshot, locale: EvaluationLocale): string {
  const t = reportText(locale);
  const period = s.firstDay ? formatSpan(s.firstDay, s.lastDay, locale) : t('report.survey.noPeriod');
  const interval = (ci: [number, number] | null, unit = '') => (ci ? t('report.survey.ci', { low: `${formatNumber(ci[0])}${unit}`, high: `${formatNumber(ci[1])}${unit}` }) : '');
  const validRate = s.received ? formatPercent(s.valid / s.received) : '—';
  const parts = [
    t('report.survey.lead', { title: s.title, period, stations: s.stations, received: s.received, valid: s.valid, validRate }),
    s.recipients ? t('report.survey.coverage', { recipients: s.recipients, rate: s.responseRate === null ? '—' : `${formatNumber(s.responseRate)}%` }) : '',
    s.index === null
      ? t('report.survey.noFigures')
      : t(s.respondents === undefined ? 'report.survey.figures' : 'report.survey.figuresRespondents', {
          index: formatNumber(s.index),
          indexCi: s.insufficient ? t('report.survey.insufficient') : interval(s.indexCi),
          rate: s.rate === null ? '—' : `${formatNumber(s.rate)}%`,
          rateCi: s.insufficient ? '' : interval(s.rateCi, '%'),
          respondents: s.respondents ?? 0,
        }),
    methodSentence(s, t),
    t('report.survey.exclusions', { total: s.excluded + s.ruledOut, excluded: s.excluded, ruledOut: s.ruledOut }),
    t(s.adequate ? 'report.survey.adequate' : 'report.survey.inadequate', { required: s.required }),
    t('report.survey.annex'),
  ];
  return parts.filter(Boolean).join(locale === 'en' ? ' ' : '');
}

function methodSentence(s: SurveySnapshot, t: ReportText): string {
  const levels = [5, 4, 3, 2, 1] as const;
  const weights = levels.map((l, i) => `${t(`likert.${l}`)} ${formatNumber(s.weights[i] ?? 0)}`).join(t('report.listSep'));
  const satisfied = s.satisfiedLevels.map((l) => t(`likert.${l}` as 'likert.5')).join(t('report.listSep'));
  if (!s.estimator) return t('report.survey.method', { weights, satisfied });
  const estimator =
    s.estimator === 'stratified-population'
      ? t('report.survey.estimatorPopulation', { k: s.stationsAnswered })
      : t('report.survey.estimatorRespondents', { k: s.stationsAnswered, names: (s.missingPopulation ?? []).join(t('report.listSep')) || '—' });
  return t('report.survey.methodRespondents', { weights, threshold: formatNumber(s.threshold ?? 0), estimator });
}

/** The leaves of the tree, each with its dimension and group, in order. */
interface LeafRow {
  node: ScorecardNode;
  dimension: ScorecardNode;
  group: ScorecardNode;
}

function leafRows(card: Scorecard): LeafRow[] {
  const byId = new Map(card.nodes.map((n) => [n.id, n]));
  return card.nodes
    .filter((n) => n.leaf && n.level === 3)
    .map((node) => {
      const group = byId.get(node.parentId!)!;
      return { node, group, dimension: byId.get(group.parentId!)! };
    });
}

/** Whether a leaf lost points: scored below its points. */
export const lostPoints = (n: ScorecardNode) => n.score !== null && toHundredths(n.score) < toHundredths(n.points);

/** 扣分原因 of a leaf: a bound leaf's is its rule's explanation (derived); an ordinary leaf's is the evaluator's note. */
export function deductionReason(n: ScorecardNode, data: EvaluationData, locale: EvaluationLocale): string {
  if (!lostPoints(n)) return '';
  if (n.rule !== undefined) return n.explanation ? evaluationText(n.explanation, locale) : '';
  return (data.scores[n.id]?.note ?? '').trim();
}

export function compose(inputs: ReportInputs): ReportDocument {
  const { locale, data } = inputs;
  const t = reportText(locale);
  const src = sources(inputs.base);
  const facts = data.report;
  const card = inputs.scorecard;
  const leafIds = leavesOf(data.tree).map((n) => n.id);
  const panel = summarisePanel(data.experts, leafIds);
  const outline = facts.outline;
  const number = (i: number) => sectionNumber(i, locale);
  const heading = (i: number, key: Parameters<ReportText>[0]) => t('report.heading', { n: number(i), title: t(key) });
  const sub = (i: number, key: Parameters<ReportText>[0]): Block => ({ kind: 'heading', text: t('report.subheading', { n: countWord(i, locale), title: t(key) }) });

  const basics = basicsTable(inputs, t, src);
  const checks = fundingCheckLines(data, t).map((line) => para(line, 'check', src.funding));
  const goals = goalsTable(facts, locale, t, src);
  const conclusion = conclusionTable(inputs, t, src);
  const satisfaction = inputs.surveys.map((s) => para(satisfactionParagraph(s, locale), 'body', src.survey(s)));
  const provisional = card.complete ? [] : [para(t('report.provisional', { count: card.missing }), 'note', src.scorecard)];
  const problems = facts.problems.map((p, i) => para(`${i + 1}. ${sentence(p.text, locale)}`, 'item', src.facts('problems')));
  const suggestions = facts.suggestions.map((s, i) => para(`${i + 1}. ${s.text.trim()}`, 'item', src.facts('suggestions')));
  const zone = zoneName(inputs.timeZone, t('report.beijing'));
  const at = (iso: string) => `${localDateTime(iso, inputs.timeZone).slice(0, 16)}${t('report.zoneSuffix', { zone })}`;
  const rectification = rectificationBlocks(inputs, t, at);
  const other = [...paragraphsOf(facts.otherMatters).map((p) => para(p)), ...rectification];
  const none = (key: Parameters<ReportText>[0]) => [para(t(key), 'note')];

  const sections: Section[] = [];
  if (outline === 'reference') {
    sections.push(
      { id: 'basics', heading: heading(1, 'report.ref.basics'), blocks: [basics, ...checks] },
      { id: 'goals', heading: heading(2, 'report.ref.goals'), blocks: [goals] },
      { id: 'evaluation', heading: heading(3, 'report.ref.evaluation'), blocks: [evaluationTable(inputs, panel, t, src)] },
      { id: 'conclusion', heading: heading(4, 'report.ref.conclusion'), blocks: [conclusion, ...provisional, ...satisfaction] },
      { id: 'problems', heading: heading(5, 'report.ref.problems'), blocks: problems.length ? problems : none('report.none') },
      { id: 'suggestions', heading: heading(6, 'report.ref.suggestions'), blocks: suggestions.length ? suggestions : none('report.none') },
      { id: 'other', heading: heading(7, 'report.ref.other'), blocks: other.length ? other : none('report.noneOther') },
    );
  } else {
    const work: Block[] = [
      sub(1, 'report.mof.purposeScope'),
      ...[facts.purpose && t('report.mof.purpose', { text: bare(facts.purpose) }), data.project.subject && t('report.mof.subject', { text: data.project.subject }), facts.scope && t('report.mof.scope', { text: bare(facts.scope) })]
        .filter(Boolean)
        .map((s) => para(sentence(s as string, locale))),
      sub(2, 'report.row.bases'),
      ...(facts.bases.length ? basesLines(facts, locale).map((l) => para(l, 'item', src.facts('bases'))) : none('report.none')),
      sub(3, 'report.row.system'),
      para(indicatorSystemSentence(data, locale), 'body', `${inputs.base}/tree`),
      sub(4, 'report.row.methods'),
      para(methodsText(facts, locale) || t('report.none'), 'body', src.facts('basics')),
      ...(panel.experts ? [para(expertSentence(panel, locale), 'body', src.experts)] : []),
      sub(5, 'report.row.dataCollection'),
      ...(paragraphsOf(facts.dataCollection).map((p) => para(p)) as Block[]),
      sub(6, 'report.row.process'),
      ...(facts.process.length ? facts.process.map((s, i) => para(`${i + 1}. ${bare(s.name)}${s.from || s.to ? (locale === 'en' ? ` (${formatSpan(s.from, s.to, locale)})` : `（${formatSpan(s.from, s.to, locale)}）`) : ''}`, 'item', src.facts('process'))) : none('report.none')),
    ];
    const problemsWithCause = facts.problems.map((p, i) => para(`${i + 1}. ${sentence(p.text, locale)}${p.cause ? t('report.mof.cause', { text: sentence(p.cause, locale) }) : ''}`, 'item', src.facts('problems')));
    const experiences = paragraphsOf(facts.experiences).map((p) => para(p));
    sections.push(
      { id: 'basics', heading: heading(1, 'report.mof.basics'), blocks: [sub(1, 'report.mof.overview'), basics, ...checks, sub(2, 'report.mof.goals'), goals] },
      { id: 'work', heading: heading(2, 'report.mof.work'), blocks: work },
      { id: 'conclusion', heading: heading(3, 'report.mof.conclusion'), blocks: [conclusion, ...provisional, ...satisfaction, para(t('report.mof.seeAnnex'), 'note')] },
      { id: 'analysis', heading: heading(4, 'report.mof.analysis'), blocks: indicatorAnalysis(inputs, t, src) },
      {
        id: 'problems',
        heading: heading(5, 'report.mof.problems'),
        blocks: [sub(1, 'report.mof.experiences'), ...(experiences.length ? experiences : none('report.none')), sub(2, 'report.mof.problemsCauses'), ...(problemsWithCause.length ? problemsWithCause : none('report.none'))],
      },
      { id: 'suggestions', heading: heading(6, 'report.mof.suggestions'), blocks: suggestions.length ? suggestions : none('report.none') },
      { id: 'other', heading: heading(7, 'report.mof.other'), blocks: other.length ? other : none('report.noneOther') },
    );
  }

  const annexes: Section[] = [{ id: 'annex-1', heading: t('report.annex1.heading'), landscape: true, blocks: annexOne(inputs, panel, t, src) }];
  if (inputs.surveys.length) annexes.push({ id: 'annex-2', heading: t('report.annex2.heading'), blocks: inputs.surveys.flatMap((s, i) => annexTwo(s, i, inputs.surveys.length, locale, t, src)) });

  const lock = data.lock;
  const projectTitle = data.project.name.replace(/绩效评价(报告)?$/u, '') || data.project.name;
  return {
    lang: locale,
    title: t('report.docTitle', { name: projectTitle }),
    cover: {
      lines: [projectTitle],
      subtitle: t('report.cover.subtitle'),
      facts: [
        ...(data.project.evaluator ? [t('report.cover.evaluator', { name: data.project.evaluator })] : []),
        ...(facts.reportDate ? [t('report.cover.date', { date: formatMonth(facts.reportDate, locale) })] : []),
      ],
      demo: inputs.isDemo ? t('report.cover.demo') : null,
      state: lock ? t('report.cover.locked', { at: at(lock.at), by: lock.by }) : t('report.cover.live'),
    },
    generated: t('report.cover.generated', { at: at(inputs.generatedAt) }),
    fixedAt: lock ? lock.at : inputs.updatedAt,
    sections,
    annexes,
    pageLabel: t('report.page'),
  };
}

/**
 * 整改情况 for 七 其他需要说明的事项/问题: a lead sentence dated by the last change to any item, the
 * counts, and a table (序号 | 存在问题 | 责任单位 | 整改期限 | 整改状态). Overdue is not printed: it
 * would change the report from one day to the next; the rectification page shows it.
 */
function rectificationBlocks(inputs: ReportInputs, t: ReportText, at: (iso: string) => string): Block[] {
  const { data, locale } = inputs;
  const items = rectificationItems(data.report.problems, data.rectification, '');
  if (!items.length) return [];
  const changed = lastChange(data.rectification);
  const counts = statusCounts(items);
  const source = `${inputs.base}/rectification`;
  const status = (i: (typeof items)[number]) => (i.status === 'dropped' ? t('report.rect.dropped', { reason: bare(i.reason) }) : t(`rectification.status.${i.status}`));
  return [
    para(`${changed ? t('report.rect.lead', { at: at(changed) }) : t('report.rect.leadNone')}${t('report.rect.counts', { total: items.length, ...counts })}`, 'body', source),
    {
      kind: 'table',
      id: 'rectification',
      caption: t('report.rect.caption'),
      columns: [7, 45, 18, 14, 16],
      headerRows: 1,
      rows: [
        (['no', 'problem', 'unit', 'deadline', 'status'] as const).map((k) => label(t(`report.rect.col.${k}`), { align: 'center' })),
        ...items.map((i, n) => [
          figure(String(n + 1), { align: 'center' }),
          cell(`${bare(i.problem)}${i.carried ? t('report.rect.carried') : ''}`, { source }),
          cell(i.unit || '—'),
          figure(i.deadline ? formatDay(i.deadline, locale) : '—', { align: 'center' }),
          cell(status(i), { align: 'center' }),
        ]),
      ],
    },
  ];
}

function basicsTable(inputs: ReportInputs, t: ReportText, src: ReturnType<typeof sources>): TableBlock {
  const { data, rates } = inputs;
  const p = data.project;
  const f = data.funding;
  const amount = (v: number) => figure(formatAmount(v), { source: src.funding });
  const part = (key: 'central' | 'provincial' | 'municipal', first: boolean) => label(first ? t('report.funding.ofWhich', { part: t(`report.funding.${key}`) }) : t(`report.funding.${key}`));
  const rows: Cell[][] = [
    [label(t('report.basics.group'), { rowSpan: 4 }), label(t('report.basics.name')), cell(p.name, { colSpan: 3, source: src.project })],
    [label(t('report.basics.period')), cell(p.period), label(t('report.basics.type')), cell(data.report.evaluationType)],
    [label(t('report.basics.commissioner')), cell(p.commissioner), label(t('report.basics.evaluator')), cell(p.evaluator)],
    [label(t('report.basics.subject')), cell(p.subject, { colSpan: 3 })],
    [label(t('report.basics.purpose')), cell(paragraphsOf(data.report.purpose).length ? paragraphsOf(data.report.purpose) : [''], { colSpan: 4 })],
    [label(t('report.funding.group'), { rowSpan: 6 }), label(t('report.funding.budget')), amount(f.budget.total), label(t('report.funding.received')), amount(f.received.total)],
    ...FUNDING_PARTS.map((key, i): Cell[] => [part(key, i === 0), amount(f.budget[key]), part(key, i === 0), amount(f.received[key])]),
    [label(t('report.funding.spent')), amount(f.spent), label(t('report.funding.carriedOver')), amount(f.carriedOver)],
    [label(t('report.funding.executionRate')), figure(formatPercent(rates.executionRate), { colSpan: 3, align: 'left', source: src.funding })],
  ];
  return { kind: 'table', id: 'basics', caption: t('report.basics.caption'), columns: [14, 19, 24, 19, 24], headerRows: 0, rows };
}

function goalsTable(facts: ReportFacts, locale: EvaluationLocale, t: ReportText, src: ReturnType<typeof sources>): TableBlock {
  return {
    kind: 'table',
    id: 'goals',
    caption: t('report.goals.caption'),
    columns: [18, 82],
    headerRows: 0,
    rows: [[label(t('report.goals.label')), cell(ordinalSeries(facts.goals, locale) || t('report.none'), { source: src.facts('goals') })]],
  };
}

function evaluationTable(inputs: ReportInputs, panel: PanelSummary, t: ReportText, src: ReturnType<typeof sources>): TableBlock {
  const { data, locale } = inputs;
  const facts = data.report;
  const methods = [methodsText(facts, locale), expertSentence(panel, locale)].filter(Boolean);
  const orNone = (lines: string[]) => (lines.length ? lines : [t('report.none')]);
  return {
    kind: 'table',
    id: 'evaluation',
    caption: t('report.evaluation.caption'),
    columns: [22, 78],
    headerRows: 0,
    rows: [
      [label(t('report.row.scope')), cell(orNone(paragraphsOf(facts.scope)), { source: src.facts('basics') })],
      [label(t('report.row.bases')), cell(orNone(basesLines(facts, locale)), { source: src.facts('bases') })],
      [label(t('report.row.system')), cell(indicatorSystemSentence(data, locale), { source: `${inputs.base}/tree` })],
      [label(t('report.row.methods')), cell(orNone(methods), { source: src.facts('basics') })],
      [label(t('report.row.dataCollection')), cell(orNone(paragraphsOf(facts.dataCollection)))],
      [label(t('report.row.process')), cell(orNone([processText(facts, locale)].filter(Boolean)), { source: src.facts('process') })],
    ],
  };
}

/** 综合评价结论 (score and grade) and 绩效分析 (得分率 by dimension and 合计) in one table, as the reference prints them. */
function conclusionTable(inputs: ReportInputs, t: ReportText, src: ReturnType<typeof sources>): TableBlock {
  const card = inputs.scorecard;
  const a = inputs.analysis;
  // 综合评价结论 | 评价得分 | 80.15 分 | 评价等级 | 良 above 绩效分析 | 指标 | 决策 … | 合计: as many columns as the second row.
  const width = Math.max(a.columns.length + 3, 5);
  const totalSpan = width - 2 - a.columns.length;
  const rates = a.rows.find((r) => r.kind === 'rate')!;
  const scoreSpan = Math.floor((width - 1) / 2);
  const gradeSpan = width - 1 - scoreSpan;
  const scoreLabel = scoreSpan - 1;
  const gradeLabel = gradeSpan - 1;
  const span = (n: number) => (n > 1 ? { colSpan: n } : {});
  return {
    kind: 'table',
    id: 'conclusion',
    caption: t('report.conclusion.caption'),
    columns: [16, ...Array.from({ length: width - 1 }, () => 84 / (width - 1))],
    headerRows: 0,
    rows: [
      [
        label(t('report.conclusion.label')),
        label(t('report.conclusion.score'), { ...span(scoreLabel), align: 'center' }),
        figure(t('report.points', { score: formatScore(card.total) }), { align: 'center', source: src.scorecard }),
        label(t('report.conclusion.grade'), { ...span(gradeLabel), align: 'center' }),
        cell(t(`evaluation.grade.${card.grade}`), { align: 'center', source: src.scorecard }),
      ],
      [
        label(t('report.analysis.label'), { rowSpan: 2 }),
        label(t('evaluation.table.indicator'), { align: 'center' }),
        ...a.columns.map((c) => label(c.name, { align: 'center' })),
        label(t('evaluation.table.total'), { ...span(totalSpan), align: 'center' }),
      ],
      [
        label(t('evaluation.table.rate'), { align: 'center' }),
        ...rates.text.map((v, i) => figure(v, { align: 'center', source: src.scorecard, ...(i === rates.text.length - 1 ? span(totalSpan) : {}) })),
      ],
    ],
  };
}

/** The 2020 outline's 四 绩效评价指标分析: each dimension's score and rate, and every indicator that lost points with its reason. */
function indicatorAnalysis(inputs: ReportInputs, t: ReportText, src: ReturnType<typeof sources>): Block[] {
  const { locale, data } = inputs;
  const rows = leafRows(inputs.scorecard);
  const blocks: Block[] = [];
  inputs.scorecard.dimensions.forEach((d, i) => {
    blocks.push({ kind: 'heading', text: t('report.subheading', { n: countWord(i + 1, locale), title: t('report.mof.dimension', { name: d.name }) }) });
    blocks.push(para(t('report.mof.dimensionLine', { name: d.name, points: formatNumber(d.points), score: formatScore(d.score), rate: formatPercent(d.rate) }), 'body', src.scorecard));
    const lost = rows.filter((r) => r.dimension.id === d.id && lostPoints(r.node));
    for (const r of lost) {
      const reason = deductionReason(r.node, data, locale);
      blocks.push(para(t('report.mof.lost', { name: r.node.name, points: formatNumber(r.node.points), score: formatScore(r.node.score), reason: reason ? sentence(reason, locale) : t('report.annex.reasonMissing') }), 'body', src.indicator(r.node.id)));
    }
    if (!lost.length) blocks.push(para(t('report.mof.noneLost'), 'body'));
  });
  return blocks;
}

/** Annex 1: 指标体系及评分表, the hierarchy as merged cells, a subtotal per dimension and the total. */
function annexOne(inputs: ReportInputs, panel: PanelSummary, t: ReportText, src: ReturnType<typeof sources>): Block[] {
  const { data, locale } = inputs;
  const card = inputs.scorecard;
  const rows = leafRows(card);
  const table: Cell[][] = [
    ['annex.col.dimension', 'annex.col.group', 'annex.col.indicator', 'annex.col.points', 'annex.col.explanation', 'annex.col.criteria', 'annex.col.score', 'annex.col.reason', 'annex.col.evidence'].map((k) =>
      label(t(`report.${k}` as Parameters<ReportText>[0]), { align: 'center' }),
    ),
  ];
  const count = (pred: (r: LeafRow) => boolean) => rows.filter(pred).length;
  for (const dim of card.dimensions) {
    const inDim = rows.filter((r) => r.dimension.id === dim.id);
    inDim.forEach((r, i) => {
      const row: Cell[] = [];
      if (i === 0) row.push(label(r.dimension.name, { rowSpan: inDim.length, align: 'center' }));
      if (i === 0 || inDim[i - 1]!.group.id !== r.group.id) row.push(label(r.group.name, { rowSpan: count((x) => x.group.id === r.group.id), align: 'center' }));
      const n = r.node;
      const f = indicatorFactsOf(data.report, n.id);
      const criteria = n.rule !== undefined ? [t('report.annex.ruleCriteria', { rule: inputs.ruleTexts[n.id] ?? '' }), ...paragraphsOf(f.criteria)] : paragraphsOf(f.criteria);
      const reason = lostPoints(n) ? deductionReason(n, data, locale) || t('report.annex.reasonMissing') : '';
      const evidence = [
        ...f.files.map((file) => file.name),
        ...(n.rule !== undefined ? inputs.surveys.filter((s) => s.indicatorIds.includes(n.id)).map((s) => t('report.annex.surveyEvidence', { title: s.title })) : []),
        ...f.surveyRefs.map((ref) => t('report.annex.surveyRef', { title: ref.title })),
      ];
      row.push(
        cell(n.name, { source: src.indicator(n.id) }),
        figure(formatNumber(n.points), { align: 'center' }),
        cell(paragraphsOf(f.explanation).length ? paragraphsOf(f.explanation) : ['']),
        cell(criteria.length ? criteria : ['']),
        figure(n.score === null ? '—' : formatScore(n.score), { align: 'center', source: src.indicator(n.id) }),
        cell(reason ? paragraphsOf(reason) : ['']),
        cell(evidence.length ? evidence : ['']),
      );
      table.push(row);
    });
    table.push([
      label(t('report.annex.subtotal', { name: dim.name }), { colSpan: 3 }),
      figure(formatNumber(dim.points), { align: 'center' }),
      cell('', { colSpan: 2 }),
      figure(formatScore(dim.score), { align: 'center', source: src.scorecard }),
      cell(t('report.annex.rate', { rate: formatPercent(dim.rate) }), { colSpan: 2 }),
    ]);
  }
  table.push([
    label(t('evaluation.table.total'), { colSpan: 3 }),
    figure(formatNumber(card.points), { align: 'center' }),
    cell('', { colSpan: 2 }),
    figure(formatScore(card.total), { align: 'center', source: src.scorecard }),
    cell(t('report.annex.totalNote', { rate: formatPercent(card.rate), grade: t(`evaluation.grade.${card.grade}`) }), { colSpan: 2 }),
  ]);
  const blocks: Block[] = [{ kind: 'table', id: 'annex-1-table', caption: t('report.annex1.caption'), columns: [7, 8, 11, 5, 19, 20, 6, 13, 11], headerRows: 1, rows: table, dense: true }];
  if (panel.experts) {
    blocks.push(para(expertSentence(panel, locale), 'note', src.experts));
    const agreed = expertResults(data.experts, leavesOf(data.tree).map((n) => n.id)).filter((r) => r.consensus);
    const names = new Map(card.nodes.map((n) => [n.id, n.name]));
    if (agreed.length) blocks.push(para(t('report.experts.agreedList', { names: joinItems(agreed.map((r) => names.get(r.indicatorId) ?? r.indicatorId), locale) }), 'note', src.experts));
  }
  return blocks;
}

const LEVEL_COLOURS = ['#1a7f37', '#74b84a', '#d9c644', '#e8853a', '#c9372c'];

/** Annex 2 for one survey: sample, method, per-station table and chart, per-question distributions and chart, data quality. */
function annexTwo(s: SurveySnapshot, index: number, count: number, locale: EvaluationLocale, t: ReportText, src: ReturnType<typeof sources>): Block[] {
  const head = (i: number, key: Parameters<ReportText>[0]): Block => ({ kind: 'heading', text: t('report.subheading', { n: countWord(i, locale), title: t(key) }) });
  const ci = (c: [number, number] | null, unit = '') => (c ? `${formatNumber(c[0])}${unit}–${formatNumber(c[1])}${unit}` : '—');
  const v = (x: number | null, unit = '') => (x === null ? '—' : `${formatNumber(x)}${unit}`);
  const id = (what: string) => `annex-2-${index + 1}-${what}`;
  const blocks: Block[] = [];
  if (count > 1) blocks.push({ kind: 'heading', text: t('report.annex2.survey', { n: index + 1, title: s.title }) });
  if (s.isDemo) blocks.push(para(t('report.annex2.demo'), 'note'));

  blocks.push(head(1, 'report.annex2.sample'));
  blocks.push({
    kind: 'table',
    id: id('sample'),
    caption: t('report.annex2.sample'),
    columns: [30, 70],
    headerRows: 0,
    rows: [
      [label(t('report.annex2.title')), cell(s.title, { source: src.survey(s) })],
      [label(t('report.annex2.period')), cell(s.firstDay ? formatSpan(s.firstDay, s.lastDay, locale) : '—')],
      [label(t('report.annex2.stations')), figure(t('report.annex2.stationsValue', { stations: s.stations, answered: s.stationsAnswered }), { align: 'left' })],
      [label(t('report.annex2.received')), figure(String(s.received), { align: 'left', source: src.survey(s) })],
      [label(t('report.annex2.valid')), figure(t('report.annex2.validValue', { valid: s.valid, rate: s.received ? formatPercent(s.valid / s.received) : '—' }), { align: 'left', source: src.survey(s) })],
      [label(t('report.annex2.recipients')), figure(s.recipients === null ? '—' : t('report.annex2.recipientsValue', { recipients: s.recipients, rate: v(s.responseRate, '%') }), { align: 'left' })],
      [label(t('report.annex2.index')), figure(t('report.annex2.withCi', { value: v(s.index), ci: ci(s.indexCi) }), { align: 'left', source: src.survey(s) })],
      [label(t('report.annex2.rate')), figure(t('report.annex2.withCi', { value: v(s.rate, '%'), ci: ci(s.rateCi, '%') }), { align: 'left', source: src.survey(s) })],
      [label(t('report.annex2.adequacy')), cell(t(s.adequate ? 'report.annex2.adequate' : 'report.annex2.inadequate', { required: s.required }))],
    ],
  });

  blocks.push(head(2, 'report.annex2.method'));
  blocks.push(para(methodSentence(s, t)));
  blocks.push(para(t(s.estimator ? 'report.annex2.methodCiRespondents' : 'report.annex2.methodCi')));
  blocks.push(para(t(s.allocation === 'proportional' ? 'report.annex2.methodSampleAllocated' : s.allocation === 'neyman' ? 'report.annex2.methodSampleNeyman' : 'report.annex2.methodSample')));

  blocks.push(head(3, 'report.annex2.byStation'));
  const stations = s.stationRows;
  if (stations.length) {
    blocks.push({
      kind: 'chart',
      id: id('stations-chart'),
      title: t('report.annex2.stationChart'),
      alt: t('report.annex2.stationChartAlt', { n: stations.length }),
      chart: {
        horizontal: true,
        stacked: false,
        labels: stations.map((r) => r.name),
        datasets: [{ label: t('report.annex2.index'), data: stations.map((r) => r.index), colour: '#0b5d3b' }],
        valueTitle: t('report.annex2.indexAxis'),
        min: 0,
        max: 100,
        legend: false,
      },
    });
    blocks.push({
      kind: 'table',
      id: id('stations'),
      caption: t('report.annex2.byStation'),
      columns: [26, 10, 10, 10, 12, 16, 16],
      headerRows: 1,
      dense: true,
      rows: [
        ['station', 'received', 'valid', 'index', 'indexCi', 'rate', 'sample'].map((k) => label(t(`report.annex2.col.${k}` as Parameters<ReportText>[0]), { align: 'center' })),
        ...stations.map((r) => [
          cell(r.name),
          figure(String(r.received)),
          figure(String(r.valid)),
          figure(v(r.index)),
          figure(ci(r.indexCi)),
          figure(t('report.annex2.withCi', { value: v(r.rate, '%'), ci: ci(r.rateCi, '%') })),
          cell(t(r.adequate ? 'report.annex2.stationAdequate' : 'report.annex2.stationInadequate', { required: r.required })),
        ]),
      ],
    });
  } else blocks.push(para(t('report.none'), 'note'));

  blocks.push(head(4, 'report.annex2.questions'));
  const likert = s.questions.filter((q) => q.type === 'likert5');
  if (likert.length) {
    blocks.push(distributionChart(likert, id('questions-chart'), t));
    blocks.push({
      kind: 'table',
      id: id('questions'),
      caption: t('report.annex2.questions'),
      columns: [30, 10, 10, 10, 10, 10, 10, 10],
      headerRows: 1,
      dense: true,
      rows: [
        [label(t('report.annex2.col.question')), ...([5, 4, 3, 2, 1] as const).map((l) => label(t(`likert.${l}`), { align: 'center' })), label(t('report.annex2.col.index'), { align: 'center' }), label(t('report.annex2.col.rate'), { align: 'center' })],
        ...likert.map((q, i) => [
          cell(`${i + 1}. ${q.text}`),
          ...q.options.slice(0, 5).map((o) => figure(t('report.annex2.countShare', { count: o.count, share: v(o.share, '%') }))),
          figure(v(q.index)),
          figure(v(q.rate, '%')),
        ]),
      ],
    });
    const na = likert.filter((q) => q.options.length > 5 && q.options[5]!.count > 0).map((q) => t('report.annex2.naLine', { question: q.text, count: q.options[5]!.count }));
    if (na.length) blocks.push(para(t('report.annex2.na', { list: na.join(t('report.listSep')) }), 'note'));
  }
  for (const q of s.questions.filter((x) => x.type !== 'likert5')) {
    blocks.push({
      kind: 'table',
      id: id(`q-${q.id}`),
      caption: q.text,
      columns: [60, 20, 20],
      headerRows: 1,
      dense: true,
      rows: [
        [label(q.text), label(t('report.annex2.col.count'), { align: 'center' }), label(t('report.annex2.col.share'), { align: 'center' })],
        ...q.options.map((o) => [cell(o.label), figure(String(o.count)), figure(v(o.share, '%'))]),
      ],
    });
    if (q.type === 'multi') blocks.push(para(t('report.annex2.multiNote'), 'note'));
  }
  if (!s.questions.length) blocks.push(para(t('report.none'), 'note'));

  blocks.push(head(5, 'report.annex2.quality'));
  const flags = Object.entries(s.flags)
    .filter(([, n]) => n > 0)
    .map(([flag, n]) => t('report.annex2.flagLine', { flag: flagName(flag, t), n, counted: s.qualityRules.includes(flag) ? t('report.annex2.ruleOn') : t('report.annex2.ruleOff') }));
  blocks.push(para(t('report.annex2.qualityLine', { received: s.received, valid: s.valid, excluded: s.excluded, ruledOut: s.ruledOut })));
  blocks.push(para(flags.length ? t('report.annex2.flags', { list: flags.join(t('report.listSep')) }) : t('report.annex2.noFlags')));
  blocks.push(para(t('report.annex2.computedAt', { at: s.computedAt.slice(0, 10) }), 'note'));
  return blocks;
}

function flagName(flag: string, t: ReportText): string {
  const key = `flag.${flag}`;
  return ['flag.speeder', 'flag.straightline', 'flag.burst', 'flag.multisite'].includes(key) ? t(key as 'flag.speeder') : flag;
}

/** Each Likert question's answers as a 100% stacked bar, one colour per level (green satisfied → red dissatisfied). */
function distributionChart(questions: QuestionRow[], id: string, t: ReportText): ChartBlock {
  const levels = [5, 4, 3, 2, 1] as const;
  return {
    kind: 'chart',
    id,
    title: t('report.annex2.questionsChart'),
    alt: t('report.annex2.questionsChartAlt', { n: questions.length }),
    chart: {
      horizontal: true,
      stacked: true,
      labels: questions.map((q, i) => `${i + 1}. ${q.text.length > 24 ? `${q.text.slice(0, 23)}…` : q.text}`),
      datasets: levels.map((l, i) => ({ label: t(`likert.${l}`), data: questions.map((q) => (q.options[i]?.share === null || q.options[i] === undefined ? null : roundTo(q.options[i]!.share!, 2))), colour: LEVEL_COLOURS[i]! })),
      valueTitle: t('report.annex2.shareAxis'),
      min: 0,
      max: 100,
      legend: true,
    },
  };
}

