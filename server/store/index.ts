import path from 'node:path';
import type { Config } from '../config';
import { openMongoStore } from './mongo';
import { openSqliteStore } from './sqlite';
import type { Store } from './store';

export type { Store } from './store';

/** MongoDB when MONGODB_URI is set, else the embedded SQLite database DATA_DIR/manyi.db. */
export async function openStore(config: Pick<Config, 'mongodbUri' | 'dataDir'>): Promise<Store> {
  if (config.mongodbUri) return openMongoStore(config.mongodbUri);
  return openSqliteStore(path.join(config.dataDir, 'manyi.db'));
}
