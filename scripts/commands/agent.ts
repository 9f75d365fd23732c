/**
 * `schoolnet agent --site <site> --store postgres://… [DIR]`: a site agent (scripts/fleet/agent.ts).
 * DIR holds this site's school declarations; their secrets are resolved here, from this machine's
 * environment and files. Logs are JSON lines (pino) on stdout. SIGTERM / SIGINT: graceful stop.
 */
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { pino } from 'pino';
import { isPostgresStore, openStore, storeTarget } from '../../checks/engine/store.ts';
import { redactPgUrl } from '../../checks/engine/store-pg.ts';
import { Agent } from '../fleet/agent.ts';
import { reachable, untilConnected } from '../fleet/connect.ts';
import { SITE_PATTERN } from '../fleet/jobs.ts';
import { DURATION_HELP, durationMs } from './duration.ts';

interface AgentCliOptions {
  site: string;
  store?: string;
  concurrency: number;
  siteCap?: number;
  deviceConcurrency: number;
  grace: number;
  name?: string;
}

const atLeastOne = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
};

const site = (v: string): string => {
  if (!SITE_PATTERN.test(v))
    throw new InvalidArgumentError('must be a site name: lower-case letters, digits and hyphens');
  return v;
};

export async function runAgent(dir: string, o: AgentCliOptions): Promise<number> {
  const logger = pino({
    base: { service: 'schoolnet-agent', site: o.site },
    redact: { paths: ['*.password', '*.secret', '*.authKey', '*.privKey'], censor: '[secret]' },
  });
  const url = storeTarget(o.store);
  if (!isPostgresStore(url)) {
    logger.fatal('an agent needs a postgres:// store (--store or SCHOOLNET_STORE)');
    return 3;
  }
  // Signals are taken first: an agent still waiting for the database stops at once.
  const waiting = new AbortController();
  const held: { agent?: Agent } = {};
  let stopping: Promise<void> | undefined;
  let closeStore = (): void => undefined;
  const stopped = new Promise<number>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      if (stopping !== undefined) return;
      logger.info({ signal, graceMs: o.grace }, 'stopping: no new jobs, finishing running audits');
      waiting.abort();
      stopping = (held.agent?.stop(o.grace) ?? Promise.resolve()).then(() => {
        closeStore();
        logger.info(held.agent?.health ?? {}, 'stopped');
        done(0);
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
  let store;
  try {
    // A site agent is often started before the school's link to the centre is up, or while
    // PostgreSQL restarts: it waits for the store rather than exit.
    store = await untilConnected(
      async () => {
        await reachable(url, `schoolnet-agent-${o.site}`);
        return openStore(url);
      },
      {
        signal: waiting.signal,
        onRetry: (error, attempt, retryInMs) =>
          logger.warn(
            { error: error.message, attempt, retryInMs },
            'cannot reach the results store yet; waiting',
          ),
      },
    );
  } catch (e) {
    if (stopping !== undefined) return stopped;
    logger.fatal({ error: (e as Error).message }, 'cannot open the results store');
    return 3;
  }
  const opened = store;
  closeStore = () => opened.close();
  const agent = new Agent({
    url,
    site: o.site,
    dir,
    store,
    logger,
    concurrency: o.concurrency,
    ...(o.siteCap === undefined ? {} : { siteCap: o.siteCap }),
    ...(o.name === undefined ? {} : { name: o.name }),
    audit: { concurrency: o.deviceConcurrency },
  });
  held.agent = agent;
  if (stopping !== undefined) return stopped;
  try {
    await agent.start();
  } catch (e) {
    if (stopping !== undefined) return stopped;
    logger.fatal({ store: redactPgUrl(url), error: (e as Error).message }, 'cannot start the agent');
    await agent.stop(0).catch(() => undefined);
    store.close();
    return 2;
  }
  return stopped;
}

export function register(program: Command): void {
  program
    .command('agent')
    .description("Audit this site's schools from the central queue (PostgreSQL + pg-boss).")
    .argument('[dir]', "folder of this site's <school>/school.yaml", 'inventory/schools')
    .requiredOption('--site <site>', 'the site whose queue this agent takes jobs from', site)
    .option('--store <url>', 'postgres:// URL of the central store (default $SCHOOLNET_STORE)')
    .option('--concurrency <n>', 'audits at once in this agent', atLeastOne, 2)
    .option('--site-cap <n>', 'audits at once across every agent of this site', atLeastOne)
    .option('--device-concurrency <n>', 'devices collected at once per school', atLeastOne, 4)
    .addOption(
      new Option('--grace <duration>', 'on SIGTERM, how long running audits may take to finish')
        .argParser(durationMs(1000))
        .default(120_000, '2m'),
    )
    .addHelpText('after', `\nDurations: ${DURATION_HELP}.`)
    .option('--name <name>', 'agent name in the roll-up (default site@host:pid)')
    .action(async (dir: string, o: AgentCliOptions) => {
      const code = await runAgent(dir, o);
      process.exitCode = code;
      process.exit(code);
    });
}
