/** Drift of an SNMP-managed switch: its VLANs and, where the declaration lists them, its ports. */
import type { SwitchFacts } from '../../devices/facts.ts';
import type { Device, SchoolDeclaration } from '../../inventory/types.ts';
import { compare } from './compare.ts';
import type { DeviceDrift, FeatureCompliance, Objects } from './types.ts';

/** The networks a switch must carry: those its declared ports name (all of them when none are declared). */
function switchNetworks(decl: SchoolDeclaration, device: Device): SchoolDeclaration['networks'] {
  if (!device.ports || device.ports.length === 0) return decl.networks;
  const named = new Set(
    device.ports.flatMap((p) => [p.network, ...(p.tagged ?? [])]).filter((n): n is string => n !== undefined),
  );
  return decl.networks.filter((n) => named.has(n.name));
}

export interface SwitchDriftOptions {
  /** VLANs every switch has out of the box, never extra (default: VLAN 1). */
  ignoreVlans?: readonly number[];
}

export function switchDrift(
  decl: SchoolDeclaration,
  device: Device,
  facts: SwitchFacts,
  opts: SwitchDriftOptions = {},
): DeviceDrift {
  const ignored = new Set((opts.ignoreVlans ?? [1]).map((v) => `vlan ${v}`));
  const features: FeatureCompliance[] = [];
  const nets = switchNetworks(decl, device);
  features.push(
    compare({
      feature: 'switch-vlans',
      intended: new Map(nets.map((n) => [`vlan ${n.vlan}`, { name: n.name }])),
      actual: new Map(facts.vlans.map((v) => [`vlan ${v.id}`, { name: v.name }])),
      extraMatters: (k) => !ignored.has(k),
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
