import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pino from 'pino';
import type { TallyDelta } from '../models/tally';
import { loadConfig } from '../server/config';
import { mergeDeltas, tallyDeltas } from '../server/domain/tally';
import { SYSTEM_ACTOR, type Deps } from '../server/services/context';
import { publishAtSites } from '../server/services/publications';
import { createFromTemplate, setSurveyStatus } from '../server/services/surveys';
import { openSqliteStore } from '../server/store/sqlite';
import { responseInserter } from '../server/store/sqlite/response-repo';
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
      store.db.prepare('UPDATE surveys SET response_count = response_count + ? WHERE id = ?').run(size, survey.id);
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
