import { keepNumbersWhole, NO_BREAK_SPACE as NBSP, WORD_JOINER as WJ } from '../../server/domain/typography';

describe('keepNumbersWhole', () => {
  it('glues an age band so that "18–" cannot end a line', () => {
    expect(keepNumbersWhole('18–59 岁')).toBe(`18${WJ}–${WJ}59 岁`);
  });

  it('turns the spaces inside an interval into no-break spaces', () => {
    expect(keepNumbersWhole('95% 置信区间 85.07 – 101.6')).toBe(`95% 置信区间 85.07${NBSP}${WJ}–${WJ}${NBSP}101.6`);
    expect(keepNumbersWhole('85.2% – 96.1%')).toBe(`85.2%${NBSP}${WJ}–${WJ}${NBSP}96.1%`);
    expect(keepNumbersWhole('区间 [71.2, 78.4]')).toBe(`区间 [71.2,${NBSP}78.4]`);
  });

  it('glues every range in a text, including chained ones and full-width tildes', () => {
    expect(keepNumbersWhole('1–2–3 次，3～5 年')).toBe(`1${WJ}–${WJ}2${WJ}–${WJ}3 次，3${WJ}～${WJ}5 年`);
  });

  it('glues the hyphens of a date and of a span of years', () => {
    expect(keepNumbersWhole('已于 2026-12-07 10:00 锁定')).toBe(`已于 2026-${WJ}12-${WJ}07 10:00 锁定`);
    expect(keepNumbersWhole('2021-2023年度')).toBe(`2021-${WJ}2023年度`);
  });

  it('leaves text without ranges as it was, dashes between words and the em dash for a missing value included', () => {
    for (const text of ['非常满意', '满意度 80.15 分', '-3.2', 'JYG-A', '服务态度 — 好', '—', 'A – B', '第 3 题 – 说明']) expect(keepNumbersWhole(text)).toBe(text);
  });
});
