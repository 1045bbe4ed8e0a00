import { checkTree, referenceTemplate, type IndicatorNode } from '../../server/domain/evaluation';
import { applyTreeEdit, duplicateIds, keepLeafEntries, type TreeEditContext } from '../../server/domain/indicator-edits';
import { poolEvidence, type EvidencePart } from '../../server/domain/pooled-evidence';
import { meanInterval, wilsonInterval } from '../../server/domain/statistics';

const leaf = (id: string, points: number): IndicatorNode => ({ id, name: id, points, children: [] });
const tree = (): IndicatorNode[] => [{ id: 'd', name: 'd', points: 100, children: [{ id: 'g', name: 'g', points: 100, children: [leaf('a', 60), leaf('b', 40)] }] }];

let counter = 0;
const ctx: TreeEditContext = { newId: (taken) => { let id; do id = `n${++counter}`; while (taken.has(id)); return id; }, placeholderGroup: 'G', placeholderLeaf: 'L' };

describe('applyTreeEdit: the tree editor’s add, update and remove', () => {
  it('adds a dimension with one group and one indicator of the same points, so it adds up by itself', () => {
    const result = applyTreeEdit(tree(), { op: 'add', parentId: null, name: '创新', points: 5 }, ctx);
    if (!result.ok) throw new Error(result.refusal);
    const added = result.tree[1]!;
    expect(added).toMatchObject({ name: '创新', points: 5, children: [{ name: 'G', points: 5, children: [{ name: 'L', points: 5, children: [] }] }] });
    expect(result.nodeId).toBe(added.id);
    expect(checkTree(result.tree).map((p) => p.key)).toEqual(['evaluation.tree.totalNot100']);
  });

  it('adds a leaf under a group and refuses a child under a leaf or an unknown parent', () => {
    const result = applyTreeEdit(tree(), { op: 'add', parentId: 'g', name: 'c', points: 10 }, ctx);
    expect(result.ok && result.tree[0]!.children[0]!.children.map((n) => n.name)).toEqual(['a', 'b', 'c']);
    expect(applyTreeEdit(tree(), { op: 'add', parentId: 'a', name: 'x', points: 1 }, ctx)).toEqual({ ok: false, refusal: 'tooDeep' });
    expect(applyTreeEdit(tree(), { op: 'add', parentId: 'nope', name: 'x', points: 1 }, ctx)).toEqual({ ok: false, refusal: 'unknownNode' });
  });

  it('renames and re-weights without touching the original tree', () => {
    const original = tree();
    const result = applyTreeEdit(original, { op: 'update', nodeId: 'a', name: 'A', points: 70 }, ctx);
    expect(result.ok && result.tree[0]!.children[0]!.children[0]).toEqual({ id: 'a', name: 'A', points: 70, children: [] });
    expect(original[0]!.children[0]!.children[0]).toEqual(leaf('a', 60));
  });

  it('removes a branch with everything below it, but not the only child of a parent', () => {
    const result = applyTreeEdit(tree(), { op: 'remove', nodeId: 'b' }, ctx);
    expect(result).toMatchObject({ ok: true, removed: ['b'] });
    expect(applyTreeEdit(tree(), { op: 'remove', nodeId: 'g' }, ctx)).toEqual({ ok: false, refusal: 'lastChild' });
    expect(applyTreeEdit(tree(), { op: 'remove', nodeId: 'd' }, ctx)).toMatchObject({ ok: true, tree: [], removed: ['d', 'g', 'a', 'b'] });
  });

  it('finds duplicate ids and keeps only the entries of leaves', () => {
    expect(duplicateIds(referenceTemplate('zh-CN'))).toEqual([]);
    expect(duplicateIds([...tree(), ...tree()])).toEqual(['d', 'g', 'a', 'b']);
    expect(keepLeafEntries(tree(), { a: 1, g: 2, gone: 3 })).toEqual({ kept: { a: 1 }, dropped: ['g', 'gone'] });
  });
});

describe('poolEvidence: several surveys as one sample', () => {
  const part = (over: Partial<EvidencePart>): EvidencePart => ({ received: 0, valid: 0, n: 0, sum: 0, sumsq: 0, satisfied: 0, adequate: true, required: 0, ...over });
  const AT = '2026-12-02T08:00:00.000Z';

  it('takes the index from the summed answers, not the mean of the surveys’ indices', () => {
    // 18 answers of 100 and 6 of 60: 2160 / 24 = 90 (the surveys' own indices, 100 and 60, average 80).
    const a = part({ received: 3, valid: 3, n: 18, sum: 1800, sumsq: 180_000, satisfied: 18, required: 10 });
    const b = part({ received: 2, valid: 1, n: 6, sum: 360, sumsq: 21_600, satisfied: 6, required: 5 });
    const e = poolEvidence([a, b], AT);
    const m = meanInterval(24, 2160, 201_600);
    const w = wilsonInterval(24, 24)!;
    expect(e).toEqual({
      received: 5,
      valid: 4,
      index: 90,
      indexCi: [Math.round(m.ci![0] * 100) / 100, Math.round(m.ci![1] * 100) / 100],
      rate: 100,
      rateCi: [Math.round(w[0] * 10000) / 100, 100],
      adequate: true,
      requiredSample: 15,
      computedAt: AT,
    });
  });

  it('is adequate only when every survey is, and has no figures without answers', () => {
    expect(poolEvidence([part({ valid: 500, n: 500, sum: 40_000, sumsq: 3_400_000, satisfied: 450 }), part({ adequate: false })], AT).adequate).toBe(false);
    expect(poolEvidence([part({ received: 3 })], AT)).toMatchObject({ received: 3, valid: 0, index: null, indexCi: null, rate: null, rateCi: null, adequate: false, requiredSample: 0 });
    expect(poolEvidence([], AT)).toMatchObject({ index: null, rate: null, adequate: false, requiredSample: null });
  });

  it('keeps figures on weights above 100 within 0–100, as the evidence schema requires', () => {
    expect(poolEvidence([part({ valid: 1, n: 2, sum: 240, sumsq: 28_800, satisfied: 2 })], AT)).toMatchObject({ index: 100, indexCi: [100, 100] });
  });
});
