/**
 * The results store: every audit run with its findings, evidence, the devices that answered and the
 * effective policy, on the built-in `node:sqlite`. The schema (`schema.sql`) is portable so a
 * PostgreSQL store can follow with the same tables; only this file knows it is SQLite.
 *
 * Crash safety: `beginRun` commits an `incomplete` run row on its own; `finishRun` writes everything
 * else and completes the row in one transaction. A process killed in between leaves that run
 * `incomplete` and every earlier run untouched (WAL journal, one transaction per run).
 */
import { privateFile } from '../../inventory/private-files.ts';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import type { SQLInputValue } from 'node:sqlite';
import type { Evidence, Severity, Status } from '../types.ts';
import type {
  Attestation,
  AuditRun,
  DeviceStatus,
  EffectivePolicy,
  RunCounts,
  RunFinding,
  RunSchool,
  RunStatus,
  RunWarning,
} from './types.ts';

const SCHEMA_VERSION = 1;

/** `$XDG_DATA_HOME/schoolnet/results.db`, else `~/.local/share/schoolnet/results.db`. */
export function defaultStorePath(env: NodeJS.ProcessEnv = process.env): string {
  const base =
    env.XDG_DATA_HOME && env.XDG_DATA_HOME !== '' ? env.XDG_DATA_HOME : join(homedir(), '.local', 'share');
  return join(base, 'schoolnet', 'results.db');
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
export type RunStart = Pick<AuditRun, 'id' | 'school' | 'started' | 'asOf' | 'toolVersion'>;

export interface ResultsStore {
  readonly path: string;
  /** Records the run as `incomplete`, committed at once. */
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

function schemaSql(): string {
  return readFileSync(new URL('./schema.sql', import.meta.url), 'utf8');
}

export function openStore(path: string = defaultStorePath()): ResultsStore {
  // The schema is ready for PostgreSQL; the driver is not written yet, so say so rather than create a
  // file called "postgres:".
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(path))
    throw new StoreError(
      path,
      'only a SQLite file path is supported for now (a PostgreSQL store can follow with the same schema)',
    );
  let db: DatabaseSync;
  try {
    if (path !== ':memory:') privateFile(path); // 0600 in a 0700 folder: it holds account names
    db = new DatabaseSync(path);
    // Driver settings, not schema: WAL keeps readers and a crashed writer from harming committed runs;
    // the busy timeout lets the nightly daemon and a manual audit share one file.
    db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
    db.exec(schemaSql());
    const row = db.prepare('SELECT version FROM schema_version').get() as { version: number } | undefined;
    if (row === undefined) db.prepare('INSERT INTO schema_version (version) VALUES (?)').run(SCHEMA_VERSION);
    else if (row.version !== SCHEMA_VERSION)
      throw new StoreError(path, `schema version ${row.version}, this schoolnet expects ${SCHEMA_VERSION}`);
  } catch (e) {
    if (e instanceof StoreError) throw e;
    throw new StoreError(path, `cannot open: ${(e as Error).message}`, { cause: e });
  }
  return new SqliteStore(path, db);
}

interface RunRow {
  id: string;
  school_json: string;
  started: string;
  finished: string | null;
  as_of: string;
  status: string;
  score: number | null;
  pass_count: number;
  fail_count: number;
  error_count: number;
  na_count: number;
  waived_count: number;
  attestations_json: string;
  warnings_json: string;
  tool_version: string;
}

interface FindingRow {
  seq: number;
  finding_key: string;
  check_id: string;
  status: string;
  waived_status: string | null;
  severity: string;
  reason: string;
  personal: string | null;
  controls_json: string;
  clauses_json: string;
  refs_json: string;
  params_json: string;
  waiver_json: string | null;
}

interface EvidenceRow {
  finding_seq: number;
  source: string;
  object: string | null;
  expected: string | null;
  actual: string | null;
}

interface DeviceRow {
  name: string;
  kind: string;
  ok: number;
  error_code: string | null;
  error_message: string | null;
  error_hint: string | null;
  collected_at: string | null;
  ms: number | null;
}

const n = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

class SqliteStore implements ResultsStore {
  readonly path: string;
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
          `INSERT INTO runs (id, seq, school, school_json, started, as_of, status, tool_version)
           VALUES (?, ?, ?, ?, ?, ?, 'incomplete', ?)`,
        )
        .run(run.id, next, run.school.id, JSON.stringify(run.school), run.started, run.asOf, run.toolVersion);
    });
  }

  finishRun(run: AuditRun): void {
    const db = this.#db;
    this.#tx(() => {
      const exists = db.prepare('SELECT id FROM runs WHERE id = ?').get(run.id);
      if (exists === undefined) throw new StoreError(this.path, `run ${run.id} was never begun`);
      // Idempotent: finishing twice replaces the children rather than duplicating them.
      for (const t of ['evidence', 'findings', 'effective_policy', 'devices'])
        db.prepare(`DELETE FROM ${t} WHERE run_id = ?`).run(run.id);
      const insF = db.prepare(
        `INSERT INTO findings (run_id, seq, finding_key, check_id, status, waived_status, severity, reason,
           personal, controls_json, clauses_json, refs_json, params_json, waiver_json)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      const insE = db.prepare(
        `INSERT INTO evidence (run_id, finding_seq, seq, source, object, expected, actual)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      );
      run.findings.forEach((f, i) => {
        insF.run(
          run.id,
          i,
          f.key,
          f.checkId,
          f.status,
          n(f.waivedStatus),
          f.severity,
          f.reason,
          n(f.personal),
          JSON.stringify(f.controls),
          JSON.stringify(f.clauses),
          JSON.stringify(f.references),
          JSON.stringify(f.params),
          f.waiver === undefined ? null : JSON.stringify(f.waiver),
        );
        f.evidence.forEach((e, j) => {
          insE.run(run.id, i, j, e.source, n(e.object), n(e.expected), n(e.actual));
        });
      });
      db.prepare(
        'INSERT INTO effective_policy (run_id, clause_map_version, policy_json) VALUES (?, ?, ?)',
      ).run(run.id, run.effectivePolicy.clauseMap.version, JSON.stringify(run.effectivePolicy));
      const insD = db.prepare(
        `INSERT INTO devices (run_id, seq, name, kind, ok, error_code, error_message, error_hint, collected_at, ms)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      );
      for (const [i, d] of run.devices.entries())
        insD.run(
          run.id,
          i,
          d.name,
          d.kind,
          d.ok ? 1 : 0,
          n(d.error?.code),
          n(d.error?.message),
          n(d.error?.hint),
          n(d.collectedAt),
          d.ms === undefined ? null : Math.round(d.ms),
        );
      const c = run.counts;
      const vals: SQLInputValue[] = [
        n(run.finished),
        run.status,
        run.score,
        c.pass,
        c.fail,
        c.error,
        c.not_applicable,
        c.waived,
        JSON.stringify(run.attestations),
        JSON.stringify(run.warnings),
        JSON.stringify(run.school),
        run.asOf,
        run.id,
      ];
      db.prepare(
        `UPDATE runs SET finished = ?, status = ?, score = ?, pass_count = ?, fail_count = ?, error_count = ?,
           na_count = ?, waived_count = ?, attestations_json = ?, warnings_json = ?, school_json = ?, as_of = ?
         WHERE id = ?`,
      ).run(...vals);
    });
  }

  #summary(r: RunRow): RunSummary {
    const s: RunSummary = {
      id: r.id,
      school: JSON.parse(r.school_json) as RunSchool,
      started: r.started,
      asOf: r.as_of,
      status: r.status === 'complete' ? 'complete' : 'incomplete',
      score: r.score,
      counts: {
        pass: r.pass_count,
        fail: r.fail_count,
        error: r.error_count,
        not_applicable: r.na_count,
        waived: r.waived_count,
      },
      toolVersion: r.tool_version,
    };
    if (r.finished !== null) s.finished = r.finished;
    return s;
  }

  getRun(id: string): AuditRun | undefined {
    const db = this.#db;
    const r = db.prepare('SELECT * FROM runs WHERE id = ?').get(id) as RunRow | undefined;
    if (r === undefined) return undefined;
    const evidence = new Map<number, Evidence[]>();
    for (const e of db
      .prepare('SELECT * FROM evidence WHERE run_id = ? ORDER BY finding_seq, seq')
      .all(id) as unknown as EvidenceRow[]) {
      const ev: Evidence = { source: e.source };
      if (e.object !== null) ev.object = e.object;
      if (e.expected !== null) ev.expected = e.expected;
      if (e.actual !== null) ev.actual = e.actual;
      const list = evidence.get(e.finding_seq) ?? [];
      list.push(ev);
      evidence.set(e.finding_seq, list);
    }
    const findings = (
      db.prepare('SELECT * FROM findings WHERE run_id = ? ORDER BY seq').all(id) as unknown as FindingRow[]
    ).map((f) => {
      const out: RunFinding = {
        checkId: f.check_id,
        key: f.finding_key,
        status: f.status as Status,
        severity: f.severity as Severity,
        reason: f.reason,
        evidence: evidence.get(f.seq) ?? [],
        controls: JSON.parse(f.controls_json) as string[],
        clauses: JSON.parse(f.clauses_json) as string[],
        references: JSON.parse(f.refs_json) as string[],
        params: JSON.parse(f.params_json) as Record<string, unknown>,
      };
      if (f.waived_status !== null) out.waivedStatus = f.waived_status as Exclude<Status, 'waived'>;
      if (f.personal !== null) out.personal = f.personal as NonNullable<RunFinding['personal']>;
      if (f.waiver_json !== null) out.waiver = JSON.parse(f.waiver_json) as NonNullable<RunFinding['waiver']>;
      return out;
    });
    const devices = (
      db.prepare('SELECT * FROM devices WHERE run_id = ? ORDER BY seq').all(id) as unknown as DeviceRow[]
    ).map((d) => {
      const out: DeviceStatus = { name: d.name, kind: d.kind as DeviceStatus['kind'], ok: d.ok === 1 };
      if (d.error_code !== null) {
        out.error = { code: d.error_code, message: d.error_message ?? '' };
        if (d.error_hint !== null) out.error.hint = d.error_hint;
      }
      if (d.collected_at !== null) out.collectedAt = d.collected_at;
      if (d.ms !== null) out.ms = d.ms;
      return out;
    });
    const pol = db.prepare('SELECT policy_json FROM effective_policy WHERE run_id = ?').get(id) as
      { policy_json: string } | undefined;
    const s = this.#summary(r);
    const run: AuditRun = {
      ...s,
      findings,
      attestations: JSON.parse(r.attestations_json) as Attestation[],
      warnings: JSON.parse(r.warnings_json) as RunWarning[],
      effectivePolicy:
        pol === undefined
          ? { clauseMap: { file: '', version: '', clauses: [] }, params: {}, waivers: [] }
          : (JSON.parse(pol.policy_json) as EffectivePolicy),
      devices,
    };
    return run;
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

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
