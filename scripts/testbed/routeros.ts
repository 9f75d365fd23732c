/**
 * The project's RouterOS API test server (test/support/routeros/server.ts, built by the device-access
 * work) with the `demo` fixture: plain API and api-ssl with a certificate from the run's CA. It runs inside
 * the Node process that started the testbed. Users: `auditor` (read; info.user/password) and
 * `provisioner` (full; extra.adminUser/adminPassword). Until that module exists the service is left out
 * (see `info.skipped`), never faked.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { RouterOsServer, RouterOsServerOptions } from '../../test/support/routeros/server.ts';
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
  const server = await mod.startRouterOsServer({
    host,
    port,
    tls,
    fixture: 'demo',
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
      extra: { fixture: 'demo', adminUser: ROUTEROS.adminUser, adminPassword, servername: 'localhost' },
    },
  };
}
