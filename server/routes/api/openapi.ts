import { z } from 'zod';
import { CHANNELS } from '../../../models/response';
import { siteInputSchema } from '../../../models/site';
import { questionSchema, settingsSchema, SURVEY_STATUSES, surveyInputSchema } from '../../../models/survey';
import { statsSchema } from '../../services/api-stats';
import { rectificationPatchSchema } from '../../services/rectification';
import { caseApiSchema } from '../../services/cases-api';
import { caseStepSchema } from '../../services/case-step-input';
import { evaluationApiSchema, evaluationSummarySchema, fundingReportSchema, scoreReportSchema } from '../../services/evaluation-api';
import { bindingInputSchema, evaluationCreateSchema, evaluationPatchSchema, scoreInputSchema, stampInputSchema, treeInputSchema, unlockSchema } from '../../services/evaluations';
import { EXPORT_FORMATS } from '../../services/exports';
import { publishSchema } from '../../services/publications';
import { bulkSchema, exclusionSchema, reviewSchema } from '../../services/review';
import { createSchema as siteCreateSchema, patchSchema as sitePatchSchema } from '../../services/sites';
import { FILTER_MODES, GRANULARITIES } from '../../services/statistics';
import { metaSchema, questionsSchema, statusSchema, templateSchema } from '../../services/surveys';
import { importJson } from './sites';

/**
 * The OpenAPI 3.1 document of /api/v1. Request bodies and the main response schemas are generated
 * from the same zod schemas the services validate with (z.toJSONSchema), so the document cannot
 * say something the routes do not do: test/http/openapi.test.ts sends cases generated from each
 * documented request schema and fails when route and document disagree, and fails when a
 * registered route is missing here or a path here has no route.
 */
type Schema = Record<string, unknown>;

/** Keywords a pipe's output side adds to its input (a trimmed name that must then be non-empty: minLength 1). */
const PIPE_KEYWORDS = ['minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'pattern', 'minItems', 'maxItems'] as const;

/**
 * A zod schema as JSON Schema 2020-12 (OpenAPI 3.1's dialect): request bodies as the client sends
 * them (io 'input': defaults make a field optional), responses as the server answers (io 'output').
 * Refinements across fields (spent ≤ received, from ≤ to) cannot be said in JSON Schema: the
 * schema descriptions and docs/api.md say them.
 */
export function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Schema {
  const out = z.toJSONSchema(schema, {
    io,
    target: 'draft-2020-12',
    unrepresentable: 'any',
    override: (ctx) => {
      const def = (ctx.zodSchema as unknown as { _zod: { def: { type: string; in?: z.ZodType; out?: z.ZodType } } })._zod.def;
      if (io !== 'input' || def.type !== 'pipe' || !def.out) return;
      const target = ctx.jsonSchema as Schema;
      const after = z.toJSONSchema(def.out, { io: 'output', unrepresentable: 'any' }) as Schema;
      if (after.type !== target.type) return;
      for (const k of PIPE_KEYWORDS) if (after[k] !== undefined && target[k] === undefined) target[k] = after[k];
    },
  }) as Schema;
  delete out.$schema;
  return out;
}

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ content: { 'application/json': { schema } } });
const idParam = (name = 'id', description = 'id') => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });

const FILTER_PARAMS = [
  { name: 'sites', in: 'query', description: 'station ids, comma-separated; an id that names no station is a 400 naming it', schema: { type: 'string' } },
  { name: 'from', in: 'query', description: 'first local day (YYYY-MM-DD)', schema: { type: 'string', format: 'date' } },
  { name: 'to', in: 'query', description: 'last local day (YYYY-MM-DD); before `from` is a 400 on `to`', schema: { type: 'string', format: 'date' } },
  { name: 'segments', in: 'query', description: 'segment option ids, comma-separated; one that is no option of the segment question is a 400 naming it', schema: { type: 'string' } },
  { name: 'channels', in: 'query', description: `${CHANNELS.join(', ')}; comma-separated`, schema: { type: 'string' } },
  { name: 'mode', in: 'query', description: 'which responses the figures and lists use: valid (default) or raw (every response received)', schema: { type: 'string', enum: [...FILTER_MODES] } },
  { name: 'granularity', in: 'query', description: 'trend buckets; left out, they follow the span (day ≤ 31 days, week ≤ 26 weeks, month beyond)', schema: { type: 'string', enum: [...GRANULARITIES] } },
];

const ERRORS = {
  '400': { description: 'invalid input; `fields` names each field (dotted path) with what is wrong', ...json(ref('Error')) },
  '401': { description: 'no or wrong credentials', ...json(ref('Error')) },
  '403': { description: 'not allowed (role, station, or a read-only token on a write)', ...json(ref('Error')) },
  '404': { description: 'not found (an unknown id in the path)', ...json(ref('Error')) },
};

interface OpOptions {
  params?: unknown[];
  /** A component name: the JSON request body. */
  body?: string;
  /** Other media types the body may have (besides JSON). */
  bodyAlso?: Record<string, unknown>;
  ok?: { status?: string; schema?: Schema; content?: Record<string, unknown>; description?: string };
  write?: boolean;
  conflict?: boolean;
  description?: string;
}

function op(tag: string, summary: string, o: OpOptions = {}) {
  const status = o.ok?.status ?? '200';
  const okBody = o.ok?.content ? { content: o.ok.content } : o.ok?.schema ? json(o.ok.schema) : {};
  return {
    tags: [tag],
    summary,
    ...(o.description ? { description: o.description } : {}),
    ...(o.params ? { parameters: o.params } : {}),
    ...(o.body ? { requestBody: { required: true, content: { 'application/json': { schema: ref(o.body) }, ...o.bodyAlso } } } : {}),
    responses: {
      [status]: { description: o.ok?.description ?? 'OK', ...okBody },
      ...ERRORS,
      ...(o.conflict ? { '409': { description: 'conflicts with the current state (for evaluations: `updatedAt` is not the current one, or the evaluation is locked)', ...json(ref('Error')) } } : {}),
    },
    'x-scope': o.write ? 'write' : 'read',
  };
}

const file = (types: string[]) => Object.fromEntries(types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]));

const errorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string().meta({ description: 'in the language of Accept-Language (zh-CN by default)' }),
    fields: z.record(z.string(), z.string()).optional().meta({ description: 'dotted field path → what is wrong with it' }),
  }),
});

const siteSchema = siteInputSchema.extend({ id: z.string(), isDemo: z.boolean(), createdAt: z.iso.datetime(), updatedAt: z.iso.datetime() });

const surveySchema = z.object({
  id: z.string(),
  title: z.string(),
  description: z.string(),
  status: z.enum(SURVEY_STATUSES),
  version: z.number().int(),
  questions: z.array(questionSchema),
  segmentQuestionId: z.string().nullable(),
  settings: settingsSchema,
  locale: z.string(),
  timeZone: z.string(),
  responseCount: z.number().int(),
  isDemo: z.boolean(),
  createdBy: z.string().nullable(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
});

/** Request bodies: the schemas the services parse with. */
const REQUESTS: Record<string, z.ZodType> = {
  SiteInput: siteCreateSchema,
  SitePatch: sitePatchSchema,
  SiteImport: importJson,
  SurveyInput: surveyInputSchema,
  SurveyFromTemplate: templateSchema,
  SurveyPatch: metaSchema,
  QuestionsInput: questionsSchema,
  SurveyStatusInput: statusSchema,
  PublishInput: publishSchema,
  ReviewInput: reviewSchema,
  ExclusionInput: exclusionSchema,
  BulkReviewInput: bulkSchema,
  EvaluationCreate: evaluationCreateSchema,
  EvaluationPatch: evaluationPatchSchema,
  IndicatorsInput: treeInputSchema,
  ScoreInput: scoreInputSchema,
  BindingInput: bindingInputSchema,
  StampInput: stampInputSchema,
  UnlockInput: unlockSchema,
  RectificationPatch: rectificationPatchSchema,
  CaseStepInput: caseStepSchema,
};

/** Response schemas generated from zod schemas (what the services' answers are typed by). */
const RESPONSES: Record<string, z.ZodType> = {
  Error: errorSchema,
  Site: siteSchema,
  Question: questionSchema,
  Survey: surveySchema,
  Stats: statsSchema,
  Evaluation: evaluationApiSchema,
  EvaluationSummary: evaluationSummarySchema,
  Funding: fundingReportSchema,
  Score: scoreReportSchema,
  Case: caseApiSchema,
};

const CONVENTIONS = [
  'Satisfaction surveys of social-work stations and the performance-evaluation scorecard they feed.',
  'Authenticate with `Authorization: Bearer <token>` (create one with `npm run cli -- create-token` or on the users page). Tokens are read-only or read-write.',
  'Conventions (docs/api.md): every rate or share (`rate`, `*Rate`, `share`) is a fraction 0–1 to 4 decimals (0.9455 = 94.55%); the satisfaction index, NPS, the figure S a scoring rule reads (`value`) and the rules’ parameters are on their 0–100 scale. Scores are rounded to 2 decimals per indicator and then summed exactly.',
  'Amounts of money are in 万元 with at most 4 decimals.',
  '`mode` (valid | raw) chooses the responses every count, figure and list uses; `received` and `valid` are always the two counts.',
  'Errors are `{error: {code, message, fields?}}` in the language of `Accept-Language` (zh-CN by default); `fields` names each field by its dotted path. An unknown id in the path is a 404; an unknown id in a filter is a 400 naming it.',
  'Every write to an evaluation sends the `updatedAt` it is based on and gets 409 when the evaluation has changed since.',
].join('\n\n');

/** Rules across fields that JSON Schema cannot state, said where they apply (checkDefinition, the funding and binding checks). */
const QUESTION_RULES =
  'Beyond the schema: question ids are unique; single and multi questions have at least two options with unique ids; likert5 questions have the options 5…1 (and a notApplicableLabel when allowNotApplicable); rating and nps ranges are valid (min < max); only likert5 questions count toward satisfaction; segmentQuestionId names a single question.';

function describeRules(schemas: Record<string, Schema>): void {
  const property = (name: string, ...path: string[]) => {
    let at = schemas[name] as Schema | undefined;
    for (const p of path) at = (at?.properties as Record<string, Schema> | undefined)?.[p];
    return at;
  };
  for (const name of ['SurveyInput', 'QuestionsInput']) Object.assign(property(name, 'questions') ?? {}, { description: QUESTION_RULES });
  Object.assign(property('EvaluationPatch', 'funding') ?? {}, {
    description: '资金情况 in 万元 (at most 4 decimals). Totals are the printed figures. spent above received.total is refused (400 on funding.spent); parts that do not make their total, and carriedOver ≠ received.total − spent, are kept and come back as funding.checks (核对提示).',
  });
  Object.assign(property('BindingInput', 'dayTo') ?? {}, { description: 'not before dayFrom' });
  Object.assign(property('EvaluationPatch', 'grades') ?? {}, { description: 'excellent > good > fair' });
}

export function openApiDocument(publicBaseUrl: string) {
  const obj = (properties: Record<string, Schema>, required: string[] = []): Schema => ({ type: 'object', properties, ...(required.length ? { required } : {}) });
  const schemas: Record<string, Schema> = {};
  for (const [name, schema] of Object.entries(REQUESTS)) schemas[name] = jsonSchemaOf(schema, 'input');
  for (const [name, schema] of Object.entries(RESPONSES)) schemas[name] = jsonSchemaOf(schema, 'output');
  describeRules(schemas);
  const evaluationWrite = (summary: string, body: string, params: unknown[] = [idParam()]) =>
    op('evaluations', summary, { params, body, write: true, conflict: true, ok: { schema: ref('Evaluation') } });
  const indicatorParams = [idParam(), idParam('indicatorId', 'indicator id')];
  return {
    openapi: '3.1.0',
    info: { title: 'manyi API', version: '1', description: CONVENTIONS },
    servers: [{ url: `${publicBaseUrl}/api/v1` }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        ...schemas,
        Publication: obj({
          id: { type: 'string' },
          surveyId: { type: 'string' },
          siteId: { type: 'string' },
          code: { type: 'string' },
          link: { type: 'string', format: 'uri' },
          active: { type: 'boolean', description: 'false while collection at this station is paused' },
          stage: { type: 'string', enum: ['draft', 'scheduled', 'open', 'paused', 'closed'], description: 'what residents get at the link now (listing only)' },
        }),
        Response: obj({
          id: { type: 'string' },
          surveyId: { type: 'string' },
          version: { type: 'integer' },
          siteId: { type: 'string' },
          channel: { type: 'string', enum: [...CHANNELS] },
          paperDate: { type: ['string', 'null'], format: 'date', description: 'paper questionnaires: the date written on the paper (also the day)' },
          startedAt: { type: 'string', format: 'date-time' },
          submittedAt: { type: 'string', format: 'date-time' },
          day: { type: 'string', format: 'date' },
          durationMs: { type: 'integer' },
          answers: { type: 'object', description: 'question id → option id, option ids, number or text' },
          flags: { type: 'array', items: { type: 'string', enum: ['speeder', 'straightline', 'burst', 'multisite'] } },
          review: { type: ['string', 'null'], enum: ['excluded', 'kept', null], description: "a person's decision: excluded (never counts), kept (counts whatever its flags), null (the survey's quality rules decide)" },
          reviewReason: { type: ['string', 'null'] },
          reviewedBy: { type: ['string', 'null'], description: 'user id' },
          reviewedAt: { type: ['string', 'null'], format: 'date-time' },
          enteredBy: { type: ['string', 'null'], description: 'user id of the station worker who entered an assisted response' },
          status: ref('CountingKind'),
          valid: { type: 'boolean', description: 'whether it counts (有效)' },
          excluded: { type: 'boolean', description: "review = 'excluded' (kept for older clients)" },
        }),
        CountingKind: {
          type: 'string',
          enum: ['counted', 'countedFlagged', 'notCounted', 'excluded', 'kept'],
          description: '计入状态: counted (no flag); countedFlagged (flagged, every rule of its flags off); notCounted (a flag whose rule is on); excluded or kept by a person',
        },
        CountingStatus: obj({
          kind: ref('CountingKind'),
          counts: { type: 'boolean' },
          invalidating: { type: 'array', items: { type: 'string' }, description: 'flags whose rule is on' },
          tolerated: { type: 'array', items: { type: 'string' }, description: 'flags whose rule is off' },
          decision: { type: ['object', 'null'], properties: { reason: { type: ['string', 'null'] }, by: { type: ['string', 'null'] }, at: { type: ['string', 'null'], format: 'date-time' } } },
        }),
        ValidChange: obj({ before: { type: 'integer' }, after: { type: 'integer' } }, ['before', 'after']),
        Reviewed: obj({ response: ref('Response'), before: ref('CountingKind'), after: ref('CountingKind'), valid: ref('ValidChange') }),
      },
    },
    paths: {
      '/me': { get: op('account', 'Who the token or session belongs to') },
      '/sites': {
        get: op('sites', 'List stations', { params: [{ name: 'active', in: 'query', schema: { type: 'string', enum: ['true', 'false'] } }], ok: { schema: obj({ sites: { type: 'array', items: ref('Site') } }) } }),
        post: op('sites', 'Create a station', { body: 'SiteInput', write: true, ok: { status: '201', schema: obj({ site: ref('Site') }) }, conflict: true }),
      },
      '/sites/import': {
        post: op('sites', 'Import stations from CSV (text/csv body, or JSON {csv}); all rows or none', {
          body: 'SiteImport',
          bodyAlso: { 'text/csv': { schema: { type: 'string', description: 'code,name,township,kind,recipients; UTF-8, UTF-16 or GB18030' } } },
          write: true,
          ok: { status: '201', schema: obj({ imported: { type: 'integer' }, encoding: { type: 'string' }, sites: { type: 'array', items: ref('Site') } }) },
        }),
      },
      '/sites/{id}': {
        get: op('sites', 'One station', { params: [idParam()], ok: { schema: obj({ site: ref('Site') }) } }),
        patch: op('sites', 'Change a station (including active)', { params: [idParam()], body: 'SitePatch', write: true, conflict: true, ok: { schema: obj({ site: ref('Site') }) } }),
      },
      '/surveys': {
        get: op('surveys', 'List surveys', { ok: { schema: obj({ surveys: { type: 'array', items: ref('Survey') } }) } }),
        post: op('surveys', 'Create a survey', { body: 'SurveyInput', write: true, ok: { status: '201', schema: obj({ survey: ref('Survey') }) } }),
      },
      '/surveys/from-template': {
        post: op('surveys', 'Create the 社工站服务对象满意度调查 template survey', { body: 'SurveyFromTemplate', write: true, ok: { status: '201', schema: obj({ survey: ref('Survey') }) } }),
      },
      '/surveys/{id}': {
        get: op('surveys', 'One survey', { params: [idParam()], ok: { schema: obj({ survey: ref('Survey') }) } }),
        patch: op('surveys', 'Change title, description or settings', { params: [idParam()], body: 'SurveyPatch', write: true, conflict: true, ok: { schema: obj({ survey: ref('Survey') }) } }),
        delete: op('surveys', 'Delete a draft without responses', { params: [idParam()], write: true, ok: { status: '204' }, conflict: true }),
      },
      '/surveys/{id}/questions': {
        put: op('surveys', 'Replace the questions (a new version once responses exist)', { params: [idParam()], body: 'QuestionsInput', write: true, conflict: true, ok: { schema: obj({ survey: ref('Survey') }) } }),
      },
      '/surveys/{id}/status': {
        post: op('surveys', 'Move through draft → open → closed → archived', { params: [idParam()], body: 'SurveyStatusInput', write: true, conflict: true, ok: { schema: obj({ survey: ref('Survey') }) } }),
      },
      '/surveys/{id}/versions': { get: op('surveys', 'Every version of the questions', { params: [idParam()] }) },
      '/surveys/{id}/publications': {
        get: op('publications', 'Stations where the survey is published, with links', { params: [idParam()], ok: { schema: obj({ publications: { type: 'array', items: ref('Publication') } }) } }),
        post: op('publications', 'Publish at stations; `open: true` also opens a draft survey. A draft left closed comes back with a `survey-draft` warning', {
          params: [idParam()],
          body: 'PublishInput',
          write: true,
          ok: {
            status: '201',
            schema: obj({
              publications: { type: 'array', items: ref('Publication') },
              survey: obj({ id: { type: 'string' }, status: { type: 'string' } }),
              warnings: { type: 'array', items: obj({ code: { type: 'string' }, message: { type: 'string' } }) },
            }),
          },
        }),
      },
      '/surveys/{id}/stats': { get: op('statistics', 'Dashboard statistics with the dashboard filters (rates as fractions)', { params: [idParam(), ...FILTER_PARAMS], ok: { schema: ref('Stats') } }) },
      '/surveys/{id}/stats/export': {
        get: op('statistics', 'Statistics workbook (xlsx) or CSV tables (zip), streamed', {
          params: [idParam(), { name: 'format', in: 'query', schema: { type: 'string', enum: ['xlsx', 'zip'] } }, ...FILTER_PARAMS],
          ok: { content: file(['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/zip']) },
        }),
      },
      '/surveys/{id}/crosstab': {
        get: op('statistics', 'Question × question table (streams the responses; counts of the responses `mode` chooses) with row and column percentages and totals, Pearson’s χ² test of independence (p, Cramér’s V, expected counts under 5 flagged) and Fisher’s exact p for a 2×2 table; `test` is null when a question is multiple choice', {
          params: [idParam(), { name: 'row', in: 'query', required: true, schema: { type: 'string' } }, { name: 'col', in: 'query', required: true, schema: { type: 'string' } }, ...FILTER_PARAMS],
        }),
      },
      '/surveys/{id}/responses': {
        get: op('responses', 'Responses, paged (oldest first): the valid ones, or every one with mode=raw', {
          params: [idParam(), { name: 'limit', in: 'query', schema: { type: 'integer', minimum: 1, maximum: 500 } }, { name: 'offset', in: 'query', schema: { type: 'integer', minimum: 0 } }, ...FILTER_PARAMS],
          ok: { schema: obj({ total: { type: 'integer' }, limit: { type: 'integer' }, offset: { type: 'integer' }, responses: { type: 'array', items: ref('Response') } }) },
        }),
      },
      '/surveys/{id}/responses/export': {
        get: op('responses', 'The responses `mode` chooses, streamed as NDJSON, CSV or XLSX', {
          params: [idParam(), { name: 'format', in: 'query', schema: { type: 'string', enum: [...EXPORT_FORMATS] } }, { name: 'codes', in: 'query', schema: { type: 'string', enum: ['1'] } }, ...FILTER_PARAMS],
          ok: { content: file(['application/x-ndjson', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']) },
        }),
      },
      '/surveys/{id}/responses/review': {
        post: op('responses', 'Exclude, keep or restore many responses of the survey with one reason (at most 500; each its own transaction, audited); reports what changed and what was skipped', {
          params: [idParam()],
          body: 'BulkReviewInput',
          write: true,
          ok: {
            schema: obj({
              action: { type: 'string' },
              changed: { type: 'array', items: { type: 'string' } },
              skipped: {
                type: 'array',
                items: obj({ id: { type: 'string' }, why: { type: 'string', enum: ['alreadyExcluded', 'alreadyKept', 'alreadyAuto', 'nothingToKeep', 'changed', 'notFound'] } }),
              },
              valid: ref('ValidChange'),
            }),
          },
        }),
      },
      '/responses/{id}': {
        get: op('responses', 'One response with its answers as labels, counting status and review history', {
          params: [idParam()],
          ok: {
            schema: obj({
              response: ref('Response'),
              status: ref('CountingStatus'),
              answers: { type: 'array', items: obj({ questionId: { type: 'string' }, question: { type: 'string' }, labels: { type: 'array', items: { type: 'string' } } }) },
              history: {
                type: 'array',
                items: obj({ at: { type: 'string', format: 'date-time' }, actor: { type: 'string' }, action: { type: 'string' }, reason: { type: ['string', 'null'] }, from: { type: ['string', 'null'] }, to: { type: ['string', 'null'] } }),
              },
            }),
          },
        }),
      },
      '/responses/{id}/review': {
        post: op('responses', 'Exclude (never counts), keep (counts whatever its flags) or restore the automatic rules, with a reason (audited; moves its tallies)', {
          params: [idParam()],
          body: 'ReviewInput',
          write: true,
          ok: { schema: ref('Reviewed') },
          conflict: true,
        }),
      },
      '/responses/{id}/exclusion': {
        post: op('responses', 'Older form: excluded true excludes, false re-includes an excluded response (restores the automatic rules)', {
          params: [idParam()],
          body: 'ExclusionInput',
          write: true,
          ok: { schema: ref('Reviewed') },
          conflict: true,
        }),
      },
      '/evaluations': {
        get: op('evaluations', 'List evaluations', { ok: { schema: obj({ evaluations: { type: 'array', items: ref('EvaluationSummary') } }) } }),
        post: op('evaluations', 'Create an evaluation (from the reference template by default)', { body: 'EvaluationCreate', write: true, ok: { status: '201', schema: ref('Evaluation') } }),
      },
      '/evaluations/{id}': {
        get: op('evaluations', 'One evaluation with its funding block (rates, 核对提示) and its problems', { params: [idParam()], ok: { schema: ref('Evaluation') } }),
        patch: {
          ...evaluationWrite('Change project, funding, grades, tree, scores or bindings (send updatedAt)', 'EvaluationPatch'),
          description:
            'Funding: both totals are required (the printed figures); parts that do not make their total and carriedOver ≠ received.total − spent come back as `funding.checks`, the figures kept as sent. More spent than received.total is refused (400 on `funding.spent`).',
        },
      },
      '/evaluations/{id}/indicators': { put: evaluationWrite('Replace the indicator tree (send updatedAt)', 'IndicatorsInput') },
      '/evaluations/{id}/scores/{indicatorId}': { put: evaluationWrite('Enter a score and evidence note for an ordinary indicator (send updatedAt)', 'ScoreInput', indicatorParams) },
      '/evaluations/{id}/bindings/{indicatorId}': {
        put: evaluationWrite('Bind an indicator to survey results with a scoring rule (send updatedAt)', 'BindingInput', indicatorParams),
        delete: op('evaluations', 'Unbind an indicator (updatedAt as a query parameter, or a body {updatedAt})', {
          params: [...indicatorParams, { name: 'updatedAt', in: 'query', required: true, description: 'the evaluation’s updatedAt the change is based on (or send it as a JSON body)', schema: { type: 'string' } }],
          write: true,
          conflict: true,
          ok: { schema: ref('Evaluation') },
        }),
      },
      '/evaluations/{id}/lock': {
        post: {
          ...evaluationWrite('Lock: freeze the survey evidence used (send updatedAt)', 'StampInput'),
          description: 'Refused with 409 naming the indicators while an indicator scored below its points has no 扣分原因 (its score note), or experts differ on an indicator beyond the threshold without an agreed score (合议).',
        },
      },
      '/evaluations/{id}/rectification/{itemId}': {
        patch: {
          ...evaluationWrite('Update one 整改 item: unit, deadline, status, reason, note (send updatedAt; allowed after the lock)', 'RectificationPatch', [idParam(), idParam('itemId', '整改 item id (see rectification[].id)')]),
          description: 'The fields sent are replaced, the others kept. status dropped (不再整改) needs a reason (400 on `reason`); a reason is kept only with dropped. Unlike every other write, a locked evaluation accepts it: the lock freezes the scores and the report’s facts, not the rectification that follows. 409 only when `updatedAt` is not the current one.',
        },
      },
      '/evaluations/{id}/unlock': { post: evaluationWrite('Unlock (administrators; a reason is required and audited; send updatedAt)', 'UnlockInput') },
      '/evaluations/{id}/score': { get: op('evaluations', 'Total, grade, dimensions, funding and the satisfaction evidence', { params: [idParam()], ok: { schema: ref('Score') } }) },
      '/evaluations/{id}/report.docx': {
        get: op('evaluations', 'The evaluation report (绩效评价报告) as a Word file, in the outline the evaluation chose and the language of Accept-Language', {
          params: [idParam()],
          description:
            'Composed from the evaluation’s report facts, its scorecard and the bound surveys’ statistics (frozen with the lock). A locked evaluation’s file is the same byte for byte on every download except the printed generation time. Audited.',
          ok: { content: file(['application/vnd.openxmlformats-officedocument.wordprocessingml.document']), description: 'the .docx file, as an attachment' },
        }),
      },
      '/surveys/{id}/cases': {
        get: op('cases', 'A survey’s cases (以评促改) in opening order: station staff get their stations’ only. Never the resident’s contact.', {
          params: [
            idParam(),
            { name: 'site', in: 'query', description: 'one station id', schema: { type: 'string' } },
            { name: 'status', in: 'query', description: 'one status', schema: { type: 'string', enum: ['open', 'contacted', 'verified', 'actioned', 'closed', 'reviewed'] } },
            { name: 'late', in: 'query', description: '1: only cases whose awaited step is past due', schema: { type: 'string', enum: ['1', 'true'] } },
          ],
          ok: { schema: obj({ cases: { type: 'array', items: ref('Case') } }, ['cases']) },
        }),
      },
      '/cases/{id}': {
        get: op('cases', 'One case with its due dates and history (never the contact)', { params: [idParam()], ok: { schema: obj({ case: ref('Case') }, ['case']) } }),
        patch: op('cases', 'Record one step: contact, verify, act, close (station staff of the case’s station, admins); review (回访), reopen, appeal (申诉复核: evaluators, admins). Audited.', {
          params: [idParam()],
          body: 'CaseStepInput',
          write: true,
          conflict: true,
          description:
            'verify needs finding and a note (the reason); act needs action, and 限期整改 (deadline) an item and an itemDue not before today; after 不属实 only explain; reopen, appeal (with appeal) and review need a note. A step the case’s status does not allow now is a 409.',
          ok: { schema: obj({ case: ref('Case') }, ['case']) },
        }),
      },
      '/openapi.json': { get: op('meta', 'This document') },
    },
  };
}
