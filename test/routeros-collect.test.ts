import { afterEach, describe, expect, it, vi } from 'vitest';
import { collectRouterFacts } from '../devices/routeros/collect.ts';
import { DeviceError, type CollectOptions } from '../devices/errors.ts';
import type { RouterFacts } from '../devices/facts.ts';
import type { Device } from '../inventory/types.ts';
import { secretResolver } from '../inventory/secrets.ts';
import { testCertificates } from './support/routeros/certs.ts';
import {
  DEFAULT_USERS,
  startRouterOsServer,
  type RouterOsServer,
  type RouterOsServerOptions,
} from './support/routeros/server.ts';

const AUDITOR = DEFAULT_USERS[0] as (typeof DEFAULT_USERS)[0];
const servers: RouterOsServer[] = [];
afterEach(async () => Promise.all(servers.splice(0).map((s) => s.close())));

async function serve(fixture: string, over: Partial<RouterOsServerOptions> = {}): Promise<RouterOsServer> {
  const s = await startRouterOsServer({ fixture, record: true, ...over });
  servers.push(s);
  return s;
}

const router = (server: RouterOsServer, over: Partial<Device> = {}): Device => ({
  name: 'core-router',
  kind: 'router',
  driver: 'routeros',
  host: '127.0.0.1',
  port: server.port,
  credentials: { user: AUDITOR.name, password: 'env:ROUTER_PASSWORD' },
  insecure: true, // the test server speaks the plain API on loopback unless a test gives it TLS
  minFirmware: '7.14',
  bridge: 'bridge1',
  wan: 'ether1',
  ...over,
});

const options = (over: Partial<CollectOptions> = {}): CollectOptions => ({
  resolveSecret: secretResolver('.', { ROUTER_PASSWORD: AUDITOR.password }),
  timeoutMs: 5000,
  now: () => new Date('2026-11-24T02:00:00Z'),
  ...over,
});

async function failure(p: Promise<unknown>): Promise<DeviceError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(DeviceError);
    return e as DeviceError;
  }
  throw new Error('expected a DeviceError');
}

const wifi = (facts: RouterFacts, ssid: string) => facts.wifi.find((w) => w.ssid === ssid);
const ruleIndex = (facts: RouterFacts, comment: string): number =>
  facts.filterRules.findIndex((r) => r.comment === comment);

describe('collectRouterFacts', () => {
  it('reads the demo router (RouterOS 7.12, wifiwave2) with its deliberate faults, and writes nothing', async () => {
    const server = await serve('demo');
    const facts = await collectRouterFacts(router(server), options());
    expect(facts).toMatchObject({
      device: 'core-router',
      host: '127.0.0.1',
      collectedAt: '2026-11-24T02:00:00.000Z',
      identity: 'core-router',
      version: '7.12',
      boardName: 'hAP ax^3',
      model: 'C53UiG+5HPaxD2HPaxD',
      firmware: '7.12',
    });
    expect(wifi(facts, 'Demo-Staff')).toMatchObject({
      authenticationTypes: ['wpa2-eap'],
      eapMethods: ['peap'],
      vlanId: 10,
      source: 'wifi',
    });
    expect(wifi(facts, 'Demo-Guest')?.vlanId).toBe(20);
    expect(wifi(facts, 'Demo-Pupils')).toMatchObject({
      authenticationTypes: ['wpa2-psk'],
      managementProtection: 'disabled',
    });
    const open = facts.services.filter((s) => !s.disabled && s.address.length === 0).map((s) => s.name);
    expect(open).toEqual(['telnet', 'www']);
    expect(facts.users.map((u) => u.name)).toContain('admin');
    expect(facts.snmp).toEqual({
      enabled: true,
      communities: [
        {
          name: 'public',
          addresses: ['0.0.0.0/0'],
          readAccess: true,
          writeAccess: false,
          security: 'none',
          disabled: false,
        },
      ],
    });
    expect(ruleIndex(facts, 'guests -> internet')).toBeLessThan(ruleIndex(facts, 'guests -> staff deny'));
    // The fault no-doh-block: pupils' DNS-over-TLS drops are missing (the guests' are still there).
    const dot = (iface: string) =>
      facts.filterRules.filter((r) => r.props['in-interface'] === iface && r.props['dst-port'] === '853');
    expect(dot('PUPILS')).toEqual([]);
    expect(dot('GUEST').map((r) => [r.action, r.props.protocol])).toEqual([
      ['drop', 'tcp'],
      ['drop', 'udp'],
    ]);
    expect(facts.bridgeVlans.find((v) => v.vlanIds.includes(40))).toEqual({
      bridge: 'bridge1',
      vlanIds: [40],
      tagged: ['bridge1'],
      untagged: ['ether4'],
    });
    expect(server.writes).toEqual([]);
  });

  it('reads only with print, asks each menu for just the properties it needs, and sends them all at once', async () => {
    const server = await serve('good');
    // The first command the collector sends waits; if the others were sent one by one they would queue behind it.
    server.setFault({ kind: 'delay', ms: 200 }, { command: '/system/identity/print', times: 1 });
    await collectRouterFacts(router(server), options());
    const commands = server.transcript.map((e) => e.sentence[0] as string);
    expect(commands.every((c) => c.endsWith('/print'))).toBe(true);
    expect(commands.at(-1)).toBe('/system/identity/print');
    const withoutProplist = server.transcript
      .filter((e) => !e.sentence.some((w) => w.startsWith('=.proplist=')))
      .map((e) => e.sentence[0]);
    expect(withoutProplist.sort()).toEqual(['/ip/firewall/filter/print', '/ip/firewall/nat/print']);
    expect(JSON.stringify(server.transcript)).not.toContain('not-a-real-radius-secret');
    expect(server.writes).toEqual([]);
  });

  it('reads the good router (RouterOS 7.18, /interface/wifi, !empty replies)', async () => {
    const server = await serve('good');
    const facts = await collectRouterFacts(router(server), options());
    expect(facts.version).toBe('7.18.2');
    expect(
      facts.wifi.map((w) => [w.ssid, w.authenticationTypes.join('+'), w.managementProtection, w.vlanId]),
    ).toEqual([
      ['Demo-Staff', 'wpa2-eap', 'allowed', 10],
      ['Demo-Guest', 'wpa2-psk', 'allowed', 30],
      ['Demo-Pupils', 'wpa3-eap', 'required', 20],
    ]);
    expect(facts.bridges).toEqual([{ name: 'bridge1', vlanFiltering: true }]);
    expect(facts.bridgePorts.find((p) => p.interface === 'ether2')).toEqual({
      bridge: 'bridge1',
      interface: 'ether2',
      pvid: 1,
      frameTypes: 'admit-only-vlan-tagged',
      ingressFiltering: true,
    });
    expect(facts.dhcpNetworks.find((n) => n.comment === 'pupils')?.dnsServers).toEqual(['10.40.0.53']);
    expect(facts.radius).toEqual([
      { address: '10.40.0.10', service: ['wireless'], authPort: 1812, disabled: false },
    ]);
    expect(facts.filterRules.at(-1)).toMatchObject({
      chain: 'input',
      action: 'drop',
      comment: 'schoolnet:in-default-drop everything else to the router',
      order: 23,
    });
    expect(facts.users.map((u) => u.name)).not.toContain('admin');
    expect(server.writes).toEqual([]);
  });

  it('normalises legacy wireless security profiles (RouterOS 6.49)', async () => {
    const server = await serve('legacy');
    const facts = await collectRouterFacts(router(server, { wifiPackage: 'wireless' }), options());
    expect(facts.version).toBe('6.49.10');
    expect(facts.wifi).toEqual([
      {
        name: 'wlan1',
        ssid: 'Demo-Staff',
        authenticationTypes: ['wpa2-eap'],
        eapMethods: ['passthrough'],
        managementProtection: 'allowed',
        vlanId: 10,
        disabled: false,
        source: 'wireless',
      },
      {
        name: 'wlan2',
        ssid: 'Demo-Pupils',
        authenticationTypes: ['wpa2-eap'],
        eapMethods: ['passthrough'],
        managementProtection: 'required',
        vlanId: 20,
        disabled: false,
        source: 'wireless',
      },
      {
        name: 'wlan3',
        ssid: 'Demo-Guest',
        authenticationTypes: ['wpa2-psk'],
        eapMethods: [],
        managementProtection: 'allowed',
        vlanId: 30,
        disabled: false,
        source: 'wireless',
      },
    ]);
    // Every Wi-Fi menu is asked (the router, not the declaration, decides which exists); 6.49 has no wifi.
    const asked = server.transcript.filter((e) => e.sentence[0]?.startsWith('/interface/wifi'));
    expect(asked.length).toBeGreaterThan(0);
    expect(asked.every((e) => e.replies[0]?.includes('=message=no such command prefix'))).toBe(true);
  });

  it('reads the bad router with its faults as they are', async () => {
    const server = await serve('bad');
    const facts = await collectRouterFacts(router(server), options());
    expect(facts.bridges[0]?.vlanFiltering).toBe(false);
    expect(wifi(facts, 'Demo-Pupils')).toMatchObject({
      authenticationTypes: ['open'],
      managementProtection: 'disabled',
    });
    expect(wifi(facts, 'Demo-Guest')?.vlanId).toBe(10);
    expect(facts.snmp.communities[0]).toMatchObject({
      name: 'public',
      addresses: ['::/0'],
      writeAccess: true,
    });
    expect(facts.dns).toEqual({ servers: ['8.8.8.8', '1.1.1.1'], allowRemoteRequests: true });
    expect(facts.radius).toEqual([]);
  });

  it('connects over api-ssl with a CA file named relative to the declaration, or a pinned fingerprint', async () => {
    const certs = testCertificates();
    const server = await serve('good', { tls: { cert: certs.cert, key: certs.key } });
    const resolveSecret = secretResolver(certs.dir, { ROUTER_PASSWORD: AUDITOR.password });
    const byCa = await collectRouterFacts(
      router(server, { port: server.tlsPort, tls: { enabled: true, ca: 'ca.pem' } }),
      options({ resolveSecret }),
    );
    expect(byCa.identity).toBe('core-router');
    const byPin = await collectRouterFacts(
      router(server, { port: server.tlsPort, tls: { enabled: true, fingerprint: certs.fingerprint } }),
      options(),
    );
    expect(byPin.identity).toBe('core-router');
    const wrong = await failure(
      collectRouterFacts(
        router(server, { port: server.tlsPort, tls: { enabled: true, ca: 'other.pem' } }),
        options({ resolveSecret }),
      ),
    );
    expect(wrong.code).toBe('E-TLS');
  });

  it('fails with a typed error, never a hang, for each thing that can go wrong', async () => {
    const server = await serve('good');
    expect(
      (
        await failure(
          collectRouterFacts(
            router(server),
            options({ resolveSecret: secretResolver('.', { ROUTER_PASSWORD: 'nope' }) }),
          ),
        )
      ).code,
    ).toBe('E-AUTH');
    expect(
      (await failure(collectRouterFacts(router(server), options({ resolveSecret: secretResolver('.', {}) }))))
        .code,
    ).toBe('E-SECRET');
    expect(
      (await failure(collectRouterFacts(router(server, { credentials: undefined }), options()))).code,
    ).toBe('E-CONFIG');
    expect((await failure(collectRouterFacts(router(server, { driver: 'snmp' }), options()))).code).toBe(
      'E-CONFIG',
    );
    server.setFault({ kind: 'delay', ms: 10_000 }, { command: '/ip/firewall/filter/print' });
    expect((await failure(collectRouterFacts(router(server), options({ timeoutMs: 300 })))).code).toBe(
      'E-TIMEOUT',
    );
    server.setFault(null);
    server.setFault({ kind: 'garbage' }, { command: '/user/print', times: 1 });
    expect((await failure(collectRouterFacts(router(server), options()))).code).toBe('E-PROTOCOL');
    // Every failed collection closed its connection (the server sees the close a moment later).
    await vi.waitFor(() => expect(server.connections()).toBe(0));
  });
});
