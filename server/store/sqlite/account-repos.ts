import type { ApiToken } from '../../../models/api-token';
import type { AuditEvent } from '../../../models/audit-event';
import type { SessionRecord } from '../../../models/session';
import type { User } from '../../../models/user';
import type { ApiTokenRepo, AuditQuery, AuditRepo, RateLimitBatchHit, RateLimitRepo, SessionRepo, UserPatch, UserRepo } from '../store';
import { bool, int, mapUnique, type Db } from './db';

type Row = Record<string, unknown>;

const toUser = (r: Row): User => ({
  id: r.id as string,
  username: r.username as string,
  passwordHash: r.password_hash as string,
  role: r.role as User['role'],
  siteIds: JSON.parse(r.site_ids as string) as string[],
  active: bool(r.active),
  failedLogins: r.failed_logins as number,
  lockedUntil: (r.locked_until as string | null) ?? null,
  mustChangePassword: bool(r.must_change_password),
  // Only users who gave one carry an e-mail (the field is optional in the domain).
  ...(r.email ? { email: r.email as string } : {}),
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});

const USER_COLUMNS: Record<keyof UserPatch, string> = {
  passwordHash: 'password_hash',
  role: 'role',
  siteIds: 'site_ids',
  active: 'active',
  failedLogins: 'failed_logins',
  lockedUntil: 'locked_until',
  mustChangePassword: 'must_change_password',
  email: 'email',
  updatedAt: 'updated_at',
};

export function sqliteUserRepo(db: Db): UserRepo {
  const insert = db.prepare(
    `INSERT INTO users (id, username, password_hash, role, site_ids, active, failed_logins, locked_until, must_change_password, email, created_at, updated_at)
     VALUES (@id, @username, @passwordHash, @role, @siteIds, @active, @failedLogins, @lockedUntil, @mustChangePassword, @email, @createdAt, @updatedAt)`,
  );
  const byId = db.prepare('SELECT * FROM users WHERE id = ?');
  const byName = db.prepare('SELECT * FROM users WHERE username = ?');
  return {
    async create(u) {
      mapUnique(() => insert.run({ ...u, siteIds: JSON.stringify(u.siteIds), active: int(u.active), mustChangePassword: int(u.mustChangePassword), email: u.email ?? null }));
    },
    async get(id) {
      const r = byId.get(id) as Row | undefined;
      return r ? toUser(r) : null;
    },
    async findByUsername(username) {
      const r = byName.get(username) as Row | undefined;
      return r ? toUser(r) : null;
    },
    async list() {
      return (db.prepare('SELECT * FROM users ORDER BY username').all() as Row[]).map(toUser);
    },
    async count() {
      return (db.prepare('SELECT COUNT(*) AS n FROM users').get() as { n: number }).n;
    },
    async update(id, patch) {
      const sets: string[] = [];
      const values: unknown[] = [];
      for (const [k, v] of Object.entries(patch) as [keyof UserPatch, unknown][]) {
        if (v === undefined) continue;
        sets.push(`${USER_COLUMNS[k]} = ?`);
        values.push(k === 'siteIds' ? JSON.stringify(v) : k === 'active' || k === 'mustChangePassword' ? int(v as boolean) : v);
      }
      if (sets.length) db.prepare(`UPDATE users SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
      const r = byId.get(id) as Row | undefined;
      return r ? toUser(r) : null;
    },
    async addFailedLogin(id) {
      const r = db
        .prepare('UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins')
        .get(id) as { failed_logins: number } | undefined;
      return r?.failed_logins ?? 0;
    },
  };
}

export function sqliteSessionRepo(db: Db): SessionRepo {
  const get = db.prepare('SELECT * FROM sessions WHERE id = ? AND expires_at > ?');
  const upsert = db.prepare(
    `INSERT INTO sessions (id, data, user_id, expires_at) VALUES (@id, @data, @userId, @expiresAt)
     ON CONFLICT (id) DO UPDATE SET data = excluded.data, user_id = excluded.user_id, expires_at = excluded.expires_at`,
  );
  return {
    async get(id, now) {
      const r = get.get(id, now) as Row | undefined;
      return r
        ? { id: r.id as string, data: r.data as string, userId: (r.user_id as string | null) ?? null, expiresAt: r.expires_at as string }
        : null;
    },
    async set(rec: SessionRecord) {
      upsert.run(rec);
    },
    async touch(id, expiresAt) {
      db.prepare('UPDATE sessions SET expires_at = ? WHERE id = ?').run(expiresAt, id);
    },
    async destroy(id) {
      db.prepare('DELETE FROM sessions WHERE id = ?').run(id);
    },
    async destroyForUser(userId) {
      return db.prepare('DELETE FROM sessions WHERE user_id = ?').run(userId).changes;
    },
    async purgeExpired(now) {
      return db.prepare('DELETE FROM sessions WHERE expires_at <= ?').run(now).changes;
    },
  };
}

const toToken = (r: Row): ApiToken => ({
  id: r.id as string,
  userId: r.user_id as string,
  name: r.name as string,
  tokenHash: r.token_hash as string,
  scope: r.scope as ApiToken['scope'],
  createdAt: r.created_at as string,
  lastUsedAt: (r.last_used_at as string | null) ?? null,
  revokedAt: (r.revoked_at as string | null) ?? null,
});

export function sqliteApiTokenRepo(db: Db): ApiTokenRepo {
  return {
    async create(t) {
      mapUnique(() =>
        db
          .prepare(
            `INSERT INTO api_tokens (id, user_id, name, token_hash, scope, created_at, last_used_at, revoked_at)
             VALUES (@id, @userId, @name, @tokenHash, @scope, @createdAt, @lastUsedAt, @revokedAt)`,
          )
          .run(t),
      );
    },
    async findByHash(hash) {
      const r = db.prepare('SELECT * FROM api_tokens WHERE token_hash = ?').get(hash) as Row | undefined;
      return r ? toToken(r) : null;
    },
    async listForUser(userId) {
      return (db.prepare('SELECT * FROM api_tokens WHERE user_id = ? ORDER BY created_at, id').all(userId) as Row[]).map(toToken);
    },
    async revoke(id, at) {
      db.prepare('UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(at, id);
    },
    async touch(id, at) {
      db.prepare('UPDATE api_tokens SET last_used_at = ? WHERE id = ?').run(at, id);
    },
  };
}

const toEvent = (r: Row): AuditEvent => ({
  id: r.id as string,
  at: r.at as string,
  actorId: (r.actor_id as string | null) ?? null,
  actorName: r.actor_name as string,
  action: r.action as string,
  targetType: r.target_type as string,
  targetId: (r.target_id as string | null) ?? null,
  details: JSON.parse(r.details as string) as Record<string, unknown>,
});

function auditWhere(q: Omit<AuditQuery, 'limit' | 'offset'>): { sql: string; values: unknown[] } {
  const parts: string[] = [];
  const values: unknown[] = [];
  if (q.action) {
    parts.push('action = ?');
    values.push(q.action);
  }
  if (q.targetId) {
    parts.push('target_id = ?');
    values.push(q.targetId);
  }
  if (q.actorId) {
    parts.push('actor_id = ?');
    values.push(q.actorId);
  }
  // Times are stored as toISOString() text, so text order is time order.
  if (q.from) {
    parts.push('at >= ?');
    values.push(new Date(q.from).toISOString());
  }
  if (q.to) {
    parts.push('at < ?');
    values.push(new Date(q.to).toISOString());
  }
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', values };
}

export function sqliteAuditRepo(db: Db): AuditRepo {
  const insert = db.prepare(
    `INSERT INTO audit_events (id, at, actor_id, actor_name, action, target_type, target_id, details)
     VALUES (@id, @at, @actorId, @actorName, @action, @targetType, @targetId, @details)`,
  );
  return {
    async append(e) {
      insert.run({ ...e, details: JSON.stringify(e.details) });
    },
    async list(q) {
      const w = auditWhere(q);
      return (
        db.prepare(`SELECT * FROM audit_events ${w.sql} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?`).all(...w.values, q.limit, q.offset ?? 0) as Row[]
      ).map(toEvent);
    },
    async count(q = {}) {
      const w = auditWhere(q);
      return (db.prepare(`SELECT COUNT(*) AS n FROM audit_events ${w.sql}`).get(...w.values) as { n: number }).n;
    },
  };
}

export function sqliteRateLimitRepo(db: Db): RateLimitRepo {
  // The rule is RateLimitRepo's (store.ts). SET expressions read the row as it was before the update.
  const hit = db.prepare(
    `INSERT INTO rate_limits (key, count, reset_at) VALUES (@key, @by, @end)
     ON CONFLICT (key) DO UPDATE SET
       count = CASE
         WHEN rate_limits.reset_at <= @now THEN @by
         WHEN rate_limits.reset_at - @windowMs >= @end THEN rate_limits.count
         ELSE rate_limits.count + @by END,
       reset_at = CASE WHEN rate_limits.reset_at <= @now THEN @end ELSE rate_limits.reset_at END
     RETURNING count, reset_at`,
  );
  const one = (h: RateLimitBatchHit, nowMs: number) => {
    const end = Math.min(h.startMs, nowMs) + h.windowMs;
    const r = hit.get({ key: h.key, now: nowMs, end, windowMs: h.windowMs, by: h.by }) as { count: number; reset_at: number };
    return { count: r.count, resetAt: r.reset_at };
  };
  const many = db.transaction((hits: readonly RateLimitBatchHit[], nowMs: number) => hits.map((h) => one(h, nowMs)));
  return {
    async hit(key, windowMs, nowMs) {
      return one({ key, windowMs, by: 1, startMs: nowMs }, nowMs);
    },
    async hitMany(hits, nowMs) {
      return many(hits, nowMs);
    },
    async decrement(key) {
      db.prepare('UPDATE rate_limits SET count = MAX(count - 1, 0) WHERE key = ?').run(key);
    },
    async reset(key) {
      db.prepare('DELETE FROM rate_limits WHERE key = ?').run(key);
    },
  };
}
