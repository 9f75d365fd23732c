/**
 * What the planner and the agents record in the PostgreSQL store besides runs (tables of
 * checks/engine/schema.sql and migrations.ts, schema `schoolnet`): agents' health, each school's site,
 * the nightly records (scheduled_runs: each planned night and each dead letter; deliveries), and the
 * fire ledger of scripts/schedule/fires.ts keyed by school and night (`schedule_fires`). The same
 * synchronous connection as the store (pg-sync.ts). No secret is ever written here.
 */
import { hostname } from 'node:os';
import { SyncPg } from '../../checks/engine/pg-sync.ts';
import { pgClientConfig } from '../../checks/engine/store-pg.ts';
import { FireLedger } from '../schedule/fires.ts';
import type { FireState } from '../schedule/fires.ts';
import type { DeliveryRecord, ScheduledRunRecord } from '../schedule/records.ts';

export interface AgentHealth {
  name: string;
  site: string;
  version: string;
  host: string;
  started: string;
  lastSeen: string;
  state: 'running' | 'stopping' | 'stopped';
  running: number;
  jobsDone: number;
  jobsFailed: number;
}

export interface DeadLetter {
  school: string;
  night: string;
  failedAt: string;
  message: string;
}

/** One agent's health row: written by the agent itself (async, agent.ts) and read by the roll-up. */
export const UPSERT_AGENT = `INSERT INTO agents (name, site, version, host, started, last_seen, state, running, jobs_done, jobs_failed)
   VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
   ON CONFLICT (name) DO UPDATE SET site = excluded.site, version = excluded.version, host = excluded.host,
     started = excluded.started, last_seen = excluded.last_seen, state = excluded.state,
     running = excluded.running, jobs_done = excluded.jobs_done, jobs_failed = excluded.jobs_failed`;

export function agentRow(a: AgentHealth): (string | number)[] {
  return [
    a.name,
    a.site,
    a.version,
    a.host,
    a.started,
    a.lastSeen,
    a.state,
    a.running,
    a.jobsDone,
    a.jobsFailed,
  ];
}

const n = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

/** The ledger's `?` placeholders as PostgreSQL's `$1…` (the ledger's SQL has no `?` in a literal). */
export function pgPlaceholders(sql: string): string {
  let i = 0;
  return sql.replace(/\?/g, () => `$${++i}`);
}

/** The states an agent may take a school-night's fire to `started` from (a retry restarts it). */
const CLAIMABLE: readonly FireState[] = ['scheduled', 'queued', 'started'];

export class FleetRecords {
  readonly #db: SyncPg;

  constructor(url: string, appName = 'schoolnet-fleet') {
    this.#db = new SyncPg(pgClientConfig(url, appName), { reconnectMs: 60_000 });
  }

  /**
   * Whether pg-boss's schema exists yet, and whether this login should work in it as `role`: the role
   * owns the schema (`db roles` made it so) and this login has its privileges (a member, or a superuser).
   */
  bossAccess(role: string, schema: string): { schemaExists: boolean; asRole: boolean } {
    const r = this.#db.query<{ schema_exists: boolean; as_role: boolean }>(
      `SELECT to_regnamespace($1) IS NOT NULL AS schema_exists,
              EXISTS (SELECT 1 FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner
                      WHERE n.nspname = $1 AND r.rolname = $2 AND pg_has_role(current_user, r.oid, 'USAGE')) AS as_role`,
      [schema, role],
    )[0];
    return { schemaExists: r?.schema_exists === true, asRole: r?.as_role === true };
  }

  upsertAgent(a: AgentHealth): void {
    this.#db.query(UPSERT_AGENT, agentRow(a));
  }

  agents(): AgentHealth[] {
    return this.#db
      .query<Record<string, string | number>>('SELECT * FROM agents ORDER BY site, name')
      .map((r) => ({
        name: String(r.name),
        site: String(r.site),
        version: String(r.version),
        host: String(r.host),
        started: String(r.started),
        lastSeen: String(r.last_seen),
        state: String(r.state) as AgentHealth['state'],
        running: Number(r.running),
        jobsDone: Number(r.jobs_done),
        jobsFailed: Number(r.jobs_failed),
      }));
  }

  /** Replaces the school → site map (what each agent role may see). */
  setSchoolSites(map: Map<string, string>): void {
    const rows = [...map].map(([school, site]) => ({ school, site }));
    this.#db.batch(
      [
        {
          sql: `INSERT INTO school_sites SELECT * FROM json_populate_recordset(NULL::school_sites, $1::json)
                ON CONFLICT (school) DO UPDATE SET site = excluded.site`,
          params: [JSON.stringify(rows)],
        },
        { sql: 'DELETE FROM school_sites WHERE NOT (school = ANY($1::text[]))', params: [[...map.keys()]] },
      ],
      true,
    );
  }

  scheduled(r: ScheduledRunRecord): void {
    this.#db.query(
      `INSERT INTO scheduled_runs (school, fire_key, fired_at, run_id, started, finished, outcome, exit_code, message)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
       ON CONFLICT (school, fire_key, fired_at) DO UPDATE SET run_id = COALESCE(excluded.run_id, scheduled_runs.run_id),
         started = COALESCE(excluded.started, scheduled_runs.started), finished = excluded.finished,
         outcome = excluded.outcome, exit_code = excluded.exit_code, message = excluded.message`,
      [
        r.school,
        r.fireKey,
        r.firedAt,
        n(r.runId),
        n(r.started),
        n(r.finished),
        r.outcome,
        n(r.exitCode),
        n(r.message),
      ],
    );
  }

  delivery(d: DeliveryRecord): void {
    this.#db.query(
      `INSERT INTO deliveries (run_id, channel, recipient, status, attempts, last_error, updated)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (run_id, channel, recipient) DO UPDATE SET status = excluded.status,
         attempts = excluded.attempts, last_error = excluded.last_error, updated = excluded.updated`,
      [d.runId, d.channel, d.recipient, d.status, d.attempts, n(d.lastError), d.updated],
    );
  }

  /** How many delivery rows a run has (any outcome): a run with some was delivered already. */
  deliveryCount(runId: string): number {
    return Number(
      this.#db.query<{ c: string }>('SELECT count(*) AS c FROM deliveries WHERE run_id = $1', [runId])[0]
        ?.c ?? 0,
    );
  }

  /**
   * Records school-nights scheduled (if new) and takes them to `queued`, as the ledger's `plan` then
   * `set(…, 'queued', { from })` would, for many in one statement: a new night is written `queued`
   * directly, a recorded one moves if its state is one of `from`. For each: whether it moved, and the
   * state it was in before (a night not moved is still in it).
   */
  queueFires(
    fires: readonly { school: string; night: string; firedAt: string; message: string }[],
    from: readonly FireState[],
    now: string,
  ): Map<string, { moved: boolean; state: FireState | undefined }> {
    const rows = this.#db.query<{ school: string; fire_key: string; moved: boolean; state: string | null }>(
      `WITH input AS (
         SELECT * FROM json_to_recordset($1::json) AS x(school text, fire_key text, fired_at text, message text)),
       before AS (
         SELECT f.school, f.fire_key, f.state FROM schedule_fires f JOIN input i USING (school, fire_key)),
       moved AS (
         INSERT INTO schedule_fires (school, fire_key, fired_at, state, attempts, updated, message)
         SELECT school, fire_key, fired_at, 'queued', 0, $2, message FROM input
         ON CONFLICT (school, fire_key) DO UPDATE
           SET state = 'queued', updated = excluded.updated, message = excluded.message
           WHERE schedule_fires.state = ANY($3::text[])
         RETURNING school, fire_key)
       SELECT i.school, i.fire_key, m.school IS NOT NULL AS moved, b.state
       FROM input i LEFT JOIN moved m USING (school, fire_key) LEFT JOIN before b USING (school, fire_key)`,
      [
        JSON.stringify(
          fires.map((f) => ({
            school: f.school,
            fire_key: f.night,
            fired_at: f.firedAt,
            message: f.message,
          })),
        ),
        now,
        [...from],
      ],
    );
    return new Map(
      rows.map((r) => [
        `${r.school}\u0000${r.fire_key}`,
        { moved: r.moved, state: r.state === null ? undefined : (r.state as FireState) },
      ]),
    );
  }

  /** `scheduled` for many records in one statement. */
  scheduledMany(records: readonly ScheduledRunRecord[]): void {
    if (records.length === 0) return;
    this.#db.query(
      `INSERT INTO scheduled_runs (school, fire_key, fired_at, run_id, started, finished, outcome, exit_code, message)
       SELECT school, fire_key, fired_at, run_id, started, finished, outcome, exit_code, message
       FROM json_to_recordset($1::json) AS x(school text, fire_key text, fired_at text, run_id text,
         started text, finished text, outcome text, exit_code integer, message text)
       ON CONFLICT (school, fire_key, fired_at) DO UPDATE SET run_id = COALESCE(excluded.run_id, scheduled_runs.run_id),
         started = COALESCE(excluded.started, scheduled_runs.started), finished = excluded.finished,
         outcome = excluded.outcome, exit_code = excluded.exit_code, message = excluded.message`,
      [
        JSON.stringify(
          records.map((r) => ({
            school: r.school,
            fire_key: r.fireKey,
            fired_at: r.firedAt,
            run_id: n(r.runId),
            started: n(r.started),
            finished: n(r.finished),
            outcome: r.outcome,
            exit_code: n(r.exitCode),
            message: n(r.message),
          })),
        ),
      ],
    );
  }

  deadLetters(): DeadLetter[] {
    return this.#db
      .query<Record<string, string>>(
        `SELECT school, fire_key, fired_at, message FROM scheduled_runs WHERE outcome = 'dead-letter'
         ORDER BY fired_at DESC`,
      )
      .map((r) => ({
        school: String(r.school),
        night: String(r.fire_key),
        failedAt: String(r.fired_at),
        message: String(r.message ?? ''),
      }));
  }

  /**
   * The fire ledger (scripts/schedule/fires.ts) in this store, on this connection: fire key = the
   * school-night (yyyy-mm-dd). Closing it leaves the connection open.
   */
  fireLedger(): FireLedger {
    const db = this.#db;
    return new FireLedger('postgres', {
      all: (sql, params) => db.query(pgPlaceholders(sql), [...params]),
      close: () => undefined,
    });
  }

  close(): void {
    this.#db.close();
  }
}

export const agentHost = (): string => hostname();

/** What the agent's ledger writes need of a `pg` pool or client. */
export interface Queryable {
  query(sql: string, params: unknown[]): Promise<{ rows: unknown[] }>;
}

/** What an agent learns when it claims a school-night (`claimNight`). */
export interface NightClaim {
  claimed: boolean;
  state?: FireState;
  /** The school-night's run, if one exists already (a retry, or a night audited before). */
  run?: { id: string; status: string };
}

/**
 * An agent takes its school-night's fire to `started` (scripts/fleet/nights.ts): `claimed`, or the
 * state that says it must not run (the planner recorded it not started, or it completed already). A
 * night with no fire record (queued by an older planner) is `claimed: true`, `state` undefined. The
 * same statement reads the night's run (the night check: a complete run needs no audit), so a job
 * starts with one round trip and one commit instead of two.
 */
export async function claimNight(db: Queryable, school: string, night: string): Promise<NightClaim> {
  const { rows } = await db.query(
    `WITH c AS (
       UPDATE schedule_fires SET state = 'started', attempts = attempts + 1, updated = $3, message = NULL
       WHERE school = $1 AND fire_key = $2 AND state = ANY($4::text[]) RETURNING school),
     r AS (SELECT id, status FROM runs WHERE school = $1 AND night = $2)
     SELECT (SELECT count(*) FROM c)::int AS claimed,
            (SELECT state FROM schedule_fires WHERE school = $1 AND fire_key = $2) AS state,
            (SELECT id FROM r) AS run_id, (SELECT status FROM r) AS run_status`,
    [school, night, new Date().toISOString(), CLAIMABLE],
  );
  const row = rows[0] as
    { claimed: number; state: string | null; run_id: string | null; run_status: string | null } | undefined;
  if (row === undefined) throw new Error('no answer to the claim of a school-night');
  const run = row.run_id === null ? {} : { run: { id: row.run_id, status: String(row.run_status ?? '') } };
  if (row.claimed === 1) return { claimed: true, state: 'started', ...run };
  return row.state === null
    ? { claimed: true, ...run }
    : { claimed: false, state: row.state as FireState, ...run };
}

/**
 * The statement by which an agent records its school-night's audit completed (its report is owed until
 * delivered): sent in the run's own `finishRun` transaction (store-pg.ts `writeBehind`), so the night is
 * `completed` exactly when its complete run has committed.
 */
export function nightCompletedStmt(
  school: string,
  night: string,
  runId: string,
): { sql: string; params: unknown[] } {
  return {
    sql: `UPDATE schedule_fires SET state = 'completed', run_id = $3, updated = $4, message = NULL
          WHERE school = $1 AND fire_key = $2 AND state = 'started'`,
    params: [school, night, runId, new Date().toISOString()],
  };
}
