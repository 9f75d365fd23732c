/**
 * Drift of a router's addressing: the VLAN interfaces, the gateway addresses on them and the DHCP
 * networks. A disabled interface or address is drift: it is there but carries nothing.
 */
import type { RouterFacts } from '../../devices/facts.ts';
import type { SchoolDeclaration } from '../../inventory/types.ts';
import type { DesiredObject } from '../types.ts';
import { compare, intendedOf, yes } from './compare.ts';
import type { FeatureCompliance, Objects } from './types.ts';

/** Planned objects are enabled unless the plan says otherwise. */
const enabled = (objects: Objects): Objects =>
  new Map([...objects].map(([k, v]) => [k, { ...v, disabled: v.disabled ?? 'no' }]));

export function addressingDrift(
  decl: SchoolDeclaration,
  o: DesiredObject[],
  facts: RouterFacts,
): FeatureCompliance[] {
  const networkNames = new Set(decl.networks.map((n) => n.name));
  const interfaces = compare({
    feature: 'vlan-interfaces',
    intended: enabled(intendedOf(o, '/interface/vlan', (x) => x.key.name!, ['vlan-id', 'interface'])),
    actual: new Map(
      facts.vlanInterfaces.map((v) => [
        v.name,
        { 'vlan-id': String(v.vlanId), interface: v.interface, disabled: yes(v.disabled) },
      ]),
    ),
  });
  const addresses = compare({
    feature: 'addresses',
    intended: enabled(intendedOf(o, '/ip/address', (x) => `${x.key.address} on ${x.key.interface}`, [])),
    actual: new Map(
      facts.addresses.map((a) => [
        `${a.address} on ${a.interface}`,
        { interface: a.interface, disabled: yes(a.disabled) },
      ]),
    ),
    // The WAN and other ports are outside the declaration; an extra address on a school network is not.
    extraMatters: (_k, a) => networkNames.has(a.interface ?? ''),
  });
  const dhcp = compare({
    feature: 'dhcp-networks',
    intended: intendedOf(o, '/ip/dhcp-server/network', (x) => x.key.address!, ['gateway', 'dns-server']),
    actual: new Map(
      facts.dhcpNetworks.map((d) => [
        d.address,
        { gateway: d.gateway ?? '', 'dns-server': d.dnsServers.join(',') },
      ]),
    ),
  });
  return [interfaces, addresses, dhcp];
}
