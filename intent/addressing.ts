/**
 * Per network: its VLAN interface on the bridge, the gateway address, and (where the declaration asks
 * for DHCP) the pool, the DHCP server and the DHCP network that hands out the filtering DNS.
 */
import type { Device, SchoolDeclaration } from '../inventory/types.ts';
import { prefixLength } from './ip.ts';
import { bridgeName, tag } from './names.ts';
import type { DesiredObject } from './types.ts';

export function planAddressing(decl: SchoolDeclaration, device: Device): DesiredObject[] {
  const bridge = bridgeName(device);
  const out: DesiredObject[] = [];
  for (const n of decl.networks) {
    const r = (suffix: string) => `vlan-${n.name}-${suffix}`;
    out.push(
      {
        role: r('interface'),
        menu: '/interface/vlan',
        mode: 'owned',
        key: { name: n.name },
        props: { 'vlan-id': String(n.vlan), interface: bridge, comment: tag(r('interface')) },
        dependsOn: ['bridge'],
      },
      {
        role: r('address'),
        menu: '/ip/address',
        mode: 'owned',
        key: { address: `${n.gateway}/${prefixLength(n.subnet)}`, interface: n.name },
        props: { comment: tag(r('address')) },
        dependsOn: [r('interface')],
      },
    );
    if (!n.dhcp) continue;
    const pool = `pool-${n.name}`;
    out.push(
      {
        role: r('pool'),
        menu: '/ip/pool',
        mode: 'owned',
        key: { name: pool },
        props: { ranges: n.dhcp.pool, comment: tag(r('pool')) },
      },
      {
        role: r('dhcp-server'),
        menu: '/ip/dhcp-server',
        mode: 'owned',
        key: { name: `dhcp-${n.name}` },
        props: { interface: n.name, 'address-pool': pool, disabled: 'no', comment: tag(r('dhcp-server')) },
        dependsOn: [r('interface'), r('pool')],
      },
      {
        role: r('dhcp-network'),
        menu: '/ip/dhcp-server/network',
        mode: 'owned',
        key: { address: n.subnet },
        // The filtering resolvers for this role: the DNS every client on the network is told to use.
        props: { gateway: n.gateway, 'dns-server': n.dns.join(','), comment: tag(r('dhcp-network')) },
        dependsOn: [r('dhcp-server')],
      },
    );
  }
  return out;
}
