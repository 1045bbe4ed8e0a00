/**
 * Property: whatever sequence of submissions, retries and exclusions happens, the stored tallies
 * equal a recomputation from the stored responses (what rebuild-tallies would write).
 */
import fc from 'fast-check';
import { tallyDeltas } from '../../server/domain/tally';
import { SYSTEM_ACTOR } from '../../server/services/context';
import { setExclusion } from '../../server/services/review';
import { rebuildTallies, verifyTallies } from '../../server/services/tallies';
import type { SurveyResponse } from '../../models/response';
import { makeTestApp } from '../helpers/app';
import { publicationFixture, responseFixture, siteFixture, surveyFixture } from '../helpers/fixtures';

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
  fc.record({ kind: fc.constant('toggle' as const), which: fc.nat() }),
);

describe('tallies stay equal to a recomputation from responses', () => {
  it('holds for random submissions, retries and exclusions', async () => {
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
            } else if (stored.length) {
              const target = stored[o.which % stored.length]!;
              const current = (await t.store.responses.get(target.id))!;
              await setExclusion(t.deps, SYSTEM_ACTOR, target.id, { excluded: !current.excluded, reason: 'property test' });
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

  it('rebuild-tallies repairs tallies that drifted', async () => {
    const t = await makeTestApp();
    try {
      const site = siteFixture();
      await t.store.sites.create(site);
      const { survey, version } = surveyFixture();
      await t.store.surveys.create(survey, version);
      const pub = publicationFixture(survey.id, site.id);
      await t.store.publications.create(pub);
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
