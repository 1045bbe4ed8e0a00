import { newTokenSchema, type ApiToken } from '../../models/api-token';
import type { User } from '../../models/user';
import { ValidationError } from '../errors';
import { newId, newSecretToken, sha256 } from '../ids';
import { audit } from './audit';
import { SYSTEM_ACTOR, type Actor, type Deps } from './context';

const PREFIX = 'manyi_';

/** Creates an API token for a user; the token itself is returned once and only its hash is stored. */
export async function createApiToken(
  deps: Deps,
  user: User,
  input: unknown,
  actor: Actor = SYSTEM_ACTOR,
): Promise<{ token: string; record: ApiToken }> {
  const parsed = newTokenSchema.safeParse(input ?? {});
  if (!parsed.success) throw new ValidationError({ scope: { key: 'field.option' } });
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
  if (!token.startsWith(PREFIX) || token.length > 200) return null;
  const record = await deps.store.tokens.findByHash(sha256(token));
  if (!record || record.revokedAt) return null;
  const user = await deps.store.users.get(record.userId);
  if (!user || !user.active) return null;
  await deps.store.tokens.touch(record.id, deps.clock().toISOString());
  return { token: record, user };
}
