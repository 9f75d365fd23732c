import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { declarationArb } from '../test/builders/declaration.arbitrary.ts';
import { planRouter, routerDevices } from './router.ts';
import { MANAGED_TAG } from './types.ts';

const plan = (decl: Parameters<typeof planRouter>[0]) => planRouter(decl, routerDevices(decl)[0]!);

describe('the router planners (properties over generated declarations)', () => {
  test('every declared VLAN appears exactly once on the bridge and once as a VLAN interface on it', () => {
    fc.assert(
      fc.property(declarationArb, (decl) => {
        const p = plan(decl);
        for (const n of decl.networks) {
          const bridgeVlans = p.objects.filter(
            (o) => o.menu === '/interface/bridge/vlan' && o.key['vlan-ids'] === String(n.vlan),
          );
          expect(bridgeVlans).toHaveLength(1);
          expect(bridgeVlans[0]!.props.tagged?.split(',')).toContain('bridge1');
          const ifaces = p.objects.filter(
            (o) => o.menu === '/interface/vlan' && o.props['vlan-id'] === String(n.vlan),
          );
          expect(ifaces.map((o) => [o.key.name, o.props.interface])).toEqual([[n.name, 'bridge1']]);
        }
        expect(p.objects.filter((o) => o.menu === '/interface/bridge/vlan')).toHaveLength(
          decl.networks.length,
        );
      }),
    );
  });

  test('every managed rule carries the managed tag with its unique id; state rules first, drops last', () => {
    fc.assert(
      fc.property(declarationArb, (decl) => {
        const { firewall } = plan(decl);
        const ids = firewall.map((r) => r.id);
        expect(new Set(ids).size).toBe(ids.length);
        for (const r of firewall) expect(r.comment.startsWith(`${MANAGED_TAG}${r.id} `)).toBe(true);
        for (const chain of ['forward', 'input'] as const) {
          const rules = firewall.filter((r) => r.chain === chain);
          expect(rules[0]?.props['connection-state']).toBe('established,related');
          expect(rules.at(-1)).toMatchObject({ action: 'drop', props: {} });
        }
      }),
    );
  });

  test('roles are unique and every dependency is planned before its dependant', () => {
    fc.assert(
      fc.property(declarationArb, (decl) => {
        const { objects } = plan(decl);
        const seen = new Set<string>();
        for (const o of objects) {
          for (const d of o.dependsOn ?? []) expect(seen.has(d), `${o.role} after ${d}`).toBe(true);
          expect(seen.has(o.role)).toBe(false);
          seen.add(o.role);
        }
      }),
    );
  });

  test('each SSID is bound to its network VLAN, with the declared security and PMF', () => {
    fc.assert(
      fc.property(declarationArb, (decl) => {
        const { objects } = plan(decl);
        const legacy = decl.devices[0]!.wifiPackage === 'wireless';
        for (const s of decl.wifi) {
          const vlan = decl.networks.find((n) => n.name === s.network)!.vlan;
          const ssid = objects.find((o) => o.props[legacy ? 'ssid' : 'configuration.ssid'] === s.ssid)!;
          const security = objects.find(
            (o) => o.key.name === ssid.props[legacy ? 'security-profile' : 'security'],
          )!;
          expect(security.props['authentication-types']).toBe(s.security);
          expect(security.props['management-protection']).toBe(s.pmf === 'required' ? 'required' : 'allowed');
          if (legacy)
            expect(
              objects.find((o) => o.menu === '/interface/bridge/port' && o.key.interface === ssid.key.name)
                ?.props.pvid,
            ).toBe(String(vlan));
          else expect(ssid.props['datapath.vlan-id']).toBe(String(vlan));
        }
      }),
    );
  });

  test('a secret is only ever a placeholder naming a reference the plan asks for', () => {
    fc.assert(
      fc.property(declarationArb, (decl) => {
        const p = plan(decl);
        const refs = new Set(p.secrets.map((s) => s.ref));
        for (const o of p.objects)
          for (const [k, v] of Object.entries(o.props)) {
            const m = /^\{\{secret:(.+)\}\}$/.exec(v);
            if (m) {
              expect(refs.has(m[1]!)).toBe(true);
              expect(o.secretProps).toContain(k);
            }
          }
      }),
    );
  });

  test('hardening: plaintext services off, management restricted, no default admin user', () => {
    fc.assert(
      fc.property(declarationArb, (decl) => {
        const { objects } = plan(decl);
        const service = (name: string) =>
          objects.find((o) => o.menu === '/ip/service' && o.key.name === name);
        for (const name of ['telnet', 'ftp', 'www']) expect(service(name)?.props.disabled).toBe('yes');
        const tls = decl.devices[0]!.tls?.enabled === true;
        expect(service('api')?.props.disabled === 'yes').toBe(tls);
        expect(objects.find((o) => o.menu === '/user' && o.key.name === 'admin')?.mode).toBe('absent');
        expect(objects.filter((o) => o.mode === 'absent').map((o) => o.key.name)).toEqual(['admin']);
      }),
    );
  });

  test('a legacy router cannot carry a WPA3 SSID: the plan says so instead of weakening it', () => {
    fc.assert(
      fc.property(declarationArb, (decl) => {
        const d = structuredClone(decl);
        d.devices[0]!.wifiPackage = 'wireless';
        d.wifi.push({
          ssid: 'Staff-WPA3',
          security: 'wpa3-eap',
          network: d.networks[0]!.name,
          radius: ['radius1'],
          pmf: 'required',
        });
        expect(() => plan(d)).toThrow(/legacy wireless package, which has no WPA3/);
      }),
      { numRuns: 20 },
    );
  });
});
