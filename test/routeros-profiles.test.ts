/**
 * The RouterOS test server as each version and board (test/support/routeros/profiles.ts, versions.ts):
 * the documented behaviours of ../shared/routeros-behaviour.md, each checked through the project's client
 * on every profile where it applies. The independent-client side (python3-librouteros per profile) is
 * routeros-librouteros.test.ts; the recordings per profile are routeros-contract.test.ts.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectRouterOs, type RouterOsClient } from '../devices/routeros/client.ts';
import {
  allProfiles,
  BETWEEN_PROFILES,
  blankProfile,
  parseProfile,
  printedVersion,
  ProfileError,
  wifiStack,
  type RouterProfile,
} from './support/routeros/profiles.ts';
import { startRouterOsServer, type RouterOsServer, type RouterUser } from './support/routeros/server.ts';
import { routerOsProfileOption } from '../scripts/testbed/routeros.ts';
import { testbedInfo } from './support/testbed.ts';
import type { TestbedInfo } from '../scripts/testbed/types.ts';

const FULL: RouterUser = { name: 'provisioner', password: 'provisioner-test-password', group: 'full' };
const WRITER: RouterUser = { name: 'writer', password: 'writer-test-password', group: 'write' };
const at = (p: RouterProfile, v: string) => {
  const [a = 0, b = 0] = p.version.split('.').map(Number);
  const [x = 0, y = 0] = v.split('.').map(Number);
  return a > x || (a === x && b >= y);
};

async function login(s: RouterOsServer, u: RouterUser): Promise<RouterOsClient> {
  return connectRouterOs({
    device: 'r',
    host: '127.0.0.1',
    port: s.port,
    user: u.name,
    password: u.password,
  });
}

async function trapOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no trap';
  } catch (e) {
    return String((e as { detail?: { message?: string } }).detail?.message ?? (e as Error).message);
  }
}

const label = (p: RouterProfile) => `${p.board} on ${p.version}${p.legacyWireless ? ' (wireless)' : ''}`;

describe.each([...allProfiles(), ...BETWEEN_PROFILES].map((p) => [label(p), p] as const))('%s', (_, p) => {
  let s: RouterOsServer;
  let c: RouterOsClient;
  beforeAll(async () => {
    s = await startRouterOsServer({ fixture: blankProfile(p), users: [FULL, WRITER] });
    c = await login(s, FULL);
  });
  afterAll(async () => {
    await c.close();
    await s.close();
  });

  it('reports its version and board; /system/routerboard exists only on RouterBOARDs', async () => {
    const [resource] = await c.print('/system/resource');
    expect(resource?.version).toBe(printedVersion(p));
    // A release given as x.y.z is the one printed; x.y prints a patch release of that line.
    expect(resource?.version?.split(' ')[0]).toMatch(
      p.version.split('.').length === 3
        ? new RegExp(`^${p.version}$`)
        : new RegExp(`^${p.version}(\\.\\d+)?$`),
    );
    if (p.board === 'chr') {
      expect(resource?.['board-name']).toBe('CHR');
      expect(await trapOf(c.print('/system/routerboard'))).toBe('no such command prefix');
    } else expect((await c.print('/system/routerboard'))[0]?.routerboard).toBe('true');
    // RouterOS 7 lists packages it could install too, flagged available; they are not installed.
    const packages = await c.print('/system/package');
    if (at(p, '7.0')) expect(packages.some((r) => r.available === 'true')).toBe(true);
  });

  it('has the Wi-Fi menu of its stack and no other', async () => {
    const stack = wifiStack(p);
    const menus = {
      '/interface/wifi': stack === 'wifi-qcom' || stack === 'wifi-qcom-ac',
      '/interface/wifiwave2': stack === 'wifiwave2',
      '/interface/wireless': stack === 'wireless',
    };
    for (const [menu, present] of Object.entries(menus)) {
      const got = await c.print(menu).then(
        (rows) => rows.map((r) => r.name),
        (e: unknown) => (e as { detail?: { message?: string } }).detail?.message,
      );
      if (present) expect(got, menu).toEqual(stack === 'wireless' ? ['wlan1', 'wlan2'] : ['wifi1', 'wifi2']);
      else expect(got, menu).toBe('no such command prefix');
    }
  });

  it('has the Wi-Fi menu the manual gives its board and version (wifiwave2 to 7.12, wifi from 7.13)', async () => {
    // Written out by hand, not from the server's own wifiStack: hAP ax^3 runs wifiwave2 until 7.12 and
    // wifi-qcom from 7.13; hAP ac^2 runs legacy wireless until 7.12 and wifi-qcom-ac from 7.13 (unless its
    // owner installed wireless); RB5009 and CHR have no radio (manual: WiFi, WifiWave2, Wireless).
    const v13 = at(p, '7.13');
    const expected =
      p.board === 'hap-ax3'
        ? v13
          ? '/interface/wifi'
          : '/interface/wifiwave2'
        : p.board === 'hap-ac2'
          ? v13 && p.legacyWireless !== true
            ? '/interface/wifi'
            : '/interface/wireless'
          : undefined;
    const present: string[] = [];
    for (const menu of ['/interface/wifi', '/interface/wifiwave2', '/interface/wireless'])
      if ((await trapOf(c.print(menu))) === 'no trap') present.push(menu);
    expect(present).toEqual(expected === undefined ? [] : [expected]);
  });

  it('/ip/service: address before 7.24, available-from from 7.24; connection rows from 7.19', async () => {
    const services = await c.print('/ip/service');
    const ssh = services.find((r) => r.name === 'ssh' && r.connection !== 'true')!;
    const [now, gone] = at(p, '7.24') ? ['available-from', 'address'] : ['address', 'available-from'];
    // Printed even when empty, as RouterOS does.
    expect(ssh[now]).toBe('');
    expect(ssh[gone]).toBeUndefined();
    expect(await trapOf(c.set('/ip/service', ssh['.id'], { [gone]: '10.99.0.0/24' }))).toBe(
      `unknown parameter ${gone}`,
    );
    await c.set('/ip/service', ssh['.id'], { [now]: '10.99.0.0/24' });
    const connections = services.filter((r) => r.connection === 'true');
    if (at(p, '7.19')) {
      // This very session shows up under the service's name, dynamic, and cannot be set.
      expect(connections.map((r) => [r.name, r.dynamic, r.proto])).toEqual([['api', 'true', 'tcp']]);
      expect(await trapOf(c.set('/ip/service', connections[0]!['.id'], { disabled: true }))).toBe(
        'failure: this is configured elsewhere',
      );
    } else expect(connections).toEqual([]);
  });

  it('SNMP communities take MD5/SHA1 and DES/AES only', async () => {
    const [pub] = await c.print('/snmp/community', { where: { name: 'public' } });
    expect(await trapOf(c.set('/snmp/community', pub!['.id'], { 'authentication-protocol': 'SHA256' }))).toBe(
      'input does not match any value of authentication-protocol',
    );
    expect(await trapOf(c.set('/snmp/community', pub!['.id'], { 'encryption-protocol': 'AES256' }))).toBe(
      'input does not match any value of encryption-protocol',
    );
    await c.set('/snmp/community', pub!['.id'], {
      'authentication-protocol': 'SHA1',
      'encryption-protocol': 'AES',
    });
  });

  it('user groups carry policies: a write group changes configuration but not users', async () => {
    const groups = await c.print('/user/group');
    expect(groups.map((g) => g.name)).toEqual(['read', 'write', 'full']);
    expect(groups[1]?.policy?.split(',')).toContain('!policy');
    const w = await login(s, WRITER);
    try {
      await w.set('/system/identity', undefined, { name: 'core-router' });
      const [admin] = await w.print('/user', { where: { name: 'admin' } });
      expect(await trapOf(w.remove('/user', admin!['.id']!))).toBe('not enough permissions (9)');
    } finally {
      await w.close();
    }
  });

  if (wifiStack(p) === 'wireless')
    it('legacy security profiles refuse a comment before 7.15', async () => {
      const add = c.add('/interface/wireless/security-profiles', { name: 'sec-x', comment: 'schoolnet:x' });
      expect(await trapOf(add)).toBe(at(p, '7.15') ? 'no trap' : 'unknown parameter comment');
    });
});

describe('bridge VLAN table', () => {
  let s: RouterOsServer;
  let c: RouterOsClient;
  beforeAll(async () => {
    const config = blankProfile({ version: '7.16', board: 'rb5009' });
    config.menus['/interface/bridge'] = [{ name: 'bridge1', 'vlan-filtering': 'true' }];
    config.menus['/interface/bridge/port'] = [
      { bridge: 'bridge1', interface: 'ether3', pvid: '10' },
      { bridge: 'bridge1', interface: 'ether2', 'frame-types': 'admit-only-vlan-tagged' },
    ];
    config.menus['/interface/bridge/vlan'] = [
      { bridge: 'bridge1', 'vlan-ids': '20,30', tagged: 'bridge1,ether2', untagged: '' },
    ];
    s = await startRouterOsServer({ fixture: config, users: [FULL] });
    c = await login(s, FULL);
  });
  afterAll(async () => {
    await c.close();
    await s.close();
  });

  it('lists a dynamic entry for every PVID in use, first, and refuses to change it', async () => {
    const rows = await c.print('/interface/bridge/vlan');
    expect(rows.map((r) => [r['vlan-ids'], r.dynamic, r['current-untagged'] ?? r.untagged])).toEqual([
      ['1', 'true', 'bridge1'],
      ['10', 'true', 'ether3'],
      ['20,30', 'false', ''],
    ]);
    const dynamic = rows[1]!;
    expect(await trapOf(c.set('/interface/bridge/vlan', dynamic['.id'], { tagged: 'bridge1' }))).toBe(
      'failure: can not change dynamic',
    );
    expect(await trapOf(c.remove('/interface/bridge/vlan', dynamic['.id']!))).toBe(
      'failure: can not change dynamic',
    );
  });

  it('a query for one VLAN does not match a combined entry', async () => {
    expect(await c.print('/interface/bridge/vlan', { where: { 'vlan-ids': '20' } })).toEqual([]);
    expect((await c.print('/interface/bridge/vlan', { where: { 'vlan-ids': '20,30' } })).length).toBe(1);
  });
});

describe('choosing a profile', () => {
  it('takes any release in the supported range as given; refuses unknown versions and boards, and boards that do not run a version', () => {
    expect(parseProfile('7.20.1', 'chr')).toEqual({ version: '7.20.1', board: 'chr' });
    for (const v of ['7.15.3', '7.18.2', '7.19', '7.22.1', '7.1', '6.49.7', '7.24.1'])
      expect(parseProfile(v, 'chr')).toEqual({ version: v, board: 'chr' });
    const refuses: [string, string, RegExp][] = [
      ['7.25', 'chr', /unknown RouterOS version "7.25": RouterOS 7.25 is newer than 7.24/],
      ['7.99', 'chr', /newer than 7.24/],
      ['8.0', 'chr', /newer than 7.24/],
      ['6.48.6', 'hap-ac2', /unknown RouterOS version "6.48.6": RouterOS 6.48.6 is older than 6.49/],
      ['6.50', 'chr', /there is no RouterOS 6.50/],
      ['7.0', 'rb5009', /7.0 was never a general release/],
      ['5.26', 'chr', /older than 6.49/],
      ['7.18.x', 'chr', /is not a RouterOS version/],
      ['07.18', 'chr', /is not a RouterOS version/],
      ['7.19rc2', 'chr', /is not a RouterOS version/],
      ['7.20', 'rb4011', /unknown RouterOS board "rb4011"/],
      ['6.49', 'hap-ax3', /does not run RouterOS 6.49/],
      ['7.1', 'hap-ax3', /does not run RouterOS 7.1: it needs 7.10/],
      ['7.9.2', 'hap-ax3', /does not run RouterOS 7.9.2/],
    ];
    for (const [v, b, why] of refuses) {
      expect(() => parseProfile(v, b), `${v} ${b}`).toThrow(ProfileError);
      expect(() => parseProfile(v, b), `${v} ${b}`).toThrow(why);
      // The testbed's own check (production code) gives the same answer.
      expect(() => routerOsProfileOption(v, b), `${v} ${b}`).toThrow(why);
    }
    expect(parseProfile('7.10', 'hap-ax3')).toEqual({ version: '7.10', board: 'hap-ax3' });
    expect(allProfiles()).toHaveLength(18);
  });

  it('`schoolnet testbed up` with an unknown version or board is a usage error (exit 3), started nothing', async () => {
    const run = promisify(execFile);
    const dir = mkdtempSync(join(tmpdir(), 'schoolnet-ros-usage-'));
    const root = resolve(import.meta.dirname, '..');
    // The same check the CLI runs, for each way the options can be wrong; then the CLI itself once.
    expect(routerOsProfileOption('7.20.3', 'hap-ac2')).toEqual({ version: '7.20.3', board: 'hap-ac2' });
    expect(routerOsProfileOption('7.18.2', 'rb5009')).toEqual({ version: '7.18.2', board: 'rb5009' });
    expect(() => routerOsProfileOption('7.99')).toThrow(/unknown RouterOS version "7.99"/);
    expect(() => routerOsProfileOption(undefined, 'rb4011')).toThrow(/unknown RouterOS board "rb4011"/);
    expect(() => routerOsProfileOption('6.49', 'rb5009')).toThrow(/does not run RouterOS 6.49/);
    for (const args of [
      ['--routeros-version', '6.49', '--routeros-board', 'rb5009'],
      ['--routeros-version', '7.25'],
    ]) {
      const result = await run(process.execPath, ['scripts/cli.ts', 'testbed', 'up', ...args, '--dir', dir], {
        cwd: root,
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
      expect(result.code, args.join(' ')).toBe(3);
      expect(result.stderr).toMatch(
        /does not run RouterOS 6.49|unknown RouterOS version "7.25": .*newer than 7.24/,
      );
    }
    // The demo checks the same options before it starts anything: a configuration error, exit 3.
    const demo = await run(process.execPath, ['scripts/cli.ts', 'demo', '--routeros-version', '6.48.6'], {
      cwd: root,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(demo.code).toBe(3);
    expect(demo.stderr).toMatch(/unknown RouterOS version "6.48.6": RouterOS 6.48.6 is older than 6.49/);
  }, 60_000);

  it('the testbed runs the default profile: a current hAP ax^3 with /interface/wifi for the demo', async () => {
    const ros = testbedInfo().services.routeros!;
    expect(ros.extra).toMatchObject({ routerosVersion: '7.20', routerosBoard: 'hap-ax3' });
    const c = await connectRouterOs({
      device: 'core-router',
      host: ros.host,
      port: ros.port,
      user: ros.user!,
      password: ros.password!,
    });
    try {
      expect((await c.print('/system/resource'))[0]?.version).toBe('7.20 (stable)');
      expect((await c.print('/interface/wifi')).map((r) => r['configuration.ssid'])).toContain('Demo-Staff');
    } finally {
      await c.close();
    }
  });

  it('`schoolnet testbed up --routeros-version 7.18.2` runs that release (any in range); asking a running testbed for another is refused; `down` stops it', async () => {
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['scripts/cli.ts', 'testbed', ...args], {
        cwd: resolve(import.meta.dirname, '..'),
      }).then(
        () => ({ code: 0, stderr: '' }),
        (e: { code: number; stderr: string }) => e,
      );
    const dir = join(mkdtempSync(join(tmpdir(), 'schoolnet-ros-between-')), 'tb');
    const base = ['--dir', dir, '--ports', 'dynamic', '--services', 'routeros'];
    expect(
      (await run(['up', ...base, '--routeros-version', '7.18.2', '--routeros-board', 'hap-ac2'])).code,
    ).toBe(0);
    try {
      const info = JSON.parse(readFileSync(join(dir, 'info.json'), 'utf8')) as TestbedInfo;
      const ros = info.services.routeros!;
      expect(ros.extra).toMatchObject({ routerosVersion: '7.18.2', routerosBoard: 'hap-ac2' });
      const c = await connectRouterOs({
        device: 'core-router',
        host: ros.host,
        port: ros.port,
        user: ros.user!,
        password: ros.password!,
      });
      try {
        expect((await c.print('/system/resource'))[0]?.version).toBe('7.18.2 (stable)');
        // hAP ac^2 on 7.13+: wifi-qcom-ac under /interface/wifi; before 7.19 no connection rows.
        expect((await c.print('/interface/wifi')).length).toBeGreaterThan(0);
        expect((await c.print('/ip/service')).filter((r) => r.connection === 'true')).toEqual([]);
      } finally {
        await c.close();
      }
      const other = await run(['up', ...base, '--routeros-version', '7.20']);
      expect(other.code).not.toBe(0);
      expect(other.stderr).toMatch(
        /runs RouterOS 7.18.2 on a hap-ac2, not 7.20 on a hap-ax3: run `schoolnet testbed down` first/,
      );
    } finally {
      expect((await run(['down', '--dir', dir])).code).toBe(0);
    }
    expect(existsSync(dir)).toBe(false);
  }, 90_000);
});
