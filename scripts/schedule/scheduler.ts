/**
 * The nightly runner's core: one cron job per school (from its declaration, default 01:30
 * Europe/London), a per-school spread so a provider's 200 schools do not start in the same second,
 * never two runs of one school at once (an overlapping tick is skipped, logged and recorded), delivery
 * after each run, and a graceful stop.
 *
 * Every fire is accounted for in a durable ledger (fires.ts) keyed by school and local fire time,
 * written before anything runs: a fire already recorded is never run again (across restarts and the
 * repeated autumn hour); a restart (`resume`) delivers what a completed audit still owes, runs once
 * the most recent fire whose slot passed while the daemon was down (within the catch-up window, unless
 * the school says `schedule.missed: skip`) and records the others as missed. A stop records schools
 * still waiting for their slot as not started, lets audits and their deliveries use the grace period,
 * then records unfinished audits as interrupted (their store run stays `incomplete`) and unfinished
 * deliveries as owed.
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
import type { AuditRun } from '../../checks/engine/types.ts';
import type { LoadedSchool } from '../../inventory/types.ts';
import type { DeliverOptions } from './deliver.ts';
import { deliverRun } from './deliver.ts';
import type { SchoolSchedule } from './plan.ts';
import {
  cronTime,
  DEFAULT_CRON,
  DEFAULT_TIMEZONE,
  fireTimes,
  localKey,
  nextFire,
  planRuns,
  spreadMs,
} from './plan.ts';
import type { NightlyRecords, ScheduledOutcome } from './records.ts';
import type { FireLedger } from './fires.ts';
import { deliveryOutcome, MAX_ATTEMPTS, RESUMABLE, settleOwed } from './fires.ts';
import { sentKey } from './deliver.ts';

export interface SchedulerOptions {
  schools: readonly LoadedSchool[];
  store: ResultsStore;
  records: NightlyRecords;
  /** The durable fire ledger (same database as `records`). */
  fires: FireLedger;
  logger: Logger;
  /**
   * After a restart, a fire whose slot passed this long ago or less is run once (schools with
   * `schedule.missed: skip` never catch up); older ones are recorded as missed. Default 12 hours.
   */
  catchUpWindowMs?: number;
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
export const DEFAULT_CATCH_UP_WINDOW_MS = 12 * 3_600_000;

/** What a restart did for one school. */
export interface ResumeAction {
  school: string;
  fireKey: string;
  action: 'deliver' | 'catch-up' | 'missed';
  message?: string;
}

export function scheduleOf(s: LoadedSchool): SchoolSchedule {
  return {
    school: s.decl.school.id,
    cron: s.decl.schedule?.cron ?? DEFAULT_CRON,
    timezone: s.decl.schedule?.timezone ?? DEFAULT_TIMEZONE,
  };
}

/** A sleep a stop can cut short: resolves false when aborted. */
function abortableSleep(
  sleep: ((ms: number) => Promise<void>) | undefined,
  ms: number,
  signal: AbortSignal,
): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise<boolean>((resolve) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    const done = () => {
      signal.removeEventListener('abort', onAbort);
      resolve(!signal.aborted);
    };
    if (sleep !== undefined) void sleep(ms).then(done);
    else timer = setTimeout(done, ms);
  });
}

interface Slot {
  promise: Promise<void>;
  firedAt: string;
  key: string;
  runId?: string;
  /** Where the fire is: waiting (spread or a free slot), auditing, delivering. */
  phase: 'waiting' | 'auditing' | 'delivering';
}

export class Scheduler {
  readonly #o: SchedulerOptions;
  readonly #clock: () => Date;
  readonly #schools = new Map<string, { loaded: LoadedSchool; schedule: SchoolSchedule }>();
  /** Fires in progress by school: the overlap guard, and what a stop waits for. */
  readonly #running = new Map<string, Slot>();
  readonly #jobs: CronJob[] = [];
  #stopping = false;
  readonly #stop = new AbortController();
  #active = 0;
  readonly #waiters: (() => void)[] = [];
  /** Schools whose audit a stop gave up on: their late outcome must not overwrite "interrupted". */
  readonly #interrupted = new Set<string>();
  /** Catch-up and owed-delivery work started by `resume`, which a stop also waits for. */
  readonly #background = new Set<Promise<unknown>>();

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

  #now(): string {
    return this.#clock().toISOString();
  }

  /** Records the school's next fire as scheduled, so a daemon down at that time knows it owed one. */
  #planNext(schedule: SchoolSchedule, after: Date): void {
    let at = after;
    for (let i = 0; i < 4; i++) {
      at = nextFire(schedule.cron, schedule.timezone, at);
      const key = localKey(at, schedule.timezone);
      const rec = this.#o.fires.get(schedule.school, key);
      if (rec === undefined) {
        this.#o.fires.plan(schedule.school, key, at.toISOString(), this.#now());
        return;
      }
      if (RESUMABLE.includes(rec.state)) return;
      // Already settled (the repeated autumn hour's second instant): the one after.
    }
  }

  /**
   * A cron tick for a school: look it up in the ledger, guard against overlap, record it, wait the
   * school's spread and a free slot, claim it, run. Resolves when the run (audit and delivery) has
   * finished, or at once when the tick is a duplicate or skipped.
   */
  async fire(school: string, firedAt: Date, opts: { spread?: boolean } = {}): Promise<FireOutcome> {
    const entry = this.#schools.get(school);
    if (entry === undefined) throw new Error(`no schedule for school ${school}`);
    const log = this.#o.logger.child({ school });
    if (this.#stopping) return 'stopping';
    const key = localKey(firedAt, entry.schedule.timezone);
    const known = this.#o.fires.get(school, key);
    const busy = this.#running.get(school);
    if ((known !== undefined && !RESUMABLE.includes(known.state)) || busy?.key === key) {
      log.info(
        { fireKey: key, state: known?.state ?? busy?.phase },
        'fire already recorded (restart or clock change); not run again',
      );
      this.#planNext(entry.schedule, firedAt);
      return 'duplicate';
    }
    if (busy !== undefined) {
      log.warn(
        { fireKey: key, running: busy.runId, since: busy.firedAt },
        'previous run still going; tick skipped',
      );
      const message = `run ${busy.runId ?? '(starting)'} fired at ${busy.firedAt} was still going`;
      this.#o.records.scheduled({
        school,
        fireKey: key,
        firedAt: firedAt.toISOString(),
        outcome: 'skipped-overlap',
        message,
      });
      this.#o.fires.missed(school, key, firedAt.toISOString(), this.#now(), message);
      return 'skipped-overlap';
    }
    this.#o.fires.plan(school, key, firedAt.toISOString(), this.#now());
    let resolveRun: () => void = () => undefined;
    const slot: Slot = {
      promise: new Promise<void>((r) => (resolveRun = r)),
      firedAt: firedAt.toISOString(),
      key,
      phase: 'waiting',
    };
    this.#running.set(school, slot);
    try {
      const wait = opts.spread === false ? 0 : spreadMs(school, this.#spread());
      if (wait > 0) {
        log.info({ fireKey: key, delayMs: wait }, 'waiting for the school’s slot in the spread');
        if (!(await abortableSleep(this.#o.sleep, wait, this.#stop.signal)))
          return this.#notStarted(school, key, 'the scheduler stopped during its spread wait');
      }
      if (!(await this.#acquire()))
        return this.#notStarted(school, key, 'the scheduler stopped while it waited for a free slot');
      try {
        if (this.#stopping) return this.#notStarted(school, key, 'the scheduler stopped before it started');
        if (!this.#o.fires.claim(school, key, this.#now())) {
          log.info({ fireKey: key }, 'fire already claimed; not run again');
          return 'duplicate';
        }
        await this.#runNow(entry.loaded, firedAt, key, slot);
        return 'ran';
      } finally {
        this.#release();
      }
    } finally {
      this.#running.delete(school);
      if (!this.#stopping) this.#planNext(entry.schedule, firedAt);
      resolveRun();
    }
  }

  #notStarted(school: string, key: string, message: string): FireOutcome {
    this.#o.fires.set(school, key, 'not-started', this.#now(), { from: ['scheduled'], message });
    this.#o.logger.info({ school, fireKey: key }, 'not started: the scheduler is stopping');
    return 'stopping';
  }

  /** A slot among `maxConcurrent`, handed straight to the next waiter on release; false if stopped. */
  async #acquire(): Promise<boolean> {
    if (this.#active < (this.#o.maxConcurrent ?? 4)) {
      this.#active++;
      return true;
    }
    const signal = this.#stop.signal;
    if (signal.aborted) return false;
    return new Promise<boolean>((resolve) => {
      const waiter = () => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      };
      const onAbort = () => {
        const i = this.#waiters.indexOf(waiter);
        if (i >= 0) this.#waiters.splice(i, 1);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      this.#waiters.push(waiter);
    });
  }

  #release(): void {
    const next = this.#waiters.shift();
    if (next === undefined) this.#active--;
    else next();
  }

  async #runNow(loaded: LoadedSchool, firedAt: Date, key: string, slot: Slot): Promise<void> {
    const school = loaded.decl.school.id;
    const log = this.#o.logger.child({ school });
    const base = { school, fireKey: key, firedAt: firedAt.toISOString() };
    const started = this.#now();
    slot.phase = 'auditing';
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
        this.#o.fires.set(school, key, 'started', this.#now(), { from: ['started'], runId });
      },
    });
    if (this.#interrupted.has(school)) return;
    const finished = this.#now();
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
    if (result.run === undefined) {
      log.error({ ...fields, error: result.error }, 'audit did not produce a run');
      this.#o.fires.set(school, key, 'failed', finished, {
        from: ['started'],
        ...(runId === undefined ? {} : { runId }),
        message: result.error ?? outcome,
      });
      return;
    }
    log.info({ ...fields, counts: result.run.counts }, 'audit finished');
    this.#o.fires.set(school, key, 'completed', finished, { from: ['started'], runId: result.run.id });
    slot.phase = 'delivering';
    await this.#deliver(loaded, result.run, key, firedAt.toISOString());
  }

  /** Delivers a completed fire's run (what was not already sent), then records the fire delivered. */
  async #deliver(loaded: LoadedSchool, run: AuditRun, key: string, firedAt: string): Promise<void> {
    const school = loaded.decl.school.id;
    const log = this.#o.logger.child({ school });
    const alreadySent = new Set(
      this.#o.records
        .deliveries(run.id)
        .filter((d) => d.status === 'sent')
        .map((d) => sentKey(d.channel, d.recipient)),
    );
    const records = await deliverRun(loaded, run, {
      ...this.#o.delivery,
      store: this.#o.store,
      records: this.#o.records,
      clock: this.#clock,
      alreadySent,
      nights: this.#o.fires.nightsOwed(school, firedAt),
      log: (level, msg, f) => {
        // The child logger already carries the school.
        const { school: _school, ...rest } = f ?? {};
        log[level](rest, msg);
      },
    });
    const outcome = deliveryOutcome(records);
    this.#o.fires.set(school, key, outcome.state, this.#now(), {
      from: ['completed'],
      ...(outcome.message === undefined ? {} : { message: outcome.message }),
    });
  }

  /**
   * After a restart: deliveries a completed audit still owes are sent; for each school, the fires
   * whose slot passed while the daemon was down (recorded as scheduled, not started or interrupted,
   * or due by its cron since its last recorded fire) are settled: the most recent is run once if it
   * is within the catch-up window and the school does not say `missed: skip`, every other one is
   * recorded as missed. Work started here runs in the background (a stop waits for it); the actions
   * are returned.
   */
  resume(): ResumeAction[] {
    const now = this.#clock();
    const nowIso = now.toISOString();
    const window = this.#o.catchUpWindowMs ?? DEFAULT_CATCH_UP_WINDOW_MS;
    const actions: ResumeAction[] = [];
    const track = (p: Promise<unknown>) => {
      this.#background.add(p);
      void p.finally(() => this.#background.delete(p));
    };
    for (const { loaded, schedule } of this.#schools.values()) {
      const school = schedule.school;
      const log = this.#o.logger.child({ school });
      const fires = this.#o.fires.list(school);
      for (const f of fires.filter((x) => x.state === 'completed')) {
        const run = f.runId === undefined ? undefined : this.#o.store.getRun(f.runId);
        if (run === undefined) {
          this.#o.fires.set(school, f.fireKey, 'failed', nowIso, {
            from: ['completed'],
            message: 'its run is no longer in the store; nothing to deliver',
          });
          continue;
        }
        actions.push({ school, fireKey: f.fireKey, action: 'deliver' });
        log.info({ fireKey: f.fireKey, runId: run.id }, 'delivering a report owed from before the restart');
        track(
          this.#deliver(loaded, run, f.fireKey, f.firedAt).catch((e: unknown) =>
            log.error({ error: (e as Error).message }, 'owed delivery crashed'),
          ),
        );
      }
      // An audit still "started" belonged to a process that died without a stop: it was interrupted.
      for (const f of fires.filter((x) => x.state === 'started'))
        this.#o.fires.set(school, f.fireKey, 'interrupted', nowIso, {
          from: ['started'],
          message: 'the scheduler ended while the audit ran',
        });
      // Fires the cron owed since the last one recorded, plus recorded ones never run.
      const last = fires.at(-1);
      if (last !== undefined)
        for (const at of fireTimes(
          schedule.cron,
          schedule.timezone,
          new Date(Date.parse(last.firedAt) + 1),
          now,
        ))
          this.#o.fires.plan(school, localKey(at, schedule.timezone), at.toISOString(), nowIso);
      const owed = this.#o.fires
        .list(school)
        .filter((f) => RESUMABLE.includes(f.state) && Date.parse(f.firedAt) <= now.getTime())
        .filter((f) => f.state !== 'interrupted' || f.attempts < MAX_ATTEMPTS);
      const policy = loaded.decl.schedule?.missed ?? 'once';
      const settled = settleOwed(owed, {
        policy,
        windowMs: window,
        now,
        down: 'the scheduler was not running',
      });
      for (const { fire, message } of settled.missed) {
        this.#o.fires.set(school, fire.fireKey, 'missed', nowIso, { from: RESUMABLE, message });
        actions.push({ school, fireKey: fire.fireKey, action: 'missed', message });
        log.warn({ fireKey: fire.fireKey, reason: message }, 'fire missed');
      }
      const f = settled.catchUp;
      if (f !== undefined) {
        actions.push({ school, fireKey: f.fireKey, action: 'catch-up' });
        log.info({ fireKey: f.fireKey, state: f.state }, 'catching up a fire missed while stopped');
        track(
          this.fire(school, new Date(f.firedAt), { spread: false }).catch((e: unknown) =>
            log.error({ error: (e as Error).message }, 'catch-up run crashed'),
          ),
        );
      }
      // Interrupted fires out of attempts are failed.
      for (const f of this.#o.fires
        .list(school)
        .filter((x) => x.state === 'interrupted' && x.attempts >= MAX_ATTEMPTS))
        this.#o.fires.set(school, f.fireKey, 'failed', nowIso, {
          from: ['interrupted'],
          message: 'interrupted twice; not tried again',
        });
    }
    return actions;
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

  /** Real time: settles what is owed from before (`resume`), then one CronJob per school. */
  start(): ResumeAction[] {
    const actions = this.resume();
    for (const { schedule } of this.#schools.values()) {
      this.#planNext(schedule, this.#clock());
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
    return actions;
  }

  /**
   * Stops ticking; schools still waiting for their spread slot or a free slot are recorded as not
   * started (a restart catches them up). Audits in progress, and their deliveries, get up to `graceMs`;
   * an audit still going after that is recorded as interrupted (its store run stays `incomplete`), a
   * delivery still going leaves its fire `completed` (owed: a restart sends what was not sent).
   * Returns the schools whose audit was interrupted.
   */
  async stop(graceMs: number): Promise<string[]> {
    this.#stopping = true;
    this.#stop.abort();
    for (const j of this.#jobs) void j.stop();
    const pending = [...[...this.#running.values()].map((r) => r.promise), ...this.#background];
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
      if (r.phase === 'delivering') {
        this.#o.logger.warn(
          { school, runId: r.runId, fireKey: r.key },
          'delivery still going at shutdown; owed, and sent on restart',
        );
        continue;
      }
      if (r.phase !== 'auditing') continue; // waiting ones recorded themselves as not started
      interrupted.push(school);
      this.#interrupted.add(school);
      const finished = this.#now();
      const message = `still running ${graceMs} ms after shutdown began; the run is left incomplete`;
      this.#o.records.scheduled({
        school,
        fireKey: r.key,
        firedAt: r.firedAt,
        finished,
        outcome: 'interrupted',
        exitCode: 2,
        ...(r.runId === undefined ? {} : { runId: r.runId }),
        message,
      });
      this.#o.fires.set(school, r.key, 'interrupted', finished, { from: ['started'], message });
      this.#o.logger.warn({ school, runId: r.runId }, 'run interrupted by shutdown; left incomplete');
    }
    return interrupted;
  }
}
