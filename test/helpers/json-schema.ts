/**
 * A small JSON Schema 2020-12 validator for the keywords zod's toJSONSchema writes, and a generator
 * of test cases from a schema. Written here rather than taken from zod so that the OpenAPI test
 * judges the document by what it says, not by the library that produced it.
 */
export type JsonSchema = Record<string, unknown>;

type Json = unknown;

const isObject = (v: Json): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v);

function typeOf(v: Json): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

const typeMatches = (type: string, v: Json) => type === typeOf(v) || (type === 'number' && typeOf(v) === 'integer');

const deepEqual = (a: Json, b: Json): boolean => JSON.stringify(a) === JSON.stringify(b);

export class SchemaValidator {
  constructor(private readonly root: JsonSchema) {}

  /** Resolves a local $ref (#/components/schemas/X, #/$defs/X). */
  resolve(schema: JsonSchema): JsonSchema {
    let s = schema;
    while (typeof s.$ref === 'string') {
      const parts = (s.$ref as string).replace(/^#\//, '').split('/');
      let at: Json = this.root;
      for (const p of parts) at = (at as Record<string, Json>)[p];
      if (!isObject(at)) throw new Error(`unresolvable $ref ${String(s.$ref)}`);
      s = at;
    }
    return s;
  }

  /** The problems of `value` against `schema`, each as "path: keyword"; [] when it is valid. */
  errors(schema: JsonSchema | boolean, value: Json, path = ''): string[] {
    if (schema === true) return [];
    if (schema === false) return [`${path}: false`];
    const s = this.resolve(schema);
    const out: string[] = [];
    const fail = (keyword: string) => out.push(`${path || '(root)'}: ${keyword}`);
    if (s.type !== undefined) {
      const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
      if (!types.some((t) => typeMatches(t, value))) return [`${path || '(root)'}: type`];
    }
    if (s.enum && !(s.enum as Json[]).some((e) => deepEqual(e, value))) fail('enum');
    if ('const' in s && !deepEqual(s.const, value)) fail('const');
    if (s.anyOf && !(s.anyOf as JsonSchema[]).some((b) => this.errors(b, value, path).length === 0)) fail('anyOf');
    if (s.oneOf && (s.oneOf as JsonSchema[]).filter((b) => this.errors(b, value, path).length === 0).length !== 1) fail('oneOf');
    if (s.allOf) for (const b of s.allOf as JsonSchema[]) out.push(...this.errors(b, value, path));
    if (s.not && this.errors(s.not as JsonSchema, value, path).length === 0) fail('not');
    if (typeof value === 'string') {
      const length = [...value].length;
      if (typeof s.minLength === 'number' && length < s.minLength) fail('minLength');
      if (typeof s.maxLength === 'number' && length > s.maxLength) fail('maxLength');
      if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test(value)) fail('pattern');
    }
    if (typeof value === 'number') {
      if (typeof s.minimum === 'number' && value < s.minimum) fail('minimum');
      if (typeof s.maximum === 'number' && value > s.maximum) fail('maximum');
      if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) fail('exclusiveMinimum');
      if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) fail('exclusiveMaximum');
    }
    if (Array.isArray(value)) {
      if (typeof s.minItems === 'number' && value.length < s.minItems) fail('minItems');
      if (typeof s.maxItems === 'number' && value.length > s.maxItems) fail('maxItems');
      const prefix = (s.prefixItems as JsonSchema[] | undefined) ?? [];
      value.forEach((item, i) => {
        const itemSchema = i < prefix.length ? prefix[i] : (s.items as JsonSchema | boolean | undefined);
        if (itemSchema !== undefined) out.push(...this.errors(itemSchema, item, `${path}${path ? '.' : ''}${i}`));
      });
    }
    if (isObject(value)) {
      const props = (s.properties as Record<string, JsonSchema> | undefined) ?? {};
      for (const r of (s.required as string[] | undefined) ?? []) if (!(r in value)) out.push(`${path}${path ? '.' : ''}${r}: required`);
      for (const [k, v] of Object.entries(value)) {
        const at = `${path}${path ? '.' : ''}${k}`;
        if (s.propertyNames) out.push(...this.errors(s.propertyNames as JsonSchema, k, at).map((e) => `${e} (name)`));
        if (k in props) out.push(...this.errors(props[k]!, v, at));
        else if (s.additionalProperties !== undefined) out.push(...this.errors(s.additionalProperties as JsonSchema | boolean, v, at).map((e) => (s.additionalProperties === false ? `${at}: additionalProperties` : e)));
      }
    }
    return out;
  }
}

export interface GeneratedCase {
  name: string;
  body: Json;
  /** The field the mutation touched (dotted path; 'form' for the body as a whole). */
  field: string;
}

const clone = <T>(v: T): T => structuredClone(v);

function setAt(body: Json, path: (string | number)[], value: Json | typeof REMOVE): Json {
  if (path.length === 0) return value;
  const copy = clone(body) as Record<string | number, Json>;
  let at = copy;
  for (const p of path.slice(0, -1)) at = at[p] as Record<string | number, Json>;
  const last = path[path.length - 1]!;
  if (value === REMOVE) delete at[last];
  else at[last] = value;
  return copy;
}

const REMOVE = Symbol('remove');
const WRONG_TYPES: Json[] = ['text', 12345, true, null, [], {}];

/**
 * Cases from a schema and one valid body: for every object the body holds (up to `depth` levels,
 * the first element of arrays included), leave out each property, add an unknown one, give each
 * property a value of a type its schema refuses and values just outside its range. Each case says
 * the field it touched; whether the schema accepts it is for the validator to say.
 */
export function generateCases(v: SchemaValidator, schema: JsonSchema, body: Json, depth = 4): GeneratedCase[] {
  const cases: GeneratedCase[] = [];
  const name = (path: (string | number)[]) => (path.length ? path.join('.') : 'form');
  cases.push({ name: 'the body as an array', body: [body], field: 'form' });

  /** The branch of a nullable/union schema that the current value matches (to recurse into and mutate). */
  const branchFor = (s: JsonSchema, value: Json): JsonSchema => {
    const r = v.resolve(s);
    const branches = (r.anyOf ?? r.oneOf) as JsonSchema[] | undefined;
    if (!branches) return r;
    const hit = branches.find((b) => v.errors(b, value).length === 0) ?? branches.find((b) => v.resolve(b).type !== 'null') ?? r;
    return v.resolve(hit);
  };

  const outOfRange = (s: JsonSchema, value: Json): [string, Json][] => {
    const out: [string, Json][] = [];
    if (Array.isArray(s.enum) || typeof s.const === 'string') out.push(['not an option', '__not_an_option__']);
    if (s.type === 'string' || typeof value === 'string') {
      if (typeof s.maxLength === 'number') out.push([`${s.maxLength + 1} characters`, 'x'.repeat(s.maxLength + 1)]);
      if (typeof s.minLength === 'number' && s.minLength > 0) out.push(['empty', '']);
      if (typeof s.pattern === 'string') out.push(['not matching its pattern', '!!']);
    }
    if (typeof value === 'number' || s.type === 'number' || s.type === 'integer') {
      if (typeof s.maximum === 'number') out.push(['above its maximum', s.maximum + 1]);
      if (typeof s.minimum === 'number') out.push(['below its minimum', s.minimum - 1]);
      if (typeof s.exclusiveMinimum === 'number') out.push(['at its exclusive minimum', s.exclusiveMinimum]);
      if (s.type === 'integer') out.push(['not whole', 1.5]);
    }
    if (Array.isArray(value)) {
      if (typeof s.maxItems === 'number' && value.length > 0 && s.maxItems <= 2000) out.push([`${s.maxItems + 1} items`, Array.from({ length: s.maxItems + 1 }, () => value[0])]);
      if (typeof s.minItems === 'number' && s.minItems > 0) out.push(['no items', []]);
    }
    return out;
  };

  const visit = (s0: JsonSchema, value: Json, path: (string | number)[], level: number) => {
    const s = branchFor(s0, value);
    if (Array.isArray(value) && value.length > 0 && level < depth && isObject(s.items)) visit(s.items as JsonSchema, value[0], [...path, 0], level + 1);
    if (!isObject(value) || !isObject(s.properties)) return;
    const props = s.properties as Record<string, JsonSchema>;
    const required = new Set((s.required as string[] | undefined) ?? []);
    for (const key of Object.keys(value)) {
      if (!(key in props)) continue;
      const at = [...path, key];
      cases.push({ name: `${name(at)} left out${required.has(key) ? ' (required)' : ''}`, body: setAt(body, at, REMOVE), field: name(at) });
      const wrong = WRONG_TYPES.find((w) => v.errors(props[key]!, w).length > 0);
      if (wrong !== undefined) cases.push({ name: `${name(at)} of the wrong type (${JSON.stringify(wrong)})`, body: setAt(body, at, wrong), field: name(at) });
      for (const [what, bad] of outOfRange(branchFor(props[key]!, value[key]), value[key])) cases.push({ name: `${name(at)} ${what}`, body: setAt(body, at, bad), field: name(at) });
      if (level < depth) visit(props[key]!, value[key], at, level + 1);
    }
    if (s.additionalProperties === false) {
      const at = [...path, 'unexpectedField'];
      cases.push({ name: `${name(at)} (unknown)`, body: setAt(body, at, 1), field: name(at) });
    }
  };
  visit(schema, body, [], 0);
  return cases;
}
