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
  let store;
  try {
    store = openStore(url);
  } catch (e) {
    logger.fatal({ error: (e as Error).message }, 'cannot open the results store');
    return 3;
  }
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
  try {
    await agent.start();
  } catch (e) {
    logger.fatal({ store: redactPgUrl(url), error: (e as Error).message }, 'cannot start the agent');
    store.close();
    return 2;
  }
  return new Promise<number>((done) => {
    const stop = (signal: NodeJS.Signals) => {
      logger.info({ signal, graceMs: o.grace }, 'stopping: no new jobs, finishing running audits');
      void agent.stop(o.grace).then(() => {
        store.close();
        logger.info(agent.health, 'stopped');
        done(0);
      });
    };
    process.once('SIGTERM', stop);
    process.once('SIGINT', stop);
  });
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
