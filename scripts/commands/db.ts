/**
 * `schoolnet db init | roles`: for the database owner. `init` installs (or migrates) the results
 * schema and pg-boss's; `roles --site A --site B` creates the least-privilege roles and grants of
 * scripts/fleet/roles.ts (see docs/fleet.md). Neither prints a secret.
 */
import type { Command } from 'commander';
import { PgBoss } from 'pg-boss';
import { SyncPg } from '../../checks/engine/pg-sync.ts';
import { isPostgresStore, openStore, storeTarget } from '../../checks/engine/store.ts';
import { pgClientConfig } from '../../checks/engine/store-pg.ts';
import { bossOptions } from '../fleet/planner.ts';
import { rolesSql } from '../fleet/roles.ts';

async function init(url: string): Promise<void> {
  openStore(url).close();
  const boss = new PgBoss({ ...bossOptions(url, 'planner'), schedule: false, supervise: false });
  await boss.start();
  await boss.stop({ graceful: false, timeout: 1000 });
}

export async function runDb(
  action: 'init' | 'roles',
  o: { store?: string; site: string[] },
): Promise<number> {
  const url = storeTarget(o.store);
  if (!isPostgresStore(url)) {
    process.stderr.write('schoolnet db: needs a postgres:// store (--store or SCHOOLNET_STORE)\n');
    return 3;
  }
  try {
    await init(url);
    if (action === 'roles') {
      const db = new SyncPg(pgClientConfig(url, 'schoolnet-db'));
      try {
        db.batch(
          rolesSql(o.site).map((sql) => ({ sql })),
          true,
        );
      } finally {
        db.close();
      }
      process.stdout.write(
        `roles ready: schoolnet_planner, schoolnet_reader, ${o.site.map((s) => `schoolnet_agent_${s.replace(/-/g, '_')}`).join(', ')}\n`,
      );
    } else process.stdout.write('schemas ready: schoolnet (results) and pgboss (jobs)\n');
    return 0;
  } catch (e) {
    process.stderr.write(`schoolnet db ${action}: ${(e as Error).message}\n`);
    return 2;
  }
}

export function register(program: Command): void {
  const db = program.command('db').description('PostgreSQL store administration (the owner role)');
  for (const action of ['init', 'roles'] as const)
    db.command(action)
      .description(
        action === 'init'
          ? 'install or migrate the results and job schemas'
          : 'create the planner, reader and per-site agent roles with least-privilege grants',
      )
      .option('--store <url>', 'postgres:// URL of the store, as its owner (default $SCHOOLNET_STORE)')
      .option(
        '--site <site>',
        'a site with agents (repeatable)',
        (v: string, prev: string[]) => [...prev, v],
        [],
      )
      .action(async (o: { store?: string; site: string[] }) => {
        process.exitCode = await runDb(action, o);
        process.exit(process.exitCode);
      });
}
