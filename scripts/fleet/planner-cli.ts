/**
 * `schoolnet schedule --store postgres://…`: the central planner's process (planner.ts). Runs until
 * SIGTERM / SIGINT; with `--plan-night`, queues that night for every school and exits.
 */
import type { Logger } from 'pino';
import { openStore } from '../../checks/engine/store.ts';
import { redactPgUrl } from '../../checks/engine/store-pg.ts';
import type { SchoolsDirResult } from '../../inventory/load.ts';
import { reachable, untilConnected } from './connect.ts';
import { Planner } from './planner.ts';

export async function runPlanner(
  loaded: SchoolsDirResult,
  url: string,
  logger: Logger,
  o: {
    planNight?: string;
    tick?: number;
    smtpCa?: string;
    retryLimit?: number;
    retryDelay?: number;
    heartbeat?: number;
    schoolTimeout?: number;
    /** Milliseconds (the CLI's duration option); see PlannerOptions.catchUpWindowMs. */
    catchUpWindow?: number;
  },
): Promise<number> {
  const errorsCode = loaded.errors.length > 0 ? 3 : 0;
  if (o.planNight === undefined) {
    // The daemon waits for a database that is restarting or not up yet (as agents do); a one-off
    // `--plan-night` fails at once instead.
    const waiting = new AbortController();
    const cancel = (): void => waiting.abort();
    process.once('SIGTERM', cancel);
    process.once('SIGINT', cancel);
    try {
      await untilConnected(() => reachable(url, 'schoolnet-planner'), {
        signal: waiting.signal,
        onRetry: (error, attempt, retryInMs) =>
          logger.warn(
            { error: error.message, attempt, retryInMs },
            'cannot reach the results store yet; waiting',
          ),
      });
    } catch (e) {
      if (waiting.signal.aborted) return errorsCode;
      logger.fatal({ store: redactPgUrl(url), error: (e as Error).message }, 'cannot open the results store');
      return 3;
    } finally {
      process.off('SIGTERM', cancel);
      process.off('SIGINT', cancel);
    }
  }
  let store;
  try {
    store = openStore(url);
  } catch (e) {
    logger.fatal({ error: (e as Error).message }, 'cannot open the results store');
    return 3;
  }
  let planner: Planner;
  try {
    planner = new Planner({
      url,
      schools: loaded.schools,
      store,
      logger,
      ...(o.tick === undefined ? {} : { tickSeconds: o.tick }),
      ...(o.catchUpWindow === undefined ? {} : { catchUpWindowMs: o.catchUpWindow }),
      policy: {
        ...(o.retryLimit === undefined ? {} : { retryLimit: o.retryLimit }),
        ...(o.retryDelay === undefined ? {} : { retryDelay: o.retryDelay }),
        ...(o.heartbeat === undefined ? {} : { heartbeatSeconds: Math.max(10, o.heartbeat) }),
        ...(o.schoolTimeout === undefined ? {} : { expireInSeconds: o.schoolTimeout }),
      },
      delivery: o.smtpCa === undefined ? {} : { smtpTls: { ca: o.smtpCa } },
    });
    await planner.start({ workers: o.planNight === undefined });
  } catch (e) {
    logger.fatal({ store: redactPgUrl(url), error: (e as Error).message }, 'cannot start the planner');
    store.close();
    return 3;
  }
  if (o.planNight !== undefined) {
    const queued = await planner.planNight(o.planNight);
    logger.info({ night: o.planNight, queued, schools: loaded.schools.length }, 'night queued');
    await planner.stop(1000);
    store.close();
    return errorsCode;
  }
  return new Promise<number>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'shutdown requested');
      void planner.stop().then(() => {
        store.close();
        logger.info('stopped');
        done(errorsCode);
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
}
