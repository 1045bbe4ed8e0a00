import type { Logger } from 'pino';
import type { Config } from '../config';
import type { Store } from '../store';

/** What every use case may need; services take it as a plain argument, never req/res. */
export interface Deps {
  config: Config;
  store: Store;
  /** The current time; tests pass a fixed clock. */
  clock: () => Date;
  logger: Logger;
}

/** The person or token acting, for permission checks and the audit log. */
export interface Actor {
  id: string | null;
  name: string;
  role: 'admin' | 'evaluator' | 'station' | 'viewer' | 'system' | 'public';
  siteIds: string[];
  /** API token scope when acting through a bearer token. */
  scope?: 'read' | 'write';
}

export const SYSTEM_ACTOR: Actor = { id: null, name: 'system', role: 'system', siteIds: [] };
export const PUBLIC_ACTOR: Actor = { id: null, name: 'public', role: 'public', siteIds: [] };
