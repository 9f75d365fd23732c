/**
 * The single-process scheduler's fire ledger: one durable row per school and local fire time (the
 * wall-clock minute in the school's zone, so the repeated autumn hour is one fire), written before
 * anything runs. Its state moves forward only:
 *
 *   scheduled ─┬─> started ─┬─> completed ──> delivered | undelivered
 *              │            ├─> failed            (the audit produced no run)
 *              │            └─> interrupted        (shutdown gave up on the audit; resumable once)
 *              ├─> not-started                     (shutdown before its spread slot or a free slot)
 *              └─> missed                          (its slot passed with the daemon down, or an overlap)
 *
 * `claim` is the only way to `started`, an atomic update from a resumable state, so a fire already
 * started, completed, delivered, failed or missed is never run again, across restarts and across the
 * two instants of one autumn wall-clock time. A `completed` fire owes its deliveries: a restart sends
 * what was not sent (see deliver.ts `alreadySent`). Same SQLite file as the results store (its own
 * connection; WAL and a busy timeout), table in `checks/engine/schema.sql`. No secret is written here.
 *
 * The central planner (scripts/fleet) keeps the same ledger in the PostgreSQL store (same table, schema
 * `schoolnet`, keyed by school and night), through the `FireDb` port: one vocabulary of states, one
 * set of rules for what is owed, missed and undelivered, one renderer for the roll-up and the digest.
 * Its fires also pass through `queued` (the audit job is on the site's queue) between `scheduled` and
 * `started`, and a queued fire no agent started in time is `not-started`.
 */
import { readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { privateFile } from '../../inventory/private-files.ts';
import type { DeliveryRecord } from './records.ts';

const SCHEMA = readFileSync(new URL('../../checks/engine/schema.sql', import.meta.url), 'utf8');

export type FireState =
  | 'scheduled'
  /** Central planner: the audit job is on the school's site queue, not yet taken by an agent. */
  | 'queued'
  | 'started'
  | 'completed'
  | 'delivered'
  /** Deliveries attempted and at least one failed every retry (see the deliveries table). */
  | 'undelivered'
  | 'failed'
  | 'interrupted'
  | 'not-started'
  | 'missed';

/** States a fire can still be run from (a restart resumes them, or records them as missed). */
export const RESUMABLE: readonly FireState[] = ['scheduled', 'not-started', 'interrupted'];

/**
 * States a report owns up to (the roll-up and the digest list them): the night was missed, failed,
 * was interrupted or never started, or its audit completed without its report delivered.
 */
export const UNREPORTED: readonly FireState[] = [
  'missed',
  'failed',
  'interrupted',
  'not-started',
  'completed',
  'undelivered',
];

/** An interrupted audit is tried again once after a restart; then it is failed. */
export const MAX_ATTEMPTS = 2;

export interface FireRecord {
  school: string;
  /** Local wall-clock minute in the school's zone ("2026-10-25 01:30"). */
  fireKey: string;
  /** The first instant this fire was recorded for (UTC ISO). */
  firedAt: string;
  state: FireState;
  runId?: string;
  /** Times the audit was started. */
  attempts: number;
  updated: string;
  message?: string;
}

interface FireRow {
  school: string;
  fire_key: string;
  fired_at: string;
  state: string;
  run_id: string | null;
  attempts: number;
  updated: string;
  message: string | null;
}

const toRecord = (r: FireRow): FireRecord => {
  const out: FireRecord = {
    school: r.school,
    fireKey: r.fire_key,
    firedAt: r.fired_at,
    state: r.state as FireState,
    attempts: r.attempts,
    updated: r.updated,
  };
  if (r.run_id !== null) out.runId = r.run_id;
  if (r.message !== null) out.message = r.message;
  return out;
};

/**
 * Where a ledger keeps its rows: SQL with `?` placeholders, answered synchronously (node:sqlite here,
 * PostgreSQL through scripts/fleet/records.ts). Statements that change rows end in `RETURNING`, so
 * the rows answered are the rows changed on both.
 */
export interface FireDb {
  all(sql: string, params: readonly (string | number | null)[]): Record<string, unknown>[];
  close(): void;
}

/** The SQLite file's port. */
function sqliteFireDb(path: string): FireDb {
  privateFile(path);
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
  db.exec(SCHEMA);
  return {
    all: (sql, params) => db.prepare(sql).all(...params) as Record<string, unknown>[],
    close: () => {
      if (db.isOpen) db.close();
    },
  };
}

export class FireLedger {
  /** The SQLite file, or a description of the other store. */
  readonly path: string;
  readonly #db: FireDb;

  /** A SQLite file's ledger (the single-process scheduler), or one on another store's port. */
  constructor(path: string, db?: FireDb) {
    this.path = path;
    this.#db = db ?? sqliteFireDb(path);
  }

  #rows(sql: string, ...params: (string | number | null)[]): FireRow[] {
    return this.#db.all(sql, params) as unknown as FireRow[];
  }

  get(school: string, fireKey: string): FireRecord | undefined {
    const r = this.#rows(
      'SELECT * FROM schedule_fires WHERE school = ? AND fire_key = ?',
      school,
      fireKey,
    )[0];
    return r === undefined ? undefined : toRecord(r);
  }

  /** Every fire of a school (or all), oldest first. */
  list(school?: string): FireRecord[] {
    const rows =
      school === undefined
        ? this.#rows('SELECT * FROM schedule_fires ORDER BY fired_at, school')
        : this.#rows('SELECT * FROM schedule_fires WHERE school = ? ORDER BY fired_at', school);
    return rows.map(toRecord);
  }

  /** Fires in one of these states (all schools), oldest first. */
  inState(states: readonly FireState[]): FireRecord[] {
    if (states.length === 0) return [];
    return this.#rows(
      `SELECT * FROM schedule_fires WHERE state IN (${states.map(() => '?').join(', ')}) ORDER BY fired_at, school`,
      ...states,
    ).map(toRecord);
  }

  /** The latest recorded fire instant of each school. */
  latest(): Map<string, string> {
    return new Map(
      (
        this.#db.all('SELECT school, max(fired_at) AS at FROM schedule_fires GROUP BY school', []) as {
          school: string;
          at: string;
        }[]
      ).map((r) => [r.school, r.at]),
    );
  }

  /** Records a fire as scheduled unless it is already recorded (in any state). True when new. */
  plan(school: string, fireKey: string, firedAt: string, now: string): boolean {
    return this.planMany([{ school, fireKey, firedAt }], now) === 1;
  }

  /** `plan` for many fires in few statements; how many were new. */
  planMany(fires: readonly { school: string; fireKey: string; firedAt: string }[], now: string): number {
    let added = 0;
    for (let i = 0; i < fires.length; i += 200) {
      const chunk = fires.slice(i, i + 200);
      added += this.#db.all(
        `INSERT INTO schedule_fires (school, fire_key, fired_at, state, attempts, updated)
         VALUES ${chunk.map(() => "(?, ?, ?, 'scheduled', 0, ?)").join(', ')}
         ON CONFLICT (school, fire_key) DO NOTHING RETURNING school`,
        chunk.flatMap((f) => [f.school, f.fireKey, f.firedAt, now]),
      ).length;
    }
    return added;
  }

  /**
   * Takes a fire to `started` if it is still resumable (and an interrupted one has attempts left):
   * the one door to running an audit. False means someone (this process earlier, or another one) has
   * already run it or settled it.
   */
  claim(school: string, fireKey: string, now: string): boolean {
    return (
      this.#db.all(
        `UPDATE schedule_fires SET state = 'started', attempts = attempts + 1, updated = ?, message = NULL
         WHERE school = ? AND fire_key = ?
           AND (state IN ('scheduled', 'not-started') OR (state = 'interrupted' AND attempts < ?))
         RETURNING school`,
        [now, school, fireKey, MAX_ATTEMPTS],
      ).length === 1
    );
  }

  /**
   * Moves a fire on. `from` guards the move (only from those states); returns whether it moved. A
   * run id, once known, is kept.
   */
  set(
    school: string,
    fireKey: string,
    state: FireState,
    now: string,
    o: { from?: readonly FireState[]; runId?: string; message?: string } = {},
  ): boolean {
    const from = o.from ?? [];
    const guard = from.length === 0 ? '' : ` AND state IN (${from.map(() => '?').join(', ')})`;
    return (
      this.#db.all(
        `UPDATE schedule_fires SET state = ?, updated = ?, run_id = COALESCE(?, run_id), message = ?
         WHERE school = ? AND fire_key = ?${guard} RETURNING school`,
        [state, now, o.runId ?? null, o.message ?? null, school, fireKey, ...from],
      ).length === 1
    );
  }

  /** Records a fire directly as missed (or moves a resumable one there). */
  missed(school: string, fireKey: string, firedAt: string, now: string, message: string): void {
    this.plan(school, fireKey, firedAt, now);
    this.set(school, fireKey, 'missed', now, { from: RESUMABLE, message });
  }

  /**
   * The nights a report should own up to: fires of the school after `afterIso` and before `beforeIso`
   * (fire instants) that were missed, failed, interrupted, never started, or whose audit completed
   * without its deliveries.
   */
  unreported(school: string, afterIso: string | undefined, beforeIso: string): FireRecord[] {
    return this.list(school).filter(
      (f) =>
        (afterIso === undefined || f.firedAt > afterIso) &&
        f.firedAt < beforeIso &&
        UNREPORTED.includes(f.state),
    );
  }

  /** What a school's report should own up to: its unreported nights since its last delivered one. */
  nightsOwed(school: string, firedAt: string): string[] {
    const all = this.list(school).filter((f) => f.firedAt < firedAt);
    const lastDelivered = all.filter((f) => f.state === 'delivered').pop();
    return this.unreported(school, lastDelivered?.firedAt, firedAt).map(nightText);
  }

  close(): void {
    this.#db.close();
  }
}

/**
 * What restart (or a planner's pass) does with a school's owed fires (slot passed, never run), oldest
 * first: the most recent is run once if it is within the window and the school does not say
 * `missed: skip`; every other one is missed, with the reason. `down` says who was not running
 * ("the scheduler was not running", "no planner was running").
 */
export function settleOwed(
  owed: readonly FireRecord[],
  o: { policy: 'once' | 'skip'; windowMs: number; now: Date; down: string },
): { catchUp?: FireRecord; missed: { fire: FireRecord; message: string }[] } {
  const latest = owed.at(-1);
  const out: { catchUp?: FireRecord; missed: { fire: FireRecord; message: string }[] } = { missed: [] };
  for (const f of owed) {
    const age = o.now.getTime() - Date.parse(f.firedAt);
    if (f === latest && o.policy === 'once' && age <= o.windowMs) {
      out.catchUp = f;
      continue;
    }
    const message =
      o.policy === 'skip'
        ? `${o.down} at its time; the school does not catch up (missed: skip)`
        : f === latest
          ? `${o.down} at its time, and it is more than ${Math.round(o.windowMs / 60_000)} minutes ago`
          : `${o.down} at its time; only the most recent missed night is caught up`;
    out.missed.push({ fire: f, message });
  }
  return out;
}

/** A completed fire's state once its deliveries were attempted: delivered, or undelivered and why. */
export function deliveryOutcome(records: readonly DeliveryRecord[]): {
  state: 'delivered' | 'undelivered';
  message?: string;
} {
  const failed = records.filter((r) => r.status === 'failed');
  if (failed.length === 0) return { state: 'delivered' };
  return {
    state: 'undelivered',
    message: `${failed.length} ${failed.length === 1 ? 'delivery' : 'deliveries'} failed: ${failed
      .map((r) => `${r.channel} to ${r.recipient}`)
      .join(', ')}`,
  };
}

/** One line for a night that was not reported as usual, for the digest and the roll-up. */
export function nightText(f: FireRecord): string {
  const what: Record<FireState, string> = {
    scheduled: 'scheduled',
    queued: 'queued',
    started: 'running',
    completed: 'audited, report not delivered',
    delivered: 'delivered',
    undelivered: 'report not delivered (delivery failed)',
    failed: 'audit failed',
    interrupted: 'audit interrupted',
    'not-started': 'not started',
    missed: 'missed',
  };
  return `${f.fireKey}: ${what[f.state]}${f.message === undefined ? '' : ` (${f.message})`}`;
}
