/**
 * Real processes for the central-plus-agents tests: school declarations for several sites (each a
 * copy of an example school's clause map and waivers, with only its router, pointed at a RouterOS test
 * server), the planner and agents as `node scripts/cli.ts` children, and a look into pg-boss's job
 * table with our own SQL (an independent view of what the queue holds).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SyncPg } from '../../checks/engine/pg-sync.ts';
import { loadSchool } from '../../inventory/load.ts';
import type { TestbedInfo } from '../../scripts/testbed/types.ts';
import type { RouterEndpoint } from './bind-testbed.ts';
import { bindToTestbed, REPO, SCHOOLS_DIR, testbedInfo, writeBoundSchool } from './bind-testbed.ts';

export interface FleetSchool {
  id: string;
  site: string;
  cron?: string;
  missed?: 'once' | 'skip';
}

/**
 * Writes `<root>/all/schools/<id>` (the planner's view) and `<root>/<site>/schools/<id>` (each site
 * agent's own folder), and returns the environment of each site: its schools' secrets only.
 */
export async function writeFleetSchools(
  root: string,
  info: TestbedInfo,
  schools: FleetSchool[],
  router: RouterEndpoint,
  /** A router of its own for some schools (e.g. one with a fault). */
  routers: Record<string, RouterEndpoint> = {},
): Promise<Record<string, NodeJS.ProcessEnv>> {
  const template = await loadSchool(join(SCHOOLS_DIR, 'croft-prep', 'school.yaml'));
  const envs: Record<string, NodeJS.ProcessEnv> = {};
  for (const s of schools) {
    const loaded = structuredClone(template);
    const decl = loaded.decl;
    decl.school = { ...decl.school, id: s.id, name: `Fleet test school ${s.id}` };
    decl.devices = decl.devices.filter((d) => d.driver === 'routeros');
    delete decl.directory;
    delete decl.lifecycle;
    delete decl.inventory;
    delete decl.delivery;
    decl.site = s.site;
    decl.schedule = {
      cron: s.cron ?? '30 1 * * *',
      timezone: 'Europe/London',
      ...(s.missed === undefined ? {} : { missed: s.missed }),
    };
    const bound = await bindToTestbed(loaded, info, {
      routers: routers[s.id] ?? router,
      envPrefix: `SNFLEET_${s.id.replace(/-/g, '_')}`,
    });
    for (const where of [join(root, 'all'), join(root, s.site)]) {
      const file = await writeBoundSchool(bound, where);
      // The clause map names its school, and the attestation records name its clauses.
      for (const name of ['policy.yaml', 'attestations.yaml']) {
        const f = join(dirname(file), name);
        if (!existsSync(f)) continue;
        await writeFile(
          f,
          (await readFile(f, 'utf8'))
            .replace(/^school: .*$/m, `school: ${s.id}`)
            .replaceAll('croft-prep:', `${s.id}:`),
        );
      }
    }
    const vars = Object.fromEntries(
      Object.entries(bound.env).filter(([k]) => k.startsWith('SNFLEET_')),
    ) as NodeJS.ProcessEnv;
    envs[s.site] = { ...envs[s.site], ...vars };
  }
  return envs;
}

export interface Proc {
  child: ChildProcess;
  /** Everything it printed so far. */
  output(): string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves once a line of its output matches. */
  waitFor(re: RegExp, timeoutMs?: number): Promise<void>;
}

/**
 * Starts `schoolnet <args>` (the real CLI) in its own process; with `netns`, inside that network
 * namespace (`ip netns exec` execs node in place, so the child's pid is node's).
 */
export function startCli(args: string[], env: NodeJS.ProcessEnv, netns?: string): Proc {
  const argv = [join(REPO, 'scripts', 'cli.ts'), ...args];
  const [command, full] =
    netns === undefined
      ? [process.execPath, argv]
      : ['ip', ['netns', 'exec', netns, process.execPath, ...argv]];
  const child = spawn(command, full, {
    env: { ...process.env, ...env },
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (out += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (out += d));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) =>
    child.on('close', (code, signal) => r({ code, signal })),
  );
  return {
    child,
    output: () => out,
    exited,
    async waitFor(re, timeoutMs = 90_000) {
      const deadline = Date.now() + timeoutMs;
      while (!re.test(out)) {
        if (child.exitCode !== null) throw new Error(`process exited before ${re}:\n${out}`);
        if (Date.now() > deadline) throw new Error(`no ${re} within ${timeoutMs} ms:\n${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
  };
}

/** Stops a process with SIGTERM (SIGKILL after `graceMs`) and waits for it. */
export async function stopCli(p: Proc, graceMs = 15_000): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill('SIGTERM');
  const t = setTimeout(() => p.child.kill('SIGKILL'), graceMs);
  await p.exited;
  clearTimeout(t);
}

export interface JobRow {
  name: string;
  state: string;
  school: string;
  night: string;
  retryCount: number;
}

/** What pg-boss's job table holds for our queues, read with plain SQL. */
export function jobs(db: SyncPg, queuePrefix = 'schoolnet.audit.'): JobRow[] {
  return db
    .query<{ name: string; state: string; data: { school: string; night: string }; retry_count: number }>(
      `SELECT name, state, data, retry_count FROM pgboss.job WHERE starts_with(name, $1) ORDER BY name, data->>'school'`,
      [queuePrefix],
    )
    .map((r) => ({
      name: r.name,
      state: r.state,
      school: r.data.school,
      night: r.data.night,
      retryCount: r.retry_count,
    }));
}

/**
 * Polls until `test` holds (or throws with the last value after `timeoutMs`, and what the processes in
 * `witnesses` printed, so a failure in CI says why).
 */
export async function eventually<T>(
  read: () => T,
  test: (v: T) => boolean,
  timeoutMs = 60_000,
  witnesses: Proc[] = [],
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = read();
  while (!test(v)) {
    if (Date.now() > deadline)
      throw new Error(
        `condition not met within ${timeoutMs} ms; last: ${JSON.stringify(v)}` +
          witnesses.map((p) => `\n--- ${p.child.spawnargs.slice(2).join(' ')}:\n${p.output()}`).join(''),
      );
    await new Promise((r) => setTimeout(r, 250));
    v = read();
  }
  return v;
}

/** A fresh database on the testbed's PostgreSQL; its superuser URL. */
export function freshDatabase(admin: SyncPg, baseUrl: string, name: string): string {
  admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  admin.query(`CREATE DATABASE ${name}`);
  const u = new URL(baseUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * What every fleet test starts from: the testbed, a superuser connection to its PostgreSQL (for fresh
 * databases and our own SQL) and a scratch folder named `<prefix>-…`.
 */
export function fleetTestbed(prefix: string): {
  info: TestbedInfo;
  baseUrl: string;
  admin: SyncPg;
  root: string;
} {
  const info = testbedInfo();
  const url = info.services.postgres?.extra?.url;
  if (url === undefined) throw new Error('the testbed has no postgres');
  return {
    info,
    baseUrl: url,
    admin: new SyncPg({ connectionString: url }),
    root: mkdtempSync(join(tmpdir(), `${prefix}-`)),
  };
}

/** `startCli`, remembering each process in `procs` so the file's afterAll can stop them all. */
export function trackedCli(procs: Proc[]): (args: string[], env?: NodeJS.ProcessEnv) => Proc {
  return (args, env = {}) => {
    const p = startCli(args, env);
    procs.push(p);
    return p;
  };
}
