import { carryOver, isOverdue, pruneRectification, rectificationItems, rectificationItemSchema, statusCounts, withItem, type Rectification, type RectificationItem } from '../../server/domain/rectification';
import type { Problem } from '../../server/domain/report/facts';

const problems: Problem[] = [
  { id: 'p1', text: '台账不全', cause: '', indicatorIds: [] },
  { id: 'p2', text: '回访不及时', cause: '', indicatorIds: [] },
  { id: 'p3', text: '场地不足', cause: '', indicatorIds: [] },
  { id: 'p4', text: '宣传不够', cause: '', indicatorIds: [] },
];

const stored = (over: Partial<RectificationItem> & { id: string }): RectificationItem => ({
  problemId: over.id,
  problem: '',
  unit: '',
  deadline: null,
  status: 'open',
  reason: '',
  note: '',
  files: [],
  source: null,
  updatedAt: null,
  updatedBy: '',
  ...over,
});

const rect: Rectification = {
  items: [
    stored({ id: 'p2', unit: '民政局', deadline: '2027-01-09', status: 'inProgress', updatedAt: '2027-01-05T02:00:00.000Z' }),
    stored({ id: 'p3', status: 'done', deadline: '2027-01-01', updatedAt: '2027-01-06T02:00:00.000Z' }),
    stored({ id: 'p4', status: 'dropped', reason: '项目终止' }),
    stored({ id: 'c1', problemId: null, problem: '上期：档案缺失', status: 'open', source: { evaluationId: 'e0', itemId: 'x9', evaluationName: '2022年度' } }),
  ],
};

describe('整改 items (rectification)', () => {
  it('gives one item per 存在问题 in the problems’ order, untouched ones 未整改, then the carried-over ones', () => {
    const items = rectificationItems(problems, rect, '2027-01-10');
    expect(items.map((i) => [i.id, i.problem, i.status, i.carried])).toEqual([
      ['p1', '台账不全', 'open', false],
      ['p2', '回访不及时', 'inProgress', false],
      ['p3', '场地不足', 'done', false],
      ['p4', '宣传不够', 'dropped', false],
      ['c1', '上期：档案缺失', 'open', true],
    ]);
  });

  it('marks as overdue only open items whose deadline is before today', () => {
    expect(isOverdue({ status: 'inProgress', deadline: '2027-01-09' }, '2027-01-10')).toBe(true);
    expect(isOverdue({ status: 'open', deadline: '2027-01-10' }, '2027-01-10')).toBe(false);
    expect(isOverdue({ status: 'done', deadline: '2027-01-01' }, '2027-01-10')).toBe(false);
    expect(isOverdue({ status: 'open', deadline: null }, '2027-01-10')).toBe(false);
    expect(statusCounts(rectificationItems(problems, rect, '2027-01-10'))).toEqual({ open: 2, inProgress: 1, done: 1, dropped: 1, overdue: 1 });
  });

  it('carries over exactly the open items (未整改, 整改中), each linked to its source, with new ids', () => {
    let n = 0;
    const carried = carryOver(rectificationItems(problems, rect, '2027-01-10'), { id: 'e1', name: '2023年度评价' }, () => `new${++n}`);
    expect(carried.map((i) => [i.id, i.problemId, i.problem, i.status, i.source])).toEqual([
      ['new1', null, '台账不全', 'open', { evaluationId: 'e1', itemId: 'p1', evaluationName: '2023年度评价' }],
      ['new2', null, '回访不及时', 'inProgress', { evaluationId: 'e1', itemId: 'p2', evaluationName: '2023年度评价' }],
      ['new3', null, '上期：档案缺失', 'open', { evaluationId: 'e1', itemId: 'c1', evaluationName: '2023年度评价' }],
    ]);
    expect(carried[1]).toMatchObject({ unit: '民政局', deadline: '2027-01-09', updatedAt: null });
  });

  it('drops the items of removed problems and keeps carried-over ones', () => {
    expect(pruneRectification(rect, problems.slice(0, 2)).items.map((i) => i.id)).toEqual(['p2', 'c1']);
  });

  it('writes an item back in place (own items keep no copy of their problem’s text), or adds it', () => {
    const changed = withItem(rect, { ...rect.items[0]!, problem: '回访不及时', status: 'done' });
    expect(changed.items.map((i) => i.id)).toEqual(['p2', 'p3', 'p4', 'c1']);
    expect(changed.items[0]).toMatchObject({ status: 'done', problem: '' });
    expect(withItem(rect, stored({ id: 'p1', unit: '街道办' })).items.map((i) => i.id)).toEqual(['p2', 'p3', 'p4', 'c1', 'p1']);
  });

  it('refuses 不再整改 without a reason', () => {
    const result = rectificationItemSchema.safeParse(stored({ id: 'p1', status: 'dropped', reason: '  ' }));
    expect(result.success).toBe(false);
    expect(result.error!.issues[0]!.path).toEqual(['reason']);
  });
});
