import { newId } from '../ids';
import type { Actor, Deps } from './context';

/**
 * Every action the audit log records. Each has a name in the catalog (auditlog.action.<code>, zh-CN
 * and English) and a sentence for its details (server/domain/audit-words.ts); a test checks both.
 * 'response.include' is what restoring an exclusion was called before: old events still carry it.
 */
export const AUDIT_ACTIONS = [
  'login',
  'login.failed',
  'logout',
  'user.create',
  'user.update',
  'user.activate',
  'user.deactivate',
  'user.locked',
  'user.passwordReset',
  'user.passwordChange',
  'user.passwordChangeFailed',
  'token.create',
  'site.create',
  'site.update',
  'site.activate',
  'site.deactivate',
  'site.import',
  'survey.create',
  'survey.update',
  'survey.questions',
  'survey.status',
  'survey.delete',
  'survey.publish',
  'publication.activate',
  'publication.deactivate',
  'test-response.submit',
  'test-response.delete',
  'response.exclude',
  'response.keep',
  'response.restore',
  'response.include',
  'evaluation.create',
  'evaluation.update',
  'evaluation.tree',
  'evaluation.score',
  'evaluation.bind',
  'evaluation.unbind',
  'evaluation.lock',
  'evaluation.unlock',
  'evaluation.report',
  'evaluation.file.upload',
  'evaluation.file.remove',
  'evaluation.file.download',
  'evaluation.expertScores',
  'evaluation.experts',
  'evaluation.consensus',
  'rectification.update',
  'rectification.import',
  'rectification.file.upload',
  'rectification.file.remove',
  'export.responses',
  'export.statistics',
  'export.scorecard',
  'print.report',
  'print.scorecard',
  'poster.download',
  'poster.print',
  'qr.download',
  'report.print',
  'report.docx',
  'case.contact',
  'case.contact.view',
  'case.contacted',
  'case.verify',
  'case.act',
  'case.close',
  'case.review',
  'case.reopen',
  'case.appeal',
  'case.settings',
  'calendar.update',
  'user.email',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export function isAuditAction(value: unknown): value is AuditAction {
  return typeof value === 'string' && (AUDIT_ACTIONS as readonly string[]).includes(value);
}

/** Appends one audit event: who did what to which thing. */
export async function audit(
  deps: Pick<Deps, 'store' | 'clock'>,
  actor: Actor,
  action: AuditAction,
  target: { type: string; id?: string | null },
  details: Record<string, unknown> = {},
): Promise<void> {
  await deps.store.audit.append({
    id: newId(),
    at: deps.clock().toISOString(),
    actorId: actor.id,
    actorName: actor.name,
    action,
    targetType: target.type,
    targetId: target.id ?? null,
    details,
  });
}
