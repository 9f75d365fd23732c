/**
 * The audit's reachability table over any set of zones, in the shape the segmentation and firewall
 * checks consume: `zoneReachability(rules, zones, opts)` -> one `PairReach` per ordered pair. It is the
 * same meaning as everywhere else (rules read into the zone IR by `readRules`, judged by `decide`), so
 * the audit, the drift report and the packets in the traffic test cannot disagree.
 */
import type { RouterFirewallRule } from '../devices/facts.ts';
import { readRules, type ZoneSpec } from './zones-readback.ts';
import { reachabilityDetail, type PairReach, type Zone } from './zones.ts';

export type { ZoneSpec } from './zones-readback.ts';
export type { DecidingRule, PairReach, ServiceReach } from './zones.ts';

export interface ReachabilityOptions {
  /** `/ip/firewall/address-list` entries, for src-/dst-address-list matchers. */
  addressLists?: readonly { list: string; address: string; disabled: boolean }[];
  /** Interface list members, for in-/out-interface-list matchers (not among the collected facts). */
  interfaceLists?: Readonly<Record<string, readonly string[]>>;
  /** Services to probe besides those the rules name, e.g. `tcp/443`. */
  services?: readonly string[];
  /** `input` to judge traffic to the router itself; `forward` (through it) otherwise. */
  chain?: string;
}

/** Stands for the router in the input chain; never a name a caller's zone has. */
const SELF = '\u0000router';

/**
 * For each ordered pair of distinct zones, whether new connections from the first to the second are
 * accepted by `rules` (the router's whole filter table; only enabled rules count, in `order`).
 * With `chain: 'input'`, every pair is judged as traffic to the router itself.
 */
export function zoneReachability(
  rules: readonly RouterFirewallRule[],
  zones: readonly ZoneSpec[],
  opts: ReachabilityOptions = {},
): PairReach[] {
  const read = (router: Zone) =>
    readRules(rules, [...zones], {
      ...(opts.addressLists ? { addressLists: opts.addressLists } : {}),
      ...(opts.interfaceLists ? { interfaceLists: opts.interfaceLists } : {}),
      router,
    });
  // Every port any rule names is probed, whichever chain or zones it concerns.
  const extra = [...(opts.services ?? []), ...namedServices(rules)];
  if (opts.chain !== 'input') {
    const pairs: [Zone, Zone][] = [];
    for (const a of zones) for (const b of zones) if (a.name !== b.name) pairs.push([a.name, b.name]);
    return reachabilityDetail(read(SELF), { extra, pairs });
  }
  // Input chain: each destination zone stands for the router (its addresses are the router's).
  return zones.flatMap((to) => {
    const pairs = zones
      .filter((from) => from.name !== to.name)
      .map((from): [Zone, Zone] => [from.name, to.name]);
    return reachabilityDetail(read(to.name), { extra, pairs });
  });
}

function namedServices(rules: readonly RouterFirewallRule[]): string[] {
  const out: string[] = [];
  for (const r of rules) {
    if (r.disabled) continue;
    const spec = (r.props['dst-port'] ?? r.props.port)?.replace(/^!/, '');
    if (spec === undefined || !/^\d+(-\d+)?(,\d+(-\d+)?)*$/.test(spec)) continue;
    const proto = { '6': 'tcp', '17': 'udp' }[r.props.protocol ?? ''] ?? r.props.protocol;
    for (const p of proto === 'tcp' || proto === 'udp' ? [proto] : ['tcp', 'udp']) out.push(`${p}/${spec}`);
  }
  return out;
}

/** The verdict for one pair, from a table `zoneReachability` returned. */
export function reach(table: readonly PairReach[], from: string, to: string): PairReach | undefined {
  return table.find((p) => p.from === from && p.to === to);
}
