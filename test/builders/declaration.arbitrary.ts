/**
 * fast-check arbitraries for the planners' property tests: small, valid school declarations (unique
 * VLANs, names and subnets; SSIDs on declared networks; zone rules between declared zones) with one
 * RouterOS router. Test support only: nothing in the program imports this.
 */
import fc from 'fast-check';
import type {
  Device,
  Network,
  NetworkRole,
  SchoolDeclaration,
  Ssid,
  ZoneName,
  ZoneRule,
} from '../../inventory/types.ts';

const ROLES: NetworkRole[] = ['staff', 'pupils', 'guests', 'byod', 'servers', 'management'];
const SERVICES = ['tcp/443', 'tcp/445', 'udp/53', 'tcp/8000-8010', 'icmp', 'tcp/22'];

export const networksArb: fc.Arbitrary<Network[]> = fc
  .uniqueArray(fc.constantFrom(...ROLES), { minLength: 1, maxLength: 6 })
  .chain((roles) =>
    fc
      .tuple(
        fc.uniqueArray(fc.integer({ min: 2, max: 4094 }), {
          minLength: roles.length,
          maxLength: roles.length,
        }),
        fc.array(fc.boolean(), { minLength: roles.length, maxLength: roles.length }),
      )
      .map(([vlans, dhcp]) =>
        roles.map((role, i): Network => ({
          role,
          name: role.toUpperCase(),
          vlan: vlans[i]!,
          subnet: `10.${i + 1}.0.0/24`,
          gateway: `10.${i + 1}.0.1`,
          dns: [`10.${i + 1}.0.53`],
          ...(dhcp[i] ? { dhcp: { pool: `10.${i + 1}.0.100-10.${i + 1}.0.200` } } : {}),
        })),
      ),
  );

function ssidsArb(networks: Network[], legacy: boolean): fc.Arbitrary<Ssid[]> {
  const security = legacy
    ? fc.constantFrom('wpa2-eap' as const, 'wpa2-psk' as const)
    : fc.constantFrom('wpa2-eap' as const, 'wpa3-eap' as const, 'wpa2-psk' as const);
  return fc
    .array(
      fc.tuple(
        fc.constantFrom(...networks.map((n) => n.name)),
        security,
        fc.constantFrom('required' as const, 'optional' as const),
        fc.boolean(),
      ),
      { maxLength: 4 },
    )
    .map((list) =>
      list.map(([network, sec, pmf, hidden], i): Ssid => ({
        ssid: `School-Net-${i}`,
        security: sec,
        network,
        pmf,
        ...(sec.endsWith('eap')
          ? { radius: ['radius1'], eapMethods: ['peap' as const] }
          : { passphrase: `env:PSK_${i}` as const }),
        ...(hidden ? { hidden } : {}),
      })),
    );
}

export function zoneRulesArb(roles: NetworkRole[]): fc.Arbitrary<ZoneRule[]> {
  const zones: ZoneName[] = [...roles, 'internet'];
  return fc
    .array(
      fc.record({
        from: fc.constantFrom(...zones),
        to: fc.oneof(
          fc.constantFrom<ZoneName>(...zones, 'router'),
          fc.uniqueArray(fc.constantFrom<ZoneName>(...zones, 'router'), { minLength: 1, maxLength: 3 }),
        ),
        action: fc.constantFrom('allow' as const, 'deny' as const),
        services: fc.option(fc.uniqueArray(fc.constantFrom(...SERVICES), { minLength: 1, maxLength: 2 }), {
          nil: undefined,
        }),
      }),
      { maxLength: 8 },
    )
    .map((rules) =>
      rules.map((r) =>
        r.services === undefined ? { from: r.from, to: r.to, action: r.action } : (r as ZoneRule),
      ),
    );
}

export const declarationArb: fc.Arbitrary<SchoolDeclaration> = fc
  .tuple(networksArb, fc.constantFrom('wifi' as const, 'wireless' as const), fc.boolean())
  .chain(([networks, pkg, tls]) =>
    fc.tuple(
      fc.constant(networks),
      ssidsArb(networks, pkg === 'wireless'),
      zoneRulesArb(networks.map((n) => n.role)),
      fc.constant(pkg),
      fc.constant(tls),
    ),
  )
  .map(([networks, wifi, rules, pkg, tls]) => {
    const router: Device = {
      name: 'core-router',
      kind: 'router',
      driver: 'routeros',
      host: '192.0.2.1',
      ...(tls ? { tls: { enabled: true, fingerprint: 'AA'.repeat(32) } } : {}),
      credentials: { user: 'schoolnet', password: 'env:ROUTER_PASSWORD' },
      wifiPackage: pkg,
      bridge: 'bridge1',
      wan: 'ether1',
    };
    return {
      apiVersion: 'schoolnet/v1',
      school: { id: 'generated', name: 'Generated School', jurisdiction: 'england', standards: [] },
      policy: { file: 'policy.yaml', reviewed: '2026-09-01', reviewEveryMonths: 12 },
      networks,
      radius: [{ name: 'radius1', host: '10.1.0.10', secret: 'env:RADIUS_SECRET' }],
      wifi,
      zones: { default: 'deny', rules },
      devices: [router],
    } satisfies SchoolDeclaration;
  });
