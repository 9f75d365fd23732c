/**
 * The nightly runner's core: one cron job per school (from its declaration, default 01:30
 * Europe/London), a per-school spread so a provider's 200 schools do not start in the same second,
 * never two runs of one school at once (an overlapping tick is skipped, logged and recorded), one run
 * per local wall-clock fire time (the repeated autumn hour), delivery after each run, and a graceful
 * stop: runs in progress get a grace period, then are recorded as interrupted (their audit run stays
 * `incomplete` in the store, as the engine leaves an unfinished run).
 *
 * The clock and the sleep are injected: `simulate(from, to)` walks a night of fire times computed by
 * the cron package (plan.ts) with a simulated clock, and `start()` hands the same fire path to real
 * `CronJob`s.
 */
import { CronJob } from 'cron';
import type { Logger } from 'pino';
import type { FleetOptions, FleetResult } from '../../checks/engine/fleet.ts';
import { auditWithin } from '../../checks/engine/fleet.ts';
import type { ResultsStore } from '../../checks/engine/store.ts';
import type { LoadedSchool } from '../../inventory/types.ts';
import type { DeliverOptions } from './deliver.ts';
import { deliverRun } from './deliver.ts';
import type { SchoolSchedule } from './plan.ts';
import { cronTime, DEFAULT_CRON, DEFAULT_TIMEZONE, localKey, planRuns, spreadMs } from './plan.ts';
import type { NightlyRecords, ScheduledOutcome } from './records.ts';

export interface SchedulerOptions {
  schools: readonly LoadedSchool[];
  store: ResultsStore;
  records: NightlyRecords;
  logger: Logger;
  /** Wall clock; injected by tests to walk a simulated night. */
  clock?: () => Date;
  /** Waits out the spread; injected with the clock. */
  sleep?: (ms: number) => Promise<void>;
  /** Spread window: each school starts up to this long after its cron time (default 30 minutes). */
  spreadWindowMs?: number;
  /** Audit options passed to each run (device concurrency, budgets, per-school secrets...). */
  audit?: Omit<FleetOptions, 'store' | 'onDone' | 'onStart' | 'schools' | 'clock' | 'now'>;
  /** Delivery settings (retry policy, SMTP CA, PDF renderer). */
  delivery?: Omit<DeliverOptions, 'store' | 'records' | 'clock' | 'log'>;
  /** Schools audited at once across the whole daemon (default 4); others wait their turn. */
  maxConcurrent?: number;
  /** Replaces the audit (the overlap test holds one open). */
  auditor?: (school: LoadedSchool, opts: FleetOptions) => Promise<FleetResult>;
}

export type FireOutcome = 'ran' | 'skipped-overlap' | 'duplicate' | 'stopping';

export const DEFAULT_SPREAD_WINDOW_MS = 30 * 60_000;

export function scheduleOf(s: LoadedSchool): SchoolSchedule {
  return {
    school: s.decl.school.id,
    cron: s.decl.schedule?.cron ?? DEFAULT_CRON,
    timezone: s.decl.schedule?.timezone ?? DEFAULT_TIMEZONE,
  };
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #clock: () => Date;
  readonly #schools = new Map<string, { loaded: LoadedSchool; schedule: SchoolSchedule }>();
  /** Runs in progress by school: the overlap guard, and what a stop waits for. */
  readonly #running = new Map<
    string,
    { promise: Promise<void>; firedAt: string; key: string; runId?: string }
  >();
  /** The last local fire key per school: one run per wall-clock fire time. */
  readonly #lastKey = new Map<string, string>();
  readonly #jobs: CronJob[] = [];
  #stopping = false;
  #active = 0;
  readonly #waiters: (() => void)[] = [];
  /** Schools whose run a stop gave up on: their late outcome must not overwrite "interrupted". */
  readonly #interrupted = new Set<string>();

  constructor(o: SchedulerOptions) {
    this.#o = o;
    this.#clock = o.clock ?? (() => new Date());
    for (const loaded of o.schools) {
      const schedule = scheduleOf(loaded);
      cronTime(schedule.cron, schedule.timezone); // a bad expression fails at start, naming the school below
      this.#schools.set(schedule.school, { loaded, schedule });
    }
  }

  get schedules(): SchoolSchedule[] {
    return [...this.#schools.values()].map((s) => s.schedule);
  }

  get running(): string[] {
    return [...this.#running.keys()];
  }

  #spread(): number {
    return this.#o.spreadWindowMs ?? DEFAULT_SPREAD_WINDOW_MS;
  }

  /**
   * A cron tick for a school: dedupe, guard against overlap, wait the school's spread, run. Resolves
   * when the run (audit and delivery) has finished, or at once when the tick is skipped.
   */
  async fire(school: string, firedAt: Date, opts: { spread?: boolean } = {}): Promise<FireOutcome> {
    const entry = this.#schools.get(school);
    if (entry === undefined) throw new Error(`no schedule for school ${school}`);
    const log = this.#o.logger.child({ school });
    if (this.#stopping) return 'stopping';
    const key = localKey(firedAt, entry.schedule.timezone);
    if (this.#lastKey.get(school) === key) {
      log.info({ fireKey: key }, 'tick for a local time already run (clock change); ignored');
      return 'duplicate';
    }
    const busy = this.#running.get(school);
    if (busy !== undefined) {
      log.warn(
        { fireKey: key, running: busy.runId, since: busy.firedAt },
        'previous run still going; tick skipped',
      );
      this.#o.records.scheduled({
        school,
        fireKey: key,
        firedAt: firedAt.toISOString(),
        outcome: 'skipped-overlap',
        message: `run ${busy.runId ?? '(starting)'} fired at ${busy.firedAt} was still going`,
      });
      return 'skipped-overlap';
    }
    this.#lastKey.set(school, key);
    let resolveRun: () => void = () => undefined;
    const slot = {
      promise: new Promise<void>((r) => (resolveRun = r)),
      firedAt: firedAt.toISOString(),
      key,
    } as {
      promise: Promise<void>;
      firedAt: string;
      key: string;
      runId?: string;
    };
    this.#running.set(school, slot);
    try {
      const wait = opts.spread === false ? 0 : spreadMs(school, this.#spread());
      if (wait > 0) {
        log.info({ fireKey: key, delayMs: wait }, 'waiting for the school’s slot in the spread');
        await (this.#o.sleep ?? realSleep)(wait);
      }
      if (this.#stopping) return 'stopping';
      await this.#run(entry.loaded, firedAt, key, slot);
      return 'ran';
    } finally {
      this.#running.delete(school);
      resolveRun();
    }
  }

  /** A slot among `maxConcurrent`; handed straight to the next waiter on release so the bound holds. */
  async #acquire(): Promise<void> {
    if (this.#active < (this.#o.maxConcurrent ?? 4)) {
      this.#active++;
      return;
    }
    await new Promise<void>((r) => this.#waiters.push(r));
  }

  #release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#active--;
    else next();
  }

  async #run(loaded: LoadedSchool, firedAt: Date, key: string, slot: { runId?: string }): Promise<void> {
    await this.#acquire();
    try {
      await this.#runNow(loaded, firedAt, key, slot);
    } finally {
      this.#release();
    }
  }

  async #runNow(loaded: LoadedSchool, firedAt: Date, key: string, slot: { runId?: string }): Promise<void> {
    const school = loaded.decl.school.id;
    const log = this.#o.logger.child({ school });
    const base = { school, fireKey: key, firedAt: firedAt.toISOString() };
    const started = this.#clock().toISOString();
    this.#o.records.scheduled({ ...base, started, outcome: 'running' });
    log.info({ fireKey: key }, 'audit starting');
    const auditor = this.#o.auditor ?? auditWithin;
    const result = await auditor(loaded, {
      ...this.#o.audit,
      store: this.#o.store,
      clock: this.#clock,
      onBegin: (runId) => {
        slot.runId = runId;
        this.#o.records.scheduled({ ...base, started, runId, outcome: 'running' });
      },
    });
    if (this.#interrupted.has(school)) return;
    const finished = this.#clock().toISOString();
    const outcome: ScheduledOutcome =
      result.run !== undefined
        ? result.run.status
        : result.timedOut === true
          ? 'timed-out'
          : result.code === 3
            ? 'config-error'
            : 'error';
    const runId = result.run?.id ?? result.runId;
    this.#o.records.scheduled({
      ...base,
      started,
      finished,
      outcome,
      exitCode: result.code,
      ...(runId === undefined ? {} : { runId }),
      ...(result.error === undefined ? {} : { message: result.error }),
    });
    const fields = { runId, outcome, exitCode: result.code, ms: result.ms, score: result.run?.score ?? null };
    if (result.run === undefined)
      log.error({ ...fields, error: result.error }, 'audit did not produce a run');
    else log.info({ ...fields, counts: result.run.counts }, 'audit finished');
    if (result.run === undefined || this.#stopping) return;
    await deliverRun(loaded, result.run, {
      ...this.#o.delivery,
      store: this.#o.store,
      records: this.#o.records,
      clock: this.#clock,
      log: (level, msg, f) => {
        // The child logger already carries the school.
        const { school: _school, ...rest } = f ?? {};
        log[level](rest, msg);
      },
    });
  }

  /**
   * Walks [from, to) with the injected clock: every school's fire times (the cron package's), in start
   * order, each run to completion before the clock moves on. Returns what each tick did.
   */
  async simulate(
    from: Date,
    to: Date,
    setClock: (at: Date) => void,
  ): Promise<{ school: string; fire: Date; outcome: FireOutcome }[]> {
    const out: { school: string; fire: Date; outcome: FireOutcome }[] = [];
    for (const p of planRuns(this.schedules, from, to, this.#spread())) {
      setClock(p.start);
      out.push({
        school: p.school,
        fire: p.fire,
        outcome: await this.fire(p.school, p.fire, { spread: false }),
      });
    }
    return out;
  }

  /** Real time: one CronJob per school, ticking into `fire`. */
  start(): void {
    for (const { schedule } of this.#schools.values()) {
      const job = CronJob.from({
        cronTime: schedule.cron,
        timeZone: schedule.timezone,
        start: true,
        onTick: () => {
          void this.fire(schedule.school, this.#clock()).catch((e: unknown) =>
            this.#o.logger.error(
              { school: schedule.school, error: (e as Error).message },
              'scheduled run crashed',
            ),
          );
        },
      });
      this.#jobs.push(job);
      this.#o.logger.info(
        {
          school: schedule.school,
          cron: schedule.cron,
          timezone: schedule.timezone,
          next: job.nextDate().toISO(),
        },
        'scheduled',
      );
    }
  }

  /**
   * Stops ticking and waits up to `graceMs` for runs in progress; a run still going after that is
   * recorded as interrupted (its store row stays `incomplete`). Returns the schools interrupted.
   */
  async stop(graceMs: number): Promise<string[]> {
    this.#stopping = true;
    for (const j of this.#jobs) void j.stop();
    const pending = [...this.#running.values()].map((r) => r.promise);
    if (pending.length > 0) {
      this.#o.logger.info({ running: this.running, graceMs }, 'stopping: waiting for runs in progress');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(pending),
        new Promise<void>((r) => {
          timer = setTimeout(r, graceMs);
        }),
      ]);
      clearTimeout(timer);
    }
    const interrupted: string[] = [];
    for (const [school, r] of this.#running) {
      interrupted.push(school);
      this.#interrupted.add(school);
      this.#o.records.scheduled({
        school,
        fireKey: r.key,
        firedAt: r.firedAt,
        finished: this.#clock().toISOString(),
        outcome: 'interrupted',
        exitCode: 2,
        ...(r.runId === undefined ? {} : { runId: r.runId }),
        message: `still running ${graceMs} ms after shutdown began; the run is left incomplete`,
      });
      this.#o.logger.warn({ school, runId: r.runId }, 'run interrupted by shutdown; left incomplete');
    }
    return interrupted;
  }
}
