import argon2 from 'argon2';
import crypto from 'node:crypto';
import { newUserSchema, passwordChangeSchema, userAccessSchema, type User } from '../../models/user';
import { ConflictError, NotFoundError, UnauthorizedError, ValidationError, type FieldErrors } from '../errors';
import { newId } from '../ids';
import { DuplicateKeyError, type UserPatch } from '../store/store';
import { audit } from './audit';
import { SYSTEM_ACTOR, type Actor, type Deps } from './context';
import { assertAdmin } from './permissions';
import { createApiToken } from './tokens';
import { issueMessage } from './validate';
import { isTextIssue } from '../domain/text-input';

export const MAX_FAILED_LOGINS = 5;
export const LOCK_MINUTES = 15;

// argon2id with m = 19 MiB, t = 2, p = 1: OWASP's recommended minimum, ~30 ms on a small server.
const HASH_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, HASH_OPTIONS);
}

let dummyHash: Promise<string> | null = null;

export function publicUser(u: User) {
  return { id: u.id, username: u.username, role: u.role, siteIds: u.siteIds, active: u.active, createdAt: u.createdAt };
}

/**
 * The stations of a user with this role, as site ids (given as ids or codes). Station staff need at
 * least one and every one must exist; other roles see every station and keep none.
 */
async function stationsOf(deps: Deps, role: User['role'], siteIds: string[]): Promise<string[]> {
  if (role !== 'station') return [];
  if (siteIds.length === 0) throw new ValidationError({ siteIds: { key: 'user.stationNeedsSites' } });
  const ids: string[] = [];
  for (const siteId of siteIds) {
    const site = (await deps.store.sites.get(siteId)) ?? (await deps.store.sites.getByCode(siteId));
    if (!site) throw new ValidationError({ siteIds: { key: 'user.unknownSite', params: { site: siteId } } });
    if (!ids.includes(site.id)) ids.push(site.id);
  }
  return ids;
}

export async function createUser(deps: Deps, input: unknown, actor: Actor = SYSTEM_ACTOR): Promise<User> {
  assertAdmin(actor);
  const parsed = newUserSchema.safeParse(input);
  if (!parsed.success) {
    const fields: FieldErrors = {};
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'form');
      // A character that cannot be stored is named; anything else about a password is the policy.
      fields[name] ??= isTextIssue(issue) ? issueMessage(issue) : { key: name === 'username' ? 'field.username' : name === 'password' ? 'field.password' : 'field.invalid' };
    }
    throw new ValidationError(fields);
  }
  const { username, password, role, siteIds } = parsed.data;
  const sites = await stationsOf(deps, role, siteIds);
  const now = deps.clock().toISOString();
  const user: User = {
    id: newId(),
    username,
    passwordHash: await hashPassword(password),
    role,
    siteIds: sites,
    active: true,
    failedLogins: 0,
    lockedUntil: null,
    mustChangePassword: false,
    createdAt: now,
    updatedAt: now,
  };
  try {
    await deps.store.users.create(user);
  } catch (err) {
    if (err instanceof DuplicateKeyError) throw new ConflictError('user.exists', { username });
    throw err;
  }
  await audit(deps, actor, 'user.create', { type: 'user', id: user.id }, { username, role, siteIds: user.siteIds });
  return user;
}

export type LoginResult =
  | { ok: true; user: User }
  | { ok: false; reason: 'invalid' }
  | { ok: false; reason: 'locked'; minutes: number };

/**
 * Checks a username and password. After MAX_FAILED_LOGINS failures in a row the account is
 * locked for LOCK_MINUTES; the answer for an unknown user takes as long as for a wrong password.
 */
export async function authenticate(deps: Deps, username: string, password: string): Promise<LoginResult> {
  const now = deps.clock();
  const user = typeof username === 'string' && username.length <= 40 ? await deps.store.users.findByUsername(username.trim()) : null;
  if (!user || !user.active) {
    dummyHash ??= hashPassword(crypto.randomBytes(16).toString('hex'));
    await argon2.verify(await dummyHash, String(password).slice(0, 256)).catch(() => false);
    return { ok: false, reason: 'invalid' };
  }
  if (user.lockedUntil && new Date(user.lockedUntil) > now) {
    return { ok: false, reason: 'locked', minutes: Math.ceil((new Date(user.lockedUntil).getTime() - now.getTime()) / 60000) };
  }
  if (!(await verifyPassword(user, password))) {
    return (await countFailure(deps, user)) ? { ok: false, reason: 'locked', minutes: LOCK_MINUTES } : { ok: false, reason: 'invalid' };
  }
  if (user.failedLogins !== 0 || user.lockedUntil) {
    await deps.store.users.update(user.id, { failedLogins: 0, lockedUntil: null, updatedAt: now.toISOString() });
  }
  return { ok: true, user };
}

function verifyPassword(user: User, password: unknown): Promise<boolean> {
  return argon2.verify(user.passwordHash, String(password).slice(0, 256)).catch(() => false);
}

/** Counts one wrong password; the MAX_FAILED_LOGINS-th in a row locks the account for LOCK_MINUTES (returns true). */
async function countFailure(deps: Deps, user: User): Promise<boolean> {
  const failures = await deps.store.users.addFailedLogin(user.id);
  if (failures < MAX_FAILED_LOGINS) return false;
  const now = deps.clock();
  const until = new Date(now.getTime() + LOCK_MINUTES * 60000).toISOString();
  await deps.store.users.update(user.id, { lockedUntil: until, failedLogins: 0, updatedAt: now.toISOString() });
  await audit(deps, actorOf(user), 'user.locked', { type: 'user', id: user.id }, { until });
  return true;
}

export function actorOf(user: User): Actor {
  return { id: user.id, name: user.username, role: user.role, siteIds: user.siteIds };
}

/** Generates a strong password (about 120 bits): the first administrator's, a reset's one-time password. */
export function generatePassword(): string {
  return crypto.randomBytes(15).toString('base64url');
}

/**
 * Creates the first administrator when there are no users. Returns the generated password
 * (to be printed once) when none was configured.
 */
export async function ensureFirstAdmin(deps: Deps): Promise<{ username: string; generatedPassword: string | null } | null> {
  if ((await deps.store.users.count()) > 0) return null;
  const password = deps.config.adminPassword ?? generatePassword();
  await createUser(deps, { username: deps.config.adminUsername, password, role: 'admin' });
  return { username: deps.config.adminUsername, generatedPassword: deps.config.adminPassword ? null : password };
}

export async function findUserOrFail(deps: Deps, username: string): Promise<User> {
  const user = await deps.store.users.findByUsername(username);
  if (!user) throw new NotFoundError('user.notFound', { username });
  return user;
}

async function userOrFail(deps: Deps, id: string): Promise<User> {
  const user = await deps.store.users.get(id);
  if (!user) throw new NotFoundError();
  return user;
}

export async function listUsers(deps: Deps, actor: Actor): Promise<User[]> {
  assertAdmin(actor);
  return deps.store.users.list();
}

export async function getUser(deps: Deps, actor: Actor, id: string): Promise<User> {
  assertAdmin(actor);
  return userOrFail(deps, id);
}

const isActiveAdmin = (u: User) => u.role === 'admin' && u.active;

async function activeAdminCount(deps: Deps): Promise<number> {
  return (await deps.store.users.list()).filter(isActiveAdmin).length;
}

/**
 * Two administrators demoting or disabling each other at the same moment both pass the check made
 * before writing; so after the write the count is taken again, and a write that left no active
 * administrator is undone and refused.
 */
async function undoIfNoAdminLeft(deps: Deps, user: User, undo: UserPatch, refusal: Error): Promise<void> {
  if ((await activeAdminCount(deps)) > 0) return;
  await deps.store.users.update(user.id, { ...undo, updatedAt: deps.clock().toISOString() });
  throw refusal;
}

const sameStations = (a: string[], b: string[]) => a.length === b.length && a.every((x) => b.includes(x));

/**
 * An administrator changes another user's role and stations. Nobody demotes themself, and the last
 * active administrator stays one. The user's sessions end (their permissions changed); their API
 * tokens act with the new permissions from the next call.
 */
export async function updateUserAccess(deps: Deps, actor: Actor, id: string, input: unknown): Promise<User> {
  assertAdmin(actor);
  const user = await userOrFail(deps, id);
  const parsed = userAccessSchema.safeParse(input);
  if (!parsed.success) {
    const fields: FieldErrors = {};
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'role');
      fields[name] ??= { key: name === 'role' ? 'field.option' : 'field.invalid' };
    }
    throw new ValidationError(fields);
  }
  const { role } = parsed.data;
  const demoted = user.role === 'admin' && role !== 'admin';
  if (demoted && user.id === actor.id) throw new ValidationError({ role: { key: 'user.selfDemote' } });
  const lastAdmin = new ValidationError({ role: { key: 'user.lastAdmin' } });
  if (demoted && user.active && (await activeAdminCount(deps)) <= 1) throw lastAdmin;
  const siteIds = await stationsOf(deps, role, parsed.data.siteIds);
  if (role === user.role && sameStations(siteIds, user.siteIds)) return user;

  const updated = (await deps.store.users.update(user.id, { role, siteIds, updatedAt: deps.clock().toISOString() }))!;
  if (demoted) await undoIfNoAdminLeft(deps, user, { role: user.role, siteIds: user.siteIds }, lastAdmin);
  await deps.store.sessions.destroyForUser(user.id);
  await audit(deps, actor, 'user.update', { type: 'user', id: user.id }, {
    username: user.username,
    before: { role: user.role, siteIds: user.siteIds },
    after: { role, siteIds },
  });
  return updated;
}

/**
 * Disables or re-enables an account. Disabling ends its sessions and stops its tokens; re-enabling
 * also lifts a lockout. Nobody disables themself, and the last active administrator stays enabled.
 */
export async function setUserActive(deps: Deps, actor: Actor, id: string, active: boolean): Promise<User> {
  assertAdmin(actor);
  const user = await userOrFail(deps, id);
  const lastAdmin = new ConflictError('user.lastAdmin');
  if (!active) {
    if (user.id === actor.id) throw new ConflictError('user.selfDisable');
    if (isActiveAdmin(user) && (await activeAdminCount(deps)) <= 1) throw lastAdmin;
  }
  const updated = (await deps.store.users.update(user.id, { active, lockedUntil: null, failedLogins: 0, updatedAt: deps.clock().toISOString() }))!;
  if (!active) {
    if (isActiveAdmin(user)) await undoIfNoAdminLeft(deps, user, { active: true }, lastAdmin);
    await deps.store.sessions.destroyForUser(user.id);
  }
  await audit(deps, actor, active ? 'user.activate' : 'user.deactivate', { type: 'user', id: user.id }, { username: user.username });
  return updated;
}

/**
 * An administrator (or the command line) gives a user a new one-time password. Only its hash is
 * stored; the password is returned to be shown once. The user's sessions end, and at the next login
 * they must choose a new password before anything else. Their API tokens keep working: a reset is
 * about the password, and an administrator revokes tokens separately.
 */
export async function resetPassword(deps: Deps, actor: Actor, id: string): Promise<{ user: User; password: string }> {
  assertAdmin(actor);
  const user = await userOrFail(deps, id);
  if (user.id === actor.id) throw new ConflictError('user.selfReset');
  const password = generatePassword();
  const updated = (await deps.store.users.update(user.id, {
    passwordHash: await hashPassword(password),
    mustChangePassword: true,
    failedLogins: 0,
    lockedUntil: null,
    updatedAt: deps.clock().toISOString(),
  }))!;
  await deps.store.sessions.destroyForUser(user.id);
  await audit(deps, actor, 'user.passwordReset', { type: 'user', id: user.id }, { username: user.username });
  return { user: updated, password };
}

/**
 * A logged-in person changes their own password: the current one is required, the new one is typed
 * twice, follows the password policy and differs from the current one. A wrong current password
 * counts like a failed login: the fifth in a row locks the account and ends its sessions (whoever is
 * guessing in an open session is put out). After a change all the person's sessions end; the
 * caller starts a new one for the browser that made the change.
 */
export async function changeOwnPassword(deps: Deps, actor: Actor, input: unknown): Promise<User> {
  const user = actor.id ? await deps.store.users.get(actor.id) : null;
  if (!user || !user.active) throw new UnauthorizedError();
  const parsed = passwordChangeSchema.safeParse(input);
  if (!parsed.success) {
    const keys = { currentPassword: 'account.currentRequired', newPassword: 'field.password', confirmPassword: 'account.mismatch' } as const;
    const fields: FieldErrors = {};
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0]) as keyof typeof keys;
      fields[name] ??= isTextIssue(issue) ? issueMessage(issue) : { key: keys[name] ?? 'field.invalid' };
    }
    throw new ValidationError(fields);
  }
  const { currentPassword, newPassword } = parsed.data;

  if (!(await verifyPassword(user, currentPassword))) {
    const locked = await countFailure(deps, user);
    if (locked) await deps.store.sessions.destroyForUser(user.id);
    await audit(deps, actor, 'user.passwordChangeFailed', { type: 'user', id: user.id }, { locked });
    throw new ValidationError({ currentPassword: locked ? { key: 'login.locked', params: { minutes: LOCK_MINUTES } } : { key: 'account.currentWrong' } });
  }
  if (newPassword === currentPassword) throw new ValidationError({ newPassword: { key: 'account.sameAsCurrent' } });
  const updated = (await deps.store.users.update(user.id, {
    passwordHash: await hashPassword(newPassword),
    mustChangePassword: false,
    failedLogins: 0,
    lockedUntil: null,
    updatedAt: deps.clock().toISOString(),
  }))!;
  await deps.store.sessions.destroyForUser(user.id);
  await audit(deps, actor, 'user.passwordChange', { type: 'user', id: user.id }, { wasRequired: user.mustChangePassword });
  return updated;
}

/** An administrator creates an API token for a user; the token is returned once. */
export async function createTokenForUser(deps: Deps, actor: Actor, id: string, scope: unknown): Promise<{ user: User; token: string }> {
  assertAdmin(actor);
  const user = await userOrFail(deps, id);
  const { token } = await createApiToken(deps, user, { name: 'web', scope: scope === 'write' ? 'write' : 'read' }, actor);
  return { user, token };
}
