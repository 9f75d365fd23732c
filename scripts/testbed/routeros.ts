/**
 * The testbed's RouterOS router: the project's RouterOS API test server with the `demo` fixture as a
 * chosen RouterOS version and board (`--routeros-version`, `--routeros-board`; default a current hAP ax^3
 * on 7.20, whose /interface/wifi takes the demo's Wi-Fi resources), plain API and api-ssl with a certificate from the run's CA. Users: `auditor` (read; info.user/password) and
 * `provisioner` (full; extra.adminUser/adminPassword).
 *
 * The server is test support code (test/support/routeros/: our own double of a router, proven against
 * python3-librouteros), and production code must not import test code. So the testbed runs it the way
 * it runs slapd or snmpd: as a daemon of its own (test/support/routeros/serve.ts), given a config file
 * (mode 600, so no password is on argv), probed until both ports answer, stopped with the testbed.
 * A checkout without test/ cannot start this service, and the testbed says so; it is never faked.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ROUTEROS_BOARDS,
  atLeast,
  minimumVersion,
  parseRouterOsVersion,
  unsupportedRouterOsVersion,
  type RouterOsBoard,
} from '../../intent/routeros-capabilities.ts';
import type { ServiceContext, StartedService } from './context.ts';
import { tcpOpen } from './probes.ts';
import { waitUntil } from './wait.ts';

export const ROUTEROS = {
  fixedPort: 18728,
  fixedTlsPort: 18729,
  user: 'auditor',
  adminUser: 'provisioner',
} as const;

/** The testbed's router when no option is given: a current hAP ax^3 (its /interface/wifi takes the demo's Wi-Fi). */
export const ROUTEROS_TESTBED_DEFAULT = { version: '7.20', board: 'hap-ax3' } as const;

export interface RouterOsProfileOption {
  version: string;
  board: RouterOsBoard;
}

/**
 * Checks `--routeros-version` / `--routeros-board`; throws a message for a usage error. Any release in the
 * supported range is accepted as given (`7.18.2` prints as 7.18.2; its behaviour follows its version by
 * range); a version outside it, an unknown board, or a board that does not run the version is refused.
 */
export function routerOsProfileOption(version?: string, board?: string): RouterOsProfileOption {
  const v = version ?? ROUTEROS_TESTBED_DEFAULT.version;
  const b = board ?? ROUTEROS_TESTBED_DEFAULT.board;
  const why = unsupportedRouterOsVersion(v);
  if (why !== undefined) throw new Error(`unknown RouterOS version ${JSON.stringify(v)}: ${why}`);
  if (!(ROUTEROS_BOARDS as readonly string[]).includes(b))
    throw new Error(`unknown RouterOS board ${JSON.stringify(b)}; known: ${ROUTEROS_BOARDS.join(', ')}`);
  const need = minimumVersion(b as RouterOsBoard);
  if (!atLeast(parseRouterOsVersion(v), need))
    throw new Error(`the ${b} does not run RouterOS ${v}: it needs ${need} or later`);
  return { version: v, board: b as RouterOsBoard };
}

/** The test server's process entry (relative to the repository root). */
export const ROUTEROS_SERVE_ENTRY = join('test', 'support', 'routeros', 'serve.ts');

export async function start(ctx: ServiceContext): Promise<StartedService> {
  const host = '127.0.0.1';
  const port = await ctx.port(host, ROUTEROS.fixedPort);
  const tlsPort = await ctx.port(host, ROUTEROS.fixedTlsPort);
  const password = await ctx.secret('routeros-password');
  const adminPassword = await ctx.secret('routeros-admin-password');
  const pair = await ctx.ca.issue({
    dir: ctx.dir,
    name: 'api-ssl',
    cn: 'core-router',
    dns: ['localhost'],
    ips: [host],
  });
  const entry = join(ctx.repoDir, ROUTEROS_SERVE_ENTRY);
  if (!existsSync(entry))
    throw new Error(
      `${entry} is missing: the RouterOS test server is test support code, in a source checkout only`,
    );
  const profile = routerOsProfileOption(ctx.routeros?.version, ctx.routeros?.board);
  const configFile = join(ctx.dir, 'routeros.json');
  const config = {
    profile,
    host,
    port,
    tls: { certFile: pair.cert, keyFile: pair.key, port: tlsPort },
    fixture: 'demo',
    users: [
      { name: ROUTEROS.user, password, group: 'read' },
      { name: ROUTEROS.adminUser, password: adminPassword, group: 'full' },
    ],
  };
  await writeFile(configFile, JSON.stringify(config), { mode: 0o600 });
  const daemon = ctx.spawn('routeros', process.execPath, [entry, configFile], {
    cwd: ctx.repoDir,
  });
  await waitUntil(
    async () => {
      await tcpOpen(host, port);
      await tcpOpen(host, tlsPort);
    },
    { what: `RouterOS test server on ${host}:${port}/${tlsPort}`, daemon },
  );
  return {
    endpoints: [
      { host, port, proto: 'tcp' },
      { host, port: tlsPort, proto: 'tcp' },
    ],
    info: {
      host,
      port,
      ports: { api: port, apiSsl: tlsPort },
      user: ROUTEROS.user,
      password,
      ca: ctx.ca.cert,
      extra: {
        fixture: 'demo',
        routerosVersion: profile.version,
        routerosBoard: profile.board,
        adminUser: ROUTEROS.adminUser,
        adminPassword,
        servername: 'localhost',
      },
    },
  };
}
