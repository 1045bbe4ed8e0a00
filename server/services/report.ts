import crypto from 'node:crypto';
import { z } from 'zod';
import { idSchema, textSchema } from '../../models/common';
import { leavesOf, type EvaluationData, type EvaluationLocale } from '../domain/evaluation';
import { problemCandidates, type ProblemCandidate } from '../domain/report/candidates';
import { compose } from '../domain/report/compose';
import {
  basisSchema,
  EVIDENCE_FILES_PER_INDICATOR,
  EVIDENCE_MAX_BYTES,
  EVIDENCE_TYPES,
  evidenceExtension,
  indicatorFactsOf,
  matchesSignature,
  OUTLINES,
  problemSchema,
  processStepSchema,
  reportFactsSchema,
  suggestionSchema,
  type EvidenceFile,
  type ReportFacts,
} from '../domain/report/facts';
import type { ReportDocument } from '../domain/report/model';
import type { SurveySnapshot } from '../domain/report/satisfaction';
import { renderChartPng } from '../documents/report-charts';
import { renderReportDocx, type ChartImage } from '../documents/report-docx';
import { ConflictError, NotFoundError, ValidationError, type FieldErrors } from '../errors';
import { newId } from '../ids';
import { audit } from './audit';
import type { Actor, Deps } from './context';
import { bindingFilters, changeEvaluation, getEvaluation, scorecardModel, validBindings, type EvaluationWithProblems, type ScorecardModel } from './evaluations';
import { surveySnapshots } from './report-surveys';
import { parseInput } from './validate';

/**
 * The evaluation report (绩效评价报告): composing it from the evaluation (Word file and print page from
 * one document model), editing its facts, the candidates for 存在问题, and the evidence files of
 * Annex 1. Reading needs what reading the scorecard needs; writing what changing it needs, and a
 * locked evaluation refuses every change (see changeEvaluation).
 */

export interface ReportModel {
  scorecard: ScorecardModel;
  /** The bound surveys' figures: frozen with the lock, else live. */
  surveys: SurveySnapshot[];
  document: ReportDocument;
  candidates: ProblemCandidate[];
}

const stampSchema = z.string().min(1).max(40);

/** The report of an evaluation as its document model, with the scorecard it was composed from. */
export async function reportModel(deps: Deps, actor: Actor, id: string, locale: EvaluationLocale): Promise<ReportModel> {
  const scorecard = await scorecardModel(deps, actor, id, locale);
  const { data, record } = scorecard.evaluation;
  const surveys = data.lock ? (data.lock.surveys ?? []) : await surveySnapshots(deps, validBindings(data), bindingFilters);
  const ruleTexts = Object.fromEntries(Object.entries(scorecard.bound).map(([k, b]) => [k, b.ruleText]));
  const document = compose({
    locale,
    name: record.name,
    isDemo: record.isDemo,
    data,
    scorecard: scorecard.scored.scorecard,
    analysis: scorecard.analysis,
    rates: scorecard.funding,
    surveys,
    ruleTexts,
    timeZone: deps.config.timeZone,
    generatedAt: deps.clock().toISOString(),
    updatedAt: record.updatedAt,
    base: `/admin/evaluations/${encodeURIComponent(record.id)}`,
  });
  return { scorecard, surveys, document, candidates: problemCandidates(data, scorecard.scored.scorecard, surveys, locale) };
}

/** Every chart of a document as PNG, by block id (drawn once, used by both renderers). */
export async function chartImages(document: ReportDocument): Promise<Map<string, ChartImage>> {
  const out = new Map<string, ChartImage>();
  for (const section of [...document.sections, ...document.annexes]) {
    for (const block of section.blocks) if (block.kind === 'chart') out.set(block.id, await renderChartPng(block.chart));
  }
  return out;
}

/** The print page's model: the document and its charts as data: URLs. Audited as a print. */
export async function reportForPrint(deps: Deps, actor: Actor, id: string, locale: EvaluationLocale): Promise<ReportModel & { charts: Record<string, string> }> {
  const model = await reportModel(deps, actor, id, locale);
  const images = await chartImages(model.document);
  const charts = Object.fromEntries([...images].map(([k, v]) => [k, `data:image/png;base64,${v.png.toString('base64')}`]));
  await audit(deps, actor, 'report.print', { type: 'evaluation', id }, { outline: model.scorecard.evaluation.data.report.outline, locked: !!model.scorecard.evaluation.data.lock });
  return { ...model, charts };
}

/** The Word file of the report, and the name to download it as. Audited as a download. */
export async function reportDocx(deps: Deps, actor: Actor, id: string, locale: EvaluationLocale): Promise<{ buffer: Buffer; fileName: string; sha256: string }> {
  const model = await reportModel(deps, actor, id, locale);
  const buffer = await renderReportDocx(model.document, await chartImages(model.document));
  const { record, data } = model.scorecard.evaluation;
  const safe = record.name.replace(/[\\/:*?"<>|\r\n]/g, '_').slice(0, 60);
  const day = (data.lock?.at ?? deps.clock().toISOString()).slice(0, 10).replace(/-/g, '');
  const sha256 = crypto.createHash('sha256').update(buffer).digest('hex');
  await audit(deps, actor, 'report.docx', { type: 'evaluation', id }, { outline: data.report.outline, locked: !!data.lock, bytes: buffer.length, sha256 });
  return { buffer, fileName: `${safe}-${locale === 'en' ? 'report' : '绩效评价报告'}-${day}.docx`, sha256 };
}

/* ---------- facts ---------- */

const day = z.iso.date();
const facts = reportFactsSchema.shape;

/** A change to the report's facts: any of them, each replaced whole. Problems and suggestions without an id are new. */
export const reportFactsPatchSchema = z.strictObject({
  updatedAt: stampSchema,
  outline: z.enum(OUTLINES).optional(),
  evaluationType: facts.evaluationType.unwrap().optional(),
  purpose: facts.purpose.unwrap().optional(),
  goals: facts.goals.unwrap().optional(),
  scope: facts.scope.unwrap().optional(),
  bases: z.array(basisSchema).max(50).optional(),
  methods: facts.methods.unwrap().optional(),
  methodsOther: facts.methodsOther.unwrap().optional(),
  dataCollection: facts.dataCollection.unwrap().optional(),
  process: z.array(processStepSchema).max(30).optional(),
  experiences: facts.experiences.unwrap().optional(),
  problems: z.array(problemSchema.extend({ id: idSchema.optional() })).max(50).optional(),
  suggestions: z.array(suggestionSchema.extend({ id: idSchema.optional() })).max(50).optional(),
  otherMatters: facts.otherMatters.unwrap().optional(),
  reportDate: day.nullable().optional(),
});

export type ReportFactsPatch = z.input<typeof reportFactsPatchSchema>;

/**
 * Problems sent link to indicators that are leaves; suggestions sent link to problems that exist
 * after the change. (Links of suggestions not sent to problems removed now are dropped on save.)
 */
function checkLinks(data: EvaluationData, next: ReportFacts, sent: { problems: boolean; suggestions: boolean }): void {
  const errors: FieldErrors = {};
  const leaves = new Set(leavesOf(data.tree).map((n) => n.id));
  if (sent.problems) next.problems.forEach((p, i) => {
    const unknown = p.indicatorIds.filter((x) => !leaves.has(x));
    if (unknown.length) errors[`problems.${i}.indicatorIds`] = { key: 'reportui.facts.unknownIndicator', params: { ids: unknown.join(', ') } };
  });
  const problems = new Set(next.problems.map((p) => p.id));
  if (sent.suggestions) next.suggestions.forEach((s, i) => {
    const unknown = s.problemIds.filter((x) => !problems.has(x));
    if (unknown.length) errors[`suggestions.${i}.problemIds`] = { key: 'reportui.facts.unknownProblem', params: { ids: unknown.join(', ') } };
  });
  if (Object.keys(errors).length) throw new ValidationError(errors);
}

/** Changes the report's facts (those given), keeping the rest. */
export async function updateReportFacts(deps: Deps, actor: Actor, id: string, input: unknown): Promise<EvaluationWithProblems> {
  const { updatedAt, ...patch } = parseInput(reportFactsPatchSchema, input);
  const fields = Object.keys(patch);
  const saved = await changeEvaluation(deps, actor, id, updatedAt, ({ data }) => {
    const next: ReportFacts = {
      ...data.report,
      ...(patch as Partial<ReportFacts>),
      ...(patch.problems ? { problems: patch.problems.map((p) => ({ ...p, id: p.id ?? newId() })) } : {}),
      ...(patch.suggestions ? { suggestions: patch.suggestions.map((s) => ({ ...s, id: s.id ?? newId() })) } : {}),
    };
    checkLinks(data, next, { problems: !!patch.problems, suggestions: !!patch.suggestions });
    return { ...data, report: next };
  });
  await audit(deps, actor, 'evaluation.report', { type: 'evaluation', id }, { fields });
  return saved;
}

export const indicatorFactsInputSchema = z.strictObject({
  updatedAt: stampSchema,
  explanation: textSchema(2000).default(''),
  criteria: textSchema(2000).default(''),
  surveyRefs: z.array(idSchema).max(20).default(() => []),
});

function leafOf(data: EvaluationData, indicatorId: string) {
  const leaf = leavesOf(data.tree).find((n) => n.id === indicatorId);
  if (!leaf) throw new NotFoundError();
  return leaf;
}

/** An indicator's 指标解释, 评分标准 and the surveys named as its evidence (their titles kept as they are now). */
export async function setIndicatorFacts(deps: Deps, actor: Actor, id: string, indicatorId: string, input: unknown): Promise<EvaluationWithProblems> {
  const { updatedAt, explanation, criteria, surveyRefs } = parseInput(indicatorFactsInputSchema, input);
  const refs: { id: string; title: string }[] = [];
  for (const surveyId of new Set(surveyRefs)) {
    const survey = await deps.store.surveys.get(surveyId);
    if (!survey) throw new ValidationError({ surveyRefs: { key: 'evalui.binding.unknownSurvey', params: { id: surveyId } } });
    refs.push({ id: survey.id, title: survey.title });
  }
  let name = '';
  const saved = await changeEvaluation(deps, actor, id, updatedAt, ({ data }) => {
    name = leafOf(data, indicatorId).name;
    const current = indicatorFactsOf(data.report, indicatorId);
    return { ...data, report: { ...data.report, indicators: { ...data.report.indicators, [indicatorId]: { ...current, explanation, criteria, surveyRefs: refs } } } };
  });
  await audit(deps, actor, 'evaluation.report', { type: 'evaluation', id }, { fields: ['indicator'], indicatorId, name });
  return saved;
}

export const candidateInputSchema = z.strictObject({ updatedAt: stampSchema, key: z.string().min(1).max(300) });

/** Accepts one candidate as a new 存在问题 (linked to its indicators), which the evaluator can then rewrite. */
export async function acceptCandidate(deps: Deps, actor: Actor, id: string, locale: EvaluationLocale, input: unknown): Promise<EvaluationWithProblems> {
  const { updatedAt, key } = parseInput(candidateInputSchema, input);
  const { candidates } = await reportModel(deps, actor, id, locale);
  const candidate = candidates.find((c) => c.key === key);
  if (!candidate) throw new NotFoundError();
  if (candidate.taken) throw new ConflictError('reportui.candidates.taken');
  const saved = await changeEvaluation(deps, actor, id, updatedAt, ({ data }) => ({
    ...data,
    report: { ...data.report, problems: [...data.report.problems, { id: newId(), text: candidate.text, cause: '', indicatorIds: candidate.indicatorIds.filter((x) => leavesOf(data.tree).some((n) => n.id === x)) }] },
  }));
  await audit(deps, actor, 'evaluation.report', { type: 'evaluation', id }, { fields: ['problems'], candidate: key });
  return saved;
}

/* ---------- evidence files ---------- */

export interface UploadedFile {
  name: string;
  bytes: Buffer;
}

/**
 * An upload checked as 佐证材料 (PDF, image, Office): not empty, not too large, its type read from
 * its name and checked against its first bytes, its name cleaned. The file's record, not yet stored.
 * Shared by the indicators' evidence and the 整改 items' evidence.
 */
export function checkedUpload(deps: Deps, actor: Actor, upload: UploadedFile | null): { file: EvidenceFile; bytes: Buffer } {
  if (!upload || upload.bytes.length === 0) throw new ValidationError({ file: { key: 'reportui.files.missing' } });
  if (upload.bytes.length > EVIDENCE_MAX_BYTES) throw new ValidationError({ file: { key: 'reportui.files.tooLarge', params: { max: EVIDENCE_MAX_BYTES / 1024 / 1024 } } });
  // Control and bidirectional-override characters could disguise the extension shown (“photo\u202Egpj.pdf”).
  const name = upload.name.normalize('NFC').replace(/[\u0000-\u001f\u007f/\\\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '_').trim().slice(-200) || 'file';
  const ext = evidenceExtension(name);
  if (!ext) throw new ValidationError({ file: { key: 'reportui.files.type', params: { types: Object.keys(EVIDENCE_TYPES).join(', ') } } });
  if (!matchesSignature(ext, upload.bytes)) throw new ValidationError({ file: { key: 'reportui.files.notWhatItSays', params: { ext } } });
  const sha256 = crypto.createHash('sha256').update(upload.bytes).digest('hex');
  const now = deps.clock().toISOString();
  return { file: { id: newId(), name, type: EVIDENCE_TYPES[ext].type, size: upload.bytes.length, sha256, uploadedAt: now, uploadedBy: actor.name }, bytes: upload.bytes };
}

/** Keeps a checked upload's bytes under their hash (once, whatever else attaches them); true when they were new. */
export function storeEvidenceBytes(deps: Deps, file: EvidenceFile, bytes: Buffer): Promise<boolean> {
  return deps.store.evidenceBlobs.put({ sha256: file.sha256, size: file.size, type: file.type, data: bytes, createdAt: file.uploadedAt });
}

/**
 * Attaches a file (PDF, image, Office) to an indicator as 佐证材料 (see checkedUpload). Its bytes
 * are stored once under their SHA-256, whatever else attaches the same bytes. The same file twice
 * on one indicator is refused.
 */
export async function addEvidenceFile(deps: Deps, actor: Actor, id: string, indicatorId: string, input: { updatedAt: unknown; file: UploadedFile | null }): Promise<{ evaluation: EvaluationWithProblems; file: EvidenceFile; stored: boolean }> {
  const updatedAt = parseInput(stampSchema, input.updatedAt);
  const { file, bytes } = checkedUpload(deps, actor, input.file);
  const { name, sha256 } = file;
  let stored = false;
  const evaluation = await changeEvaluation(deps, actor, id, updatedAt, async ({ data }) => {
    const leaf = leafOf(data, indicatorId);
    const facts = indicatorFactsOf(data.report, indicatorId);
    if (facts.files.some((f) => f.sha256 === sha256)) throw new ConflictError('reportui.files.already', { name: leaf.name });
    if (facts.files.length >= EVIDENCE_FILES_PER_INDICATOR) throw new ConflictError('reportui.files.tooMany', { max: EVIDENCE_FILES_PER_INDICATOR });
    // Stored only once permission, freshness and lock have been checked (changeEvaluation does that first).
    stored = await storeEvidenceBytes(deps, file, bytes);
    return { ...data, report: { ...data.report, indicators: { ...data.report.indicators, [indicatorId]: { ...facts, files: [...facts.files, file] } } } };
  });
  await audit(deps, actor, 'evaluation.file.upload', { type: 'evaluation', id }, { indicatorId, fileId: file.id, name, size: file.size, sha256, stored: stored ? 'new' : 'existing' });
  return { evaluation, file, stored };
}

/** Detaches a file from an indicator (its bytes stay, as other evaluations may attach them). */
export async function removeEvidenceFile(deps: Deps, actor: Actor, id: string, indicatorId: string, fileId: string, input: unknown): Promise<EvaluationWithProblems> {
  const { updatedAt } = parseInput(z.strictObject({ updatedAt: stampSchema }), input);
  let removed: EvidenceFile | undefined;
  const saved = await changeEvaluation(deps, actor, id, updatedAt, ({ data }) => {
    leafOf(data, indicatorId);
    const facts = indicatorFactsOf(data.report, indicatorId);
    removed = facts.files.find((f) => f.id === fileId);
    if (!removed) throw new NotFoundError();
    return { ...data, report: { ...data.report, indicators: { ...data.report.indicators, [indicatorId]: { ...facts, files: facts.files.filter((f) => f.id !== fileId) } } } };
  });
  await audit(deps, actor, 'evaluation.file.remove', { type: 'evaluation', id }, { indicatorId, fileId, name: removed?.name ?? '', sha256: removed?.sha256 ?? '' });
  return saved;
}

/**
 * One evidence file's bytes (an indicator's or a 整改 item's), for whoever may read the evaluation:
 * only files the evaluation attaches are served, so a hash alone opens nothing. Audited.
 */
export async function readEvidenceFile(deps: Deps, actor: Actor, id: string, fileId: string): Promise<{ file: EvidenceFile; data: Buffer }> {
  const evaluation = await getEvaluation(deps, actor, id);
  const found =
    Object.entries(evaluation.data.report.indicators)
      .flatMap(([indicatorId, f]) => f.files.map((file) => ({ where: { indicatorId }, file })))
      .find((x) => x.file.id === fileId) ?? evaluation.data.rectification.items.flatMap((i) => i.files.map((file) => ({ where: { itemId: i.id }, file }))).find((x) => x.file.id === fileId);
  if (!found) throw new NotFoundError();
  const blob = await deps.store.evidenceBlobs.get(found.file.sha256);
  if (!blob) throw new NotFoundError();
  await audit(deps, actor, 'evaluation.file.download', { type: 'evaluation', id }, { ...found.where, fileId, name: found.file.name, sha256: found.file.sha256 });
  return { file: found.file, data: blob.data };
}

