import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testCertificates } from './support/routeros/certs.ts';
import { allProfiles, printedVersion } from './support/routeros/profiles.ts';
import { DEFAULT_USERS, startRouterOsServer, type RouterOsServer } from './support/routeros/server.ts';

// The test server's protocol, judged by a client nobody here wrote: Debian's python3-librouteros, run with
// the Debian interpreter (/usr/bin/python3) that has the package.
const run = promisify(execFile);
const PROBE = resolve(import.meta.dirname, 'support/routeros/librouteros-probe.py');
const WRITER = DEFAULT_USERS[1] as (typeof DEFAULT_USERS)[0];
const certs = testCertificates();

async function probe(...args: string[]): Promise<Record<string, unknown>> {
  const { stdout } = await run('/usr/bin/python3', [PROBE, '--user', WRITER.name, ...args], {
    env: { ...process.env, ROUTEROS_PROBE_PASSWORD: WRITER.password },
    timeout: 20_000,
  });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('python3-librouteros against the RouterOS API test server', () => {
  let server: RouterOsServer;
  beforeAll(async () => {
    server = await startRouterOsServer({ fixture: 'good', tls: { cert: certs.cert, key: certs.key } });
  });
  afterAll(async () => server.close());

  const expected = {
    identity: 'core-router',
    staffAddresses: ['10.10.0.1/24'],
    staffOrGuest: ['GUEST', 'STAFF'],
    afterAdd: ['192.0.2.10'],
    afterRemove: [],
    trap: { message: 'input does not match any value of interface', category: 1 },
  };

  it('logs in, prints with a query, adds and removes over the plain api port', async () => {
    const before = server.writes.length;
    const seen = await probe('--port', String(server.port));
    expect(seen).toMatchObject({ ...expected, version: '7.18.2 (stable)', board: 'hAP ax^3' });
    expect(seen.added).toMatch(/^\*[0-9A-F]+$/);
    expect(server.writes.slice(before).map((w) => [w.command, w.ok])).toEqual([
      ['/ip/firewall/address-list/add', true],
      ['/ip/firewall/address-list/remove', true],
      ['/ip/address/add', false],
    ]);
    expect(
      server.config.menus['/ip/firewall/address-list']?.some((r) => r.list === 'librouteros-probe'),
    ).toBe(false);
  });

  it('does the same over api-ssl, verifying the certificate against the CA', async () => {
    const seen = await probe(
      '--port',
      String(server.tlsPort),
      '--ca',
      certs.caFile,
      '--servername',
      'router.school.test',
    );
    expect(seen).toMatchObject(expected);
  });

  it('fails the TLS handshake when librouteros does not trust the CA', async () => {
    const wrongCa = resolve(certs.dir, 'other.pem');
    await expect(probe('--port', String(server.tlsPort), '--ca', wrongCa)).rejects.toThrow(
      /CERTIFICATE_VERIFY_FAILED/,
    );
  });
});

// The same client against every RouterOS version and board the test server models (profiles.ts): the
// good router as each would hold it. One python run per profile (about a third of a second each).
describe.each(allProfiles().map((p) => [`${p.board} on ${p.version}`, p] as const))(
  'python3-librouteros against the %s profile',
  (_, profile) => {
    let server: RouterOsServer;
    beforeAll(async () => {
      server = await startRouterOsServer({ fixture: 'good', profile });
    });
    afterAll(async () => server.close());

    it('logs in, reads the version and board, queries with ?#, adds, removes and gets the trap', async () => {
      const seen = await probe('--port', String(server.port));
      expect(seen).toMatchObject({
        identity: 'core-router',
        version: printedVersion(profile),
        staffAddresses: ['10.10.0.1/24'],
        staffOrGuest: ['GUEST', 'STAFF'],
        afterAdd: ['192.0.2.10'],
        afterRemove: [],
        trap: { message: 'input does not match any value of interface', category: 1 },
      });
    });
  },
);
