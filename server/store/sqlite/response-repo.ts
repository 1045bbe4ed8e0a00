import type { TallyDelta } from '../../../models/tally';
import { TABLE_BATCH, type ResponseFilter, type ResponseRepo, type ReviewChange } from '../store';
import { saturatingCount } from '../burst-count';
import { applyTallyDeltas } from './tally-writes';
import { addInList, placeholders, type Db } from './db';
import { TABLE_COLUMNS, toResponse, toTableResponse, type Row } from './response-rows';
import type { CommitQueue } from './writer-thread';

/** Escapes LIKE wildcards so user text is matched literally (with ESCAPE '\'). */
const likeLiteral = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export function responseWhere(f: ResponseFilter): { sql: string; values: unknown[] } {
  const parts = ['survey_id = ?'];
  const values: unknown[] = [f.surveyId];
  addInList(parts, values, 'site_id', f.siteIds);
  addInList(parts, values, 'channel', f.channels);
  addInList(parts, values, 'segment', f.segments);
  if (f.dayFrom) {
    parts.push('day >= ?');
    values.push(f.dayFrom);
  }
  if (f.dayTo) {
    parts.push('day <= ?');
    values.push(f.dayTo);
  }
  if (f.flagged !== undefined) parts.push(f.flagged ? "flags <> '[]'" : "flags = '[]'");
  if (f.review === 'auto') parts.push('review IS NULL');
  else if (f.review) {
    parts.push('review = ?');
    values.push(f.review);
  }
  if (f.validUnder) {
    const rules = f.validUnder;
    const invalidating = rules.length ? ` AND NOT EXISTS (SELECT 1 FROM json_each(responses.flags) fl WHERE fl.value IN (${placeholders(rules)}))` : '';
    parts.push(`(review = 'kept' OR (review IS NULL${invalidating}))`);
    values.push(...rules);
  }
  if (f.textQuestionIds) {
    const keys = f.textQuestionIds;
    if (keys.length === 0) parts.push('0');
    else {
      parts.push(
        `EXISTS (SELECT 1 FROM json_each(responses.answers) j WHERE j.key IN (${placeholders(keys)}) AND j.type = 'text' AND j.value LIKE ? ESCAPE '\\')`,
      );
      values.push(...keys, `%${likeLiteral(f.textContains ?? '')}%`);
    }
  }
  return { sql: parts.join(' AND '), values };
}

/** Whether a device answered a survey at another station: two seeks on (survey_id, device_hash, site_id), one each side of it. */
export const DEVICE_AT_OTHER_SITE_SQL = `SELECT EXISTS (SELECT 1 FROM responses WHERE survey_id = @surveyId AND device_hash = @deviceHash AND site_id < @siteId)
    OR EXISTS (SELECT 1 FROM responses WHERE survey_id = @surveyId AND device_hash = @deviceHash AND site_id > @siteId) AS e`;
/** A publication's submissions since a time, counted up to a cap (the burst rule's threshold). */
export const RECENT_COUNT_SQL = 'SELECT COUNT(*) AS n FROM (SELECT 1 FROM responses WHERE publication_id = ? AND submitted_at >= ? LIMIT ?)';
/** The submission time of a publication's cap-th newest response (OFFSET cap - 1), backwards on the same index. */
export const CAPTH_NEWEST_SQL = 'SELECT submitted_at FROM responses WHERE publication_id = ? ORDER BY submitted_at DESC LIMIT 1 OFFSET ?';

/** Responses on the main connection; their inserts go through the group commit's queue (`commits`). */
export function sqliteResponseRepo(db: Db, commits: CommitQueue): ResponseRepo {
  const byToken = db.prepare('SELECT * FROM responses WHERE submission_token = ?');
  const byId = db.prepare('SELECT * FROM responses WHERE id = ?');
  const deviceOtherSite = db.prepare(DEVICE_AT_OTHER_SITE_SQL).pluck();
  const countRecent = db.prepare(RECENT_COUNT_SQL);
  const capthNewest = db.prepare(CAPTH_NEWEST_SQL).pluck();
  const countSince = saturatingCount(
    async (publicationId, since, cap) => (countRecent.get(publicationId, since, cap) as { n: number }).n,
    async (publicationId, cap) => (capthNewest.get(publicationId, cap - 1) as string | undefined) ?? null,
  );

  const reviewTx = db.transaction((id: string, c: ReviewChange, deltas: TallyDelta[]) => {
    // IS compares NULL with NULL as equal: the write happens only from the review it was computed from.
    const changed = db
      .prepare('UPDATE responses SET review = ?, review_reason = ?, reviewed_by = ?, reviewed_at = ? WHERE id = ? AND review IS ?')
      .run(c.to, c.reason, c.by, c.at, id, c.from).changes;
    if (!changed) return null;
    applyTallyDeltas(db, deltas);
    return toResponse(byId.get(id) as Row);
  });

  return {
    insert(response, tallies, opens) {
      return commits.insert({ response, tallies, opens });
    },
    async get(id) {
      const r = byId.get(id) as Row | undefined;
      return r ? toResponse(r) : null;
    },
    async findBySubmissionToken(token) {
      const r = byToken.get(token) as Row | undefined;
      return r ? toResponse(r) : null;
    },
    async count(filter) {
      const w = responseWhere(filter);
      return (db.prepare(`SELECT COUNT(*) AS n FROM responses WHERE ${w.sql}`).get(...w.values) as { n: number }).n;
    },
    async list(filter, page) {
      const w = responseWhere(filter);
      const order = page.newestFirst ? 'DESC' : 'ASC';
      return (
        db
          .prepare(`SELECT * FROM responses WHERE ${w.sql} ORDER BY id ${order} LIMIT ? OFFSET ?`)
          .all(...w.values, page.limit, page.offset ?? 0) as Row[]
      ).map(toResponse);
    },
    async *stream(filter) {
      const w = responseWhere(filter);
      const batch = db.prepare(`SELECT * FROM responses WHERE ${w.sql} AND id > ? ORDER BY id LIMIT 500`);
      let after = '';
      for (;;) {
        const rows = batch.all(...w.values, after) as Row[];
        if (rows.length === 0) return;
        for (const r of rows) yield toResponse(r);
        after = rows[rows.length - 1]!.id as string;
        // Let other requests run between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    async *streamForTable(filter) {
      const w = responseWhere(filter);
      // Rows as arrays (raw): no object keyed by every column name per row. The statement is cached by
      // its SQL text (db.ts), which only this method uses, so its raw mode concerns no other reader.
      const batch = db.prepare(`SELECT ${TABLE_COLUMNS} FROM responses WHERE ${w.sql} AND id > ? ORDER BY id LIMIT ${TABLE_BATCH}`).raw(true);
      let after = '';
      for (;;) {
        const rows = batch.all(...w.values, after) as unknown[][];
        if (rows.length === 0) return;
        after = rows[rows.length - 1]![0] as string;
        yield rows.map(toTableResponse);
        // Let other requests run between batches.
        await new Promise((resolve) => setImmediate(resolve));
      }
    },
    async setReview(id, change, deltas) {
      return reviewTx(id, change, deltas);
    },
    async existsForDevice(surveyId, deviceHash) {
      return !!db.prepare('SELECT 1 FROM responses WHERE survey_id = ? AND device_hash = ? LIMIT 1').get(surveyId, deviceHash);
    },
    async deviceAtOtherSite(surveyId, deviceHash, siteId) {
      // Two seeks on (survey_id, device_hash, site_id), one each side of this station: `site_id <> ?`
      // would walk every response of a shared tablet at this station.
      return !!deviceOtherSite.get({ surveyId, deviceHash, siteId });
    },
    countSince,
  };
}
