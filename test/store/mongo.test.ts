import { sameTallies, tallyDeltas } from '../../server/domain/tally';
import { responseFixture, seedPublication } from '../helpers/fixtures';
import { describeOn, openTestStore } from '../helpers/store';
import { storeContract } from './contract';

/*
 * The contract on MongoDB, where MONGODB_URI points at a replica set (`npm run test:mongo`); each
 * test gets a database of its own, dropped after it. Skipped, saying so, everywhere else.
 */
const onMongo = describeOn('mongodb', 'the MongoDB store contract needs a MongoDB replica set: set MONGODB_URI (npm run test:mongo)');

onMongo('MongoDB store', () => {
  // The background applier waits a minute here, so what is pending before settle() is known.
  storeContract(() => openTestStore({ mongo: { applier: { delayMs: 60_000, everyMs: 60_000 } } }));
});

onMongo('MongoDB background tally applier', () => {
  it('applies a submission\'s tallies shortly after it is stored, without settle()', async () => {
    const { store, cleanup } = await openTestStore({ mongo: { applier: { delayMs: 50, everyMs: 1000 } } });
    try {
      const { survey, pub } = await seedPublication(store);
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
