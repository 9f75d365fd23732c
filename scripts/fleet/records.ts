/**
 * What the planner and the agents record in the PostgreSQL store besides runs (tables of
 * checks/engine/schema.sql and migrations.ts, schema `schoolnet`): agents' health, each school's site,
 * the nightly records (scheduled_runs: each planned night and each dead letter; deliveries). The same
 * synchronous connection as the store (pg-sync.ts). No secret is ever written here.
 */
import { hostname } from 'node:os';
import { SyncPg } from '../../checks/engine/pg-sync.ts';
import { pgClientConfig } from '../../checks/engine/store-pg.ts';
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

  close(): void {
    this.#db.close();
  }
}

export const agentHost = (): string => hostname();
