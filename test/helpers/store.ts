/**
 * The store every suite runs on: MongoDB when MONGODB_URI is set (`npm run test:mongo`), else SQLite
 * in a temporary folder. On MongoDB each store opened here gets a database of its own, named after
 * the test file with a random suffix appended to the URI's database, and dropped by cleanup(); so a
 * leftover database (a run killed half-way) says which file made it.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mongoose, { type Connection } from 'mongoose';
import { openMongoStore, type MongoStoreOptions } from '../../server/store/mongo';
import { openSqliteStore } from '../../server/store/sqlite';
import type { Store } from '../../server/store/store';

export type StoreKind = Store['kind'];

/** Which store the suites run on: MongoDB when MONGODB_URI is set. */
export function testStoreKind(env: NodeJS.ProcessEnv = process.env): StoreKind {
  return env.MONGODB_URI ? 'mongodb' : 'sqlite';
}

/** The parts of a MongoDB connection string (mongodb:// or mongodb+srv://, any number of hosts). */
interface MongoUri {
  /** Everything up to and including the hosts, e.g. "mongodb://u:p@h1:27017,h2:27017". */
  head: string;
  /** Whether the string names a user (then the database in the path is also where it authenticates). */
  credentials: boolean;
  database: string;
  /** The query without "?", e.g. "replicaSet=rs0". */
  query: string;
}

/** Splits by hand: WHATWG URL cannot parse several comma-separated hosts. */
function parseMongoUri(uri: string): MongoUri {
  const scheme = /^mongodb(\+srv)?:\/\//.exec(uri);
  if (!scheme) throw new Error(`MONGODB_URI must start with mongodb:// or mongodb+srv:// (got ${uri.slice(0, 20)}…)`);
  const rest = uri.slice(scheme[0].length);
  const q = rest.indexOf('?');
  const beforeQuery = q === -1 ? rest : rest.slice(0, q);
  const query = q === -1 ? '' : rest.slice(q + 1);
  const slash = beforeQuery.indexOf('/');
  const hosts = slash === -1 ? beforeQuery : beforeQuery.slice(0, slash);
  const database = slash === -1 ? '' : decodeURIComponent(beforeQuery.slice(slash + 1));
  return { head: scheme[0] + hosts, credentials: hosts.includes('@'), database, query };
}

/** The largest database name MongoDB accepts is 63 bytes. */
const MAX_DATABASE_NAME = 63;
/** Characters MongoDB refuses in a database name (on any platform), and the NUL character. */
const FORBIDDEN_IN_DATABASE_NAME = /[/\\. "$*<>:|?\0]/;

/** Whether MongoDB accepts this as a database name. */
export function isValidDatabaseName(name: string): boolean {
  return name.length > 0 && Buffer.byteLength(name, 'utf8') <= MAX_DATABASE_NAME && !FORBIDDEN_IN_DATABASE_NAME.test(name);
}

/**
 * The database for one store of one test file: the URI's database (or "manyi"), "t", the file's
 * name without ".test.ts" and a suffix, lower-case letters, digits and "_" only, at most 63 bytes
 * (the file part is shortened first). Pure, so its validity is unit-tested without a server.
 */
export function testDatabaseName(uri: string, testFile: string, suffix: string): string {
  const clean = (s: string) =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '');
  const base = clean(parseMongoUri(uri).database).slice(0, 20) || 'manyi';
  const file = clean(path.basename(testFile).replace(/\.(e2e\.)?test\.[jt]s$/, '').replace(/\.[jt]s$/, '')) || 'test';
  const tail = clean(suffix) || '0';
  const room = MAX_DATABASE_NAME - base.length - tail.length - '_t__'.length - 1;
  return `${base}_t_${file.slice(0, Math.max(room, 1)).replace(/_+$/, '')}_${tail}`;
}

/**
 * The same connection string naming another database. A user named in it authenticated against
 * the original database (or admin): authSource keeps that, since the path no longer says it.
 */
export function withDatabase(uri: string, database: string): string {
  const u = parseMongoUri(uri);
  const params = u.query ? u.query.split('&').filter(Boolean) : [];
  if (u.credentials && !params.some((p) => p.toLowerCase().startsWith('authsource='))) {
    params.push(`authSource=${encodeURIComponent(u.database || 'admin')}`);
  }
  return `${u.head}/${encodeURIComponent(database)}${params.length ? `?${params.join('&')}` : ''}`;
}

/** The test file running now (jest), for naming its databases. */
function currentTestFile(): string {
  const state = typeof expect === 'undefined' ? undefined : (expect.getState() as { testPath?: string });
  return state?.testPath ?? process.argv[1] ?? 'test';
}

export interface TestStorePlace {
  kind: StoreKind;
  /** A temporary folder: DATA_DIR (session secret, files); on SQLite, manyi.db is in it. Removed by cleanup. */
  dir: string;
  /** What a child process needs to open the same store: DATA_DIR, and MONGODB_URI on MongoDB (naming this database). */
  env: Record<string, string>;
  /** Opens (another connection to) the store; cleanup closes it if the caller did not. */
  open(options?: { mongo?: MongoStoreOptions }): Promise<Store>;
  /** Whether anything has created the store yet (the SQLite file, or the MongoDB database). */
  exists(): Promise<boolean>;
  /** Closes what open() opened and removes the store: the folder, and on MongoDB the database. */
  cleanup(): Promise<void>;
}

export interface TestStore extends TestStorePlace {
  store: Store;
  /** Another connection to the same store, as a restarted process would open it (the caller closes it). */
  reopen(): Promise<Store>;
}

export interface TestStoreOptions {
  /** Where MONGODB_URI is read (default process.env): `{}` opens SQLite whatever the shell has set. */
  env?: NodeJS.ProcessEnv;
  /** This kind whatever MONGODB_URI says (MongoDB still needs it): for a store's own tests. */
  kind?: StoreKind;
  /** MongoDB only: e.g. the background applier's timing. */
  mongo?: MongoStoreOptions;
}

/** Reserves a store without opening it (for tests of processes that must create it themselves). */
export function testStorePlace(options: Pick<TestStoreOptions, 'env' | 'kind'> = {}): TestStorePlace {
  const env = options.env ?? process.env;
  const kind = options.kind ?? testStoreKind(env);
  if (kind === 'mongodb' && !env.MONGODB_URI) throw new Error('a MongoDB test store needs MONGODB_URI (a replica set)');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-test-'));
  const opened: Store[] = [];
  const track = (store: Store) => {
    opened.push(store);
    return store;
  };

  if (kind === 'sqlite') {
    const file = path.join(dir, 'manyi.db');
    return {
      kind,
      dir,
      env: { DATA_DIR: dir },
      async open() {
        return track(openSqliteStore(file));
      },
      async exists() {
        return fs.existsSync(file);
      },
      async cleanup() {
        for (const store of opened) await store.close();
        fs.rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  const name = testDatabaseName(env.MONGODB_URI!, currentTestFile(), crypto.randomBytes(5).toString('hex'));
  const uri = withDatabase(env.MONGODB_URI!, name);
  /** A short connection of its own, for what the store under test must not do for us. */
  const admin = async <T>(fn: (conn: Connection) => Promise<T>): Promise<T> => {
    const conn = await mongoose.createConnection(uri, { serverSelectionTimeoutMS: 5000 }).asPromise();
    try {
      return await fn(conn);
    } finally {
      await conn.close();
    }
  };
  return {
    kind,
    dir,
    env: { DATA_DIR: dir, MONGODB_URI: uri },
    async open(openOptions = {}) {
      return track(await openMongoStore(uri, openOptions.mongo));
    },
    async exists() {
      return admin(async (conn) => {
        const { databases } = await conn.db!.admin().listDatabases({ nameOnly: true });
        return databases.some((d) => d.name === name);
      });
    },
    async cleanup() {
      // A store a test closed itself closes again without complaint.
      for (const store of opened) await store.close().catch(() => undefined);
      await admin((conn) => conn.dropDatabase());
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fresh, empty, open store of the kind the suite runs on. */
export async function openTestStore(options: TestStoreOptions = {}): Promise<TestStore> {
  const place = testStorePlace(options);
  try {
    const store = await place.open({ mongo: options.mongo });
    return { ...place, store, reopen: () => place.open({ mongo: options.mongo }) };
  } catch (err) {
    await place.cleanup().catch(() => undefined);
    throw err;
  }
}

const announced = new Set<string>();

/**
 * describe() on the stores where it makes sense, describe.skip() elsewhere with the reason printed
 * once per file (a skipped test's name alone is easy to miss): `describeOn('sqlite', 'PRAGMAs are SQLite's')`.
 */
export function describeOn(kind: StoreKind, why: string): jest.Describe {
  if (testStoreKind() === kind) return describe;
  if (!announced.has(why)) {
    announced.add(why);
    console.info(`Skipped on ${testStoreKind()}: ${why}`);
  }
  return describe.skip;
}
