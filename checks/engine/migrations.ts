/**
 * Schema changes after `schema.sql` (version 1), applied in order by both stores (SQLite and
 * PostgreSQL) inside the transaction that checks the version, so two processes opening the same store
 * never migrate it twice. Portable SQL only.
 */
export const SCHEMA_VERSION = 4;

export const MIGRATIONS: readonly { to: number; sql: string }[] = [
  {
    // The audit night (the school's local date) a nightly job's run stands for: at most one run per
    // school and night, whichever agent or attempt wrote it. Manual runs leave it NULL (never equal).
    // Agents report their health here (the roll-up shows it), and the planner records each school's
    // site (what an agent's role may see).
    to: 2,
    sql: `
ALTER TABLE runs ADD COLUMN night TEXT;
CREATE UNIQUE INDEX IF NOT EXISTS runs_school_night ON runs (school, night);
CREATE TABLE IF NOT EXISTS agents (
  name TEXT PRIMARY KEY,
  site TEXT NOT NULL,
  version TEXT NOT NULL,
  host TEXT NOT NULL,
  started TEXT NOT NULL,
  last_seen TEXT NOT NULL,
  state TEXT NOT NULL,
  running INTEGER NOT NULL DEFAULT 0,
  jobs_done INTEGER NOT NULL DEFAULT 0,
  jobs_failed INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS school_sites (
  school TEXT PRIMARY KEY,
  site TEXT NOT NULL
);
`,
  },
  {
    // The clause whose limits a finding was judged against (a check cited by clauses with different
    // limits is judged once per set of limits). NULL for a check no clause cites, and in older runs.
    to: 3,
    sql: `ALTER TABLE findings ADD COLUMN judged_against TEXT;`,
  },
  {
    // The fire ledger (scripts/schedule/fires.ts), also the central planner's account of each
    // school-night (scripts/fleet/nights.ts): in schema.sql for new stores, created here for stores made
    // before it; its passes look fires up by state.
    to: 4,
    sql: `
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
CREATE INDEX IF NOT EXISTS schedule_fires_state ON schedule_fires (state);
`,
  },
];
