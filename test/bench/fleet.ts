/**
 * `npm run bench -- fleet`: 200 schools audited by one process, as the nightly run does: each school
 * has one router on its own RouterOS API test server instance, two switches on snmpsim and a directory
 * on slapd (the shape of the `scissett-middle` example). Prints total wall time, schools per minute and
 * the process's peak RSS (process.resourceUsage().maxRSS), against the targets (>= 100 schools/min,
 * RSS < 1 GB). The RouterOS servers run inside this same process, so the figures include them.
 * A figure, never a pass/fail. Environment: `SCHOOLNET_BENCH_SCHOOLS` (200), `SCHOOLNET_BENCH_PARALLEL`
 * (schools at once, 4), `SCHOOLNET_BENCH_SNMPSIMS` (snmpsim processes, 2), `SCHOOLNET_BENCH_SNMP=2c` (read
 * the switches with v2c instead of v3 authPriv, to separate snmpsim's v3 crypto cost from ours).
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createSocket } from 'node:dgram';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { auditFleet, fleetExitCode } from '../../checks/engine/fleet.ts';
import { openStore } from '../../checks/engine/store.ts';
import { loadSchool } from '../../inventory/load.ts';
import type { LoadedSchool } from '../../inventory/types.ts';
import { bindToTestbed, SCHOOLS_DIR } from '../support/bind-testbed.ts';
import { DEFAULT_USERS, startRouterOsServer } from '../support/routeros/server.ts';
import type { RouterOsServer } from '../support/routeros/server.ts';
import { startTestbed } from '../../scripts/testbed/index.ts';

const TEMPLATE = 'scissett-middle';

/** A free UDP port on loopback. */
async function freeUdpPort(): Promise<number> {
  const sock = createSocket('udp4');
  await new Promise<void>((r) => sock.bind(0, '127.0.0.1', r));
  const { port } = sock.address();
  await new Promise<void>((r) => sock.close(() => r()));
  return port;
}

/**
 * Extra snmpsim responders over the testbed's data: snmpsim answers on one Python thread, so a fleet
 * audit would otherwise measure snmpsim. Each is a separate process (nobody, its own cache) on its own
 * port with the testbed's v3 user; schools are spread across them.
 */
async function extraSnmpsims(
  info: { dataDir: string; user: string; authKey: string; privKey: string },
  count: number,
  base: string,
): Promise<{ ports: number[]; children: ChildProcess[] }> {
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  for (let i = 0; i < count; i++) {
    const port = await freeUdpPort();
    const dir = join(base, `snmpsim-${i}`);
    mkdirSync(join(dir, 'cache'), { recursive: true });
    chmodSync(base, 0o755);
    chmodSync(dir, 0o755);
    chownSync(join(dir, 'cache'), 65534, 65534);
    const args = join(dir, 'args');
    writeFileSync(
      args,
      [
        `--v3-user=${info.user}`, `--v3-auth-key=${info.authKey}`, '--v3-auth-proto=SHA',
        `--v3-priv-key=${info.privKey}`, '--v3-priv-proto=AES', `--data-dir=${info.dataDir}`,
        `--agent-udpv4-endpoint=127.0.0.1:${port}`,
      ].join('\n'), // prettier-ignore
      { mode: 0o600 },
    );
    const child = spawn(
      '/usr/bin/snmpsimd',
      [
        '--process-user=nobody',
        '--process-group=nogroup',
        `--cache-dir=${join(dir, 'cache')}`,
        '--logging-method=null',
        `--args-from-file=${args}`,
      ],
      { stdio: 'ignore' },
    );
    children.push(child);
    ports.push(port);
  }
  // Started when they answer; the audit's own retries cover a slow start, but give them a moment.
  await new Promise((r) => setTimeout(r, 3000));
  return { ports, children };
}

export interface FleetBench {
  schools: number;
  parallel: number;
  snmp: '2c' | '3';
  snmpsims: number;
  wallMs: number;
  perMinute: number;
  maxRssMb: number;
  codes: Record<number, number>;
  incomplete: number;
  unreachable: number;
  /** Failed device reads by kind and error code. */
  failures: Record<string, number>;
  exit: number;
}

export async function benchFleet(
  opts: { schools?: number; parallel?: number; snmp?: '2c' | '3'; snmpsims?: number } = {},
): Promise<FleetBench> {
  const snmp = opts.snmp ?? '3';
  const n = opts.schools ?? 200;
  const parallel = opts.parallel ?? 4;
  const tb = await startTestbed({ mode: 'dynamic', services: ['openldap', 'snmpsim'] });
  const routers: RouterOsServer[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'bench-fleet-'));
  const store = openStore(join(dir, 'results.db'));
  let extra: { ports: number[]; children: ChildProcess[] } = { ports: [], children: [] };
  try {
    const sim = tb.info.services.snmpsim;
    if (sim === undefined) throw new Error('the testbed has no snmpsim');
    extra = await extraSnmpsims(
      {
        dataDir: sim.extra?.dataDir ?? '',
        user: sim.user ?? 'auditor',
        authKey: sim.extra?.authKey ?? '',
        privKey: sim.extra?.privKey ?? '',
      },
      (opts.snmpsims ?? 2) - 1,
      dir,
    );
    const snmpPorts = [sim.port, ...extra.ports];
    const template = await loadSchool(join(SCHOOLS_DIR, TEMPLATE, 'school.yaml'));
    // One router, two switches, the directory: no SSH CLI, roster or register files.
    template.decl.devices = template.decl.devices.filter((d) => d.driver !== 'ssh-cli');
    delete template.decl.lifecycle;
    delete template.decl.inventory;
    const auditor = DEFAULT_USERS.find((u) => u.name === 'auditor');
    const schools: LoadedSchool[] = [];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      SNBENCH_COMMUNITY: tb.info.services.snmpsim?.extra?.community ?? '',
    };
    for (let i = 0; i < n; i++) {
      const server = await startRouterOsServer({ host: '127.0.0.1', fixture: 'demo' });
      routers.push(server);
      const bound = await bindToTestbed(template, tb.info, {
        routers: {
          host: '127.0.0.1',
          port: server.port,
          user: auditor?.name ?? '',
          password: auditor?.password ?? '',
        },
        envPrefix: `SNBENCH_${i}`,
      });
      for (const d of bound.loaded.decl.devices) if (d.driver === 'routeros') delete d.tls;
      const snmpPort = snmpPorts[i % snmpPorts.length] ?? sim.port;
      for (const d of bound.loaded.decl.devices)
        if (d.driver === 'snmp' && d.snmp !== undefined) {
          d.port = snmpPort;
          d.snmp = { ...d.snmp, port: snmpPort };
        }
      if (snmp === '2c')
        for (const d of bound.loaded.decl.devices)
          if (d.driver === 'snmp' && d.snmp !== undefined)
            d.snmp = {
              version: '2c',
              community: `env:SNBENCH_COMMUNITY`,
              ...(d.snmp.port === undefined ? {} : { port: d.snmp.port }),
            };
      Object.assign(env, bound.env);
      schools.push(bound.loaded);
    }
    const t0 = performance.now();
    const results = await auditFleet(schools, { store, env, schools: parallel });
    const wallMs = performance.now() - t0;
    const codes: Record<number, number> = {};
    for (const r of results) codes[r.code] = (codes[r.code] ?? 0) + 1;
    const unreachable = results.reduce((k, r) => k + (r.run?.devices.filter((d) => !d.ok).length ?? 0), 0);
    const failures: Record<string, number> = {};
    for (const r of results)
      for (const d of r.run?.devices ?? [])
        if (!d.ok)
          failures[`${d.kind} ${d.error?.code ?? '?'}`] =
            (failures[`${d.kind} ${d.error?.code ?? '?'}`] ?? 0) + 1;
    return {
      schools: n,
      parallel,
      snmp,
      snmpsims: snmpPorts.length,
      wallMs: Math.round(wallMs),
      perMinute: Math.round((n / (wallMs / 60_000)) * 10) / 10,
      maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      codes,
      incomplete: results.filter((r) => r.run === undefined || r.run.status !== 'complete').length,
      unreachable,
      failures,
      exit: fleetExitCode(results),
    };
  } finally {
    for (const c of extra.children) c.kill('SIGTERM');
    store.close();
    rmSync(dir, { recursive: true, force: true });
    for (const r of routers) await r.close();
    await tb.stop();
  }
}

export async function main(): Promise<void> {
  const env = process.env;
  const r = await benchFleet({
    ...(env.SCHOOLNET_BENCH_SCHOOLS === undefined ? {} : { schools: Number(env.SCHOOLNET_BENCH_SCHOOLS) }),
    ...(env.SCHOOLNET_BENCH_PARALLEL === undefined ? {} : { parallel: Number(env.SCHOOLNET_BENCH_PARALLEL) }),
    ...(env.SCHOOLNET_BENCH_SNMP === '2c' ? { snmp: '2c' as const } : {}),
    ...(env.SCHOOLNET_BENCH_SNMPSIMS === undefined ? {} : { snmpsims: Number(env.SCHOOLNET_BENCH_SNMPSIMS) }),
  });
  console.log(
    `fleet: ${r.schools} schools (each 1 router on its own RouterOS test server, 2 switches on snmpsim, slapd directory), ${r.parallel} at once`,
  );
  console.log(
    `  snmpsim responders ${r.snmpsims}, switches read with SNMP ${r.snmp === '2c' ? 'v2c' : 'v3 authPriv'}`,
  );
  console.log(`  total wall time ${(r.wallMs / 1000).toFixed(1)} s`);
  console.log(`  schools per minute ${r.perMinute} (target >= 100)`);
  console.log(`  peak RSS ${r.maxRssMb} MB (target < 1024 MB)`);
  console.log(
    `  exit codes ${Object.entries(r.codes)
      .map(([c, k]) => `${c}: ${k}`)
      .join(', ')}; incomplete ${r.incomplete}; device reads failed ${r.unreachable}` +
      (r.unreachable === 0
        ? ''
        : ` (${Object.entries(r.failures)
            .map(([k, v]) => `${k}: ${v}`)
            .join(', ')})`),
  );
}

if (import.meta.main) await main();
