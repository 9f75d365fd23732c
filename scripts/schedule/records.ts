/**
 * What the nightly runner adds to the results store: a row per scheduled run (when it fired, the run it
 * produced, how it ended, or why it was skipped) and a row per delivery attempt series (channel,
 * recipient, status, attempts, last error), so a report that never reached the head is visible rather
 * than lost. Same SQLite file as the audit runs (its own connection; WAL and a busy timeout let both
 * write), its tables defined in `checks/engine/schema.sql` with the rest. No secret is ever written here: recipients are
 * addresses or a webhook's origin and path, errors are the transport's messages.
 */
import { privateFile } from '../../inventory/private-files.ts';
import { readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';

/** The nightly tables live in the store's one schema file (checks/engine/schema.sql). */
const SCHEMA = readFileSync(new URL('../../checks/engine/schema.sql', import.meta.url), 'utf8');

/** How a scheduled run ended: the audit's own result, or why there was none. */
export type ScheduledOutcome =
  | 'running'
  | 'complete'
  | 'incomplete'
  | 'timed-out'
  | 'error'
  | 'config-error'
  | 'interrupted'
  | 'skipped-overlap'
  /** Central planner: the night's audit job was queued for the school's site. */
  | 'queued'
  /** Central planner: the audit job failed every retry and went to the dead-letter queue. */
  | 'dead-letter';

export interface ScheduledRunRecord {
  school: string;
  fireKey: string;
  firedAt: string;
  runId?: string;
  started?: string;
  finished?: string;
  outcome: ScheduledOutcome;
  exitCode?: number;
  message?: string;
}

export type DeliveryChannel = 'email' | 'webhook';
export type DeliveryStatus = 'sent' | 'failed' | 'skipped';

export interface DeliveryRecord {
  runId: string;
  channel: DeliveryChannel;
  recipient: string;
  status: DeliveryStatus;
  attempts: number;
  lastError?: string;
  updated: string;
}

interface ScheduledRow {
  school: string;
  fire_key: string;
  fired_at: string;
  run_id: string | null;
  started: string | null;
  finished: string | null;
  outcome: string;
  exit_code: number | null;
  message: string | null;
}

interface DeliveryRow {
  run_id: string;
  channel: string;
  recipient: string;
  status: string;
  attempts: number;
  last_error: string | null;
  updated: string;
}

const n = <T>(v: T | undefined): T | null => (v === undefined ? null : v);

export class NightlyRecords {
  readonly path: string;
  readonly #db: DatabaseSync;

  constructor(path: string) {
    this.path = path;
    privateFile(path); // 0600 in a 0700 folder: it holds account names
    this.#db = new DatabaseSync(path);
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
    this.#db.exec(SCHEMA);
  }

  /** Inserts or updates (same school, fire key and fire instant) the record of a scheduled run. */
  scheduled(r: ScheduledRunRecord): void {
    this.#db
      .prepare(
        `INSERT INTO scheduled_runs (school, fire_key, fired_at, run_id, started, finished, outcome, exit_code, message)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (school, fire_key, fired_at) DO UPDATE SET run_id = COALESCE(excluded.run_id, run_id),
           started = COALESCE(excluded.started, started), finished = excluded.finished, outcome = excluded.outcome,
           exit_code = excluded.exit_code, message = excluded.message`,
      )
      .run(
        r.school,
        r.fireKey,
        r.firedAt,
        n(r.runId),
        n(r.started),
        n(r.finished),
        r.outcome,
        n(r.exitCode),
        n(r.message),
      );
  }

  scheduledRuns(school?: string): ScheduledRunRecord[] {
    const rows = (school === undefined
      ? this.#db.prepare('SELECT * FROM scheduled_runs ORDER BY fired_at, school').all()
      : this.#db
          .prepare('SELECT * FROM scheduled_runs WHERE school = ? ORDER BY fired_at')
          .all(school)) as unknown as ScheduledRow[];
    return rows.map((r) => {
      const out: ScheduledRunRecord = {
        school: r.school,
        fireKey: r.fire_key,
        firedAt: r.fired_at,
        outcome: r.outcome as ScheduledOutcome,
      };
      if (r.run_id !== null) out.runId = r.run_id;
      if (r.started !== null) out.started = r.started;
      if (r.finished !== null) out.finished = r.finished;
      if (r.exit_code !== null) out.exitCode = r.exit_code;
      if (r.message !== null) out.message = r.message;
      return out;
    });
  }

  delivery(d: DeliveryRecord): void {
    this.#db
      .prepare(
        `INSERT INTO deliveries (run_id, channel, recipient, status, attempts, last_error, updated)
         VALUES (?, ?, ?, ?, ?, ?, ?)
         ON CONFLICT (run_id, channel, recipient) DO UPDATE SET status = excluded.status,
           attempts = excluded.attempts, last_error = excluded.last_error, updated = excluded.updated`,
      )
      .run(d.runId, d.channel, d.recipient, d.status, d.attempts, n(d.lastError), d.updated);
  }

  deliveries(runId?: string): DeliveryRecord[] {
    const rows = (runId === undefined
      ? this.#db.prepare('SELECT * FROM deliveries ORDER BY updated').all()
      : this.#db
          .prepare('SELECT * FROM deliveries WHERE run_id = ? ORDER BY channel, recipient')
          .all(runId)) as unknown as DeliveryRow[];
    return rows.map((r) => {
      const out: DeliveryRecord = {
        runId: r.run_id,
        channel: r.channel as DeliveryChannel,
        recipient: r.recipient,
        status: r.status as DeliveryStatus,
        attempts: r.attempts,
        updated: r.updated,
      };
      if (r.last_error !== null) out.lastError = r.last_error;
      return out;
    });
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}
