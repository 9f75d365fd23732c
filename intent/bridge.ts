/**
 * The bridge with VLAN filtering, its ports (PVID, frame types, ingress filtering) and its VLAN table:
 * the bridge itself is tagged in every VLAN (the router's VLAN interfaces sit on it), trunk ports are
 * tagged in the networks they carry, access ports (and legacy wireless interfaces) untagged in theirs.
 */
import type { Device, SchoolDeclaration } from '../inventory/types.ts';
import { bridgeName, networkByName, routerPortName, tag } from './names.ts';
import { PlanError, type DesiredObject } from './types.ts';

/** A port on the bridge: declared router ports, and the legacy wireless interfaces of each SSID. */
export interface BridgeMember {
  interface: string;
  mode: 'access' | 'trunk';
  /** Access: the network's VLAN. Trunk: the VLANs it carries tagged. */
  vlans: number[];
  /** Role of the object that creates the interface, when schoolnet creates it (a wireless SSID). */
  dependsOn?: string;
}

export function bridgeMembers(
  decl: SchoolDeclaration,
  device: Device,
  extra: BridgeMember[] = [],
): BridgeMember[] {
  const members: BridgeMember[] = (device.ports ?? []).map((p, i) => {
    const where = `devices[${device.name}].ports[${i}]`;
    if (p.mode === 'access') {
      if (!p.network) throw new PlanError(`${where}: an access port needs a network`);
      return {
        interface: routerPortName(p.port),
        mode: 'access' as const,
        vlans: [networkByName(decl, p.network, where).vlan],
      };
    }
    return {
      interface: routerPortName(p.port),
      mode: 'trunk' as const,
      vlans: (p.tagged ?? []).map((n) => networkByName(decl, n, where).vlan),
    };
  });
  return [...members, ...extra];
}

export function planBridge(
  decl: SchoolDeclaration,
  device: Device,
  members: BridgeMember[],
): DesiredObject[] {
  const bridge = bridgeName(device);
  const out: DesiredObject[] = [
    {
      role: 'bridge',
      menu: '/interface/bridge',
      mode: 'owned',
      key: { name: bridge },
      // The bridge's own port only ever sees tagged frames from the VLAN interfaces on top of it.
      props: {
        'vlan-filtering': 'yes',
        'frame-types': 'admit-only-vlan-tagged',
        'ingress-filtering': 'yes',
        comment: tag('bridge'),
      },
    },
  ];
  for (const m of members) {
    const access = m.mode === 'access';
    out.push({
      role: `bridge-port-${m.interface}`,
      menu: '/interface/bridge/port',
      mode: 'owned',
      key: { interface: m.interface },
      props: {
        bridge,
        pvid: String(access ? m.vlans[0] : 1),
        'frame-types': access ? 'admit-only-untagged-and-priority-tagged' : 'admit-only-vlan-tagged',
        'ingress-filtering': 'yes',
        comment: tag(`bridge-port-${m.interface}`),
      },
      dependsOn: ['bridge', ...(m.dependsOn ? [m.dependsOn] : [])],
    });
  }
  for (const n of decl.networks) {
    const tagged = [
      bridge,
      ...members.filter((m) => m.mode === 'trunk' && m.vlans.includes(n.vlan)).map((m) => m.interface),
    ];
    const untagged = members
      .filter((m) => m.mode === 'access' && m.vlans[0] === n.vlan)
      .map((m) => m.interface);
    out.push({
      role: `vlan-${n.name}-bridge`,
      menu: '/interface/bridge/vlan',
      mode: 'owned',
      key: { bridge, 'vlan-ids': String(n.vlan) },
      props: {
        tagged: [...tagged].sort().join(','),
        untagged: [...untagged].sort().join(','),
        comment: tag(`vlan-${n.name}-bridge`),
      },
      // Without declared router ports, the router's own trunk and access ports are not schoolnet's to remove.
      ...(device.ports === undefined ? { atLeast: ['tagged', 'untagged'] } : {}),
      dependsOn: [
        'bridge',
        ...members.filter((m) => m.vlans.includes(n.vlan)).map((m) => `bridge-port-${m.interface}`),
      ],
    });
  }
  return out;
}
