/**
 * The one contract every Store adapter keeps. sqlite.test.ts runs it always; mongo.test.ts runs it
 * when MONGODB_URI is set. A behaviour one store has and the other lacks is a bug.
 */
import crypto from 'node:crypto';
import { mergeDeltas, sameTallies, tallyDeltas, moveDeltas } from '../../server/domain/tally';
import { newId } from '../../server/ids';
import { DuplicateKeyError, TABLE_BATCH, TalliesChangedError, type ResponseFilter, type Store } from '../../server/store/store';
import type { ResponseForTable, SurveyResponse } from '../../models/response';
import { DEFAULT_CASE_SETTINGS, applyStep, markNamed, openCase } from '../../server/domain/cases/case-flow';
import { workCalendar } from '../../server/domain/cases/working-days';
import { publicationFixture, responseFixture, siteFixture, surveyFixture, userFixture } from '../helpers/fixtures';

export function storeContract(open: () => Promise<{ store: Store; cleanup: () => Promise<void> }>) {
  let store: Store;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ store, cleanup } = await open());
  });
  afterEach(async () => {
    await cleanup();
  });

  async function seedSurvey() {
    const siteA = siteFixture({ code: 'A01' });
    const siteB = siteFixture({ code: 'B02' });
    await store.sites.create(siteB);
    await store.sites.create(siteA);
    const { survey, version } = surveyFixture();
    await store.surveys.create(survey, version);
    const pubA = publicationFixture(survey.id, siteA.id);
    const pubB = publicationFixture(survey.id, siteB.id);
    await store.publications.create(pubA);
    await store.publications.create(pubB);
    return { siteA, siteB, survey, version, pubA, pubB };
  }

  /** Stores a response and applies its tallies (on MongoDB they wait, pending, until settle). */
  async function submit(r: SurveyResponse, questions = surveyFixture().survey.questions) {
    const result = await store.responses.insert(r, tallyDeltas(r, questions));
    await store.tallies.settle(r.surveyId);
    return result;
  }

  describe('users', () => {
    it('stores a user and finds it by id and by username', async () => {
      const u = userFixture({ username: 'alice', siteIds: ['s1'], role: 'station' });
      await store.users.create(u);
      expect(await store.users.get(u.id)).toEqual(u);
      expect(await store.users.findByUsername('alice')).toEqual(u);
      expect(await store.users.findByUsername('nobody')).toBeNull();
      expect(await store.users.count()).toBe(1);
    });

    it('refuses a second user with the same username', async () => {
      await store.users.create(userFixture({ username: 'bob' }));
      await expect(store.users.create(userFixture({ username: 'bob' }))).rejects.toBeInstanceOf(DuplicateKeyError);
      expect(await store.users.count()).toBe(1);
    });

    it('counts failed logins atomically and updates fields', async () => {
      const u = userFixture();
      await store.users.create(u);
      await Promise.all([store.users.addFailedLogin(u.id), store.users.addFailedLogin(u.id)]);
      expect(await store.users.addFailedLogin(u.id)).toBe(3);
      const updated = await store.users.update(u.id, { failedLogins: 0, lockedUntil: '2026-12-01T00:00:00.000Z', active: false });
      expect(updated).toMatchObject({ failedLogins: 0, lockedUntil: '2026-12-01T00:00:00.000Z', active: false });
      expect((await store.users.list()).map((x) => x.id)).toEqual([u.id]);
    });

    it('keeps whether a user must change their password, and clears it with a new password hash', async () => {
      const u = userFixture({ mustChangePassword: true });
      await store.users.create(u);
      expect(await store.users.get(u.id)).toMatchObject({ mustChangePassword: true });
      expect(await store.users.findByUsername(u.username)).toMatchObject({ mustChangePassword: true });
      const updated = await store.users.update(u.id, { passwordHash: 'new-hash', mustChangePassword: false, updatedAt: '2026-12-02T00:00:00.000Z' });
      expect(updated).toEqual({ ...u, passwordHash: 'new-hash', mustChangePassword: false, updatedAt: '2026-12-02T00:00:00.000Z' });
      expect((await store.users.list()).map((x) => x.mustChangePassword)).toEqual([false]);
      // A patch that leaves the flag out leaves it as it was.
      await store.users.update(u.id, { mustChangePassword: true });
      expect(await store.users.update(u.id, { role: 'viewer' })).toMatchObject({ role: 'viewer', mustChangePassword: true, passwordHash: 'new-hash' });
    });
  });

  describe('sessions', () => {
    it('returns a live session and hides an expired one', async () => {
      await store.sessions.set({ id: 's1', data: '{"a":1}', userId: 'u1', expiresAt: '2026-12-02T10:00:00.000Z' });
      expect(await store.sessions.get('s1', '2026-12-02T09:00:00.000Z')).toEqual({ id: 's1', data: '{"a":1}', userId: 'u1', expiresAt: '2026-12-02T10:00:00.000Z' });
      expect(await store.sessions.get('s1', '2026-12-02T10:00:01.000Z')).toBeNull();
      await store.sessions.touch('s1', '2026-12-02T12:00:00.000Z');
      expect(await store.sessions.get('s1', '2026-12-02T11:00:00.000Z')).not.toBeNull();
    });

    it('destroys one session, all of a user, and purges expired ones', async () => {
      await store.sessions.set({ id: 'a', data: '{}', userId: 'u1', expiresAt: '2026-12-02T10:00:00.000Z' });
      await store.sessions.set({ id: 'b', data: '{}', userId: 'u1', expiresAt: '2026-12-02T10:00:00.000Z' });
      await store.sessions.set({ id: 'c', data: '{}', userId: 'u2', expiresAt: '2026-12-01T10:00:00.000Z' });
      expect(await store.sessions.destroyForUser('u1')).toBe(2);
      expect(await store.sessions.purgeExpired('2026-12-02T00:00:00.000Z')).toBe(1);
      await store.sessions.set({ id: 'd', data: '{}', userId: null, expiresAt: '2026-12-02T10:00:00.000Z' });
      await store.sessions.destroy('d');
      expect(await store.sessions.get('d', '2026-12-02T00:00:00.000Z')).toBeNull();
    });
  });

  describe('api tokens', () => {
    it('finds a token by its hash, touches and revokes it', async () => {
      const u = userFixture();
      await store.users.create(u);
      const t = { id: newId(), userId: u.id, name: 'x', tokenHash: 'h1', scope: 'read' as const, createdAt: '2026-12-01T00:00:00.000Z', lastUsedAt: null, revokedAt: null };
      await store.tokens.create(t);
      expect(await store.tokens.findByHash('h1')).toEqual(t);
      await store.tokens.touch(t.id, '2026-12-02T00:00:00.000Z');
      await store.tokens.revoke(t.id, '2026-12-03T00:00:00.000Z');
      expect(await store.tokens.findByHash('h1')).toMatchObject({ lastUsedAt: '2026-12-02T00:00:00.000Z', revokedAt: '2026-12-03T00:00:00.000Z' });
      expect(await store.tokens.listForUser(u.id)).toHaveLength(1);
      await expect(store.tokens.create({ ...t, id: newId() })).rejects.toBeInstanceOf(DuplicateKeyError);
    });
  });

  describe('audit', () => {
    it('lists events newest first, filtered and paged', async () => {
      for (let i = 0; i < 5; i++) {
        await store.audit.append({
          id: newId(),
          at: `2026-12-0${i + 1}T00:00:00.000Z`,
          actorId: null,
          actorName: 'system',
          action: i % 2 ? 'a.odd' : 'a.even',
          targetType: 't',
          targetId: `x${i}`,
          details: { i, nested: { ok: true } },
        });
      }
      const page = await store.audit.list({ limit: 2 });
      expect(page.map((e) => e.targetId)).toEqual(['x4', 'x3']);
      expect(page[0]!.details).toEqual({ i: 4, nested: { ok: true } });
      expect((await store.audit.list({ limit: 10, offset: 3 })).map((e) => e.targetId)).toEqual(['x1', 'x0']);
      expect(await store.audit.count({ action: 'a.even' })).toBe(3);
      expect(await store.audit.count({ targetId: 'x1' })).toBe(1);
    });

    it('filters events by user and by a time range (from inclusive, to exclusive), combined with the action', async () => {
      const users = ['u-a', 'u-b', null];
      for (let i = 0; i < 6; i++) {
        await store.audit.append({
          id: newId(),
          at: `2026-12-0${i + 1}T10:00:00.000Z`,
          actorId: users[i % 3]!,
          actorName: users[i % 3] ?? 'system',
          action: i < 3 ? 'export.responses' : 'login',
          targetType: 't',
          targetId: `y${i}`,
          details: {},
        });
      }
      expect((await store.audit.list({ limit: 10, actorId: 'u-a' })).map((e) => e.targetId)).toEqual(['y3', 'y0']);
      expect(await store.audit.count({ actorId: 'u-b' })).toBe(2);
      const range = { from: '2026-12-02T10:00:00.000Z', to: '2026-12-05T10:00:00.000Z' };
      expect((await store.audit.list({ limit: 10, ...range })).map((e) => e.targetId)).toEqual(['y3', 'y2', 'y1']);
      expect(await store.audit.count(range)).toBe(3);
      expect((await store.audit.list({ limit: 10, ...range, action: 'login' })).map((e) => e.targetId)).toEqual(['y3']);
      expect(await store.audit.count({ ...range, actorId: 'u-b', action: 'export.responses' })).toBe(1);
      expect(await store.audit.count({ from: '2026-12-06T10:00:00.001Z' })).toBe(0);
    });
  });

  describe('rate limits', () => {
    it('counts hits in a fixed window and starts again after it', async () => {
      expect(await store.rateLimits.hit('k', 1000, 10_000)).toEqual({ count: 1, resetAt: 11_000 });
      expect((await store.rateLimits.hit('k', 1000, 10_500)).count).toBe(2);
      await store.rateLimits.decrement('k');
      expect((await store.rateLimits.hit('k', 1000, 10_600)).count).toBe(2);
      expect(await store.rateLimits.hit('k', 1000, 11_000)).toEqual({ count: 1, resetAt: 12_000 });
      await store.rateLimits.reset('k');
      expect((await store.rateLimits.hit('k', 1000, 11_100)).count).toBe(1);
    });

    it('counts many hits of many keys at once, in the same windows as one by one', async () => {
      await store.rateLimits.hit('a', 1000, 10_000);
      expect(
        await store.rateLimits.hitMany(
          [
            { key: 'a', windowMs: 1000, by: 4, startMs: 10_200 },
            { key: 'b', windowMs: 1000, by: 3, startMs: 10_200 },
          ],
          10_200,
        ),
      ).toEqual([
        { count: 5, resetAt: 11_000 },
        { count: 3, resetAt: 11_200 },
      ]);
      expect(await store.rateLimits.hitMany([{ key: 'a', windowMs: 1000, by: 2, startMs: 11_000 }], 11_000)).toEqual([{ count: 2, resetAt: 12_000 }]);
      expect(await store.rateLimits.hitMany([], 11_000)).toEqual([]);
    });

    it('starts the window of hits that reach it late where they were counted, not at the sync', async () => {
      expect(await store.rateLimits.hitMany([{ key: 'late', windowMs: 1000, by: 3, startMs: 10_000 }], 10_900)).toEqual([{ count: 3, resetAt: 11_000 }]);
      expect(await store.rateLimits.hitMany([{ key: 'late', windowMs: 1000, by: 1, startMs: 10_000 }], 10_950)).toEqual([{ count: 4, resetAt: 11_000 }]);
      expect(await store.rateLimits.hit('late', 1000, 11_000)).toEqual({ count: 1, resetAt: 12_000 });
    });

    it('lets hits whose window has ended start no window that ends later, and never starts a window in the future', async () => {
      // Counted in [10 000, 11 000), reaching the store at 12 500: their window is over when it is stored.
      expect(await store.rateLimits.hitMany([{ key: 'gone', windowMs: 1000, by: 2, startMs: 10_000 }], 12_500)).toEqual([{ count: 2, resetAt: 11_000 }]);
      expect(await store.rateLimits.hit('gone', 1000, 12_500)).toEqual({ count: 1, resetAt: 13_500 });
      expect(await store.rateLimits.hitMany([{ key: 'ahead', windowMs: 1000, by: 1, startMs: 20_000 }], 10_000)).toEqual([{ count: 1, resetAt: 11_000 }]);
    });

    it('adds hits to the shared live window, keeping its end, unless their own window ended before it began', async () => {
      await store.rateLimits.hit('s', 1000, 10_000);
      // Counted from 10 500 elsewhere: the window begun at 10 000 takes them and still ends at 11 000.
      expect(await store.rateLimits.hitMany([{ key: 's', windowMs: 1000, by: 2, startMs: 10_500 }], 10_600)).toEqual([{ count: 3, resetAt: 11_000 }]);
      expect(await store.rateLimits.hit('s', 1000, 11_200)).toEqual({ count: 1, resetAt: 12_200 });
      // Counted in [10 200, 11 200): over when the live window began at 11 200, so none of them fell in it.
      expect(await store.rateLimits.hitMany([{ key: 's', windowMs: 1000, by: 5, startMs: 10_200 }], 11_300)).toEqual([{ count: 1, resetAt: 12_200 }]);
      // Counted in [10 201, 11 201): it overlaps the live window, which takes them.
      expect(await store.rateLimits.hitMany([{ key: 's', windowMs: 1000, by: 2, startMs: 10_201 }], 11_400)).toEqual([{ count: 3, resetAt: 12_200 }]);
    });
  });

  describe('sites', () => {
    it('creates, finds, lists by code and updates sites', async () => {
      const a = siteFixture({ code: 'Z9' });
      const b = siteFixture({ code: 'A1', recipients: null });
      await store.sites.create(a);
      await store.sites.create(b);
      expect(await store.sites.get(b.id)).toEqual(b);
      expect(await store.sites.getByCode('Z9')).toEqual(a);
      expect((await store.sites.list()).map((s) => s.code)).toEqual(['A1', 'Z9']);
      await store.sites.update(a.id, { active: false, name: '新名' });
      expect((await store.sites.list({ active: true })).map((s) => s.code)).toEqual(['A1']);
      expect((await store.sites.list({ ids: [a.id] }))[0]).toMatchObject({ name: '新名', active: false });
      expect(await store.sites.list({ ids: [] })).toEqual([]);
      await expect(store.sites.update(b.id, { code: 'Z9' })).rejects.toBeInstanceOf(DuplicateKeyError);
    });

    it('imports many sites all or nothing', async () => {
      await store.sites.create(siteFixture({ code: 'DUP' }));
      await expect(store.sites.createMany([siteFixture({ code: 'N1' }), siteFixture({ code: 'DUP' })])).rejects.toBeInstanceOf(DuplicateKeyError);
      expect((await store.sites.list()).map((s) => s.code)).toEqual(['DUP']);
      await store.sites.createMany([siteFixture({ code: 'N1' }), siteFixture({ code: 'N2' })]);
      expect(await store.sites.list()).toHaveLength(3);
    });
  });

  describe('surveys and versions', () => {
    it('stores a survey with its first version', async () => {
      const { survey, version } = surveyFixture();
      await store.surveys.create(survey, version);
      expect(await store.surveys.get(survey.id)).toEqual(survey);
      expect(await store.surveys.getVersion(survey.id, 1)).toEqual(version);
      expect(await store.surveys.list()).toHaveLength(1);
      const updated = await store.surveys.update(survey.id, { status: 'closed', title: '新标题' });
      expect(updated).toMatchObject({ status: 'closed', title: '新标题', version: 1 });
    });

    it('edits questions in place before the first response and adds a version after it', async () => {
      const { survey, pubA } = await seedSurvey();
      const q2 = survey.questions.slice(0, 3);
      const edited = await store.surveys.saveQuestions(survey.id, 1, { questions: q2, segmentQuestionId: 'seg', updatedAt: '2026-11-02T00:00:00.000Z' });
      expect(edited).toMatchObject({ version: 1 });
      expect((await store.surveys.getVersion(survey.id, 1))!.questions).toHaveLength(3);

      await submit(responseFixture(pubA), q2);
      expect(await store.surveys.saveQuestions(survey.id, 0, { questions: q2, segmentQuestionId: null, updatedAt: 'x' })).toBeNull();
      const v2 = await store.surveys.saveQuestions(survey.id, 1, { questions: q2.slice(0, 2), segmentQuestionId: null, updatedAt: '2026-11-03T00:00:00.000Z' });
      expect(v2).toMatchObject({ version: 2, segmentQuestionId: null, responseCount: 1 });
      expect((await store.surveys.listVersions(survey.id)).map((v) => [v.version, v.questions.length])).toEqual([
        [1, 3],
        [2, 2],
      ]);
    });

    it('deletes a survey with its responses and tallies', async () => {
      const { survey, pubA } = await seedSurvey();
      await submit(responseFixture(pubA));
      await store.surveys.delete(survey.id);
      expect(await store.surveys.get(survey.id)).toBeNull();
      expect(await store.tallies.dump(survey.id)).toEqual([]);
    });
  });

  describe('publications', () => {
    it('finds publications by code, survey and site, ordered by site code', async () => {
      const { survey, siteA, siteB, pubA, pubB } = await seedSurvey();
      expect(await store.publications.getByCode(pubA.code)).toEqual(pubA);
      expect(await store.publications.get(pubB.id)).toEqual(pubB);
      expect((await store.publications.listBySurvey(survey.id)).map((p) => p.siteId)).toEqual([siteA.id, siteB.id]);
      expect(await store.publications.findBySurveyAndSite(survey.id, siteB.id)).toEqual(pubB);
      await store.publications.setActive(pubA.id, false);
      expect((await store.publications.get(pubA.id))!.active).toBe(false);
      await expect(store.publications.create(publicationFixture(survey.id, siteA.id))).rejects.toBeInstanceOf(DuplicateKeyError);
    });
  });

  describe('responses and tallies', () => {
    it('stores a response with its tallies and counts it once per submission token', async () => {
      const { survey, pubA } = await seedSurvey();
      const r = responseFixture(pubA);
      const first = await submit(r);
      const again = await submit({ ...r, id: newId() });
      expect(first.inserted).toBe(true);
      expect(again).toEqual({ inserted: false, response: r });
      expect(await store.responses.get(r.id)).toEqual(r);
      expect(await store.responses.findBySubmissionToken(r.submissionToken)).toEqual(r);
      expect((await store.surveys.get(survey.id))!.responseCount).toBe(1);
      expect(sameTallies(await store.tallies.dump(survey.id), tallyDeltas(r, survey.questions)).same).toBe(true);
    });

    it('stores 1,200 submissions arriving at once (more than one group commit holds), each acknowledged once stored and read back at once', async () => {
      const { survey, pubA, pubB } = await seedSurvey();
      const levels = ['5', '4', '3', '2', '1', 'na'];
      const rs = Array.from({ length: 1200 }, (_, i) =>
        responseFixture(i % 2 ? pubB : pubA, { answers: { seg: 'a', q1: levels[i % 6]!, q2: levels[(i * 7) % 6]!, m: ['x'], r: 1 + (i % 5), n: i, c: '' } }),
      );
      // Each read right after its own acknowledgement, on the connection every other request uses.
      const seen = await Promise.all(
        rs.map(async (r) => {
          const result = await store.responses.insert(r, tallyDeltas(r, survey.questions));
          return { result, read: await store.responses.get(r.id) };
        }),
      );
      expect(seen.every((s, i) => s.result.inserted && s.result.response === rs[i] && s.read?.id === rs[i]!.id)).toBe(true);
      expect((await store.surveys.get(survey.id))!.responseCount).toBe(1200);
      expect(await store.responses.count({ surveyId: survey.id })).toBe(1200);
      await store.tallies.settle(survey.id);
      expect(sameTallies(await store.tallies.dump(survey.id), mergeDeltas(rs.flatMap((r) => tallyDeltas(r, survey.questions))))).toEqual({ same: true });
    });

    it('computes the tallies itself when given the questions of the version a response answered, as if given the deltas', async () => {
      const { survey, pubA, pubB } = await seedSurvey();
      const levels = ['5', '4', '3', '2', '1', 'na'];
      // Three ways in one burst: the deltas, the survey's question list, and an equal list that is another array (an older version's, read afresh).
      const copy = survey.questions.map((q) => ({ ...q }));
      const rs = Array.from({ length: 300 }, (_, i) =>
        responseFixture(i % 2 ? pubB : pubA, { answers: { seg: i % 3 ? 'a' : 'b', q1: levels[i % 6]!, q2: levels[(i * 5) % 6]!, m: i % 4 ? ['x'] : [], r: 1 + (i % 5), n: i, c: '' }, flags: i % 7 ? [] : ['speeder'] }),
      );
      const results = await Promise.all(
        rs.map((r, i) => store.responses.insert(r, i % 3 === 0 ? tallyDeltas(r, survey.questions) : { questions: i % 3 === 1 ? survey.questions : copy })),
      );
      expect(results.every((x, i) => x.inserted && x.response === rs[i])).toBe(true);
      await store.tallies.settle(survey.id);
      expect(sameTallies(await store.tallies.dump(survey.id), mergeDeltas(rs.flatMap((r) => tallyDeltas(r, survey.questions))))).toEqual({ same: true });
      // A repeat given as questions adds nothing.
      const again = await store.responses.insert({ ...rs[1]!, id: newId() }, { questions: survey.questions });
      expect(again).toEqual({ inserted: false, response: rs[1] });
      await store.tallies.settle(survey.id);
      expect(sameTallies(await store.tallies.dump(survey.id), mergeDeltas(rs.flatMap((r) => tallyDeltas(r, survey.questions))))).toEqual({ same: true });
    });

    it('answers a repeated submission token with the response stored first, whether the repeat arrives with it or later', async () => {
      const { survey, pubA } = await seedSurvey();
      const r = responseFixture(pubA);
      const sameMoment = { ...r, id: newId(), answers: { ...r.answers, q1: '1' } };
      const [first, twin] = await Promise.all([store.responses.insert(r, tallyDeltas(r, survey.questions)), store.responses.insert(sameMoment, tallyDeltas(sameMoment, survey.questions))]);
      const later = { ...r, id: newId(), answers: { ...r.answers, q1: '2' } };
      const retry = await store.responses.insert(later, tallyDeltas(later, survey.questions));
      expect(first).toEqual({ inserted: true, response: r });
      expect(twin).toEqual({ inserted: false, response: r });
      expect(retry).toEqual({ inserted: false, response: r });
      expect(await store.responses.count({ surveyId: survey.id })).toBe(1);
      expect((await store.surveys.get(survey.id))!.responseCount).toBe(1);
      await store.tallies.settle(survey.id);
      expect(sameTallies(await store.tallies.dump(survey.id), tallyDeltas(r, survey.questions))).toEqual({ same: true });
    });

    it('filters, pages and streams responses in submission order', async () => {
      const { survey, siteA, pubA, pubB } = await seedSurvey();
      const rs = [
        responseFixture(pubA, { day: '2026-11-01', segment: 'a', answers: { c: '服务很好' } }),
        responseFixture(pubB, { day: '2026-11-02', segment: 'b', channel: 'assisted', flags: ['speeder'], answers: { c: '态度 100%_好' } }),
        responseFixture(pubA, { day: '2026-11-03', segment: 'b', review: 'excluded', reviewReason: 'x', answers: { c: '一般' } }),
        responseFixture(pubB, { day: '2026-11-04', segment: 'a', flags: ['burst'], review: 'kept', reviewReason: 'y', answers: { c: '还行' } }),
      ];
      for (const r of rs) await submit(r);
      const ids = (list: SurveyResponse[]) => list.map((r) => r.id);
      expect(await store.responses.count({ surveyId: survey.id })).toBe(4);
      expect(await store.responses.count({ surveyId: survey.id, siteIds: [siteA.id] })).toBe(2);
      expect(await store.responses.count({ surveyId: survey.id, siteIds: [] })).toBe(0);
      expect(await store.responses.count({ surveyId: survey.id, dayFrom: '2026-11-02', dayTo: '2026-11-02' })).toBe(1);
      expect(await store.responses.count({ surveyId: survey.id, channels: ['assisted'] })).toBe(1);
      expect(await store.responses.count({ surveyId: survey.id, segments: ['b'] })).toBe(2);
      expect(await store.responses.count({ surveyId: survey.id, flagged: true })).toBe(2);
      expect(ids(await store.responses.list({ surveyId: survey.id, review: 'excluded' }, { limit: 10 }))).toEqual([rs[2]!.id]);
      expect(ids(await store.responses.list({ surveyId: survey.id, review: 'kept' }, { limit: 10 }))).toEqual([rs[3]!.id]);
      expect(ids(await store.responses.list({ surveyId: survey.id, review: 'auto' }, { limit: 10 }))).toEqual([rs[0]!.id, rs[1]!.id]);
      // The data-quality page's "to review" list: flagged, and nobody has decided yet.
      expect(ids(await store.responses.list({ surveyId: survey.id, flagged: true, review: 'auto' }, { limit: 10 }))).toEqual([rs[1]!.id]);
      // Valid (有效) under the survey's rules: kept counts whatever its flags, excluded never, a flag counts against only when its rule is on.
      expect(ids(await store.responses.list({ surveyId: survey.id, validUnder: ['speeder'] }, { limit: 10 }))).toEqual([rs[0]!.id, rs[3]!.id]);
      expect(ids(await store.responses.list({ surveyId: survey.id, validUnder: ['burst'] }, { limit: 10 }))).toEqual([rs[0]!.id, rs[1]!.id, rs[3]!.id]);
      expect(ids(await store.responses.list({ surveyId: survey.id, validUnder: [] }, { limit: 10 }))).toEqual([rs[0]!.id, rs[1]!.id, rs[3]!.id]);
      expect(await store.responses.count({ surveyId: survey.id, validUnder: ['speeder', 'burst'], siteIds: [siteA.id] })).toBe(1);
      expect(ids(await store.responses.list({ surveyId: survey.id, validUnder: ['speeder'], textContains: '', textQuestionIds: ['c'] }, { limit: 10 }))).toEqual([rs[0]!.id, rs[3]!.id]);
      expect(ids(await store.responses.list({ surveyId: survey.id, textContains: '很好', textQuestionIds: ['c'] }, { limit: 10 }))).toEqual([rs[0]!.id]);
      expect(ids(await store.responses.list({ surveyId: survey.id, textContains: '100%_', textQuestionIds: ['c'] }, { limit: 10 }))).toEqual([rs[1]!.id]);
      expect(await store.responses.count({ surveyId: survey.id, textContains: '%', textQuestionIds: ['c'] })).toBe(1);
      expect(ids(await store.responses.list({ surveyId: survey.id }, { limit: 2, offset: 1 }))).toEqual([rs[1]!.id, rs[2]!.id]);
      expect(ids(await store.responses.list({ surveyId: survey.id }, { limit: 1, newestFirst: true }))).toEqual([rs[3]!.id]);
      const streamed: SurveyResponse[] = [];
      for await (const r of store.responses.stream({ surveyId: survey.id })) streamed.push(r);
      expect(streamed).toEqual(rs);
    });

    /** What an exported table shows of a response (ResponseForTable), picked from the whole response. */
    const tableFields = (r: SurveyResponse): ResponseForTable => ({
      id: r.id,
      version: r.version,
      siteId: r.siteId,
      channel: r.channel,
      paperDate: r.paperDate,
      submittedAt: r.submittedAt,
      durationMs: r.durationMs,
      flags: r.flags,
      review: r.review,
      reviewReason: r.reviewReason,
      reviewedBy: r.reviewedBy,
      reviewedAt: r.reviewedAt,
      answers: r.answers,
    });
    const tableBatches = async (filter: ResponseFilter) => {
      const batches: ResponseForTable[][] = [];
      for await (const batch of store.responses.streamForTable(filter)) batches.push(batch);
      return batches;
    };

    it('streams for a table the fields an export shows of the responses `stream` gives, in the same order, whatever the filter', async () => {
      const { survey, siteA, pubA, pubB } = await seedSurvey();
      const rs = [
        responseFixture(pubA, { day: '2026-11-01', segment: 'a', answers: { c: '第一行\r\n=1+1', m: ['x', 'y'], r: 4 } }),
        responseFixture(pubB, { day: '2026-11-02', segment: 'b', channel: 'paper', paperDate: '2026-10-30', flags: ['speeder', 'burst'] }),
        responseFixture(pubA, { day: '2026-11-03', review: 'excluded', reviewReason: '重复\n提交', reviewedBy: 'u-1', reviewedAt: '2026-11-04T01:00:00.000Z' }),
        responseFixture(pubB, { day: '2026-11-04', flags: ['burst'], review: 'kept', reviewReason: null, reviewedBy: null, reviewedAt: null }),
      ];
      for (const r of rs) await submit(r);
      const filters: ResponseFilter[] = [
        { surveyId: survey.id },
        { surveyId: survey.id, siteIds: [siteA.id] },
        { surveyId: survey.id, validUnder: ['speeder'] },
        { surveyId: survey.id, dayFrom: '2026-11-02', channels: ['paper', 'qr'] },
        { surveyId: survey.id, siteIds: [] },
        { surveyId: 'no-such-survey' },
      ];
      for (const filter of filters) {
        const whole: SurveyResponse[] = [];
        for await (const r of store.responses.stream(filter)) whole.push(r);
        const batches = await tableBatches(filter);
        expect({ filter, rows: batches.flat() }).toEqual({ filter, rows: whole.map(tableFields) });
        expect(batches.every((b) => b.length > 0)).toBe(true);
      }
    });

    it('streams more responses than one batch without losing or repeating any', async () => {
      const { survey, pubA } = await seedSurvey();
      const n = 1203;
      for (let i = 0; i < n; i++) {
        const r = responseFixture(pubA);
        await store.responses.insert(r, tallyDeltas(r, survey.questions));
      }
      const seen = new Set<string>();
      for await (const r of store.responses.stream({ surveyId: survey.id })) seen.add(r.id);
      expect(seen.size).toBe(n);
      const batches = await tableBatches({ surveyId: survey.id });
      const full = Math.floor(n / TABLE_BATCH);
      expect(batches.map((b) => b.length)).toEqual([...Array<number>(full).fill(TABLE_BATCH), n - full * TABLE_BATCH]);
      expect(batches.flat().map((r) => r.id)).toEqual([...seen]);
    });

    it('answers device and burst questions', async () => {
      const { survey, siteA, siteB, pubA, pubB } = await seedSurvey();
      await submit(responseFixture(pubA, { deviceHash: 'd1', submittedAt: '2026-11-01T02:00:00.000Z' }));
      await submit(responseFixture(pubB, { deviceHash: 'd1', submittedAt: '2026-11-01T02:00:30.000Z' }));
      expect(await store.responses.existsForDevice(survey.id, 'd1')).toBe(true);
      expect(await store.responses.existsForDevice(survey.id, 'd2')).toBe(false);
      expect(await store.responses.deviceAtOtherSite(survey.id, 'd1', siteA.id)).toBe(true);
      expect(await store.responses.deviceAtOtherSite(survey.id, 'd1', siteB.id)).toBe(true);
      expect(await store.responses.deviceAtOtherSite(survey.id, 'd2', siteA.id)).toBe(false);
      expect(await store.responses.countSince(pubA.id, '2026-11-01T01:59:00.000Z', 10)).toBe(1);
      expect(await store.responses.countSince(pubA.id, '2026-11-01T02:00:01.000Z', 10)).toBe(0);
    });

    it('says a device answered only here when every answer of its history is at this station, and counts up to the cap', async () => {
      const { survey, siteA, siteB, pubA } = await seedSurvey();
      for (let i = 0; i < 5; i++) await submit(responseFixture(pubA, { deviceHash: 'tablet', submittedAt: `2026-11-01T02:00:0${i}.000Z` }));
      expect(await store.responses.deviceAtOtherSite(survey.id, 'tablet', siteA.id)).toBe(false);
      expect(await store.responses.deviceAtOtherSite(survey.id, 'tablet', siteB.id)).toBe(true);
      expect(await store.responses.countSince(pubA.id, '2026-11-01T01:00:00.000Z', 3)).toBe(3);
      expect(await store.responses.countSince(pubA.id, '2026-11-01T01:00:00.000Z', 100)).toBe(5);
    });

    it('counts up to the cap exactly as the stored responses say, while a burst goes on and after it ends', async () => {
      const { pubA, pubB } = await seedSurvey();
      const at = (s: number) => new Date(Date.UTC(2026, 10, 1, 2, 0, s)).toISOString();
      const times: string[] = [];
      const truth = (since: string, cap: number) => Math.min(cap, times.filter((t) => t >= since).length);
      const check = async (since: string, cap: number) => expect(await store.responses.countSince(pubA.id, since, cap)).toBe(truth(since, cap));
      // Every answer checked against the stored times: below the cap, at it, as `since` moves past the
      // remembered cap-th newest response, as new responses arrive, and with another cap and publication.
      for (const s of [0, 5, 10, 15, 20]) {
        times.push(at(s));
        await submit(responseFixture(pubA, { submittedAt: at(s) }));
        for (const since of [0, 4, 5, 6, 11, 16, 21]) for (const cap of [1, 3, 5]) await check(at(since), cap);
      }
      await submit(responseFixture(pubB, { submittedAt: at(30) }));
      for (const since of [0, 9, 10, 11, 19, 20, 21, 40]) for (const cap of [2, 3]) await check(at(since), cap);
      expect(await store.responses.countSince(pubB.id, at(0), 3)).toBe(1);
      times.push(at(50), at(51));
      await submit(responseFixture(pubA, { submittedAt: at(50) }));
      await submit(responseFixture(pubA, { submittedAt: at(51) }));
      for (const since of [0, 20, 21, 49, 50, 51, 52]) for (const cap of [1, 2, 3]) await check(at(since), cap);
    });

    it('changes the catalog stamp when a survey, publication or station is written, not when a response is (or has none)', async () => {
      const { survey, siteA, pubA } = await seedSurvey();
      const before = await store.catalogStamp();
      if (before === null) return expect(store.kind).toBe('mongodb');
      await submit(responseFixture(pubA));
      expect(await store.catalogStamp()).toBe(before);
      await store.surveys.update(survey.id, { title: '新标题' });
      const afterSurvey = await store.catalogStamp();
      expect(afterSurvey).not.toBe(before);
      await store.publications.setActive(pubA.id, false);
      const afterPublication = await store.catalogStamp();
      expect(afterPublication).not.toBe(afterSurvey);
      await store.sites.update(siteA.id, { name: '改名' });
      const afterSite = await store.catalogStamp();
      expect(afterSite).not.toBe(afterPublication);
      // The working-day calendar too (a case's deadlines follow it, and it is kept in memory).
      await store.calendar.replaceYear(2027, [{ date: '2027-01-01', work: false }]);
      expect(await store.catalogStamp()).not.toBe(afterSite);
    });

    it('reads the same catalog stamp without waiting where it can (a store without a stamp has no such read)', async () => {
      const { survey } = await seedSurvey();
      if (!store.catalogStampNow) return expect(await store.catalogStamp()).toBeNull();
      expect(store.catalogStampNow()).toBe(await store.catalogStamp());
      await store.surveys.update(survey.id, { title: '又一个标题' });
      expect(store.catalogStampNow()).toBe(await store.catalogStamp());
    });

    it('adds a new response to groups a review just changed, from what the review left (not from what an earlier insert wrote)', async () => {
      const { survey, pubA } = await seedSurvey();
      const a = responseFixture(pubA, { flags: ['speeder'] });
      await submit(a);
      // The review moves a out of the groups of its flags; b then joins those very groups.
      const excluded: SurveyResponse = { ...a, review: 'excluded', reviewReason: '重复', reviewedBy: 'u1', reviewedAt: '2026-11-05T00:00:00.000Z' };
      await store.responses.setReview(a.id, { from: null, to: 'excluded', reason: '重复', by: 'u1', at: excluded.reviewedAt }, moveDeltas(a, excluded, survey.questions));
      const b = responseFixture(pubA, { flags: ['speeder'] });
      await store.responses.insert(b, { questions: survey.questions });
      const c = responseFixture(pubA);
      await store.responses.insert(c, { questions: survey.questions });
      await store.tallies.settle(survey.id);
      expect(sameTallies(await store.tallies.dump(survey.id), [...tallyDeltas(excluded, survey.questions), ...tallyDeltas(b, survey.questions), ...tallyDeltas(c, survey.questions)])).toEqual({ same: true });
    });

    it('moves tallies when a response is excluded, kept or restored, only from the review it was computed from', async () => {
      const { survey, pubA } = await seedSurvey();
      const r = responseFixture(pubA, { flags: ['speeder'] });
      await submit(r);
      const excluded: SurveyResponse = { ...r, review: 'excluded', reviewReason: '重复', reviewedBy: 'u1', reviewedAt: '2026-11-05T00:00:00.000Z' };
      const after = await store.responses.setReview(r.id, { from: null, to: 'excluded', reason: '重复', by: 'u1', at: excluded.reviewedAt }, moveDeltas(r, excluded, survey.questions));
      expect(after).toEqual(excluded);
      expect(await store.responses.get(r.id)).toEqual(excluded);
      expect(sameTallies(await store.tallies.dump(survey.id), tallyDeltas(excluded, survey.questions)).same).toBe(true);
      // A change computed from a review that is no longer stored changes nothing.
      expect(await store.responses.setReview(r.id, { from: null, to: 'excluded', reason: 'y', by: 'u1', at: null }, moveDeltas(r, excluded, survey.questions))).toBeNull();
      expect(await store.responses.setReview(r.id, { from: 'kept', to: null, reason: null, by: null, at: null }, moveDeltas(r, excluded, survey.questions))).toBeNull();
      expect(sameTallies(await store.tallies.dump(survey.id), tallyDeltas(excluded, survey.questions)).same).toBe(true);

      const kept: SurveyResponse = { ...r, review: 'kept', reviewReason: '核实为本人作答', reviewedBy: 'u2', reviewedAt: '2026-11-06T00:00:00.000Z' };
      expect(await store.responses.setReview(r.id, { from: 'excluded', to: 'kept', reason: kept.reviewReason, by: 'u2', at: kept.reviewedAt }, moveDeltas(excluded, kept, survey.questions))).toEqual(kept);
      expect(sameTallies(await store.tallies.dump(survey.id), tallyDeltas(kept, survey.questions)).same).toBe(true);
      expect((await store.tallies.query({ surveyId: survey.id, level: 'sites', groupBy: ['state'], questionIds: ['_n'] })).map((row) => [row.state, row.count])).toEqual([['kept', 1]]);

      expect(await store.responses.setReview(r.id, { from: 'kept', to: null, reason: null, by: null, at: null }, moveDeltas(kept, r, survey.questions))).toEqual(r);
      expect(await store.responses.get(r.id)).toEqual(r);
      expect(sameTallies(await store.tallies.dump(survey.id), tallyDeltas(r, survey.questions)).same).toBe(true);
    });

    it('sums tallies over the all-days rollup or a day range, grouped as asked', async () => {
      const { survey, siteA, siteB, pubA, pubB } = await seedSurvey();
      await submit(responseFixture(pubA, { day: '2026-11-01', answers: { q1: '5', n: 10 }, segment: 'a' }));
      await submit(responseFixture(pubA, { day: '2026-11-02', answers: { q1: '4', n: 20 }, segment: 'b' }));
      await submit(responseFixture(pubB, { day: '2026-11-02', answers: { q1: '5', n: 30 }, segment: 'a', flags: ['speeder'] }));
      const sort = <T extends { questionId: string; key: string }>(rows: T[]) => [...rows].sort((x, y) => (x.questionId + x.key + JSON.stringify(x)).localeCompare(y.questionId + y.key + JSON.stringify(y)));

      const all = await store.tallies.query({ surveyId: survey.id, level: 'sites', groupBy: [], questionIds: ['q1', 'n'] });
      expect(sort(all)).toEqual([
        { questionId: 'n', key: '', count: 3, sum: 60, sumsq: 1400 },
        { questionId: 'q1', key: '4', count: 1, sum: 0, sumsq: 0 },
        { questionId: 'q1', key: '5', count: 2, sum: 0, sumsq: 0 },
      ]);
      const bySite = await store.tallies.query({ surveyId: survey.id, level: 'sites', groupBy: ['siteId', 'state'], questionIds: ['_n'] });
      expect(sort(bySite).map((r) => [r.siteId, r.state, r.count])).toEqual(
        expect.arrayContaining([
          [siteA.id, '', 2],
          [siteB.id, 'speeder', 1],
        ]),
      );
      expect(bySite).toHaveLength(2);
      const day2 = await store.tallies.query({ surveyId: survey.id, level: 'fine', groupBy: [], dayFrom: '2026-11-02', dayTo: '2026-11-02', questionIds: ['_n'] });
      expect(day2).toEqual([{ questionId: '_n', key: '', count: 2, sum: 240000, sumsq: 0 }]);
      for (const level of ['fine', 'trend'] as const) {
        const byDay = await store.tallies.query({ surveyId: survey.id, level, groupBy: ['day'], questionIds: ['_n'] });
        expect(sort(byDay).map((r) => [r.day, r.count])).toEqual(expect.arrayContaining([['2026-11-01', 1], ['2026-11-02', 2]]));
        expect(byDay).toHaveLength(2);
      }
      // The trend level keeps satisfaction answers by level, all stations together.
      const trend = await store.tallies.query({ surveyId: survey.id, level: 'trend', groupBy: ['state'], questionIds: ['_sat'] });
      expect(sort(trend).map((r) => [r.state, r.key, r.count])).toEqual([
        ['', '4', 1],
        ['', '5', 1],
        ['speeder', '5', 1],
      ]);
      // Each response's respondent profile (its satisfaction answers by level 5..1), by station and in the trend.
      const profiles = await store.tallies.query({ surveyId: survey.id, level: 'sites', groupBy: ['siteId'], questionIds: ['_r'] });
      expect(sort(profiles).map((r) => [r.siteId, r.key, r.count])).toEqual(
        expect.arrayContaining([
          [siteA.id, '1-0-0-0-0', 1],
          [siteA.id, '0-1-0-0-0', 1],
          [siteB.id, '1-0-0-0-0', 1],
        ]),
      );
      expect(profiles).toHaveLength(3);
      const trendProfiles = await store.tallies.query({ surveyId: survey.id, level: 'trend', groupBy: [], questionIds: ['_r'] });
      expect(sort(trendProfiles).map((r) => [r.key, r.count])).toEqual([
        ['0-1-0-0-0', 1],
        ['1-0-0-0-0', 2],
      ]);
      const filtered = await store.tallies.query({ surveyId: survey.id, level: 'fine', groupBy: ['segment'], siteIds: [siteA.id], channels: ['qr'], segments: ['b'], questionIds: ['_n'] });
      expect(filtered).toEqual([{ segment: 'b', questionId: '_n', key: '', count: 1, sum: 120000, sumsq: 0 }]);
      expect(await store.tallies.query({ surveyId: survey.id, level: 'sites', groupBy: [], siteIds: [] })).toEqual([]);
    });

    it('replaces a survey\'s tallies in one go', async () => {
      const { survey, pubA } = await seedSurvey();
      const r1 = responseFixture(pubA);
      const r2 = responseFixture(pubA, { answers: { q1: '1' } });
      await submit(r1);
      const wanted = mergeDeltas([...tallyDeltas(r1, survey.questions), ...tallyDeltas(r2, survey.questions)]);
      await store.tallies.replaceForSurvey(survey.id, wanted);
      expect(sameTallies(await store.tallies.dump(survey.id), wanted).same).toBe(true);
    });
  });

  /*
   * MongoDB stores a response alone and applies its tallies in batches (settle, or the background
   * applier); SQLite writes them with the response. Either way: after settle, the tallies equal a
   * rebuild, each response counted once; only whether something is pending before settle differs.
   */
  describe('tallies applied from pending responses', () => {
    const levels = ['5', '4', '3', '2', '1', 'na'];
    const lags = () => store.kind === 'mongodb';
    const rebuilt = (rs: SurveyResponse[], questions = surveyFixture().survey.questions) => mergeDeltas(rs.flatMap((r) => tallyDeltas(r, questions)));

    it('applies 50 concurrent submissions at two stations on one day exactly once, and counts them from what is stored', async () => {
      const { survey, pubA, pubB } = await seedSurvey();
      const rs = Array.from({ length: 50 }, (_, i) =>
        responseFixture(i % 2 ? pubB : pubA, {
          day: '2026-11-01',
          submittedAt: `2026-11-01T02:${String(i).padStart(2, '0')}:00.000Z`,
          segment: i % 3 ? 'a' : 'b',
          flags: i % 7 === 0 ? ['speeder'] : [],
          answers: { seg: i % 3 ? 'a' : 'b', q1: levels[i % 6]!, q2: levels[(i * 5) % 6]!, m: i % 2 ? ['x'] : ['x', 'y'], r: 1 + (i % 5), n: i * 1.5, c: '' },
        }),
      );
      // Five of them posted twice (a resident's retry), all at once.
      const retries = rs.slice(0, 5).map((r) => ({ ...r, id: newId() }));
      const results = await Promise.all([...rs, ...retries].map((r) => store.responses.insert(r, tallyDeltas(r, survey.questions))));
      expect(results.filter((x) => x.inserted)).toHaveLength(50);

      // Counted from what is stored, before any tally is applied.
      expect((await store.surveys.get(survey.id))!.responseCount).toBe(50);
      expect((await store.surveys.list()).map((x) => x.responseCount)).toEqual([50]);
      expect(await store.tallies.pending(survey.id)).toBe(lags() ? 50 : 0);

      // Three appliers at once (two dashboards and a timer): each response is applied by exactly one.
      const applied = await Promise.all([store.tallies.settle(survey.id), store.tallies.settle(), store.tallies.settle(survey.id)]);
      expect(applied.reduce((a, b) => a + b, 0)).toBe(lags() ? 50 : 0);
      expect(sameTallies(await store.tallies.dump(survey.id), rebuilt(rs))).toEqual({ same: true });
      expect(await store.tallies.pending(survey.id)).toBe(0);
      expect(await store.tallies.freshness(survey.id)).toBeNull();

      // Settling again applies nothing twice.
      expect(await store.tallies.settle(survey.id)).toBe(0);
      expect(await store.tallies.settle()).toBe(0);
      expect(sameTallies(await store.tallies.dump(survey.id), rebuilt(rs))).toEqual({ same: true });
      expect((await store.surveys.get(survey.id))!.responseCount).toBe(50);
    });

    it('says up to when a survey\'s tallies hold every response, survey by survey', async () => {
      const { survey, pubA } = await seedSurvey();
      const other = surveyFixture();
      await store.surveys.create(other.survey, other.version);
      const otherPub = publicationFixture(other.survey.id, pubA.siteId);
      await store.publications.create(otherPub);
      const early = responseFixture(pubA, { submittedAt: '2026-11-01T02:00:00.000Z' });
      const late = responseFixture(pubA, { submittedAt: '2026-11-01T02:05:00.000Z' });
      const elsewhere = responseFixture(otherPub, { submittedAt: '2026-11-01T01:00:00.000Z' });
      // Arrival order is not submission order: the oldest pending submission is what counts.
      for (const r of [late, early, elsewhere]) await store.responses.insert(r, tallyDeltas(r, survey.questions));

      expect(await store.tallies.freshness(survey.id)).toBe(lags() ? early.submittedAt : null);
      expect(await store.tallies.pending(survey.id)).toBe(lags() ? 2 : 0);
      expect(await store.tallies.pending()).toBe(lags() ? 3 : 0);

      // Settling one survey leaves the other as it was.
      expect(await store.tallies.settle(other.survey.id)).toBe(lags() ? 1 : 0);
      expect(await store.tallies.freshness(other.survey.id)).toBeNull();
      expect(await store.tallies.freshness(survey.id)).toBe(lags() ? early.submittedAt : null);

      expect(await store.tallies.settle(survey.id)).toBe(lags() ? 2 : 0);
      expect(await store.tallies.freshness(survey.id)).toBeNull();
      expect(await store.tallies.pending()).toBe(0);
      expect(sameTallies(await store.tallies.dump(survey.id), rebuilt([early, late]))).toEqual({ same: true });
    });

    it('counts reviews made before and after a response\'s tallies are applied exactly once', async () => {
      const { survey, pubA } = await seedSurvey();
      const qs = survey.questions;
      const r = responseFixture(pubA, { flags: ['speeder'] });
      await store.responses.insert(r, tallyDeltas(r, qs));
      const review = (from: SurveyResponse, to: SurveyResponse) =>
        store.responses.setReview(r.id, { from: from.review, to: to.review, reason: to.reviewReason, by: to.reviewedBy, at: to.reviewedAt }, moveDeltas(from, to, qs));
      const excluded: SurveyResponse = { ...r, review: 'excluded', reviewReason: '重复', reviewedBy: 'u1', reviewedAt: '2026-11-05T00:00:00.000Z' };
      const kept: SurveyResponse = { ...r, review: 'kept', reviewReason: '$本人作答', reviewedBy: 'u2', reviewedAt: '2026-11-06T00:00:00.000Z' };

      // Before application (pending on MongoDB): exclude, restore, keep.
      expect(await review(r, excluded)).toEqual(excluded);
      expect(await review(r, excluded)).toBeNull();
      expect(await review(excluded, r)).toEqual(r);
      expect(await review(r, kept)).toEqual(kept);
      expect(await store.responses.get(r.id)).toEqual(kept);
      await store.tallies.settle(survey.id);
      expect(sameTallies(await store.tallies.dump(survey.id), tallyDeltas(kept, qs))).toEqual({ same: true });

      // After application: the tallies move at once.
      expect(await review(kept, excluded)).toEqual(excluded);
      expect(await review(kept, r)).toBeNull();
      expect(sameTallies(await store.tallies.dump(survey.id), tallyDeltas(excluded, qs))).toEqual({ same: true });
      expect(await store.tallies.settle(survey.id)).toBe(0);
      expect(sameTallies(await store.tallies.dump(survey.id), tallyDeltas(excluded, qs))).toEqual({ same: true });
    });

    it('loses and doubles no review that races an applier, in either order', async () => {
      const { survey, pubA, pubB } = await seedSurvey();
      const qs = survey.questions;
      const rs = Array.from({ length: 20 }, (_, i) => responseFixture(i % 2 ? pubA : pubB, { flags: i % 3 ? ['speeder'] : [], answers: { seg: 'a', q1: levels[i % 5]! } }));
      for (const r of rs) await store.responses.insert(r, tallyDeltas(r, qs));
      const after = rs.map((r, i): SurveyResponse => (i % 2 ? { ...r, review: 'excluded', reviewReason: 'x', reviewedBy: 'u1', reviewedAt: '2026-11-05T00:00:00.000Z' } : r));
      const reviews = rs.map((r, i) => (i % 2 ? store.responses.setReview(r.id, { from: null, to: 'excluded', reason: 'x', by: 'u1', at: '2026-11-05T00:00:00.000Z' }, moveDeltas(r, after[i]!, qs)) : null));
      // Appliers start before, among and after the reviews.
      await Promise.all([store.tallies.settle(survey.id), ...reviews.slice(0, 10), store.tallies.settle(), ...reviews.slice(10), store.tallies.settle(survey.id)]);
      await store.tallies.settle(survey.id);
      expect((await Promise.all(reviews)).filter(Boolean)).toHaveLength(10);
      expect(sameTallies(await store.tallies.dump(survey.id), rebuilt(after))).toEqual({ same: true });
    });

    it('refuses to replace tallies that count a response the rebuild did not read, writing nothing', async () => {
      const { survey, pubA } = await seedSurvey();
      const [r1, r2] = [responseFixture(pubA), responseFixture(pubA, { answers: { seg: 'b', q1: '1' }, segment: 'b' })];
      await submit(r1!);
      await submit(r2!);
      // The rebuild read r1 only; r2 came, and was counted, after it.
      await expect(store.tallies.replaceForSurvey(survey.id, rebuilt([r1!]), r1!.id)).rejects.toBeInstanceOf(TalliesChangedError);
      await expect(store.tallies.replaceForSurvey(survey.id, [], null)).rejects.toBeInstanceOf(TalliesChangedError);
      expect(sameTallies(await store.tallies.dump(survey.id), rebuilt([r1!, r2!]))).toEqual({ same: true });
      await store.tallies.replaceForSurvey(survey.id, rebuilt([r1!, r2!]), r2!.id);
      expect(sameTallies(await store.tallies.dump(survey.id), rebuilt([r1!, r2!]))).toEqual({ same: true });
    });

    it('clears every pending marker when a survey\'s tallies are replaced by a rebuild', async () => {
      const { survey, pubA } = await seedSurvey();
      const rs = [responseFixture(pubA), responseFixture(pubA, { answers: { seg: 'b', q1: '2' }, segment: 'b' })];
      for (const r of rs) await store.responses.insert(r, tallyDeltas(r, survey.questions));
      await store.tallies.replaceForSurvey(survey.id, rebuilt(rs), rs[1]!.id);
      expect(await store.tallies.pending(survey.id)).toBe(0);
      expect(await store.tallies.settle(survey.id)).toBe(0);
      expect(sameTallies(await store.tallies.dump(survey.id), rebuilt(rs))).toEqual({ same: true });
    });
  });

  describe('paper entries', () => {
    it('stores a paper response with its date and who entered it, and filters by the paper channel', async () => {
      const { pubA, survey } = await seedSurvey();
      const paper = responseFixture(pubA, { channel: 'paper', paperDate: '2026-11-20', day: '2026-11-20', enteredBy: 'worker-1' });
      await submit(paper);
      await submit(responseFixture(pubA));
      expect(await store.responses.get(paper.id)).toEqual(paper);
      expect((await store.responses.list({ surveyId: survey.id, channels: ['paper'] }, { limit: 10 })).map((r) => r.id)).toEqual([paper.id]);
    });
  });

  describe('test responses (preview)', () => {
    const testResponse = (surveyId: string, over: Partial<import('../../models/test-response').TestResponse> = {}) => ({
      id: newId(),
      surveyId,
      version: 1,
      siteId: null,
      answers: { q1: '5', note: '第一行\n=第二行' },
      durationMs: 4000,
      submittedAt: '2026-12-07T02:00:00.000Z',
      enteredBy: 'evaluator-1',
      submissionToken: newId(),
      ...over,
    });

    it('keeps test answers apart from responses: listed newest first, counted, never in responses', async () => {
      const { survey, siteA } = await seedSurvey();
      const a = testResponse(survey.id);
      const b = testResponse(survey.id, { siteId: siteA.id });
      expect(await store.testResponses.insert(a)).toBe(true);
      expect(await store.testResponses.insert(b)).toBe(true);
      expect(await store.testResponses.insert({ ...b, id: newId() })).toBe(false);
      expect(await store.testResponses.listBySurvey(survey.id)).toEqual([b, a]);
      expect(await store.testResponses.countBySurvey(survey.id)).toBe(2);
      expect(await store.responses.count({ surveyId: survey.id })).toBe(0);
      expect((await store.surveys.get(survey.id))!.responseCount).toBe(0);
      expect(await store.tallies.dump(survey.id)).toEqual([]);
    });

    it('deletes one or all of a survey’s test answers, and only that survey’s', async () => {
      const { survey } = await seedSurvey();
      const other = surveyFixture();
      await store.surveys.create(other.survey, other.version);
      const a = testResponse(survey.id);
      const b = testResponse(survey.id);
      const c = testResponse(other.survey.id);
      for (const x of [a, b, c]) await store.testResponses.insert(x);
      expect(await store.testResponses.delete(other.survey.id, a.id)).toBe(false);
      expect(await store.testResponses.delete(survey.id, a.id)).toBe(true);
      expect(await store.testResponses.deleteForSurvey(survey.id)).toBe(1);
      expect(await store.testResponses.countBySurvey(survey.id)).toBe(0);
      expect(await store.testResponses.listBySurvey(other.survey.id)).toEqual([c]);
    });
  });

  describe('evaluations', () => {
    it('saves only over the version it read (optimistic concurrency)', async () => {
      const e = { id: newId(), name: '绩效评价', locked: false, isDemo: false, data: { tree: [{ a: 1 }] }, createdBy: null, createdAt: '2026-11-01T00:00:00.000Z', updatedAt: '2026-11-01T00:00:00.000Z' };
      await store.evaluations.create(e);
      expect(await store.evaluations.get(e.id)).toEqual(e);
      const saved = await store.evaluations.update(e.id, e.updatedAt, { locked: true, updatedAt: '2026-11-02T00:00:00.000Z' });
      expect(saved).toMatchObject({ locked: true, data: { tree: [{ a: 1 }] } });
      expect(await store.evaluations.update(e.id, e.updatedAt, { name: 'stale' })).toBeNull();
      expect(await store.evaluations.list()).toHaveLength(1);
      await store.evaluations.delete(e.id);
      expect(await store.evaluations.get(e.id)).toBeNull();
    });
  });

  /*
   * Every list has one order, the same on both stores: its key, then the id (see store.ts). The
   * records are stored in a scrambled order, so an order that merely follows insertion (SQLite's
   * rowid, MongoDB's natural order) fails; keys tie where they can, so the id must break the tie.
   */
  describe('order of lists', () => {
    /** n ids in ascending order (byte order of the strings, as both stores compare them). */
    const ids = (n: number) => Array.from({ length: n }, () => newId()).sort();
    /** Stored in the order 3, 1, 4, 2… rather than the list's order. */
    const scrambled = <T>(xs: T[]) => [...xs.filter((_, i) => i % 2 === 1).reverse(), ...xs.filter((_, i) => i % 2 === 0)];
    const T = '2026-11-03T00:00:00.000Z';

    it('lists a survey\'s publications in the order they were made (by id), whatever their stations\' codes, and after a station is renamed or deactivated', async () => {
      const sites = [siteFixture({ code: 'Z9' }), siteFixture({ code: 'a0' }), siteFixture({ code: 'A1' }), siteFixture({ code: '站3' })];
      for (const site of scrambled(sites)) await store.sites.create(site);
      const { survey, version } = surveyFixture();
      await store.surveys.create(survey, version);
      const other = surveyFixture();
      await store.surveys.create(other.survey, other.version);
      const pubIds = ids(4);
      const pubs = sites.map((site, i) => publicationFixture(survey.id, site.id, { id: pubIds[i]! }));
      for (const p of scrambled(pubs)) await store.publications.create(p);
      await store.publications.create(publicationFixture(other.survey.id, sites[1]!.id));
      const listed = async () => (await store.publications.listBySurvey(survey.id)).map((p) => p.id);

      expect(await listed()).toEqual(pubIds);
      await store.sites.update(sites[0]!.id, { code: '0A', name: '改名的站点' });
      await store.sites.update(sites[2]!.id, { active: false });
      await store.publications.setActive(pubIds[1]!, false);
      expect(await listed()).toEqual(pubIds);
      expect(await store.publications.listBySurvey(other.survey.id)).toHaveLength(1);
      expect(await store.publications.listBySurvey('no-such-survey')).toEqual([]);
    });

    it('lists responses and test answers by id (submission order), and pages and streams them in that order', async () => {
      const { survey, pubA, pubB } = await seedSurvey();
      const rIds = ids(6);
      const rs = rIds.map((id, i) => responseFixture(i % 2 ? pubA : pubB, { id, submittedAt: T }));
      for (const r of scrambled(rs)) await submit(r);
      const idsOf = (list: { id: string }[]) => list.map((r) => r.id);
      expect(idsOf(await store.responses.list({ surveyId: survey.id }, { limit: 10 }))).toEqual(rIds);
      expect(idsOf(await store.responses.list({ surveyId: survey.id }, { limit: 10, newestFirst: true }))).toEqual([...rIds].reverse());
      expect(idsOf(await store.responses.list({ surveyId: survey.id, siteIds: [pubA.siteId] }, { limit: 2, offset: 1 }))).toEqual([rIds[3], rIds[5]]);
      const streamed: string[] = [];
      for await (const r of store.responses.stream({ surveyId: survey.id })) streamed.push(r.id);
      expect(streamed).toEqual(rIds);

      const tIds = ids(3);
      for (const id of scrambled(tIds)) {
        await store.testResponses.insert({ id, surveyId: survey.id, version: 1, siteId: null, answers: {}, durationMs: 1, submittedAt: T, enteredBy: 'evaluator-1', submissionToken: newId() });
      }
      expect(idsOf(await store.testResponses.listBySurvey(survey.id))).toEqual([...tIds].reverse());
    });

    it('lists users by username and stations by code, comparing bytes (upper case before lower case, Chinese last)', async () => {
      const names = ['Alice', 'alice2', 'bob', '王芳'];
      for (const username of scrambled(names)) await store.users.create(userFixture({ username }));
      expect((await store.users.list()).map((u) => u.username)).toEqual(names);
      const codes = ['A03', 'B02', 'b01', '站1'];
      const sites = codes.map((code) => siteFixture({ code }));
      for (const site of scrambled(sites)) await store.sites.create(site);
      expect((await store.sites.list()).map((x) => x.code)).toEqual(codes);
      expect((await store.sites.list({ ids: [sites[3]!.id, sites[0]!.id] })).map((x) => x.code)).toEqual(['A03', '站1']);
      await store.sites.update(sites[3]!.id, { code: '0站' });
      expect((await store.sites.list()).map((x) => x.code)).toEqual(['0站', 'A03', 'B02', 'b01']);
    });

    it('lists surveys and evaluations newest first, the same moment by id (newest first), and versions by number', async () => {
      const sIds = ids(4);
      const made = ['2026-11-01T00:00:00.000Z', T, T, T];
      for (const i of scrambled([0, 1, 2, 3])) {
        const { survey, version } = surveyFixture({ id: sIds[i]!, createdAt: made[i]! });
        await store.surveys.create(survey, version);
      }
      expect((await store.surveys.list()).map((x) => x.id)).toEqual([sIds[3], sIds[2], sIds[1], sIds[0]]);

      const eIds = ids(4);
      for (const i of scrambled([0, 1, 2, 3])) {
        await store.evaluations.create({ id: eIds[i]!, name: `评价 ${i}`, locked: false, isDemo: false, data: {}, createdBy: null, createdAt: i === 3 ? '2026-11-01T00:00:00.000Z' : T, updatedAt: T });
      }
      expect((await store.evaluations.list()).map((x) => x.id)).toEqual([eIds[2], eIds[1], eIds[0], eIds[3]]);

      const { survey, pubA } = await seedSurvey();
      const q = survey.questions;
      await submit(responseFixture(pubA));
      await store.surveys.saveQuestions(survey.id, 1, { questions: q.slice(0, 2), segmentQuestionId: null, updatedAt: T });
      await submit(responseFixture(pubA, { version: 2 }), q.slice(0, 2));
      await store.surveys.saveQuestions(survey.id, 2, { questions: q.slice(0, 3), segmentQuestionId: null, updatedAt: T });
      expect((await store.surveys.listVersions(survey.id)).map((v) => v.version)).toEqual([1, 2, 3]);
    });

    it('lists a user\'s API tokens oldest first and audit events newest first, ties by id', async () => {
      const u = userFixture();
      await store.users.create(u);
      const tIds = ids(3);
      const made = [T, T, '2026-11-01T00:00:00.000Z'];
      for (const i of scrambled([0, 1, 2])) {
        await store.tokens.create({ id: tIds[i]!, userId: u.id, name: `t${i}`, tokenHash: `hash-${i}`, scope: 'read', createdAt: made[i]!, lastUsedAt: null, revokedAt: null });
      }
      expect((await store.tokens.listForUser(u.id)).map((x) => x.id)).toEqual([tIds[2], tIds[0], tIds[1]]);

      const aIds = ids(4);
      const at = [T, T, T, '2026-11-01T00:00:00.000Z'];
      for (const i of scrambled([0, 1, 2, 3])) {
        await store.audit.append({ id: aIds[i]!, at: at[i]!, actorId: null, actorName: 'system', action: 'site.create', targetType: 'site', targetId: null, details: {} });
      }
      expect((await store.audit.list({ limit: 10 })).map((x) => x.id)).toEqual([aIds[2], aIds[1], aIds[0], aIds[3]]);
      expect((await store.audit.list({ limit: 2, offset: 1 })).map((x) => x.id)).toEqual([aIds[1], aIds[0]]);
    });
  });

  describe('evidence blobs', () => {
    const blobOf = (text: string) => {
      const data = Buffer.from(`%PDF-1.4\n${text}`, 'latin1');
      return { sha256: crypto.createHash('sha256').update(data).digest('hex'), size: data.length, type: 'application/pdf', data, createdAt: '2026-11-01T00:00:00.000Z' };
    };

    it('keeps the same bytes once, under their hash, and gives them back byte for byte', async () => {
      const blob = blobOf('\u00e9\u0000\u00ff binary');
      expect(await store.evidenceBlobs.put(blob)).toBe(true);
      expect(await store.evidenceBlobs.put({ ...blob, createdAt: '2026-12-01T00:00:00.000Z' })).toBe(false);
      const read = await store.evidenceBlobs.get(blob.sha256);
      expect(read).toEqual(blob);
      expect(Buffer.isBuffer(read!.data)).toBe(true);
      expect(await store.evidenceBlobs.get(blobOf('other').sha256)).toBeNull();
    });

    it('stores one blob when the same bytes are put twice at once', async () => {
      const blob = blobOf('twice at once');
      const results = await Promise.all([store.evidenceBlobs.put(blob), store.evidenceBlobs.put(blob)]);
      expect(results.sort()).toEqual([false, true]);
      expect((await store.evidenceBlobs.get(blob.sha256))!.data.equals(blob.data)).toBe(true);
    });
  });

  it('answers ping', async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });

  describe('cases (以评促改)', () => {
    const cal = workCalendar([]);
    const opening = (r: SurveyResponse, receiptHash = crypto.randomBytes(16).toString('hex')) => ({
      case: openCase(cal, DEFAULT_CASE_SETTINGS, { id: newId(), responseId: r.id, surveyId: r.surveyId, siteId: r.siteId, at: '2026-03-02T02:00:00.000Z', day: '2026-03-02', questionIds: ['q1'] }),
      receiptHash,
    });

    it('opens a case with its response, once: a retried submission opens no second', async () => {
      const { pubA } = await seedSurvey();
      const r = responseFixture(pubA);
      const first = opening(r);
      expect((await store.responses.insert(r, [], first)).inserted).toBe(true);
      const again = await store.responses.insert({ ...r, id: newId() }, [], opening({ ...r }));
      expect(again.inserted).toBe(false);
      const cases = await store.cases.list({ surveyId: r.surveyId });
      expect(cases).toEqual([first.case]);
      expect(await store.cases.getByResponse(r.id)).toEqual(first.case);
      expect(await store.cases.findByReceipt(first.receiptHash, '2026-03-02T03:00:00.000Z')).toEqual(first.case);
    });

    it('stores neither the response nor the case when the case cannot be stored', async () => {
      const { pubA } = await seedSurvey();
      const r1 = responseFixture(pubA);
      const o1 = opening(r1);
      await store.responses.insert(r1, [], o1);
      const r2 = responseFixture(pubA);
      // The same receipt hash again: the case's write fails, so the response must not stay.
      // (Not rejects.toThrow: a driver's error class may come from another test file's realm in the same worker.)
      const outcome = await store.responses.insert(r2, [], opening(r2, o1.receiptHash)).then(
        () => 'stored',
        () => 'refused',
      );
      expect(outcome).toBe('refused');
      expect(await store.responses.get(r2.id)).toBeNull();
      expect(await store.cases.list({ surveyId: r1.surveyId })).toHaveLength(1);
    });

    it('refuses only the failing one of submissions arriving together: the others are stored, counted and tallied', async () => {
      const { survey, pubA, pubB } = await seedSurvey();
      const levels = ['5', '4', '3', '2', '1'];
      const rs = Array.from({ length: 6 }, (_, i) =>
        responseFixture(i % 2 ? pubB : pubA, { answers: { seg: 'a', q1: levels[i % 5]!, q2: '4', m: ['x'], r: 3, n: i, c: '' }, segment: 'a' }),
      );
      const openings = rs.map((r) => opening(r));
      // The fourth reuses the first one's receipt hash: its case cannot be stored, so neither can it.
      openings[3] = opening(rs[3]!, openings[0]!.receiptHash);
      const [first, ...together] = rs;
      await store.responses.insert(first!, tallyDeltas(first!, survey.questions), openings[0]);
      const outcomes = await Promise.all(
        together.map((r, i) =>
          store.responses.insert(r, tallyDeltas(r, survey.questions), openings[i + 1]).then(
            (x) => (x.inserted ? 'stored' : 'repeat'),
            () => 'refused',
          ),
        ),
      );
      expect(outcomes).toEqual(['stored', 'stored', 'refused', 'stored', 'stored']);
      const kept = rs.filter((_, i) => i !== 3);
      expect(await store.responses.get(rs[3]!.id)).toBeNull();
      for (const r of kept) expect(await store.responses.get(r.id)).toEqual(r);
      expect((await store.surveys.get(survey.id))!.responseCount).toBe(5);
      expect((await store.cases.list({ surveyId: survey.id })).map((c) => c.responseId).sort()).toEqual(kept.map((r) => r.id).sort());
      await store.tallies.settle(survey.id);
      expect(sameTallies(await store.tallies.dump(survey.id), mergeDeltas(kept.flatMap((r) => tallyDeltas(r, survey.questions))))).toEqual({ same: true });
    });

    it('saves a step only over the version it was computed from, and counts cases due', async () => {
      const { pubA, pubB, siteA, siteB } = await seedSurvey();
      const a = opening(responseFixture(pubA));
      const b = opening(responseFixture(pubB));
      await store.responses.insert(responseFixture(pubA, { id: a.case.responseId }), [], a);
      await store.responses.insert(responseFixture(pubB, { id: b.case.responseId }), [], b);
      const ctx = { at: '2026-03-03T02:00:00.000Z', today: '2026-03-03', by: 'u', byName: 'u', cal, settings: DEFAULT_CASE_SETTINGS };
      const next = applyStep(markNamed(a.case, '2026-03-02T03:00:00.000Z'), { step: 'verify', finding: 'true', note: '属实' }, ctx);
      expect(await store.cases.update(a.case.id, a.case.updatedAt, next)).toEqual(next);
      expect(await store.cases.update(a.case.id, a.case.updatedAt, next)).toBeNull();
      // a waits for closure (03-23), b for verification (03-09).
      expect(await store.cases.countDue([siteA.id, siteB.id], '2026-03-09')).toBe(1);
      expect(await store.cases.countDue([siteA.id], '2026-03-09')).toBe(0);
      expect(await store.cases.countDue(null, '2026-03-23')).toBe(2);
      expect((await store.cases.list({ dueBefore: '2026-03-10' })).map((c) => c.id)).toEqual([b.case.id]);
      expect((await store.cases.list({ siteIds: [siteA.id], statuses: ['verified'] })).map((c) => c.id)).toEqual([a.case.id]);
    });

    it('keeps the contact apart and deletes it and the receipt once the retention ran out', async () => {
      const { pubA } = await seedSurvey();
      const o = opening(responseFixture(pubA));
      await store.responses.insert(responseFixture(pubA, { id: o.case.responseId }), [], o);
      await store.cases.putContact({ caseId: o.case.id, phone: '13800000000', callback: true, createdAt: '2026-03-02T03:00:00.000Z', deleteAfter: null });
      expect(await store.cases.getContact(o.case.id)).toEqual({ caseId: o.case.id, phone: '13800000000', callback: true, createdAt: '2026-03-02T03:00:00.000Z', deleteAfter: null });
      const closed = { ...o.case, status: 'closed' as const, closedAt: '2026-03-05T02:00:00.000Z', nextDue: null, updatedAt: '2026-03-05T02:00:00.000Z' };
      await store.cases.update(o.case.id, o.case.updatedAt, closed, '2026-06-03T02:00:00.000Z');
      expect(await store.cases.sweep('2026-06-03T01:59:59.000Z')).toEqual({ contacts: 0, receipts: 0 });
      expect(await store.cases.findByReceipt(o.receiptHash, '2026-06-03T01:59:59.000Z')).not.toBeNull();
      expect(await store.cases.findByReceipt(o.receiptHash, '2026-06-03T02:00:00.000Z')).toBeNull();
      expect(await store.cases.sweep('2026-06-03T02:00:00.000Z')).toEqual({ contacts: 1, receipts: 1 });
      expect(await store.cases.getContact(o.case.id)).toBeNull();
      expect(await store.cases.get(o.case.id)).toEqual(closed);
    });

    it('replaces one year of calendar overrides and lists them by date', async () => {
      await store.calendar.replaceYear(2027, [
        { date: '2027-10-01', work: false },
        { date: '2027-01-01', work: false },
      ]);
      await store.calendar.replaceYear(2026, [{ date: '2026-12-31', work: false }]);
      await store.calendar.replaceYear(2027, [{ date: '2027-02-06', work: true }]);
      expect(await store.calendar.list()).toEqual([
        { date: '2026-12-31', work: false },
        { date: '2027-02-06', work: true },
      ]);
    });
  });
}
