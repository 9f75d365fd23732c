/**
 * The Pulumi program's resource graph for every example school, built with Pulumi's mocks (no engine,
 * no router: Pulumi's own test double for the engine, the only way to run a program without a CLI).
 * The mocks are set before the program is imported. Expected counts are worked out here from the
 * declaration itself, not from the planners.
 */
import * as pulumi from '@pulumi/pulumi';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadSchool } from '../inventory/load.ts';
import type { SchoolDeclaration } from '../inventory/types.ts';
import { planRouter, routerDevices } from '../stacks/plan/router.ts';
import type { DesiredFilterRule } from '../stacks/plan/types.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const schools = readdirSync(join(ROOT, 'inventory/schools'), { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

interface Registered {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
}

const OBJECT = 'pulumi-nodejs:dynamic/routeros:MenuObject';

/** How Pulumi marks a secret value on the wire (its `specialSigKey` / `specialSecretSig`). */
function isSecret(v: unknown): boolean {
  return (
    typeof v === 'object' &&
    v !== null &&
    (v as Record<string, unknown>)['4dabf18193072939515e22adb298388d'] === '1b47061264138c4ac30d75fd1eb44270'
  );
}
const FIREWALL = 'pulumi-nodejs:dynamic/routeros:FirewallRules';

/** Run the program for one stack under mocks; every registration is recorded. */
async function runStack(
  stack: string,
  config: Record<string, string>,
): Promise<{ registered: Registered[]; outputs?: unknown; error?: Error }> {
  const registered: Registered[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown> });
        return { id: args.custom ? `${args.name}-id` : undefined, state: { ...args.inputs } };
      },
      call: (args) => args.inputs,
    },
    'schoolnet',
    stack,
    false,
  );
  pulumi.runtime.setAllConfig(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [`schoolnet:${k}`, v])),
    ['schoolnet:routerPassword', 'schoolnet:secrets'],
  );
  const { default: main } = await import('../stacks/index.ts');
  try {
    const outputs = await main();
    await pulumi.runtime.disconnect();
    return { registered, outputs };
  } catch (e) {
    await pulumi.runtime.disconnect();
    return { registered, error: e as Error };
  }
}

/** Every secret reference the school's routers need, with a stand-in value. */
function secretsFor(decl: SchoolDeclaration): Record<string, string> {
  const refs = routerDevices(decl).flatMap((d) => planRouter(decl, d).secrets.map((s) => s.ref));
  return Object.fromEntries(refs.map((r, i) => [r, `stand-in-secret-${i}`]));
}

/** How many router objects the declaration implies, counted from the declaration alone. */
function expectedObjectCount(decl: SchoolDeclaration, device: SchoolDeclaration['devices'][number]): number {
  const legacy = device.wifiPackage === 'wireless';
  const tls = device.tls?.enabled === true;
  const networks = decl.networks.length * 3 + decl.networks.filter((n) => n.dhcp).length * 3;
  const wifi = decl.wifi.length * (legacy ? 3 : 2);
  const services = tls ? 4 + 4 : 3 + 5;
  const snmp = 2 + (device.snmp?.version === '3' ? 1 : 0);
  return 1 + networks + wifi + (device.ports?.length ?? 0) + (decl.radius?.length ?? 0) + services + snmp + 1;
}

describe('the Pulumi program under mocks', () => {
  test.each(schools)('%s: builds the SchoolNetwork with the expected resources', async (school) => {
    const { decl } = await loadSchool(join(ROOT, `inventory/schools/${school}/school.yaml`));
    const { registered, error, outputs } = await runStack(school, {
      declaration: `inventory/schools/${school}/school.yaml`,
      routerUser: 'schoolnet-provisioner',
      routerPassword: 'stand-in-router-password',
      secrets: JSON.stringify(secretsFor(decl)),
    });
    expect(error).toBeUndefined();
    const byType = (t: string) => registered.filter((r) => r.type === t);
    const id = decl.school.id;
    const routers = routerDevices(decl);

    expect(byType('schoolnet:network:SchoolNetwork').map((r) => r.name)).toEqual([id]);
    expect(
      byType('schoolnet:network:Router')
        .map((r) => r.name)
        .sort(),
    ).toEqual(routers.map((d) => `${id}-${d.name}`).sort());
    expect(byType('schoolnet:network:Vlan')).toHaveLength(decl.networks.length * routers.length);
    expect(byType('schoolnet:network:Wifi')).toHaveLength(decl.wifi.length * routers.length);
    expect(byType('schoolnet:network:Hardening')).toHaveLength(routers.length);
    expect(byType(FIREWALL)).toHaveLength(routers.length);
    const objects = byType(OBJECT);
    expect(objects).toHaveLength(routers.reduce((n, d) => n + expectedObjectCount(decl, d), 0));
    expect(
      registered.filter(
        (r) => ![OBJECT, FIREWALL].includes(r.type) && !r.type.startsWith('schoolnet:network:'),
      ),
    ).toEqual([]);

    for (const device of routers) {
      const prefix = `${id}-${device.name}`;
      const named = (role: string) => objects.find((o) => o.name === `${prefix}-${role}`);
      // Every dynamic resource carries its provider, serialized: the engine's provider host runs that text.
      for (const o of [...objects, ...byType(FIREWALL)])
        expect(String(o.inputs.__provider)).toContain('exports.handler');
      // The router password travels only as a secret; so do properties holding a RADIUS secret or a passphrase.
      for (const o of [...objects, ...byType(FIREWALL)])
        expect(isSecret(o.inputs.connection), o.name).toBe(true);
      for (const o of objects)
        expect(isSecret(o.inputs.props), o.name).toBe(o.inputs.secretProps !== undefined);
      expect(objects.filter((o) => o.inputs.menu === '/radius').every((o) => isSecret(o.inputs.props))).toBe(
        true,
      );
      expect(named('bridge')?.inputs).toMatchObject({
        menu: '/interface/bridge',
        key: { name: device.bridge ?? 'bridge1' },
      });
      for (const n of decl.networks) {
        expect(named(`vlan-${n.name}-interface`)?.inputs).toMatchObject({
          menu: '/interface/vlan',
          mode: 'owned',
          key: { name: n.name },
          props: { 'vlan-id': String(n.vlan) },
        });
        expect(named(`vlan-${n.name}-bridge`)?.inputs).toMatchObject({
          menu: '/interface/bridge/vlan',
          key: { 'vlan-ids': String(n.vlan) },
        });
        if (n.dhcp)
          expect(named(`vlan-${n.name}-dhcp-network`)?.inputs).toMatchObject({
            key: { address: n.subnet },
            props: { 'dns-server': n.dns.join(',') },
          });
      }
      expect(named('user-admin')?.inputs).toMatchObject({
        menu: '/user',
        mode: 'absent',
        key: { name: 'admin' },
      });
      expect(named('service-telnet')?.inputs).toMatchObject({
        menu: '/ip/service',
        mode: 'existing',
        props: { disabled: 'yes' },
      });
      const wifiMenu = device.wifiPackage === 'wireless' ? '/interface/wireless' : '/interface/wifi';
      expect(objects.filter((o) => o.name.startsWith(prefix) && o.inputs.menu === wifiMenu)).toHaveLength(
        decl.wifi.length,
      );

      const fw = byType(FIREWALL).find((f) => f.name === `${prefix}-firewall`)!;
      const rules = fw.inputs.rules as DesiredFilterRule[];
      expect(rules[0]).toMatchObject({
        chain: 'forward',
        action: 'accept',
        props: { 'connection-state': 'established,related' },
      });
      expect(rules.slice(-2).map((r) => r.id)).toEqual(['fwd-default-drop', 'in-default-drop']);
      for (const r of rules) expect(r.comment.startsWith(`schoolnet:${r.id}`)).toBe(true);
      // Each declared allow shows up as at least one accept from that zone's interface.
      for (const zr of decl.zones.rules) {
        const froms = decl.networks.filter((n) => n.role === zr.from).map((n) => n.name);
        expect(
          rules.some(
            (r) =>
              r.action === (zr.action === 'allow' ? 'accept' : 'drop') &&
              froms.includes(r.props['in-interface'] ?? ''),
          ),
        ).toBe(true);
      }
    }
    expect(outputs).toMatchObject({ school: id });
  });

  test('refuses an invalid declaration before declaring any resource', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'sn-stack-'));
    const text = (await readFile(join(ROOT, 'inventory/schools/demo/school.yaml'), 'utf8')).replace(
      'vlan: 20',
      'vlan: 5000',
    );
    await writeFile(join(dir, 'school.yaml'), text);
    const { registered, error } = await runStack('broken', {
      declaration: join(dir, 'school.yaml'),
      routerUser: 'provisioner',
      routerPassword: 'x',
    });
    expect(error?.message).toMatch(/school\.yaml:\d+:\d+: \/networks\/1\/vlan/);
    expect(registered).toEqual([]);
  });

  test('refuses to run when a secret the plan needs cannot be resolved, before any resource', async () => {
    const { decl } = await loadSchool(join(ROOT, 'inventory/schools/croft-prep/school.yaml'));
    const envRefs = Object.keys(secretsFor(decl)).filter((r) => r.startsWith('env:'));
    expect(envRefs.length).toBeGreaterThan(0);
    for (const r of envRefs) delete process.env[r.slice(4)];
    const { registered, error } = await runStack('croft-prep', {
      declaration: 'inventory/schools/croft-prep/school.yaml',
      routerUser: 'schoolnet-provisioner',
      routerPassword: 'x',
    });
    for (const r of envRefs) expect(error?.message).toContain(r);
    expect(registered).toEqual([]);
  });

  test('refuses to log in as the default admin user it would remove', async () => {
    const { decl } = await loadSchool(join(ROOT, 'inventory/schools/demo/school.yaml'));
    const { registered, error } = await runStack('demo', {
      declaration: 'inventory/schools/demo/school.yaml',
      routerUser: 'admin',
      routerPassword: 'x',
      secrets: JSON.stringify(secretsFor(decl)),
    });
    expect(error?.message).toMatch(/cannot log in as admin/);
    expect(registered).toEqual([]);
  });
});
