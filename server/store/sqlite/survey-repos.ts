import type { EvaluationRecord } from '../../../models/evaluation';
import type { Publication } from '../../../models/publication';
import type { Site } from '../../../models/site';
import type { Survey, SurveyVersion } from '../../../models/survey';
import type { EvaluationRepo, PublicationRepo, SitePatch, SiteRepo, SurveyPatch, SurveyRepo } from '../store';
import { bool, int, mapUnique, placeholders, type Db } from './db';

type Row = Record<string, unknown>;

const toSite = (r: Row): Site => ({
  id: r.id as string,
  code: r.code as string,
  name: r.name as string,
  township: r.township as string,
  kind: r.kind as Site['kind'],
  recipients: (r.recipients as number | null) ?? null,
  active: bool(r.active),
  isDemo: bool(r.is_demo),
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});

const SITE_COLUMNS: Record<keyof SitePatch, string> = {
  code: 'code',
  name: 'name',
  township: 'township',
  kind: 'kind',
  recipients: 'recipients',
  active: 'active',
  updatedAt: 'updated_at',
};

export function sqliteSiteRepo(db: Db): SiteRepo {
  const insert = db.prepare(
    `INSERT INTO sites (id, code, name, township, kind, recipients, active, is_demo, created_at, updated_at)
     VALUES (@id, @code, @name, @township, @kind, @recipients, @active, @isDemo, @createdAt, @updatedAt)`,
  );
  const row = (s: Site) => ({ ...s, active: int(s.active), isDemo: int(s.isDemo) });
  const insertMany = db.transaction((sites: Site[]) => {
    for (const s of sites) insert.run(row(s));
  });
  const byId = db.prepare('SELECT * FROM sites WHERE id = ?');
  return {
    async create(site) {
      mapUnique(() => insert.run(row(site)));
    },
    async createMany(sites) {
      mapUnique(() => insertMany(sites));
    },
    async get(id) {
      const r = byId.get(id) as Row | undefined;
      return r ? toSite(r) : null;
    },
    async getByCode(code) {
      const r = db.prepare('SELECT * FROM sites WHERE code = ?').get(code) as Row | undefined;
      return r ? toSite(r) : null;
    },
    async list(filter = {}) {
      const parts: string[] = [];
      const values: unknown[] = [];
      if (filter.active !== undefined) {
        parts.push('active = ?');
        values.push(int(filter.active));
      }
      if (filter.ids) {
        if (filter.ids.length === 0) return [];
        parts.push(`id IN (${placeholders(filter.ids)})`);
        values.push(...filter.ids);
      }
      const where = parts.length ? `WHERE ${parts.join(' AND ')}` : '';
      return (db.prepare(`SELECT * FROM sites ${where} ORDER BY code`).all(...values) as Row[]).map(toSite);
    },
    async update(id, patch) {
      const sets: string[] = [];
      const values: unknown[] = [];
      for (const [k, v] of Object.entries(patch) as [keyof SitePatch, unknown][]) {
        if (v === undefined) continue;
        sets.push(`${SITE_COLUMNS[k]} = ?`);
        values.push(k === 'active' ? int(v as boolean) : v);
      }
      if (sets.length) mapUnique(() => db.prepare(`UPDATE sites SET ${sets.join(', ')} WHERE id = ?`).run(...values, id));
      const r = byId.get(id) as Row | undefined;
      return r ? toSite(r) : null;
    },
  };
}

/** Parsed questions and settings by survey id, reused while their stored text is unchanged: surveys are read on every resident request. */
const parsedSurveys = new Map<string, { stamp: string; questions: Survey['questions']; settings: Survey['settings'] }>();

function parsedParts(r: Row) {
  // Comparing the stored text is a memory compare, far cheaper than parsing it again.
  const stamp = `${r.questions as string}\u0000${r.settings as string}`;
  const hit = parsedSurveys.get(r.id as string);
  if (hit && hit.stamp === stamp) return { questions: hit.questions, settings: hit.settings };
  // Shared between callers, so frozen: code that tries to change them in place fails loudly.
  const parts = { stamp, questions: deepFreeze(JSON.parse(r.questions as string) as Survey['questions']), settings: deepFreeze(JSON.parse(r.settings as string) as Survey['settings']) };
  if (parsedSurveys.size >= 500) parsedSurveys.clear();
  parsedSurveys.set(r.id as string, parts);
  return { questions: parts.questions, settings: parts.settings };
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

const toSurvey = (r: Row): Survey => ({
  ...parsedParts(r),
  id: r.id as string,
  title: r.title as string,
  description: r.description as string,
  status: r.status as Survey['status'],
  version: r.version as number,
  segmentQuestionId: (r.segment_question_id as string | null) ?? null,
  locale: r.locale as string,
  timeZone: r.time_zone as string,
  responseCount: r.response_count as number,
  isDemo: bool(r.is_demo),
  createdBy: (r.created_by as string | null) ?? null,
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});

const toVersion = (r: Row): SurveyVersion => ({
  surveyId: r.survey_id as string,
  version: r.version as number,
  questions: JSON.parse(r.questions as string) as SurveyVersion['questions'],
  segmentQuestionId: (r.segment_question_id as string | null) ?? null,
  createdAt: r.created_at as string,
});

/** A survey row with its response count, kept apart (survey_counts) so that a submission does not rewrite the survey row. */
const SURVEY_SELECT = 'SELECT s.*, COALESCE(c.n, 0) AS response_count FROM surveys s LEFT JOIN survey_counts c ON c.survey_id = s.id';

const SURVEY_COLUMNS: Record<keyof SurveyPatch, string> = {
  title: 'title',
  description: 'description',
  status: 'status',
  questions: 'questions',
  segmentQuestionId: 'segment_question_id',
  settings: 'settings',
  updatedAt: 'updated_at',
};

export function sqliteSurveyRepo(db: Db): SurveyRepo {
  const byId = db.prepare(`${SURVEY_SELECT} WHERE s.id = ?`);
  const insertSurvey = db.prepare(
    `INSERT INTO surveys (id, title, description, status, version, questions, segment_question_id, settings, locale, time_zone,
       is_demo, created_by, created_at, updated_at)
     VALUES (@id, @title, @description, @status, @version, @questions, @segmentQuestionId, @settings, @locale, @timeZone,
       @isDemo, @createdBy, @createdAt, @updatedAt)`,
  );
  const insertVersion = db.prepare(
    `INSERT INTO survey_versions (survey_id, version, questions, segment_question_id, created_at)
     VALUES (@surveyId, @version, @questions, @segmentQuestionId, @createdAt)`,
  );
  const get = (id: string): Survey | null => {
    const r = byId.get(id) as Row | undefined;
    return r ? toSurvey(r) : null;
  };
  const create = db.transaction((s: Survey, v: SurveyVersion) => {
    insertSurvey.run({
      ...s,
      questions: JSON.stringify(s.questions),
      settings: JSON.stringify(s.settings),
      isDemo: int(s.isDemo),
    });
    insertVersion.run({ ...v, questions: JSON.stringify(v.questions) });
    if (s.responseCount) db.prepare('INSERT INTO survey_counts (survey_id, n) VALUES (?, ?)').run(s.id, s.responseCount);
  });
  const saveQuestions = db.transaction(
    (id: string, expected: number, patch: Pick<Survey, 'questions' | 'segmentQuestionId' | 'updatedAt'>): Survey | null => {
      const s = get(id);
      if (!s || s.version !== expected) return null;
      const answered = (
        db.prepare('SELECT EXISTS (SELECT 1 FROM responses WHERE survey_id = ? AND version = ?) AS e').get(id, s.version) as { e: number }
      ).e;
      const version = answered ? s.version + 1 : s.version;
      const questions = JSON.stringify(patch.questions);
      if (answered) {
        insertVersion.run({ surveyId: id, version, questions, segmentQuestionId: patch.segmentQuestionId, createdAt: patch.updatedAt });
      } else {
        db.prepare('UPDATE survey_versions SET questions = ?, segment_question_id = ? WHERE survey_id = ? AND version = ?').run(
          questions,
          patch.segmentQuestionId,
          id,
          version,
        );
      }
      db.prepare('UPDATE surveys SET questions = ?, segment_question_id = ?, version = ?, updated_at = ? WHERE id = ?').run(
        questions,
        patch.segmentQuestionId,
        version,
        patch.updatedAt,
        id,
      );
      return get(id);
    },
  );
  return {
    async create(survey, version) {
      mapUnique(() => create(survey, version));
    },
    async get(id) {
      return get(id);
    },
    async list() {
      return (db.prepare(`${SURVEY_SELECT} ORDER BY s.created_at DESC, s.id DESC`).all() as Row[]).map(toSurvey);
    },
    async update(id, patch) {
      const sets: string[] = [];
      const values: unknown[] = [];
      for (const [k, v] of Object.entries(patch) as [keyof SurveyPatch, unknown][]) {
        if (v === undefined) continue;
        sets.push(`${SURVEY_COLUMNS[k]} = ?`);
        values.push(k === 'questions' || k === 'settings' ? JSON.stringify(v) : v);
      }
      if (sets.length) db.prepare(`UPDATE surveys SET ${sets.join(', ')} WHERE id = ?`).run(...values, id);
      return get(id);
    },
    async saveQuestions(id, expected, patch) {
      return saveQuestions(id, expected, patch);
    },
    async getVersion(id, version) {
      const r = db.prepare('SELECT * FROM survey_versions WHERE survey_id = ? AND version = ?').get(id, version) as Row | undefined;
      return r ? toVersion(r) : null;
    },
    async listVersions(id) {
      return (db.prepare('SELECT * FROM survey_versions WHERE survey_id = ? ORDER BY version').all(id) as Row[]).map(toVersion);
    },
    async delete(id) {
      db.transaction(() => {
        db.prepare('DELETE FROM tallies WHERE survey_id = ?').run(id);
        db.prepare('DELETE FROM responses WHERE survey_id = ?').run(id);
        db.prepare('DELETE FROM surveys WHERE id = ?').run(id);
      })();
    },
  };
}

const toPublication = (r: Row): Publication => ({
  id: r.id as string,
  surveyId: r.survey_id as string,
  siteId: r.site_id as string,
  code: r.code as string,
  active: bool(r.active),
  createdAt: r.created_at as string,
});

export function sqlitePublicationRepo(db: Db): PublicationRepo {
  const one = (sql: string, ...args: unknown[]) => {
    const r = db.prepare(sql).get(...args) as Row | undefined;
    return r ? toPublication(r) : null;
  };
  return {
    async create(p) {
      mapUnique(() =>
        db
          .prepare(
            'INSERT INTO publications (id, survey_id, site_id, code, active, created_at) VALUES (@id, @surveyId, @siteId, @code, @active, @createdAt)',
          )
          .run({ ...p, active: int(p.active) }),
      );
    },
    async get(id) {
      return one('SELECT * FROM publications WHERE id = ?', id);
    },
    async getByCode(code) {
      return one('SELECT * FROM publications WHERE code = ?', code);
    },
    async listBySurvey(surveyId) {
      return (db.prepare('SELECT * FROM publications WHERE survey_id = ? ORDER BY id').all(surveyId) as Row[]).map(toPublication);
    },
    async findBySurveyAndSite(surveyId, siteId) {
      return one('SELECT * FROM publications WHERE survey_id = ? AND site_id = ?', surveyId, siteId);
    },
    async setActive(id, active) {
      db.prepare('UPDATE publications SET active = ? WHERE id = ?').run(int(active), id);
    },
  };
}

const toEvaluation = (r: Row): EvaluationRecord => ({
  id: r.id as string,
  name: r.name as string,
  locked: bool(r.locked),
  isDemo: bool(r.is_demo),
  data: JSON.parse(r.data as string) as Record<string, unknown>,
  createdBy: (r.created_by as string | null) ?? null,
  createdAt: r.created_at as string,
  updatedAt: r.updated_at as string,
});

export function sqliteEvaluationRepo(db: Db): EvaluationRepo {
  const byId = db.prepare('SELECT * FROM evaluations WHERE id = ?');
  const get = (id: string) => {
    const r = byId.get(id) as Row | undefined;
    return r ? toEvaluation(r) : null;
  };
  return {
    async create(e) {
      mapUnique(() =>
        db
          .prepare(
            `INSERT INTO evaluations (id, name, locked, is_demo, data, created_by, created_at, updated_at)
             VALUES (@id, @name, @locked, @isDemo, @data, @createdBy, @createdAt, @updatedAt)`,
          )
          .run({ ...e, locked: int(e.locked), isDemo: int(e.isDemo), data: JSON.stringify(e.data) }),
      );
    },
    async get(id) {
      return get(id);
    },
    async list() {
      return (db.prepare('SELECT * FROM evaluations ORDER BY created_at DESC, id DESC').all() as Row[]).map(toEvaluation);
    },
    async update(id, expected, patch) {
      const sets: string[] = [];
      const values: unknown[] = [];
      if (patch.name !== undefined) {
        sets.push('name = ?');
        values.push(patch.name);
      }
      if (patch.locked !== undefined) {
        sets.push('locked = ?');
        values.push(int(patch.locked));
      }
      if (patch.data !== undefined) {
        sets.push('data = ?');
        values.push(JSON.stringify(patch.data));
      }
      if (patch.updatedAt !== undefined) {
        sets.push('updated_at = ?');
        values.push(patch.updatedAt);
      }
      if (!sets.length) return get(id);
      const changed = db.prepare(`UPDATE evaluations SET ${sets.join(', ')} WHERE id = ? AND updated_at = ?`).run(...values, id, expected).changes;
      return changed ? get(id) : null;
    },
    async delete(id) {
      db.prepare('DELETE FROM evaluations WHERE id = ?').run(id);
    },
  };
}
