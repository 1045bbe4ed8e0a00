import { getDayDetail } from 'chinese-days';
import {
  addWorkingDays,
  CalendarGapError,
  calendarWarning,
  coversYear,
  isWorkingDay,
  lastCoveredYear,
  lastLibraryYear,
  parseOverrides,
  workCalendar,
  workingDaysBetween,
} from '../../server/domain/cases/working-days';
import { localDay } from '../../server/domain/time';

const lib = workCalendar([]);

/**
 * The State Council's notices (国务院办公厅关于…部分节假日安排的通知), as published:
 * 2024 (国办发明电〔2023〕7号): 春节 2月10日至17日放假调休，2月4日（星期日）、2月18日（星期日）上班；
 *   国庆节 10月1日至7日放假调休，9月29日（星期日）、10月12日（星期六）上班。
 * 2025 (国办发明电〔2024〕12号): 春节 1月28日至2月4日放假调休，1月26日（星期日）、2月8日（星期六）上班；
 *   国庆节、中秋节 10月1日至8日放假调休，9月28日（星期日）、10月11日（星期六）上班。
 * 2026 (国办发明电〔2025〕7号): 春节 2月15日至23日放假调休，2月14日（星期六）、2月28日（星期六）上班；
 *   国庆节 10月1日至7日放假调休，9月20日（星期日）、10月10日（星期六）上班。
 */
const NOTICES = [
  { name: '2024 春节', off: ['2024-02-10', '2024-02-17'], work: ['2024-02-04', '2024-02-18'] },
  { name: '2024 国庆', off: ['2024-10-01', '2024-10-07'], work: ['2024-09-29', '2024-10-12'] },
  { name: '2025 春节', off: ['2025-01-28', '2025-02-04'], work: ['2025-01-26', '2025-02-08'] },
  { name: '2025 国庆中秋', off: ['2025-10-01', '2025-10-08'], work: ['2025-09-28', '2025-10-11'] },
  { name: '2026 春节', off: ['2026-02-15', '2026-02-23'], work: ['2026-02-14', '2026-02-28'] },
  { name: '2026 国庆', off: ['2026-10-01', '2026-10-07'], work: ['2026-09-20', '2026-10-10'] },
] as const;

function days(from: string, to: string): string[] {
  const out: string[] = [];
  for (let d = new Date(`${from}T00:00:00Z`); d.toISOString().slice(0, 10) <= to; d.setUTCDate(d.getUTCDate() + 1)) out.push(d.toISOString().slice(0, 10));
  return out;
}

describe('working days (工作日, 调休 included)', () => {
  it.each(NOTICES)('agrees with the State Council notice for $name', (n) => {
    for (const d of days(n.off[0], n.off[1])) expect([d, isWorkingDay(lib, d)]).toEqual([d, false]);
    for (const d of n.work) expect([d, isWorkingDay(lib, d)]).toEqual([d, true]);
  });

  it('counts the 调休 weekend days as working days when adding', () => {
    // Friday 2025-01-24: the next working day is Sunday 2025-01-26 (调休上班), then Monday 27th; the holiday follows.
    expect(addWorkingDays(lib, '2025-01-24', 1)).toBe('2025-01-26');
    expect(addWorkingDays(lib, '2025-01-24', 2)).toBe('2025-01-27');
    expect(addWorkingDays(lib, '2025-01-24', 3)).toBe('2025-02-05');
    // 5 working days after the last day before 春节 2025: 2/5, 2/6, 2/7, 2/8 (Saturday, 调休), 2/10.
    expect(addWorkingDays(lib, '2025-01-27', 5)).toBe('2025-02-10');
  });

  it('crosses National Day 2024 and 2026 with their working Saturdays and Sundays', () => {
    expect(addWorkingDays(lib, '2024-09-27', 1)).toBe('2024-09-29');
    expect(addWorkingDays(lib, '2024-09-30', 1)).toBe('2024-10-08');
    expect(addWorkingDays(lib, '2024-10-11', 1)).toBe('2024-10-12');
    // 10-08, 10-09, 10-10 (Saturday, 调休), then 12 weekdays from 10-12: the 15th is Tuesday 10-27.
    expect(addWorkingDays(lib, '2026-09-30', 15)).toBe('2026-10-27');
    expect(addWorkingDays(lib, '2026-02-13', 1)).toBe('2026-02-14');
    expect(addWorkingDays(lib, '2026-02-14', 1)).toBe('2026-02-24');
  });

  it('counts working days between two days', () => {
    expect(workingDaysBetween(lib, '2025-09-30', '2025-10-09')).toBe(1);
    expect(workingDaysBetween(lib, '2025-10-09', '2025-10-09')).toBe(0);
    expect(workingDaysBetween(lib, '2024-02-09', '2024-02-19')).toBe(2);
  });

  it('refuses a deadline past the last year the library covers, naming the year', () => {
    // chinese-days 1.5.7 covers 2004–2026: 2027-10-01 reads as an ordinary Friday.
    expect(getDayDetail('2027-10-01').work).toBe(true);
    expect(lastLibraryYear()).toBe(2026);
    expect(() => addWorkingDays(lib, '2026-12-18', 15)).toThrow(CalendarGapError);
    try {
      addWorkingDays(lib, '2026-12-18', 15);
    } catch (err) {
      expect((err as CalendarGapError).year).toBe(2027);
    }
  });

  it('lets the admin overrides cover a year and win over the library', () => {
    const cal = workCalendar([
      { date: '2027-01-01', work: false },
      { date: '2027-02-06', work: true },
      { date: '2026-12-31', work: false },
    ]);
    expect(coversYear(cal, 2027)).toBe(true);
    expect(lastCoveredYear(cal)).toBe(2027);
    expect(isWorkingDay(cal, '2026-12-31')).toBe(false);
    expect(isWorkingDay(cal, '2027-02-06')).toBe(true);
    // Thursday 2026-12-31 is 休 by override: the next working day after Wednesday 30th is Monday 2027-01-04.
    expect(addWorkingDays(cal, '2026-12-30', 1)).toBe('2027-01-04');
  });

  it('lets an override entered after a day was counted win over the library\'s remembered answer', () => {
    // The library's answers are remembered per day: counting once fills that memory, the override must still come first.
    expect(isWorkingDay(lib, '2026-03-02')).toBe(true);
    expect(addWorkingDays(lib, '2026-02-27', 1)).toBe('2026-02-28');
    const cal = workCalendar([
      { date: '2026-02-28', work: false },
      { date: '2026-03-02', work: false },
    ]);
    expect(isWorkingDay(cal, '2026-03-02')).toBe(false);
    expect(addWorkingDays(cal, '2026-02-27', 1)).toBe('2026-03-03');
    // And the library's own answer is unchanged for a calendar without them.
    expect(addWorkingDays(lib, '2026-02-27', 1)).toBe('2026-02-28');
  });

  it('gives the library\'s answer for every day of the years it covers, asked once or again', () => {
    for (const pass of [1, 2]) {
      for (const d of days('2024-01-01', '2026-12-31')) if (isWorkingDay(lib, d) !== getDayDetail(d).work) throw new Error(`pass ${pass}: ${d}`);
    }
  });

  it('warns about the current year always and about next year from 1 November', () => {
    expect(calendarWarning(lib, '2026-10-31')).toBeNull();
    expect(calendarWarning(lib, '2026-11-01')).toBe(2027);
    expect(calendarWarning(lib, '2027-03-01')).toBe(2027);
    expect(calendarWarning(workCalendar([{ date: '2027-01-01', work: false }]), '2026-12-07')).toBeNull();
  });

  it('fails when the current year is not covered by the bundled library', () => {
    // Today's year, read from the real clock: when this fails, update chinese-days (or enter the
    // notice as overrides in production). Next year is deliberately not required: see decisions.md.
    const year = Number(localDay(new Date(), 'Asia/Shanghai').slice(0, 4));
    expect([year, coversYear(lib, year)]).toEqual([year, true]);
  });

  it('reads the admin notice lines and names the bad ones', () => {
    const { overrides, errors } = parseOverrides('2027-10-01 休\n2027-09-26 班\n\n2027-02-30 休\n2026-10-01 休\nnonsense', 2027);
    expect(overrides).toEqual([
      { date: '2027-10-01', work: false },
      { date: '2027-09-26', work: true },
    ]);
    expect(errors).toEqual([4, 5, 6]);
  });
});
