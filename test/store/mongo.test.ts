import mongoose from 'mongoose';
import { sameTallies, tallyDeltas } from '../../server/domain/tally';
import { openMongoStore, type MongoStoreOptions } from '../../server/store/mongo';
import { publicationFixture, responseFixture, siteFixture, surveyFixture } from '../helpers/fixtures';
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
  const openFresh = async (options: MongoStoreOptions) => {
    const name = `manyi_test_${Date.now()}_${Math.random().toString(36).slice(2, 8)}`;
    const dbUri = withDatabase(uri, name);
    const store = await openMongoStore(dbUri, options);
    return {
      store,
      cleanup: async () => {
        await store.close();
        const conn = await mongoose.createConnection(dbUri).asPromise();
        await conn.dropDatabase();
        await conn.close();
      },
    };
  };

  describe('MongoDB store', () => {
    // The background applier waits a minute here, so what is pending before settle() is known.
    storeContract(() => openFresh({ applier: { delayMs: 60_000, everyMs: 60_000 } }));
  });

  describe('MongoDB background tally applier', () => {
    it('applies a submission\'s tallies shortly after it is stored, without settle()', async () => {
      const { store, cleanup } = await openFresh({ applier: { delayMs: 50, everyMs: 1000 } });
      try {
        const site = siteFixture();
        await store.sites.create(site);
        const { survey, version } = surveyFixture();
        await store.surveys.create(survey, version);
        const pub = publicationFixture(survey.id, site.id);
        await store.publications.create(pub);
        const r = responseFixture(pub);
        await store.responses.insert(r, tallyDeltas(r, survey.questions));
        const deadline = Date.now() + 5000;
        while ((await store.tallies.pending(survey.id)) > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
        expect(await store.tallies.pending(survey.id)).toBe(0);
        expect(await store.tallies.freshness(survey.id)).toBeNull();
        expect(sameTallies(await store.tallies.dump(survey.id), tallyDeltas(r, survey.questions))).toEqual({ same: true });
      } finally {
        await cleanup();
      }
    });
  });
}
