import type { User } from '../../models/user';
import type { Locale, Translate } from '../i18n';
import type { Actor } from '../services/context';
import type { VerifiedFormToken } from '../services/form-token';

declare module 'express-session' {
  interface SessionData {
    userId?: string;
    flash?: { kind: 'ok' | 'error'; text: string }[];
    /** When the session ends on the app's clock (ISO), set when it is first stored. */
    expiresAt?: string;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The logged-in user (session or API token), if any. */
      user?: User;
      /** Who is acting: the user, or 'public'. */
      actor: Actor;
      locale: Locale;
      t: Translate;
      /** Stable id of this browser from the signed device cookie. */
      deviceId?: string;
      /**
       * A questionnaire POST's form token, verified and bound to this request's device: it is the
       * request's CSRF check (set by the resident routes' formTokenCsrf, read by the CSRF middleware and the handler).
       */
      formToken?: VerifiedFormToken;
      /** Set when the request authenticated with an API token. */
      apiTokenScope?: 'read' | 'write';
    }
    interface Response {
      /** Renders a view inside its layout (admin by default). */
      page(view: string, locals?: Record<string, unknown>, options?: { layout?: string; status?: number }): void;
      /** The HTML res.page would send. */
      pageHtml(view: string, locals?: Record<string, unknown>, options?: { layout?: string }): Promise<string>;
      /** A CSRF token for the forms of this page. */
      csrf(): string;
    }
  }
}

export {};
