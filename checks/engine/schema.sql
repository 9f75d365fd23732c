-- The results store. Portable SQL on purpose (runs unchanged on SQLite and PostgreSQL): plain TEXT /
-- INTEGER / REAL columns, ISO-8601 timestamps as TEXT, JSON as TEXT, composite keys instead of
-- auto-increment, no SQLite-only pragmas or types. Bump schema_version when a column changes.

CREATE TABLE IF NOT EXISTS schema_version (
  version INTEGER NOT NULL
);

-- One row per audit run. Inserted as 'incomplete' when the run starts (its own transaction) and
-- completed with everything else in one transaction at the end, so a crash leaves it incomplete and
-- never touches earlier runs.
CREATE TABLE IF NOT EXISTS runs (
  id TEXT PRIMARY KEY,
  -- Insertion order within this store: breaks ties between runs that started in the same millisecond.
  seq INTEGER NOT NULL,
  school TEXT NOT NULL,
  -- The school identity block (name, jurisdiction, standards, file) as JSON.
  school_json TEXT NOT NULL,
  started TEXT NOT NULL,
  finished TEXT,
  as_of TEXT NOT NULL,
  status TEXT NOT NULL,
  score REAL,
  pass_count INTEGER NOT NULL DEFAULT 0,
  fail_count INTEGER NOT NULL DEFAULT 0,
  error_count INTEGER NOT NULL DEFAULT 0,
  na_count INTEGER NOT NULL DEFAULT 0,
  waived_count INTEGER NOT NULL DEFAULT 0,
  attestations_json TEXT NOT NULL DEFAULT '[]',
  warnings_json TEXT NOT NULL DEFAULT '[]',
  tool_version TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_school_seq ON runs (school, seq);

-- One row per finding, in the order the engine produced them.
CREATE TABLE IF NOT EXISTS findings (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  finding_key TEXT NOT NULL,
  check_id TEXT NOT NULL,
  status TEXT NOT NULL,
  waived_status TEXT,
  severity TEXT NOT NULL,
  reason TEXT NOT NULL,
  personal TEXT,
  controls_json TEXT NOT NULL,
  clauses_json TEXT NOT NULL,
  refs_json TEXT NOT NULL,
  params_json TEXT NOT NULL,
  waiver_json TEXT,
  PRIMARY KEY (run_id, seq)
);
CREATE INDEX IF NOT EXISTS findings_key ON findings (finding_key);

-- Expected vs actual per finding; a finding may carry several.
CREATE TABLE IF NOT EXISTS evidence (
  run_id TEXT NOT NULL,
  finding_seq INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  source TEXT NOT NULL,
  object TEXT,
  expected TEXT,
  actual TEXT,
  PRIMARY KEY (run_id, finding_seq, seq),
  FOREIGN KEY (run_id, finding_seq) REFERENCES findings (run_id, seq) ON DELETE CASCADE
);

-- The clause map, thresholds and waivers the run was judged against (JSON), so a past report can be
-- re-rendered exactly.
CREATE TABLE IF NOT EXISTS effective_policy (
  run_id TEXT PRIMARY KEY REFERENCES runs (id) ON DELETE CASCADE,
  clause_map_version TEXT NOT NULL,
  policy_json TEXT NOT NULL
);

-- Which devices and sources answered.
CREATE TABLE IF NOT EXISTS devices (
  run_id TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  name TEXT NOT NULL,
  kind TEXT NOT NULL,
  ok INTEGER NOT NULL,
  error_code TEXT,
  error_message TEXT,
  error_hint TEXT,
  collected_at TEXT,
  ms INTEGER,
  PRIMARY KEY (run_id, kind, name)
);

-- The nightly runner (scripts/schedule/records.ts): one row per scheduled firing (the run it produced,
-- how it ended, or why it was skipped) and one per delivery series (channel, recipient, attempts).
CREATE TABLE IF NOT EXISTS scheduled_runs (
  school TEXT NOT NULL,
  fire_key TEXT NOT NULL,
  fired_at TEXT NOT NULL,
  run_id TEXT,
  started TEXT,
  finished TEXT,
  outcome TEXT NOT NULL,
  exit_code INTEGER,
  message TEXT,
  PRIMARY KEY (school, fire_key, fired_at)
);
CREATE TABLE IF NOT EXISTS deliveries (
  run_id TEXT NOT NULL,
  channel TEXT NOT NULL,
  recipient TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  last_error TEXT,
  updated TEXT NOT NULL,
  PRIMARY KEY (run_id, channel, recipient)
);
-- The single-process scheduler's fire ledger (scripts/schedule/fires.ts): one row per school and local
-- fire time, written before anything runs, so a restart knows what ran, what is owed and what was missed.
CREATE TABLE IF NOT EXISTS schedule_fires (
  school TEXT NOT NULL,
  fire_key TEXT NOT NULL,
  fired_at TEXT NOT NULL,
  state TEXT NOT NULL,
  run_id TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  updated TEXT NOT NULL,
  message TEXT,
  PRIMARY KEY (school, fire_key)
);
