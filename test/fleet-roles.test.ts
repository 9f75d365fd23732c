/**
 * Least-privilege roles (`schoolnet db roles`) on the testbed's PostgreSQL, checked with our own SQL
 * as each role: what an agent's role can and cannot read or write, what the reader can, and that a site
 * agent logged in with nothing but its site's role still does its whole job (the real CLI).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncPg } from '../checks/engine/pg-sync.ts';
import { openStore } from '../checks/engine/store.ts';
import { startSchoolRouter, testbedInfo } from './support/bind-testbed.ts';
import type { RouterEndpoint } from './support/bind-testbed.ts';
import {
  eventually,
  freshDatabase,
  jobs,
  startCli,
  stopCli,
  writeFleetSchools,
} from './support/fleet-harness.ts';
import type { Proc } from './support/fleet-harness.ts';
import type { RouterOsServer } from './support/routeros/server.ts';
import { sampleRun } from './support/store-contract.ts';

let root: string;
let admin: SyncPg;
let owner: SyncPg;
let url: string;
let server: RouterOsServer;
let router: RouterEndpoint;
let envs: Record<string, NodeJS.ProcessEnv>;
const procs: Proc[] = [];

/** The store URL as a login of the given name and password. */
function as(user: string, password: string): string {
  const u = new URL(url);
  u.username = user;
  u.password = password;
  return u.toString();
}

beforeAll(async () => {
  const info = testbedInfo();
  const base = info.services.postgres?.extra?.url;
  if (base === undefined) throw new Error('the testbed has no postgres');
  admin = new SyncPg({ connectionString: base });
  url = freshDatabase(admin, base, `roles_${process.pid}`);
  owner = new SyncPg({ connectionString: url });
  root = mkdtempSync(join(tmpdir(), 'fleet-roles-'));
  ({ server, endpoint: router } = await startSchoolRouter('demo'));
  envs = await writeFleetSchools(
    root,
    info,
    [
      { id: 'roles-a1', site: 'site-a' },
      { id: 'roles-b1', site: 'site-b' },
    ],
    router,
  );
  // The owner installs the results schema and makes the roles and one login per role; the planner's
  // login then installs pg-boss itself (in the schema its role owns) and queues a night.
  const init = startCli(['db', 'init', '--store', url], {});
  expect((await init.exited).code, init.output()).toBe(0);
  const roles = startCli(['db', 'roles', '--store', url, '--site', 'site-a', '--site', 'site-b'], {});
  expect((await roles.exited).code, roles.output()).toBe(0);
  owner.batch([
    { sql: `DROP ROLE IF EXISTS agent_a_login` },
    { sql: `CREATE ROLE agent_a_login LOGIN PASSWORD 'agent-a-pw' IN ROLE schoolnet_agent_site_a` },
    { sql: `DROP ROLE IF EXISTS reader_login` },
    { sql: `CREATE ROLE reader_login LOGIN PASSWORD 'reader-pw' IN ROLE schoolnet_reader` },
    { sql: `DROP ROLE IF EXISTS planner_login` },
    { sql: `CREATE ROLE planner_login LOGIN PASSWORD 'planner-pw' IN ROLE schoolnet_planner` },
  ]);
  expect(owner.query(`SELECT to_regclass('pgboss.job') AS t`)).toEqual([{ t: null }]);
  const plan = startCli(
    [
      'schedule',
      join(root, 'all', 'schools'),
      '--store',
      as('planner_login', 'planner-pw'),
      '--plan-night',
      '2026-12-04',
    ],
    {},
  );
  expect((await plan.exited).code, plan.output()).toBe(0);
  // The planner's login recorded each school-night it queued in the fire ledger.
  expect(owner.query(`SELECT school, fire_key, state FROM schoolnet.schedule_fires ORDER BY school`)).toEqual(
    [
      { school: 'roles-a1', fire_key: '2026-12-04', state: 'queued' },
      { school: 'roles-b1', fire_key: '2026-12-04', state: 'queued' },
    ],
  );
  // One finished run of each site's school, written by the owner.
  const store = openStore(url);
  for (const [id, school] of [
    ['ra', 'roles-a1'],
    ['rb', 'roles-b1'],
  ] as const) {
    const run = sampleRun(id, school, '2026-12-01T01:30:00.000Z');
    store.beginRun(run);
    store.finishRun(run);
  }
  owner.query(
    `INSERT INTO schoolnet.deliveries VALUES ('rb', 'email', 'head@b.example', 'sent', 1, NULL, 'now')`,
  );
  store.close();
}, 420_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => stopCli(p, 5000)));
  owner.batch([
    { sql: 'DROP OWNED BY agent_a_login, reader_login, planner_login' },
    { sql: 'DROP ROLE agent_a_login, reader_login, planner_login' },
  ]);
  owner.close();
  admin.close();
  await server.close();
  rmSync(root, { recursive: true, force: true });
});

const denied = /permission denied|row-level security/;

describe('least-privilege roles', () => {
  it('an agent’s role reads and writes its own site’s runs only, and nothing of deliveries or the school map', () => {
    const a = new SyncPg({ connectionString: as('agent_a_login', 'agent-a-pw') });
    try {
      expect(a.query('SELECT id FROM schoolnet.runs ORDER BY id')).toEqual([{ id: 'ra' }]);
      expect(a.query(`SELECT count(*)::int AS n FROM schoolnet.findings WHERE run_id = 'rb'`)).toEqual([
        { n: 0 },
      ]);
      expect(() => a.query('SELECT * FROM schoolnet.deliveries')).toThrow(denied);
      expect(() => a.query('SELECT * FROM schoolnet.scheduled_runs')).toThrow(denied);
      expect(() => a.query(`UPDATE schoolnet.school_sites SET site = 'site-a'`)).toThrow(denied);
      expect(() =>
        a.query(
          `INSERT INTO schoolnet.runs (id, seq, school, school_json, started, as_of, status, tool_version)
           VALUES ('x', 99, 'roles-b1', '{}', 't', 't', 'incomplete', '0')`,
        ),
      ).toThrow(denied);
      expect(() => a.query('DROP TABLE schoolnet.runs')).toThrow(/must be owner|permission denied/);
      expect(a.query(`UPDATE schoolnet.runs SET score = 0.9 WHERE id = 'rb' RETURNING id`)).toEqual([]);
      expect(() =>
        a.query(
          `INSERT INTO schoolnet.agents VALUES ('fake', 'site-b', '0', 'h', 't', 't', 'running', 0, 0, 0)`,
        ),
      ).toThrow(denied);
    } finally {
      a.close();
    }
  });

  it('an agent’s role sees its own site’s school-nights in the fire ledger, and may only start or complete them', () => {
    const a = new SyncPg({ connectionString: as('agent_a_login', 'agent-a-pw') });
    try {
      expect(a.query('SELECT school, state FROM schoolnet.schedule_fires')).toEqual([
        { school: 'roles-a1', state: 'queued' },
      ]);
      // Another site's night is invisible: nothing to update.
      expect(
        a.query(
          `UPDATE schoolnet.schedule_fires SET state = 'started' WHERE school = 'roles-b1' RETURNING school`,
        ),
      ).toEqual([]);
      // Its own, to a state only the planner records: refused by the policy.
      expect(() =>
        a.query(`UPDATE schoolnet.schedule_fires SET state = 'delivered' WHERE school = 'roles-a1'`),
      ).toThrow(denied);
      expect(() =>
        a.query(`UPDATE schoolnet.schedule_fires SET fired_at = 'x' WHERE school = 'roles-a1'`),
      ).toThrow(denied);
      expect(() =>
        a.query(
          `INSERT INTO schoolnet.schedule_fires (school, fire_key, fired_at, state, updated)
           VALUES ('roles-a1', '2026-12-05', 't', 'started', 't')`,
        ),
      ).toThrow(denied);
      expect(() => a.query(`DELETE FROM schoolnet.schedule_fires`)).toThrow(denied);
      expect(owner.query(`SELECT state FROM schoolnet.schedule_fires WHERE school = 'roles-a1'`)).toEqual([
        { state: 'queued' },
      ]);
    } finally {
      a.close();
    }
  });

  it('the planner’s login created pg-boss’s tables in the schema its role owns, and may create nothing else', () => {
    // Everything in pgboss (tables, queue partitions, sequences, functions) belongs to the planner's role.
    expect(
      owner.query(`SELECT DISTINCT pg_get_userbyid(relowner) AS owner FROM pg_class
                   WHERE relnamespace = 'pgboss'::regnamespace AND relkind IN ('r', 'p', 'S')`),
    ).toEqual([{ owner: 'schoolnet_planner' }]);
    expect(
      owner.query(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'pgboss'::regnamespace
                   AND relkind = 'r' AND relname LIKE 'j%' AND relname <> 'job'`)[0]?.n,
    ).toBeGreaterThan(0);
    expect(
      owner.query(`SELECT pg_get_userbyid(nspowner) AS owner FROM pg_namespace WHERE nspname = 'pgboss'`),
    ).toEqual([{ owner: 'schoolnet_planner' }]);
    const p = new SyncPg({ connectionString: as('planner_login', 'planner-pw') });
    try {
      expect(() => p.query('CREATE TABLE schoolnet.planner_was_here (x int)')).toThrow(denied);
      expect(() => p.query('CREATE TABLE public.planner_was_here (x int)')).toThrow(denied);
      expect(() => p.query('CREATE SCHEMA planner_was_here')).toThrow(denied);
      expect(() => p.query('DROP TABLE schoolnet.runs')).toThrow(/must be owner|permission denied/);
      expect(() => p.query(`UPDATE schoolnet.runs SET score = 1`)).toThrow(denied);
    } finally {
      p.close();
    }
  });

  it('the reader reads results and health but writes nothing and cannot see the queue', () => {
    const r = new SyncPg({ connectionString: as('reader_login', 'reader-pw') });
    try {
      expect(r.query('SELECT id FROM schoolnet.runs ORDER BY id')).toEqual([{ id: 'ra' }, { id: 'rb' }]);
      expect(() => r.query(`UPDATE schoolnet.runs SET score = 1`)).toThrow(denied);
      expect(() => r.query('SELECT * FROM pgboss.job')).toThrow(denied);
      expect(r.query('SELECT count(*)::int AS n FROM schoolnet.schedule_fires')).toEqual([{ n: 2 }]);
      expect(() => r.query(`UPDATE schoolnet.schedule_fires SET state = 'missed'`)).toThrow(denied);
    } finally {
      r.close();
    }
  });

  it(
    'a site agent logged in with only its site’s role does its whole job',
    { timeout: 240_000 },
    async () => {
      const agentUrl = as('agent_a_login', 'agent-a-pw');
      const a = startCli(
        ['agent', join(root, 'site-a', 'schools'), '--site', 'site-a', '--store', agentUrl],
        envs['site-a'] ?? {},
      );
      procs.push(a);
      const done = await eventually(
        () => jobs(owner),
        (js) => js.find((j) => j.school === 'roles-a1')?.state === 'completed',
        90_000,
      );
      expect(done.find((j) => j.school === 'roles-b1')?.state).toBe('created');
      expect(
        owner.query(`SELECT status FROM schoolnet.runs WHERE school = 'roles-a1' AND night = '2026-12-04'`),
      ).toEqual([{ status: 'complete' }]);
      // It started and completed its night in the ledger (no planner runs here to deliver it).
      expect(
        await eventually(
          () => owner.query(`SELECT school, state, attempts FROM schoolnet.schedule_fires ORDER BY school`),
          (rows) => rows[0]?.state === 'completed',
        ),
      ).toEqual([
        { school: 'roles-a1', state: 'completed', attempts: 1 },
        { school: 'roles-b1', state: 'queued', attempts: 0 },
      ]);
      expect(a.output()).not.toMatch(/"level":50/);
      await stopCli(a);
    },
  );
});
