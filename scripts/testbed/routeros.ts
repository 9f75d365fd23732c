/**
 * The project's RouterOS API test server (test/support/routeros/server.ts, built by the device-access
 * work) with the `demo` fixture as a chosen RouterOS version and board (`--routeros-version`,
 * `--routeros-board`; default a current hAP ax^3 on 7.20, whose /interface/wifi takes the demo's Wi-Fi):
 * plain API and api-ssl with a certificate from the run's CA. It runs inside
 * the Node process that started the testbed. Users: `auditor` (read; info.user/password) and
 * `provisioner` (full; extra.adminUser/adminPassword). Until that module exists the service is left out
 * (see `info.skipped`), never faked.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RouterOsServer, RouterOsServerOptions } from '../../test/support/routeros/server.ts';
import {
  ROUTEROS_BOARDS,
  atLeast,
  minimumVersion,
  type RouterOsBoard,
} from '../../devices/routeros/capabilities.ts';
import type { ServiceContext, StartedService } from './context.ts';
import { tcpOpen } from './probes.ts';
import { waitUntil } from './wait.ts';

export const ROUTEROS = {
  fixedPort: 18728,
  fixedTlsPort: 18729,
  user: 'auditor',
  adminUser: 'provisioner',
} as const;

/** Thrown when a service cannot exist yet; the testbed records it in `info.skipped` and goes on. */
export class ServiceSkipped extends Error {}

/** The RouterOS versions the test server models (test/support/routeros/profiles.ts). */
export const ROUTEROS_TESTBED_VERSIONS = ['6.49', '7.12', '7.16', '7.20', '7.24'] as const;
export const ROUTEROS_TESTBED_DEFAULT = { version: '7.20', board: 'hap-ax3' } as const;

export interface RouterOsProfileOption {
  version: string;
  board: RouterOsBoard;
}

/** Checks `--routeros-version` / `--routeros-board`; throws a message for a usage error. */
export function routerOsProfileOption(version?: string, board?: string): RouterOsProfileOption {
  const v = version ?? ROUTEROS_TESTBED_DEFAULT.version;
  const b = board ?? ROUTEROS_TESTBED_DEFAULT.board;
  const family = /^(\d+\.\d+)(\.\d+)?$/.exec(v)?.[1];
  if (family === undefined || !(ROUTEROS_TESTBED_VERSIONS as readonly string[]).includes(family))
    throw new Error(
      `unknown RouterOS version ${JSON.stringify(v)}; the test server models ${ROUTEROS_TESTBED_VERSIONS.join(', ')}`,
    );
  if (!(ROUTEROS_BOARDS as readonly string[]).includes(b))
    throw new Error(`unknown RouterOS board ${JSON.stringify(b)}; known: ${ROUTEROS_BOARDS.join(', ')}`);
  const need = minimumVersion(b as RouterOsBoard);
  if (!atLeast(family.split('.').map(Number), need))
    throw new Error(`the ${b} does not run RouterOS ${family}: it needs ${need} or later`);
  return { version: family, board: b as RouterOsBoard };
}

type StartRouterOsServer = (opts: RouterOsServerOptions) => Promise<RouterOsServer>;

export async function start(ctx: ServiceContext): Promise<StartedService> {
  const modulePath = join(ctx.repoDir, 'test', 'support', 'routeros', 'server.ts');
  if (!existsSync(modulePath)) throw new ServiceSkipped(`${modulePath} does not exist yet`);
  const mod = (await import(pathToFileURL(modulePath).href)) as { startRouterOsServer?: StartRouterOsServer };
  if (typeof mod.startRouterOsServer !== 'function')
    throw new ServiceSkipped(`${modulePath} does not export startRouterOsServer yet`);

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
  const tls = { cert: await readFile(pair.cert), key: await readFile(pair.key), port: tlsPort };
  // In-process: its sockets close with `stop()` (and with this process).
  const profile = routerOsProfileOption(ctx.routeros?.version, ctx.routeros?.board);
  const server = await mod.startRouterOsServer({
    host,
    port,
    tls,
    fixture: 'demo',
    profile: profile as RouterOsServerOptions['profile'] & object,
    users: [
      { name: ROUTEROS.user, password, group: 'read' },
      { name: ROUTEROS.adminUser, password: adminPassword, group: 'full' },
    ],
  });
  ctx.onStop(() => server.close());
  const actualTls = server.tlsPort ?? tlsPort;
  await waitUntil(
    async () => {
      await tcpOpen(host, server.port);
      await tcpOpen(host, actualTls);
    },
    { what: `RouterOS test server on ${host}:${server.port}/${actualTls}` },
  );
  return {
    endpoints: [
      { host, port: server.port, proto: 'tcp' },
      { host, port: actualTls, proto: 'tcp' },
    ],
    info: {
      host,
      port: server.port,
      ports: { api: server.port, apiSsl: actualTls },
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
