/**
 * The OpenAPI 3.1 document of /api/v1. test/http/openapi.test.ts fails when a registered route is
 * missing here or a path here has no route, so this file and the routers move together.
 */
type Schema = Record<string, unknown>;

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const json = (schema: Schema) => ({ content: { 'application/json': { schema } } });
const idParam = (name = 'id', description = 'id') => ({ name, in: 'path', required: true, description, schema: { type: 'string' } });

const FILTER_PARAMS = [
  { name: 'sites', in: 'query', description: 'station ids, comma-separated', schema: { type: 'string' } },
  { name: 'from', in: 'query', description: 'first local day (YYYY-MM-DD)', schema: { type: 'string', format: 'date' } },
  { name: 'to', in: 'query', description: 'last local day (YYYY-MM-DD)', schema: { type: 'string', format: 'date' } },
  { name: 'segments', in: 'query', description: 'segment option ids, comma-separated', schema: { type: 'string' } },
  { name: 'channels', in: 'query', description: 'qr, link, assisted; comma-separated', schema: { type: 'string' } },
  { name: 'mode', in: 'query', description: 'valid (default) or raw', schema: { type: 'string', enum: ['valid', 'raw'] } },
  { name: 'granularity', in: 'query', description: 'trend buckets', schema: { type: 'string', enum: ['day', 'week', 'month'] } },
];

const ERRORS = {
  '400': { description: 'invalid input; `fields` says which', ...json(ref('Error')) },
  '401': { description: 'no or wrong credentials', ...json(ref('Error')) },
  '403': { description: 'not allowed (role, station, or a read-only token on a write)', ...json(ref('Error')) },
  '404': { description: 'not found', ...json(ref('Error')) },
};

interface OpOptions {
  params?: unknown[];
  body?: Schema;
  ok?: { status?: string; schema?: Schema; content?: Record<string, unknown>; description?: string };
  write?: boolean;
  conflict?: boolean;
}

function op(tag: string, summary: string, o: OpOptions = {}) {
  const status = o.ok?.status ?? (o.write ? '200' : '200');
  const okBody = o.ok?.content ? { content: o.ok.content } : o.ok?.schema ? json(o.ok.schema) : {};
  return {
    tags: [tag],
    summary,
    ...(o.params ? { parameters: o.params } : {}),
    ...(o.body ? { requestBody: { required: true, ...json(o.body) } } : {}),
    responses: {
      [status]: { description: o.ok?.description ?? 'OK', ...okBody },
      ...ERRORS,
      ...(o.conflict ? { '409': { description: 'conflicts with the current state', ...json(ref('Error')) } } : {}),
    },
    ...(o.write ? { 'x-scope': 'write' } : { 'x-scope': 'read' }),
  };
}

const file = (types: string[]) => Object.fromEntries(types.map((t) => [t, { schema: { type: 'string', format: 'binary' } }]));

export function openApiDocument(publicBaseUrl: string) {
  const obj = (properties: Record<string, Schema>, required: string[] = []): Schema => ({ type: 'object', properties, ...(required.length ? { required } : {}) });
  return {
    openapi: '3.1.0',
    info: {
      title: 'manyi API',
      version: '1',
      description:
        'Satisfaction surveys of social-work stations and the performance-evaluation scorecard they feed. Authenticate with `Authorization: Bearer <token>` (create one with `npm run cli -- create-token` or on the users page). Tokens are read-only or read-write. Errors are `{error: {code, message, fields?}}` in the language of `Accept-Language` (zh-CN by default).',
    },
    servers: [{ url: `${publicBaseUrl}/api/v1` }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: obj({ error: obj({ code: { type: 'string' }, message: { type: 'string' }, fields: { type: 'object', additionalProperties: { type: 'string' } } }, ['code', 'message']) }, ['error']),
        Site: obj(
          {
            id: { type: 'string' },
            code: { type: 'string' },
            name: { type: 'string' },
            township: { type: 'string' },
            kind: { type: 'string', enum: ['township', 'street'] },
            recipients: { type: ['integer', 'null'] },
            active: { type: 'boolean' },
          },
          ['code', 'name', 'kind'],
        ),
        Question: obj(
          {
            id: { type: 'string' },
            type: { type: 'string', enum: ['likert5', 'single', 'multi', 'rating', 'nps', 'number', 'text'] },
            text: { type: 'string' },
            required: { type: 'boolean' },
            options: { type: 'array', items: obj({ id: { type: 'string' }, label: { type: 'string' } }) },
            dimension: { type: ['string', 'null'] },
            countsTowardSatisfaction: { type: 'boolean' },
            allowNotApplicable: { type: 'boolean' },
          },
          ['id', 'type', 'text'],
        ),
        Survey: obj(
          {
            id: { type: 'string' },
            title: { type: 'string' },
            description: { type: 'string' },
            status: { type: 'string', enum: ['draft', 'open', 'closed', 'archived'] },
            version: { type: 'integer' },
            questions: { type: 'array', items: ref('Question') },
            segmentQuestionId: { type: ['string', 'null'] },
            settings: { type: 'object' },
            responseCount: { type: 'integer' },
          },
          ['title'],
        ),
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
          channel: { type: 'string', enum: ['qr', 'link', 'assisted', 'paper'] },
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
        ReviewInput: obj(
          { action: { type: 'string', enum: ['exclude', 'keep', 'restore'] }, reason: { type: 'string', minLength: 1, maxLength: 500 } },
          ['action', 'reason'],
        ),
        ValidChange: obj({ before: { type: 'integer' }, after: { type: 'integer' } }, ['before', 'after']),
        Reviewed: obj({ response: ref('Response'), before: ref('CountingKind'), after: ref('CountingKind'), valid: ref('ValidChange') }),
        Stats: { type: 'object', description: 'received, valid, satisfaction index and rate with 95% intervals, by station, segment, dimension, question and period' },
        Evaluation: { type: 'object', description: 'project, funding, indicator tree, scores, bindings to survey results, lock' },
        Score: obj({ total: { type: 'number' }, grade: { type: 'string' }, complete: { type: 'boolean' }, dimensions: { type: 'array', items: { type: 'object' } } }),
      },
    },
    paths: {
      '/me': { get: op('account', 'Who the token or session belongs to') },
      '/sites': {
        get: op('sites', 'List stations', { params: [{ name: 'active', in: 'query', schema: { type: 'string', enum: ['true', 'false'] } }], ok: { schema: obj({ sites: { type: 'array', items: ref('Site') } }) } }),
        post: op('sites', 'Create a station', { body: ref('Site'), write: true, ok: { status: '201', schema: obj({ site: ref('Site') }) }, conflict: true }),
      },
      '/sites/import': {
        post: op('sites', 'Import stations from CSV (text/csv body, or JSON {csv}); all rows or none', { write: true, ok: { status: '201' } }),
      },
      '/sites/{id}': {
        get: op('sites', 'One station', { params: [idParam()], ok: { schema: obj({ site: ref('Site') }) } }),
        patch: op('sites', 'Change a station (including active)', { params: [idParam()], body: { type: 'object' }, write: true, conflict: true }),
      },
      '/surveys': {
        get: op('surveys', 'List surveys', { ok: { schema: obj({ surveys: { type: 'array', items: ref('Survey') } }) } }),
        post: op('surveys', 'Create a survey', { body: ref('Survey'), write: true, ok: { status: '201', schema: obj({ survey: ref('Survey') }) } }),
      },
      '/surveys/from-template': {
        post: op('surveys', 'Create the 社工站服务对象满意度调查 template survey', { body: obj({ locale: { type: 'string', enum: ['zh-CN', 'en'] }, title: { type: 'string' } }), write: true, ok: { status: '201' } }),
      },
      '/surveys/{id}': {
        get: op('surveys', 'One survey', { params: [idParam()] }),
        patch: op('surveys', 'Change title, description or settings', { params: [idParam()], body: { type: 'object' }, write: true, conflict: true }),
        delete: op('surveys', 'Delete a draft without responses', { params: [idParam()], write: true, ok: { status: '204' }, conflict: true }),
      },
      '/surveys/{id}/questions': {
        put: op('surveys', 'Replace the questions (a new version once responses exist)', {
          params: [idParam()],
          body: obj({ version: { type: 'integer' }, questions: { type: 'array', items: ref('Question') }, segmentQuestionId: { type: ['string', 'null'] } }, ['version', 'questions']),
          write: true,
          conflict: true,
        }),
      },
      '/surveys/{id}/status': {
        post: op('surveys', 'Move through draft → open → closed → archived', { params: [idParam()], body: obj({ status: { type: 'string', enum: ['draft', 'open', 'closed', 'archived'] } }, ['status']), write: true, conflict: true }),
      },
      '/surveys/{id}/versions': { get: op('surveys', 'Every version of the questions', { params: [idParam()] }) },
      '/surveys/{id}/publications': {
        get: op('publications', 'Stations where the survey is published, with links', { params: [idParam()], ok: { schema: obj({ publications: { type: 'array', items: ref('Publication') } }) } }),
        post: op('publications', 'Publish at stations; `open: true` also opens a draft survey. A draft left closed comes back with a `survey-draft` warning', {
          params: [idParam()],
          body: obj({ siteIds: { type: 'array', items: { type: 'string' } }, open: { type: 'boolean' } }, ['siteIds']),
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
      '/surveys/{id}/stats': { get: op('statistics', 'Dashboard statistics with the dashboard filters', { params: [idParam(), ...FILTER_PARAMS], ok: { schema: ref('Stats') } }) },
      '/surveys/{id}/stats/export': {
        get: op('statistics', 'Statistics workbook (xlsx) or CSV tables (zip), streamed', {
          params: [idParam(), { name: 'format', in: 'query', schema: { type: 'string', enum: ['xlsx', 'zip'] } }, ...FILTER_PARAMS],
          ok: { content: file(['application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 'application/zip']) },
        }),
      },
      '/surveys/{id}/crosstab': {
        get: op('statistics', 'Question × question table (streams the responses)', {
          params: [idParam(), { name: 'row', in: 'query', required: true, schema: { type: 'string' } }, { name: 'col', in: 'query', required: true, schema: { type: 'string' } }, ...FILTER_PARAMS],
        }),
      },
      '/surveys/{id}/responses': {
        get: op('responses', 'Responses, paged (newest last)', {
          params: [idParam(), { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 500 } }, { name: 'offset', in: 'query', schema: { type: 'integer' } }, ...FILTER_PARAMS],
          ok: { schema: obj({ total: { type: 'integer' }, responses: { type: 'array', items: ref('Response') } }) },
        }),
      },
      '/surveys/{id}/responses/export': {
        get: op('responses', 'All matching responses streamed as NDJSON, CSV or XLSX', {
          params: [idParam(), { name: 'format', in: 'query', schema: { type: 'string', enum: ['ndjson', 'csv', 'xlsx'] } }, { name: 'codes', in: 'query', schema: { type: 'string', enum: ['1'] } }, ...FILTER_PARAMS],
          ok: { content: file(['application/x-ndjson', 'text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']) },
        }),
      },
      '/surveys/{id}/responses/review': {
        post: op('responses', 'Exclude, keep or restore many responses of the survey with one reason (at most 500; each its own transaction, audited); reports what changed and what was skipped', {
          params: [idParam()],
          body: obj({ ids: { type: 'array', items: { type: 'string' }, minItems: 1, maxItems: 500 }, action: { type: 'string', enum: ['exclude', 'keep', 'restore'] }, reason: { type: 'string', minLength: 1, maxLength: 500 } }, ['ids', 'action', 'reason']),
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
          body: ref('ReviewInput'),
          write: true,
          ok: { schema: ref('Reviewed') },
          conflict: true,
        }),
      },
      '/responses/{id}/exclusion': {
        post: op('responses', 'Older form: excluded true excludes, false re-includes an excluded response (restores the automatic rules)', {
          params: [idParam()],
          body: obj({ excluded: { type: 'boolean' }, reason: { type: 'string', minLength: 1, maxLength: 500 } }, ['excluded', 'reason']),
          write: true,
          ok: { schema: ref('Reviewed') },
          conflict: true,
        }),
      },
      '/evaluations': {
        get: op('evaluations', 'List evaluations'),
        post: op('evaluations', 'Create an evaluation (from the reference template by default)', { body: { type: 'object' }, write: true, ok: { status: '201', schema: obj({ evaluation: ref('Evaluation') }) } }),
      },
      '/evaluations/{id}': {
        get: op('evaluations', 'One evaluation', { params: [idParam()], ok: { schema: obj({ evaluation: ref('Evaluation') }) } }),
        patch: op('evaluations', 'Change project, funding or grades (send updatedAt)', { params: [idParam()], body: { type: 'object' }, write: true, conflict: true }),
      },
      '/evaluations/{id}/indicators': {
        put: op('evaluations', 'Replace the indicator tree', { params: [idParam()], body: { type: 'object' }, write: true, conflict: true }),
      },
      '/evaluations/{id}/scores/{indicatorId}': {
        put: op('evaluations', 'Enter a score and evidence note for an ordinary indicator', { params: [idParam(), idParam('indicatorId', 'indicator id')], body: { type: 'object' }, write: true, conflict: true }),
      },
      '/evaluations/{id}/bindings/{indicatorId}': {
        put: op('evaluations', 'Bind an indicator to survey results with a scoring rule', { params: [idParam(), idParam('indicatorId', 'indicator id')], body: { type: 'object' }, write: true, conflict: true }),
        delete: op('evaluations', 'Unbind an indicator', { params: [idParam(), idParam('indicatorId', 'indicator id')], write: true, conflict: true }),
      },
      '/evaluations/{id}/lock': { post: op('evaluations', 'Lock: freeze the survey evidence used', { params: [idParam()], write: true, conflict: true }) },
      '/evaluations/{id}/unlock': { post: op('evaluations', 'Unlock (administrators; a reason is required and audited)', { params: [idParam()], body: obj({ reason: { type: 'string' } }, ['reason']), write: true, conflict: true }) },
      '/evaluations/{id}/score': { get: op('evaluations', 'Total, grade, dimensions and the satisfaction evidence', { params: [idParam()], ok: { schema: ref('Score') } }) },
      '/openapi.json': { get: op('meta', 'This document') },
    },
  };
}
