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
import type { Db, Job, SendOptions } from 'pg-boss';
import type { Logger } from 'pino';
import { auditWithin } from '../../checks/engine/fleet.ts';
import type { FleetOptions } from '../../checks/engine/fleet.ts';
import type { ResultsStore } from '../../checks/engine/store.ts';
import { writeBehind } from '../../checks/engine/store-pg.ts';
import type { Stmt } from '../../checks/engine/pg-sync.ts';
import { nightRunId } from '../../checks/engine/run.ts';
import pkg from '../../package.json' with { type: 'json' };
import { DeclarationCache } from './declarations.ts';
import type { AuditJob, DeliverJob } from './jobs.ts';
import { auditQueue, DELIVER_QUEUE, deliverJobId, siteOf } from './jobs.ts';
import { untilConnected } from './connect.ts';
import { bossOptions } from './planner.ts';
import { pgClientConfig } from '../../checks/engine/store-pg.ts';
import { agentHost, agentRow, claimNight, nightCompletedStmt, UPSERT_AGENT } from './records.ts';
import type { AgentHealth, NightClaim } from './records.ts';

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
  /** The fire ledger's claim (with the night check, one statement per job; never blocking the thread). */
  readonly #ledgerDb: pg.Pool;
  /** The health write in flight, if any (writes never overlap; a beat during one is folded into the next). */
  #writing: Promise<void> | undefined;
  /** A write due within a second (after a job ended). */
  #soon: NodeJS.Timeout | undefined;
  /** A write queued behind the one in flight, not yet started. */
  #queued: Promise<void> | undefined;
  readonly #health: AgentHealth;
  readonly #declarations = new DeclarationCache();
  #timer: NodeJS.Timeout | undefined;
  /** Worker ids, one per slot, as registered so far. */
  readonly #workers: string[] = [];
  /** Aborted by `stop()`: ends a start still waiting for the database. */
  readonly #starting = new AbortController();
  /** Audit slots free (of `concurrency`), and jobs fetched ahead waiting for one (see `#work`). */
  #free = 0;
  readonly #waiting: ((slot: boolean) => void)[] = [];
  #stopping = false;

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
   * Health within a second of a job ending, one write for every job ending in that second (at a few
   * hundred schools a minute, a write per job would be a statement per job for PostgreSQL).
   */
  #beatSoon(): void {
    if (this.#soon !== undefined) return;
    this.#soon = setTimeout(() => {
      this.#soon = undefined;
      void this.#beat();
    }, 1000);
    this.#soon.unref();
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
    this.#free = slots;
    // One job fetched ahead (a worker more than the slots), except under a site cap: pg-boss counts a
    // job fetched ahead as active in the site's group, so it would hold a share of the cap that another
    // agent's free slot could be auditing with.
    const workers = slots + (this.#o.siteCap === undefined ? 1 : 0);
    await untilConnected(
      async () => {
        await this.boss.start();
        while (this.#workers.length < workers) this.#workers.push(await this.#work(queue));
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
      {
        site: this.#o.site,
        queue,
        concurrency: slots,
        fetchAhead: workers - slots,
        siteCap: this.#o.siteCap,
        declared,
      },
      'agent running',
    );
  }

  /**
   * Registers one pg-boss worker (localConcurrency 1), so each knows its own worker id: a worker that
   * has just finished a job wakes itself (`notifyWorker`) and fetches the next one at once, instead of
   * sleeping out the rest of its polling interval (pg-boss only skips that sleep for a job that took
   * longer than the interval, and the interval is at least 0.5 s). An idle worker polls every
   * `pollSeconds`, and NOTIFY wakes it when the planner queues a job. A fetch that fails (the database
   * went away) is retried by pg-boss at the next poll.
   *
   * There is one worker more than there are audit slots (without a site cap): its job waits for the
   * first slot to free, so a slot goes from one audit to the next without waiting for pg-boss to
   * complete the job and fetch another (two round trips to the database, under load a good part of an
   * audit's time). At most `concurrency` audits run at once; the job waiting is kept alive by pg-boss's
   * heartbeat like a running one, its audit's budget is what is left of the job's after the wait, and
   * on stop it is handed back at once rather than audited (`#slot`, `stop`).
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
          if (job === undefined) return undefined;
          const t0 = performance.now();
          const slot = await this.#slot();
          if (slot === false) return await this.#handBack(queue, job, 'the agent is stopping');
          let held = true;
          const release = () => {
            if (held) this.#release();
            held = false;
          };
          try {
            const waitedMs = performance.now() - t0;
            const budgetMs = (job.expireInSeconds - 5) * 1000;
            // A job that waited for most of its budget (the slots' audits ran long) is handed back for a
            // fresh one rather than audited in what is left.
            if (waitedMs > budgetMs / 2)
              return await this.#handBack(queue, job, `it waited ${Math.round(waitedMs)} ms for a slot`);
            return await this.#audit(job, Math.max(1000, budgetMs - waitedMs), slot === 'waited', release);
          } finally {
            release();
          }
        } finally {
          if (self.id !== undefined) this.boss.notifyWorker(self.id);
        }
      },
    );
    return self.id;
  }

  /** Takes an audit slot, waiting for one if need be: false when the agent stops meanwhile. */
  #slot(): Promise<'free' | 'waited' | false> {
    if (this.#stopping) return Promise.resolve(false);
    if (this.#free > 0) {
      this.#free--;
      return Promise.resolve('free');
    }
    return new Promise((resolve) => this.#waiting.push((slot) => resolve(slot && 'waited')));
  }

  /** Frees a slot: straight to a job waiting for one, if any. */
  #release(): void {
    const next = this.#waiting.shift();
    if (next !== undefined) next(true);
    else this.#free++;
  }

  /**
   * Gives a job fetched but not started back to the queue, at once and in one transaction (pg-boss's
   * cancel, then resume, on one connection of ours): any agent of the site may take it now. pg-boss's
   * own completion after the handler then finds it no longer active and leaves it be. Its next claim
   * counts as an attempt (pg-boss counts a claim of a job that was started before).
   */
  async #handBack(queue: string, job: Job<AuditJob>, why: string): Promise<undefined> {
    const client = await this.#ledgerDb.connect();
    const db: Db = { executeSql: (sql: string, values?: unknown[]) => client.query(sql, values) };
    try {
      await client.query('BEGIN');
      // The cancel is fenced to this attempt: a job no longer ours (another agent's now) is left as it is,
      // and resume only takes a cancelled job back to the queue. (A job the planner cancelled as not
      // started in the same instant would be resumed too; the ledger, which says not started, keeps any
      // agent from auditing it.)
      await this.boss.cancel(queue, { id: job.id, retryCount: job.retryCount }, { db });
      await this.boss.resume(queue, job.id, { db });
      await client.query('COMMIT');
      this.#o.logger.info(
        { school: job.data.school, night: job.data.night, job: job.id, why },
        'job handed back before its audit started',
      );
    } catch (e) {
      await client.query('ROLLBACK').catch(() => undefined);
      // Not handed back: failing the job lets pg-boss retry it (its retry delay applies).
      throw new Error(`could not hand the job back (${why}): ${(e as Error).message}`, { cause: e });
    } finally {
      client.release();
    }
    return undefined;
  }

  /**
   * Audits a job's school-night. `waited`: the job waited for its slot (fetched ahead), so the agent
   * may have lost it meanwhile (its heartbeat could not reach the database, and pg-boss gave it to
   * another agent): it is audited only once the ledger's claim confirms the night is still to run.
   * `audited` is called once the audit is done with the school's devices, before its writes commit.
   */
  async #audit(
    job: Job<AuditJob>,
    budgetMs: number,
    waited: boolean,
    audited: () => void,
  ): Promise<{ runId: string; status: string }> {
    const { school, night } = job.data;
    const log = this.#o.logger.child({ school, night, job: job.id, attempt: job.retryCount });
    this.#health.running++;
    const t0 = performance.now();
    try {
      const loaded = await this.#declarations.get(join(this.#o.dir, school, 'school.yaml'));
      // Defence in depth: the queue is the site's, and the declaration must say so too.
      if (siteOf(loaded) !== this.#o.site)
        throw new Error(`school ${school} belongs to site ${siteOf(loaded)}, not ${this.#o.site}`);
      // The night's fire goes to `started` (nights.ts) and the night's run is read, in one statement.
      const claim = await this.#claim(school, night, waited);
      const done = claim.run;
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
      // A complete run commits, in its own `finishRun` transaction, the night `completed` in the
      // ledger and its delivery job (one job per school-night: its id is the night's): all or nothing,
      // one commit. The run id is the night's (`nightRunId`), so the delivery job is prepared now.
      const runId = nightRunId(school, night);
      const deliver = await this.#sendStmt(DELIVER_QUEUE, { school, night, runId } satisfies DeliverJob, {
        id: deliverJobId({ school, night }),
      });
      // The run's reads and writes go out without blocking this thread (other slots' audits keep
      // their sockets served); the job is settled only once its writes have committed.
      const writes = writeBehind(this.#o.store, {
        alsoOnFinish: (run) =>
          run.status === 'complete' && run.id === runId
            ? [nightCompletedStmt(school, night, run.id), deliver]
            : [],
      });
      const tLoad = performance.now();
      log.info('audit starting');
      const r = await auditWithin(loaded, {
        ...this.#o.audit,
        schoolTimeoutMs: budgetMs,
        store: writes.store,
        night,
      });
      // The school's devices are done with: the slot goes to the next audit while this one's writes
      // commit (the job is settled only once they have; pg-boss's worker stays with it till then, so the
      // jobs held stay within the workers, one more than the slots).
      audited();
      await writes.settle();
      if (r.run === undefined || r.run.status !== 'complete') {
        // A retry may do better (the device may be back); after the last one the job is dead-lettered.
        throw new Error(r.error ?? `run ${r.run?.id ?? r.runId ?? '?'} is ${r.run?.status ?? 'missing'}`);
      }
      if (r.run.id !== runId) throw new Error(`run ${r.run.id} is not the night's run ${runId}`);
      const tAudit = performance.now();
      this.#health.jobsDone++;
      log.info(
        {
          runId: r.run.id,
          score: r.run.score,
          ms: r.ms,
          // Where the job's time went: declaration and night check, the audit with its writes.
          prepMs: Math.round(tLoad - t0),
          auditMs: Math.round(tAudit - tLoad),
        },
        'audit finished',
      );
      return { runId: r.run.id, status: r.run.status };
    } catch (e) {
      this.#health.jobsFailed++;
      log.error({ error: (e as Error).message }, 'audit failed');
      throw e;
    } finally {
      // Health within a second of each job as well as every few seconds: asynchronous, and one write
      // covers every job that ended in that second.
      this.#health.running--;
      this.#beatSoon();
    }
  }

  /**
   * Claims the school-night's fire and reads its run. A claim that fails (the ledger could not be
   * written) never stops an audit of a job just fetched: the night check is then made on its own. A
   * job that waited for its slot is not audited without the claim (`#audit`).
   */
  async #claim(school: string, night: string, required: boolean): Promise<NightClaim> {
    try {
      return await claimNight(this.#ledgerDb, school, night);
    } catch (e) {
      if (required)
        throw new Error(
          `could not confirm the night is still to run after the job waited for a slot: ${(e as Error).message}`,
          { cause: e },
        );
      this.#o.logger.warn(
        { school, night, error: (e as Error).message },
        'could not record the night started',
      );
      const run = await writeBehind(this.#o.store).runForNight(school, night);
      return { claimed: true, ...(run === undefined ? {} : { run: { id: run.id, status: run.status } }) };
    }
  }

  /**
   * pg-boss's own statement for a send, to be committed in our transaction rather than on its pool:
   * pg-boss runs a send as one statement on the `db` it is given (its `db` option), and this `db`
   * records that statement instead of running it. The job's id is ours (`options.id`), so the answer
   * pg-boss reads back is known. The statement is run by `finishRun`'s transaction (writeBehind).
   */
  async #sendStmt(queue: string, data: object, options: SendOptions & { id: string }): Promise<Stmt> {
    let stmt: Stmt | undefined;
    const recorder: Db = {
      executeSql: (sql: string, values?: unknown[]) => {
        if (stmt !== undefined) throw new Error('pg-boss sent more than one statement for a job');
        stmt = { sql, params: values ?? [] };
        return Promise.resolve({ rows: [{ id: options.id }] });
      },
    };
    await this.boss.send(queue, data, { ...options, db: recorder });
    if (stmt === undefined) throw new Error(`pg-boss prepared no statement for a job on ${queue}`);
    return stmt;
  }

  /** Stops taking jobs; waits up to `graceMs` for running audits, then hands the rest back. */
  async stop(graceMs: number): Promise<void> {
    this.#health.state = 'stopping';
    this.#starting.abort();
    // Jobs fetched ahead and waiting for a slot are handed back now, not audited after the stop.
    this.#stopping = true;
    for (const waiter of this.#waiting.splice(0)) waiter(false);
    void this.#beat();
    await this.boss.stop({ graceful: true, timeout: graceMs });
    if (this.#timer !== undefined) clearInterval(this.#timer);
    if (this.#soon !== undefined) clearTimeout(this.#soon);
    this.#health.state = 'stopped';
    await this.#beat();
    await this.#healthDb.end();
    await this.#ledgerDb.end();
  }
}
