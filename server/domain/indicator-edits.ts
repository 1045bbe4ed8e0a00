import { flattenTree, LEAF_LEVEL, leavesOf, type IndicatorNode } from './evaluation-tree';

/**
 * One change to the indicator tree (指标体系) as the tree editor makes it. Pure: ids and the names
 * of placeholder sub-indicators come from the caller. The tree keeps its shape (every dimension
 * and group has at least one sub-indicator, leaves sit at level 3), so it always passes
 * indicatorTreeSchema; whether its points add up is checkTree's business, not a refusal.
 */
export type TreeEdit =
  | { op: 'add'; parentId: string | null; name: string; points: number }
  | { op: 'update'; nodeId: string; name: string; points: number }
  | { op: 'remove'; nodeId: string };

export type TreeEditRefusal = 'unknownNode' | 'tooDeep' | 'lastChild';

export type TreeEditResult =
  | { ok: true; tree: IndicatorNode[]; nodeId: string; removed: string[] }
  | { ok: false; refusal: TreeEditRefusal };

export interface TreeEditContext {
  /** A new indicator id, unique in the tree (the caller checks against `taken`). */
  newId: (taken: ReadonlySet<string>) => string;
  /** Names of the sub-indicators created with a new dimension or group, so its shape stays valid. */
  placeholderGroup: string;
  placeholderLeaf: string;
}

const clone = (tree: readonly IndicatorNode[]): IndicatorNode[] => tree.map((n) => ({ ...n, children: clone(n.children) }));

function locate(tree: IndicatorNode[], id: string): { node: IndicatorNode; level: number; siblings: IndicatorNode[] } | null {
  const visit = (nodes: IndicatorNode[], level: number): ReturnType<typeof locate> => {
    for (const node of nodes) {
      if (node.id === id) return { node, level, siblings: nodes };
      const found = visit(node.children, level + 1);
      if (found) return found;
    }
    return null;
  };
  return visit(tree, 1);
}

/**
 * Applies one edit to a copy of the tree. A new dimension (level 1) comes with one group and one
 * indicator, a new group with one indicator, each with the same points, so what was added adds up
 * by itself. Removing takes the node's whole branch; the only sub-indicator of a dimension or group
 * cannot be removed (remove the parent instead).
 */
export function applyTreeEdit(tree: readonly IndicatorNode[], edit: TreeEdit, ctx: TreeEditContext): TreeEditResult {
  const next = clone(tree);
  const taken = new Set(flattenTree(next).map((f) => f.node.id));
  const fresh = () => {
    const id = ctx.newId(taken);
    taken.add(id);
    return id;
  };
  switch (edit.op) {
    case 'add': {
      let level = 1;
      let siblings = next;
      if (edit.parentId !== null) {
        const parent = locate(next, edit.parentId);
        if (!parent) return { ok: false, refusal: 'unknownNode' };
        if (parent.level >= LEAF_LEVEL) return { ok: false, refusal: 'tooDeep' };
        level = parent.level + 1;
        siblings = parent.node.children;
      }
      const node: IndicatorNode = { id: fresh(), name: edit.name, points: edit.points, children: [] };
      let bottom = node;
      for (let l = level; l < LEAF_LEVEL; l++) {
        const child: IndicatorNode = { id: fresh(), name: l + 1 === LEAF_LEVEL ? ctx.placeholderLeaf : ctx.placeholderGroup, points: edit.points, children: [] };
        bottom.children.push(child);
        bottom = child;
      }
      siblings.push(node);
      return { ok: true, tree: next, nodeId: node.id, removed: [] };
    }
    case 'update': {
      const found = locate(next, edit.nodeId);
      if (!found) return { ok: false, refusal: 'unknownNode' };
      found.node.name = edit.name;
      found.node.points = edit.points;
      return { ok: true, tree: next, nodeId: found.node.id, removed: [] };
    }
    case 'remove': {
      const found = locate(next, edit.nodeId);
      if (!found) return { ok: false, refusal: 'unknownNode' };
      if (found.level > 1 && found.siblings.length === 1) return { ok: false, refusal: 'lastChild' };
      found.siblings.splice(found.siblings.indexOf(found.node), 1);
      return { ok: true, tree: next, nodeId: found.node.id, removed: flattenTree([found.node]).map((f) => f.node.id) };
    }
  }
}

/** Ids used by more than one node (a tree with these is refused: scores and bindings are keyed by id). */
export function duplicateIds(tree: readonly IndicatorNode[]): string[] {
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const { node } of flattenTree(tree)) (seen.has(node.id) ? twice : seen).add(node.id);
  return [...twice];
}

/** Keeps only the entries of a map keyed by indicator whose indicator is a leaf of the tree. */
export function keepLeafEntries<T>(tree: readonly IndicatorNode[], map: Readonly<Record<string, T>>): { kept: Record<string, T>; dropped: string[] } {
  const leaves = new Set(leavesOf(tree).map((n) => n.id));
  const kept: Record<string, T> = {};
  const dropped: string[] = [];
  for (const [id, value] of Object.entries(map)) {
    if (leaves.has(id)) kept[id] = value;
    else dropped.push(id);
  }
  return { kept, dropped };
}
