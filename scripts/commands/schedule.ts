/**
 * `schoolnet schedule [DIR]`: the nightly daemon. One cron job per school from its declaration
 * (default 01:30 Europe/London), spread over a window, one run per school at a time, the report
 * delivered by email and webhook after each run, structured JSON logs (pino) on stdout, every run and
 * delivery recorded in the results store, every fire in its durable ledger (scheduler.ts, fires.ts).
 * SIGTERM / SIGINT stop it gracefully: schools still waiting are recorded as not started, audits and
 * deliveries in progress get `--grace`, then are recorded as interrupted (their run stays incomplete) or
 * owed; a restart catches up (`--catch-up-window`) and delivers what is owed.
 *
 * `--once-at ISO` fires every school once as if its cron had ticked at that time (no spread), waits
 * for the runs and deliveries, and exits with the worst code: a dry run of the night.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { isPostgresStore, openStore, storeHelp, storeTarget } from '../../checks/engine/store.ts';
import { runPlanner } from '../fleet/planner-cli.ts';
import { formatProblem, loadSchoolsDir } from '../../inventory/load.ts';
import { DURATION_HELP, durationMs, formatDuration } from './duration.ts';
import { ScheduleError } from '../schedule/plan.ts';
import { FireLedger } from '../schedule/fires.ts';
import { NightlyRecords } from '../schedule/records.ts';
import { DEFAULT_CATCH_UP_WINDOW_MS, DEFAULT_SPREAD_WINDOW_MS, Scheduler } from '../schedule/scheduler.ts';

/** Durations are milliseconds (scripts/commands/duration.ts). */
interface ScheduleCliOptions {
  store?: string;
  onceAt?: Date;
  spreadWindow: number;
  grace: number;
  catchUpWindow: number;
  smtpCa?: string;
  concurrency: number;
  schools: number;
  schoolTimeout?: number;
  planNight?: string;
  tick?: number;
  retryLimit?: number;
  retryDelay?: number;
  heartbeat?: number;
}

const wholeNumber = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number (0 or more)');
  return n;
};

const atLeastOne = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
};

const isoTime = (v: string): Date => {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError('must be an ISO date-time, e.g. 2026-11-25T01:30:00Z');
  return new Date(t);
};

export async function runSchedule(dir: string, o: ScheduleCliOptions): Promise<number> {
  // Logs are data: never a secret (messages carry ids, outcomes and transport errors only), and the
  // redaction below is a second fence should a caller ever log an options object.
  const logger = pino({
    base: { service: 'schoolnet-schedule' },
    redact: { paths: ['*.password', '*.secret', '*.authKey', '*.privKey'], censor: '[secret]' },
  });
  let loadedDir;
  try {
    loadedDir = await loadSchoolsDir(dir);
  } catch (e) {
    logger.fatal({ dir, error: (e as Error).message }, 'cannot read the schools folder');
    return 3;
  }
  for (const e of loadedDir.errors)
    logger.error(
      { file: e.file, problems: e.problems.map(formatProblem) },
      'declaration invalid; school not scheduled',
    );
  if (loadedDir.schools.length === 0) {
    logger.fatal({ dir }, 'no valid school declarations to schedule');
    return 3;
  }
  const storePath = storeTarget(o.store);
  if (isPostgresStore(storePath)) {
    // The planner's settings are whole seconds.
    const sec = (ms: number | undefined) => (ms === undefined ? undefined : Math.ceil(ms / 1000));
    const { tick, retryDelay, heartbeat, schoolTimeout, ...rest } = o;
    return runPlanner(loadedDir, storePath, logger, {
      ...rest,
      ...(tick === undefined ? {} : { tick: sec(tick) }),
      ...(retryDelay === undefined ? {} : { retryDelay: sec(retryDelay) }),
      ...(heartbeat === undefined ? {} : { heartbeat: sec(heartbeat) }),
      ...(schoolTimeout === undefined ? {} : { schoolTimeout: sec(schoolTimeout) }),
    });
  }
  let store;
  let records;
  let fires: FireLedger;
  try {
    store = openStore(storePath);
    records = new NightlyRecords(store.path);
    fires = new FireLedger(store.path);
  } catch (e) {
    logger.fatal({ store: storePath, error: (e as Error).message }, 'cannot open the results store');
    return 3;
  }
  let scheduler: Scheduler;
  try {
    scheduler = new Scheduler({
      schools: loadedDir.schools,
      store,
      records,
      fires,
      logger,
      spreadWindowMs: o.spreadWindow,
      catchUpWindowMs: o.catchUpWindow,
      maxConcurrent: o.schools,
      audit: {
        concurrency: o.concurrency,
        ...(o.schoolTimeout === undefined ? {} : { schoolTimeoutMs: o.schoolTimeout }),
      },
      delivery: o.smtpCa === undefined ? {} : { smtpTls: { ca: o.smtpCa } },
    });
  } catch (e) {
    logger.fatal(
      { error: (e as Error).message },
      e instanceof ScheduleError ? 'bad schedule' : 'cannot start',
    );
    store.close();
    records.close();
    fires.close();
    return 3;
  }
  const errorsCode = loadedDir.errors.length > 0 ? 3 : 0;

  if (o.onceAt !== undefined) {
    const at = o.onceAt;
    const before = new Set(store.listRuns({ limit: 100_000 }).map((r) => r.id));
    await Promise.all(scheduler.schedules.map((s) => scheduler.fire(s.school, at, { spread: false })));
    const codes = records
      .scheduledRuns()
      .filter((r) => r.runId !== undefined && !before.has(r.runId))
      .map((r) => r.exitCode ?? 2);
    store.close();
    records.close();
    fires.close();
    return Math.max(errorsCode, 0, ...codes);
  }

  // Stop handlers first: a SIGTERM during the catch-up that start() begins is a graceful stop too.
  const stopped = new Promise<number>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutdown requested');
      void scheduler.stop(o.grace).then((interrupted) => {
        store.close();
        records.close();
        fires.close();
        logger.info({ interrupted }, 'stopped');
        done(interrupted.length > 0 ? 2 : errorsCode);
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  const resumed = scheduler.start();
  if (resumed.length > 0) logger.info({ resumed }, 'restart: owed work settled');
  logger.info({ schools: scheduler.schedules.length, store: storePath }, 'schoolnet schedule running');
  return stopped;
}

export function register(program: Command): void {
  program
    .command('schedule')
    .description('Run nightly audits of every school on its own schedule, delivering each report.')
    .argument('[dir]', 'folder of <school>/school.yaml', 'inventory/schools')
    .option('--store <path>', `${storeHelp()}; a postgres:// store makes this the central planner`)
    .option('--once-at <iso>', 'fire every school once as if at this time, then exit', isoTime)
    .addOption(
      new Option('--spread-window <duration>', 'start each school up to this long after its cron time')
        .argParser(durationMs(0))
        .default(DEFAULT_SPREAD_WINDOW_MS, formatDuration(DEFAULT_SPREAD_WINDOW_MS)),
    )
    .addOption(
      new Option('--grace <duration>', 'on SIGTERM/SIGINT, how long runs in progress may take to finish')
        .argParser(durationMs(0))
        .default(120_000, '2m'),
    )
    .addOption(
      new Option(
        '--catch-up-window <duration>',
        'after a restart, run once a fire missed this recently (schools with missed: skip never catch up)',
      )
        .argParser(durationMs(0))
        .default(DEFAULT_CATCH_UP_WINDOW_MS, formatDuration(DEFAULT_CATCH_UP_WINDOW_MS)),
    )
    .option('--smtp-ca <file>', "extra CA certificate (PEM) to trust for the schools' SMTP servers")
    .option('--concurrency <n>', 'devices collected at once per school', atLeastOne, 4)
    .option('--schools <n>', 'schools audited at once (others wait their turn)', atLeastOne, 4)
    .option('--school-timeout <duration>', 'overall budget per school run', durationMs(1000))
    .option(
      '--plan-night <yyyy-mm-dd>',
      'central planner: queue every school for this night now (a catch-up or backfill), then exit',
      (v: string) => {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(v)) throw new InvalidArgumentError('must be a date, yyyy-mm-dd');
        return v;
      },
    )
    .option(
      '--tick <duration>',
      'central planner: time between cron and supervision passes',
      durationMs(1000),
    )
    .option(
      '--retry-limit <n>',
      'central planner: retries of a failed audit before the dead-letter queue',
      wholeNumber,
    )
    .option(
      '--retry-delay <duration>',
      'central planner: first retry delay (doubles each time)',
      durationMs(1000),
    )
    .option(
      '--heartbeat <duration>',
      'central planner: an agent silent this long (10s or more) has its audit retried elsewhere',
      durationMs(1000),
    )
    .addHelpText(
      'after',
      `\nDurations: ${DURATION_HELP}.\n` +
        '\nLogs: one JSON object per line on stdout (pino). Runs, their outcomes and deliveries are kept in the\n' +
        'results store (tables runs, scheduled_runs, deliveries). See docs/nightly.md, which also shows how to\n' +
        'use system cron or a systemd timer with `schoolnet audit --all` instead of this daemon.\n' +
        'Exit codes: 0 stopped cleanly, 2 a run was interrupted, 3 configuration error; with --once-at, the\n' +
        'worst code of the runs as `schoolnet audit`.',
    )
    .action(async (dir: string, o: ScheduleCliOptions) => {
      const code = await runSchedule(dir, o);
      process.exitCode = code;
      // Audits abandoned at shutdown may still hold sockets open; the daemon's work is recorded, so end here.
      if (o.onceAt === undefined || isPostgresStore(storeTarget(o.store))) process.exit(code);
    });
}
