/**
 * Least-privilege database roles for the central-plus-agents layout (`schoolnet db roles`), run once
 * by the database owner (a superuser, or a member of the roles) after `db init`, before or after the
 * planner's first start. Three kinds of role, each a
 * NOLOGIN group role; give each login (a per-site user, a certificate user) membership of one:
 *
 * - `schoolnet_planner`: owns pg-boss's schema and creates its tables there itself (nothing else), reads
 *   every result, writes the nightly records (scheduled_runs, deliveries, the fire ledger
 *   schedule_fires) and the school → site map.
 * - `schoolnet_agent_<site>`: takes and settles jobs through pg-boss; in the results store it sees and
 *   writes only runs of its own site's schools (row-level security on `school_sites`), writes its own
 *   site's health rows, reads its own site's school-nights in the fire ledger and moves them to
 *   `started` or `completed` only (nothing else, no insert or delete), and cannot read deliveries,
 *   scheduled_runs or any other site's runs or nights.
 * - `schoolnet_reader`: reads results, agents' health and the nightly records (report, rollup); writes
 *   nothing and cannot see the queue.
 *
 * The SQL is idempotent (roles and policies are created or replaced).
 */
import { PG_SCHEMA } from '../../checks/engine/store-pg.ts';
import { SITE_PATTERN } from './jobs.ts';

export const PLANNER_ROLE = 'schoolnet_planner';
export const READER_ROLE = 'schoolnet_reader';
export const agentRole = (site: string): string => `schoolnet_agent_${site.replace(/-/g, '_')}`;

const RESULT_TABLES = ['runs', 'findings', 'evidence', 'effective_policy', 'devices'];

function createRole(name: string): string {
  return `DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${name}') THEN CREATE ROLE ${name} NOLOGIN; END IF;
END $$;`;
}

/** Every statement, in order. Site names are checked (they become role names and literals). */
export function rolesSql(sites: readonly string[], bossSchema = 'pgboss'): string[] {
  for (const s of sites) if (!SITE_PATTERN.test(s)) throw new Error(`not a site name: ${JSON.stringify(s)}`);
  const S = PG_SCHEMA;
  const out: string[] = [createRole(PLANNER_ROLE), createRole(READER_ROLE)];
  const all = [PLANNER_ROLE, READER_ROLE, ...sites.map(agentRole)];
  for (const site of sites) out.push(createRole(agentRole(site)));
  out.push(`CREATE SCHEMA IF NOT EXISTS ${bossSchema} AUTHORIZATION ${PLANNER_ROLE}`);
  out.push(
    `REVOKE ALL ON SCHEMA ${S} FROM PUBLIC`,
    `REVOKE ALL ON SCHEMA ${bossSchema} FROM PUBLIC`,
    `GRANT USAGE ON SCHEMA ${S} TO ${all.join(', ')}`,
    // The planner owns pg-boss's schema, and nothing else: its login (SET ROLE schoolnet_planner, see
    // planner.ts) creates and migrates pg-boss's tables and queue partitions there itself. An install
    // made earlier by the owner is handed over, object by object.
    `ALTER SCHEMA ${bossSchema} OWNER TO ${PLANNER_ROLE}`,
    `DO $$ DECLARE o record; BEGIN
  FOR o IN SELECT c.oid::regclass AS name, c.relkind FROM pg_class c
           WHERE c.relnamespace = '${bossSchema}'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm', 'S')
             AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i') AND c.relkind = 'S')
  LOOP
    EXECUTE format(CASE WHEN o.relkind = 'S' THEN 'ALTER SEQUENCE %s OWNER TO ${PLANNER_ROLE}'
                        ELSE 'ALTER TABLE %s OWNER TO ${PLANNER_ROLE}' END, o.name);
  END LOOP;
  FOR o IN SELECT p.oid::regprocedure AS name FROM pg_proc p WHERE p.pronamespace = '${bossSchema}'::regnamespace LOOP
    EXECUTE format('ALTER ROUTINE %s OWNER TO ${PLANNER_ROLE}', o.name);
  END LOOP;
  FOR o IN SELECT t.oid::regtype AS name FROM pg_type t
           WHERE t.typnamespace = '${bossSchema}'::regnamespace AND t.typtype IN ('e', 'd', 'c') AND t.typrelid = 0
  LOOP
    EXECUTE format('ALTER TYPE %s OWNER TO ${PLANNER_ROLE}', o.name);
  END LOOP;
END $$`,
    // The planner reads every result.
    `GRANT SELECT ON ${[...RESULT_TABLES, 'agents', 'schema_version'].join(', ')} TO ${PLANNER_ROLE}`,
    `GRANT SELECT, INSERT, UPDATE ON scheduled_runs, deliveries, schedule_fires TO ${PLANNER_ROLE}`,
    `GRANT SELECT, INSERT, UPDATE, DELETE ON school_sites TO ${PLANNER_ROLE}`,
    // The reader: results, health, records; nothing of the queue.
    `GRANT SELECT ON ${[...RESULT_TABLES, 'agents', 'scheduled_runs', 'deliveries', 'schedule_fires', 'school_sites', 'schema_version'].join(', ')} TO ${READER_ROLE}`,
  );
  // Row-level security: the owner is exempt; the planner and reader see every row; an agent only
  // its own site's.
  for (const t of [...RESULT_TABLES, 'agents', 'schedule_fires']) {
    out.push(`ALTER TABLE ${S}.${t} ENABLE ROW LEVEL SECURITY`);
    out.push(`DROP POLICY IF EXISTS everyone_central ON ${S}.${t}`);
    out.push(`CREATE POLICY everyone_central ON ${S}.${t} TO ${PLANNER_ROLE}, ${READER_ROLE} USING (true)`);
  }
  for (const site of sites) {
    const role = agentRole(site);
    const lit = `'${site}'`;
    const ownSchools = `(SELECT school FROM ${S}.school_sites WHERE site = ${lit})`;
    out.push(
      // The queue: pg-boss's tables and functions (jobs of other queues are named, never secret), and the owner creates later.
      // the queue partitions the planner creates later (default privileges of the planner's role).
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${PLANNER_ROLE} IN SCHEMA ${bossSchema} GRANT SELECT, INSERT, UPDATE ON TABLES TO ${role}`,
      `ALTER DEFAULT PRIVILEGES FOR ROLE ${PLANNER_ROLE} IN SCHEMA ${bossSchema} GRANT USAGE ON SEQUENCES TO ${role}`,
      `GRANT USAGE ON SCHEMA ${bossSchema} TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ${bossSchema} TO ${role}`,
      // pg-boss registers each running instance and removes it (and stale ones) again; the planner
      // grants this too when it creates the table (planner.ts).
      `DO $$ BEGIN
  IF to_regclass('${bossSchema}.instance') IS NOT NULL THEN GRANT DELETE ON ${bossSchema}.instance TO ${role}; END IF;
END $$`,
      `GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${bossSchema} TO ${role}`,
      `GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${bossSchema} TO ${role}`,
      `GRANT SELECT ON ${S}.school_sites, ${S}.schema_version TO ${role}`,
      `GRANT USAGE ON SEQUENCE ${S}.run_seq TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE, DELETE ON ${RESULT_TABLES.map((t) => `${S}.${t}`).join(', ')} TO ${role}`,
      `GRANT SELECT, INSERT, UPDATE ON ${S}.agents TO ${role}`,
      `DROP POLICY IF EXISTS own_site ON ${S}.runs`.replace('own_site', `site_${site.replace(/-/g, '_')}`),
      `CREATE POLICY site_${site.replace(/-/g, '_')} ON ${S}.runs TO ${role} USING (school IN ${ownSchools}) WITH CHECK (school IN ${ownSchools})`,
    );
    for (const t of ['findings', 'evidence', 'effective_policy', 'devices']) {
      const p = `site_${site.replace(/-/g, '_')}`;
      out.push(
        `DROP POLICY IF EXISTS ${p} ON ${S}.${t}`,
        `CREATE POLICY ${p} ON ${S}.${t} TO ${role} USING (run_id IN (SELECT id FROM ${S}.runs)) WITH CHECK (run_id IN (SELECT id FROM ${S}.runs))`,
      );
    }
    const p = `site_${site.replace(/-/g, '_')}`;
    out.push(
      `DROP POLICY IF EXISTS ${p} ON ${S}.agents`,
      `CREATE POLICY ${p} ON ${S}.agents TO ${role} USING (site = ${lit}) WITH CHECK (site = ${lit})`,
      // The fire ledger: its own site's school-nights, to `started` (a claim) or `completed` only.
      `GRANT SELECT, UPDATE (state, run_id, attempts, updated, message) ON ${S}.schedule_fires TO ${role}`,
      `DROP POLICY IF EXISTS ${p} ON ${S}.schedule_fires`,
      `CREATE POLICY ${p} ON ${S}.schedule_fires TO ${role} USING (school IN ${ownSchools}) WITH CHECK (school IN ${ownSchools} AND state IN ('started', 'completed'))`,
    );
  }
  return out;
}
