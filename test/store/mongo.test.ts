import mongoose from 'mongoose';
import { openMongoStore } from '../../server/store/mongo';
import { storeContract } from './contract';

const uri = process.env.MONGODB_URI;

/** A fresh database per test under the server MONGODB_URI names. */
function withDatabase(base: string, name: string): string {
  const u = new URL(base);
  u.pathname = `/${name}`;
  return u.toString();
}

if (!uri) {
  describe('MongoDB store', () => {
    it.skip('runs the store contract (skipped: MONGODB_URI is not set; set it to a replica set to run it)', () => undefined);
  });
  // Say why in the test output too, not only in the skipped test's name.
  console.info('MongoDB contract suite skipped: MONGODB_URI is not set (it needs a MongoDB replica set).');
} else {
  describe('MongoDB store', () => {
    storeContract(async () => {
      const name = `manyi_test_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
      const dbUri = withDatabase(uri, name);
      const store = await openMongoStore(dbUri);
      return {
        store,
        cleanup: async () => {
          await store.close();
          const conn = await mongoose.createConnection(dbUri).asPromise();
          await conn.dropDatabase();
          await conn.close();
        },
      };
    });
  });
}
