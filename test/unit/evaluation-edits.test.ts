import { checkTree, referenceTemplate, type IndicatorNode } from '../../server/domain/evaluation';
import { applyTreeEdit, duplicateIds, keepLeafEntries, type TreeEditContext } from '../../server/domain/indicator-edits';
import { poolEvidence, type EvidencePart } from '../../server/domain/pooled-evidence';
import { constantSums, stratifiedEstimate } from '../../server/domain/estimation';

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

describe('poolEvidence: several surveys, respondents pooled by station, stratified', () => {
  const SCALE = { min: 20, max: 100 };
  const part = (over: Partial<EvidencePart>): EvidencePart => ({ received: 0, valid: 0, strata: [], scale: SCALE, adequate: true, required: 0, ...over });
  const AT = '2026-12-02T08:00:00.000Z';

  it('weighs stations by their population, not surveys by their size', () => {
    // Survey a: 18 respondents at 100 at station s1 (100 recipients); survey b: 6 at 60 at s2 (300 recipients).
    // W = 0.25, 0.75: index = 25 + 45 = 70 (answers pooled gave 90; the surveys' own indices average 80).
    const s1 = { id: 's1', population: 100, sums: constantSums(18, 100, true) };
    const s2 = { id: 's2', population: 300, sums: constantSums(6, 60, true) };
    const e = poolEvidence([part({ received: 20, valid: 18, strata: [s1], required: 10 }), part({ received: 7, valid: 6, strata: [s2], required: 5 })], AT);
    const expected = stratifiedEstimate([s1, s2], { scale: SCALE });
    expect(expected.index).toBeCloseTo(70, 12);
    expect(e).toEqual({
      received: 27,
      valid: 24,
      index: 70,
      indexCi: [Math.round(expected.indexCi![0] * 100) / 100, Math.round(expected.indexCi![1] * 100) / 100],
      rate: 100,
      rateCi: [Math.round(expected.rateCi![0] * 10000) / 100, 100],
      adequate: true,
      requiredSample: 15,
      estimator: 'stratified-population',
      respondents: 24,
      computedAt: AT,
    });
  });

  it('merges the respondents two surveys have at the same station into one stratum', () => {
    // 3 at 100 and 2 at 60 at s1: one stratum of 5, mean (300 + 120)/5 = 84.
    const e = poolEvidence(
      [
        part({ valid: 3, strata: [{ id: 's1', population: 50, sums: constantSums(3, 100, true) }] }),
        part({ valid: 2, strata: [{ id: 's1', population: 50, sums: constantSums(2, 60, true) }] }),
      ],
      AT,
    );
    expect(e).toMatchObject({ index: 84, respondents: 5, estimator: 'stratified-population' });
  });

  it('names the fallback to weights by respondents when a station has no population', () => {
    const e = poolEvidence([part({ valid: 5, strata: [{ id: 's1', population: null, sums: constantSums(5, 80, true) }] })], AT);
    expect(e.estimator).toBe('stratified-respondents');
  });

  it('is adequate only when every survey is, and has no figures without respondents', () => {
    const big = { id: 's1', population: 1000, sums: constantSums(500, 80, true) };
    expect(poolEvidence([part({ valid: 500, strata: [big] }), part({ adequate: false })], AT).adequate).toBe(false);
    expect(poolEvidence([part({ received: 3 })], AT)).toMatchObject({ received: 3, valid: 0, index: null, indexCi: null, rate: null, rateCi: null, adequate: false, requiredSample: 0 });
    expect(poolEvidence([], AT)).toMatchObject({ index: null, rate: null, adequate: false, requiredSample: null });
  });

  it('keeps figures within 0–100, as the evidence schema requires', () => {
    expect(poolEvidence([part({ valid: 5, strata: [{ id: 's1', population: null, sums: constantSums(5, 120, true) }], scale: { min: 0, max: 120 } })], AT)).toMatchObject({ index: 100 });
  });
});
