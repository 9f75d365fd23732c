/**
 * The local testbed: real services on loopback (Samba AD DC, OpenLDAP, snmpd, snmpsim, sshd, FreeRADIUS,
 * the RouterOS API test server), started concurrently, each waited for until it really answers.
 *
 * - `dynamic` (tests): a fresh temp dir, ports chosen at run time, Samba on a random 127.0.0.X, so runs by
 *   several developers on one machine never collide. The dir is removed by `stop()`.
 * - `fixed` (demo, `schoolnet testbed up`): the well-known ports, dir `<repo>/.schoolnet/testbed` (wiped
 *   at each start, removed by `testbed down` unless `--keep`), secrets in `<dir>/secrets/`.
 */
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunningService, ServiceContext, StartService } from './context.ts';
import { assertFree, freePort, type Endpoint } from './ports.ts';
import { spawnDaemon, type Daemon } from './process.ts';
import { randomSecret, writeSecret } from './secrets.ts';
import { createCa } from './tls.ts';
import type { ServiceInfo, TestbedInfo, TestbedService } from './types.ts';
import { start as samba } from './samba.ts';
import { start as slapd } from './slapd.ts';
import { start as snmpd } from './snmpd.ts';
import { start as snmpsim } from './snmpsim.ts';
import { start as sshd } from './sshd.ts';
import { start as radius } from './radius.ts';
import { start as routeros } from './routeros.ts';
import { start as postgres } from './postgres.ts';
import { seedDirectories } from './seed-directory.ts';

export type { TestbedInfo, ServiceInfo, TestbedService } from './types.ts';

export const ALL_SERVICES: TestbedService[] = [
  'samba',
  'openldap',
  'snmpd',
  'snmpsim',
  'sshd',
  'radius',
  'routeros',
  'postgres',
];

const STARTERS: Record<TestbedService, StartService> = {
  samba,
  openldap: slapd,
  snmpd,
  snmpsim,
  sshd,
  radius,
  routeros,
  postgres,
};

export const REPO_DIR = resolve(fileURLToPath(new URL('../../', import.meta.url)));
/** Marks a directory the testbed created, so a fixed-mode start never wipes anything else. */
const MARKER = '.schoolnet-testbed';

export interface StartOptions {
  mode: 'dynamic' | 'fixed';
  /** fixed mode only: the run directory (default `SCHOOLNET_TESTBED_DIR` or `<repo>/.schoolnet/testbed`). */
  dir?: string;
  services?: TestbedService[];
  /** fixed mode: wipe the directory first (default true; `testbed up` wipes it before starting its supervisor). */
  fresh?: boolean;
  /** Override the ports: default fixed for `fixed` mode, dynamic for `dynamic` mode. */
  ports?: 'fixed' | 'dynamic';
  /** The RouterOS test server's version and board (default: 7.20 on a hAP ax^3). */
  routeros?: { version?: string; board?: string };
  /** Progress lines (never secrets). */
  log?: (line: string) => void;
}

export interface TestbedProcess {
  service: TestbedService;
  name: string;
  pid: number;
}

export interface Testbed {
  info: TestbedInfo;
  processes: TestbedProcess[];
  endpoints: (Endpoint & { service: TestbedService })[];
  stop(): Promise<void>;
}

export function defaultFixedDir(): string {
  return process.env.SCHOOLNET_TESTBED_DIR ?? join(REPO_DIR, '.schoolnet', 'testbed');
}

async function prepareDir(opts: StartOptions): Promise<string> {
  if (opts.mode === 'dynamic') {
    const dir = await mkdtemp(join(tmpdir(), 'schoolnet-testbed-'));
    await writeFile(join(dir, MARKER), '');
    return dir;
  }
  const dir = resolve(opts.dir ?? defaultFixedDir());
  if (opts.fresh === false) {
    await mkdir(dir, { recursive: true });
    if (!existsSync(join(dir, MARKER))) throw new Error(`${dir} was not prepared by the testbed`);
    return dir;
  }
  return prepareFixedDir(dir);
}

/**
 * Removes a stopped testbed's run directory: its secrets, the CA and TLS keys, the services' databases
 * (Samba's holds password hashes) and every log (snmpsim's and slapd's hold keys and bind attempts).
 * Only a directory the testbed made (it has the marker) is removed; anything else is refused.
 */
export async function removeRunDir(dir: string): Promise<void> {
  if (!existsSync(dir)) return;
  if (!existsSync(join(dir, MARKER)))
    throw new Error(`${dir} was not made by the testbed: refusing to remove it`);
  await rm(dir, { recursive: true, force: true });
}

/** Empties (or creates) a fixed-mode run directory; refuses a non-empty one the testbed did not make. */
export async function prepareFixedDir(dir: string): Promise<string> {
  if (existsSync(dir)) {
    const entries = await readdir(dir);
    if (entries.length > 0 && !entries.includes(MARKER))
      throw new Error(`${dir} is not empty and was not made by the testbed: refusing to wipe it`);
    await rm(dir, { recursive: true, force: true });
  }
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, MARKER), '');
  return dir;
}

export async function startTestbed(opts: StartOptions): Promise<Testbed> {
  const log = opts.log ?? (() => undefined);
  const wanted = opts.services ?? ALL_SERVICES;
  const ports = opts.ports ?? opts.mode;
  const runDir = await prepareDir(opts);
  // snmpsim drops to `nobody`, which must be able to traverse the run dir (mkdtemp makes it 0700).
  await chmod(runDir, 0o755);
  // If this process ends without stop() (Ctrl-C), the daemons die with it (see process.ts) and the
  // dynamic dir goes too.
  const removeOnExit = () => rmSync(runDir, { recursive: true, force: true });
  if (opts.mode === 'dynamic') process.once('exit', removeOnExit);
  const t0 = Date.now();
  const ca = await createCa(join(runDir, 'ca'));
  const secrets: Record<string, string> = {};
  // One value per secret name for the whole run (snmpd and snmpsim share snmp-auth/snmp-priv).
  const secretValues: Record<string, Promise<string>> = {};
  const running = new Map<TestbedService, RunningService>();
  const info: TestbedInfo = { dir: runDir, services: {}, secrets };

  const startOne = async (service: TestbedService): Promise<void> => {
    const dir = join(runDir, service === 'openldap' ? 'slapd' : service);
    await mkdir(dir, { recursive: true });
    const daemons: Daemon[] = [];
    const closers: (() => Promise<void>)[] = [];
    const stop = async () => {
      await Promise.all(closers.map((c) => c().catch(() => undefined)));
      await Promise.all(daemons.map((d) => d.stop()));
    };
    const ctx: ServiceContext = {
      service,
      dir,
      runDir,
      repoDir: REPO_DIR,
      ...(opts.routeros === undefined ? {} : { routeros: opts.routeros }),
      ports,
      ca,
      async port(host, fixed, protos = ['tcp']) {
        if (ports === 'dynamic') return freePort(host, protos);
        await assertFree(
          protos.map((proto) => ({ host, port: fixed, proto })),
          'fixed port',
        );
        return fixed;
      },
      secret(name, length) {
        return (secretValues[name] ??= (async () => {
          const value = randomSecret(length);
          secrets[name] = await writeSecret(runDir, name, value);
          return value;
        })());
      },
      async putSecret(name, value) {
        secrets[name] = await writeSecret(runDir, name, value);
        return secrets[name];
      },
      spawn(name, command, args, o = {}) {
        const d = spawnDaemon(name, command, args, { logFile: join(dir, `${name}.log`), ...o });
        daemons.push(d);
        return d;
      },
      onStop(fn) {
        closers.push(fn);
      },
    };
    // Registered before starting so a half-started service is stopped too.
    running.set(service, { info: { host: '', port: 0 }, endpoints: [], daemons, stop });
    const started = await STARTERS[service](ctx);
    running.set(service, { ...started, daemons, stop });
    info.services[service] = started.info;
    log(
      `${service} ready on ${started.info.host}:${started.info.port} (${((Date.now() - t0) / 1000).toFixed(1)} s)`,
    );
  };

  const stopAll = async () => {
    await Promise.all([...running.values()].map((s) => s.stop()));
    if (opts.mode === 'dynamic') {
      process.off('exit', removeOnExit);
      await rm(runDir, { recursive: true, force: true });
    }
  };

  const results = await Promise.allSettled(wanted.map((s) => startOne(s)));
  const errors: string[] = [];
  results.forEach((r, i) => {
    const service = wanted[i] as TestbedService;
    if (r.status === 'fulfilled') return;
    errors.push(`${service}: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
  });
  try {
    if (errors.length === 0 && (info.services.samba || info.services.openldap)) {
      await seedDirectories(info);
      log(`directories seeded (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    }
  } catch (e) {
    errors.push(`seedDirectories: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (errors.length > 0) {
    await stopAll();
    const where = opts.mode === 'fixed' ? ` (logs in ${runDir})` : '';
    throw new Error(`testbed failed to start${where}:\n${errors.join('\n')}`);
  }
  await writeFile(join(runDir, 'info.json'), JSON.stringify(info, null, 2), { mode: 0o600 });

  let stopped: Promise<void> | undefined;
  return {
    info,
    processes: [...running.entries()].flatMap(([service, s]) =>
      s.daemons.map((d) => ({ service, name: d.name, pid: d.pid })),
    ),
    endpoints: [...running.entries()].flatMap(([service, s]) => s.endpoints.map((e) => ({ ...e, service }))),
    stop() {
      stopped ??= stopAll();
      return stopped;
    },
  };
}

/** The info of one service, or a clear error naming what is missing (for tests and the demo). */
export function serviceInfo(info: TestbedInfo, service: TestbedService): ServiceInfo {
  const s = info.services[service];
  if (!s) throw new Error(`testbed service ${service} is not running`);
  return s;
}
