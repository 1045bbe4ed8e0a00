import { accountStates } from '../../server/domain/accounts';

describe('accountStates (账户状态)', () => {
  const now = new Date('2026-12-03T02:00:00.000Z');
  const base = { active: true, lockedUntil: null, mustChangePassword: false };

  it('calls an enabled account with nothing pending active', () => {
    expect(accountStates(base, now)).toEqual(['active']);
  });

  it('names a disabled account, a lockout still running and a password to change, in that order', () => {
    expect(accountStates({ active: false, lockedUntil: '2026-12-03T02:10:00.000Z', mustChangePassword: true }, now)).toEqual(['disabled', 'locked', 'mustChange']);
  });

  it('forgets a lockout whose time has passed, including one ending exactly now', () => {
    expect(accountStates({ ...base, lockedUntil: '2026-12-03T01:59:59.000Z' }, now)).toEqual(['active']);
    expect(accountStates({ ...base, lockedUntil: now.toISOString() }, now)).toEqual(['active']);
  });
});
