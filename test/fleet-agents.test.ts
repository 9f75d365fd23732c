/**
 * The central planner and site agents as real processes (`schoolnet schedule --store postgres://…`,
 * `schoolnet agent --site …`) on the testbed's PostgreSQL, auditing schools whose routers are RouterOS
 * test servers. What the queue holds is read from pg-boss's job table with our own SQL, and what was
 * stored from the results tables, so no assertion rests on the planner's or agent's own account.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncPg } from '../checks/engine/pg-sync.ts';
import { nightRunId } from '../checks/engine/run.ts';
import { nightOf } from '../scripts/fleet/jobs.ts';
import { freePort } from '../scripts/testbed/ports.ts';
import { PostgresCluster } from '../scripts/testbed/postgres.ts';
import { randomSecret } from '../scripts/testbed/secrets.ts';
import { createCa } from '../scripts/testbed/tls.ts';
import type { RouterEndpoint } from './support/bind-testbed.ts';
import { startSchoolRouter } from './support/bind-testbed.ts';
import type { FleetSchool, Proc } from './support/fleet-harness.ts';
import {
  eventually,
  fleetTestbed,
  freshDatabase,
  jobs,
  stopCli,
  trackedCli,
  writeFleetSchools,
} from './support/fleet-harness.ts';
import type { RouterOsServer } from './support/routeros/server.ts';

/**
 * A daily time about 12 hours from now (London), so the "schedulers were down" test never runs inside
 * the one-minute window in which an occurrence is simply due.
 */
function farCron(): string {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date());
  const hour = Number(parts.find((p) => p.type === 'hour')?.value ?? 0);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value ?? 0);
  return `${minute} ${(hour + 12) % 24} * * *`;
}
const CRON = farCron();

const SCHOOLS: FleetSchool[] = [
  { id: 'fleet-a1', site: 'site-a', cron: CRON },
  { id: 'fleet-a2', site: 'site-a', cron: CRON, missed: 'skip' },
  { id: 'fleet-b1', site: 'site-b', cron: CRON },
];

let root: string;
let admin: SyncPg;
let baseUrl: string;
let server: RouterOsServer;
let router: RouterEndpoint;
/** fleet-a1's own router (the SIGKILL test makes its next answer take 60 s: an audit to kill half-way). */
let slow: { server: RouterOsServer; endpoint: RouterEndpoint };
let envs: Record<string, NodeJS.ProcessEnv>;
const procs: Proc[] = [];
let dbCount = 0;

beforeAll(async () => {
  const { info, ...testbed } = fleetTestbed('fleet-agents');
  ({ baseUrl, admin, root } = testbed);
  ({ server, endpoint: router } = await startSchoolRouter('demo'));
  slow = await startSchoolRouter('demo');
  envs = await writeFleetSchools(root, info, SCHOOLS, router, { 'fleet-a1': slow.endpoint });
}, 60_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => stopCli(p, 5000)));
  await server.close();
  await slow.server.close();
  admin.close();
  rmSync(root, { recursive: true, force: true });
});

function database(): { url: string; db: SyncPg } {
  const url = freshDatabase(admin, baseUrl, `fleet_${process.pid}_${++dbCount}`);
  const db = new SyncPg({ connectionString: url });
  return { url, db };
}

const cli = trackedCli(procs);

const planner = (url: string, extra: string[] = []) =>
  cli(['schedule', join(root, 'all', 'schools'), '--store', url, ...extra]);
const agent = (url: string, site: string, extra: string[] = []) =>
  cli(['agent', join(root, site, 'schools'), '--site', site, '--store', url, ...extra], envs[site]);

function runsFor(db: SyncPg): { id: string; school: string; night: string; status: string }[] {
  return db.query(
    `SELECT id, school, night, status FROM schoolnet.runs WHERE night IS NOT NULL ORDER BY school, night`,
  );
}

/** Site A's two schools each have one run for the night, complete (site B's school is left aside). */
function expectOneCompleteRunEach(db: SyncPg, night: string): void {
  expect(runsFor(db).filter((r) => r.school !== 'fleet-b1')).toEqual(
    ['fleet-a1', 'fleet-a2'].map((s) => ({ id: nightRunId(s, night), school: s, night, status: 'complete' })),
  );
}

/** Waits for every site-A job in pg-boss's table to be completed. */
function siteAJobsCompleted(db: SyncPg, ms: number) {
  return eventually(
    () => jobs(db).filter((j) => j.name === 'schoolnet.audit.site-a'),
    (js) => js.length > 0 && js.every((j) => j.state === 'completed'),
    ms,
  );
}

describe('central planner and site agents', () => {
  it(
    'keeps each site’s jobs to its own agents, and stores one run and queues one delivery per school-night',
    { timeout: 240_000 },
    async () => {
      const { url, db } = database();
      try {
        const night = '2026-12-01';
        const plan = planner(url, ['--plan-night', night]);
        expect((await plan.exited).code, plan.output()).toBe(0);
        expect(jobs(db).map((j) => [j.name, j.school, j.state])).toEqual([
          ['schoolnet.audit.site-a', 'fleet-a1', 'created'],
          ['schoolnet.audit.site-a', 'fleet-a2', 'created'],
          ['schoolnet.audit.site-b', 'fleet-b1', 'created'],
        ]);
        // Only site B's agent runs: it audits its school and never touches site A's jobs.
        const b = agent(url, 'site-b');
        await eventually(
          () => jobs(db),
          (js) => js.find((j) => j.school === 'fleet-b1')?.state === 'completed',
        );
        await new Promise((r) => setTimeout(r, 2500)); // several more polls by the site-B agent
        expect(
          jobs(db)
            .filter((j) => j.school !== 'fleet-b1')
            .map((j) => j.state),
        ).toEqual(['created', 'created']);
        // Site A's agent takes the rest.
        const a = agent(url, 'site-a');
        await eventually(
          () => jobs(db),
          (js) => js.every((j) => j.state === 'completed'),
        );
        expect(runsFor(db)).toEqual(
          SCHOOLS.map((s) => ({ id: nightRunId(s.id, night), school: s.id, night, status: 'complete' })),
        );
        // Queued again (a second planner, a manual re-run): nothing new is queued or stored.
        const again = planner(url, ['--plan-night', night]);
        expect((await again.exited).code).toBe(0);
        expect(jobs(db)).toHaveLength(3);
        expect(jobs(db, 'schoolnet.deliver').map((j) => j.school)).toEqual([
          'fleet-a1',
          'fleet-a2',
          'fleet-b1',
        ]);
        // Health for the roll-up: each agent's last beat, jobs done, version.
        // Written after each job (asynchronously) and every few seconds.
        const health = await eventually(
          () =>
            db.query<{ site: string; jobs_done: number; version: string }>(
              'SELECT site, jobs_done, version FROM schoolnet.agents ORDER BY site',
            ),
          (rows) => rows.length === 2 && rows[0]?.jobs_done === 2,
          15_000,
        );
        expect(health).toEqual([
          { site: 'site-a', jobs_done: 2, version: expect.any(String) },
          { site: 'site-b', jobs_done: 1, version: expect.any(String) },
        ]);
        await Promise.all([stopCli(a), stopCli(b)]);
        expect(
          db.query<{ state: string }>('SELECT DISTINCT state FROM schoolnet.agents').map((r) => r.state),
        ).toEqual(['stopped']);
      } finally {
        db.close();
      }
    },
  );
});

describe('faults, each with nothing lost and nothing doubled', () => {
  it(
    'an agent killed with SIGKILL mid-audit: the job reruns on another agent and one run is stored',
    { timeout: 240_000 },
    async () => {
      const { url, db } = database();
      try {
        const night = '2026-12-02';
        const fast = ['--tick', '1', '--heartbeat', '10', '--retry-delay', '1'];
        const plan = planner(url, [...fast, '--plan-night', night]);
        expect((await plan.exited).code, plan.output()).toBe(0);
        const central = planner(url, fast); // supervises heartbeats
        await central.waitFor(/planner running/);
        slow.server.setFault({ kind: 'delay', ms: 60_000 }, { times: 1 });
        const doomed = agent(url, 'site-a', ['--name', 'doomed']);
        // fleet-a1's router holds its first answer: the audit is under way when the agent dies.
        await eventually(
          () => jobs(db),
          (js) => js.find((j) => j.school === 'fleet-a1')?.state === 'active',
          60_000,
        );
        await doomed.waitFor(/"school":"fleet-a1".*audit starting/);
        doomed.child.kill('SIGKILL');
        await doomed.exited;
        const rescuer = agent(url, 'site-a', ['--name', 'rescuer']);
        const done = await eventually(
          () => jobs(db).filter((j) => j.name === 'schoolnet.audit.site-a'),
          (js) => js.every((j) => j.state === 'completed'),
          90_000,
        );
        expect(done.find((j) => j.school === 'fleet-a1')?.retryCount).toBeGreaterThanOrEqual(1);
        // The job's completion is seen through the database, the agent's log through a pipe this
        // process reads when it gets to it: the line is waited for, not assumed read already.
        await rescuer.waitFor(/"school":"fleet-a1".*audit finished/, 10_000);
        // The killed attempt's run row was taken over: one run for the school-night, complete.
        expect(runsFor(db).filter((r) => r.school === 'fleet-a1')).toEqual([
          { id: nightRunId('fleet-a1', night), school: 'fleet-a1', night, status: 'complete' },
        ]);
        expect(jobs(db, 'schoolnet.deliver').filter((j) => j.school === 'fleet-a1')).toHaveLength(1);
        await Promise.all([stopCli(rescuer), stopCli(central)]);
      } finally {
        db.close();
      }
    },
  );

  it(
    'SIGTERM with a job fetched ahead: the running audit finishes, the waiting job is handed back at once and audited by another agent',
    { timeout: 240_000 },
    async () => {
      const { url, db } = database();
      try {
        const night = '2026-12-05';
        const plan = planner(url, ['--plan-night', night]);
        expect((await plan.exited).code, plan.output()).toBe(0);
        // Both site-A schools' routers hold their next answer 8 s: whichever audit takes the one slot is
        // still running when the agent is told to stop, and the other job (fetched ahead) waits for it.
        slow.server.setFault({ kind: 'delay', ms: 8000 }, { times: 1 });
        server.setFault({ kind: 'delay', ms: 8000 }, { times: 1 });
        const first = agent(url, 'site-a', ['--concurrency', '1', '--name', 'first']);
        await first.waitFor(/audit starting/, 60_000);
        // Two site-A jobs active in pg-boss, one audit started: the other is the job fetched ahead.
        await eventually(
          () => jobs(db).filter((j) => j.name === 'schoolnet.audit.site-a'),
          (js) => js.every((j) => j.state === 'active'),
          30_000,
        );
        const running = /"school":"(fleet-a[12])".*audit starting/.exec(first.output())?.[1];
        const waiting = running === 'fleet-a1' ? 'fleet-a2' : 'fleet-a1';
        expect(running).toBeDefined();
        first.child.kill('SIGTERM');
        // Handed back while the running audit is still held up by its router: back in the queue, not
        // audited here.
        const handed = await eventually(
          () => jobs(db).filter((j) => j.name === 'schoolnet.audit.site-a'),
          (js) => js.find((j) => j.school === waiting)?.state === 'created',
          5000,
        );
        expect(handed.find((j) => j.school === running)?.state).toBe('active');
        // The running audit finishes within the grace period; the agent then stops.
        expect((await first.exited).code).toBe(0);
        expect(first.output()).toMatch(
          new RegExp(`"school":"${waiting}".*job handed back before its audit started`),
        );
        expect(first.output()).not.toMatch(new RegExp(`"school":"${waiting}".*audit starting`));
        expect(jobs(db).find((j) => j.school === running)?.state).toBe('completed');
        // Another agent takes the job handed back.
        const second = agent(url, 'site-a', ['--name', 'second']);
        await siteAJobsCompleted(db, 60_000);
        await second.waitFor(new RegExp(`"school":"${waiting}".*audit finished`), 10_000);
        expectOneCompleteRunEach(db, night);
        await stopCli(second);
      } finally {
        db.close();
      }
    },
  );

  it(
    'a job fetched ahead that waits more than half its budget for a slot is handed back, then audited with a budget of its own',
    { timeout: 240_000 },
    async () => {
      const { url, db } = database();
      try {
        const night = '2026-12-06';
        // 20 s per job: a budget of 15 s, so a wait of more than 7.5 s for a slot hands the job back.
        const plan = planner(url, ['--school-timeout', '20', '--plan-night', night]);
        expect((await plan.exited).code, plan.output()).toBe(0);
        // Both site-A routers hold their next answer 9 s: the audit in the one slot takes at least that
        // long, within its budget, so the job fetched ahead waits for the slot longer than half of it.
        slow.server.setFault({ kind: 'delay', ms: 9000 }, { times: 1 });
        server.setFault({ kind: 'delay', ms: 9000 }, { times: 1 });
        const only = agent(url, 'site-a', ['--concurrency', '1', '--name', 'only']);
        await siteAJobsCompleted(db, 90_000);
        const first = /"school":"(fleet-a[12])".*audit starting/.exec(only.output())?.[1];
        const second = first === 'fleet-a1' ? 'fleet-a2' : 'fleet-a1';
        expect(first).toBeDefined();
        await only.waitFor(new RegExp(`"school":"${second}".*audit finished`), 10_000);
        // The job that waited was handed back, not audited in what was left of its budget, and its next
        // claim (by the same agent, once the slot was free) audited it.
        expect(only.output()).toMatch(
          new RegExp(
            `"school":"${second}".*"why":"it waited \\d+ ms for a slot".*job handed back before its audit started`,
          ),
        );
        expect(jobs(db).find((j) => j.school === second)?.retryCount).toBeGreaterThanOrEqual(1);
        expectOneCompleteRunEach(db, night);
        await stopCli(only);
      } finally {
        db.close();
      }
    },
  );

  it(
    'an audit that fails every retry goes to the dead-letter queue, and the roll-up reports it',
    { timeout: 240_000 },
    async () => {
      const { url, db } = database();
      try {
        const night = '2026-12-03';
        const opts = ['--tick', '1', '--retry-limit', '1', '--retry-delay', '1'];
        const plan = planner(url, [...opts, '--plan-night', night]);
        expect((await plan.exited).code, plan.output()).toBe(0);
        const central = planner(url, opts);
        await central.waitFor(/planner running/);
        // Site B's agent has no declaration for fleet-b1 in its folder: every attempt fails.
        const empty = join(root, 'empty-site-b');
        mkdirSync(empty, { recursive: true });
        const b = cli(['agent', empty, '--site', 'site-b', '--store', url], envs['site-b']);
        await eventually(
          () => db.query(`SELECT 1 FROM schoolnet.scheduled_runs WHERE outcome = 'dead-letter'`),
          (rows) => rows.length === 1,
          90_000,
        );
        expect(jobs(db).find((j) => j.school === 'fleet-b1')).toMatchObject({
          state: 'failed',
          retryCount: 1,
        });
        const rollup = cli(['rollup', '--store', url]);
        const { code } = await rollup.exited;
        expect(code).toBe(2);
        expect(rollup.output()).toMatch(
          /Dead letters \(audits that failed every retry\): 1\n {2}fleet-b1 night 2026-12-03: failed every attempt/,
        );
        expect(runsFor(db)).toEqual([]);
        await Promise.all([stopCli(b), stopCli(central)]);
      } finally {
        db.close();
      }
    },
  );

  it('PostgreSQL restarted mid-night: every job completes, one run each', { timeout: 240_000 }, async () => {
    // A private cluster: restarting the testbed's would disturb other test files.
    const dir = mkdtempSync(join(tmpdir(), 'fleet-pg-'));
    chmodSync(dir, 0o755); // the cluster runs as the postgres user, which must reach its folder
    const cluster = new PostgresCluster({
      dir: join(dir, 'pg'),
      port: await freePort('127.0.0.1'),
      password: randomSecret(),
      ca: await createCa(join(dir, 'ca')),
    });
    await cluster.init();
    await cluster.start();
    const url = cluster.url;
    const db = new SyncPg({ connectionString: url }, { reconnectMs: 60_000 });
    try {
      const night = '2026-12-07';
      const opts = ['--tick', '1', '--heartbeat', '10', '--retry-delay', '1'];
      const plan = planner(url, [...opts, '--plan-night', night]);
      expect((await plan.exited).code, plan.output()).toBe(0);
      const central = planner(url, opts);
      await central.waitFor(/planner running/);
      // Site B's router answers slowly, so its audit is in flight when the server goes away.
      server.setFault({ kind: 'delay', ms: 4000 }, { times: 2 });
      const b = agent(url, 'site-b');
      await eventually(
        () => jobs(db),
        (js) => js.some((j) => j.state === 'active'),
        90_000,
        [b],
      );
      await cluster.stop();
      // Site A's agent starts while the database is down: it waits for it instead of giving up.
      const a = agent(url, 'site-a');
      await a.waitFor(/cannot reach the (?:results store|job queue) yet; waiting/);
      await new Promise((r) => setTimeout(r, 2000));
      await cluster.start();
      await eventually(
        () => jobs(db),
        (js) => js.length === 3 && js.every((j) => j.state === 'completed'),
        150_000,
        [a, b, central],
      );
      expect(runsFor(db)).toEqual(
        SCHOOLS.map((s) => ({ id: nightRunId(s.id, night), school: s.id, night, status: 'complete' })),
      );
      expect(jobs(db, 'schoolnet.deliver')).toHaveLength(3);
      await Promise.all([stopCli(a), stopCli(b), stopCli(central)]);
    } finally {
      db.close();
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it(
    'two schedulers after a downtime past the due time: one catch-up job per school as declared, none doubled',
    { timeout: 240_000 },
    async () => {
      const { url, db } = database();
      try {
        const first = planner(url, ['--tick', '1']);
        await first.waitFor(/planner running/);
        await stopCli(first);
        expect(jobs(db)).toEqual([]);
        // Every planner was down for three days: pg-boss's record of its last cron pass (and of when
        // the schedules were made) moves back, which is what a real outage leaves in the database.
        db.query(`UPDATE pgboss.version SET cron_on = now() - interval '3 days'`);
        db.query(`UPDATE pgboss.schedule SET created_on = now() - interval '3 days'`);
        // A catch-up window wider than the outage's last night (about 12 hours ago), as with the default 12h
        // a night that old is recorded as missed rather than caught up.
        const late = ['--tick', '1', '--catch-up-window', '24h'];
        const both = [planner(url, late), planner(url, late)];
        await Promise.all(both.map((p) => p.waitFor(/planner running/)));
        const expected = nightOf(CRON, 'Europe/London', new Date());
        await eventually(
          () => jobs(db),
          (js) => js.length >= 2,
          30_000,
        );
        await new Promise((r) => setTimeout(r, 4000)); // several more cron passes by both planners
        // `missed: once` (the default) catches up the most recent missed night; `skip` waits.
        expect(jobs(db).map((j) => [j.school, j.night])).toEqual([
          ['fleet-a1', expected],
          ['fleet-b1', expected],
        ]);
        expect(
          db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pgboss.job WHERE name = 'schoolnet.plan'`),
        ).toEqual([{ n: 2 }]);
        await Promise.all(both.map((p) => stopCli(p)));
      } finally {
        db.close();
      }
    },
  );
});
