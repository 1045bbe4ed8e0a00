import type { EvaluationData, Scorecard } from '../evaluation';
import { leavesOf } from '../evaluation-tree';
import { summarisePanel } from '../experts';
import { lostPoints } from './compose';

/**
 * What must be settled before an evaluation is locked, beyond the scorecard itself: every ordinary
 * indicator scored below its points has a 扣分原因 (its score's note; a bound indicator's reason is
 * its rule's explanation), and every indicator the experts disagree on beyond the threshold has an
 * agreed score (合议).
 */
export interface LockRefusals {
  missingReasons: { id: string; name: string }[];
  unresolved: { id: string; name: string }[];
}

export function lockRefusals(data: EvaluationData, card: Scorecard): LockRefusals {
  const names = new Map(card.nodes.map((n) => [n.id, n.name]));
  const missingReasons = card.nodes
    .filter((n) => n.leaf && n.rule === undefined && lostPoints(n) && !(data.scores[n.id]?.note ?? '').trim())
    .map((n) => ({ id: n.id, name: n.name }));
  const unresolved = summarisePanel(data.experts, leavesOf(data.tree).map((n) => n.id)).unresolved.map((id) => ({ id, name: names.get(id) ?? id }));
  return { missingReasons, unresolved };
}
