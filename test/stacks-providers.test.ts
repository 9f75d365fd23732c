/**
 * Every RouterOS dynamic provider's check / diff / create / read / update / delete, called directly
 * against the RouterOS API test server (test/support/routeros), one server per test: a school's
 * declaration applied to a blank router, applied again (no change, no write), drift from a change
 * made behind schoolnet's back, adoption of a router that already holds the configuration, the legacy
 * wireless package, and a VLAN deleted from the declaration removing exactly what was made for it.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { connectRouterOs } from '../devices/routeros/client.ts';
import { loadSchool } from '../inventory/load.ts';
import type { SchoolDeclaration } from '../inventory/types.ts';
import { planRouter, routerDevices } from '../intent/router.ts';
import type { DesiredObject, RouterPlan } from '../intent/types.ts';
import { routerOsFirewallProvider } from '../stacks/providers/routeros-firewall.dynamic.ts';
import { routerOsObjectProvider } from '../stacks/providers/routeros-object.dynamic.ts';
import type {
  FirewallInputs,
  FirewallOutputs,
  MenuObjectInputs,
  MenuObjectOutputs,
  RouterConnection,
} from '../stacks/providers/routeros-ops.ts';
import { DEFAULT_USERS, startRouterOsServer, type RouterOsServer } from './support/routeros/server.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const WRITER = DEFAULT_USERS.find((u) => u.group === 'full')!;
const objects = routerOsObjectProvider;
const firewall = routerOsFirewallProvider;

const servers: RouterOsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

async function server(fixture: string): Promise<{ server: RouterOsServer; connection: RouterConnection }> {
  const s = await startRouterOsServer({ host: '127.0.0.1', port: 0, fixture });
  servers.push(s);
  return {
    server: s,
    connection: {
      device: 'core-router',
      host: '127.0.0.1',
      port: s.port,
      user: WRITER.name,
      password: WRITER.password,
      timeoutMs: 5000,
    },
  };
}

async function school(id: string): Promise<{ decl: SchoolDeclaration; plan: RouterPlan }> {
  const { decl } = await loadSchool(`${ROOT}inventory/schools/${id}/school.yaml`);
  return { decl, plan: planRouter(decl, routerDevices(decl)[0]!) };
}

function inputsOf(o: DesiredObject, connection: RouterConnection): MenuObjectInputs {
  // Stand-in values for the declaration's secret references.
  const props = Object.fromEntries(
    Object.entries(o.props).map(([k, v]) => [k, v.replace(/\{\{secret:[^}]+\}\}/g, 'test-secret-value')]),
  );
  return {
    connection,
    menu: o.menu,
    mode: o.mode,
    key: o.key,
    props,
    ...(o.secretProps ? { secretProps: o.secretProps } : {}),
    ...(o.atLeast ? { atLeast: o.atLeast } : {}),
    ...(o.guard ? { guard: true } : {}),
  };
}

interface Applied {
  objects: Map<string, { id: string; outs: MenuObjectOutputs; inputs: MenuObjectInputs }>;
  firewall: { id: string; outs: FirewallOutputs; inputs: FirewallInputs };
}

/** What `pulumi up` does on a fresh stack: check then create, in dependency order. */
async function apply(plan: RouterPlan, connection: RouterConnection): Promise<Applied> {
  const applied = new Map<string, { id: string; outs: MenuObjectOutputs; inputs: MenuObjectInputs }>();
  for (const o of plan.objects) {
    const checked = await objects.check!({} as MenuObjectInputs, inputsOf(o, connection));
    expect(checked.failures, o.role).toEqual([]);
    const created = await objects.create(checked.inputs!);
    applied.set(o.role, { id: created.id, outs: created.outs!, inputs: checked.inputs! });
  }
  const fwInputs: FirewallInputs = { connection, rules: plan.firewall };
  expect((await firewall.check!({} as FirewallInputs, fwInputs)).failures).toEqual([]);
  const fw = await firewall.create(fwInputs);
  return { objects: applied, firewall: { id: fw.id, outs: fw.outs!, inputs: fwInputs } };
}

/** What a second `pulumi up --refresh` does: read every object back, diff it; nothing may differ. */
async function expectNoChanges(applied: Applied): Promise<void> {
  for (const [role, a] of applied.objects) {
    expect((await objects.diff!(a.id, a.outs, a.inputs)).changes, `${role} diff`).toBe(false);
    const read = await objects.read!(a.id, a.outs);
    expect(read.id, `${role} still there`).toBe(a.id);
    expect((await objects.diff!(a.id, read.props!, a.inputs)).changes, `${role} after read`).toBe(false);
  }
  const f = applied.firewall;
  expect((await firewall.diff!(f.id, f.outs, f.inputs)).changes).toBe(false);
  const read = await firewall.read!(f.id, f.outs);
  expect((await firewall.diff!(f.id, read.props!, f.inputs)).changes).toBe(false);
}

const rows = (s: RouterOsServer, menu: string) => s.config.menus[menu] ?? [];

describe('RouterOS dynamic providers against the RouterOS API test server', () => {
  test('apply a school to a blank router, then apply again: no change and not a single write', async () => {
    const { server: s, connection } = await server('blank');
    const { decl, plan } = await school('demo');
    const applied = await apply(plan, connection);

    expect(rows(s, '/interface/bridge').map((r) => [r.name, r['vlan-filtering']])).toEqual([
      ['bridge1', 'true'],
    ]);
    expect(
      rows(s, '/interface/vlan')
        .map((r) => `${r.name}:${r['vlan-id']}`)
        .sort(),
    ).toEqual(decl.networks.map((n) => `${n.name}:${n.vlan}`).sort());
    expect(rows(s, '/ip/dhcp-server/network').find((r) => r.address === '10.30.0.0/24')?.['dns-server']).toBe(
      '10.40.0.54',
    );
    expect(rows(s, '/interface/wifi/security').find((r) => r.name === 'sec-demo-pupils')).toMatchObject({
      'authentication-types': 'wpa3-eap',
      'management-protection': 'required',
    });
    expect(rows(s, '/interface/wifi').find((r) => r['configuration.ssid'] === 'Demo-Guest')).toMatchObject({
      'datapath.vlan-id': '30',
      security: 'sec-demo-guest',
    });
    expect(
      rows(s, '/ip/service')
        .filter((r) => r.disabled === 'true')
        .map((r) => r.name),
    ).toEqual(expect.arrayContaining(['ftp', 'telnet', 'www']));
    expect(rows(s, '/ip/service').find((r) => r.name === 'ssh')?.address).toBe('10.99.0.0/24');
    expect(rows(s, '/user').map((r) => r.name)).not.toContain('admin');
    expect(rows(s, '/snmp/community').find((r) => r.name === 'public')?.disabled).toBe('true');
    const filter = rows(s, '/ip/firewall/filter');
    expect(filter.map((r) => r.comment)).toEqual(plan.firewall.map((r) => r.comment));

    const before = s.writes.length;
    await expectNoChanges(applied);
    // An update with nothing to change writes nothing either.
    for (const a of applied.objects.values()) await objects.update!(a.id, a.outs, a.inputs);
    await firewall.update!(applied.firewall.id, applied.firewall.outs, applied.firewall.inputs);
    expect(s.writes.slice(before)).toEqual([]);
    expect(s.writes.every((w) => w.ok)).toBe(true);
  });

  test('a change made behind schoolnet shows as drift in read and diff, and the next apply restores it', async () => {
    const { server: s, connection } = await server('blank');
    const { plan } = await school('demo');
    const applied = await apply(plan, connection);

    // 1. Someone edits the configuration directly.
    rows(s, '/interface/vlan').find((r) => r.name === 'STAFF')!['vlan-id'] = '11';
    const vlan = applied.objects.get('vlan-STAFF-interface')!;
    const read = await objects.read!(vlan.id, vlan.outs);
    expect(read.props?.props['vlan-id']).toBe('11');
    expect((await objects.diff!(vlan.id, read.props!, vlan.inputs)).changes).toBe(true);
    let mark = s.writes.length;
    await objects.update!(vlan.id, read.props!, vlan.inputs);
    // A VLAN interface can carry management: the set ran under commit-confirm, confirmed over a new session.
    expect(s.writes.slice(mark).map((w) => [w.command, w.args['vlan-id']])).toEqual([
      ['/system/scheduler/add', undefined],
      ['/interface/vlan/set', '10'],
      ['/system/scheduler/remove', undefined],
    ]);
    expect(rows(s, '/system/scheduler')).toEqual([]);

    // 2. Someone uses the API: a managed rule disabled and moved to the top, an unmanaged rule added.
    const c = await connectRouterOs({ ...connection, tls: false });
    const rules = await c.print('/ip/firewall/filter');
    const drop = rules.find((r) => r.comment?.startsWith('schoolnet:fwd-default-drop'))!;
    await c.set('/ip/firewall/filter', drop['.id'], { disabled: true });
    await c.move('/ip/firewall/filter', drop['.id']!, rules[0]!['.id']);
    await c.add('/ip/firewall/filter', {
      chain: 'forward',
      action: 'accept',
      'in-interface': 'GUEST',
      comment: 'added by hand',
    });
    await c.close();
    const fw = applied.firewall;
    const fwRead = await firewall.read!(fw.id, fw.outs);
    expect(fwRead.props?.rules[0]).toMatchObject({ id: 'fwd-default-drop', props: { disabled: 'yes' } });
    expect(fwRead.props?.unmanaged.map((u) => u.comment)).toEqual(['added by hand']);
    expect((await firewall.diff!(fw.id, fwRead.props!, fw.inputs)).changes).toBe(true);
    mark = s.writes.length;
    const updated = await firewall.update!(fw.id, fwRead.props!, fw.inputs);
    expect(
      s.writes
        .slice(mark)
        .map((w) => w.command)
        .sort(),
    ).toEqual(['/ip/firewall/filter/move', '/ip/firewall/filter/set']);
    const filter = rows(s, '/ip/firewall/filter');
    // Managed rules back in order at the top; the hand-made rule reported and kept, below them.
    expect(filter.slice(0, plan.firewall.length).map((r) => r.comment)).toEqual(
      plan.firewall.map((r) => r.comment),
    );
    expect(filter.at(-1)?.comment).toBe('added by hand');
    expect(updated.outs?.unmanaged.map((u) => u.comment)).toEqual(['added by hand']);

    // 3. An object deleted by hand is gone from the state on refresh (the next apply adds it back).
    const dhcp = applied.objects.get('vlan-GUEST-dhcp-network')!;
    s.config.menus['/ip/dhcp-server/network'] = rows(s, '/ip/dhcp-server/network').filter(
      (r) => r.address !== '10.30.0.0/24',
    );
    expect((await objects.read!(dhcp.id, dhcp.outs)).id).toBe('');

    // 4. A default admin user re-created by hand is drift for the `absent` object.
    rows(s, '/user').push({ '.id': '*FFF0', name: 'admin', group: 'full', disabled: 'false' });
    const admin = applied.objects.get('user-admin')!;
    const adminRead = await objects.read!(admin.id, admin.outs);
    expect(adminRead.props?.present).toBe(true);
    expect((await objects.diff!(admin.id, adminRead.props!, admin.inputs)).changes).toBe(true);
    await objects.update!(admin.id, adminRead.props!, admin.inputs);
    expect(rows(s, '/user').map((r) => r.name)).not.toContain('admin');
  });

  test('a router that already holds the configuration is adopted: kept as declared, never removed', async () => {
    const { server: s, connection } = await server('good');
    const { plan } = await school('demo');
    const applied = await apply(plan, connection);
    const staff = applied.objects.get('vlan-STAFF-interface')!;
    expect(staff.outs.adopted).toBe(true);
    // The router's trunk to the switch (not declared) stays a tagged member of every VLAN.
    expect(
      rows(s, '/interface/bridge/vlan')
        .find((r) => r['vlan-ids'] === '10')
        ?.tagged?.split(','),
    ).toEqual(expect.arrayContaining(['bridge1', 'ether2']));
    // Its firewall already holds exactly the compiled rules, tagged schoolnet:<id>: adopted as they
    // stand, none unmanaged, and not one write to the filter table.
    expect(applied.firewall.outs.unmanaged).toEqual([]);
    expect(rows(s, '/ip/firewall/filter').map((r) => r.comment)).toEqual(plan.firewall.map((r) => r.comment));
    expect(s.writes.filter((w) => w.command.startsWith('/ip/firewall/filter/'))).toEqual([]);
    await expectNoChanges(applied);

    const mark = s.writes.length;
    await objects.delete!(staff.id, staff.outs);
    await objects.delete!(
      applied.objects.get('service-telnet')!.id,
      applied.objects.get('service-telnet')!.outs,
    );
    await objects.delete!(applied.objects.get('snmp')!.id, applied.objects.get('snmp')!.outs);
    expect(s.writes.slice(mark)).toEqual([]);
    expect(rows(s, '/interface/vlan').map((r) => r.name)).toContain('STAFF');
  });

  test("a router too old for the declared Wi-Fi package: the provider fails with the router's own error, nothing written", async () => {
    const { server: s, connection } = await server('demo');
    const { plan } = await school('demo');
    const security = plan.objects.find((o) => o.menu === '/interface/wifi/security')!;
    const mark = s.writes.length;
    await expect(objects.create(inputsOf(security, connection))).rejects.toMatchObject({
      code: 'E-TRAP',
      message: expect.stringContaining('no such command prefix'),
    });
    expect(s.writes.slice(mark)).toEqual([]);
  });

  test('the legacy wireless package: security profiles and virtual APs as bridge access ports', async () => {
    const { server: s, connection } = await server('legacy');
    const { plan } = await school('scissett-middle');
    const applied = await apply(plan, connection);
    const wlan = rows(s, '/interface/wireless').find((r) => r.ssid === 'Scissett-Visitors');
    expect(wlan).toMatchObject({ 'security-profile': 'sec-scissett-visitors', disabled: 'false' });
    expect(
      rows(s, '/interface/wireless/security-profiles').find((r) => r.name === 'sec-scissett-visitors'),
    ).toMatchObject({
      mode: 'dynamic-keys',
      'authentication-types': 'wpa2-eap',
      'eap-methods': 'passthrough',
    });
    expect(rows(s, '/interface/bridge/port').find((r) => r.interface === wlan?.name)).toMatchObject({
      pvid: '130',
      'frame-types': 'admit-only-untagged-and-priority-tagged',
    });
    expect(rows(s, '/interface/bridge/vlan').find((r) => r['vlan-ids'] === '130')?.untagged).toBe(wlan?.name);
    const before = s.writes.length;
    await expectNoChanges(applied);
    expect(s.writes.length).toBe(before);
  });

  test('deleting a VLAN from the declaration removes exactly what was created for it', async () => {
    const { server: s, connection } = await server('blank');
    const { decl, plan } = await school('demo');
    const applied = await apply(plan, connection);
    const ruleIds = new Map(
      rows(s, '/ip/firewall/filter').map((r) => [
        r.comment?.split(' ')[0]?.slice('schoolnet:'.length) ?? '',
        r['.id']!,
      ]),
    );

    // The guest network goes, with its SSID and its zone rule (a valid declaration cannot keep them).
    const smaller: SchoolDeclaration = structuredClone(decl);
    smaller.networks = smaller.networks.filter((n) => n.name !== 'GUEST');
    smaller.wifi = smaller.wifi.filter((w) => w.network !== 'GUEST');
    smaller.zones.rules = smaller.zones.rules.filter((r) => r.from !== 'guests');
    const next = planRouter(smaller, routerDevices(smaller)[0]!);
    const kept = new Set(next.objects.map((o) => o.role));
    const gone = plan.objects.filter((o) => !kept.has(o.role));
    expect(gone.map((o) => o.role).sort()).toEqual(
      [
        'vlan-GUEST-bridge',
        'vlan-GUEST-interface',
        'vlan-GUEST-address',
        'vlan-GUEST-pool',
        'vlan-GUEST-dhcp-server',
        'vlan-GUEST-dhcp-network',
        'wifi-demo-guest-security',
        'wifi-demo-guest-ssid',
      ].sort(),
    );

    const mark = s.writes.length;
    // What `pulumi up` does: unchanged objects diff clean; dropped ones are deleted, dependants first.
    for (const o of next.objects) {
      const a = applied.objects.get(o.role)!;
      expect((await objects.diff!(a.id, a.outs, inputsOf(o, connection))).changes, o.role).toBe(false);
    }
    for (const o of [...gone].reverse()) {
      const a = applied.objects.get(o.role)!;
      await objects.delete!(a.id, a.outs);
    }
    const fw = applied.firewall;
    const fwNews: FirewallInputs = { connection, rules: next.firewall };
    expect((await firewall.diff!(fw.id, fw.outs, fwNews)).changes).toBe(true);
    await firewall.update!(fw.id, fw.outs, fwNews);

    const droppedTags = plan.firewall
      .map((r) => r.id)
      .filter((id) => !next.firewall.some((r) => r.id === id));
    expect(droppedTags.sort()).toEqual([
      'fwd-guests-internet-allow',
      'fwd-guests-internet-deny-tcp853-udp853.1',
      'fwd-guests-internet-deny-tcp853-udp853.2',
      'fwd-guests-servers-allow-udp53-tcp53.1',
      'fwd-guests-servers-allow-udp53-tcp53.2',
      'in-dhcp-guests',
    ]);
    const expected = [
      ...gone.map((o) => `${o.menu}/remove ${applied.objects.get(o.role)!.outs.routerId}`),
      ...droppedTags.map((t) => `/ip/firewall/filter/remove ${ruleIds.get(t)}`),
    ];
    const all = s.writes.slice(mark).map((w) => `${w.command} ${w.args['.id'] ?? w.args.numbers}`);
    // Dropping an input-chain rule can cut management, and so can removing a VLAN's bridge entry, interface
    // and address (the session may ride on them): each ran under commit-confirm (added, then confirmed).
    const onPath = gone.filter((o) =>
      ['/interface/bridge/vlan', '/interface/vlan', '/ip/address'].includes(o.menu),
    );
    expect(onPath.map((o) => o.role).sort()).toEqual([
      'vlan-GUEST-address',
      'vlan-GUEST-bridge',
      'vlan-GUEST-interface',
    ]);
    const confirm = all.filter((w) => w.startsWith('/system/scheduler/'));
    expect(confirm.map((w) => w.split(' ')[0])).toEqual(
      Array.from({ length: onPath.length + 1 }, () => [
        '/system/scheduler/add',
        '/system/scheduler/remove',
      ]).flat(),
    );
    const written = all.filter((w) => !w.startsWith('/system/scheduler/'));
    expect(written.sort()).toEqual(expected.sort());
    expect(rows(s, '/interface/vlan').map((r) => r.name)).not.toContain('GUEST');
    expect(rows(s, '/ip/firewall/filter').map((r) => r.comment)).toEqual(next.firewall.map((r) => r.comment));
  });
});
