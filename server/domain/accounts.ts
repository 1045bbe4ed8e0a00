import type { User } from '../../models/user';

/** What the users page says about an account, in this order: enabled or not, then what blocks it. */
export type AccountState = 'active' | 'disabled' | 'locked' | 'mustChange';

/** The states of an account at `now`: a lockout counts only until its time has passed. */
export function accountStates(user: Pick<User, 'active' | 'lockedUntil' | 'mustChangePassword'>, now: Date): AccountState[] {
  const states: AccountState[] = [user.active ? 'active' : 'disabled'];
  if (user.lockedUntil && new Date(user.lockedUntil).getTime() > now.getTime()) states.push('locked');
  if (user.mustChangePassword) states.push('mustChange');
  return states;
}
