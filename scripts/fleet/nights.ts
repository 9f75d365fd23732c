/**
 * The central planner's account of every school-night, in the fire ledger of the single-process
 * scheduler (scripts/schedule/fires.ts, table `schedule_fires` in the PostgreSQL store, fire key = the
 * night): the same states, the same rules for what is owed and missed, the same lines in the roll-up
 * and the digest.
 *
 *   scheduled ─┬─> queued ─┬─> started ─┬─> completed ──> delivered | undelivered
 *              │           │            └─> failed          (dead letter: every retry failed)
 *              │           └─> not-started                  (no agent took it within the window)
 *              └─> missed                                   (no planner at its time, `missed: skip`,
 *                                                            or older than the catch-up window)
 *
 * - Each school's next occurrence is recorded `scheduled` when a planner starts and after each night
 *   is queued, so planners that are all down at that time find it owed when one comes back.
 * - A planner queues a night only from `scheduled` (a manual `--plan-night` also from `missed`): a night
 *   recorded missed or settled is never queued again, by pg-boss's own catch-up either.
 * - Owed nights (slot passed, never queued, older than pg-boss's due window) are settled as the
 *   single-process scheduler settles them after a restart (`settleOwed`): the most recent is caught up
 *   if within the window and the school does not say `missed: skip`, every other one is missed.
 * - A night queued for longer than the window that no agent started is `not-started`; its job is
 *   cancelled, and an agent that fetched it meanwhile finds it settled and does not audit.
 * - Agents take `queued` to `started` and `started` to `completed` (records.ts); the planner records
 *   dead letters as `failed` and each delivery as `delivered` or `undelivered`.
 */
import type { Logger } from 'pino';
import type { LoadedSchool } from '../../inventory/types.ts';
import type { FireLedger, FireRecord, FireState } from '../schedule/fires.ts';
import { settleOwed } from '../schedule/fires.ts';
import { fireTimes, localKey, nextFire } from '../schedule/plan.ts';
import type { AuditJob } from './jobs.ts';
import { occurrenceOf, occurrenceOnNight, scheduleOfSchool } from './jobs.ts';

/** pg-boss sends an occurrence within a minute of it; later than this and no pass sent it. */
const DUE_WINDOW_MS = 60_000;

export interface NightsOptions {
  fires: FireLedger;
  schools: ReadonlyMap<string, LoadedSchool>;
  logger: Logger;
  /** A night is caught up this long after its slot at most, and must be started this long after it was queued. */
  windowMs: number;
  /** Seconds between the planner's passes (pg-boss's cron pass). */
  tickSeconds: number;
  /** Queues a school-night's audit job (idempotent: its id comes from school and night). */
  queue: (job: AuditJob, o: { firedAt: string }) => Promise<boolean>;
  /** Cancels a school-night's audit job if it is still waiting. */
  cancel: (job: AuditJob) => Promise<void>;
}

export class PlannerNights {
  readonly #o: NightsOptions;

  constructor(o: NightsOptions) {
    this.#o = o;
  }

  get #margin(): number {
    return DUE_WINDOW_MS + 2 * this.#o.tickSeconds * 1000;
  }

  #night(school: string, at: Date): { fireKey: string; firedAt: string } {
    const { timezone } = this.#schedule(school);
    return { fireKey: localKey(at, timezone).slice(0, 10), firedAt: at.toISOString() };
  }

  #schedule(school: string): ReturnType<typeof scheduleOfSchool> {
    const s = this.#o.schools.get(school);
    if (s === undefined) throw new Error(`no declaration for school ${school}`);
    return scheduleOfSchool(s);
  }

  /** Records each school's next occurrence after `after` as scheduled (a no-op when recorded). */
  planAhead(schools: Iterable<string> = this.#o.schools.keys(), after = new Date()): void {
    const rows = [];
    for (const school of schools) {
      const sch = this.#schedule(school);
      rows.push({ school, ...this.#night(school, nextFire(sch.cron, sch.timezone, after)) });
    }
    this.#o.fires.planMany(rows, new Date().toISOString());
  }

  /** The occurrence a plan job created at `createdOn` stands for. */
  occurrence(school: string, createdOn: Date): Date {
    const sch = this.#schedule(school);
    return occurrenceOf(sch.cron, sch.timezone, createdOn) ?? createdOn;
  }

  /**
   * Before a night's audit job is sent, the planner records it (if new) and takes it to `queued`
   * (records.ts `queueFires`, many nights in one statement) from these states: a manual queueing
   * (`--plan-night`) also takes a night recorded missed. A night in none of them is settled otherwise
   * (missed, not started, running or done) and must not be queued, unless it is `queued` already (a
   * second planner, a retried plan job): sending again is then refused by the job id.
   */
  queueableFrom(manual: boolean): FireState[] {
    return manual ? ['scheduled', 'missed'] : ['scheduled'];
  }

  /** The instant a school-night's occurrence is recorded at: given, else its cron time that night. */
  firedAt(job: AuditJob, given: string | undefined, now: string): string {
    if (given !== undefined) return given;
    const sch = this.#schedule(job.school);
    return occurrenceOnNight(sch.cron, sch.timezone, job.night)?.toISOString() ?? now;
  }

  /** A plan job's night: queued if within the window, else recorded missed. */
  async planned(school: string, at: Date): Promise<void> {
    const { fireKey, firedAt } = this.#night(school, at);
    const age = Date.now() - at.getTime();
    if (age > this.#o.windowMs) {
      this.#missed(
        { school, fireKey, firedAt },
        `sent ${Math.round(age / 60_000)} minutes after its time, more than the catch-up window of ${Math.round(this.#o.windowMs / 60_000)} minutes`,
      );
    } else await this.#o.queue({ school, night: fireKey }, { firedAt });
    this.planAhead([school], at);
  }

  #missed(f: Pick<FireRecord, 'school' | 'fireKey' | 'firedAt'>, message: string): void {
    const now = new Date().toISOString();
    this.#o.fires.plan(f.school, f.fireKey, f.firedAt, now);
    if (this.#o.fires.set(f.school, f.fireKey, 'missed', now, { from: ['scheduled'], message }))
      this.#o.logger.warn({ school: f.school, night: f.fireKey, reason: message }, 'night missed');
  }

  /**
   * A planner's pass (at start with `resume`, then every tick): the nights each school owed since its
   * last recorded one (at start), owed nights caught up or missed, queued nights no agent started
   * within the window recorded as not started.
   */
  async sweep(o: { resume?: boolean } = {}): Promise<void> {
    const now = new Date();
    const f = this.#o.fires;
    const cutoff = now.getTime() - this.#margin;
    const isOwed = (x: FireRecord) => Date.parse(x.firedAt) <= cutoff;
    if (o.resume === true) {
      // Occurrences after a night planned ahead and never queued (every planner was down): owed too.
      const gaps = [];
      for (const x of f.inState(['scheduled']).filter(isOwed)) {
        if (!this.#o.schools.has(x.school)) continue;
        const sch = this.#schedule(x.school);
        for (const at of fireTimes(
          sch.cron,
          sch.timezone,
          new Date(Date.parse(x.firedAt) + 1),
          new Date(cutoff),
        ))
          gaps.push({ school: x.school, ...this.#night(x.school, at) });
      }
      f.planMany(gaps, now.toISOString());
    }
    const owed = new Map<string, FireRecord[]>();
    for (const x of f.inState(['scheduled']).filter(isOwed))
      if (this.#o.schools.has(x.school)) owed.set(x.school, [...(owed.get(x.school) ?? []), x]);
    for (const [school, fires] of owed) {
      const settled = settleOwed(fires, {
        policy: this.#schedule(school).missed,
        windowMs: this.#o.windowMs,
        now,
        down: 'no planner was running',
      });
      for (const m of settled.missed) this.#missed(m.fire, m.message);
      const c = settled.catchUp;
      if (c !== undefined) {
        this.#o.logger.info({ school, night: c.fireKey }, 'catching up a night no planner queued');
        await this.#o.queue({ school, night: c.fireKey }, { firedAt: c.firedAt });
        this.planAhead([school], new Date(c.firedAt));
      }
    }
    const late = now.getTime() - this.#o.windowMs;
    for (const x of f.inState(['queued'])) {
      if (Date.parse(x.updated) > late) continue;
      const message = `${x.message ?? 'queued'}; no agent started it within ${Math.round(this.#o.windowMs / 1000)} s`;
      if (!f.set(x.school, x.fireKey, 'not-started', now.toISOString(), { from: ['queued'], message }))
        continue;
      this.#o.logger.warn(
        { school: x.school, night: x.fireKey },
        'night not started: no agent took it in time',
      );
      if (this.#o.schools.has(x.school)) await this.#o.cancel({ school: x.school, night: x.fireKey });
    }
  }
}
