import { z } from 'zod';
import { freeTextSchema } from '../../models/common';
import { APPEAL_KINDS, CASE_ACTIONS, CASE_STEPS, FINDINGS } from '../../models/case';
import type { StepInput } from '../domain/cases/case-flow';
import { ValidationError } from '../errors';

/**
 * A case step as a form or the API sends it, and the service's step made of it: apart from
 * cases-api.ts (the API's shapes, which read the service's rows) so the service and the API's
 * shapes do not import each other.
 */

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/);

/** PATCH /cases/{id}: one step. Which fields a step needs is checked after the schema (400 naming the field). */
export const caseStepSchema = z.strictObject({
  step: z.enum(CASE_STEPS),
  note: freeTextSchema(2000).default(''),
  finding: z.enum(FINDINGS).optional().meta({ description: 'verify: 属实 (true), 部分属实 (partly), 不属实 (false)' }),
  action: z.enum(CASE_ACTIONS).optional().meta({ description: 'act: 立行立改, 限期整改 (with item and itemDue), 解释说明 (the only one after 不属实)' }),
  item: freeTextSchema(500).optional(),
  itemDue: day.optional(),
  appeal: z.enum(APPEAL_KINDS).optional().meta({ description: 'appeal: 恶意 (malicious) or 误评 (mistaken)' }),
  updatedAt: z.iso.datetime().optional().meta({ description: 'the case’s updatedAt the step is based on: 409 when it has changed since' }),
});

/** The service's step from a parsed body; a field the step needs but the body lacks is a 400 naming it. */
export function stepFromBody(b: z.output<typeof caseStepSchema>): StepInput {
  const need = (v: unknown, field: string) => {
    if (v === undefined) throw new ValidationError({ [field]: { key: 'cases.error.choose' } });
  };
  switch (b.step) {
    case 'verify':
      need(b.finding, 'finding');
      return { step: 'verify', finding: b.finding!, note: b.note };
    case 'act':
      need(b.action, 'action');
      return { step: 'act', action: b.action!, item: b.item ?? '', itemDue: b.itemDue ?? null, note: b.note };
    case 'appeal':
      need(b.appeal, 'appeal');
      return { step: 'appeal', appeal: b.appeal!, note: b.note };
    default:
      return { step: b.step, note: b.note };
  }
}
