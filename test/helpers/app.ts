import pino from 'pino';
import request from 'supertest';
import type { Express } from 'express';
import { createApp } from '../../server/app';
import { loadConfig, type Config } from '../../server/config';
import type { Deps } from '../../server/services/context';
import { createUser } from '../../server/services/users';
import type { Store } from '../../server/store/store';
import type { Role } from '../../models/user';
import { openTestStore, type StoreKind } from './store';

export interface TestApp {
  app: Express;
  store: Store;
  config: Config;
  deps: Deps;
  /** Which store the app runs on (MongoDB when MONGODB_URI is set): what /readyz and check-db name. */
  kind: StoreKind;
  /** DATA_DIR, a temporary folder (the SQLite file is in it). */
  dir: string;
  /** What a child process (the CLI) needs to open the same store: DATA_DIR, and MONGODB_URI on MongoDB. */
  env: Record<string, string>;
  /** Another connection to the same store, as a restarted process would open it (the caller closes it). */
  reopenStore(): Promise<Store>;
  /** Moves the app's clock (it starts at the real time). */
  clock: { now: Date; advance(ms: number): void };
  close(): Promise<void>;
}

export const TEST_PASSWORD = 'correct horse battery';

/** A fresh app on a fresh store (see openTestStore: SQLite in a temporary folder, or a MongoDB database of its own). */
export async function makeTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const ts = await openTestStore();
  const { store, dir } = ts;
  const config = {
    ...loadConfig({ ...ts.env, LOG_LEVEL: 'silent', PUBLIC_BASE_URL: 'http://manyi.test', ...env }),
    sessionSecret: 'test-secret-test-secret-test-secret-0123456789',
  };
  const clock = {
    now: new Date(),
    advance(ms: number) {
      this.now = new Date(this.now.getTime() + ms);
    },
  };
  const logger = pino({ level: 'silent' });
  const deps: Deps = { config, store, clock: () => clock.now, logger };
  const app = createApp({ config, store, clock: () => clock.now, logger });
  return {
    app,
    store,
    config,
    deps,
    kind: ts.kind,
    dir,
    env: ts.env,
    reopenStore: ts.reopen,
    clock,
    async close() {
      await ts.cleanup();
    },
  };
}

/** The CSRF token in a rendered form. */
export function csrfFrom(html: string): string {
  const m = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!m) throw new Error('no CSRF token in page');
  return m[1]!;
}

export async function addUser(t: TestApp, username: string, role: Role, siteIds: string[] = []) {
  return createUser(t.deps, { username, password: TEST_PASSWORD, role, siteIds });
}

/** A supertest agent logged in as a new user with this role. */
export async function loginAs(t: TestApp, role: Role, options: { username?: string; siteIds?: string[] } = {}) {
  const username = options.username ?? `${role}-${Math.random().toString(36).slice(2, 8)}`;
  const user = await addUser(t, username, role, options.siteIds ?? []);
  const agent = request.agent(t.app);
  const page = await agent.get('/login').expect(200);
  await agent
    .post('/login')
    .type('form')
    .send({ _csrf: csrfFrom(page.text), username, password: TEST_PASSWORD, next: '/admin' })
    .expect(303);
  return { agent, user };
}

/** A fresh CSRF token for an agent, read from a page it can see. */
export async function csrfOf(agent: ReturnType<typeof request.agent>, pagePath = '/admin'): Promise<string> {
  const page = await agent.get(pagePath).expect(200);
  return csrfFrom(page.text);
}
