import type { ResponseForTable, SurveyResponse } from '../../../models/response';
import { bool, int, type Db } from './db';

/** A response as its row is stored, and back: shared by the repository (main connection) and the group commit (either thread). */
export type Row = Record<string, unknown>;

export const toResponse = (r: Row): SurveyResponse => ({
  id: r.id as string,
  surveyId: r.survey_id as string,
  version: r.version as number,
  siteId: r.site_id as string,
  publicationId: r.publication_id as string,
  channel: r.channel as SurveyResponse['channel'],
  startedAt: r.started_at as string,
  submittedAt: r.submitted_at as string,
  day: r.day as string,
  durationMs: r.duration_ms as number,
  answers: JSON.parse(r.answers as string) as SurveyResponse['answers'],
  segment: r.segment as string,
  flags: JSON.parse(r.flags as string) as string[],
  review: (r.review as SurveyResponse['review']) ?? null,
  reviewReason: (r.review_reason as string | null) ?? null,
  reviewedBy: (r.reviewed_by as string | null) ?? null,
  reviewedAt: (r.reviewed_at as string | null) ?? null,
  deviceHash: r.device_hash as string,
  ipHash: r.ip_hash as string,
  submissionToken: r.submission_token as string,
  enteredBy: (r.entered_by as string | null) ?? null,
  isDemo: bool(r.is_demo),
  paperDate: (r.paper_date as string | null) ?? null,
});

/** The columns of ResponseForTable, in the order toTableResponse reads them from a raw row. */
export const TABLE_COLUMNS = 'id, version, site_id, channel, paper_date, submitted_at, duration_ms, flags, review, review_reason, reviewed_by, reviewed_at, answers';

export const toTableResponse = (r: unknown[]): ResponseForTable => ({
  id: r[0] as string,
  version: r[1] as number,
  siteId: r[2] as string,
  channel: r[3] as SurveyResponse['channel'],
  paperDate: (r[4] as string | null) ?? null,
  submittedAt: r[5] as string,
  durationMs: r[6] as number,
  flags: JSON.parse(r[7] as string) as string[],
  review: (r[8] as SurveyResponse['review']) ?? null,
  reviewReason: (r[9] as string | null) ?? null,
  reviewedBy: (r[10] as string | null) ?? null,
  reviewedAt: (r[11] as string | null) ?? null,
  answers: JSON.parse(r[12] as string) as SurveyResponse['answers'],
});

/** Inserts one response row (nothing when its submission token is already stored); returns rows changed. */
export function responseInserter(db: Db): (r: SurveyResponse) => number {
  const insert = db.prepare(
    `INSERT INTO responses (id, survey_id, version, site_id, publication_id, channel, started_at, submitted_at, day, duration_ms,
       answers, segment, flags, review, review_reason, reviewed_by, reviewed_at, device_hash, ip_hash, submission_token, entered_by, is_demo, paper_date)
     VALUES (@id, @surveyId, @version, @siteId, @publicationId, @channel, @startedAt, @submittedAt, @day, @durationMs,
       @answers, @segment, @flags, @review, @reviewReason, @reviewedBy, @reviewedAt, @deviceHash, @ipHash, @submissionToken, @enteredBy, @isDemo, @paperDate)
     ON CONFLICT (submission_token) DO NOTHING`,
  );
  // Every column written out (not spread from the response: V8 builds a spread with extra keys slowly).
  return (r) =>
    insert.run({
      id: r.id,
      surveyId: r.surveyId,
      version: r.version,
      siteId: r.siteId,
      publicationId: r.publicationId,
      channel: r.channel,
      startedAt: r.startedAt,
      submittedAt: r.submittedAt,
      day: r.day,
      durationMs: r.durationMs,
      answers: JSON.stringify(r.answers),
      segment: r.segment,
      flags: JSON.stringify(r.flags),
      review: r.review,
      reviewReason: r.reviewReason,
      reviewedBy: r.reviewedBy,
      reviewedAt: r.reviewedAt,
      deviceHash: r.deviceHash,
      ipHash: r.ipHash,
      submissionToken: r.submissionToken,
      enteredBy: r.enteredBy,
      isDemo: int(r.isDemo),
      paperDate: r.paperDate ?? null,
    }).changes;
}
