/**
 * The central planner (`schoolnet schedule --store postgres://…`): pg-boss schedules one plan job per
 * school per occurrence of its cron, in its time zone, with the declaration's missed-run policy (pg-boss
 * sends an occurrence once however many planners run: it claims each cron pass in the database). The
 * planner turns each plan job into the night's audit job on the school's site queue, with an id and a
 * singleton key derived from school and night, so two planners, a retry or a catch-up can never queue a
 * second audit of the same school-night. It also delivers reports (one delivery job per school-night)
 * and records dead letters for the roll-up. Every school-night is accounted for in the fire ledger the
 * single-process scheduler keeps (nights.ts): queued, started, completed, delivered or undelivered,
 * failed, missed, not started.
 */
import { PgBoss } from 'pg-boss';
import type { Job, JobWithMetadata } from 'pg-boss';
import type { Logger } from 'pino';
import type { ResultsStore } from '../../checks/engine/store.ts';
import type { LoadedSchool } from '../../inventory/types.ts';
import { deliverRun } from '../schedule/deliver.ts';
import type { DeliverOptions } from '../schedule/deliver.ts';
import { deliveryOutcome } from '../schedule/fires.ts';
import type { FireLedger } from '../schedule/fires.ts';
import { cronTime } from '../schedule/plan.ts';
import { DEFAULT_CATCH_UP_WINDOW_MS } from '../schedule/scheduler.ts';
import type { AuditJob, AuditQueuePolicy, DeliverJob, PlanJob } from './jobs.ts';
import {
  auditJobId,
  auditQueue,
  DEAD_QUEUE,
  DEFAULT_AUDIT_POLICY,
  DELIVER_QUEUE,
  PLAN_QUEUE,
  scheduleOfSchool,
  singletonKeyOf,
  siteOf,
} from './jobs.ts';
import { PlannerNights } from './nights.ts';
import { FleetRecords } from './records.ts';
import type { ScheduledRunRecord } from '../schedule/records.ts';
import { PLANNER_ROLE } from './roles.ts';

/** School-nights queued per round of `planNight` (three statements each, whatever the size). */
const PLAN_CHUNK = 200;

/** pg-boss's schema (its default). */
export const BOSS_SCHEMA = 'pgboss';

export interface PlannerOptions {
  url: string;
  schools: readonly LoadedSchool[];
  store: ResultsStore;
  logger: Logger;
  policy?: Partial<AuditQueuePolicy>;
  /** Seconds between cron passes and supervision passes (pg-boss defaults: 60 and 60). */
  tickSeconds?: number;
  delivery?: Omit<DeliverOptions, 'store' | 'records' | 'clock' | 'log'>;
  /**
   * A night is caught up at most this long after its time, and an audit no agent started this long
   * after it was queued is recorded as not started (default 12 hours, as the single-process scheduler).
   */
  catchUpWindowMs?: number;
}

/** pg-boss options the planner and the agents share. */
export function bossOptions(url: string, role: 'planner' | 'agent', tickSeconds?: number) {
  const tick = tickSeconds === undefined ? {} : tickSeconds;
  return {
    connectionString: url,
    application_name: `schoolnet-${role}`,
    max: role === 'planner' ? 6 : 4,
    // Only the planner (the owner's role) installs or migrates pg-boss, schedules and supervises.
    schedule: role === 'planner',
    supervise: role === 'planner',
    migrate: role === 'planner',
    createSchema: role === 'planner',
    ...(typeof tick === 'number'
      ? {
          cronMonitorIntervalSeconds: tick,
          cronWorkerIntervalSeconds: tick,
          monitorIntervalSeconds: Math.max(1, tick),
          superviseIntervalSeconds: Math.max(1, tick),
          maintenanceIntervalSeconds: Math.max(1, tick),
        }
      : {}),
  };
}

export class Planner {
  readonly #o: PlannerOptions;
  readonly boss: PgBoss;
  readonly records: FleetRecords;
  readonly #schools = new Map<string, LoadedSchool>();
  readonly #policy: AuditQueuePolicy;
  readonly #asRole: boolean;
  readonly fires: FireLedger;
  readonly #nights: PlannerNights;
  #sweeps: NodeJS.Timeout | undefined;

  constructor(o: PlannerOptions) {
    this.#o = o;
    this.#policy = { ...DEFAULT_AUDIT_POLICY, ...o.policy };
    for (const s of o.schools) {
      const sch = scheduleOfSchool(s);
      cronTime(sch.cron, sch.timezone);
      this.#schools.set(s.decl.school.id, s);
    }
    this.records = new FleetRecords(o.url, 'schoolnet-planner');
    this.fires = this.records.fireLedger();
    this.#nights = new PlannerNights({
      fires: this.fires,
      schools: this.#schools,
      logger: o.logger,
      windowMs: o.catchUpWindowMs ?? DEFAULT_CATCH_UP_WINDOW_MS,
      tickSeconds: o.tickSeconds ?? 60,
      queue: (job, q) => this.queueAudit(job, q),
      cancel: async (job) => {
        const s = this.#schools.get(job.school);
        if (s !== undefined) await this.boss.cancel(auditQueue(siteOf(s)), auditJobId(job));
      },
    });
    // With `db roles`, the planner's login works as `schoolnet_planner`, the owner of pg-boss's schema
    // (made by `db roles`): pg-boss's tables and queue partitions are then that role's, created by the
    // planner itself, and the default privileges `db roles` set give the agents theirs. Without the
    // roles (one database role for everything), pg-boss is installed as whoever runs the planner.
    const bossAccess = this.records.bossAccess(PLANNER_ROLE, BOSS_SCHEMA);
    this.#asRole = bossAccess.asRole;
    this.boss = new PgBoss({
      ...bossOptions(o.url, 'planner', o.tickSeconds),
      ...(bossAccess.asRole ? { options: `-c role=${PLANNER_ROLE}` } : {}),
      // CREATE SCHEMA needs CREATE on the database (checked even with IF NOT EXISTS).
      createSchema: !bossAccess.schemaExists,
    });
    this.boss.on('error', (e: Error) => o.logger.error({ error: e.message }, 'pg-boss error'));
  }

  get sites(): string[] {
    return [...new Set([...this.#schools.values()].map(siteOf))].sort();
  }

  async #ensureQueue(name: string, options: Record<string, unknown>): Promise<void> {
    if ((await this.boss.getQueue(name)) === null) {
      try {
        await this.boss.createQueue(name, options);
        return;
      } catch (e) {
        // Another planner created it first.
        if ((await this.boss.getQueue(name)) === null) throw e;
      }
    }
    await this.boss.updateQueue(name, options);
  }

  /** Installs pg-boss (if needed), the queues and every school's schedule; records school sites. */
  async start(opts: { workers?: boolean } = {}): Promise<void> {
    await this.boss.start();
    if (this.#asRole) {
      // pg-boss removes its instances' rows as it stops: the agents' roles may delete there (and only
      // there); the table is the planner role's, so the planner grants it once it exists.
      await this.boss.getDb().executeSql(
        `DO $$ DECLARE r text; BEGIN
           FOR r IN SELECT rolname FROM pg_roles WHERE rolname LIKE 'schoolnet\\_agent\\_%' LOOP
             EXECUTE format('GRANT DELETE ON ${BOSS_SCHEMA}.instance TO %I', r);
           END LOOP;
         END $$`,
      );
    }
    const p = this.#policy;
    await this.#ensureQueue(DEAD_QUEUE, { retentionSeconds: 30 * 86_400 });
    await this.#ensureQueue(PLAN_QUEUE, { retryLimit: 5, retryDelay: 10, retryBackoff: true });
    await this.#ensureQueue(DELIVER_QUEUE, { retryLimit: 5, retryDelay: 60, retryBackoff: true });
    for (const site of this.sites)
      await this.#ensureQueue(auditQueue(site), {
        retryLimit: p.retryLimit,
        retryDelay: p.retryDelay,
        retryBackoff: true,
        expireInSeconds: p.expireInSeconds,
        heartbeatSeconds: p.heartbeatSeconds,
        deadLetter: DEAD_QUEUE,
        // Agents are woken by LISTEN/NOTIFY rather than waiting for their next poll.
        notify: true,
      });
    this.records.setSchoolSites(new Map([...this.#schools].map(([id, s]) => [id, siteOf(s)])));
    const wanted = new Set(this.#schools.keys());
    for (const [id, s] of this.#schools) {
      const sch = scheduleOfSchool(s);
      await this.boss.schedule(PLAN_QUEUE, sch.cron, { school: id } satisfies PlanJob, {
        tz: sch.timezone,
        key: id,
        missed: sch.missed,
      });
    }
    for (const sch of await this.boss.getSchedules(PLAN_QUEUE))
      if (!wanted.has(sch.key)) await this.boss.unschedule(PLAN_QUEUE, sch.key);
    if (opts.workers === false) return;
    // Nights owed from while every planner was down, before pg-boss's own catch-up is worked.
    this.#nights.planAhead();
    await this.#nights.sweep({ resume: true });
    await this.boss.work<PlanJob>(
      PLAN_QUEUE,
      { includeMetadata: true, batchSize: 50, pollingIntervalSeconds: 1 },
      async (jobs) => {
        for (const j of jobs) await this.#plan(j as JobWithMetadata<PlanJob>);
      },
    );
    await this.boss.work<DeliverJob>(
      DELIVER_QUEUE,
      { localConcurrency: 2, pollingIntervalSeconds: 1, includeMetadata: true },
      async ([job]: Job<DeliverJob>[]) => {
        if (job !== undefined) await this.#deliverJob(job as JobWithMetadata<DeliverJob>);
      },
    );
    await this.boss.work<AuditJob>(
      DEAD_QUEUE,
      { includeMetadata: true, batchSize: 50, pollingIntervalSeconds: 1 },
      async (jobs) => {
        for (const j of jobs) this.#deadLetter(j as JobWithMetadata<AuditJob>);
      },
    );
    this.#sweeps = setInterval(
      () =>
        void this.#nights
          .sweep()
          .catch((e: unknown) => this.#o.logger.error({ error: (e as Error).message }, 'nights pass failed')),
      (this.#o.tickSeconds ?? 60) * 1000,
    );
    this.#sweeps.unref();
    this.#o.logger.info(
      { schools: this.#schools.size, sites: this.sites },
      'planner running: schedules and queues in PostgreSQL',
    );
  }

  async #plan(j: JobWithMetadata<PlanJob>): Promise<void> {
    const s = this.#schools.get(j.data.school);
    if (s === undefined) {
      this.#o.logger.warn({ school: j.data.school }, 'plan job for a school no longer declared; ignored');
      return;
    }
    await this.#nights.planned(j.data.school, this.#nights.occurrence(j.data.school, j.createdOn));
  }

  /**
   * Queues one school-night's audit on its site's queue; false when it was queued before, or the night
   * is settled in the ledger (missed, not started, done). `manual` (`--plan-night`) may queue a night
   * recorded as missed.
   */
  async queueAudit(job: AuditJob, o: { firedAt?: string; manual?: boolean } = {}): Promise<boolean> {
    return (await this.queueAudits([job], o))[0] === true;
  }

  /**
   * Queues school-nights' audits, each as `queueAudit` would, in three statements however many there
   * are: the ledger takes them to `queued` (records.ts `queueFires`), pg-boss inserts the jobs of each
   * site's queue (one insert per queue, each job with its own id, singleton key and group; a job whose id
   * is taken already is not inserted), and the jobs inserted are recorded (`scheduledMany`). One
   * answer per job, in order: whether it was queued now.
   */
  async queueAudits(
    jobs: readonly AuditJob[],
    o: { firedAt?: string; manual?: boolean } = {},
  ): Promise<boolean[]> {
    const now = new Date().toISOString();
    const key = (j: AuditJob) => `${j.school}\u0000${j.night}`;
    const seen = new Set<string>();
    const items: { job: AuditJob; i: number; site: string; queue: string }[] = [];
    for (const [i, job] of jobs.entries()) {
      const s = this.#schools.get(job.school);
      if (s === undefined) throw new Error(`no declaration for school ${job.school}`);
      if (seen.has(key(job))) continue; // the same school-night twice: queued once
      seen.add(key(job));
      const site = siteOf(s);
      items.push({ job, i, site, queue: auditQueue(site) });
    }
    const ledger = this.records.queueFires(
      items.map(({ job, queue }) => ({
        school: job.school,
        night: job.night,
        firedAt: this.#nights.firedAt(job, o.firedAt, now),
        message: `queued on ${queue} at ${now}`,
      })),
      this.#nights.queueableFrom(o.manual === true),
      now,
    );
    const byQueue = new Map<string, typeof items>();
    for (const item of items) {
      const l = ledger.get(key(item.job));
      if (l === undefined || (!l.moved && l.state !== 'queued')) {
        this.#o.logger.info(
          { school: item.job.school, night: item.job.night, state: l?.state },
          'night already settled; not queued',
        );
        continue;
      }
      byQueue.set(item.queue, [...(byQueue.get(item.queue) ?? []), item]);
    }
    const queued = jobs.map(() => false);
    const records: ScheduledRunRecord[] = [];
    const firedAt = new Date().toISOString();
    for (const [queue, batch] of byQueue) {
      const ids = await this.boss.insert(
        queue,
        batch.map(({ job, site }) => ({
          id: auditJobId(job),
          data: job,
          singletonKey: singletonKeyOf(job),
          // The group the agents' `--site-cap` (pg-boss groupConcurrency) counts: jobs without a group
          // are not capped at all.
          group: { id: site },
        })),
        { returnId: true },
      );
      const inserted = new Set(ids ?? []);
      for (const { job, i, site } of batch) {
        const id = auditJobId(job);
        const log = this.#o.logger.child({ school: job.school, night: job.night, site });
        if (!inserted.has(id)) {
          log.info('audit already queued for this school-night');
          continue;
        }
        queued[i] = true;
        records.push({
          school: job.school,
          fireKey: job.night,
          firedAt,
          outcome: 'queued',
          message: `queued on ${queue} as job ${id}`,
        });
        log.info({ job: id }, 'audit queued');
      }
    }
    this.records.scheduledMany(records);
    return queued;
  }

  /** Every declared school's audit for a night (a manual catch-up or backfill), a few hundred at a time. */
  async planNight(night: string): Promise<number> {
    const schools = [...this.#schools.keys()];
    let queued = 0;
    for (let i = 0; i < schools.length; i += PLAN_CHUNK) {
      const chunk = schools.slice(i, i + PLAN_CHUNK).map((school) => ({ school, night }));
      queued += (await this.queueAudits(chunk, { manual: true })).filter(Boolean).length;
    }
    return queued;
  }

  /** A delivery job; one that failed its last retry leaves its night undelivered. */
  async #deliverJob(j: JobWithMetadata<DeliverJob>): Promise<void> {
    try {
      await this.#deliver(j.data);
    } catch (e) {
      if (j.retryCount >= j.retryLimit)
        this.fires.set(j.data.school, j.data.night, 'undelivered', new Date().toISOString(), {
          from: ['completed', 'started'],
          runId: j.data.runId,
          message: `the delivery failed every retry: ${(e as Error).message}`,
        });
      throw e;
    }
  }

  async #deliver(job: DeliverJob): Promise<void> {
    const s = this.#schools.get(job.school);
    const log = this.#o.logger.child({ school: job.school, night: job.night, runId: job.runId });
    if (s === undefined) return void log.warn('delivery for a school no longer declared; skipped');
    // Exactly once per school-night: one delivery job (its id from school and night), and a retried job
    // whose run already has delivery records does not send again.
    if (this.records.deliveryCount(job.runId) > 0) return void log.info('already delivered; skipped');
    const run = this.#o.store.getRun(job.runId);
    if (run === undefined || run.status !== 'complete')
      throw new Error(`run ${job.runId} is not a complete run in the store`);
    const fire = this.fires.get(job.school, job.night);
    const records = await deliverRun(s, run, {
      ...this.#o.delivery,
      store: this.#o.store,
      records: this.records,
      log: (level, msg, f) => log[level](f ?? {}, msg),
      ...(fire === undefined ? {} : { nights: this.fires.nightsOwed(job.school, fire.firedAt) }),
    });
    const outcome = deliveryOutcome(records);
    // From `started` too: the agent's own `completed` may land after this (it is sent beside the job).
    this.fires.set(job.school, job.night, outcome.state, new Date().toISOString(), {
      from: ['completed', 'started'],
      runId: job.runId,
      ...(outcome.message === undefined ? {} : { message: outcome.message }),
    });
  }

  #deadLetter(j: JobWithMetadata<AuditJob>): void {
    const output = j.sourceOutput as { message?: string } | null;
    this.records.scheduled({
      school: j.data.school,
      fireKey: j.data.night,
      firedAt: new Date().toISOString(),
      outcome: 'dead-letter',
      message: `failed every attempt on ${j.sourceName ?? 'its site queue'}: ${output?.message ?? 'no error recorded'}`,
    });
    this.fires.set(j.data.school, j.data.night, 'failed', new Date().toISOString(), {
      from: ['scheduled', 'queued', 'started'],
      message: `dead letter: failed every attempt: ${output?.message ?? 'no error recorded'}`,
    });
    this.#o.logger.error({ school: j.data.school, night: j.data.night }, 'audit dead-lettered');
  }

  async stop(graceMs = 10_000): Promise<void> {
    if (this.#sweeps !== undefined) clearInterval(this.#sweeps);
    await this.boss.stop({ graceful: true, timeout: graceMs });
    this.records.close();
  }
}
