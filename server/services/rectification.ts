import { z } from 'zod';
import { EVIDENCE_FILES_PER_INDICATOR, type EvidenceFile } from '../domain/report/facts';
import {
  rectificationFieldsSchema,
  rectificationItems,
  statusCounts,
  withItem,
  type RectificationItem,
  type RectificationStatus,
  type RectificationView,
} from '../domain/rectification';
import { localDay } from '../domain/time';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { audit } from './audit';
import type { Actor, Deps } from './context';
import { changeRectification, getEvaluation, listEvaluations, type Evaluation, type EvaluationWithProblems } from './evaluations';
import { checkedUpload, storeEvidenceBytes, type UploadedFile } from './report';
import { assertCanManage } from './permissions';
import { parseInput } from './validate';

/**
 * 整改 items of an evaluation: the page and the API read them; admins and evaluators update them,
 * locked or not (the lock freezes the scores and the report's facts, not the rectification that
 * follows the report). Every change is audited with what changed.
 */

export interface RectificationModel {
  evaluation: EvaluationWithProblems;
  items: RectificationView[];
  counts: Record<RectificationStatus | 'overdue', number>;
  /** Today in the configured zone (items past their deadline before it are overdue). */
  today: string;
}

const stampSchema = z.string().min(1).max(40).meta({ description: 'the evaluation’s updatedAt the change is based on; 409 when it has changed since' });

/** Today as a local day in the configured zone. */
export const today = (deps: Deps): string => localDay(deps.clock(), deps.config.timeZone);

export const itemsOf = (deps: Deps, evaluation: Evaluation): RectificationView[] => rectificationItems(evaluation.data.report.problems, evaluation.data.rectification, today(deps));

export async function rectificationModel(deps: Deps, actor: Actor, id: string): Promise<RectificationModel> {
  const evaluation = await getEvaluation(deps, actor, id);
  const items = itemsOf(deps, evaluation);
  return { evaluation, items, counts: statusCounts(items), today: today(deps) };
}

/** Earlier evaluations the creation form offers to import open items from: those with an open item. */
export async function importSources(deps: Deps, actor: Actor): Promise<{ id: string; name: string; open: number }[]> {
  const out: { id: string; name: string; open: number }[] = [];
  for (const record of await listEvaluations(deps, actor)) {
    const evaluation = await getEvaluation(deps, actor, record.id);
    const open = itemsOf(deps, evaluation).filter((i) => i.status === 'open' || i.status === 'inProgress').length;
    if (open) out.push({ id: record.id, name: record.name, open });
  }
  return out;
}

/** PATCH of one item: the fields sent are replaced, the others kept. */
export const rectificationPatchSchema = z.strictObject({
  updatedAt: stampSchema,
  unit: rectificationFieldsSchema.shape.unit.unwrap().optional().meta({ description: '责任单位' }),
  deadline: rectificationFieldsSchema.shape.deadline.unwrap().optional().meta({ description: '整改期限, a calendar day (YYYY-MM-DD) in the configured zone; null clears it' }),
  status: rectificationFieldsSchema.shape.status.unwrap().optional().meta({ description: 'open 未整改, inProgress 整改中, done 已完成, dropped 不再整改 (needs a reason)' }),
  reason: rectificationFieldsSchema.shape.reason.unwrap().optional().meta({ description: 'why it is no longer rectified; required with status dropped' }),
  note: rectificationFieldsSchema.shape.note.unwrap().optional().meta({ description: '整改情况: what was done' }),
});

const FIELDS = ['unit', 'deadline', 'status', 'reason', 'note'] as const;

function itemOrFail(items: RectificationView[], itemId: string): RectificationView {
  const item = items.find((i) => i.id === itemId);
  if (!item) throw new NotFoundError();
  return item;
}

/** The view without what is derived, as stored. */
const stored = ({ carried: _c, overdue: _o, ...item }: RectificationView): RectificationItem => item;

/** Updates one item's unit, deadline, status, reason and note (those sent). 不再整改 needs a reason. */
export async function updateRectificationItem(deps: Deps, actor: Actor, id: string, itemId: string, input: unknown): Promise<{ evaluation: EvaluationWithProblems; item: RectificationView }> {
  assertCanManage(actor);
  const { updatedAt, ...patch } = parseInput(rectificationPatchSchema, input);
  const changes: Record<string, { from: unknown; to: unknown }> = {};
  let problem = '';
  const evaluation = await changeRectification(deps, actor, id, updatedAt, (current) => {
    const item = itemOrFail(itemsOf(deps, current), itemId);
    problem = item.problem;
    const next: RectificationItem = { ...stored(item), ...patch };
    // A reason belongs to 不再整改 only.
    if (next.status !== 'dropped') next.reason = '';
    if (next.status === 'dropped' && !next.reason.trim()) throw new ValidationError({ reason: { key: 'rectification.reasonRequired' } });
    for (const f of FIELDS) if (next[f] !== item[f]) changes[f] = { from: item[f], to: next[f] };
    next.updatedAt = deps.clock().toISOString();
    next.updatedBy = actor.name;
    return withItem(current.data.rectification, next);
  });
  await audit(deps, actor, 'rectification.update', { type: 'evaluation', id }, { itemId, problem: problem.slice(0, 100), changes });
  return { evaluation, item: itemOrFail(itemsOf(deps, evaluation), itemId) };
}

/** Attaches a file to an item as its evidence (the report's evidence checks and content-hash store). */
export async function addRectificationFile(deps: Deps, actor: Actor, id: string, itemId: string, input: { updatedAt: unknown; file: UploadedFile | null }): Promise<{ evaluation: EvaluationWithProblems; file: EvidenceFile; stored: boolean }> {
  assertCanManage(actor);
  const updatedAt = parseInput(stampSchema, input.updatedAt);
  const { file, bytes } = checkedUpload(deps, actor, input.file);
  let isNew = false;
  const evaluation = await changeRectification(deps, actor, id, updatedAt, async (current) => {
    const item = itemOrFail(itemsOf(deps, current), itemId);
    if (item.files.some((f) => f.sha256 === file.sha256)) throw new ConflictError('rectification.files.already');
    if (item.files.length >= EVIDENCE_FILES_PER_INDICATOR) throw new ConflictError('reportui.files.tooMany', { max: EVIDENCE_FILES_PER_INDICATOR });
    // Stored only once permission and freshness have been checked.
    isNew = await storeEvidenceBytes(deps, file, bytes);
    return withItem(current.data.rectification, { ...stored(item), files: [...item.files, file], updatedAt: file.uploadedAt, updatedBy: actor.name });
  });
  await audit(deps, actor, 'rectification.file.upload', { type: 'evaluation', id }, { itemId, fileId: file.id, name: file.name, size: file.size, sha256: file.sha256, stored: isNew ? 'new' : 'existing' });
  return { evaluation, file, stored: isNew };
}

/** Detaches a file from an item (its bytes stay: other items or indicators may attach them). */
export async function removeRectificationFile(deps: Deps, actor: Actor, id: string, itemId: string, fileId: string, input: unknown): Promise<EvaluationWithProblems> {
  assertCanManage(actor);
  const { updatedAt } = parseInput(z.strictObject({ updatedAt: stampSchema }), input);
  let removed: EvidenceFile | undefined;
  const evaluation = await changeRectification(deps, actor, id, updatedAt, (current) => {
    const item = itemOrFail(itemsOf(deps, current), itemId);
    removed = item.files.find((f) => f.id === fileId);
    if (!removed) throw new NotFoundError();
    return withItem(current.data.rectification, { ...stored(item), files: item.files.filter((f) => f.id !== fileId), updatedAt: deps.clock().toISOString(), updatedBy: actor.name });
  });
  await audit(deps, actor, 'rectification.file.remove', { type: 'evaluation', id }, { itemId, fileId, name: removed?.name ?? '', sha256: removed?.sha256 ?? '' });
  return evaluation;
}
