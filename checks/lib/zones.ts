/**
 * The declaration's zones as the reachability evaluator needs them, and what the declaration allows
 * between two zones. Zones are network roles (every network of a role together) plus the internet
 * behind the router's WAN interface.
 */
import type { RouterFacts } from '../../devices/facts.ts';
import type { Device, NetworkRole, ZoneName } from '../../inventory/types.ts';
import type { CheckContext } from '../types.ts';
import { zoneReachability, type PairReach, type Zone } from './reachability.ts';

export function roleZones(ctx: CheckContext): Zone[] {
  const roles = [...new Set(ctx.decl.networks.map((n) => n.role))];
  return roles.map((role) => {
    const nets = ctx.decl.networks.filter((n) => n.role === role);
    return { name: role, interfaces: nets.map((n) => n.name), subnets: nets.map((n) => n.subnet) };
  });
}

export function internetZone(wan: string): Zone {
  return { name: 'internet', interfaces: [wan], subnets: [], internet: true };
}

/**
 * RouterOS interface lists are not among the collected facts; the usual default configuration's
 * `WAN` and `LAN` lists are assumed to hold the declared WAN port and everything else.
 */
export function assumedInterfaceLists(
  ctx: CheckContext,
  device: Device | undefined,
): Record<string, string[]> {
  const lan = [
    ...ctx.decl.networks.map((n) => n.name),
    ...(device?.bridge === undefined ? [] : [device.bridge]),
  ];
  return { WAN: device?.wan === undefined ? [] : [device.wan], LAN: lan };
}

/** Every service string the declaration names, so the evaluator probes exactly those. */
export function declaredServices(ctx: CheckContext): string[] {
  return [...new Set(ctx.decl.zones.rules.flatMap((r) => r.services ?? []))];
}

/**
 * What the declaration allows from one zone to another: `all`, a list of services, or nothing.
 * Allow rules add up; everything not allowed is denied (the declaration's default).
 */
export function declaredAllows(ctx: CheckContext, from: ZoneName, to: ZoneName): 'all' | string[] {
  let services: string[] = [];
  for (const r of ctx.decl.zones.rules) {
    const targets = Array.isArray(r.to) ? r.to : [r.to];
    if (r.action !== 'allow' || r.from !== from || !targets.includes(to)) continue;
    if (r.services === undefined || r.services.length === 0) return 'all';
    services = [...services, ...r.services];
  }
  return [...new Set(services)];
}

/** The live reachability table for a router, over the declared role zones and the internet. */
export function liveReachability(
  ctx: CheckContext,
  r: RouterFacts,
  device: Device | undefined,
  extra: Zone[] = [],
): PairReach[] {
  const zones = [
    ...roleZones(ctx),
    ...(device?.wan === undefined ? [] : [internetZone(device.wan)]),
    ...extra,
  ];
  return zoneReachability(r.filterRules, zones, {
    addressLists: r.addressLists,
    interfaceLists: assumedInterfaceLists(ctx, device),
    services: declaredServices(ctx),
  });
}

/** Live services accepted beyond what the declaration allows. */
export function beyondDeclared(pair: PairReach, allowed: 'all' | string[]): string[] {
  if (allowed === 'all') return [];
  return pair.allowed.filter((s) => !allowed.includes(s));
}

/**
 * A rule as a finding names it: by its comment, which survives reboots, exports and edits; RouterOS's
 * internal id (`*46`) changes whenever rules are added or removed, so it is given only for a rule with
 * no comment, marked as such.
 */
export function ruleName(x: { id: string; comment?: string }): string {
  return x.comment ? `rule "${x.comment}"` : `rule ${x.id} (no comment)`;
}

/** `tcp/other via rule "pupils to servers"` style evidence for a pair's accepted services. */
export function acceptingRules(pair: PairReach, services: readonly string[]): string {
  // Services let through by the same rule(s) are named together, so one wide accept reads as one clause.
  const byRules = new Map<string, string[]>();
  for (const s of pair.services) {
    if (!services.includes(s.service)) continue;
    const rules = s.rules.length === 0 ? 'end of chain (accept)' : s.rules.map(ruleName).join(', ');
    const list = byRules.get(rules) ?? [];
    list.push(`${s.service}${s.uncertain ? ' (maybe)' : ''}`);
    byRules.set(rules, list);
  }
  return [...byRules].map(([rules, list]) => `${list.join(', ')} via ${rules}`).join('; ');
}

export const PROTECTED_ROLES: readonly NetworkRole[] = ['staff', 'servers', 'management'];
export const UNTRUSTED_ROLES: readonly NetworkRole[] = ['pupils', 'guests', 'byod'];
