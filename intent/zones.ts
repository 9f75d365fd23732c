/**
 * The zone policy compiler's one intermediate form (IR) and its meaning.
 *
 * The declaration's zone policy ("pupils -> internet allow", "guests -> staff deny") is normalised into
 * an ordered list of rules: established/related first, then the router's own baseline (DHCP, management
 * access), then the school's explicit rules in order, then the default drop. The same IR comes back from
 * a live router (`readRouterRules`, `zones-readback.ts`), and `reachability` says, with first-match semantics, which zone may
 * open a connection to which. Compilers turn the IR into RouterOS filter rules (`zones-routeros.ts`) and
 * nftables (`zones-nftables.ts`). Everything here is pure.
 */
import type { Device, SchoolDeclaration, ZoneName, ZoneRule } from '../inventory/types.ts';
import { PlanError } from './types.ts';

/** A zone's name: a network role (`pupils`), `internet`, `router`, or any name a caller's zone list gives. */
export type Zone = ZoneName | (string & {});
export type Verdict = 'allow' | 'deny';

/**
 * A protocol (`tcp`, `udp`, `icmp`, or another IP protocol's name such as `gre`) with optional
 * destination port ranges (absent: every port of that protocol).
 */
export interface Service {
  proto: string;
  ports?: [number, number][];
}

/** One kind of packet opening a new connection: a ping, a TCP SYN to a port, a UDP datagram, a GRE packet. */
export interface Probe {
  proto: string;
  port?: number;
  /** This port stands for every port no rule names (`tcp/other`). */
  other?: boolean;
}

/** The router rule behind an IR rule read from a router: the audit's evidence. */
export interface SourceRule {
  id: string;
  order: number;
  action: string;
  comment?: string;
}

export interface IrRule {
  /** Stable id (managed rules: the tag after `schoolnet:`; rules read back: the router's `.id`). */
  id: string;
  /** `input` for traffic to the router itself (`to` is then `router`), `forward` for traffic through it. */
  chain: 'forward' | 'input';
  from: Zone | 'any';
  to: Zone | 'any';
  /** Absent: any traffic. */
  services?: Service[];
  /** Traffic the rule does not apply to (what a RouterOS `return` sent back to the calling chain). */
  except?: Service[];
  /** Matches only packets of connections already allowed (`established`), or broken ones (`invalid`). */
  state?: 'established' | 'invalid';
  action: Verdict;
  /**
   * The rule matches only part of the traffic between the two zones (an address narrower than the zone,
   * a matcher this reader does not model). Judged conservatively: a partial allow still lets the zone
   * reach the other; a partial deny does not count as blocking it.
   */
  partial?: boolean;
  origin: 'baseline' | 'policy' | 'default' | 'router';
  /** What the rule means, in words (`pupils -> servers tcp/443 allow`). */
  text: string;
  source?: SourceRule;
}

export interface ZoneIr {
  /** Every zone: the school's networks' roles, then `internet` and `router` (or a caller's zones). */
  zones: Zone[];
  rules: IrRule[];
  /** What happens to a packet no rule matched (RouterOS chains accept; the compiled policy drops). */
  policy: { forward: Verdict; input: Verdict };
  /** Anything the reader could not model exactly (unknown interfaces, loops). */
  notes: string[];
  /** The zone that stands for the router itself (the input chain's destination); `router` when absent. */
  router?: Zone;
}

/** Router ports the baseline opens from the management zone: SSH, Winbox, API, API-SSL. */
export const MANAGEMENT_PORTS = [22, 8291, 8728, 8729] as const;

// ---------------------------------------------------------------- services

/** `tcp/443`, `udp/53`, `tcp/8000-8080`, `tcp/80,443`, `tcp`, `icmp`. */
export function parseService(text: string): Service {
  const m = /^(tcp|udp|icmp)(?:\/([0-9,-]+))?$/.exec(text.trim().toLowerCase());
  if (!m) throw new PlanError(`service "${text}" is not of the form tcp/443, udp/53, tcp/8000-8080 or icmp`);
  const proto = m[1] as 'tcp' | 'udp' | 'icmp';
  if (m[2] === undefined) return { proto };
  if (proto === 'icmp') throw new PlanError(`service "${text}": icmp has no ports`);
  return { proto, ports: parsePorts(m[2], text) };
}

export function parsePorts(list: string, context: string): [number, number][] {
  return list.split(',').map((part) => {
    const [a, b] = part.split('-');
    const lo = Number(a);
    const hi = b === undefined ? lo : Number(b);
    if (!Number.isInteger(lo) || !Number.isInteger(hi) || lo < 1 || hi > 65535 || hi < lo)
      throw new PlanError(`"${context}": "${part}" is not a port or port range (1-65535)`);
    return [lo, hi] as [number, number];
  });
}

export function formatPorts(ports: [number, number][]): string {
  return ports.map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(',');
}

export function formatService(s: Service): string {
  return s.ports ? `${s.proto}/${formatPorts(s.ports)}` : s.proto;
}

export function serviceMatches(s: Service, p: Probe): boolean {
  if (s.proto !== p.proto) return false;
  if (!s.ports) return true;
  return p.port !== undefined && s.ports.some(([lo, hi]) => lo <= p.port! && p.port! <= hi);
}

/** `tcp/443`, `tcp/other`, `icmp`; a protocol with no ports beyond tcp/udp/icmp is `other`. */
export function formatProbe(p: Probe): string {
  if (!['tcp', 'udp', 'icmp'].includes(p.proto)) return 'other';
  if (p.other) return `${p.proto}/other`;
  return p.port === undefined ? p.proto : `${p.proto}/${p.port}`;
}

// ---------------------------------------------------------------- zones of a school

/** The school's zones: each role that has a network (in declaration order), then internet and router. */
export function zonesOf(decl: SchoolDeclaration): Zone[] {
  const zones: Zone[] = [];
  for (const n of decl.networks) if (!zones.includes(n.role)) zones.push(n.role);
  zones.push('internet', 'router');
  return zones;
}

/** The router interfaces each zone's traffic enters by: its networks' VLAN interfaces; the WAN port. */
export type ZoneInterfaces = Partial<Record<Zone, string[]>>;

export function zoneInterfaces(decl: SchoolDeclaration, device?: Device): ZoneInterfaces {
  const out: ZoneInterfaces = {};
  for (const n of decl.networks) (out[n.role] ??= []).push(n.name);
  out.internet = [device?.wan ?? 'ether1'];
  return out;
}

/** The first RouterOS router of the declaration (the one the zone policy is enforced on). */
export function policyRouter(decl: SchoolDeclaration): Device | undefined {
  return decl.devices.find((d) => d.kind === 'router' && d.driver === 'routeros');
}

// ---------------------------------------------------------------- compile the declaration

function ruleTargets(r: ZoneRule): Zone[] {
  return Array.isArray(r.to) ? r.to : [r.to];
}

function slug(services: Service[] | undefined): string {
  if (!services) return '';
  return '-' + services.map((s) => formatService(s).replace(/[/,]/g, '')).join('-');
}

/** Normalise the declaration's zone policy into the IR, in the order the router must evaluate it. */
export function compileZonePolicy(decl: SchoolDeclaration): ZoneIr {
  const zones = zonesOf(decl);
  const rules: IrRule[] = [];
  const notes: string[] = [];
  const ids = new Map<string, number>();
  const uniqueId = (base: string): string => {
    const n = (ids.get(base) ?? 0) + 1;
    ids.set(base, n);
    return n === 1 ? base : `${base}-${n}`;
  };

  for (const chain of ['forward', 'input'] as const) {
    const p = chain === 'forward' ? 'fwd' : 'in';
    const to = chain === 'forward' ? 'any' : 'router';
    rules.push(
      {
        id: `${p}-established`,
        chain,
        from: 'any',
        to,
        state: 'established',
        action: 'allow',
        origin: 'baseline',
        text: 'replies to allowed connections',
      },
      {
        id: `${p}-invalid`,
        chain,
        from: 'any',
        to,
        state: 'invalid',
        action: 'deny',
        origin: 'baseline',
        text: 'broken connections',
      },
    );
  }
  // The router hands out addresses on every network with DHCP, and is managed from the management zone.
  for (const zone of zones) {
    if (decl.networks.some((n) => n.role === zone && n.dhcp))
      rules.push({
        id: uniqueId(`in-dhcp-${zone}`),
        chain: 'input',
        from: zone,
        to: 'router',
        services: [{ proto: 'udp', ports: [[67, 67]] }],
        action: 'allow',
        origin: 'baseline',
        text: `${zone} -> router DHCP`,
      });
  }
  if (zones.includes('management'))
    rules.push({
      id: 'in-management',
      chain: 'input',
      from: 'management',
      to: 'router',
      services: [{ proto: 'tcp', ports: MANAGEMENT_PORTS.map((p) => [p, p] as [number, number]) }],
      action: 'allow',
      origin: 'baseline',
      text: 'management -> router SSH, Winbox, API',
    });

  decl.zones.rules.forEach((r, i) => {
    for (const z of [r.from, ...ruleTargets(r)])
      if (!zones.includes(z))
        throw new PlanError(`zones.rules[${i}] names zone "${z}", but the school has no ${z} network`);
    if (r.from === 'router') {
      notes.push(`zones.rules[${i}] (from router) is not compiled: the router's own traffic is not filtered`);
      return;
    }
    const services = r.services?.map(parseService);
    for (const to of ruleTargets(r)) {
      const chain = to === 'router' ? 'input' : 'forward';
      const base = `${chain === 'forward' ? 'fwd' : 'in'}-${r.from}-${to}-${r.action}${slug(services)}`;
      const svcText = services ? ' ' + services.map(formatService).join(',') : '';
      rules.push({
        id: uniqueId(base),
        chain,
        from: r.from,
        to,
        ...(services ? { services } : {}),
        action: r.action,
        origin: 'policy',
        text: r.comment ?? `${r.from} -> ${to}${svcText} ${r.action}`,
      });
    }
  });

  rules.push(
    {
      id: 'fwd-default-drop',
      chain: 'forward',
      from: 'any',
      to: 'any',
      action: 'deny',
      origin: 'default',
      text: 'everything else through the router',
    },
    {
      id: 'in-default-drop',
      chain: 'input',
      from: 'any',
      to: 'router',
      action: 'deny',
      origin: 'default',
      text: 'everything else to the router',
    },
  );
  return { zones, rules, policy: { forward: 'deny', input: 'deny' }, notes };
}

// ---------------------------------------------------------------- meaning

/** How one new connection fares: the verdict, the rule that decided it (none: the chain's policy). */
export interface Decision {
  verdict: Verdict;
  rule?: IrRule;
  /** A partial rule was involved: the answer depends on something only the live traffic decides. */
  uncertain: boolean;
}

function ruleApplies(r: IrRule, chain: 'forward' | 'input', from: Zone, to: Zone, probe: Probe): boolean {
  if (r.chain !== chain || r.state !== undefined) return false; // established/invalid never match a new flow
  if (r.from !== 'any' && r.from !== from) return false;
  if (chain === 'forward' && r.to !== 'any' && r.to !== to) return false;
  if (r.services && !r.services.some((s) => serviceMatches(s, probe))) return false;
  if (r.except?.some((s) => serviceMatches(s, probe))) return false;
  return true;
}

/**
 * Does a new connection of kind `probe` from `from` to `to` pass? First match wins. A partial rule
 * may or may not match, so both paths are followed: the connection passes if any path accepts it
 * (the safe side for an audit), and the answer is uncertain when another path drops it.
 */
export function decide(ir: ZoneIr, from: Zone, to: Zone, probe: Probe): Decision {
  const chain = to === (ir.router ?? 'router') ? 'input' : 'forward';
  let firstAllow: IrRule | undefined;
  let firstDeny: IrRule | undefined;
  let allowed = false;
  let denied = false;
  let decided = false;
  for (const r of ir.rules) {
    if (!ruleApplies(r, chain, from, to, probe)) continue;
    if (r.action === 'allow') {
      allowed = true;
      firstAllow ??= r;
    } else {
      denied = true;
      firstDeny ??= r;
    }
    if (!r.partial) {
      decided = true;
      break;
    }
  }
  if (!decided) {
    if (ir.policy[chain] === 'allow') allowed = true;
    else denied = true;
  }
  const rule = allowed ? firstAllow : firstDeny;
  return { verdict: allowed ? 'allow' : 'deny', ...(rule ? { rule } : {}), uncertain: allowed && denied };
}

export function verdictFor(ir: ZoneIr, from: Zone, to: Zone, probe: Probe): Verdict {
  return decide(ir, from, to, probe).verdict;
}

/**
 * The probes that decide every verdict: a ping, each port the IR names (its lowest port per range),
 * one TCP and one UDP port no rule names (`tcp/other`), another protocol (`other`, GRE), and any
 * `extra` services (`tcp/8001`) a caller wants judged.
 */
export function probesOf(ir: ZoneIr, extra: readonly string[] = []): Probe[] {
  const probes = new Map<string, Probe>();
  const named: Record<string, [number, number][]> = { tcp: [], udp: [] };
  const add = (p: Probe) => {
    if (!probes.has(formatProbe(p))) probes.set(formatProbe(p), p);
  };
  for (const text of extra) {
    const s = parseService(text);
    if (s.proto === 'icmp') add({ proto: 'icmp' });
    for (const [lo] of s.ports ?? []) add({ proto: s.proto, port: lo });
    named[s.proto]?.push(...(s.ports ?? []));
  }
  for (const r of ir.rules)
    for (const s of [...(r.services ?? []), ...(r.except ?? [])]) {
      if (s.proto !== 'tcp' && s.proto !== 'udp') continue;
      named[s.proto]!.push(...(s.ports ?? []));
      for (const [lo] of s.ports ?? []) add({ proto: s.proto, port: lo });
    }
  for (const proto of ['tcp', 'udp'] as const) {
    let port = 1;
    while (named[proto]!.some(([lo, hi]) => lo <= port && port <= hi) && port < 65535) port++;
    add({ proto, port, other: true });
  }
  add({ proto: 'icmp' });
  add({ proto: 'gre' });
  return [...probes.values()];
}

/** Ordered pairs of different zones; `router` is a destination only. */
export function zonePairs(ir: ZoneIr): [Zone, Zone][] {
  const out: [Zone, Zone][] = [];
  const router = ir.router ?? 'router';
  for (const from of ir.zones)
    if (from !== router) for (const to of ir.zones) if (to !== from) out.push([from, to]);
  return out;
}

/**
 * Which zone may open a connection to which: for one kind of probe, or (without one) whether any
 * traffic at all gets through.
 */
export function reachability(ir: ZoneIr, probe?: Probe): Map<Zone, Map<Zone, Verdict>> {
  const probes = probe ? [probe] : probesOf(ir);
  const out = new Map<Zone, Map<Zone, Verdict>>();
  for (const [from, to] of zonePairs(ir)) {
    const row = out.get(from) ?? new Map<Zone, Verdict>();
    row.set(to, probes.some((p) => verdictFor(ir, from, to, p) === 'allow') ? 'allow' : 'deny');
    out.set(from, row);
  }
  return out;
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
  /** The answer depends on a matcher only live traffic decides (an address list filled at run time...). */
  uncertain: boolean;
  /** The rule that decided (for a rule read from a router, that rule); empty: the chain's end. */
  rules: DecidingRule[];
}

/** One pair's reachability with its evidence, as the audit's segmentation checks report it. */
export interface PairReach {
  from: Zone;
  to: Zone;
  /** allowed: every probe passes; denied: none; partial: some services only. */
  verdict: 'allowed' | 'denied' | 'partial';
  /** The probes that pass (`tcp/443`, `icmp`...). */
  allowed: string[];
  uncertain: boolean;
  services: ServiceReach[];
}

function deciding(r: IrRule, index: number): DecidingRule {
  if (r.source) return { ...r.source };
  return {
    id: r.id,
    order: index,
    action: r.action === 'allow' ? 'accept' : 'drop',
    comment: `schoolnet:${r.id} ${r.text}`,
  };
}

/**
 * Every ordered pair with each probe's fate and the deciding rule. `pairs` narrows the pairs, `to`
 * fixed to a zone judges every pair as traffic to it (`router`: the input chain), and `extra` adds
 * services to probe.
 */
export function reachabilityDetail(
  ir: ZoneIr,
  opts: {
    extra?: readonly string[];
    pairs?: [Zone, Zone][];
    judgeAs?: (from: Zone, to: Zone) => [Zone, Zone];
  } = {},
): PairReach[] {
  const probes = probesOf(ir, opts.extra);
  return (opts.pairs ?? zonePairs(ir)).map(([from, to]) => {
    const [f, t] = opts.judgeAs ? opts.judgeAs(from, to) : [from, to];
    const services = probes.map((p): ServiceReach => {
      const d = decide(ir, f, t, p);
      return {
        service: formatProbe(p),
        accepted: d.verdict === 'allow',
        uncertain: d.uncertain,
        rules: d.rule ? [deciding(d.rule, ir.rules.indexOf(d.rule))] : [],
      };
    });
    const allowed = services.filter((s) => s.accepted).map((s) => s.service);
    return {
      from,
      to,
      verdict: allowed.length === 0 ? 'denied' : allowed.length === services.length ? 'allowed' : 'partial',
      allowed,
      uncertain: services.some((s) => s.uncertain),
      services,
    };
  });
}
