/**
 * A site agent (`schoolnet agent --site <site>`): takes audit jobs from its own site's queue only, at
 * most `concurrency` at once here and at most `siteCap` across every agent of the site (pg-boss group
 * concurrency, counted in the database). Each job names a school and a night; the agent reads that
 * school's declaration from its own folder and resolves its secrets from its own environment and files
 * (nothing secret travels through the queue or the store), audits read-only, and writes the run under
 * the id of that school-night, so a job run twice (a retry after a lost heartbeat) leaves one run. A
 * complete run queues its delivery (one job per school-night). Health (last seen, jobs done and
 * failed, version) is written to the store every few seconds for the roll-up. SIGTERM: stop taking
 * jobs, let running audits finish within the grace period, then hand the rest back (they are retried).
 */
import { join } from 'node:path';
import pg from 'pg';
import { PgBoss } from 'pg-boss';
import type { Job } from 'pg-boss';
import type { Logger } from 'pino';
import { auditWithin } from '../../checks/engine/fleet.ts';
import type { FleetOptions } from '../../checks/engine/fleet.ts';
import type { ResultsStore } from '../../checks/engine/store.ts';
import { writeBehind } from '../../checks/engine/store-pg.ts';
import pkg from '../../package.json' with { type: 'json' };
import { DeclarationCache } from './declarations.ts';
import type { AuditJob, DeliverJob } from './jobs.ts';
import { auditQueue, DELIVER_QUEUE, deliverJobId, siteOf } from './jobs.ts';
import { untilConnected } from './connect.ts';
import { bossOptions } from './planner.ts';
import { pgClientConfig } from '../../checks/engine/store-pg.ts';
import { agentHost, agentRow, claimNight, nightCompleted, UPSERT_AGENT } from './records.ts';
import type { AgentHealth } from './records.ts';

export interface AgentOptions {
  url: string;
  site: string;
  /** The folder of this site's `<school>/school.yaml` declarations. */
  dir: string;
  store: ResultsStore;
  logger: Logger;
  name?: string;
  /** Audits at once in this agent (default 2). */
  concurrency?: number;
  /** Audits at once across every agent of the site (default: no cap). */
  siteCap?: number;
  /** Audit options (device concurrency, budgets, environment with the site's secrets). */
  audit?: Omit<FleetOptions, 'store' | 'onDone' | 'onStart' | 'night'>;
  /** How often health is written (default 5 s). */
  healthEveryMs?: number;
  /** Seconds between job polls of an idle worker (default 1). */
  pollSeconds?: number;
}

export class Agent {
  readonly #o: AgentOptions;
  readonly boss: PgBoss;
  /** Health writes: their own connection, asynchronous, so a slow or absent database never holds up audits. */
  readonly #healthDb: pg.Pool;
  /** The fire ledger's writes (a claim and a completion per job; never blocking the thread). */
  readonly #ledgerDb: pg.Pool;
  /** The health write in flight, if any (writes never overlap; a beat during one is folded into the next). */
  #writing: Promise<void> | undefined;
  /** A write queued behind the one in flight, not yet started. */
  #queued: Promise<void> | undefined;
  readonly #health: AgentHealth;
  readonly #declarations = new DeclarationCache();
  #timer: NodeJS.Timeout | undefined;
  /** Worker ids, one per slot, as registered so far. */
  readonly #workers: string[] = [];
  /** Aborted by `stop()`: ends a start still waiting for the database. */
  readonly #starting = new AbortController();

  constructor(o: AgentOptions) {
    this.#o = o;
    this.boss = new PgBoss({ ...bossOptions(o.url, 'agent'), max: (o.concurrency ?? 2) + 3 });
    this.boss.on('error', (e: Error) => o.logger.error({ error: e.message }, 'pg-boss error'));
    this.#healthDb = new pg.Pool({
      ...pgClientConfig(o.url, `schoolnet-agent-${o.site}`),
      max: 1,
      connectionTimeoutMillis: 5000,
      query_timeout: 10_000,
    });
    // An idle connection dropped by a restarting server is an error event on the pool: the next write
    // opens a new one.
    this.#healthDb.on('error', () => undefined);
    this.#ledgerDb = new pg.Pool({
      ...pgClientConfig(o.url, `schoolnet-agent-${o.site}`),
      max: 2,
      connectionTimeoutMillis: 5000,
      query_timeout: 10_000,
    });
    this.#ledgerDb.on('error', () => undefined);
    const now = new Date().toISOString();
    this.#health = {
      name: o.name ?? `${o.site}@${agentHost()}:${process.pid}`,
      site: o.site,
      version: pkg.version,
      host: agentHost(),
      started: now,
      lastSeen: now,
      state: 'running',
      running: 0,
      jobsDone: 0,
      jobsFailed: 0,
    };
  }

  get health(): AgentHealth {
    return { ...this.#health };
  }

  /**
   * Writes health now, without blocking the thread. Writes never overlap: a beat while one is in flight
   * queues one more (which writes the latest state), and further beats fold into that one.
   */
  #beat(): Promise<void> {
    if (this.#queued !== undefined) return this.#queued;
    const write = (this.#writing ?? Promise.resolve()).then(async () => {
      if (this.#queued === write) this.#queued = undefined;
      this.#health.lastSeen = new Date().toISOString();
      try {
        await this.#healthDb.query(UPSERT_AGENT, agentRow(this.#health));
      } catch (e) {
        this.#o.logger.warn({ error: (e as Error).message }, 'could not record health');
      }
    });
    this.#queued = write;
    this.#writing = write;
    void write.finally(() => {
      if (this.#writing === write) this.#writing = undefined;
    });
    return write;
  }

  /**
   * Loads the site's declarations, then connects and registers the workers. While the database cannot
   * be reached (the school's link is down, PostgreSQL is restarting), it waits and retries with backoff
   * instead of giving up; a refusal waiting cannot fix (wrong password, no such role) fails at once.
   * `stop()` ends the waiting.
   */
  async start(): Promise<void> {
    const declared = await this.#declarations.preload(this.#o.dir);
    void this.#beat();
    this.#timer = setInterval(() => void this.#beat(), this.#o.healthEveryMs ?? 5000);
    this.#timer.unref();
    const queue = auditQueue(this.#o.site);
    const slots = this.#o.concurrency ?? 2;
    await untilConnected(
      async () => {
        await this.boss.start();
        while (this.#workers.length < slots) this.#workers.push(await this.#work(queue));
      },
      {
        signal: this.#starting.signal,
        onRetry: (error, attempt, delayMs) =>
          this.#o.logger.warn(
            { error: error.message, attempt, retryInMs: delayMs },
            'cannot reach the job queue yet; waiting',
          ),
      },
    );
    this.#o.logger.info(
      { site: this.#o.site, queue, concurrency: slots, siteCap: this.#o.siteCap, declared },
      'agent running',
    );
  }

  /**
   * Registers one pg-boss worker for one slot (localConcurrency 1), so each slot knows its own worker
   * id: a slot that has just finished a job wakes itself (`notifyWorker`) and fetches the next one at
   * once, instead of sleeping out the rest of its polling interval (pg-boss only skips that sleep for a
   * job that took longer than the interval, and the interval is at least 0.5 s). An idle slot polls
   * every `pollSeconds`, and NOTIFY wakes it when the planner queues a job. A fetch that fails (the
   * database went away) is retried by pg-boss at the next poll.
   */
  async #work(queue: string): Promise<string> {
    const self: { id?: string } = {};
    self.id = await this.boss.work<AuditJob>(
      queue,
      {
        localConcurrency: 1,
        pollingIntervalSeconds: this.#o.pollSeconds ?? 1,
        notifyPollingIntervalSeconds: this.#o.pollSeconds ?? 1,
        ...(this.#o.siteCap === undefined ? {} : { groupConcurrency: this.#o.siteCap }),
      },
      async ([job]: Job<AuditJob>[]) => {
        try {
          if (job !== undefined) return await this.#audit(job);
          return undefined;
        } finally {
          if (self.id !== undefined) this.boss.notifyWorker(self.id);
        }
      },
    );
    return self.id;
  }

  async #audit(job: Job<AuditJob>): Promise<{ runId: string; status: string }> {
    const { school, night } = job.data;
    const log = this.#o.logger.child({ school, night, job: job.id, attempt: job.retryCount });
    this.#health.running++;
    const t0 = performance.now();
    try {
      const loaded = await this.#declarations.get(join(this.#o.dir, school, 'school.yaml'));
      // Defence in depth: the queue is the site's, and the declaration must say so too.
      if (siteOf(loaded) !== this.#o.site)
        throw new Error(`school ${school} belongs to site ${siteOf(loaded)}, not ${this.#o.site}`);
      // The run's reads and writes go out without blocking this thread (other slots' audits keep
      // their sockets served); the job is settled only once its writes have committed.
      const writes = writeBehind(this.#o.store);
      // The night's fire goes to `started` (nights.ts) beside the night check, both without blocking.
      const [done, claim] = await Promise.all([
        writes.runForNight(school, night),
        this.#claim(school, night),
      ]);
      if (!claim.claimed) {
        log.info({ state: claim.state }, 'this school-night is settled in the ledger; not audited');
        this.#health.jobsDone++;
        return { runId: done?.id ?? '', status: claim.state ?? 'settled' };
      }
      if (done?.status === 'complete') {
        log.info({ runId: done.id }, 'this school-night already has a complete run; nothing to do');
        this.#health.jobsDone++;
        return { runId: done.id, status: 'complete' };
      }
      const tLoad = performance.now();
      log.info('audit starting');
      const r = await auditWithin(loaded, {
        ...this.#o.audit,
        schoolTimeoutMs: Math.max(1000, (job.expireInSeconds - 5) * 1000),
        store: writes.store,
        night,
      });
      await writes.settle();
      if (r.run === undefined || r.run.status !== 'complete') {
        // A retry may do better (the device may be back); after the last one the job is dead-lettered.
        throw new Error(r.error ?? `run ${r.run?.id ?? r.runId ?? '?'} is ${r.run?.status ?? 'missing'}`);
      }
      const tAudit = performance.now();
      const completed = nightCompleted(this.#ledgerDb, school, night, r.run.id).catch((e: unknown) =>
        log.warn({ error: (e as Error).message }, 'could not record the night completed'),
      );
      await this.boss.send(DELIVER_QUEUE, { school, night, runId: r.run.id } satisfies DeliverJob, {
        id: deliverJobId({ school, night }),
      });
      await completed;
      this.#health.jobsDone++;
      log.info(
        {
          runId: r.run.id,
          score: r.run.score,
          ms: r.ms,
          // Where the job's time went: declaration and night check, the audit, queueing delivery.
          prepMs: Math.round(tLoad - t0),
          auditMs: Math.round(tAudit - tLoad),
          sendMs: Math.round(performance.now() - tAudit),
        },
        'audit finished',
      );
      return { runId: r.run.id, status: r.run.status };
    } catch (e) {
      this.#health.jobsFailed++;
      log.error({ error: (e as Error).message }, 'audit failed');
      throw e;
    } finally {
      // Health after each job as well as every few seconds: the write is asynchronous and folded
      // into any write already waiting, so it costs the audits nothing.
      this.#health.running--;
      void this.#beat();
    }
  }

  /** Claims the school-night's fire; a ledger that cannot be written never stops an audit. */
  async #claim(school: string, night: string): Promise<{ claimed: boolean; state?: string }> {
    try {
      return await claimNight(this.#ledgerDb, school, night);
    } catch (e) {
      this.#o.logger.warn(
        { school, night, error: (e as Error).message },
        'could not record the night started',
      );
      return { claimed: true };
    }
  }

  /** Stops taking jobs; waits up to `graceMs` for running audits, then hands the rest back. */
  async stop(graceMs: number): Promise<void> {
    this.#health.state = 'stopping';
    this.#starting.abort();
    void this.#beat();
    await this.boss.stop({ graceful: true, timeout: graceMs });
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#health.state = 'stopped';
    await this.#beat();
    await this.#healthDb.end();
    await this.#ledgerDb.end();
  }
}
