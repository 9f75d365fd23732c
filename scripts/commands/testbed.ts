/**
 * `schoolnet testbed up | down | status`: the local testbed of real services on loopback, in fixed mode
 * (well-known ports, dir `<repo>/.schoolnet/testbed`, or `--dir` / SCHOOLNET_TESTBED_DIR).
 *
 * `up` starts a detached supervisor (scripts/testbed/supervisor.ts) that runs the daemons and outlives the
 * CLI; it prints the TestbedInfo (scripts/testbed/types.ts) with `--json`: `{ dir, services: { samba: {...},
 * openldap: {...}, ... }, secrets }`. `down` stops exactly the processes recorded in
 * `<dir>/state.json` and waits until their ports are closed. `status` probes each service as a client would.
 * Exit codes: 0 ok, 2 failed / not everything up, 3 usage error.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { ALL_SERVICES, defaultFixedDir, prepareFixedDir, removeRunDir, REPO_DIR } from '../testbed/index.ts';
import { probeService } from '../testbed/health.ts';
import { waitPortsClosed } from '../testbed/ports.ts';
import { isAlive, readState, removeState, terminate, type TestbedState } from '../testbed/state.ts';
import type { SupervisorMessage } from '../testbed/supervisor.ts';
import { routerOsProfileOption } from '../testbed/routeros.ts';
import type { TestbedInfo, TestbedService } from '../testbed/types.ts';

const SUPERVISOR = join(REPO_DIR, 'scripts', 'testbed', 'supervisor.ts');
const START_TIMEOUT_MS = 180_000; // the first start on a machine provisions the Samba template

interface DirOptions {
  dir?: string;
}
interface DownOptions extends DirOptions {
  keep?: boolean;
}
interface UpOptions extends DirOptions {
  json?: boolean;
  services?: string;
  ports?: string;
  routerosVersion?: string;
  routerosBoard?: string;
}

class UsageError extends Error {}

function runAction<T>(fn: (opts: T) => Promise<void>): (opts: T) => Promise<void> {
  return async (opts) => {
    try {
      await fn(opts);
    } catch (e) {
      process.stderr.write(`schoolnet testbed: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = e instanceof UsageError ? 3 : 2;
    }
  };
}

const dirOf = (opts: DirOptions) => resolve(opts.dir ?? defaultFixedDir());

function parseServices(list: string | undefined): TestbedService[] | undefined {
  if (!list) return undefined;
  const names = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const unknown = names.filter((n) => !(ALL_SERVICES as string[]).includes(n));
  if (unknown.length > 0)
    throw new UsageError(`unknown service(s) ${unknown.join(', ')}; known: ${ALL_SERVICES.join(', ')}`);
  return names as TestbedService[];
}

function parsePorts(value: string | undefined): 'fixed' | 'dynamic' {
  const v = value ?? process.env.SCHOOLNET_TESTBED_PORTS ?? 'fixed';
  if (v !== 'fixed' && v !== 'dynamic') throw new UsageError(`--ports must be fixed or dynamic, not "${v}"`);
  return v;
}

function printInfo(info: TestbedInfo, json: boolean | undefined): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
    return;
  }
  for (const [name, s] of Object.entries(info.services)) {
    const others = Object.entries(s.ports ?? {})
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    process.stdout.write(`${name.padEnd(9)} ${s.host}:${s.port}${others ? `  (${others})` : ''}\n`);
  }
  process.stdout.write(
    `secrets in ${join(info.dir, 'secrets')}; full details: schoolnet testbed up --json\n`,
  );
}

async function up(opts: UpOptions): Promise<void> {
  const dir = dirOf(opts);
  const services = parseServices(opts.services);
  const ports = parsePorts(opts.ports);
  let routeros: { version: string; board: string };
  try {
    routeros = routerOsProfileOption(opts.routerosVersion, opts.routerosBoard);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const existing = await readState(dir);
  if (existing && isAlive(existing.supervisor)) {
    const report = await health(existing);
    if (!existing.info || Object.values(report).some((r) => !r.up))
      throw new Error(`a testbed in ${dir} is running but not healthy: run \`schoolnet testbed down\` first`);
    // Asked for a router the running testbed does not have: say so, never hand back another version.
    const running = existing.info.services.routeros?.extra;
    if (
      running !== undefined &&
      (opts.routerosVersion !== undefined || opts.routerosBoard !== undefined) &&
      (running.routerosVersion !== routeros.version || running.routerosBoard !== routeros.board)
    )
      throw new Error(
        `the testbed in ${dir} runs RouterOS ${running.routerosVersion} on a ${running.routerosBoard}, not ${routeros.version} on a ${routeros.board}: run \`schoolnet testbed down\` first`,
      );
    process.stderr.write(`testbed already up in ${dir} (since ${existing.startedAt})\n`);
    printInfo(existing.info, opts.json);
    return;
  }
  await prepareFixedDir(dir);
  const log = openSync(join(dir, 'supervisor.log'), 'a', 0o600);
  const args = [
    SUPERVISOR,
    '--dir',
    dir,
    '--ports',
    ports,
    ...(services ? ['--services', services.join(',')] : []),
    '--routeros-version',
    routeros.version,
    '--routeros-board',
    routeros.board,
  ];
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', log, log, 'ipc'] });
  closeSync(log);
  try {
    const state = await new Promise<TestbedState>((resolveUp, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGTERM');
        reject(
          new Error(
            `the testbed did not come up within ${START_TIMEOUT_MS / 1000} s (see ${dir}/supervisor.log)`,
          ),
        );
      }, START_TIMEOUT_MS);
      child.on('message', (m: SupervisorMessage) => {
        if (m.type === 'log') process.stderr.write(`${m.line}\n`);
        else if (m.type === 'ready') {
          clearTimeout(timer);
          resolveUp(m.state);
        } else {
          clearTimeout(timer);
          reject(new Error(m.message));
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(
          new Error(
            `the supervisor exited (${signal ?? `code ${code}`}) before the testbed was up; see ${dir}/supervisor.log`,
          ),
        );
      });
    });
    if (!state.info) throw new Error('the supervisor reported ready without the testbed info');
    printInfo(state.info, opts.json);
  } catch (e) {
    await removeState(dir);
    throw e;
  } finally {
    child.removeAllListeners();
    if (child.connected) child.disconnect();
    child.unref();
  }
}

async function down(opts: DownOptions): Promise<void> {
  const dir = dirOf(opts);
  const state = await readState(dir);
  if (!state) {
    process.stderr.write(`testbed is not up (no ${join(dir, 'state.json')})\n`);
    // A testbed stopped with --keep (or whose supervisor died) still holds its secrets and logs.
    if (!opts.keep && existsSync(dir)) {
      await removeRunDir(dir);
      process.stderr.write(`removed ${dir} (secrets, keys and logs)\n`);
    }
    return;
  }
  // The supervisor stops its daemons itself; anything recorded that outlived it is stopped here.
  await terminate(state.supervisor, 15_000);
  await Promise.all(state.processes.map((p) => terminate(p)));
  await waitPortsClosed(state.endpoints, 10_000);
  await removeState(dir);
  // The run directory holds the secrets, keys and logs (some logs echo keys): gone unless asked to keep.
  if (!opts.keep) await removeRunDir(dir);
  process.stderr.write(
    `testbed down (${state.processes.length} daemons stopped, ${state.endpoints.length} ports closed; ${opts.keep ? `secrets and logs kept in ${dir}` : `${dir} removed with its secrets and logs`})\n`,
  );
}

type Health = Record<string, { up: boolean; host: string; port: number; error?: string }>;

async function health(state: TestbedState): Promise<Health> {
  const services = Object.entries(state.info?.services ?? {}) as [
    TestbedService,
    NonNullable<TestbedInfo['services'][TestbedService]>,
  ][];
  const results = await Promise.all(
    services.map(async ([name, info]) => {
      try {
        await probeService(name, info);
        return [name, { up: true, host: info.host, port: info.port }] as const;
      } catch (e) {
        const error = e instanceof Error ? e.message.split('\n')[0] : String(e);
        return [name, { up: false, host: info.host, port: info.port, error }] as const;
      }
    }),
  );
  return Object.fromEntries(results);
}

async function status(opts: DirOptions & { json?: boolean }): Promise<void> {
  const dir = dirOf(opts);
  const state = await readState(dir);
  const supervisorUp = state ? isAlive(state.supervisor) : false;
  const services = state?.info ? await health(state) : {};
  const allUp =
    supervisorUp && Object.keys(services).length > 0 && Object.values(services).every((s) => s.up);
  if (opts.json) {
    const out = {
      dir,
      up: allUp,
      supervisor: state ? { pid: state.supervisor.pid, up: supervisorUp } : null,
      services,
    };
    process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
  } else if (!state) {
    process.stdout.write(`testbed is not up (no ${join(dir, 'state.json')})\n`);
  } else {
    process.stdout.write(
      `testbed in ${dir}: supervisor pid ${state.supervisor.pid} ${supervisorUp ? 'up' : 'DOWN'}\n`,
    );
    for (const [name, s] of Object.entries(services))
      process.stdout.write(
        `${name.padEnd(9)} ${s.up ? 'up  ' : 'DOWN'} ${s.host}:${s.port}${s.error ? `  ${s.error}` : ''}\n`,
      );
  }
  process.exitCode = allUp ? 0 : 2;
}

export function register(program: Command): void {
  const testbed = program
    .command('testbed')
    .description(
      'Start, stop and check the local testbed: real services (Samba AD, OpenLDAP, SNMP, SSH, RADIUS, RouterOS API) on loopback',
    );
  const dirOption = [
    '--dir <dir>',
    'run directory (default $SCHOOLNET_TESTBED_DIR or <repo>/.schoolnet/testbed)',
  ] as const;
  testbed
    .command('up')
    .description('start the services (detached) and wait until each answers; wipes the run directory first')
    .option('--json', 'print the testbed info (scripts/testbed/types.ts TestbedInfo) as JSON')
    .option('--services <list>', `comma-separated subset of ${ALL_SERVICES.join(',')}`)
    .option(
      '--ports <mode>',
      'fixed (the well-known ports) or dynamic (free ports, for a second testbed); default $SCHOOLNET_TESTBED_PORTS or fixed',
    )
    .option(
      '--routeros-version <x.y[.z]>',
      'RouterOS release the test router runs: 6.49.x or 7.1 to 7.24.x, e.g. 7.18.2 (default 7.20); CI tests 6.49, 7.12, 7.16, 7.20, 7.24',
    )
    .option('--routeros-board <board>', 'its board: hap-ax3 (default), hap-ac2, rb5009 or chr')
    .option(...dirOption)
    .action(runAction(up));
  testbed
    .command('down')
    .description(
      'stop exactly what `up` started, wait until its ports are closed, and remove the run directory (secrets, keys, logs)',
    )
    .option('--keep', 'keep the run directory (secrets, keys and logs) for debugging')
    .option(...dirOption)
    .action(runAction(down));
  testbed
    .command('status')
    .description('probe each recorded service as a client would (exit 0 when all answer, 2 otherwise)')
    .option('--json', 'print the status as JSON')
    .option(...dirOption)
    .action(runAction(status));
}
