/**
 * Which zones can open connections to which, judged from a RouterOS filter table alone. For every
 * ordered pair of zones and a set of probe services (the ports the rules themselves name, plus "any
 * other tcp/udp port", icmp and other protocols), a new connection is walked through the forward
 * chain in order, following jumps, until a rule accepts or drops it; the chain's end accepts (the
 * RouterOS default).
 *
 * A matcher this evaluator cannot decide from configuration alone (time of day, layer-7, TLS host,
 * MAC address, an address list filled at run time...) is "maybe": both outcomes are kept, so a pair is
 * reported reachable when any path accepts, and `uncertain` says the answer depends on such a rule.
 * That errs towards "reachable", the safe side for a segmentation check.
 *
 * Pure: rules and zones in, a table out. The stacks' zone compiler can share the Zone shape.
 */
import type { RouterFirewallRule } from '../../devices/facts.ts';
import { contains, isPrivate, overlaps, parseRange, type Interval } from './ip.ts';

export interface Zone {
  /** Zone name: a network role (`pupils`) or `internet`. */
  name: string;
  /** Interfaces whose traffic belongs to the zone (VLAN interface names, the WAN port). */
  interfaces: string[];
  /** Address ranges of the zone. Ignored for the internet zone. */
  subnets: string[];
  /** The internet: every public address, reached through `interfaces`. */
  internet?: boolean;
}

export interface ReachabilityOptions {
  /** `/ip/firewall/address-list` entries, for src-/dst-address-list matchers. */
  addressLists?: readonly { list: string; address: string; disabled: boolean }[];
  /** Interface list members, for in-/out-interface-list matchers (RouterOS keeps these apart). */
  interfaceLists?: Readonly<Record<string, readonly string[]>>;
  /** Services to probe besides those the rules name, e.g. `tcp/443`. */
  services?: readonly string[];
  /** The chain connections start in; `forward` unless judging the router itself (`input`). */
  chain?: string;
}

/** The rule that decided a probe, as evidence. */
export interface DecidingRule {
  id: string;
  order: number;
  action: string;
  comment?: string;
}

export interface ServiceReach {
  /** `tcp/443`, `tcp/other`, `udp/other`, `icmp`, `other`. */
  service: string;
  accepted: boolean;
  /** Some path accepts and another drops: the answer depends on a matcher judged "maybe". */
  uncertain: boolean;
  /** Rules that accepted (or, when nothing accepted, dropped) the probe; empty = the chain's end. */
  rules: DecidingRule[];
}

export interface PairReach {
  from: string;
  to: string;
  verdict: 'allowed' | 'denied' | 'partial';
  /** Services accepted (possibly, when uncertain). */
  allowed: string[];
  uncertain: boolean;
  services: ServiceReach[];
}

type Tri = 'yes' | 'no' | 'maybe';

interface Probe {
  label: string;
  protocol: string;
  port?: number;
}

interface Outcome {
  accept: DecidingRule[];
  drop: DecidingRule[];
  /** Fell off the end of the chain (or returned) on some path. */
  none: boolean;
}

/** Rule properties that are not matchers. */
const NOT_MATCHERS = new Set([
  '.id',
  '.nextid',
  'id',
  'chain',
  'action',
  'comment',
  'disabled',
  'dynamic',
  'invalid',
  'log',
  'log-prefix',
  'jump-target',
  'reject-with',
  'address-list',
  'address-list-timeout',
  'bytes',
  'packets',
  'hw-offload',
  'to-addresses',
  'to-ports',
  'new-connection-mark',
  'new-packet-mark',
  'new-routing-mark',
  'passthrough',
  'place-before',
]);

const TERMINAL_ACCEPT = new Set(['accept', 'fasttrack-connection']);
const TERMINAL_DROP = new Set(['drop', 'reject', 'tarpit']);
const PROTOCOL_NUMBERS: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp' };

function negate(t: Tri): Tri {
  return t === 'yes' ? 'no' : t === 'no' ? 'yes' : 'maybe';
}

function both(a: Tri, b: Tri): Tri {
  if (a === 'no' || b === 'no') return 'no';
  if (a === 'maybe' || b === 'maybe') return 'maybe';
  return 'yes';
}

/** Does every one of `items` satisfy `test`: yes; none: no; some: maybe. */
function allOrNone<T>(items: readonly T[], test: (x: T) => Tri): Tri {
  if (items.length === 0) return 'maybe';
  const r = items.map(test);
  if (r.every((x) => x === 'yes')) return 'yes';
  if (r.every((x) => x === 'no')) return 'no';
  return 'maybe';
}

function parsePorts(spec: string): Interval[] | undefined {
  const out: Interval[] = [];
  for (const part of spec.split(',')) {
    const [a, b] = part.trim().split('-');
    const first = Number(a);
    const last = b === undefined ? first : Number(b);
    if (!Number.isInteger(first) || !Number.isInteger(last) || a === '') return undefined;
    out.push({ first, last });
  }
  return out;
}

function parseService(s: string): Probe | undefined {
  const m = /^(tcp|udp)\/(\d+)$/.exec(s.trim());
  if (m !== null) return { label: `${m[1]}/${m[2]}`, protocol: m[1] as string, port: Number(m[2]) };
  if (s === 'icmp') return { label: 'icmp', protocol: 'icmp' };
  return undefined;
}

/** The probes: every port the rules name per protocol, one port none names, icmp, another protocol. */
function probesFor(rules: readonly RouterFirewallRule[], extra: readonly string[]): Probe[] {
  const named: Record<'tcp' | 'udp', Interval[]> = { tcp: [], udp: [] };
  const probes = new Map<string, Probe>();
  const add = (p: Probe): void => {
    if (!probes.has(p.label)) probes.set(p.label, p);
  };
  for (const s of extra) {
    const p = parseService(s);
    if (p !== undefined) {
      add(p);
      if (p.protocol === 'tcp' || p.protocol === 'udp')
        named[p.protocol].push({ first: p.port ?? 0, last: p.port ?? 0 });
    }
  }
  for (const r of rules) {
    const proto = PROTOCOL_NUMBERS[r.props.protocol ?? ''] ?? r.props.protocol;
    const spec = (r.props['dst-port'] ?? r.props.port)?.replace(/^!/, '');
    const protos: ('tcp' | 'udp')[] = proto === 'tcp' || proto === 'udp' ? [proto] : ['tcp', 'udp'];
    if (spec === undefined) continue;
    const ranges = parsePorts(spec);
    if (ranges === undefined) continue;
    for (const p of protos) {
      named[p].push(...ranges);
      for (const range of ranges) add({ label: `${p}/${range.first}`, protocol: p, port: range.first });
    }
  }
  for (const p of ['tcp', 'udp'] as const) {
    let port = 1;
    // The lowest port no rule names stands for "every other port".
    while (named[p].some((r) => r.first <= port && port <= r.last) && port < 65535) port++;
    add({ label: `${p}/other`, protocol: p, port });
  }
  add({ label: 'icmp', protocol: 'icmp' });
  add({ label: 'other', protocol: 'gre' });
  return [...probes.values()];
}

interface Ctx {
  rulesByChain: Map<string, RouterFirewallRule[]>;
  addressLists: readonly { list: string; address: string; disabled: boolean }[];
  /** Lists some rule fills at run time: their content cannot be known from configuration. */
  dynamicLists: Set<string>;
  interfaceLists: Readonly<Record<string, readonly string[]>>;
}

function interfaceTri(zone: Zone, value: string): Tri {
  if (value.startsWith('all-') || value.includes('*')) return 'maybe';
  return allOrNone(zone.interfaces, (i) => (i === value ? 'yes' : 'no'));
}

function interfaceListTri(zone: Zone, list: string, ctx: Ctx): Tri {
  if (list === 'all') return 'yes';
  if (list === 'none') return 'no';
  const members = ctx.interfaceLists[list];
  if (members === undefined) return 'maybe';
  return allOrNone(zone.interfaces, (i) => (members.includes(i) ? 'yes' : 'no'));
}

/** Does the zone's address space fall inside `ranges`: all of it, none of it, or some. */
function addressTri(zone: Zone, ranges: readonly Interval[]): Tri {
  if (zone.internet === true) {
    if (ranges.some((r) => r.first === 0 && r.last === 0xffffffff)) return 'yes';
    return ranges.every((r) => isPrivate(r)) ? 'no' : 'maybe';
  }
  const subnets = zone.subnets.map(parseRange);
  if (subnets.length === 0 || subnets.some((s) => s === undefined)) return 'maybe';
  return allOrNone(subnets as Interval[], (s) =>
    ranges.some((r) => contains(r, s)) ? 'yes' : ranges.some((r) => overlaps(r, s)) ? 'maybe' : 'no',
  );
}

function addressValueTri(zone: Zone, value: string): Tri {
  const r = parseRange(value);
  return r === undefined ? 'maybe' : addressTri(zone, [r]);
}

function addressListTri(zone: Zone, list: string, ctx: Ctx): Tri {
  if (ctx.dynamicLists.has(list)) return 'maybe';
  const entries = ctx.addressLists
    .filter((e) => e.list === list && !e.disabled)
    .map((e) => parseRange(e.address));
  // Entries that are DNS names resolve at run time: unknown.
  if (entries.some((e) => e === undefined)) return 'maybe';
  if (entries.length === 0) return 'no';
  return addressTri(zone, entries as Interval[]);
}

function portTri(probe: Probe, spec: string): Tri {
  if (probe.port === undefined) return 'no';
  const ranges = parsePorts(spec);
  if (ranges === undefined) return 'maybe';
  return ranges.some((r) => r.first <= (probe.port as number) && (probe.port as number) <= r.last)
    ? 'yes'
    : 'no';
}

function matcherTri(key: string, raw: string, from: Zone, to: Zone, probe: Probe, ctx: Ctx): Tri {
  const negated = raw.startsWith('!');
  const value = negated ? raw.slice(1) : raw;
  let t: Tri;
  switch (key) {
    case 'in-interface':
      t = interfaceTri(from, value);
      break;
    case 'out-interface':
      t = interfaceTri(to, value);
      break;
    case 'in-interface-list':
      t = interfaceListTri(from, value, ctx);
      break;
    case 'out-interface-list':
      t = interfaceListTri(to, value, ctx);
      break;
    case 'src-address':
      t = addressValueTri(from, value);
      break;
    case 'dst-address':
      t = addressValueTri(to, value);
      break;
    case 'src-address-list':
      t = addressListTri(from, value, ctx);
      break;
    case 'dst-address-list':
      t = addressListTri(to, value, ctx);
      break;
    case 'protocol':
      t = (PROTOCOL_NUMBERS[value] ?? value) === probe.protocol ? 'yes' : 'no';
      break;
    case 'dst-port':
    case 'port':
      t = portTri(probe, value);
      break;
    case 'connection-state':
      // Probes are new connections.
      t = value.split(',').includes('new') ? 'yes' : 'no';
      break;
    case 'connection-nat-state':
      // Probes are not port-forwarded: inbound NAT is judged by its own check.
      t = 'no';
      break;
    case 'ipsec-policy':
      t = value.endsWith(',none') ? 'yes' : value.endsWith(',ipsec') ? 'no' : 'maybe';
      break;
    case 'dst-address-type':
      // Forwarded traffic is never addressed to the router itself.
      t = value === 'local' ? 'no' : 'maybe';
      break;
    default:
      t = 'maybe';
  }
  return negated ? negate(t) : t;
}

function ruleTri(rule: RouterFirewallRule, from: Zone, to: Zone, probe: Probe, ctx: Ctx): Tri {
  let t: Tri = 'yes';
  for (const [key, value] of Object.entries(rule.props)) {
    if (NOT_MATCHERS.has(key)) continue;
    t = both(t, matcherTri(key, value, from, to, probe, ctx));
    if (t === 'no') return 'no';
  }
  return t;
}

function deciding(rule: RouterFirewallRule): DecidingRule {
  const d: DecidingRule = { id: rule.id, order: rule.order, action: rule.action };
  if (rule.comment !== undefined && rule.comment !== '') d.comment = rule.comment;
  return d;
}

function walk(chain: string, from: Zone, to: Zone, probe: Probe, ctx: Ctx, depth: number): Outcome {
  const out: Outcome = { accept: [], drop: [], none: false };
  if (depth > 16) {
    // A jump loop: RouterOS refuses these, so this is malformed input; stay on the safe side.
    out.accept.push({ id: '?', order: -1, action: 'jump-loop' });
    return out;
  }
  for (const rule of ctx.rulesByChain.get(chain) ?? []) {
    const t = ruleTri(rule, from, to, probe, ctx);
    if (t === 'no') continue;
    if (TERMINAL_ACCEPT.has(rule.action)) {
      out.accept.push(deciding(rule));
      if (t === 'yes') return out;
    } else if (TERMINAL_DROP.has(rule.action)) {
      out.drop.push(deciding(rule));
      if (t === 'yes') return out;
    } else if (rule.action === 'return') {
      if (t === 'yes') {
        out.none = true;
        return out;
      }
      out.none = true;
    } else if (rule.action === 'jump') {
      const target = rule.props['jump-target'];
      if (target === undefined) continue;
      const sub = walk(target, from, to, probe, ctx, depth + 1);
      out.accept.push(...sub.accept);
      out.drop.push(...sub.drop);
      // The jump decided on every path: nothing after it in this chain is reached.
      if (t === 'yes' && !sub.none) return out;
    }
    // log, passthrough, add-*-to-address-list, mark-*: the packet carries on.
  }
  out.none = true;
  return out;
}

/**
 * For each ordered pair of distinct zones, whether new connections from the first to the second are
 * accepted by `rules` (the router's whole filter table; only enabled rules count, in `order`).
 */
export function zoneReachability(
  rules: readonly RouterFirewallRule[],
  zones: readonly Zone[],
  opts: ReachabilityOptions = {},
): PairReach[] {
  const enabled = [...rules].filter((r) => !r.disabled).sort((a, b) => a.order - b.order);
  const rulesByChain = new Map<string, RouterFirewallRule[]>();
  for (const r of enabled) rulesByChain.set(r.chain, [...(rulesByChain.get(r.chain) ?? []), r]);
  const dynamicLists = new Set(
    enabled
      .filter((r) => r.action.startsWith('add-') && r.props['address-list'])
      .map((r) => r.props['address-list'] as string),
  );
  const ctx: Ctx = {
    rulesByChain,
    addressLists: opts.addressLists ?? [],
    dynamicLists,
    interfaceLists: opts.interfaceLists ?? {},
  };
  const chain = opts.chain ?? 'forward';
  const probes = probesFor(enabled, opts.services ?? []);
  const out: PairReach[] = [];
  for (const from of zones) {
    for (const to of zones) {
      if (from.name === to.name) continue;
      const services: ServiceReach[] = probes.map((p) => {
        const o = walk(chain, from, to, p, ctx, 0);
        // Falling off the end of the chain accepts.
        const accepted = o.accept.length > 0 || o.none;
        const dropped = o.drop.length > 0;
        return {
          service: p.label,
          accepted,
          uncertain: accepted && dropped,
          rules: accepted ? o.accept : o.drop,
        };
      });
      const allowed = services.filter((s) => s.accepted).map((s) => s.service);
      out.push({
        from: from.name,
        to: to.name,
        verdict: allowed.length === 0 ? 'denied' : allowed.length === services.length ? 'allowed' : 'partial',
        allowed,
        uncertain: services.some((s) => s.uncertain),
        services,
      });
    }
  }
  return out;
}

/** The verdict for one pair, from a table `zoneReachability` returned. */
export function reach(table: readonly PairReach[], from: string, to: string): PairReach | undefined {
  return table.find((p) => p.from === from && p.to === to);
}
