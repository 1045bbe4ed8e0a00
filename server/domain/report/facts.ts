import { z } from 'zod';
import { idSchema, textSchema } from '../../../models/common';

/**
 * The report's facts (报告事实): what the evaluator writes once and the report prints, kept in the
 * evaluation's data so they are versioned and locked with it. Figures are never among them: the
 * score, the grade, the 绩效分析 table, the 指标体系 sentence, funding rates and the satisfaction
 * paragraph are derived when the report is composed (see compose.ts).
 */

/** The two outlines a report can follow, from the same facts. */
export const OUTLINES = ['reference', 'mof2020'] as const;
export type Outline = (typeof OUTLINES)[number];

/**
 * 评价办法 offered as a list, in the order the report prints them: the reference report's six, then
 * the other methods 财预〔2020〕10号 第二十一条 names (最低成本法, 公众评判法, 标杆管理法).
 */
export const EVALUATION_METHODS = ['comprehensive', 'comparison', 'factor', 'costBenefit', 'expert', 'publicSatisfaction', 'lowestCost', 'publicJudgement', 'benchmark'] as const;
export type EvaluationMethod = (typeof EVALUATION_METHODS)[number];

/** Evidence files: 佐证材料 attached to an indicator, stored by content hash (see EVIDENCE_TYPES). */
export const EVIDENCE_MAX_BYTES = 10 * 1024 * 1024;
export const EVIDENCE_FILES_PER_INDICATOR = 20;

/**
 * The file types accepted as 佐证材料, by extension, with the media type they are served as and the
 * bytes they must start with (a renamed executable is refused). Office files: OOXML (a ZIP) and
 * the older OLE compound format.
 */
export const EVIDENCE_TYPES = {
  pdf: { type: 'application/pdf', magic: ['%PDF-'] },
  png: { type: 'image/png', magic: ['\x89PNG\r\n\x1a\n'] },
  jpg: { type: 'image/jpeg', magic: ['\xff\xd8\xff'] },
  jpeg: { type: 'image/jpeg', magic: ['\xff\xd8\xff'] },
  gif: { type: 'image/gif', magic: ['GIF87a', 'GIF89a'] },
  webp: { type: 'image/webp', magic: ['RIFF'] },
  docx: { type: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', magic: ['PK\x03\x04'] },
  xlsx: { type: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', magic: ['PK\x03\x04'] },
  pptx: { type: 'application/vnd.openxmlformats-officedocument.presentationml.presentation', magic: ['PK\x03\x04'] },
  doc: { type: 'application/msword', magic: ['\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'] },
  xls: { type: 'application/vnd.ms-excel', magic: ['\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'] },
  ppt: { type: 'application/vnd.ms-powerpoint', magic: ['\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1'] },
} as const;
export type EvidenceExtension = keyof typeof EVIDENCE_TYPES;
export const EVIDENCE_MEDIA_TYPES = [...new Set(Object.values(EVIDENCE_TYPES).map((t) => t.type))] as [string, ...string[]];

/** The extension of a file name, lower-case, if it is one we accept. */
export function evidenceExtension(fileName: string): EvidenceExtension | null {
  const m = /\.([A-Za-z0-9]{1,5})$/.exec(fileName);
  const ext = m?.[1]?.toLowerCase();
  return ext && ext in EVIDENCE_TYPES ? (ext as EvidenceExtension) : null;
}

/** Whether the bytes start as a file of this extension must (WebP: RIFF….WEBP). */
export function matchesSignature(ext: EvidenceExtension, bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 16)).toString('latin1');
  const ok = EVIDENCE_TYPES[ext].magic.some((m) => head.startsWith(m));
  return ok && (ext !== 'webp' || head.slice(8, 12) === 'WEBP');
}

/** One file attached to an indicator: its name as uploaded, and the hash its bytes are kept under. */
export const evidenceFileSchema = z.object({
  id: idSchema,
  name: textSchema(200).pipe(z.string().min(1)),
  type: z.enum(EVIDENCE_MEDIA_TYPES),
  size: z.number().int().min(1).max(EVIDENCE_MAX_BYTES),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  uploadedAt: z.iso.datetime(),
  uploadedBy: textSchema(100),
});
export type EvidenceFile = z.output<typeof evidenceFileSchema>;

/**
 * What the report says about one indicator beside its score: 指标解释, 评分标准, the evidence files
 * and the surveys whose statistics support it. Its 扣分原因 is the score's note (what the scorecard
 * already calls 评分依据), so it is written in one place.
 */
export const indicatorFactsSchema = z.object({
  explanation: textSchema(2000).default(''),
  criteria: textSchema(2000).default(''),
  files: z.array(evidenceFileSchema).max(EVIDENCE_FILES_PER_INDICATOR).default(() => []),
  /** Surveys whose statistics support the indicator, with the title they had when named (so a locked report does not change with a rename). */
  surveyRefs: z.array(z.object({ id: idSchema, title: textSchema(500) })).max(20).default(() => []),
});
export type IndicatorFacts = z.output<typeof indicatorFactsSchema>;

const day = z.iso.date();

/** 评价依据: a document and its 文号 (甘民发〔2021〕125号), printed 《title》（文号）. */
export const basisSchema = z.object({ title: textSchema(300).pipe(z.string().min(1)), docNo: textSchema(100).default('') });
/** One step of 绩效评价工作过程 with its dates. */
export const processStepSchema = z
  .object({ name: textSchema(100).pipe(z.string().min(1)), from: day.nullable().default(null), to: day.nullable().default(null) })
  .refine((s) => !s.from || !s.to || s.from <= s.to, { path: ['to'], message: 'ends before it starts', params: { key: 'report.process.toBeforeFrom' } });
/** 存在问题: the text printed, its cause (原因分析, the 2020 outline prints it) and the indicators it concerns. */
export const problemSchema = z.object({ id: idSchema, text: textSchema(1000).pipe(z.string().min(1)), cause: textSchema(1000).default(''), indicatorIds: z.array(idSchema).max(50).default(() => []) });
/** 有关对策建议, each linked to the problems it answers. */
export const suggestionSchema = z.object({ id: idSchema, text: textSchema(4000).pipe(z.string().min(1)), problemIds: z.array(idSchema).max(50).default(() => []) });

const MAX_INDICATORS = 200;

export const reportFactsSchema = z.object({
  outline: z.enum(OUTLINES).default('reference'),
  /** 评价类型, e.g. 财政评价 */
  evaluationType: textSchema(50).default(''),
  /** 实施目的 */
  purpose: textSchema(4000).default(''),
  /** 部门绩效目标, one goal a line; printed 一是…；二是…。 */
  goals: z.array(textSchema(1000).pipe(z.string().min(1))).max(30).default(() => []),
  /** 评价范围 */
  scope: textSchema(2000).default(''),
  bases: z.array(basisSchema).max(50).default(() => []),
  methods: z
    .array(z.enum(EVALUATION_METHODS))
    .max(EVALUATION_METHODS.length)
    .refine((m) => new Set(m).size === m.length, 'a method listed twice')
    .default(() => []),
  /** Other methods, as written (、-separated), printed after the listed ones. */
  methodsOther: textSchema(200).default(''),
  /** 数据采集及处理办法 */
  dataCollection: textSchema(4000).default(''),
  process: z.array(processStepSchema).max(30).default(() => []),
  /** 主要经验及做法 (the 2020 outline's section 五). */
  experiences: textSchema(8000).default(''),
  problems: z.array(problemSchema).max(50).default(() => []),
  suggestions: z.array(suggestionSchema).max(50).default(() => []),
  /** 其他需要说明的事项, paragraphs separated by blank lines or line breaks. */
  otherMatters: textSchema(8000).default(''),
  /** The date on the cover (报告日期). */
  reportDate: day.nullable().default(null),
  indicators: z
    .record(idSchema, indicatorFactsSchema)
    .refine((m) => Object.keys(m).length <= MAX_INDICATORS, `more than ${MAX_INDICATORS} entries`)
    .default(() => ({})),
});

export type ReportFacts = z.output<typeof reportFactsSchema>;
export type Basis = z.output<typeof basisSchema>;
export type ProcessStep = z.output<typeof processStepSchema>;
export type Problem = z.output<typeof problemSchema>;
export type Suggestion = z.output<typeof suggestionSchema>;

export const emptyReportFacts = (): ReportFacts => reportFactsSchema.parse({});

/** Text typed with line breaks as paragraphs: trimmed lines, blank ones dropped. */
export function paragraphsOf(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter(Boolean);
}

/** The facts of an indicator, or empty ones. */
export const indicatorFactsOf = (facts: ReportFacts, id: string): IndicatorFacts => facts.indicators[id] ?? { explanation: '', criteria: '', files: [], surveyRefs: [] };

/**
 * Keeps only what still points somewhere: indicator facts of leaves still in the tree, problem
 * links to those leaves, and suggestion links to problems that still exist.
 */
export function pruneFacts(facts: ReportFacts, leafIds: ReadonlySet<string>): ReportFacts {
  const problemIds = new Set(facts.problems.map((p) => p.id));
  return {
    ...facts,
    indicators: Object.fromEntries(Object.entries(facts.indicators).filter(([id]) => leafIds.has(id))),
    problems: facts.problems.map((p) => ({ ...p, indicatorIds: p.indicatorIds.filter((i) => leafIds.has(i)) })),
    suggestions: facts.suggestions.map((s) => ({ ...s, problemIds: s.problemIds.filter((i) => problemIds.has(i)) })),
  };
}
