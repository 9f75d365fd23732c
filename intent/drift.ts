/**
 * Drift: what the live devices hold against what the declaration intends, feature by feature and
 * object by object, after Nautobot Golden Config: for each feature the intended and actual objects, the
 * missing (intended, not there), the extra (there, not intended) and the different (both, some property
 * differs, with both values). Intended comes from the same planners `pulumi up` applies; actual from
 * the collectors' facts. Pure: declaration and facts in, report out. Only what the facts carry is
 * compared; features the facts do not carry are listed as not compared.
 */
import type { RouterFacts, SwitchFacts } from '../devices/facts.ts';
import type { Device, SchoolDeclaration } from '../inventory/types.ts';
import { planRouter } from './router.ts';
import type { DesiredObject } from './types.ts';
import { includesAll, normalise, ruleFromRow, samePropValue, tagOf } from './values.ts';

export interface PropertyDifference {
  property: string;
  intended: string;
  actual: string;
}

export interface DriftObject {
  /** The object, as a technician finds it: `STAFF`, `10.30.0.0/24`, `Demo-Guest`, `vlan 40`. */
  object: string;
  intended?: Record<string, string>;
  actual?: Record<string, string>;
  differences?: PropertyDifference[];
  /** Why it matters, where the bare values do not say it (`must not exist`, `not written by schoolnet`). */
  note?: string;
}

export interface FeatureCompliance {
  /** `vlan-interfaces`, `dhcp-networks`, `wifi`, `firewall`, `switch-vlans`... */
  feature: string;
  intended: string[];
  actual: string[];
  missing: DriftObject[];
  extra: DriftObject[];
  different: DriftObject[];
  compliant: boolean;
}

export interface DeviceDrift {
  device: string;
  kind: 'router' | 'switch';
  features: FeatureCompliance[];
  /** Intended features the facts do not carry (pools, DHCP servers...): applied by Pulumi, not compared. */
  notCompared: string[];
  drift: boolean;
}

type Objects = Map<string, Record<string, string>>;

interface FeatureSpec {
  feature: string;
  intended: Objects;
  actual: Objects;
  /** Which actual objects count as extra when not intended (default: all). */
  extraMatters?: (key: string, actual: Record<string, string>) => boolean;
  /** List properties where actual may hold more members than intended. */
  atLeast?: Set<string>;
  /** Intended objects whose absence is fine (a default that may have been removed). */
  mayBeAbsent?: Set<string>;
  /** Intended objects that must NOT exist: present means drift. */
  mustBeAbsent?: Set<string>;
}

function compare(spec: FeatureSpec): FeatureCompliance {
  const missing: DriftObject[] = [];
  const extra: DriftObject[] = [];
  const different: DriftObject[] = [];
  for (const [key, want] of spec.intended) {
    const have = spec.actual.get(key);
    if (spec.mustBeAbsent?.has(key)) {
      if (have) extra.push({ object: key, actual: have, note: 'must not exist' });
      continue;
    }
    if (!have) {
      if (!spec.mayBeAbsent?.has(key)) missing.push({ object: key, intended: want });
      continue;
    }
    const differences: PropertyDifference[] = [];
    for (const [p, v] of Object.entries(want)) {
      const ok = spec.atLeast?.has(p) ? includesAll(v, have[p]) : samePropValue(p, v, have[p]);
      if (!ok) differences.push({ property: p, intended: normalise(p, v), actual: normalise(p, have[p]) });
    }
    if (differences.length > 0) different.push({ object: key, intended: want, actual: have, differences });
  }
  for (const [key, have] of spec.actual)
    if (!spec.intended.has(key) && (spec.extraMatters?.(key, have) ?? true))
      extra.push({ object: key, actual: have });
  return {
    feature: spec.feature,
    intended: [...spec.intended.keys()].filter((k) => !spec.mustBeAbsent?.has(k)),
    actual: [...spec.actual.keys()],
    missing,
    extra,
    different,
    compliant: missing.length + extra.length + different.length === 0,
  };
}

const yes = (b: boolean): string => (b ? 'yes' : 'no');
const pick = (props: Record<string, string>, keys: string[]): Record<string, string> =>
  Object.fromEntries(keys.filter((k) => props[k] !== undefined).map((k) => [k, props[k]!]));

function intendedOf(
  objects: DesiredObject[],
  menu: string,
  keyOf: (o: DesiredObject) => string,
  props: string[],
): Objects {
  return new Map(
    objects.filter((o) => o.menu === menu).map((o) => [keyOf(o), pick({ ...o.key, ...o.props }, props)]),
  );
}

// ---------------------------------------------------------------- routers

const WIFI_AUTH = (s: string) => (s === 'open' ? 'open' : s);

export function routerDrift(decl: SchoolDeclaration, device: Device, facts: RouterFacts): DeviceDrift {
  const plan = planRouter(decl, device);
  const o = plan.objects;
  const bridge = o.find((x) => x.menu === '/interface/bridge')?.key.name ?? 'bridge1';
  const networkNames = new Set(decl.networks.map((n) => n.name));
  const features: FeatureCompliance[] = [];

  features.push(
    compare({
      feature: 'bridge',
      intended: intendedOf(o, '/interface/bridge', (x) => x.key.name!, ['vlan-filtering']),
      actual: new Map(facts.bridges.map((b) => [b.name, { 'vlan-filtering': yes(b.vlanFiltering) }])),
    }),
  );

  const declaredPorts = device.ports !== undefined;
  const plannedPorts = intendedOf(o, '/interface/bridge/port', (x) => x.key.interface!, [
    'bridge',
    'pvid',
    'frame-types',
    'ingress-filtering',
  ]);
  features.push(
    compare({
      feature: 'bridge-ports',
      intended: plannedPorts,
      actual: new Map(
        facts.bridgePorts.map((p) => [
          p.interface,
          {
            bridge: p.bridge,
            pvid: String(p.pvid),
            'frame-types': p.frameTypes,
            'ingress-filtering': yes(p.ingressFiltering),
          },
        ]),
      ),
      // Ports the declaration does not describe are the router's own business unless it declares its ports.
      extraMatters: () => declaredPorts,
    }),
  );

  const bridgeVlans: Objects = new Map();
  for (const v of facts.bridgeVlans)
    for (const id of v.vlanIds) {
      const key = `${v.bridge} vlan ${id}`;
      const prev = bridgeVlans.get(key);
      bridgeVlans.set(key, {
        tagged: [...new Set([...(prev?.tagged?.split(',') ?? []), ...v.tagged])]
          .filter((x) => x !== '')
          .sort()
          .join(','),
        untagged: [...new Set([...(prev?.untagged?.split(',') ?? []), ...v.untagged])]
          .filter((x) => x !== '')
          .sort()
          .join(','),
      });
    }
  features.push(
    compare({
      feature: 'bridge-vlans',
      intended: intendedOf(o, '/interface/bridge/vlan', (x) => `${x.key.bridge} vlan ${x.key['vlan-ids']}`, [
        'tagged',
        'untagged',
      ]),
      actual: bridgeVlans,
      atLeast: declaredPorts ? new Set() : new Set(['tagged', 'untagged']),
      extraMatters: (k) => k.startsWith(`${bridge} vlan `),
    }),
  );

  features.push(
    compare({
      feature: 'vlan-interfaces',
      intended: intendedOf(o, '/interface/vlan', (x) => x.key.name!, ['vlan-id', 'interface']),
      actual: new Map(
        facts.vlanInterfaces.map((v) => [
          v.name,
          { 'vlan-id': String(v.vlanId), interface: v.interface, ...(v.disabled ? { disabled: 'yes' } : {}) },
        ]),
      ),
    }),
  );

  features.push(
    compare({
      feature: 'addresses',
      intended: intendedOf(o, '/ip/address', (x) => `${x.key.address} on ${x.key.interface}`, []),
      actual: new Map(
        facts.addresses.map((a) => [
          `${a.address} on ${a.interface}`,
          { interface: a.interface, ...(a.disabled ? { disabled: 'yes' } : {}) },
        ]),
      ),
      // The WAN and other ports are outside the declaration; an extra address on a school network is not.
      extraMatters: (_k, a) => networkNames.has(a.interface ?? ''),
    }),
  );

  features.push(
    compare({
      feature: 'dhcp-networks',
      intended: intendedOf(o, '/ip/dhcp-server/network', (x) => x.key.address!, ['gateway', 'dns-server']),
      actual: new Map(
        facts.dhcpNetworks.map((d) => [
          d.address,
          { gateway: d.gateway ?? '', 'dns-server': d.dnsServers.join(',') },
        ]),
      ),
    }),
  );

  // Wi-Fi as the facts see it: by SSID, security normalised across both packages.
  const legacy = (device.wifiPackage ?? 'wifi') === 'wireless';
  const wifiIntended: Objects = new Map(
    decl.wifi.map((s) => {
      const vlan = decl.networks.find((n) => n.name === s.network)?.vlan;
      const eap = s.security.endsWith('-eap') ? (legacy ? ['passthrough'] : (s.eapMethods ?? ['peap'])) : [];
      return [
        s.ssid,
        {
          'authentication-types': WIFI_AUTH(s.security),
          'eap-methods': eap.join(','),
          'management-protection': { required: 'required', optional: 'allowed', disabled: 'disabled' }[s.pmf],
          'vlan-id': String(vlan ?? ''),
          disabled: 'no',
        },
      ];
    }),
  );
  features.push(
    compare({
      feature: 'wifi',
      intended: wifiIntended,
      actual: new Map(
        facts.wifi.map((w) => [
          w.ssid,
          {
            'authentication-types': w.authenticationTypes.join(','),
            'eap-methods': w.eapMethods.join(','),
            'management-protection': w.managementProtection,
            'vlan-id': w.vlanId === undefined ? '' : String(w.vlanId),
            disabled: yes(w.disabled),
            interface: w.name,
          },
        ]),
      ),
      // A radio with no SSID configured is not an extra network.
      extraMatters: (k) => k !== '',
    }),
  );

  features.push(
    compare({
      feature: 'radius',
      intended: intendedOf(o, '/radius', (x) => x.key.address!, ['service', 'authentication-port']),
      actual: new Map(
        facts.radius.map((r) => [
          r.address,
          {
            service: r.service.join(','),
            'authentication-port': String(r.authPort ?? ''),
            ...(r.disabled ? { disabled: 'yes' } : {}),
          },
        ]),
      ),
      atLeast: new Set(['service']),
    }),
  );

  const services = o.filter((x) => x.menu === '/ip/service');
  features.push(
    compare({
      feature: 'services',
      intended: new Map(services.map((x) => [x.key.name!, x.props])),
      actual: new Map(
        facts.services.map((s) => [s.name, { disabled: yes(s.disabled), address: s.address.join(',') }]),
      ),
      extraMatters: () => false,
    }),
  );

  const snmpIntended: Objects = new Map();
  const snmpActual: Objects = new Map([['snmp', { enabled: yes(facts.snmp.enabled) }]]);
  const absentOk = new Set<string>();
  for (const x of o) {
    if (x.menu === '/snmp') snmpIntended.set('snmp', x.props);
    if (x.menu === '/snmp/community') {
      const key = `community ${x.key.name}`;
      snmpIntended.set(key, pick(x.props, ['disabled', 'security', 'read-access', 'write-access']));
      if (x.mode === 'existing') absentOk.add(key);
    }
  }
  for (const c of facts.snmp.communities)
    snmpActual.set(`community ${c.name}`, {
      disabled: yes(c.disabled),
      security: c.security,
      'read-access': yes(c.readAccess),
      'write-access': yes(c.writeAccess),
    });
  features.push(
    compare({
      feature: 'snmp',
      intended: snmpIntended,
      actual: snmpActual,
      mayBeAbsent: absentOk,
      extraMatters: (_k, a) => a.disabled !== 'yes',
    }),
  );

  const absentUsers = o.filter((x) => x.menu === '/user' && x.mode === 'absent').map((x) => x.key.name!);
  features.push(
    compare({
      feature: 'users',
      intended: new Map(absentUsers.map((u) => [u, {}])),
      actual: new Map(facts.users.map((u) => [u.name, { group: u.group, disabled: yes(u.disabled) }])),
      mustBeAbsent: new Set(absentUsers),
      extraMatters: () => false,
    }),
  );

  features.push(firewallCompliance(plan.firewall, facts));

  return {
    device: device.name,
    kind: 'router',
    features,
    notCompared: ['/ip/pool', '/ip/dhcp-server', 'wifi security details (passphrases, hidden SSIDs)'],
    drift: features.some((f) => !f.compliant),
  };
}

/** The managed rules in order, their properties, and every rule schoolnet did not write. */
function firewallCompliance(
  intendedRules: ReturnType<typeof planRouter>['firewall'],
  facts: RouterFacts,
): FeatureCompliance {
  const rows = [...facts.filterRules].sort((a, b) => a.order - b.order);
  const actual = rows.map((r) =>
    ruleFromRow({
      ...r.props,
      '.id': r.id,
      chain: r.chain,
      action: r.action,
      ...(r.comment ? { comment: r.comment } : {}),
      disabled: r.disabled ? 'true' : 'false',
    }),
  );
  const flat = (r: { chain: string; action: string; props: Record<string, string> }) => ({
    chain: r.chain,
    action: r.action,
    ...r.props,
  });
  const intended: Objects = new Map(intendedRules.map((r) => [r.id, flat(r)]));
  const managed: Objects = new Map();
  const unmanaged: DriftObject[] = [];
  actual.forEach((r, i) => {
    if (tagOf(r.comment) !== undefined) managed.set(r.id, flat(r));
    else
      unmanaged.push({
        object: `${rows[i]!.id}${r.comment ? ` (${r.comment})` : ''}`,
        actual: flat(r),
        note: 'not written by schoolnet: reported, never removed',
      });
  });
  const base = compare({ feature: 'firewall', intended, actual: managed });
  // Every declared property must match and nothing may be added to a managed rule (a disabled flag, a matcher).
  for (const [id, have] of managed) {
    const want = intended.get(id);
    if (!want) continue;
    const added = Object.keys(have).filter((k) => want[k] === undefined);
    if (added.length === 0) continue;
    const entry = base.different.find((d) => d.object === id) ?? {
      object: id,
      intended: want,
      actual: have,
      differences: [],
    };
    for (const k of added) entry.differences!.push({ property: k, intended: '', actual: have[k]! });
    if (!base.different.includes(entry)) base.different.push(entry);
  }
  const order = actual.filter((r) => intended.has(r.id)).map((r) => r.id);
  const wantOrder = intendedRules.map((r) => r.id).filter((id) => managed.has(id));
  if (order.join(' ') !== wantOrder.join(' '))
    base.different.push({
      object: 'order of managed rules',
      intended: { order: wantOrder.join(' ') },
      actual: { order: order.join(' ') },
      note: 'first match wins: the order is the policy',
    });
  const firstManaged = new Map<string, number>();
  actual.forEach((r, i) => {
    if (intended.has(r.id) && !firstManaged.has(r.chain)) firstManaged.set(r.chain, i);
  });
  unmanaged.forEach((u) => {
    const i = actual.findIndex((r) => `${r.id}${r.comment ? ` (${r.comment})` : ''}` === u.object);
    const chain = actual[i]?.chain ?? '';
    if (firstManaged.has(chain) && i < firstManaged.get(chain)!)
      u.note = 'not written by schoolnet, and evaluated before the managed rules';
  });
  base.extra.push(...unmanaged);
  base.actual = actual.map((r) => r.id);
  base.compliant = base.missing.length + base.extra.length + base.different.length === 0;
  return base;
}

// ---------------------------------------------------------------- switches

/** The networks a switch must carry: those its declared ports name (all of them when none are declared). */
function switchNetworks(decl: SchoolDeclaration, device: Device): SchoolDeclaration['networks'] {
  if (!device.ports || device.ports.length === 0) return decl.networks;
  const named = new Set(
    device.ports.flatMap((p) => [p.network, ...(p.tagged ?? [])]).filter((n): n is string => n !== undefined),
  );
  return decl.networks.filter((n) => named.has(n.name));
}

export function switchDrift(decl: SchoolDeclaration, device: Device, facts: SwitchFacts): DeviceDrift {
  const features: FeatureCompliance[] = [];
  const nets = switchNetworks(decl, device);
  features.push(
    compare({
      feature: 'switch-vlans',
      intended: new Map(nets.map((n) => [`vlan ${n.vlan}`, { name: n.name }])),
      actual: new Map(facts.vlans.map((v) => [`vlan ${v.id}`, { name: v.name }])),
      // VLAN 1 is every switch's default.
      extraMatters: (k) => k !== 'vlan 1',
    }),
  );

  const vlanOf = new Map(decl.networks.map((n) => [n.name, n.vlan]));
  const intendedPorts: Objects = new Map();
  const actualPorts: Objects = new Map();
  for (const p of device.ports ?? []) {
    const port = facts.ports.find((x) =>
      typeof p.port === 'number' ? x.port === p.port : x.name === p.port,
    );
    const key = `port ${p.port}`;
    if (p.mode === 'access') {
      const vlan = vlanOf.get(p.network ?? '');
      intendedPorts.set(key, { pvid: String(vlan ?? ''), untagged: String(vlan ?? ''), tagged: '' });
    } else {
      intendedPorts.set(key, {
        tagged: (p.tagged ?? [])
          .map((n) => String(vlanOf.get(n) ?? ''))
          .sort()
          .join(','),
        untagged: '',
      });
    }
    if (!port) continue;
    const untagged = facts.vlans.filter((v) => v.untaggedPorts.includes(port.port)).map((v) => String(v.id));
    const tagged = facts.vlans
      .filter((v) => v.egressPorts.includes(port.port) && !v.untaggedPorts.includes(port.port))
      .map((v) => String(v.id));
    actualPorts.set(key, {
      ...(port.pvid === undefined ? {} : { pvid: String(port.pvid) }),
      untagged: untagged.sort().join(','),
      tagged: tagged.sort().join(','),
    });
  }
  features.push(
    compare({
      feature: 'switch-ports',
      intended: intendedPorts,
      actual: actualPorts,
      extraMatters: () => false,
    }),
  );
  return {
    device: device.name,
    kind: 'switch',
    features,
    notCompared: [],
    drift: features.some((f) => !f.compliant),
  };
}

/** Plain-text lines for the terminal: one per difference, grouped by device and feature. */
export function formatDrift(devices: DeviceDrift[]): string {
  const lines: string[] = [];
  for (const d of devices) {
    lines.push(`${d.device} (${d.kind}): ${d.drift ? 'DRIFT' : 'as declared'}`);
    for (const f of d.features) {
      if (f.compliant) continue;
      lines.push(`  ${f.feature}:`);
      for (const m of f.missing)
        lines.push(
          `    missing    ${m.object}${m.intended && Object.keys(m.intended).length ? ` ${fmt(m.intended)}` : ''}`,
        );
      for (const e of f.extra) lines.push(`    extra      ${e.object}${e.note ? ` (${e.note})` : ''}`);
      for (const x of f.different) {
        lines.push(`    different  ${x.object}${x.note ? ` (${x.note})` : ''}`);
        for (const p of x.differences ?? [])
          lines.push(
            `                 ${p.property}: intended ${p.intended || '(none)'}, actual ${p.actual || '(none)'}`,
          );
        if (!x.differences?.length && x.intended && x.actual)
          lines.push(
            `                 intended ${fmt(x.intended)}\n                 actual   ${fmt(x.actual)}`,
          );
      }
    }
  }
  return lines.join('\n');
}

function fmt(p: Record<string, string>): string {
  return Object.entries(p)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}
