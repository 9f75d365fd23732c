/**
 * Points a school's declaration at the test's services: its routers at a RouterOS test server, its SNMP
 * switches at snmpsim, its SSH CLIs at the testbed's sshd, its directory at Samba (AD) or slapd
 * (OpenLDAP). Everything else in the declaration (networks, Wi-Fi, zones, clause map, waivers, roster)
 * stays the school's own, so the audit judges the testbed against that school's policy.
 *
 * Secrets become `env:` references whose values the caller passes to the audit (never written into the
 * declaration), and are returned so a test can prove none of them reached the results store.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve, sep } from 'node:path';
import { stringify } from 'yaml';
import type { Device, Directory, LoadedSchool, SchoolDeclaration } from '../../inventory/types.ts';
import { loadDemoDirectory } from '../../scripts/testbed/seed-directory.ts';
import type { ServiceInfo, TestbedInfo } from '../../scripts/testbed/types.ts';
import { testCertificates } from './routeros/certs.ts';
import { DEFAULT_USERS, startRouterOsServer } from './routeros/server.ts';
import type { FaultRule, RouterOsServer } from './routeros/server.ts';

export { testbedInfo } from './testbed.ts';

export const REPO = resolve(import.meta.dirname, '../..');
export const SCHOOLS_DIR = join(REPO, 'inventory', 'schools');
export const EXAMPLE_SCHOOLS = [
  'croft-prep',
  'miskin-primary',
  'scissett-middle',
  'st-josephs-primary',
  'st-marks-primary',
] as const;

/** A RouterOS API test server as the binder needs it. */
export interface RouterEndpoint {
  host: string;
  port: number;
  /** api-ssl, with the CA that signed its certificate and a name in it. */
  tls?: { port: number; caFile: string; servername: string };
  user: string;
  password: string;
}

/**
 * A RouterOS API test server of the school's own (plain API and api-ssl, the latter with a certificate
 * from testCertificates()), loaded with a fixture, for one test to audit, break and close.
 */
export async function startSchoolRouter(
  fixture: string,
  faults: FaultRule[] = [],
  /** The address it listens on (default loopback; a veth address to be reached from a namespace). */
  host = '127.0.0.1',
): Promise<{ server: RouterOsServer; endpoint: RouterEndpoint }> {
  const certs = testCertificates();
  const server = await startRouterOsServer({
    host,
    fixture,
    faults,
    tls: { cert: certs.cert, key: certs.key },
  });
  const auditor = DEFAULT_USERS.find((u) => u.name === 'auditor');
  if (auditor === undefined || server.tlsPort === undefined)
    throw new Error('the RouterOS test server has no auditor or no api-ssl');
  return {
    server,
    endpoint: {
      host,
      port: server.port,
      tls: { port: server.tlsPort, caFile: certs.caFile, servername: 'router.school.test' },
      user: auditor.name,
      password: auditor.password,
    },
  };
}

export interface BindOptions {
  /** Where the school's routers point: one server for all, or one per router name. */
  routers?: RouterEndpoint | Record<string, RouterEndpoint>;
  /** Environment variable prefix for the secrets (default SNTEST_<SCHOOL>). */
  envPrefix?: string;
}

export interface BoundSchool {
  loaded: LoadedSchool;
  /** process.env plus the secrets the bound declaration references. */
  env: NodeJS.ProcessEnv;
  /** Every secret value in play, to grep stores and reports for. */
  secrets: string[];
}

function need(info: TestbedInfo, name: keyof TestbedInfo['services']): ServiceInfo {
  const s = info.services[name];
  if (s === undefined) throw new Error(`the testbed has no ${name}`);
  return s;
}

function extra(s: ServiceInfo, key: string): string {
  const v = s.extra?.[key];
  if (v === undefined) throw new Error(`testbed service info lacks extra.${key}`);
  return v;
}

/**
 * What the testbed's directories hold (the demo dataset that scripts/testbed/seed-directory.ts loads
 * into both): the OUs and groups a bound declaration must name so the collector finds them.
 */
async function seededDirectory(
  kind: Directory['kind'],
): Promise<Pick<Directory, 'ous' | 'adminGroups' | 'roleGroups'>> {
  const data = await loadDemoDirectory();
  const k = kind === 'ad' ? data.ad : data.openldap;
  return {
    ous: { staff: k.ous.staff, pupils: k.ous.pupils, leavers: k.ous.leavers },
    adminGroups: [k.adminGroup],
    roleGroups: { staff: data.groups.staff, pupils: data.groups.pupils },
  };
}

function routerFor(opts: BindOptions, device: Device): RouterEndpoint {
  const r = opts.routers;
  if (r === undefined) throw new Error(`no RouterOS test server given for ${device.name}`);
  if ('host' in r && typeof r.host === 'string') return r as RouterEndpoint;
  const one = (r as Record<string, RouterEndpoint>)[device.name];
  if (one === undefined) throw new Error(`no RouterOS test server given for ${device.name}`);
  return one;
}

export async function bindToTestbed(
  loaded: LoadedSchool,
  info: TestbedInfo,
  opts: BindOptions = {},
): Promise<BoundSchool> {
  const decl = structuredClone(loaded.decl) as SchoolDeclaration;
  const prefix = opts.envPrefix ?? `SNTEST_${decl.school.id.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
  const vars: Record<string, string> = {};
  const secret = (name: string, value: string): `env:${string}` => {
    vars[`${prefix}_${name}`] = value;
    return `env:${prefix}_${name}`;
  };

  const devices: Device[] = [];
  for (const d of decl.devices) {
    const dev: Device = { ...d };
    delete dev.tls;
    if (d.driver === 'routeros') {
      const r = routerFor(opts, d);
      dev.host = r.host;
      dev.port = r.port;
      if (d.tls?.enabled === true && r.tls !== undefined) {
        dev.port = r.tls.port;
        dev.tls = { enabled: true, ca: r.tls.caFile, servername: r.tls.servername };
      }
      dev.credentials = { user: r.user, password: secret('ROUTER_PASSWORD', r.password) };
      // A test server without TLS speaks the plain API on loopback: declared, as the toolkit demands.
      if (dev.tls === undefined) dev.insecure = true;
    } else if (d.driver === 'snmp') {
      const s = need(info, 'snmpsim');
      dev.host = s.host;
      dev.port = s.port;
      dev.snmp = {
        version: '3',
        user: s.user ?? 'auditor',
        authProtocol: 'sha',
        authKey: secret('SNMP_AUTH', extra(s, 'authKey')),
        privProtocol: 'aes',
        privKey: secret('SNMP_PRIV', extra(s, 'privKey')),
        context: extra(s, 'context'),
        port: s.port,
      };
    } else {
      const s = need(info, 'sshd');
      dev.host = s.host;
      dev.port = s.port;
      if (s.hostKeyFingerprint === undefined || s.privateKey === undefined)
        throw new Error('the testbed sshd info lacks the host key fingerprint or client key');
      dev.sshHostKey = s.hostKeyFingerprint;
      dev.credentials = { user: s.user ?? 'auditor', privateKey: `file:${s.privateKey}` };
    }
    devices.push(dev);
  }
  decl.devices = devices;

  if (decl.directory !== undefined) {
    const kind = decl.directory.kind;
    const s = need(info, kind === 'ad' ? 'samba' : 'openldap');
    const seeded = await seededDirectory(kind);
    const dir: Directory = {
      ...decl.directory,
      ...seeded,
      url: extra(s, 'url'),
      baseDn: extra(s, 'baseDn'),
      bind: {
        dn: extra(s, kind === 'ad' ? 'auditDn' : 'auditUser'),
        password: secret('LDAP_PASSWORD', extra(s, 'auditPassword')),
      },
      tls: { ...(s.ca === undefined ? {} : { ca: s.ca }), servername: extra(s, 'servername') },
    };
    if (kind === 'openldap') dir.startTls = extra(s, 'url').startsWith('ldap://');
    else delete dir.startTls;
    if (dir.fineGrainedPolicies !== undefined) delete dir.fineGrainedPolicies;
    decl.directory = dir;
  }

  // `file:` references left as declared that lead out of the school's folder (the demo's testbed
  // secrets): absolute, so a copy written elsewhere (writeBoundSchool) still names the same files.
  const outside = (p: string): boolean => !resolve(loaded.dir, p).startsWith(loaded.dir + sep);
  const absolute = (v: unknown): unknown =>
    typeof v === 'string'
      ? v.startsWith('file:') && !isAbsolute(v.slice(5)) && outside(v.slice(5))
        ? `file:${resolve(loaded.dir, v.slice(5))}`
        : v
      : Array.isArray(v)
        ? v.map(absolute)
        : v && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, absolute(x)]))
          : v;
  Object.assign(decl, absolute(decl));
  // The testbed's keys and CAs live in its own folders: allow-list them as an operator would
  // (inventory/confine.ts), so the bound declaration passes the files-inside-the-school rule.
  const files = [
    ...devices.flatMap((d) => [d.tls?.ca, d.credentials?.privateKey?.replace(/^file:/, '')]),
    decl.directory?.tls?.ca,
  ].filter((f): f is string => f !== undefined && isAbsolute(f));
  const secretsDirs = [...new Set([info.dir, ...files.map((f) => dirname(f))])];
  const SCHOOLNET_SECRETS_DIR = [process.env.SCHOOLNET_SECRETS_DIR, ...secretsDirs].filter(Boolean).join(':');
  const env: NodeJS.ProcessEnv = { ...process.env, ...vars, SCHOOLNET_SECRETS_DIR };
  return { loaded: { ...loaded, decl }, env, secrets: Object.values(vars) };
}

/**
 * Writes the bound declaration as `<root>/schools/<id>/school.yaml` beside copies of the school's other
 * files (clause map, waivers, roster, register), for tests that run the real CLI.
 */
export async function writeBoundSchool(bound: BoundSchool, root: string): Promise<string> {
  const dir = join(root, 'schools', bound.loaded.decl.school.id);
  await mkdir(dir, { recursive: true });
  await cp(bound.loaded.dir, dir, { recursive: true });
  const file = join(dir, 'school.yaml');
  await writeFile(
    file,
    `# Bound to the test's services by test/support/bind-testbed.ts\n${stringify(bound.loaded.decl)}`,
  );
  return file;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the real CLI (`node scripts/cli.ts ...`) in a child process, as a technician or cron would.
 * `onSpawn` gets the child, for tests that kill it mid-run.
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
  onSpawn?: (child: ChildProcess) => void,
): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [join(REPO, 'scripts', 'cli.ts'), ...args], { env, cwd: REPO });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolvePromise({ code, signal, stdout, stderr }));
    onSpawn?.(child);
  });
}
