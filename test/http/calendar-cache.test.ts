import { isWorkingDay } from '../../server/domain/cases/working-days';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { saveCalendarYear } from '../../server/services/case-admin';
import { loadCalendar } from '../../server/services/cases';
import { makeTestApp, type TestApp } from '../helpers/app';

/** The working-day calendar is kept in memory (a bad review opens a case on the submission's path) and never read stale. */
describe('the working-day calendar in memory', () => {
  let t: TestApp;
  beforeEach(async () => {
    t = await makeTestApp();
  });
  afterEach(async () => {
    await t.close();
  });

  it('is read once while nothing changes, and again after this instance or (on a store with a stamp) anyone writes it', async () => {
    const first = await loadCalendar(t.deps);
    expect(await loadCalendar(t.deps)).toBe(first);
    // This instance's own edit: seen at once, on any store.
    await saveCalendarYear(t.deps, SYSTEM_ACTOR, 2027, '2027-01-04 休');
    const edited = await loadCalendar(t.deps);
    expect(edited).not.toBe(first);
    expect(isWorkingDay(edited, '2027-01-04')).toBe(false);
    expect(await loadCalendar(t.deps)).toBe(edited);
    // A write by another process (the CLI, another instance) straight to the store.
    await t.store.calendar.replaceYear(2027, [{ date: '2027-01-05', work: false }]);
    const after = await loadCalendar(t.deps);
    if ((await t.store.catalogStamp()) === null) {
      // No stamp (MongoDB): another instance's edit arrives within CATALOG_TTL_MS (5 s), not at once.
      expect(after).toBe(edited);
    } else {
      expect(isWorkingDay(after, '2027-01-05')).toBe(false);
      expect(isWorkingDay(after, '2027-01-04')).toBe(true);
    }
  });
});
