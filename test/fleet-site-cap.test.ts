/**
 * The per-site cap across agents (`schoolnet agent --site-cap`, pg-boss groupConcurrency on the site's
 * group): two agents of one site, each allowed two audits at once, share a cap of one. Every audit is
 * slow (the RouterOS test server holds each login), and pg-boss's job table is sampled with our own
 * SQL all the while. The same agents without the cap are the control: the sampler must see two or more
 * audits at once there, or it proves nothing about the capped night.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncPg } from '../checks/engine/pg-sync.ts';
import { nightRunId } from '../checks/engine/run.ts';
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

const SITE = 'site-c';
const QUEUE = `schoolnet.audit.${SITE}`;
const SCHOOLS: FleetSchool[] = ['cap-c1', 'cap-c2', 'cap-c3', 'cap-c4'].map((id) => ({ id, site: SITE }));
/** How long the router holds each login: every audit takes at least this long. */
const SLOW_MS = 2500;

let root: string;
let admin: SyncPg;
let baseUrl: string;
let router: { server: RouterOsServer; endpoint: RouterEndpoint };
let envs: Record<string, NodeJS.ProcessEnv>;
const procs: Proc[] = [];

beforeAll(async () => {
  const { info, ...testbed } = fleetTestbed('fleet-cap');
  ({ baseUrl, admin, root } = testbed);
  router = await startSchoolRouter('demo', [{ fault: { kind: 'delay', ms: SLOW_MS }, command: '/login' }]);
  envs = await writeFleetSchools(root, info, SCHOOLS, router.endpoint);
}, 60_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => stopCli(p, 5000)));
  await router?.server.close();
  admin?.close();
  if (root !== undefined) rmSync(root, { recursive: true, force: true });
});

const cli = trackedCli(procs);

/** Samples how many of the site's audit jobs pg-boss holds active, until `stop()`. */
function sampler(db: SyncPg): { stop: () => Promise<{ max: number; samples: number }> } {
  let running = true;
  let max = 0;
  let samples = 0;
  const loop = (async () => {
    while (running) {
      let row: { n: number } | undefined;
      try {
        [row] = db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pgboss.job WHERE name = $1 AND state = 'active'`,
          [QUEUE],
        );
      } catch {
        break; // the test ended (its connection closed) while sampling
      }
      max = Math.max(max, row?.n ?? 0);
      samples++;
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return { max, samples };
    },
  };
}

/**
 * Starts two agents of the site with `extra` and waits until both are taking jobs; then plans `date`
 * for the four schools (the planner's NOTIFY wakes every idle slot of both agents at once), and samples
 * the job table until all four are complete.
 */
async function night(
  url: string,
  db: SyncPg,
  date: string,
  extra: string[],
): Promise<{ max: number; samples: number; spans: { start: number; end: number }[]; ran: number[] }> {
  const agents = ['one', 'two'].map((name) =>
    cli(
      [
        'agent',
        join(root, SITE, 'schools'),
        '--site',
        SITE,
        '--store',
        url,
        '--name',
        `${name}-${date}`,
        ...extra,
      ],
      envs[SITE],
    ),
  );
  await Promise.all(agents.map((a) => a.waitFor(/agent running/, 60_000)));
  const sample = sampler(db);
  const plan = cli(['schedule', join(root, 'all', 'schools'), '--store', url, '--plan-night', date]);
  expect((await plan.exited).code, plan.output()).toBe(0);
  await eventually(
    () => jobs(db).filter((j) => j.night === date),
    (js) => js.length === 4 && js.every((j) => j.state === 'completed'),
    120_000,
    agents,
  );
  const seen = await sample.stop();
  await Promise.all(agents.map((a) => stopCli(a)));
  // Each job's last claim and completion, as pg-boss recorded them.
  const spans = db
    .query<{ start: string; end: string }>(
      `SELECT started_on AS start, completed_on AS end FROM pgboss.job
        WHERE name = $1 AND data->>'night' = $2 ORDER BY started_on`,
      [QUEUE, date],
    )
    .map((r) => ({ start: new Date(r.start).getTime(), end: new Date(r.end).getTime() }));
  const ran = agents.map((a) => (a.output().match(/audit finished/g) ?? []).length);
  return { ...seen, spans, ran };
}

describe('the per-site cap across agents', () => {
  it(
    'two agents of one site, two slots each, cap one: never more than one audit active, all complete',
    { timeout: 170_000 },
    async () => {
      const url = freshDatabase(admin, baseUrl, `fleet_cap_${process.pid}`);
      const db = new SyncPg({ connectionString: url });
      // The central planner installs pg-boss and the site's queue (agents may not), and supervises.
      const central = cli(['schedule', join(root, 'all', 'schools'), '--store', url, '--tick', '1']);
      try {
        await central.waitFor(/planner running/);
        const capped = await night(url, db, '2026-12-10', ['--concurrency', '2', '--site-cap', '1']);
        expect(capped.samples).toBeGreaterThan(50);
        expect(capped.max).toBe(1);
        // pg-boss's own timestamps agree: no audit started before the one before it had completed.
        expect(capped.spans).toHaveLength(4);
        for (let i = 1; i < capped.spans.length; i++)
          expect(capped.spans[i]?.start).toBeGreaterThanOrEqual(capped.spans[i - 1]?.end ?? Infinity);

        // All four went to whichever agent won the first claim: a slot that finishes fetches again at
        // once, and the other agent's polls find the site at its cap.
        expect(capped.ran.reduce((a, b) => a + b)).toBe(4);

        // Cap three, two slots each: the cap counts across both agents, three audits at once and never
        // four (which the agents' four slots would take without it). This is also the sampler's
        // control: it does see several audits at once.
        const three = await night(url, db, '2026-12-11', ['--concurrency', '2', '--site-cap', '3']);
        expect(three.max).toBe(3);
        expect(three.ran.every((n) => n > 0)).toBe(true);
        expect(three.ran.reduce((a, b) => a + b)).toBe(4);

        // Every school-night stored once, complete.
        const runs = db.query<{ id: string; status: string }>(
          `SELECT id, status FROM schoolnet.runs ORDER BY id`,
        );
        expect(runs).toEqual(
          ['2026-12-10', '2026-12-11']
            .flatMap((d) => SCHOOLS.map((s) => nightRunId(s.id, d)))
            .sort()
            .map((id) => ({ id, status: 'complete' })),
        );
        expect(jobs(db, 'schoolnet.deliver')).toHaveLength(8);
        await stopCli(central);
      } finally {
        db.close();
      }
    },
  );
});
