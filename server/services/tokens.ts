import { newTokenSchema, type ApiToken } from '../../models/api-token';
import type { User } from '../../models/user';
import { ValidationError } from '../errors';
import { newId, newSecretToken, sha256 } from '../ids';
import { audit } from './audit';
import { SYSTEM_ACTOR, type Actor, type Deps } from './context';
import { fieldErrors } from './validate';

const PREFIX = 'manyi_';
/** Exactly what createApiToken hands out: the prefix and 32 random bytes as base64url. Anything else is not looked up. */
const TOKEN_SHAPE = /^manyi_[A-Za-z0-9_-]{43}$/;

/** Creates an API token for a user; the token itself is returned once and only its hash is stored. */
export async function createApiToken(
  deps: Deps,
  user: User,
  input: unknown,
  actor: Actor = SYSTEM_ACTOR,
): Promise<{ token: string; record: ApiToken }> {
  const parsed = newTokenSchema.safeParse(input ?? {});
  if (!parsed.success) {
    const fields = fieldErrors(parsed.error);
    if (fields.scope) fields.scope = { key: 'field.option' };
    throw new ValidationError(fields);
  }
  const token = PREFIX + newSecretToken(32);
  const record: ApiToken = {
    id: newId(),
    userId: user.id,
    name: parsed.data.name,
    tokenHash: sha256(token),
    // A viewer's token can only read, whatever was asked.
    scope: user.role === 'viewer' ? 'read' : parsed.data.scope,
    createdAt: deps.clock().toISOString(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await deps.store.tokens.create(record);
  await audit(deps, actor, 'token.create', { type: 'user', id: user.id }, { tokenId: record.id, scope: record.scope, name: record.name });
  return { token, record };
}

/** The active token and its user for a presented bearer token, or null. */
export async function verifyApiToken(deps: Deps, token: string): Promise<{ token: ApiToken; user: User } | null> {
  if (!TOKEN_SHAPE.test(token)) return null;
  const record = await deps.store.tokens.findByHash(sha256(token));
  if (!record || record.revokedAt) return null;
  const user = await deps.store.users.get(record.userId);
  if (!user || !user.active) return null;
  await deps.store.tokens.touch(record.id, deps.clock().toISOString());
  return { token: record, user };
}
