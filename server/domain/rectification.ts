import { z } from 'zod';
import { idSchema, textSchema } from '../../models/common';
import { evidenceFileSchema, EVIDENCE_FILES_PER_INDICATOR, type EvidenceFile, type Problem } from './report/facts';

/**
 * 整改 (rectification): each 存在问题 of an evaluation becomes an item with a responsible unit, a
 * deadline, a status, a note of what was done and evidence files. Items live in the evaluation's
 * data, but unlike the scores they stay editable after the lock: rectification happens after the
 * report is delivered (see docs/decisions.md). Items carried over from an earlier evaluation keep a
 * link back to it.
 */

/** 未整改 / 整改中 / 已完成 / 不再整改 (with a reason). */
export const RECTIFICATION_STATUSES = ['open', 'inProgress', 'done', 'dropped'] as const;
export type RectificationStatus = (typeof RECTIFICATION_STATUSES)[number];

/** The statuses of an item still to be rectified: these are carried over to the next period. */
export const OPEN_STATUSES: readonly RectificationStatus[] = ['open', 'inProgress'];
export const isOpen = (status: RectificationStatus) => OPEN_STATUSES.includes(status);

/** Stored items: the carried-over ones and those of this evaluation's problems (at most 50). */
export const MAX_RECTIFICATION_ITEMS = 300;
/** The most items one evaluation takes over from an earlier one. */
export const MAX_CARRIED = 250;

const day = z.iso.date();

/** Where a carried-over item came from: the earlier evaluation and its item. */
export const rectificationSourceSchema = z.object({ evaluationId: idSchema, itemId: idSchema, evaluationName: textSchema(200).default('') });
export type RectificationSource = z.output<typeof rectificationSourceSchema>;

/** What people edit on an item. */
export const rectificationFieldsSchema = z.object({
  /** 责任单位 */
  unit: textSchema(200).default(''),
  /** 整改期限 (a calendar day, read in the configured zone). */
  deadline: day.nullable().default(null),
  status: z.enum(RECTIFICATION_STATUSES).default('open'),
  /** Why it is no longer rectified (required for 不再整改). */
  reason: textSchema(1000).default(''),
  /** What was done (整改情况). */
  note: textSchema(4000).default(''),
});

/**
 * One stored item. An item of one of this evaluation's problems has the problem's id as its own id
 * and `problemId` set (its text is the problem's, read live); a carried-over item has no problemId,
 * keeps the problem's text as it was and names its source.
 */
export const rectificationItemSchema = rectificationFieldsSchema
  .extend({
    id: idSchema,
    problemId: idSchema.nullable().default(null),
    problem: textSchema(1000).default(''),
    files: z.array(evidenceFileSchema).max(EVIDENCE_FILES_PER_INDICATOR).default(() => []),
    source: rectificationSourceSchema.nullable().default(null),
    updatedAt: z.iso.datetime().nullable().default(null),
    updatedBy: textSchema(100).default(''),
  })
  .refine((i) => i.status !== 'dropped' || i.reason.trim().length > 0, { path: ['reason'], message: 'a reason is required', params: { key: 'rectification.reasonRequired' } });
export type RectificationItem = z.output<typeof rectificationItemSchema>;

export const rectificationSchema = z.object({ items: z.array(rectificationItemSchema).max(MAX_RECTIFICATION_ITEMS).default(() => []) });
export type Rectification = z.output<typeof rectificationSchema>;
export const emptyRectification = (): Rectification => ({ items: [] });

/** An item as shown: its text resolved and whether it is past its deadline. */
export interface RectificationView extends RectificationItem {
  /** Whether the item was carried over from an earlier evaluation. */
  carried: boolean;
  overdue: boolean;
}

const fresh = (problem: Problem): RectificationItem => ({
  id: problem.id,
  problemId: problem.id,
  problem: problem.text,
  unit: '',
  deadline: null,
  status: 'open',
  reason: '',
  note: '',
  files: [],
  source: null,
  updatedAt: null,
  updatedBy: '',
});

/** Overdue: still open and its deadline (a local day) is before today (the local day, in the same zone). */
export const isOverdue = (item: Pick<RectificationItem, 'deadline' | 'status'>, today: string): boolean => isOpen(item.status) && item.deadline !== null && item.deadline < today;

/**
 * The evaluation's items: one per 存在问题 in the problems' order (untouched ones are 未整改 with
 * nothing filled in), then the items carried over from an earlier evaluation.
 */
export function rectificationItems(problems: readonly Problem[], rectification: Rectification, today: string): RectificationView[] {
  const stored = new Map(rectification.items.filter((i) => i.problemId !== null).map((i) => [i.problemId!, i]));
  const own = problems.map((p) => ({ ...(stored.get(p.id) ?? fresh(p)), problem: p.text }));
  const carried = rectification.items.filter((i) => i.problemId === null);
  return [...own.map((i) => ({ ...i, carried: false })), ...carried.map((i) => ({ ...i, carried: true }))].map((i) => ({ ...i, overdue: isOverdue(i, today) }));
}

/** Keeps the items of problems that still exist, and every carried-over item. */
export function pruneRectification(rectification: Rectification, problems: readonly Problem[]): Rectification {
  const ids = new Set(problems.map((p) => p.id));
  return { items: rectification.items.filter((i) => i.problemId === null || ids.has(i.problemId)) };
}

/** An item written back (created from its problem when it was untouched). */
export function withItem(rectification: Rectification, item: RectificationItem): Rectification {
  const rest = rectification.items.filter((i) => i.id !== item.id);
  const at = rectification.items.findIndex((i) => i.id === item.id);
  const { problem: _text, ...kept } = item;
  // An own item's text is read from its problem; only carried-over items keep theirs.
  const stored: RectificationItem = { ...kept, problem: item.problemId ? '' : item.problem };
  return { items: at < 0 ? [...rest, stored] : [...rest.slice(0, at), stored, ...rest.slice(at)] };
}

/**
 * The items the next period starts with: the open ones (未整改, 整改中) of an earlier evaluation, each
 * with a new id, its text, unit, deadline, status, note and evidence files as they were, and a link
 * back to the item it came from. The earlier evaluation is not changed.
 */
export function carryOver(items: readonly RectificationView[], source: { id: string; name: string }, newId: () => string): RectificationItem[] {
  return items
    .filter((i) => isOpen(i.status))
    .map((i) => ({
      id: newId(),
      problemId: null,
      problem: i.problem,
      unit: i.unit,
      deadline: i.deadline,
      status: i.status,
      reason: '',
      note: i.note,
      files: i.files.map((f: EvidenceFile) => ({ ...f })),
      source: { evaluationId: source.id, itemId: i.id, evaluationName: source.name.slice(0, 200) },
      updatedAt: null,
      updatedBy: '',
    }));
}

/** Counts by status, for the page's summary and the report's annex. */
export function statusCounts(items: readonly RectificationView[]): Record<RectificationStatus | 'overdue', number> {
  const out = { open: 0, inProgress: 0, done: 0, dropped: 0, overdue: 0 };
  for (const i of items) {
    out[i.status] += 1;
    if (i.overdue) out.overdue += 1;
  }
  return out;
}

/** The latest change to any item (the annex says "as of" it), or null when none was ever changed. */
export function lastChange(rectification: Rectification): string | null {
  const times = rectification.items.map((i) => i.updatedAt).filter((t): t is string => !!t).sort();
  return times.length ? times[times.length - 1]! : null;
}
