import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRouterOsVersion } from '../intent/routeros-capabilities.ts';
import { routerOsDefault, withDefaults } from '../devices/routeros/defaults.ts';
import { normalise } from '../intent/values.ts';
import { testCertificates } from './support/routeros/certs.ts';
import { allProfiles, BETWEEN_PROFILES, printedVersion } from './support/routeros/profiles.ts';
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

/** Every profile of the matrix, and releases between them where a threshold falls (profiles.ts). */
const PROFILES = [
  ...allProfiles(),
  ...BETWEEN_PROFILES.filter(
    (p) => ['6.49.7', '7.13', '7.18.2', '7.19', '7.24.1'].includes(p.version) && p.legacyWireless !== true,
  ),
];

// The same client against every RouterOS version and board the test server models (profiles.ts): the
// good router as each would hold it. One python run per profile (about a third of a second each).
describe.each(PROFILES.map((p) => [`${p.board} on ${p.version}`, p] as const))(
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

// What `print` leaves out, seen by librouteros on every profile: a plain print omits the properties at
// their version's default, `detail` and a `.proplist` bring them back. The values are the manual's
// ("ingress-filtering (yes | no; Default: yes)" on 7, "Default: no" on 6 (Manual:Interface/Bridge);
// "protocol-mode (Default: rstp)"; SNMP community "addresses (Default: ::/0)", 6: 0.0.0.0/0), and the
// table the providers and collectors fill absent properties from (devices/routeros/defaults.ts) must give
// exactly what `detail` shows for every property the plain print left out.
describe.each(PROFILES.map((p) => [`${p.board} on ${p.version}`, p] as const))(
  'print leaves out defaults on the %s profile (python3-librouteros)',
  (_, profile) => {
    let server: RouterOsServer;
    beforeAll(async () => {
      server = await startRouterOsServer({ fixture: 'good', profile });
    });
    afterAll(async () => server.close());

    it('omits defaults from a plain print; detail and .proplist show them; our defaults table agrees', async () => {
      const seen = (await probe('--port', String(server.port), '--defaults')) as {
        defaults: Record<string, Record<'plain' | 'detail' | 'proplist', Record<string, unknown>>>;
      };
      const v7 = !profile.version.startsWith('6.');
      const version = parseRouterOsVersion(profile.version);
      const { bridge, community } = seen.defaults as Record<
        'bridge' | 'community',
        Record<'plain' | 'detail' | 'proplist', Record<string, unknown>>
      >;
      expect(bridge.plain).toMatchObject({ name: 'probe-br', disabled: false });
      for (const k of ['ingress-filtering', 'protocol-mode', 'frame-types', 'pvid', 'vlan-filtering'])
        expect(bridge.plain).not.toHaveProperty(k);
      expect(bridge.detail).toMatchObject({
        'ingress-filtering': v7,
        'protocol-mode': 'rstp',
        'frame-types': 'admit-all',
        pvid: 1,
        'vlan-filtering': false,
      });
      expect(bridge.proplist).toEqual({
        name: 'probe-br',
        'ingress-filtering': v7,
        'protocol-mode': 'rstp',
        'frame-types': 'admit-all',
      });
      expect(community.plain).not.toHaveProperty('addresses');
      expect(community.detail).toMatchObject({
        addresses: v7 ? '::/0' : '0.0.0.0/0',
        security: 'none',
        'read-access': true,
      });
      for (const [menu, seenRows] of [
        ['/interface/bridge', bridge],
        ['/snmp/community', community],
      ] as const) {
        const left = Object.keys(seenRows.detail).filter((k) => !(k in seenRows.plain));
        expect(left.length).toBeGreaterThan(3);
        for (const k of left) {
          const ours = routerOsDefault(menu, k, version);
          if (ours === undefined) continue;
          expect({ [k]: normalise(k, ours) }).toEqual({ [k]: normalise(k, String(seenRows.detail[k])) });
        }
        // Every property our table knows for this menu that the plain print left out is filled in.
        const filled = withDefaults(
          menu,
          Object.fromEntries(Object.entries(seenRows.plain).map(([k, v]) => [k, String(v)])),
          version,
        );
        for (const k of left)
          if (routerOsDefault(menu, k, version) !== undefined) expect(filled).toHaveProperty(k);
      }
    });
  },
);
