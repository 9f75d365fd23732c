import { execFile } from 'node:child_process';
import net from 'node:net';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  connectRouterOs,
  type RouterOsClient,
  type RouterOsConnectOptions,
} from '../devices/routeros/client.ts';
import { DeviceError } from '../devices/errors.ts';
import { testCertificates } from './support/routeros/certs.ts';
import { DEFAULT_USERS, startRouterOsServer, type RouterOsServer } from './support/routeros/server.ts';

const run = promisify(execFile);
const [AUDITOR, WRITER] = DEFAULT_USERS as [(typeof DEFAULT_USERS)[0], (typeof DEFAULT_USERS)[0]];
const certs = testCertificates();

async function failure(p: Promise<unknown>): Promise<DeviceError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DeviceError);
    return e as DeviceError;
  }
  throw new Error('expected a DeviceError, got success');
}

describe('RouterOS client (node-routeros, repaired) against the test server', () => {
  let server: RouterOsServer;
  const clients: RouterOsClient[] = [];
  beforeAll(async () => {
    server = await startRouterOsServer({ fixture: 'good', tls: { cert: certs.cert, key: certs.key } });
  });
  afterEach(async () => {
    server.setFault(null);
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => server.close());

  const connect = async (over: Partial<RouterOsConnectOptions> = {}): Promise<RouterOsClient> => {
    const c = await connectRouterOs({
      device: 'core-router',
      host: '127.0.0.1',
      port: server.port,
      user: AUDITOR.name,
      password: AUDITOR.password,
      connectTimeoutMs: 3000,
      commandTimeoutMs: 3000,
      ...over,
    });
    clients.push(c);
    return c;
  };

  describe('connecting and reading', () => {
    it('logs in and prints with .proplist and a query', async () => {
      const c = await connect();
      expect(
        await c.print('/ip/address', { proplist: ['address', 'interface'], where: { interface: 'STAFF' } }),
      ).toEqual([{ address: '10.10.0.1/24', interface: 'STAFF' }]);
      const either = await c.print('/interface', {
        proplist: ['name'],
        where: ['?name=GUEST', '?name=MGMT', '?#|'],
      });
      expect(either.map((r) => r.name)).toEqual(['GUEST', 'MGMT']);
    });

    it('sends commands in parallel and gives each its own replies, in whatever order they come', async () => {
      const c = await connect();
      server.setFault({ kind: 'delay', ms: 150 }, { command: '/ip/pool/print', times: 1 });
      const [pools, identity] = await Promise.all([
        c.print('/ip/pool', { proplist: ['name'] }),
        c.print('/system/identity'),
      ]);
      expect(pools.map((p) => p.name)).toEqual(['pool-staff', 'pool-pupils', 'pool-guest', 'pool-mgmt']);
      expect(identity).toEqual([{ name: 'core-router' }]);
    });

    it('returns no rows for RouterOS 7.18 !empty replies (node-routeros alone throws on them)', async () => {
      const c = await connect();
      expect(await c.print('/ip/pool', { where: { name: 'none' } })).toEqual([]);
      server.setFault({ kind: 'empty' }, { command: '/system/history/print', times: 1 });
      expect(await c.print('/system/history')).toEqual([]);
      expect(await c.print('/system/identity')).toEqual([{ name: 'core-router' }]);
    });

    it('rejects a wrong password with E-AUTH', async () => {
      const err = await failure(connect({ password: 'wrong' }));
      expect(err.code).toBe('E-AUTH');
      expect(err.message).toContain('auditor');
      expect(err.message).not.toContain('wrong');
    });

    it('reports a closed port as E-REFUSED', async () => {
      const spare = net.createServer();
      await new Promise<void>((r) => spare.listen(0, '127.0.0.1', r));
      const port = (spare.address() as net.AddressInfo).port;
      await new Promise<void>((r) => spare.close(() => r()));
      expect((await failure(connect({ port }))).code).toBe('E-REFUSED');
    });
  });

  describe('api-ssl', () => {
    const tlsPort = (): number => server.tlsPort as number;

    it('verifies the router certificate against the configured CA', async () => {
      const c = await connect({ port: tlsPort(), tls: { ca: certs.ca } });
      expect(await c.print('/system/identity')).toEqual([{ name: 'core-router' }]);
    });

    it('verifies a pinned SHA-256 fingerprint, in any common spelling', async () => {
      const spelled = `sha256:${certs.fingerprint.replaceAll(':', '').toLowerCase()}`;
      const c = await connect({ port: tlsPort(), tls: { fingerprint: spelled } });
      expect(await c.print('/system/identity')).toEqual([{ name: 'core-router' }]);
    });

    it('refuses a certificate from another CA before sending the password', async () => {
      const before = server.logins.length;
      const err = await failure(connect({ port: tlsPort(), tls: { ca: certs.otherCa } }));
      expect(err.code).toBe('E-TLS');
      expect(server.logins.length).toBe(before);
    });

    it('refuses a certificate whose name does not match', async () => {
      const err = await failure(
        connect({ port: tlsPort(), tls: { ca: certs.ca, servername: 'other.school.test' } }),
      );
      expect(err.code).toBe('E-TLS');
    });

    it('refuses a wrong pin before sending the password', async () => {
      const before = server.logins.length;
      const err = await failure(connect({ port: tlsPort(), tls: { fingerprint: 'AB'.repeat(32) } }));
      expect(err.code).toBe('E-TLS');
      expect(err.detail?.seen).toBe(certs.fingerprint);
      expect(server.logins.length).toBe(before);
    });

    it('refuses a malformed pin as a configuration error', async () => {
      expect((await failure(connect({ port: tlsPort(), tls: { fingerprint: 'not-hex' } }))).code).toBe(
        'E-CONFIG',
      );
    });

    it('fails cleanly when the plain client meets the TLS port', async () => {
      expect((await failure(connect({ port: tlsPort() }))).code).toBe('E-CLOSED');
    });
  });

  describe('typed errors', () => {
    it('keeps a !trap category in E-TRAP', async () => {
      const c = await connect({ user: WRITER.name, password: WRITER.password });
      const err = await failure(c.add('/ip/address', { address: '192.0.2.1/24', interface: 'no-such' }));
      expect(err.code).toBe('E-TRAP');
      expect(err.detail).toEqual({
        command: '/ip/address/add',
        message: 'input does not match any value of interface',
        category: 1,
      });
      const missing = await failure(c.print('/interface/wireless'));
      expect(missing.detail?.category).toBe(0);
      expect(missing.hint).toMatch(/lack that menu/);
    });

    it('times out a silent command with E-TIMEOUT, cancels it, and keeps the connection', async () => {
      const c = await connect({ commandTimeoutMs: 200 });
      server.setFault({ kind: 'delay', ms: 10_000 }, { command: '/ip/pool/print', times: 1 });
      const err = await failure(c.print('/ip/pool'));
      expect(err.code).toBe('E-TIMEOUT');
      expect(await c.print('/system/identity')).toEqual([{ name: 'core-router' }]);
    });

    it('times out a login that never answers with E-TIMEOUT', async () => {
      server.setFault({ kind: 'delay', ms: 10_000 }, { command: '/login', times: 1 });
      expect((await failure(connect({ connectTimeoutMs: 200 }))).code).toBe('E-TIMEOUT');
    });

    it('reports a connection dropped mid-reply as E-CLOSED, for that call and every later one', async () => {
      const c = await connect();
      server.setFault({ kind: 'drop' }, { command: '/ip/firewall/filter/print', times: 1 });
      expect((await failure(c.print('/ip/firewall/filter'))).code).toBe('E-CLOSED');
      expect((await failure(c.print('/system/identity'))).code).toBe('E-CLOSED');
      expect(c.closed).toBe(true);
    });

    it('reports a connection dropped during the login as E-CLOSED', async () => {
      server.setFault({ kind: 'drop' }, { command: '/login', times: 1 });
      expect((await failure(connect())).code).toBe('E-CLOSED');
    });

    it('reports garbage as E-PROTOCOL and does not wait for the timeout', async () => {
      const c = await connect({ commandTimeoutMs: 20_000 });
      server.setFault({ kind: 'garbage' }, { command: '/ip/address/print', times: 1 });
      expect((await failure(c.print('/ip/address'))).code).toBe('E-PROTOCOL');
    });

    it('reports !fatal as E-FATAL with the router reason', async () => {
      const c = await connect();
      server.setFault({ kind: 'fatal', message: 'out of memory' }, { command: '/radius/print', times: 1 });
      const err = await failure(c.print('/radius'));
      expect(err.code).toBe('E-FATAL');
      expect(err.message).toContain('out of memory');
      const quit = await connect();
      expect((await failure(quit.command('/quit'))).code).toBe('E-FATAL');
    });

    it('rejects every call still waiting when the connection fails', async () => {
      const c = await connect({ commandTimeoutMs: 20_000 });
      server.setFault({ kind: 'delay', ms: 5_000 }, { command: '/ip/pool/print', times: 1 });
      server.setFault({ kind: 'drop' }, { command: '/ip/address/print', times: 1 });
      const slow = failure(c.print('/ip/pool'));
      const dropped = failure(c.print('/ip/address'));
      expect((await dropped).code).toBe('E-CLOSED');
      expect((await slow).code).toBe('E-CLOSED');
    });
  });

  describe('writes', () => {
    it('adds, sets, moves and removes, and the server records each write', async () => {
      const c = await connect({ user: WRITER.name, password: WRITER.password });
      const before = server.writes.length;
      const id = await c.add('/ip/firewall/filter', {
        chain: 'forward',
        action: 'drop',
        'dst-port': 853,
        protocol: 'tcp',
        disabled: true,
      });
      expect(id).toMatch(/^\*[0-9A-F]+$/);
      const [first] = await c.print('/ip/firewall/filter', { proplist: ['.id'] });
      await c.move('/ip/firewall/filter', id, first?.['.id']);
      await c.set('/ip/firewall/filter', id, { comment: 'schoolnet: test', disabled: false });
      await c.set('/ip/dns', undefined, { servers: ['10.40.0.53', '10.40.0.54'] });
      const [rule] = await c.print('/ip/firewall/filter', {
        proplist: ['.id', 'comment', 'disabled', 'dst-port'],
      });
      expect(rule).toEqual({ '.id': id, comment: 'schoolnet: test', disabled: 'false', 'dst-port': '853' });
      expect(await c.print('/ip/dns', { proplist: ['servers'] })).toEqual([
        { servers: '10.40.0.53,10.40.0.54' },
      ]);
      await c.remove('/ip/firewall/filter', id);
      await c.set('/ip/dns', undefined, { servers: '10.40.0.53' });
      expect(server.writes.slice(before).map((w) => [w.command, w.ok])).toEqual([
        ['/ip/firewall/filter/add', true],
        ['/ip/firewall/filter/move', true],
        ['/ip/firewall/filter/set', true],
        ['/ip/dns/set', true],
        ['/ip/firewall/filter/remove', true],
        ['/ip/dns/set', true],
      ]);
    });

    it('refuses a menu or property name that could smuggle extra words', async () => {
      const c = await connect();
      expect((await failure(c.print('/ip/address\n/quit'))).code).toBe('E-CONFIG');
      expect((await failure(c.set('/ip/dns', undefined, { 'servers=1.1.1.1\n=x': 'y' }))).code).toBe(
        'E-CONFIG',
      );
    });
  });
});

describe('an error event never crashes the process', () => {
  // Child processes: a crash there cannot take the test runner with it, and its exit code is the proof.
  const CLIENT = resolve(import.meta.dirname, '../devices/routeros/client.ts');
  let server: RouterOsServer;
  beforeAll(async () => {
    server = await startRouterOsServer({ fixture: 'good' });
  });
  afterAll(async () => server.close());

  it('node-routeros 1.6.9 on its own crashes on !empty: why the client replaces its parser', async () => {
    const script = `
      const { RouterOSAPI } = require('node-routeros');
      const api = new RouterOSAPI({ host: '127.0.0.1', port: ${server.port}, user: '${AUDITOR.name}', password: '${AUDITOR.password}' });
      api.connect().then(() => api.write('/ip/pool/print', ['?name=none'])).then(() => { console.log('settled'); process.exit(0); });
      setTimeout(() => { console.log('never settled'); process.exit(3); }, 3000);`;
    const result = await run(process.execPath, ['-e', script], {
      cwd: resolve(import.meta.dirname, '..'),
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('Tried to process unknown reply: !empty');
  });

  it('our client survives garbage, a dropped reply, !fatal and !empty, each a typed rejection', async () => {
    server.setFault({ kind: 'garbage' }, { command: '/ip/address/print', times: 1 });
    server.setFault({ kind: 'drop' }, { command: '/ip/pool/print', times: 1 });
    server.setFault({ kind: 'fatal' }, { command: '/radius/print', times: 1 });
    server.setFault({ kind: 'empty' }, { command: '/system/identity/print', times: 1 });
    const script = `
      const { connectRouterOs } = await import(${JSON.stringify(CLIENT)});
      const out = {};
      for (const menu of ['/ip/address', '/ip/pool', '/radius', '/system/identity']) {
        const c = await connectRouterOs({ device: 'r', host: '127.0.0.1', port: ${server.port}, user: '${AUDITOR.name}',
          password: '${AUDITOR.password}', commandTimeoutMs: 5000 });
        out[menu] = await c.print(menu).then((rows) => rows.length, (e) => e.code);
        await c.close();
      }
      console.log(JSON.stringify(out));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], {
      timeout: 20_000,
    });
    expect(JSON.parse(stdout)).toEqual({
      '/ip/address': 'E-PROTOCOL',
      '/ip/pool': 'E-CLOSED',
      '/radius': 'E-FATAL',
      '/system/identity': 0,
    });
  });
});
