import { newId } from '../ids';
import type { Actor, Deps } from './context';

/** Appends one audit event: who did what to which thing. */
export async function audit(
  deps: Pick<Deps, 'store' | 'clock'>,
  actor: Actor,
  action: string,
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
