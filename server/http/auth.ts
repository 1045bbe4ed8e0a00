import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { Role } from '../../models/user';
import { AppError, ForbiddenError, UnauthorizedError } from '../errors';
import { actorOf } from '../services/users';
import { PUBLIC_ACTOR, type Deps } from '../services/context';
import { verifyApiToken } from '../services/tokens';

/** Sets req.user and req.actor from the session or, on /api, from an `Authorization: Bearer` token. */
export function loadUser(deps: Deps): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    req.actor = PUBLIC_ACTOR;
    const header = req.headers.authorization;
    if (header && req.path.startsWith('/api/')) {
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      const found = m ? await verifyApiToken(deps, m[1]!) : null;
      if (!found) return next(new UnauthorizedError('error.unauthorized'));
      req.user = found.user;
      req.apiTokenScope = found.token.scope;
      req.actor = { ...actorOf(found.user), scope: found.token.scope };
      return next();
    }
    const userId = req.session?.userId;
    if (userId) {
      const user = await deps.store.users.get(userId);
      if (user && user.active) {
        req.user = user;
        req.actor = actorOf(user);
      } else {
        delete req.session.userId;
      }
    }
    next();
  };
}

/** Refuses anonymous requests: pages redirect to the login page, the API answers 401. */
export const requireUser: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  if (req.originalUrl.startsWith('/api/') || (req.method !== 'GET' && req.method !== 'HEAD')) {
    return next(new UnauthorizedError());
  }
  res.redirect(303, `/login?next=${encodeURIComponent(req.originalUrl)}`);
};

export const CHANGE_PASSWORD_PATH = '/account/password';

/**
 * After an administrator reset their password, a person may only choose a new one: pages send them
 * to the change-password page and everything else is refused with 403. A request made with an API
 * token passes: tokens are not the password and a reset does not revoke them.
 */
export const requirePasswordChanged: RequestHandler = (req, res, next) => {
  if (!req.user?.mustChangePassword || req.apiTokenScope !== undefined) return next();
  if ((req.method === 'GET' || req.method === 'HEAD') && !req.originalUrl.startsWith('/api/')) return res.redirect(303, CHANGE_PASSWORD_PATH);
  next(new AppError(403, 'password_change_required', 'account.mustChange'));
};

/** Only these roles may pass. */
export function requireRole(...roles: Role[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.user) return next(new UnauthorizedError());
    if (!roles.includes(req.user.role)) return next(new ForbiddenError());
    next();
  };
}

/** A read-only API token may not change anything. */
export const requireWriteScope: RequestHandler = (req, _res, next) => {
  if (req.method !== 'GET' && req.method !== 'HEAD' && req.apiTokenScope === 'read') return next(new ForbiddenError());
  next();
};
