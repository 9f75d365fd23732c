/** Drift of the bridge, its ports and its VLAN table on a RouterOS router. */
import type { RouterFacts } from '../../devices/facts.ts';
import type { Device } from '../../inventory/types.ts';
import type { DesiredObject } from '../types.ts';
import { compare, intendedOf, yes } from './compare.ts';
import type { FeatureCompliance, Objects } from './types.ts';

export function bridgeDrift(o: DesiredObject[], device: Device, facts: RouterFacts): FeatureCompliance[] {
  const bridge = o.find((x) => x.menu === '/interface/bridge')?.key.name ?? 'bridge1';
  const declaredPorts = device.ports !== undefined;
  const bridges = compare({
    feature: 'bridge',
    intended: intendedOf(o, '/interface/bridge', (x) => x.key.name!, ['vlan-filtering']),
    actual: new Map(facts.bridges.map((b) => [b.name, { 'vlan-filtering': yes(b.vlanFiltering) }])),
  });

  const ports = compare({
    feature: 'bridge-ports',
    intended: intendedOf(o, '/interface/bridge/port', (x) => x.key.interface!, [
      'bridge',
      'pvid',
      'frame-types',
      'ingress-filtering',
    ]),
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
  });

  const vlans = compare({
    feature: 'bridge-vlans',
    intended: intendedOf(o, '/interface/bridge/vlan', (x) => `${x.key.bridge} vlan ${x.key['vlan-ids']}`, [
      'tagged',
      'untagged',
    ]),
    actual: liveBridgeVlans(facts),
    atLeast: declaredPorts ? new Set() : new Set(['tagged', 'untagged']),
    extraMatters: (k) => k.startsWith(`${bridge} vlan `),
  });
  return [bridges, ports, vlans];
}

/** The bridge VLAN table one VLAN at a time, members merged where RouterOS splits them over rows. */
function liveBridgeVlans(facts: RouterFacts): Objects {
  const merge = (a: string | undefined, b: string[]): string =>
    [...new Set([...(a?.split(',') ?? []), ...b])]
      .filter((x) => x !== '')
      .sort()
      .join(',');
  const out: Objects = new Map();
  for (const v of facts.bridgeVlans)
    for (const id of v.vlanIds) {
      const key = `${v.bridge} vlan ${id}`;
      const prev = out.get(key);
      out.set(key, { tagged: merge(prev?.tagged, v.tagged), untagged: merge(prev?.untagged, v.untagged) });
    }
  return out;
}
