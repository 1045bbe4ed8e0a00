/**
 * Property: whatever sequence of submissions, retries and reviews (exclude, keep, restore; one by
 * one or in bulk) happens, the stored tallies equal a recomputation from the stored responses
 * (what rebuild-tallies would write), and the valid count the review reports is the dashboard's.
 * The same holds for MongoDB's pending tallies applied in batches, its writes replayed with mingo
 * (and, under npm run test:mongo, for the real MongoDB store the app runs on).
 */
import fc from 'fast-check';
import { find } from 'mingo';
import { applyReviewAction, type ReviewAction } from '../../server/domain/quality';
import { mergeDeltas, moveDeltas, sameTallies, tallyDeltas } from '../../server/domain/tally';
import { newId } from '../../server/ids';
import { pendingDeltas, pendingSelection } from '../../server/store/mongo/pipelines';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { ConflictError } from '../../server/errors';
import { reviewMany, reviewResponse, validCount } from '../../server/services/review';
import { rebuildTallies, verifyTallies } from '../../server/services/tallies';
import type { SurveyResponse } from '../../models/response';
import { makeTestApp } from '../helpers/app';
import { publicationFixture, responseFixture, seedPublication, siteFixture, surveyFixture } from '../helpers/fixtures';
import { MingoTallies } from '../helpers/mingo-tallies';

const level = fc.constantFrom('5', '4', '3', '2', '1', 'na');
const answers = fc.record(
  {
    seg: fc.constantFrom('a', 'b'),
    q1: level,
    q2: level,
    m: fc.subarray(['x', 'y'], { minLength: 1 }),
    r: fc.integer({ min: 1, max: 5 }),
    n: fc.double({ min: 0, max: 120, noNaN: true }).map((x) => Math.round(x * 100) / 100),
    c: fc.string({ minLength: 1, maxLength: 20 }),
  },
  { requiredKeys: ['seg', 'q1'] },
);

const op = fc.oneof(
  fc.record({
    kind: fc.constant('submit' as const),
    site: fc.integer({ min: 0, max: 2 }),
    day: fc.integer({ min: 1, max: 4 }),
    channel: fc.constantFrom('qr', 'link', 'assisted'),
    flags: fc.subarray(['speeder', 'straightline', 'burst']),
    answers,
    retry: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('review' as const), which: fc.nat(), action: fc.constantFrom('exclude', 'keep', 'restore') }),
  fc.record({ kind: fc.constant('bulk' as const), which: fc.array(fc.nat(), { minLength: 1, maxLength: 5 }), action: fc.constantFrom('exclude', 'keep', 'restore') }),
);

describe('tallies stay equal to a recomputation from responses', () => {
  it('holds for random submissions, retries and reviews', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 25 }), async (ops) => {
        const t = await makeTestApp();
        try {
          const sites = [siteFixture(), siteFixture(), siteFixture()];
          for (const s of sites) await t.store.sites.create(s);
          const { survey, version } = surveyFixture();
          await t.store.surveys.create(survey, version);
          const pubs = sites.map((s) => publicationFixture(survey.id, s.id));
          for (const p of pubs) await t.store.publications.create(p);
          const stored: SurveyResponse[] = [];
          for (const o of ops) {
            if (o.kind === 'submit') {
              const r = responseFixture(pubs[o.site]!, {
                day: `2026-11-0${o.day}`,
                channel: o.channel as SurveyResponse['channel'],
                flags: o.flags,
                answers: o.answers,
                segment: o.answers.seg,
              });
              const first = await t.store.responses.insert(r, tallyDeltas(r, survey.questions));
              if (first.inserted) stored.push(r);
              if (o.retry) expect((await t.store.responses.insert({ ...r }, tallyDeltas(r, survey.questions))).inserted).toBe(false);
            } else if (o.kind === 'review' && stored.length) {
              const target = stored[o.which % stored.length]!;
              const validBefore = await validCount(t.deps, SYSTEM_ACTOR, survey);
              try {
                const outcome = await reviewResponse(t.deps, SYSTEM_ACTOR, target.id, { action: o.action, reason: 'property test' });
                expect(outcome.valid).toEqual({ before: validBefore, after: await validCount(t.deps, SYSTEM_ACTOR, survey) });
              } catch (err) {
                // Already in that state, or nothing to keep: refused, and nothing moved.
                expect(err).toBeInstanceOf(ConflictError);
              }
            } else if (o.kind === 'bulk' && stored.length) {
              const ids = o.which.map((i) => stored[i % stored.length]!.id);
              const validBefore = await validCount(t.deps, SYSTEM_ACTOR, survey);
              const outcome = await reviewMany(t.deps, SYSTEM_ACTOR, survey.id, { ids, action: o.action, reason: 'property test' });
              expect(outcome.changed.length + outcome.skipped.length).toBe(new Set(ids).size);
              expect(outcome.valid).toEqual({ before: validBefore, after: await validCount(t.deps, SYSTEM_ACTOR, survey) });
            }
          }
          expect(await verifyTallies(t.deps, survey.id)).toEqual({ same: true });
          expect(await t.store.responses.count({ surveyId: survey.id })).toBe(stored.length);
          expect((await t.store.surveys.get(survey.id))!.responseCount).toBe(stored.length);
        } finally {
          await t.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('holds on MongoDB too, its writes replayed with mingo: tallies plus pending deltas always equal the store\'s (settled) tallies, and equal them once applied', async () => {
    const mongoOp = fc.oneof(
      op,
      fc.record({ kind: fc.constant('apply' as const), limit: fc.integer({ min: 1, max: 4 }), oneSurvey: fc.boolean() }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(mongoOp, { minLength: 1, maxLength: 30 }), async (ops) => {
        const t = await makeTestApp();
        try {
          const sites = [siteFixture(), siteFixture(), siteFixture()];
          for (const s of sites) await t.store.sites.create(s);
          const { survey, version } = surveyFixture();
          await t.store.surveys.create(survey, version);
          const pubs = sites.map((s) => publicationFixture(survey.id, s.id));
          for (const p of pubs) await t.store.publications.create(p);
          const mongo = new MingoTallies();
          const current = new Map<string, SurveyResponse>();
          const ids: string[] = [];
          const review = async (target: SurveyResponse, action: ReviewAction) => {
            const next = applyReviewAction(target, action);
            if ('skip' in next) return;
            const after: SurveyResponse = { ...target, review: next.to, reviewReason: next.to ? 'property test' : null, reviewedBy: next.to ? 'u1' : null, reviewedAt: next.to ? '2026-11-05T00:00:00.000Z' : null };
            const change = { from: target.review, to: after.review, reason: after.reviewReason, by: after.reviewedBy, at: after.reviewedAt };
            const deltas = moveDeltas(target, after, survey.questions);
            const viaSqlite = await t.store.responses.setReview(target.id, change, deltas);
            expect(mongo.review(target.id, change, deltas)).toBe(viaSqlite !== null);
            current.set(target.id, after);
          };
          for (const o of ops) {
            if (o.kind === 'submit') {
              const r = responseFixture(pubs[o.site]!, {
                day: `2026-11-0${o.day}`,
                submittedAt: `2026-11-0${o.day}T0${o.site}:00:00.000Z`,
                channel: o.channel as SurveyResponse['channel'],
                flags: o.flags,
                answers: o.answers,
                segment: o.answers.seg,
              });
              const deltas = tallyDeltas(r, survey.questions);
              expect(mongo.insert(r, deltas)).toBe((await t.store.responses.insert(r, deltas)).inserted);
              current.set(r.id, r);
              ids.push(r.id);
              if (o.retry) expect(mongo.insert({ ...r, id: newId() }, deltas)).toBe(false);
            } else if (o.kind === 'review' && ids.length) {
              await review(current.get(ids[o.which % ids.length]!)!, o.action);
            } else if (o.kind === 'bulk' && ids.length) {
              for (const id of new Set(o.which.map((i) => ids[i % ids.length]!))) await review(current.get(id)!, o.action);
            } else if (o.kind === 'apply') {
              mongo.applyBatch(o.limit, o.oneSurvey ? survey.id : undefined);
            }
            // What is applied plus what is pending is what the store holds once settled (SQLite: always), after every step.
            const pending = find(mongo.responses, pendingSelection().filter).all() as Record<string, unknown>[];
            await t.store.tallies.settle(survey.id);
            expect(sameTallies([...mongo.dump(), ...pendingDeltas(pending)], await t.store.tallies.dump(survey.id))).toEqual({ same: true });
          }
          while (mongo.applyBatch(4) > 0);
          expect(mongo.pendingCount()).toBe(0);
          expect(sameTallies(mongo.dump(), await t.store.tallies.dump(survey.id))).toEqual({ same: true });
          expect(sameTallies(mongo.dump(), mergeDeltas([...current.values()].flatMap((r) => tallyDeltas(r, survey.questions))))).toEqual({ same: true });
        } finally {
          await t.close();
        }
      }),
      { numRuns: 40 },
    );
  });

  it('rebuild-tallies repairs tallies that drifted', async () => {
    const t = await makeTestApp();
    try {
      const { survey, pub } = await seedPublication(t.store);
      const r = responseFixture(pub);
      await t.store.responses.insert(r, tallyDeltas(r, survey.questions));
      // Simulate drift: tallies written without their response.
      const ghost = responseFixture(pub, { answers: { q1: '1' } });
      await t.store.tallies.replaceForSurvey(survey.id, [...tallyDeltas(r, survey.questions), ...tallyDeltas(ghost, survey.questions)]);
      expect((await verifyTallies(t.deps, survey.id)).same).toBe(false);
      const result = await rebuildTallies(t.deps, survey.id);
      expect(result.hadDrifted).toBe(true);
      expect(await verifyTallies(t.deps, survey.id)).toEqual({ same: true });
    } finally {
      await t.close();
    }
  });
});
