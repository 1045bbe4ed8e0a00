import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { Publication } from '../models/publication';
import type { Survey } from '../models/survey';
import type { TallyDelta } from '../models/tally';
import { loadConfig } from '../server/config';
import { mergeDeltas, tallyDeltas } from '../server/domain/tally';
import { SYSTEM_ACTOR, type Deps } from '../server/services/context';
import { publishAtSites } from '../server/services/publications';
import { createFromTemplate, setSurveyStatus } from '../server/services/surveys';
import { openSqliteStore } from '../server/store/sqlite';
import { responseInserter } from '../server/store/sqlite/response-rows';
import { prng, syntheticResponse } from '../server/services/synthetic-responses';

export interface Seeded {
  dir: string;
  deps: Deps;
  store: ReturnType<typeof openSqliteStore>;
  surveyId: string;
  close(): Promise<void>;
}

/**
 * A fresh SQLite database with `sites` stations, the template survey published at each and `n`
 * synthetic responses over `days` days. Responses are written in large transactions and the
 * tallies computed once at the end (the rebuild-tallies path), which is what makes a million
 * responses take seconds instead of hours; the tallies equal what submitting one by one writes.
 */
export async function seedBulk(n: number, options: { sites?: number; days?: number; seed?: number; dir?: string } = {}): Promise<Seeded> {
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'manyi-bench-'));
  const config = { ...loadConfig({ DATA_DIR: dir, LOG_LEVEL: 'silent' }), sessionSecret: 'bench-secret-bench-secret-bench-secret-0123' };
  const store = openSqliteStore(path.join(dir, 'manyi.db'));
  const deps: Deps = { config, store, clock: () => new Date('2026-11-30T10:00:00Z'), logger: pino({ level: 'silent' }) };
  const siteCount = options.sites ?? 20;
  const sites = Array.from({ length: siteCount }, (_, i) => ({
    id: `site-${String(i + 1).padStart(3, '0')}`,
    code: `S${String(i + 1).padStart(3, '0')}`,
    name: `示例社工站 ${i + 1}`,
    township: '示例镇',
    kind: 'township' as const,
    recipients: 150 + i * 10,
    active: true,
    isDemo: true,
    createdAt: '2026-09-01T00:00:00.000Z',
    updatedAt: '2026-09-01T00:00:00.000Z',
  }));
  await store.sites.createMany(sites);
  let survey = await createFromTemplate(deps, SYSTEM_ACTOR, { locale: 'zh-CN' });
  survey = await setSurveyStatus(deps, SYSTEM_ACTOR, survey.id, { status: 'open' });
  const pubs = (await publishAtSites(deps, SYSTEM_ACTOR, survey.id, { siteIds: sites.map((s) => s.id) })).created;
  const rand = prng(options.seed ?? 42);
  const moods = pubs.map(() => rand() * 0.3 - 0.1);
  const insert = responseInserter(store.db);
  const batch = 10_000;
  let merged: TallyDelta[] = [];
  for (let done = 0; done < n; ) {
    const size = Math.min(batch, n - done);
    const pending: TallyDelta[] = [];
    store.db.transaction(() => {
      for (let i = 0; i < size; i++) {
        const p = Math.floor(rand() * pubs.length);
        const r = syntheticResponse(rand, survey, pubs[p]!, moods[p]!, { days: options.days ?? 60, lastDay: '2026-11-30' });
        insert(r);
        pending.push(...tallyDeltas(r, survey.questions));
      }
      bumpResponseCount(store.db, survey.id, size);
    })();
    merged = mergeDeltas([...merged, ...pending]);
    done += size;
  }
  await store.tallies.replaceForSurvey(survey.id, merged);
  return {
    dir,
    deps,
    store,
    surveyId: survey.id,
    async close() {
      await store.close();
      if (!options.dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * `n` stored responses added with direct SQL (one INSERT … SELECT over a recursive counter per
 * 100,000 rows, from 64 synthetic answer sets), on the 60 days before today, each from its own
 * device and IP. Seconds for a million rows rather than minutes: what the submission benchmark at
 * 100k and 1M stored responses needs. Their tallies are not written (a submission only touches
 * today's tally rows); the survey's response count is.
 */
export function preseedResponses(db: ReturnType<typeof openSqliteStore>['db'], survey: Survey, pubs: Publication[], n: number): void {
  if (n <= 0) return;
  const rand = prng(7);
  db.exec('CREATE TEMP TABLE seed_variants (k INTEGER PRIMARY KEY, site_id TEXT, publication_id TEXT, answers TEXT, segment TEXT)');
  const variant = db.prepare('INSERT INTO seed_variants VALUES (?, ?, ?, ?, ?)');
  for (let k = 0; k < 64; k++) {
    const pub = pubs[k % pubs.length]!;
    const r = syntheticResponse(rand, survey, pub, 0.05, { days: 60, lastDay: '2026-01-01' });
    variant.run(k, pub.siteId, pub.id, JSON.stringify(r.answers), r.segment);
  }
  const insert = db.prepare(
    `WITH RECURSIVE c(i) AS (SELECT @from UNION ALL SELECT i + 1 FROM c WHERE i + 1 < @to)
     INSERT INTO responses (id, survey_id, version, site_id, publication_id, channel, started_at, submitted_at, day, duration_ms,
       answers, segment, flags, device_hash, ip_hash, submission_token, is_demo)
     SELECT printf('0seed-%09d', i), @surveyId, @version, v.site_id, v.publication_id, 'qr',
       date('now', printf('-%d days', 1 + i % 60)) || 'T01:59:00.000Z', date('now', printf('-%d days', 1 + i % 60)) || 'T02:00:00.000Z',
       date('now', printf('-%d days', 1 + i % 60)), 60000, v.answers, v.segment, '[]',
       lower(hex(randomblob(12))), lower(hex(randomblob(12))), printf('seed-%09d', i), 0
     FROM c JOIN seed_variants v ON v.k = i % 64`,
  );
  db.pragma('synchronous = OFF');
  for (let from = 0; from < n; from += 100_000) {
    const to = Math.min(n, from + 100_000);
    db.transaction(() => insert.run({ from, to, surveyId: survey.id, version: survey.version }))();
  }
  db.pragma('synchronous = FULL');
  db.exec('DROP TABLE seed_variants');
  bumpResponseCount(db, survey.id, n);
}

/** The survey's stored response count, moved by `n` (direct SQL, as the seeding above). */
export function bumpResponseCount(db: ReturnType<typeof openSqliteStore>['db'], surveyId: string, n: number): void {
  db.prepare('INSERT INTO survey_counts (survey_id, n) VALUES (?, ?) ON CONFLICT (survey_id) DO UPDATE SET n = n + excluded.n').run(surveyId, n);
}
