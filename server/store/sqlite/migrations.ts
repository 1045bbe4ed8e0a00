/**
 * Numbered migrations, applied in order at open; PRAGMA user_version records the last one applied.
 * Never edit a released migration: add the next number.
 */
export const MIGRATIONS: { version: number; name: string; sql: string }[] = [
  {
    version: 1,
    name: 'initial schema',
    sql: `
CREATE TABLE users (
  id TEXT PRIMARY KEY,
  username TEXT NOT NULL UNIQUE,
  password_hash TEXT NOT NULL,
  role TEXT NOT NULL CHECK (role IN ('admin','evaluator','station','viewer')),
  site_ids TEXT NOT NULL DEFAULT '[]',
  active INTEGER NOT NULL DEFAULT 1,
  failed_logins INTEGER NOT NULL DEFAULT 0,
  locked_until TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE sessions (
  id TEXT PRIMARY KEY,
  data TEXT NOT NULL,
  user_id TEXT,
  expires_at TEXT NOT NULL
);
CREATE INDEX sessions_expires ON sessions (expires_at);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE api_tokens (
  id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  name TEXT NOT NULL,
  token_hash TEXT NOT NULL UNIQUE,
  scope TEXT NOT NULL CHECK (scope IN ('read','write')),
  created_at TEXT NOT NULL,
  last_used_at TEXT,
  revoked_at TEXT
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE audit_events (
  id TEXT PRIMARY KEY,
  at TEXT NOT NULL,
  actor_id TEXT,
  actor_name TEXT NOT NULL,
  action TEXT NOT NULL,
  target_type TEXT NOT NULL,
  target_id TEXT,
  details TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX audit_events_at ON audit_events (at);
CREATE INDEX audit_events_action ON audit_events (action, at);
CREATE INDEX audit_events_target ON audit_events (target_id, at);

CREATE TABLE sites (
  id TEXT PRIMARY KEY,
  code TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  township TEXT NOT NULL DEFAULT '',
  kind TEXT NOT NULL CHECK (kind IN ('township','street')),
  recipients INTEGER,
  active INTEGER NOT NULL DEFAULT 1,
  is_demo INTEGER NOT NULL DEFAULT 0,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE surveys (
  id TEXT PRIMARY KEY,
  title TEXT NOT NULL,
  description TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL CHECK (status IN ('draft','open','closed','archived')),
  version INTEGER NOT NULL,
  questions TEXT NOT NULL,
  segment_question_id TEXT,
  settings TEXT NOT NULL,
  locale TEXT NOT NULL,
  time_zone TEXT NOT NULL,
  response_count INTEGER NOT NULL DEFAULT 0,
  is_demo INTEGER NOT NULL DEFAULT 0,
  created_by TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE survey_versions (
  survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  questions TEXT NOT NULL,
  segment_question_id TEXT,
  created_at TEXT NOT NULL,
  PRIMARY KEY (survey_id, version)
);

CREATE TABLE publications (
  id TEXT PRIMARY KEY,
  survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
  site_id TEXT NOT NULL REFERENCES sites (id),
  code TEXT NOT NULL UNIQUE,
  active INTEGER NOT NULL DEFAULT 1,
  created_at TEXT NOT NULL,
  UNIQUE (survey_id, site_id)
);

CREATE TABLE responses (
  id TEXT PRIMARY KEY,
  survey_id TEXT NOT NULL REFERENCES surveys (id),
  version INTEGER NOT NULL,
  site_id TEXT NOT NULL REFERENCES sites (id),
  publication_id TEXT NOT NULL REFERENCES publications (id),
  channel TEXT NOT NULL CHECK (channel IN ('qr','link','assisted')),
  started_at TEXT NOT NULL,
  submitted_at TEXT NOT NULL,
  day TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  answers TEXT NOT NULL,
  segment TEXT NOT NULL DEFAULT '',
  flags TEXT NOT NULL DEFAULT '[]',
  excluded INTEGER NOT NULL DEFAULT 0,
  excluded_reason TEXT,
  excluded_by TEXT,
  excluded_at TEXT,
  device_hash TEXT NOT NULL,
  ip_hash TEXT NOT NULL,
  submission_token TEXT NOT NULL UNIQUE,
  entered_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX responses_survey ON responses (survey_id, id);
CREATE INDEX responses_device ON responses (survey_id, device_hash);
CREATE INDEX responses_publication ON responses (publication_id, submitted_at);

-- One row per tally group (as one document per group in MongoDB); cells is JSON
-- {"<question>~<key>": [count, sum, sumsq]}. '*' in day, site_id, channel or segment marks a rollup.
CREATE TABLE tallies (
  survey_id TEXT NOT NULL,
  day TEXT NOT NULL,
  version INTEGER NOT NULL,
  site_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  segment TEXT NOT NULL,
  state TEXT NOT NULL,
  cells TEXT NOT NULL,
  PRIMARY KEY (survey_id, day, version, site_id, channel, segment, state)
) WITHOUT ROWID;
-- The trend level reads all days of the '*' station: find them without scanning every station's rows.
CREATE INDEX tallies_trend ON tallies (survey_id, site_id, day);

CREATE TABLE evaluations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  locked INTEGER NOT NULL DEFAULT 0,
  is_demo INTEGER NOT NULL DEFAULT 0,
  data TEXT NOT NULL DEFAULT '{}',
  created_by TEXT,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);

CREATE TABLE rate_limits (
  key TEXT PRIMARY KEY,
  count INTEGER NOT NULL,
  reset_at INTEGER NOT NULL
);
`,
  },
  {
    version: 2,
    name: 'users: must change password',
    sql: `
-- Set by an administrator's password reset; existing users keep their passwords as they are.
ALTER TABLE users ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0;
`,
  },
  {
    version: 3,
    name: 'paper channel, paper date, test responses',
    // SQLite cannot change a CHECK constraint in place: the responses table is rebuilt (nothing
    // references it) with 'paper' allowed and the paper date added; indexes are recreated.
    sql: `
CREATE TABLE responses_new (
  id TEXT PRIMARY KEY,
  survey_id TEXT NOT NULL REFERENCES surveys (id),
  version INTEGER NOT NULL,
  site_id TEXT NOT NULL REFERENCES sites (id),
  publication_id TEXT NOT NULL REFERENCES publications (id),
  channel TEXT NOT NULL CHECK (channel IN ('qr','link','assisted','paper')),
  started_at TEXT NOT NULL,
  submitted_at TEXT NOT NULL,
  day TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  answers TEXT NOT NULL,
  segment TEXT NOT NULL DEFAULT '',
  flags TEXT NOT NULL DEFAULT '[]',
  excluded INTEGER NOT NULL DEFAULT 0,
  excluded_reason TEXT,
  excluded_by TEXT,
  excluded_at TEXT,
  device_hash TEXT NOT NULL,
  ip_hash TEXT NOT NULL,
  submission_token TEXT NOT NULL UNIQUE,
  entered_by TEXT,
  is_demo INTEGER NOT NULL DEFAULT 0,
  paper_date TEXT
);
INSERT INTO responses_new (id, survey_id, version, site_id, publication_id, channel, started_at, submitted_at, day, duration_ms,
  answers, segment, flags, excluded, excluded_reason, excluded_by, excluded_at, device_hash, ip_hash, submission_token, entered_by, is_demo)
SELECT id, survey_id, version, site_id, publication_id, channel, started_at, submitted_at, day, duration_ms,
  answers, segment, flags, excluded, excluded_reason, excluded_by, excluded_at, device_hash, ip_hash, submission_token, entered_by, is_demo
FROM responses;
DROP TABLE responses;
ALTER TABLE responses_new RENAME TO responses;
CREATE INDEX responses_survey ON responses (survey_id, id);
CREATE INDEX responses_device ON responses (survey_id, device_hash);
CREATE INDEX responses_publication ON responses (publication_id, submitted_at);

-- Answers given in preview/test mode: kept apart from responses so that no count, tally,
-- statistic or export can ever include them.
CREATE TABLE test_responses (
  id TEXT PRIMARY KEY,
  survey_id TEXT NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  site_id TEXT,
  answers TEXT NOT NULL,
  duration_ms INTEGER NOT NULL,
  submitted_at TEXT NOT NULL,
  entered_by TEXT NOT NULL,
  submission_token TEXT NOT NULL UNIQUE
);
CREATE INDEX test_responses_survey ON test_responses (survey_id, id);
`,
  },
  {
    version: 4,
    name: 'response review: excluded, kept or automatic',
    // A person's decision is now one of two (excluded, kept) rather than a yes/no exclusion; the
    // reason, who and when describe whichever decision stands. Tallies need no change: an excluded
    // response keeps its 'excluded' state, and no response was kept before this migration.
    sql: `
ALTER TABLE responses ADD COLUMN review TEXT CHECK (review IN ('excluded','kept'));
UPDATE responses SET review = 'excluded' WHERE excluded = 1;
ALTER TABLE responses RENAME COLUMN excluded_reason TO review_reason;
ALTER TABLE responses RENAME COLUMN excluded_by TO reviewed_by;
ALTER TABLE responses RENAME COLUMN excluded_at TO reviewed_at;
ALTER TABLE responses DROP COLUMN excluded;
`,
  },
  {
    version: 5,
    name: 'evidence files by content hash',
    // The bytes of 佐证材料, once per SHA-256; which evaluation attaches them, and as what, is in its data.
    sql: `
CREATE TABLE evidence_blobs (
  sha256 TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  type TEXT NOT NULL,
  data BLOB NOT NULL,
  created_at TEXT NOT NULL
);
`,
  },
  {
    version: 6,
    name: 'cases from bad reviews (以评促改), contacts apart, receipts by hash, calendar overrides',
    // One case per response (UNIQUE response_id): a retried submission cannot open a second. The
    // resident's contact lives in its own table, deleted on schedule; receipt codes are kept only
    // as hashes. next_due is the due day of the step a case waits for: the staff's "due" count.
    sql: `
CREATE TABLE cases (
  id TEXT PRIMARY KEY,
  response_id TEXT NOT NULL UNIQUE REFERENCES responses (id) ON DELETE CASCADE,
  survey_id TEXT NOT NULL,
  site_id TEXT NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open','contacted','verified','actioned','closed','reviewed')),
  opened_at TEXT NOT NULL,
  opened_day TEXT NOT NULL,
  contact_due TEXT,
  verify_due TEXT,
  close_due TEXT,
  next_due TEXT,
  calendar_gap INTEGER,
  named INTEGER NOT NULL DEFAULT 0,
  closed_at TEXT,
  appeal TEXT,
  detail TEXT NOT NULL,
  history TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE INDEX cases_survey ON cases (survey_id, id);
CREATE INDEX cases_due ON cases (site_id, next_due) WHERE next_due IS NOT NULL;

CREATE TABLE case_contacts (
  case_id TEXT PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
  phone TEXT NOT NULL,
  callback INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  delete_after TEXT
);
CREATE INDEX case_contacts_delete ON case_contacts (delete_after) WHERE delete_after IS NOT NULL;

CREATE TABLE case_receipts (
  hash TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
  expires_at TEXT
);
CREATE INDEX case_receipts_case ON case_receipts (case_id);

CREATE TABLE calendar_overrides (
  date TEXT PRIMARY KEY,
  work INTEGER NOT NULL
);

-- Where a station worker's 以评促改 notices go (optional).
ALTER TABLE users ADD COLUMN email TEXT;
`,
  },
  {
    version: 8,
    name: 'constant work per submission: response counts apart, catalog stamp, device-by-site index',
    // The count of responses moves out of the 5 KB survey row, which every submission rewrote; a
    // stamp that triggers bump on every write to surveys, publications and stations lets the resident
    // path cache them and check with one tiny read; the device index gains the station, so "this
    // phone answered at another station" is an index seek instead of a DISTINCT over its history.
    sql: `
CREATE TABLE survey_counts (
  survey_id TEXT PRIMARY KEY REFERENCES surveys (id) ON DELETE CASCADE,
  n INTEGER NOT NULL DEFAULT 0
);
INSERT INTO survey_counts (survey_id, n) SELECT id, response_count FROM surveys WHERE response_count <> 0;
ALTER TABLE surveys DROP COLUMN response_count;

CREATE TABLE catalog_stamp (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
INSERT INTO catalog_stamp (id, n) VALUES (1, 0);
CREATE TRIGGER surveys_stamp_insert AFTER INSERT ON surveys BEGIN UPDATE catalog_stamp SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER surveys_stamp_update AFTER UPDATE ON surveys BEGIN UPDATE catalog_stamp SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER surveys_stamp_delete AFTER DELETE ON surveys BEGIN UPDATE catalog_stamp SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER publications_stamp_insert AFTER INSERT ON publications BEGIN UPDATE catalog_stamp SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER publications_stamp_update AFTER UPDATE ON publications BEGIN UPDATE catalog_stamp SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER publications_stamp_delete AFTER DELETE ON publications BEGIN UPDATE catalog_stamp SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER sites_stamp_insert AFTER INSERT ON sites BEGIN UPDATE catalog_stamp SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER sites_stamp_update AFTER UPDATE ON sites BEGIN UPDATE catalog_stamp SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER sites_stamp_delete AFTER DELETE ON sites BEGIN UPDATE catalog_stamp SET n = n + 1 WHERE id = 1; END;

DROP INDEX responses_device;
CREATE INDEX responses_device ON responses (survey_id, device_hash, site_id);
`,
  },
  {
    version: 9,
    name: 'the working-day calendar bumps the catalog stamp',
    // A bad review opens a case whose deadlines follow the calendar; with the stamp moving on every
    // calendar write too, the calendar can be kept in memory and checked with the same tiny read.
    sql: `
CREATE TRIGGER calendar_stamp_insert AFTER INSERT ON calendar_overrides BEGIN UPDATE catalog_stamp SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER calendar_stamp_update AFTER UPDATE ON calendar_overrides BEGIN UPDATE catalog_stamp SET n = n + 1 WHERE id = 1; END;
CREATE TRIGGER calendar_stamp_delete AFTER DELETE ON calendar_overrides BEGIN UPDATE catalog_stamp SET n = n + 1 WHERE id = 1; END;
`,
  },
];
