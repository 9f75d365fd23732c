/**
 * The RouterOS API test server as a process of its own: `node test/support/routeros/serve.ts <config>`.
 *
 * This is the seam between the testbed and the test server. The testbed (scripts/testbed/routeros.ts,
 * used by `schoolnet testbed` and `schoolnet demo`) is production code and never imports test code; it
 * starts this entry as one more daemon, as it starts slapd or snmpd, and stops it the same way (SIGTERM
 * to its process group, and the parent's death signal). The server itself stays test support code (it is
 * our own double of a router: see server.ts), so the tests and benchmarks keep using it in-process.
 *
 * `<config>` is a JSON file (the testbed writes it mode 600: passwords never go on argv, which `ps`
 * shows to every local user): `{ host, port, tls?: { certFile, keyFile, port }, fixture, users }`.
 * Once both ports listen it prints one line, `listening api=<port> api-ssl=<port>`.
 */
import { readFileSync } from 'node:fs';
import { startRouterOsServer, type RouterOsServerOptions, type RouterUser } from './server.ts';

export interface ServeConfig {
  host: string;
  port: number;
  tls?: { certFile: string; keyFile: string; port: number };
  fixture: string;
  users: RouterUser[];
}

async function main(file: string | undefined): Promise<void> {
  if (file === undefined) throw new Error('usage: node test/support/routeros/serve.ts <config.json>');
  const config = JSON.parse(readFileSync(file, 'utf8')) as ServeConfig;
  const options: RouterOsServerOptions = {
    host: config.host,
    port: config.port,
    fixture: config.fixture,
    users: config.users,
  };
  if (config.tls !== undefined) {
    options.tls = {
      cert: readFileSync(config.tls.certFile),
      key: readFileSync(config.tls.keyFile),
      port: config.tls.port,
    };
  }
  const server = await startRouterOsServer(options);
  const stop = (): void => {
    void server.close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  process.stdout.write(`listening api=${server.port} api-ssl=${server.tlsPort ?? '-'}\n`);
}

main(process.argv[2]).catch((e: unknown) => {
  process.stderr.write(`RouterOS test server: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
