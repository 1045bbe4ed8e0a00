import type { z } from 'zod';
import { ValidationError, type FieldErrors } from '../errors';
import type { MessageKey } from '../i18n';

type Issue = z.core.$ZodIssue;

/** One zod issue as a catalog message the user can act on. */
export function issueMessage(issue: Issue): { key: MessageKey; params?: Record<string, string | number> } {
  switch (issue.code) {
    case 'invalid_type':
      if ((issue as { input?: unknown }).input === undefined) return { key: 'field.required' };
      return issue.expected === 'number' ? { key: 'field.number' } : { key: 'field.invalid' };
    case 'too_big':
      if (issue.origin === 'string') return { key: 'field.tooLong', params: { max: Number(issue.maximum) } };
      if (issue.origin === 'number') return { key: 'field.max', params: { max: Number(issue.maximum) } };
      return { key: 'field.tooMany', params: { max: Number(issue.maximum) } };
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? { key: 'field.required' } : { key: 'field.tooShort', params: { min: Number(issue.minimum) } };
      if (issue.origin === 'number') return { key: 'field.min', params: { min: Number(issue.minimum) } };
      return { key: 'field.required' };
    case 'invalid_value':
      return { key: 'field.option' };
    case 'unrecognized_keys':
      return { key: 'field.unknownKey', params: { name: issue.keys.join(', ') } };
    case 'invalid_format':
      return issue.format === 'datetime' || issue.format === 'date' ? { key: 'field.date' } : { key: 'field.invalid' };
    case 'custom': {
      // A refinement may name its message: { params: { key, params } } (see funding.ts, statistics.ts).
      const named = (issue.params ?? {}) as { key?: unknown; params?: Record<string, string | number> };
      return typeof named.key === 'string' ? { key: named.key as MessageKey, ...(named.params ? { params: named.params } : {}) } : { key: 'field.invalid' };
    }
    default:
      return { key: 'field.invalid' };
  }
}

/** Field errors keyed by the dotted path of each problem (first problem per field). */
export function fieldErrors(error: z.ZodError): FieldErrors {
  const out: FieldErrors = {};
  for (const issue of error.issues) {
    const name = issue.path.length ? issue.path.join('.') : 'form';
    out[name] ??= issueMessage(issue);
  }
  return out;
}

/** Parses input with a schema or throws a ValidationError (400) that says what is wrong, field by field. */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown): z.infer<S> {
  // reportInput lets issueMessage tell a missing value (required) from a wrong one.
  const result = schema.safeParse(input, { reportInput: true });
  if (!result.success) throw new ValidationError(fieldErrors(result.error));
  return result.data;
}
