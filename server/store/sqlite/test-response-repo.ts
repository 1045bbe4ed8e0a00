import type { TestResponse } from '../../../models/test-response';
import type { TestResponseRepo } from '../store';
import type { Db } from './db';

type Row = Record<string, unknown>;

const toTestResponse = (r: Row): TestResponse => ({
  id: r.id as string,
  surveyId: r.survey_id as string,
  version: r.version as number,
  siteId: (r.site_id as string | null) ?? null,
  answers: JSON.parse(r.answers as string) as TestResponse['answers'],
  durationMs: r.duration_ms as number,
  submittedAt: r.submitted_at as string,
  enteredBy: r.entered_by as string,
  submissionToken: r.submission_token as string,
});

export function sqliteTestResponseRepo(db: Db): TestResponseRepo {
  return {
    async insert(t) {
      return (
        db
          .prepare(
            `INSERT INTO test_responses (id, survey_id, version, site_id, answers, duration_ms, submitted_at, entered_by, submission_token)
             VALUES (@id, @surveyId, @version, @siteId, @answers, @durationMs, @submittedAt, @enteredBy, @submissionToken)
             ON CONFLICT (submission_token) DO NOTHING`,
          )
          .run({ ...t, answers: JSON.stringify(t.answers) }).changes === 1
      );
    },
    async listBySurvey(surveyId) {
      return (db.prepare('SELECT * FROM test_responses WHERE survey_id = ? ORDER BY id DESC').all(surveyId) as Row[]).map(toTestResponse);
    },
    async countBySurvey(surveyId) {
      return (db.prepare('SELECT COUNT(*) AS n FROM test_responses WHERE survey_id = ?').get(surveyId) as { n: number }).n;
    },
    async delete(surveyId, id) {
      return db.prepare('DELETE FROM test_responses WHERE survey_id = ? AND id = ?').run(surveyId, id).changes === 1;
    },
    async deleteForSurvey(surveyId) {
      return db.prepare('DELETE FROM test_responses WHERE survey_id = ?').run(surveyId).changes;
    },
  };
}
