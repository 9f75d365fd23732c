/**
 * The results store: every audit run with its findings, evidence, the devices that answered and the
 * effective policy, on the built-in `node:sqlite` (this file) or PostgreSQL (`store-pg.ts`, for
 * `postgres://` URLs). The schema (`schema.sql` + `migrations.ts`) is portable: both stores run it.
 *
 * Crash safety: `beginRun` commits an `incomplete` run row on its own; `finishRun` writes everything
 * else and completes the row in one transaction. A process killed in between leaves that run
 * `incomplete` and every earlier run untouched (WAL journal, one transaction per run).
 */
import { privateFile } from '../../inventory/private-files.ts';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SQLInputValue } from 'node:sqlite';
import { MIGRATIONS, SCHEMA_VERSION } from './migrations.ts';
import { assembleRun, childRows, finishedRunColumns, orNull as n, summaryOf } from './store-rows.ts';
import type { DeviceRow, EvidenceRow, FindingRow, RunRow } from './store-rows.ts';
import { openPgStore } from './store-pg.ts';
import type { AuditRun, RunCounts, RunSchool, RunStatus } from './types.ts';

/**
 * The store to use: `SCHOOLNET_STORE` (a file path or a postgres:// URL) when set, else
 * `$XDG_DATA_HOME/schoolnet/results.db`, else `~/.local/share/schoolnet/results.db`.
 */
export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SCHOOLNET_STORE !== undefined && env.SCHOOLNET_STORE !== '') return env.SCHOOLNET_STORE;
  const base =
    env.XDG_DATA_HOME && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(base, 'schoolnet', 'results.db');
}

/** True for a `postgres://` or `postgresql://` store URL. */
export function isPostgresStore(target: string): boolean {
  return /^postgres(ql)?:\/\//i.test(target);
}

/** `--store` as given (or the default): a URL stays as it is, a file path is made absolute. */
export function storeTarget(given: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const t = given ?? defaultStorePath(env);
  return isPostgresStore(t) || t === ':memory:' ? t : resolve(t);
}

/** A run without its findings, for listings. */
export interface RunSummary {
  id: string;
  school: RunSchool;
  started: string;
  finished?: string;
  asOf: string;
  status: RunStatus;
  score: number | null;
  counts: RunCounts;
  toolVersion: string;
}

/** The fields `beginRun` records before anything has been collected. */
export type RunStart = Pick<AuditRun, 'id' | 'school' | 'started' | 'asOf' | 'toolVersion'> & {
  /** The audit night of a nightly job (one run per school and night). */
  night?: string;
};

export interface ResultsStore {
  /** The file, or the URL without its password. */
  readonly path: string;
  readonly kind: 'sqlite' | 'postgres';
  /**
   * Records the run as `incomplete`, committed at once. Beginning a run id again (a retried job)
   * restarts it, unless it is already complete.
   */
  beginRun(run: RunStart): void;
  /** Writes the whole run (findings, evidence, devices, policy) and its final status in one transaction. */
  finishRun(run: AuditRun): void;
  getRun(id: string): AuditRun | undefined;
  /** Newest first. */
  listRuns(opts?: { school?: string; limit?: number; status?: RunStatus }): RunSummary[];
  /** The school's most recent run, whatever its status. */
  latestRun(school: string): AuditRun | undefined;
  /** The most recent complete run of the school before the given run: the trend baseline. */
  previousRun(school: string, beforeRunId: string): AuditRun | undefined;
  /** The run recorded for a school's audit night, if any. */
  runForNight(school: string, night: string): RunSummary | undefined;
  close(): void;
}

export class StoreError extends Error {
  readonly path: string;
  constructor(path: string, message: string, opts?: { cause?: unknown }) {
    super(`results store ${path}: ${message}`, opts);
    this.name = 'StoreError';
    this.path = path;
  }
}

export function schemaSql(): string {
  return readFileSync(new URL('./schema.sql', import.meta.url), 'utf8');
}

/** Inserts rows whose keys are the table's columns (one prepared statement per table and call). */
function insertRows(db: DatabaseSync, table: string, rows: readonly Record<string, unknown>[]): void {
  const first = rows[0];
  if (first === undefined) return;
  const cols = Object.keys(first);
  const stmt = db.prepare(
    `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`,
  );
  for (const r of rows) stmt.run(...cols.map((c) => r[c] as SQLInputValue));
}

export function openStore(path: string = defaultStorePath()): ResultsStore {
  if (isPostgresStore(path)) return openPgStore(path);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path))
    throw new StoreError(path, 'a store is a SQLite file path or a postgres:// URL');
  let db: DatabaseSync;
  try {
    if (path !== ':memory:') privateFile(path); // 0600 in a 0700 folder: it holds account names
    db = new DatabaseSync(path);
    // Driver settings, not schema: WAL keeps readers and a crashed writer from harming committed runs;
    // the busy timeout lets the nightly daemon and a manual audit share one file.
    db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
    // One writer migrates: BEGIN IMMEDIATE takes the write lock before the version is read.
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(schemaSql());
      const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
      let version = row?.version ?? 1;
      if (row === undefined) db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(1);
      if (version > SCHEMA_VERSION)
        throw new StoreError(path, `schema version ${version}, this schoolnet expects ${SCHEMA_VERSION}`);
      for (const m of MIGRATIONS)
        if (m.to > version) {
          db.exec(m.sql);
          version = m.to;
        }
      db.prepare('UPDATE schema_version SET version = ?').run(version);
      db.exec('COMMIT');
    } catch (e) {
      db.exec('ROLLBACK');
      throw e;
    }
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError(path, `cannot open: ${(e as Error).message}`, { cause: e });
  }
  return new SqliteStore(path, db);
}

class SqliteStore implements ResultsStore {
  readonly path: string;
  readonly kind = 'sqlite' as const;
  readonly #db: DatabaseSync;

  constructor(path: string, db: DatabaseSync) {
    this.path = path;
    this.#db = db;
  }

  #tx<T>(fn: () => T): T {
    this.#db.exec('BEGIN');
    try {
      const out = fn();
      this.#db.exec('COMMIT');
      return out;
    } catch (e) {
      this.#db.exec('ROLLBACK');
      throw e;
    }
  }

  beginRun(run: RunStart): void {
    this.#tx(() => {
      const { next } = this.#db.prepare('SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM runs').get() as {
        next: number;
      };
      this.#db
        .prepare(
          `INSERT INTO runs (id, seq, school, school_json, started, as_of, status, tool_version, night)
           VALUES (?, ?, ?, ?, ?, ?, 'incomplete', ?, ?)
           ON CONFLICT (id) DO UPDATE SET school_json = excluded.school_json, started = excluded.started,
             as_of = excluded.as_of, status = 'incomplete', tool_version = excluded.tool_version
           WHERE runs.status <> 'complete'`,
        )
        .run(
          run.id,
          next,
          run.school.id,
          JSON.stringify(run.school),
          run.started,
          run.asOf,
          run.toolVersion,
          n(run.night),
        );
    });
  }

  finishRun(run: AuditRun): void {
    const db = this.#db;
    this.#tx(() => {
      const exists = db.prepare('SELECT night, status FROM runs WHERE id = ?').get(run.id) as
        { night: string | null; status: string } | undefined;
      if (exists === undefined) throw new StoreError(this.path, `run ${run.id} was never begun`);
      // A school-night's complete run is kept: a second attempt finishing late changes nothing (as
      // on PostgreSQL, store-pg.ts KEPT).
      if (exists.night !== null && exists.status === 'complete') return;
      // Idempotent: finishing twice replaces the children rather than duplicating them.
      for (const t of ['evidence', 'findings', 'effective_policy', 'devices'])
        db.prepare(`DELETE FROM ${t} WHERE run_id = ?`).run(run.id);
      // The same row mapping as PostgreSQL (store-rows.ts): columns named by the rows' keys.
      const rows = childRows(run);
      for (const [table, list] of [
        ['findings', rows.findings],
        ['evidence', rows.evidence],
        ['devices', rows.devices],
      ] as const)
        insertRows(db, table, list);
      db.prepare(
        'INSERT INTO effective_policy (run_id, clause_map_version, policy_json) VALUES (?, ?, ?)',
      ).run(run.id, run.effectivePolicy.clauseMap.version, JSON.stringify(run.effectivePolicy));
      const cols = finishedRunColumns(run);
      db.prepare(`UPDATE runs SET ${cols.map(([col]) => `${col} = ?`).join(', ')} WHERE id = ?`).run(
        ...cols.map(([, v]) => v),
        run.id,
      );
    });
  }

  #summary(r: RunRow): RunSummary {
    return summaryOf(r);
  }

  getRun(id: string): AuditRun | undefined {
    const db = this.#db;
    const r = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (r === undefined) return undefined;
    const evidence = db
      .prepare('SELECT * FROM evidence WHERE run_id = ? ORDER BY finding_seq, seq')
      .all(id) as unknown as EvidenceRow[];
    const findings = db
      .prepare('SELECT * FROM findings WHERE run_id = ? ORDER BY seq')
      .all(id) as unknown as FindingRow[];
    const devices = db
      .prepare('SELECT * FROM devices WHERE run_id = ? ORDER BY seq')
      .all(id) as unknown as DeviceRow[];
    const pol = db.prepare('SELECT policy_json FROM effective_policy WHERE run_id = ?').get(id) as
      { policy_json: string } | undefined;
    return assembleRun(r, findings, evidence, devices, pol?.policy_json);
  }

  listRuns(opts: { school?: string; limit?: number; status?: RunStatus } = {}): RunSummary[] {
    const where: string[] = [];
    const args: SQLInputValue[] = [];
    if (opts.school !== undefined) {
      where.push('school = ?');
      args.push(opts.school);
    }
    if (opts.status !== undefined) {
      where.push('status = ?');
      args.push(opts.status);
    }
    const limit = opts.limit ?? 100;
    const sql = `SELECT * FROM runs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY started DESC, seq DESC LIMIT ${Math.max(0, Math.floor(limit))}`;
    return (this.#db.prepare(sql).all(...args) as unknown as RunRow[]).map((r) => this.#summary(r));
  }

  latestRun(school: string): AuditRun | undefined {
    const r = this.#db
      .prepare('SELECT id FROM runs WHERE school = ? ORDER BY started DESC, seq DESC LIMIT 1')
      .get(school) as { id: string } | undefined;
    return r === undefined ? undefined : this.getRun(r.id);
  }

  previousRun(school: string, beforeRunId: string): AuditRun | undefined {
    const before = this.#db.prepare('SELECT started, seq FROM runs WHERE id = ?').get(beforeRunId) as
      { started: string; seq: number } | undefined;
    if (before === undefined) return undefined;
    const r = this.#db
      .prepare(
        `SELECT id FROM runs WHERE school = ? AND status = 'complete' AND id <> ?
           AND (started < ? OR (started = ? AND seq < ?))
         ORDER BY started DESC, seq DESC LIMIT 1`,
      )
      .get(school, beforeRunId, before.started, before.started, before.seq) as { id: string } | undefined;
    return r === undefined ? undefined : this.getRun(r.id);
  }

  runForNight(school: string, night: string): RunSummary | undefined {
    const r = this.#db.prepare('SELECT * FROM runs WHERE school = ? AND night = ?').get(school, night) as
      RunRow | undefined;
    return r === undefined ? undefined : this.#summary(r);
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

/** `--store` help: never prints the default's value (a URL in SCHOOLNET_STORE may hold a password). */
export function storeHelp(): string {
  return 'results store: a SQLite file or a postgres:// URL (default $SCHOOLNET_STORE, else ~/.local/share/schoolnet/results.db)';
}
