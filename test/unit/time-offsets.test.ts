import fc from 'fast-check';
import { localDateTime, localDay, wallClock } from '../../server/domain/time';

const ZONES = ['Asia/Shanghai', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe'];
const shown = (d: Date) => `${d.toISOString().slice(0, 10)} ${d.toISOString().slice(11, 19)}`;

describe('wall-clock times for spreadsheets', () => {
  it('reads the local time of instants asked in any order, across daylight-saving changes, as the zone formatter does', () => {
    const from = Date.UTC(2025, 0, 1);
    const to = Date.UTC(2027, 0, 1);
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: from, max: to }), fc.constantFrom(...ZONES)), { minLength: 1, maxLength: 60 }), (asks) => {
        for (const [at, zone] of asks) expect(shown(wallClock(new Date(at), zone))).toBe(localDateTime(new Date(at), zone));
      }),
      { numRuns: 200 },
    );
  });

  it('keeps each side of a daylight-saving change apart when both are asked alternately', () => {
    // Europe/Berlin left summer time at 01:00Z on 2026-10-25: 02:59:59 CEST, then 02:00:00 CET.
    const before = '2026-10-25T00:59:59.000Z';
    const after = '2026-10-25T01:00:00.000Z';
    for (let i = 0; i < 3; i++) {
      expect(shown(wallClock(before, 'Europe/Berlin'))).toBe('2026-10-25 02:59:59');
      expect(shown(wallClock(after, 'Europe/Berlin'))).toBe('2026-10-25 02:00:00');
    }
  });
});

describe('local days', () => {
  it('gives the zone formatter\'s day for instants asked in any order, across midnights and daylight-saving changes', () => {
    const from = Date.UTC(2025, 0, 1);
    const to = Date.UTC(2027, 0, 1);
    const formatted = (at: number, zone: string) => new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
    // Mostly nearby instants (the same quarter hour asked again, one side of midnight then the other), some anywhere.
    const near = fc.tuple(fc.integer({ min: from, max: to }), fc.array(fc.integer({ min: -20 * 60_000, max: 20 * 60_000 }), { maxLength: 8 }), fc.constantFrom(...ZONES, 'Asia/Kathmandu'));
    fc.assert(
      fc.property(fc.array(near, { minLength: 1, maxLength: 20 }), (asks) => {
        for (const [at, steps, zone] of asks) for (const t of [at, ...steps.map((s) => at + s)]) expect(localDay(new Date(t), zone)).toBe(formatted(t, zone));
      }),
      { numRuns: 300 },
    );
  });

  it('changes day at local midnight, not at UTC midnight', () => {
    // Beijing midnight is 16:00Z: the instants either side of it, asked one after the other.
    expect(localDay(new Date('2026-12-07T15:59:59.999Z'), 'Asia/Shanghai')).toBe('2026-12-07');
    expect(localDay(new Date('2026-12-07T16:00:00.000Z'), 'Asia/Shanghai')).toBe('2026-12-08');
    expect(localDay(new Date('2026-12-07T15:59:59.999Z'), 'Asia/Shanghai')).toBe('2026-12-07');
  });

  it('refuses an invalid date as the formatter does', () => {
    expect(() => localDay(new Date(NaN), 'Asia/Shanghai')).toThrow(RangeError);
  });
});
