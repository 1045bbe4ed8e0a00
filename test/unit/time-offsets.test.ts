import fc from 'fast-check';
import { localDateTime, wallClock } from '../../server/domain/time';

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
