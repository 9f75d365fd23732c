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
 */
import { readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { privateFile } from '../../inventory/private-files.ts';

const SCHEMA = readFileSync(new URL('../../checks/engine/schema.sql', import.meta.url), 'utf8');

export type FireState =
  | 'scheduled'
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

export class FireLedger {
  readonly path: string;
  readonly #db: DatabaseSync;

  constructor(path: string) {
    this.path = path;
    privateFile(path);
    this.#db = new DatabaseSync(path);
    this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 5000;');
    this.#db.exec(SCHEMA);
  }

  get(school: string, fireKey: string): FireRecord | undefined {
    const r = this.#db
      .prepare('SELECT * FROM schedule_fires WHERE school = ? AND fire_key = ?')
      .get(school, fireKey) as FireRow | undefined;
    return r === undefined ? undefined : toRecord(r);
  }

  /** Every fire of a school (or all), oldest first. */
  list(school?: string): FireRecord[] {
    const rows = (school === undefined
      ? this.#db.prepare('SELECT * FROM schedule_fires ORDER BY fired_at, school').all()
      : this.#db
          .prepare('SELECT * FROM schedule_fires WHERE school = ? ORDER BY fired_at')
          .all(school)) as unknown as FireRow[];
    return rows.map(toRecord);
  }

  /** Records a fire as scheduled unless it is already recorded (in any state). True when new. */
  plan(school: string, fireKey: string, firedAt: string, now: string): boolean {
    const r = this.#db
      .prepare(
        `INSERT INTO schedule_fires (school, fire_key, fired_at, state, attempts, updated)
         VALUES (?, ?, ?, 'scheduled', 0, ?) ON CONFLICT (school, fire_key) DO NOTHING`,
      )
      .run(school, fireKey, firedAt, now);
    return Number(r.changes) === 1;
  }

  /**
   * Takes a fire to `started` if it is still resumable (and an interrupted one has attempts left):
   * the one door to running an audit. False means someone (this process earlier, or another one) has
   * already run it or settled it.
   */
  claim(school: string, fireKey: string, now: string): boolean {
    const r = this.#db
      .prepare(
        `UPDATE schedule_fires SET state = 'started', attempts = attempts + 1, updated = ?, message = NULL
         WHERE school = ? AND fire_key = ?
           AND (state IN ('scheduled', 'not-started') OR (state = 'interrupted' AND attempts < ?))`,
      )
      .run(now, school, fireKey, MAX_ATTEMPTS);
    return Number(r.changes) === 1;
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
    const r = this.#db
      .prepare(
        `UPDATE schedule_fires SET state = ?, updated = ?, run_id = COALESCE(?, run_id), message = ?
         WHERE school = ? AND fire_key = ?${guard}`,
      )
      .run(state, now, o.runId ?? null, o.message ?? null, school, fireKey, ...from);
    return Number(r.changes) === 1;
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
        f.state !== 'delivered' &&
        f.state !== 'started' &&
        f.state !== 'scheduled',
    );
  }

  close(): void {
    if (this.#db.isOpen) this.#db.close();
  }
}

/** One line for a night that was not reported as usual, for the digest and the roll-up. */
export function nightText(f: FireRecord): string {
  const what: Record<FireState, string> = {
    scheduled: 'scheduled',
    started: 'running',
    completed: 'audited, report not delivered',
    delivered: 'delivered',
    undelivered: 'report not delivered (delivery failed)',
    failed: 'audit failed',
    interrupted: 'audit interrupted',
    'not-started': 'not started (the scheduler stopped)',
    missed: 'missed',
  };
  return `${f.fireKey}: ${what[f.state]}${f.message === undefined ? '' : ` (${f.message})`}`;
}
