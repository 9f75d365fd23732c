/**
 * An agent cut off from the database for longer than its job's heartbeat, with a real network cut:
 * the agent runs inside a Linux network namespace joined to the host by a veth pair, and a private
 * PostgreSQL cluster and the school's RouterOS test server listen on the host end of that pair. The
 * cut is an nftables rule in the namespace that silently drops everything to PostgreSQL's port (the
 * router stays reachable, so the audit itself goes on), which is what a dead site link looks like to
 * TCP: no reset, no error, just silence.
 *
 * What pg-boss 12.38 does (node_modules/pg-boss/dist): the supervisor (our planner) fails an active
 * job whose `heartbeat_on` is older than its `heartbeat_seconds` (plans.js failJobsByHeartbeat) and,
 * with retries left, puts it back with `retry_count + 1`; another worker then claims the same job row.
 * The cut-off agent's own complete() is fenced to the attempt it fetched (retry_count), so when its
 * link comes back its completion touches nothing. The store absorbs its late writes: the run id is
 * the school-night's, so they land on the one run row, and the delivery job id is the school-night's,
 * so its delivery is not queued twice. Everything is asserted with our own SQL.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SyncPg } from '../checks/engine/pg-sync.ts';
import { nightRunId } from '../checks/engine/run.ts';
import { freePort } from '../scripts/testbed/ports.ts';
import { PostgresCluster } from '../scripts/testbed/postgres.ts';
import { randomSecret } from '../scripts/testbed/secrets.ts';
import { createCa } from '../scripts/testbed/tls.ts';
import type { RouterEndpoint } from './support/bind-testbed.ts';
import { startSchoolRouter, testbedInfo } from './support/bind-testbed.ts';
import type { FleetSchool, Proc } from './support/fleet-harness.ts';
import { eventually, jobs, startCli, stopCli, writeFleetSchools } from './support/fleet-harness.ts';
import type { RouterOsServer } from './support/routeros/server.ts';

const sh = promisify(execFile);

/** One namespace, one veth pair: host end `.1`, namespace end `.2` of a /30 of our own. */
const TAG = `snhb${process.pid % 100_000}`;
const NS = TAG;
const NET = `10.98.${process.pid % 250}`;
const HOST_IP = `${NET}.1`;
const NS_IP = `${NET}.2`;

const SCHOOLS: FleetSchool[] = [
  { id: 'cut-h1', site: 'site-h' },
  { id: 'cut-h2', site: 'site-h' },
];

let dir: string;
let cluster: PostgresCluster;
let db: SyncPg;
let router: { server: RouterOsServer; endpoint: RouterEndpoint };
let envs: Record<string, NodeJS.ProcessEnv>;
const procs: Proc[] = [];

async function ip(...args: string[]): Promise<void> {
  await sh('ip', args);
}

/** nftables in the namespace: drop every packet to or from PostgreSQL's port (on) or none (off). */
async function cut(on: boolean): Promise<void> {
  const nft = (...args: string[]) => sh('ip', ['netns', 'exec', NS, 'nft', ...args]);
  if (on) {
    await nft('add', 'table', 'inet', 'cut');
    await nft('add', 'chain', 'inet', 'cut', 'out', '{ type filter hook output priority 0 ; }');
    await nft('add', 'chain', 'inet', 'cut', 'in', '{ type filter hook input priority 0 ; }');
    await nft('add', 'rule', 'inet', 'cut', 'out', 'tcp', 'dport', String(cluster.port), 'drop');
    await nft('add', 'rule', 'inet', 'cut', 'in', 'tcp', 'sport', String(cluster.port), 'drop');
  } else {
    await nft('delete', 'table', 'inet', 'cut');
  }
}

async function teardownNetns(): Promise<void> {
  await ip('netns', 'del', NS).catch(() => undefined); // takes its end of the veth pair with it
  await ip('link', 'del', TAG).catch(() => undefined);
}

beforeAll(async () => {
  if (process.getuid?.() !== 0)
    throw new Error('this test builds a network namespace and must run as root (it does in CI)');
  await teardownNetns(); // a namespace left by an earlier run with the same pid
  await ip('netns', 'add', NS);
  await ip('-n', NS, 'link', 'set', 'lo', 'up');
  await ip('link', 'add', TAG, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', NS);
  await ip('addr', 'add', `${HOST_IP}/30`, 'dev', TAG);
  await ip('link', 'set', TAG, 'up');
  await ip('-n', NS, 'addr', 'add', `${NS_IP}/30`, 'dev', 'eth0');
  await ip('-n', NS, 'link', 'set', 'eth0', 'up');

  dir = mkdtempSync(join(tmpdir(), 'fleet-netns-'));
  chmodSync(dir, 0o755); // the cluster runs as the postgres user, which must reach its folder
  cluster = new PostgresCluster({
    dir: join(dir, 'pg'),
    host: HOST_IP,
    port: await freePort(HOST_IP),
    password: randomSecret(),
    ca: await createCa(join(dir, 'ca')),
    clients: [`${NS_IP}/32`],
  });
  await cluster.init();
  await cluster.start();
  db = new SyncPg({ connectionString: cluster.url });
  router = await startSchoolRouter('demo', [], HOST_IP);
  envs = await writeFleetSchools(dir, testbedInfo(), SCHOOLS, router.endpoint);
}, 90_000);

afterAll(async () => {
  await Promise.all(procs.map((p) => stopCli(p, 5000)));
  await router?.server.close();
  db?.close();
  await cluster?.stop();
  await teardownNetns();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

function cli(args: string[], env: NodeJS.ProcessEnv = {}, netns?: string): Proc {
  const p = startCli(args, env, netns);
  procs.push(p);
  return p;
}

const OPTS = ['--tick', '1', '--heartbeat', '10', '--retry-delay', '1'];

describe('an agent cut off from the database longer than its heartbeat', () => {
  it(
    'fails over to another agent, and the cut-off agent’s late writes are absorbed: one run, one delivery',
    { timeout: 150_000 },
    async () => {
      const url = cluster.url;
      const night = '2026-12-09';
      const schools = join(dir, 'all', 'schools');
      const plan = cli(['schedule', schools, '--store', url, ...OPTS, '--plan-night', night]);
      expect((await plan.exited).code, plan.output()).toBe(0);
      const central = cli(['schedule', schools, '--store', url, ...OPTS]); // supervises heartbeats
      await central.waitFor(/planner running/);

      // The agent in the namespace reaches PostgreSQL and the router only over the veth pair.
      const site = join(dir, 'site-h', 'schools');
      // Its first router answer takes 8 s (under the client's 10 s command timeout), so the audit is
      // under way when the link goes, and finishes while the agent still cannot reach the database.
      router.server.setFault({ kind: 'delay', ms: 8000 }, { times: 1 });
      const cutOff = cli(
        ['agent', site, '--site', 'site-h', '--store', url, '--concurrency', '1', '--name', 'cut-off'],
        envs['site-h'],
        NS,
      );
      await cutOff.waitFor(/audit starting/, 60_000);
      // The school it took is the victim; the other is audited once, by the rescuer, for comparison.
      const victim = /"school":"(cut-h\d)"[^\n]*audit starting/.exec(cutOff.output())?.[1] ?? '?';
      const control = SCHOOLS.map((s) => s.id).find((id) => id !== victim) ?? '?';
      const attempt = jobs(db).find((j) => j.school === victim);
      expect(attempt).toMatchObject({ state: 'active', retryCount: 0 });
      await cut(true);
      const cutAt = Date.now();

      // Outside the namespace: pg-boss fails the silent job on its heartbeat, and this agent re-runs it.
      const rescuer = cli(
        ['agent', site, '--site', 'site-h', '--store', url, '--name', 'rescuer'],
        envs['site-h'],
      );
      await eventually(
        () => jobs(db),
        (js) => js.length === 2 && js.every((j) => j.state === 'completed'),
        90_000,
      );
      // The heartbeat (10 s) passed before the job was taken away; the link is still down.
      expect(Date.now() - cutAt).toBeGreaterThanOrEqual(10_000);
      expect(rescuer.output()).toMatch(new RegExp(`"school":"${victim}".*audit finished`));
      expect(jobs(db).find((j) => j.school === victim)?.retryCount).toBe(1);
      expect(cutOff.output()).not.toMatch(/audit finished|audit failed/);

      // The link comes back: the cut-off agent's audit (long finished) now reaches the database.
      await cut(false);
      await cutOff.waitFor(new RegExp(`"school":"${victim}".*"msg":"(audit finished|audit failed)"`), 90_000);

      // Nothing doubled: one run per school-night, complete, with one audit's findings and devices.
      const runs = db.query<{ id: string; school: string; night: string; status: string }>(
        `SELECT id, school, night, status FROM schoolnet.runs WHERE night IS NOT NULL ORDER BY school`,
      );
      expect(runs).toEqual(
        SCHOOLS.map((s) => ({ id: nightRunId(s.id, night), school: s.id, night, status: 'complete' })),
      );
      const children = db.query<{ run_id: string; findings: number; keys: number; devices: number }>(
        `SELECT r.id AS run_id,
                (SELECT count(*)::int FROM schoolnet.findings f WHERE f.run_id = r.id) AS findings,
                (SELECT count(DISTINCT finding_key)::int FROM schoolnet.findings f WHERE f.run_id = r.id) AS keys,
                (SELECT count(*)::int FROM schoolnet.devices d WHERE d.run_id = r.id) AS devices
           FROM schoolnet.runs r ORDER BY r.id`,
      );
      const [h1, h2] = [nightRunId(victim, night), nightRunId(control, night)].map((id) =>
        children.find((c) => c.run_id === id),
      );
      // The control school was audited once, by one agent: the same fixture gives the same number of findings.
      expect(h1?.findings).toBeGreaterThan(0);
      expect(h1).toEqual({ ...h2, run_id: h1?.run_id });
      expect(h1?.keys).toBe(h1?.findings);
      // One delivery job per school-night, and the audit job stays completed by the second attempt.
      expect(jobs(db, 'schoolnet.deliver').map((j) => [j.school, j.night])).toEqual([
        ['cut-h1', night],
        ['cut-h2', night],
      ]);
      const settled = db.query<{ state: string; retry_count: number; output: unknown }>(
        `SELECT state, retry_count, output FROM pgboss.job WHERE name = 'schoolnet.audit.site-h' AND data->>'school' = $1`,
        [victim],
      );
      expect(settled).toEqual([
        {
          state: 'completed',
          retry_count: 1,
          output: { runId: nightRunId(victim, night), status: 'complete' },
        },
      ]);
      await new Promise((r) => setTimeout(r, 3000)); // the cut-off agent's completion has come and gone
      const after = jobs(db);
      expect(after.map((j) => j.state)).toEqual(['completed', 'completed']);
      expect(after.find((j) => j.school === victim)?.retryCount).toBe(1);
      // The cut-off agent (one slot) had fetched the control school's job ahead: it waited for the slot
      // and went silent with the link, so pg-boss gave it to the rescuer as a second attempt. The
      // cut-off agent never audited it: when its slot freed (the link back), the ledger's claim found
      // the night completed.
      expect(after.find((j) => j.school === control)?.retryCount).toBe(1);
      await cutOff.waitFor(
        new RegExp(`"school":"${control}"[^\\n]*settled in the ledger; not audited`),
        10_000,
      );
      expect(cutOff.output()).not.toMatch(new RegExp(`"school":"${control}"[^\\n]*audit starting`));
      await Promise.all([stopCli(cutOff), stopCli(rescuer), stopCli(central)]);
    },
  );
});
