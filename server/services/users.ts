import argon2 from 'argon2';
import crypto from 'node:crypto';
import { newUserSchema, type User } from '../../models/user';
import { ConflictError, NotFoundError, ValidationError, type FieldErrors } from '../errors';
import { newId } from '../ids';
import { DuplicateKeyError } from '../store/store';
import { audit } from './audit';
import { SYSTEM_ACTOR, type Actor, type Deps } from './context';

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

export async function createUser(deps: Deps, input: unknown, actor: Actor = SYSTEM_ACTOR): Promise<User> {
  const parsed = newUserSchema.safeParse(input);
  if (!parsed.success) {
    const fields: FieldErrors = {};
    for (const issue of parsed.error.issues) {
      const name = String(issue.path[0] ?? 'form');
      fields[name] = {
        key: name === 'username' ? 'field.username' : name === 'password' ? 'field.password' : 'field.invalid',
      };
    }
    throw new ValidationError(fields);
  }
  const { username, password, role, siteIds } = parsed.data;
  if (role === 'station' && siteIds.length === 0) {
    throw new ValidationError({ siteIds: { key: 'user.stationNeedsSites' } });
  }
  for (const siteId of siteIds) {
    const site = (await deps.store.sites.get(siteId)) ?? (await deps.store.sites.getByCode(siteId));
    if (!site) throw new ValidationError({ siteIds: { key: 'user.unknownSite', params: { site: siteId } } });
  }
  const sites = await Promise.all(siteIds.map(async (s) => ((await deps.store.sites.get(s)) ?? (await deps.store.sites.getByCode(s)))!.id));
  const now = deps.clock().toISOString();
  const user: User = {
    id: newId(),
    username,
    passwordHash: await hashPassword(password),
    role,
    siteIds: role === 'station' ? sites : [],
    active: true,
    failedLogins: 0,
    lockedUntil: null,
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
  const valid = await argon2.verify(user.passwordHash, String(password).slice(0, 256)).catch(() => false);
  if (!valid) {
    const failures = await deps.store.users.addFailedLogin(user.id);
    if (failures >= MAX_FAILED_LOGINS) {
      const until = new Date(now.getTime() + LOCK_MINUTES * 60000).toISOString();
      await deps.store.users.update(user.id, { lockedUntil: until, failedLogins: 0, updatedAt: now.toISOString() });
      await audit(deps, { id: user.id, name: user.username, role: user.role, siteIds: user.siteIds }, 'user.locked', { type: 'user', id: user.id }, { until });
      return { ok: false, reason: 'locked', minutes: LOCK_MINUTES };
    }
    return { ok: false, reason: 'invalid' };
  }
  if (user.failedLogins !== 0 || user.lockedUntil) {
    await deps.store.users.update(user.id, { failedLogins: 0, lockedUntil: null, updatedAt: now.toISOString() });
  }
  return { ok: true, user };
}

export function actorOf(user: User): Actor {
  return { id: user.id, name: user.username, role: user.role, siteIds: user.siteIds };
}

/** Generates a strong password (about 120 bits) for the first administrator. */
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
