import path from 'node:path';
import type { Config } from '../config';
import { openMongoStore } from './mongo';
import { openSqliteStore } from './sqlite';
import type { Store } from './store';

export type { Store } from './store';

export interface OpenStoreOptions {
  /** A background task of the store failed (MongoDB's tally applier; it retries on its own). */
  onBackgroundError?: (err: unknown) => void;
}

/** MongoDB when MONGODB_URI is set, else the embedded SQLite database DATA_DIR/manyi.db. */
export async function openStore(config: Pick<Config, 'mongodbUri' | 'dataDir'> & Partial<Pick<Config, 'sqliteWriter'>>, options: OpenStoreOptions = {}): Promise<Store> {
  if (config.mongodbUri) return openMongoStore(config.mongodbUri, options.onBackgroundError ? { applier: { onError: options.onBackgroundError } } : {});
  return openSqliteStore(path.join(config.dataDir, 'manyi.db'), { writer: config.sqliteWriter });
}
