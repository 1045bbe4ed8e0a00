/**
 * Every query and pipeline the MongoDB adapter sends, run through mingo over the same fixtures
 * as the SQLite adapter: the results must agree, even where no MongoDB server exists.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { aggregate, find, updateMany, updateOne } from 'mingo';
import { update } from 'mingo/updater';
import type { SurveyResponse } from '../../models/response';
import type { TallyQuery, TallyRow } from '../../models/tally';
import { mergeDeltas, moveDeltas, sameTallies, tallyDeltas } from '../../server/domain/tally';
import {
  LEGACY_EXCLUSION_FILTER,
  legacyExclusionStages,
  pendingClear,
  pendingSelection,
  rateLimitDecrement,
  rateLimitHit,
  rebuildClear,
  rebuildLostFilter,
  responseCountsPipeline,
  responseMatch,
  tableResponseFromDoc,
  TABLE_PROJECTION,
  tallyDocsToDeltas,
  tallyQueryPipeline,
  tallyUpdate,
} from '../../server/store/mongo/pipelines';
import { openSqliteStore } from '../../server/store/sqlite';
import type { ResponseFilter, Store } from '../../server/store/store';
import { publicationFixture, responseFixture, siteFixture, surveyFixture } from '../helpers/fixtures';
import { MingoTallies } from '../helpers/mingo-tallies';

type Doc = Record<string, unknown>;

describe('MongoDB pipelines (checked with mingo against SQLite)', () => {
  let dir: string;
  let store: Store;
  const tallyDocs: Doc[] = [];
  const responseDocs: Doc[] = [];
  const { survey, version } = surveyFixture();
  const sites = [siteFixture({ code: 'S1' }), siteFixture({ code: 'S2' }), siteFixture({ code: 'S3' })];
  const segs = ['a', 'b', ''];
  const channels = ['qr', 'link', 'assisted'] as const;
  const flagSets = [[], [], ['speeder'], ['straightline', 'speeder']];

  /** What MongoDB does with updateOne(filter, update, { upsert: true }). */
  function upsert(docs: Doc[], filter: Doc, expr: Doc) {
    let doc = find(docs, filter).next() as Doc | undefined;
    if (!doc) {
      doc = { ...filter, cells: {} };
      docs.push(doc);
    }
    update(doc, expr as never);
  }

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-mingo-'));
    store = openSqliteStore(path.join(dir, 'm.db'));
    for (const s of sites) await store.sites.create(s);
    await store.surveys.create(survey, version);
    const pubs = sites.map((s) => publicationFixture(survey.id, s.id));
    for (const p of pubs) await store.publications.create(p);
    for (let i = 0; i < 90; i++) {
      const levels = ['5', '4', '3', '2', '1', 'na'];
      const r: SurveyResponse = responseFixture(pubs[i % 3]!, {
        day: `2026-11-0${1 + (i % 5)}`,
        segment: segs[i % 3]!,
        channel: channels[i % 3 === 0 ? 0 : i % 7 === 0 ? 2 : 1],
        flags: flagSets[i % 4]!,
        review: i % 11 === 0 ? 'excluded' : i % 4 === 2 && i % 3 === 0 ? 'kept' : null,
        answers: {
          q1: levels[i % 6]!,
          q2: levels[(i * 7) % 6]!,
          m: i % 2 ? ['x'] : ['x', 'y'],
          r: 1 + (i % 5),
          n: i * 1.5,
          c: i % 4 === 0 ? `意见 ${i} 服务好` : '',
        },
      });
      await store.responses.insert(r, tallyDeltas(r, survey.questions));
      for (const d of tallyDeltas(r, survey.questions)) {
        const { filter, update: expr } = tallyUpdate(d);
        upsert(tallyDocs, filter, expr);
      }
      const { id, ...rest } = r;
      responseDocs.push({ _id: id, ...rest });
    }
  });

  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const norm = (rows: TallyRow[]) =>
    rows
      .map((r) => {
        const rounded: Record<string, unknown> = { ...r, sum: Math.round(r.sum * 1e6) / 1e6, sumsq: Math.round(r.sumsq * 1e6) / 1e6 };
        return Object.fromEntries(Object.keys(rounded).sort().map((k) => [k, rounded[k]]));
      })
      .sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

  const queries: [string, Omit<TallyQuery, 'surveyId'>][] = [
    ['all days, no grouping', { level: 'sites', groupBy: [] }],
    ['by site and state', { level: 'sites', groupBy: ['siteId', 'state'] }],
    ['by site and segment for two sites', { level: 'sites', groupBy: ['siteId', 'segment', 'state'], siteIds: [sites[0]!.id, sites[2]!.id] }],
    ['by day within a range', { level: 'fine', groupBy: ['day'], dayFrom: '2026-11-02', dayTo: '2026-11-04' }],
    ['a range without day grouping', { level: 'fine', groupBy: ['state'], dayFrom: '2026-11-03' }],
    ['by segment for two sites and one channel', { level: 'fine', groupBy: ['segment', 'state'], siteIds: [sites[0]!.id, sites[2]!.id], channels: ['qr'] }],
    ['selected questions by version and channel', { level: 'fine', groupBy: ['version', 'channel'], questionIds: ['q1', 'n', '_n'] }],
    ['segments filter', { level: 'sites', groupBy: ['siteId'], segments: ['a', ''] }],
    ['trend by day', { level: 'trend', groupBy: ['day', 'state'], questionIds: ['_n', '_sat'] }],
    ['trend in a range', { level: 'trend', groupBy: ['day'], dayFrom: '2026-11-02', dayTo: '2026-11-03' }],
    ['respondent profiles by station and state (the stratified dashboard)', { level: 'sites', groupBy: ['siteId', 'state'], questionIds: ['_n', '_r', '_rd'] }],
    ['respondent profiles by day (the trend)', { level: 'trend', groupBy: ['day', 'state'], questionIds: ['_n', '_r'] }],
    ['empty site list', { level: 'fine', groupBy: [], siteIds: [] }],
  ];

  it.each(queries)('tally query: %s', async (_name, q) => {
    const query = { surveyId: survey.id, ...q };
    const fromSqlite = await store.tallies.query(query);
    const fromMingo = aggregate(tallyDocs, tallyQueryPipeline(query) as never[]) as unknown as TallyRow[];
    expect(norm(fromMingo)).toEqual(norm(fromSqlite));
    if (q.siteIds?.length !== 0) expect(fromSqlite.length).toBeGreaterThan(0);
  });

  it('stored tally documents read back as the same groups as SQLite', async () => {
    expect(sameTallies(tallyDocsToDeltas(tallyDocs), await store.tallies.dump(survey.id))).toEqual({ same: true });
  });

  const filters: [string, Omit<ResponseFilter, 'surveyId'>][] = [
    ['everything', {}],
    ['sites', { siteIds: [sites[1]!.id] }],
    ['days', { dayFrom: '2026-11-02', dayTo: '2026-11-03' }],
    ['channels and segments', { channels: ['link', 'assisted'], segments: ['b'] }],
    ['flagged', { flagged: true }],
    ['not flagged', { flagged: false }],
    ['excluded', { review: 'excluded' }],
    ['kept', { review: 'kept' }],
    ['flagged and left to the rules (to review)', { flagged: true, review: 'auto' }],
    ['comment search', { textContains: '服务', textQuestionIds: ['c'] }],
    ['any comment', { textContains: '', textQuestionIds: ['c'] }],
    ['comment search with regex characters', { textContains: '意见 4 (', textQuestionIds: ['c'] }],
    ['empty site list', { siteIds: [] }],
    ['valid under the speeder rule', { validUnder: ['speeder'] }],
    ['valid under two rules, at one station', { validUnder: ['speeder', 'straightline'], siteIds: [sites[0]!.id] }],
    ['valid with every rule off', { validUnder: [] }],
    ['valid responses with a comment', { validUnder: ['speeder'], textContains: '', textQuestionIds: ['c'] }],
  ];

  it.each(filters)('streams for a table with the projection what SQLite streams: %s', async (_name, f) => {
    const filter = { surveyId: survey.id, ...f };
    const fromSqlite = [];
    for await (const batch of store.responses.streamForTable(filter)) fromSqlite.push(...batch);
    const fromMingo = find(responseDocs, responseMatch(filter), TABLE_PROJECTION)
      .sort({ _id: 1 })
      .all()
      .map((d) => tableResponseFromDoc(d as Doc));
    expect(fromMingo).toEqual(fromSqlite);
  });

  it('reads a table row of a document stored before reviews and paper dates, and with Dates, as SQLite would give it', () => {
    const [doc] = find([{ _id: 'r1', surveyId: 's', version: 2, siteId: 'a', channel: 'qr', submittedAt: new Date('2026-11-01T02:00:00Z'), durationMs: 5, flags: [], answers: { q: '5' }, deviceHash: 'd', pendingTally: [] }], {}, TABLE_PROJECTION).all() as Doc[];
    expect(Object.keys(doc!).sort()).toEqual(['_id', 'answers', 'channel', 'durationMs', 'flags', 'siteId', 'submittedAt', 'version']);
    expect(tableResponseFromDoc(doc!)).toEqual({
      id: 'r1', version: 2, siteId: 'a', channel: 'qr', paperDate: null, submittedAt: '2026-11-01T02:00:00.000Z', durationMs: 5, flags: [],
      review: null, reviewReason: null, reviewedBy: null, reviewedAt: null, answers: { q: '5' },
    });
  });

  it.each(filters)('response filter: %s', async (_name, f) => {
    const filter = { surveyId: survey.id, ...f };
    const ids = (await store.responses.list(filter, { limit: 1000 })).map((r) => r.id);
    const mingoIds = find(responseDocs, responseMatch(filter))
      .all()
      .map((d) => (d as Doc)._id as string)
      .sort();
    expect(mingoIds).toEqual([...ids].sort());
  });

  it('moves documents written before reviews (excluded: true/false) to the review fields, and leaves new ones alone', () => {
    const at = new Date('2026-11-05T00:00:00.000Z');
    const docs: Doc[] = [
      { _id: 'old-excluded', excluded: true, excludedReason: '重复', excludedBy: 'u1', excludedAt: at },
      { _id: 'old-counted', excluded: false, excludedReason: null, excludedBy: null, excludedAt: null },
      { _id: 'new-kept', review: 'kept', reviewReason: '核实', reviewedBy: 'u2', reviewedAt: at },
    ];
    const legacy = find(docs, LEGACY_EXCLUSION_FILTER).all() as Doc[];
    expect(legacy.map((d) => d._id)).toEqual(['old-excluded', 'old-counted']);
    const migrated = aggregate(legacy, legacyExclusionStages as never[]) as Doc[];
    expect(migrated).toEqual([
      { _id: 'old-excluded', review: 'excluded', reviewReason: '重复', reviewedBy: 'u1', reviewedAt: at },
      { _id: 'old-counted', review: null, reviewReason: null, reviewedBy: null, reviewedAt: null },
    ]);
    // Run again (another instance starting): nothing matches any more.
    expect(find(migrated, LEGACY_EXCLUSION_FILTER).all()).toEqual([]);
  });
});

/**
 * The documents the tally applier and setReview send (pending selection, marker clear, the review
 * that appends to pending deltas, the review of an applied response, the rebuild's clear, responseCount),
 * run through mingo on a simulated responses collection and compared with SQLite, which writes
 * tallies with each response and moves them with each review.
 */
describe('MongoDB tallies applied in batches (checked with mingo against SQLite)', () => {
  let dir: string;
  let store: Store;
  const { survey, version } = surveyFixture();
  const sites = [siteFixture({ code: 'P1' }), siteFixture({ code: 'P2' })];
  const levels = ['5', '4', '3', '2', '1', 'na'];

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-mingo-pending-'));
    store = openSqliteStore(path.join(dir, 'p.db'));
    for (const s of sites) await store.sites.create(s);
    await store.surveys.create(survey, version);
  });

  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A response as the adapter's insert stores it (for the tests that need the documents only). */
  const pendingDoc = (r: SurveyResponse): Doc => {
    const m = new MingoTallies();
    m.insert(r, tallyDeltas(r, survey.questions));
    return m.responses[0]!;
  };

  it('applies pending responses oldest first, each once, with reviews before and after, to the tallies SQLite holds', async () => {
    const pubs = sites.map((s) => publicationFixture(survey.id, s.id));
    for (const p of pubs) await store.publications.create(p);
    const rs = Array.from({ length: 60 }, (_, i) =>
      responseFixture(pubs[i % 2]!, {
        // Submission order differs from id order: the applier takes the oldest submissions first.
        submittedAt: new Date(Date.UTC(2026, 10, 1, 2, 59 - i)).toISOString(),
        flags: i % 4 === 0 ? ['speeder'] : [],
        segment: i % 3 ? 'a' : 'b',
        answers: { seg: i % 3 ? 'a' : 'b', q1: levels[i % 6]!, q2: levels[(i * 5) % 6]!, m: i % 2 ? ['x'] : ['x', 'y'], r: 1 + (i % 5), n: i * 0.5, c: '' },
      }),
    );
    const mongo = new MingoTallies();
    for (const r of rs) {
      await store.responses.insert(r, tallyDeltas(r, survey.questions));
      expect(mongo.insert(r, tallyDeltas(r, survey.questions))).toBe(true);
    }
    expect(mongo.insert({ ...rs[0]!, id: 'retry' }, [])).toBe(false);
    const current = new Map(rs.map((r) => [r.id, r]));
    const reviewBoth = async (r: SurveyResponse, to: SurveyResponse['review'], reason: string | null) => {
      const before = current.get(r.id)!;
      const after: SurveyResponse = { ...before, review: to, reviewReason: reason, reviewedBy: to ? 'u1' : null, reviewedAt: to ? '2026-11-05T00:00:00.000Z' : null };
      const change = { from: before.review, to, reason: after.reviewReason, by: after.reviewedBy, at: after.reviewedAt };
      const deltas = moveDeltas(before, after, survey.questions);
      const viaSqlite = await store.responses.setReview(r.id, change, deltas);
      expect(mongo.review(r.id, change, deltas)).toBe(viaSqlite !== null);
      if (viaSqlite) current.set(r.id, after);
    };
    const doc = (id: string) => mongo.responses.find((d) => d._id === id);

    // Reviews while pending, including one from a review that is no longer stored and a '$' reason.
    await reviewBoth(rs[0]!, 'excluded', '$重复');
    expect(doc(rs[0]!.id)).toMatchObject({ review: 'excluded', reviewReason: '$重复', reviewedAt: new Date('2026-11-05T00:00:00.000Z') });
    await reviewBoth(rs[0]!, 'kept', '核实');
    await reviewBoth(rs[4]!, 'kept', '老人作答慢');
    expect(mongo.review(rs[4]!.id, { from: null, to: 'excluded', reason: 'x', by: 'u1', at: null }, [])).toBe(false);
    expect(doc(rs[0]!.id)).toMatchObject({ review: 'kept', reviewReason: '核实' });

    // The oldest submission is the first applied.
    const sel = pendingSelection(survey.id);
    const first = find(mongo.responses, sel.filter, sel.projection).sort(sel.sort).limit(1).all() as Doc[];
    expect(first.map((d) => d._id)).toEqual([rs[59]!.id]);

    expect(mongo.applyBatch(25, survey.id)).toBe(25);
    // Clearing the same markers again changes nothing: a second applier of that batch applies nothing.
    const again = pendingClear(rs.slice(35).map((r) => r.id));
    expect(find(mongo.responses, again.filter).all()).toEqual([]);
    expect(doc(rs[59]!.id)).not.toHaveProperty('pendingTally');

    // Reviews after application of some, while others are still pending.
    await reviewBoth(rs[59]!, 'excluded', '重复');
    await reviewBoth(rs[1]!, 'excluded', '重复');
    await reviewBoth(rs[59]!, null, null);

    expect(mongo.applyBatch(25)).toBe(25);
    expect(mongo.applyBatch(25)).toBe(10);
    expect(mongo.applyBatch(25)).toBe(0);
    await reviewBoth(rs[4]!, 'excluded', '重复');

    expect(mongo.pendingCount()).toBe(0);
    expect(sameTallies(mongo.dump(), await store.tallies.dump(survey.id))).toEqual({ same: true });
    expect(sameTallies(mongo.dump(), mergeDeltas([...current.values()].flatMap((r) => tallyDeltas(r, survey.questions))))).toEqual({ same: true });
  });

  it('a rebuild clears the markers of the responses it read and leaves later ones pending', () => {
    const other = surveyFixture();
    const pub = publicationFixture(survey.id, sites[0]!.id);
    const otherPub = publicationFixture(other.survey.id, sites[0]!.id);
    const mine = [responseFixture(pub), responseFixture(pub), responseFixture(pub)];
    const docs = [...mine.map(pendingDoc), pendingDoc(responseFixture(otherPub))];
    const pendingIds = () => (find(docs, pendingSelection().filter).all() as Doc[]).map((d) => d._id);

    expect(rebuildClear(survey.id, null)).toBeNull();
    const upTo = rebuildClear(survey.id, mine[1]!.id)!;
    updateMany(docs, upTo.filter, upTo.update as never);
    expect(pendingIds()).toEqual([mine[2]!.id, docs[3]!._id]);
    const all = rebuildClear(survey.id)!;
    updateMany(docs, all.filter, all.update as never);
    expect(pendingIds()).toEqual([docs[3]!._id]);
  });

  it('a rebuild finds a response after the last it read whose tallies are already applied, and only that', () => {
    const pub = publicationFixture(survey.id, sites[0]!.id);
    const [read, laterPending, laterApplied] = [responseFixture(pub), responseFixture(pub), responseFixture(pub)];
    const docs = [read, laterPending, laterApplied].map(pendingDoc);
    delete docs[0]!.pendingTally;
    const lost = () => (find(docs, rebuildLostFilter(survey.id, read!.id)).all() as Doc[]).map((d) => d._id);
    expect(lost()).toEqual([]);
    delete docs[2]!.pendingTally;
    expect(lost()).toEqual([laterApplied!.id]);
    expect((find(docs, rebuildLostFilter(survey.id, null)).all() as Doc[]).map((d) => d._id)).toEqual([read!.id, laterApplied!.id]);
    expect(find(docs, rebuildLostFilter('another-survey', null)).all()).toEqual([]);
  });

  it('counts each survey\'s responses as SQLite counts them', async () => {
    const other = surveyFixture();
    await store.surveys.create(other.survey, other.version);
    const pub = publicationFixture(other.survey.id, sites[1]!.id);
    await store.publications.create(pub);
    const extra = [responseFixture(pub), responseFixture(pub)];
    for (const r of extra) await store.responses.insert(r, tallyDeltas(r, other.survey.questions));
    const docs: Doc[] = [];
    for (const s of [survey, other.survey]) for await (const r of store.responses.stream({ surveyId: s.id })) docs.push(pendingDoc(r));
    const counted = aggregate(docs, responseCountsPipeline([survey.id, other.survey.id, 'no-such-survey']) as never[]) as { _id: string; n: number }[];
    const sqlite = await store.surveys.list();
    expect(Object.fromEntries(counted.map((c) => [c._id, c.n]))).toEqual(Object.fromEntries(sqlite.map((s) => [s.id, s.responseCount])));
  });
});

/**
 * The rate-limit counter's update pipeline (an upsert with $cond over the stored window), run
 * through mingo hit by hit beside SQLite's counter: the same counts and window ends, every time.
 */
describe('MongoDB rate-limit counters (checked with mingo against SQLite)', () => {
  let dir: string;
  let store: Store;

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-mingo-limits-'));
    store = openSqliteStore(path.join(dir, 'r.db'));
  });

  afterAll(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** What findOneAndUpdate(filter, pipeline, { upsert: true, returnDocument: 'after' }) does: a new document starts as {_id}. */
  function hit(docs: Doc[], key: string, windowMs: number, nowMs: number, by = 1, startMs = nowMs): { count: number; resetAt: number } {
    const { filter, update: pipeline } = rateLimitHit(key, windowMs, nowMs, by, startMs);
    if (!find(docs, filter).hasNext()) docs.push({ _id: key });
    expect(updateOne(docs, filter, pipeline as never).matchedCount).toBe(1);
    const doc = find(docs, filter).next() as Doc;
    return { count: doc.count as number, resetAt: (doc.resetAt as Date).getTime() };
  }

  function decrement(docs: Doc[], key: string) {
    const { filter, update: expr } = rateLimitDecrement(key);
    updateMany(docs, filter, expr as never);
  }

  it('counts hits in a window, restarts when it has passed, and gives hits back never below zero, as SQLite does', async () => {
    const docs: Doc[] = [];
    const t0 = Date.UTC(2026, 10, 1, 2, 0, 0);
    const windowMs = 60_000;
    // [key, ms after t0]: two keys, hits inside a window, exactly at its end (restarts), and long after.
    const steps: [string, number | 'decrement'][] = [
      ['ip:a', 0],
      ['ip:a', 1_000],
      ['ip:b', 1_500],
      ['ip:a', 59_999],
      ['ip:a', 'decrement'],
      ['ip:a', 60_000],
      ['ip:a', 60_001],
      ['ip:b', 'decrement'],
      ['ip:b', 'decrement'],
      ['ip:b', 30_000],
      ['ip:a', 500_000],
      ['ip:a', 'decrement'],
      ['ip:a', 'decrement'],
      ['ip:a', 500_010],
    ];
    const seen: { count: number; resetAt: number }[] = [];
    for (const [key, at] of steps) {
      if (at === 'decrement') {
        decrement(docs, key);
        await store.rateLimits.decrement(key);
        continue;
      }
      const fromMingo = hit(docs, key, windowMs, t0 + at);
      expect(fromMingo).toEqual(await store.rateLimits.hit(key, windowMs, t0 + at));
      seen.push(fromMingo);
    }
    // The rule itself, so both cannot agree on something else.
    expect(seen.map((s) => [s.count, s.resetAt - t0])).toEqual([
      [1, 60_000],
      [2, 60_000],
      [1, 61_500],
      [3, 60_000],
      [1, 120_000],
      [2, 120_000],
      [1, 61_500],
      [1, 560_000],
      [1, 560_000],
    ]);
  });

  it('counts several hits at once (a buffered instance syncing, late or not) in the windows they were counted in, as SQLite does', async () => {
    const docs: Doc[] = [];
    const t0 = Date.UTC(2026, 10, 1, 3, 0, 0);
    // [key, sync at, hits, start of the window they were counted in] (ms after t0).
    const steps: [string, number, number, number][] = [
      ['pub:x', 900, 5, 0], // late sync: the window starts at 0, not 900
      ['pub:x', 1_000, 7, 1_000], // the live window takes them
      ['pub:y', 2_000, 1, 2_000],
      ['pub:x', 60_000, 3, 59_500], // x's window ended at 60 000: a new one from 59 500
      ['pub:y', 70_000, 2, 1_500], // counted in [1 500, 61 500), stored at 70 000: a window already over
      ['pub:y', 70_100, 1, 70_100],
      ['pub:y', 70_200, 4, 5_000], // their window ended before the live one began: not added
      ['pub:y', 70_300, 2, 10_100], // ended exactly when it began: not added
      ['pub:y', 70_400, 2, 10_101], // overlaps it by 1 ms: added
      ['pub:z', 80_000, 1, 90_000], // a start after the sync is taken as the sync
    ];
    const seen: { count: number; resetAt: number }[] = [];
    for (const [key, at, by, start] of steps) {
      const fromMingo = hit(docs, key, 60_000, t0 + at, by, t0 + start);
      expect([fromMingo]).toEqual(await store.rateLimits.hitMany([{ key, windowMs: 60_000, by, startMs: t0 + start }], t0 + at));
      seen.push(fromMingo);
    }
    expect(seen.map((s) => [s.count, s.resetAt - t0])).toEqual([
      [5, 60_000],
      [12, 60_000],
      [1, 62_000],
      [3, 119_500],
      [2, 61_500],
      [1, 130_100],
      [1, 130_100],
      [1, 130_100],
      [3, 130_100],
      [1, 140_000],
    ]);
  });
});
