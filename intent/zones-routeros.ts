/**
 * The zone IR compiled to RouterOS `/ip/firewall/filter` rules: `toRouterRules` gives ordered rules,
 * each tagged `schoolnet:<id>` in its comment. Reading a live rule list back into the IR is
 * `zones-readback.ts`.
 */
import { MANAGED_TAG, PlanError, type DesiredFilterRule } from './types.ts';
import {
  formatPorts,
  type IrRule,
  type Service,
  type Zone,
  type ZoneInterfaces,
  type ZoneIr,
} from './zones.ts';

function interfacesOf(ifaces: ZoneInterfaces, zone: Zone | 'any', rule: IrRule): (string | undefined)[] {
  if (zone === 'any') return [undefined];
  const list = ifaces[zone];
  if (!list || list.length === 0)
    throw new PlanError(`rule ${rule.id}: zone ${zone} has no router interface`);
  return list;
}

/** One RouterOS matcher set per protocol: RouterOS takes one protocol per rule. */
function serviceMatchers(services: Service[] | undefined): Record<string, string>[] {
  if (!services) return [{}];
  const byProto = new Map<string, Service[]>();
  for (const s of services) byProto.set(s.proto, [...(byProto.get(s.proto) ?? []), s]);
  const out: Record<string, string>[] = [];
  for (const [proto, list] of byProto) {
    if (!['tcp', 'udp', 'icmp'].includes(proto))
      throw new PlanError(`a compiled rule cannot name protocol ${proto}`);
    if (list.some((s) => !s.ports) || proto === 'icmp') out.push({ protocol: proto });
    else out.push({ protocol: proto, 'dst-port': formatPorts(list.flatMap((s) => s.ports ?? [])) });
  }
  return out;
}

/** Ordered, tagged RouterOS filter rules for the IR; `ifaces` names each zone's router interfaces. */
export function toRouterRules(ir: ZoneIr, ifaces: ZoneInterfaces): DesiredFilterRule[] {
  const out: DesiredFilterRule[] = [];
  for (const r of ir.rules) {
    if (r.partial)
      throw new PlanError(`rule ${r.id} is partial: only rules compiled from a declaration can be applied`);
    const action = r.action === 'allow' ? 'accept' : 'drop';
    if (r.state) {
      const state = r.state === 'established' ? 'established,related' : 'invalid';
      out.push({
        id: r.id,
        chain: r.chain,
        action,
        props: { 'connection-state': state },
        comment: `${MANAGED_TAG}${r.id} ${r.text}`,
      });
      continue;
    }
    const combos: Record<string, string>[] = [];
    for (const inIf of interfacesOf(ifaces, r.from, r))
      for (const outIf of r.chain === 'forward' ? interfacesOf(ifaces, r.to, r) : [undefined])
        for (const svc of serviceMatchers(r.services))
          combos.push({
            ...(inIf ? { 'in-interface': inIf } : {}),
            ...(outIf ? { 'out-interface': outIf } : {}),
            ...svc,
          });
    combos.forEach((props, i) => {
      const id = combos.length === 1 ? r.id : `${r.id}.${i + 1}`;
      out.push({ id, chain: r.chain, action, props, comment: `${MANAGED_TAG}${id} ${r.text}` });
    });
  }
  return out;
}
