/** Port forwards: which dst-nat rules take connections from outside the school. */
import type { RouterFacts, RouterFirewallRule } from '../../devices/facts.ts';
import type { Device } from '../../inventory/types.ts';
import type { CheckContext } from '../types.ts';
import { inSubnet } from './ip.ts';

const FORWARDING = new Set(['dst-nat', 'netmap']);

/**
 * Enabled dst-nat rules that can match traffic arriving from the internet. A rule limited to an
 * internal interface, the LAN list or an internal source subnet (a DNS redirect for pupils, say) is
 * not inbound; anything else is, to stay on the safe side.
 */
export function inboundDstNat(
  r: RouterFacts,
  device: Device | undefined,
  ctx: CheckContext,
): RouterFirewallRule[] {
  const internal = new Set([
    ...ctx.decl.networks.map((n) => n.name),
    ...(device?.bridge === undefined ? [] : [device.bridge]),
  ]);
  return r.natRules.filter((rule) => {
    if (rule.disabled || rule.chain !== 'dstnat' || !FORWARDING.has(rule.action)) return false;
    const inIf = rule.props['in-interface'];
    const inList = rule.props['in-interface-list'];
    const src = rule.props['src-address'];
    if (inIf !== undefined && !inIf.startsWith('!') && internal.has(inIf)) return false;
    if (inList === 'LAN') return false;
    if (src !== undefined && !src.startsWith('!') && ctx.decl.networks.some((n) => inSubnet(src, n.subnet)))
      return false;
    return true;
  });
}

/** `dst-nat tcp/3389 -> 10.40.0.10:3389`. */
export function describeNat(rule: RouterFirewallRule): string {
  const proto = rule.props.protocol ?? 'any';
  const port = rule.props['dst-port'] ?? '*';
  const to = rule.props['to-addresses'] ?? '?';
  const toPort = rule.props['to-ports'] === undefined ? '' : `:${rule.props['to-ports']}`;
  return `${rule.action} ${proto}/${port} -> ${to}${toPort}`;
}
