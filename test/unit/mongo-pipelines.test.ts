/**
 * Every query and pipeline the MongoDB adapter sends, run through mingo over the same fixtures
 * as the SQLite adapter: the results must agree, even where no MongoDB server exists.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { aggregate, find } from 'mingo';
import { update } from 'mingo/updater';
import type { SurveyResponse } from '../../models/response';
import type { TallyQuery, TallyRow } from '../../models/tally';
import { sameTallies, tallyDeltas } from '../../server/domain/tally';
import { LEGACY_EXCLUSION_FILTER, legacyExclusionStages, responseMatch, tallyDocsToDeltas, tallyQueryPipeline, tallyUpdate } from '../../server/store/mongo/pipelines';
import { openSqliteStore } from '../../server/store/sqlite';
import type { ResponseFilter, Store } from '../../server/store/store';
import { publicationFixture, responseFixture, siteFixture, surveyFixture } from '../helpers/fixtures';

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
