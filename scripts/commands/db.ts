/**
 * `schoolnet db init | roles`: for the database owner. `init` installs (or migrates) the results
 * schema (pg-boss's is installed by the planner, in the schema `roles` gives its role); `roles --site A --site B` creates the least-privilege roles and grants of
 * scripts/fleet/roles.ts (see docs/fleet.md). Neither prints a secret.
 */
import type { Command } from 'commander';
import { SyncPg } from '../../checks/engine/pg-sync.ts';
import { isPostgresStore, openStore, storeTarget } from '../../checks/engine/store.ts';
import { pgClientConfig } from '../../checks/engine/store-pg.ts';
import { rolesSql } from '../fleet/roles.ts';

/**
 * The results schema. pg-boss's schema is the planner's: with roles (`db roles`) its login creates
 * the tables in the schema its role owns; without, the planner installs pg-boss as whoever runs it.
 */
function init(url: string): void {
  openStore(url).close();
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
    init(url);
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
    } else
      process.stdout.write(
        'schema ready: schoolnet (results); the planner installs pg-boss (jobs) at its first start\n',
      );
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
