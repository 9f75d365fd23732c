/**
 * The zone IR to and from RouterOS `/ip/firewall/filter` rules.
 *
 * `toRouterRules` compiles the IR into ordered rules, each tagged `schoolnet:<id>` in its comment.
 * `readRouterRules` reads ANY rule list back (managed or not, in table order, disabled rules skipped,
 * jumps followed) into the IR, so `reachability` can judge what a live router really allows.
 */
import type { RouterFirewallRule } from '../../devices/facts.ts';
import type { Device, SchoolDeclaration } from '../../inventory/types.ts';
import { isPrivate, parseRange, rangeContains, rangesOverlap, type Ipv4Range } from './ip.ts';
import { MANAGED_TAG, PlanError, type DesiredFilterRule } from './types.ts';
import {
  formatPorts,
  parsePorts,
  policyRouter,
  zoneInterfaces,
  zonesOf,
  type IrRule,
  type Proto,
  type Service,
  type Zone,
  type ZoneInterfaces,
  type ZoneIr,
} from './zones.ts';

// ---------------------------------------------------------------- IR -> RouterOS

function interfacesOf(ifaces: ZoneInterfaces, zone: Zone | 'any', rule: IrRule): (string | undefined)[] {
  if (zone === 'any') return [undefined];
  const list = ifaces[zone];
  if (!list || list.length === 0) throw new PlanError(`rule ${rule.id}: zone ${zone} has no router interface`);
  return list;
}

/** One RouterOS matcher set per protocol: RouterOS takes one protocol per rule. */
function serviceMatchers(services: Service[] | undefined): Record<string, string>[] {
  if (!services) return [{}];
  const byProto = new Map<Proto, Service[]>();
  for (const s of services) byProto.set(s.proto, [...(byProto.get(s.proto) ?? []), s]);
  const out: Record<string, string>[] = [];
  for (const [proto, list] of byProto) {
    if (proto === 'other') throw new PlanError('a compiled rule cannot name an unknown protocol');
    if (list.some((s) => !s.ports) || proto === 'icmp') out.push({ protocol: proto });
    else out.push({ protocol: proto, 'dst-port': formatPorts(list.flatMap((s) => s.ports ?? [])) });
  }
  return out;
}

/** Ordered, tagged RouterOS filter rules for the IR; `ifaces` names each zone's router interfaces. */
export function toRouterRules(ir: ZoneIr, ifaces: ZoneInterfaces): DesiredFilterRule[] {
  const out: DesiredFilterRule[] = [];
  for (const r of ir.rules) {
    if (r.partial) throw new PlanError(`rule ${r.id} is partial: only rules compiled from a declaration can be applied`);
    const action = r.action === 'allow' ? 'accept' : 'drop';
    if (r.state) {
      const state = r.state === 'established' ? 'established,related' : 'invalid';
      out.push({ id: r.id, chain: r.chain, action, props: { 'connection-state': state }, comment: `${MANAGED_TAG}${r.id} ${r.text}` });
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

// ---------------------------------------------------------------- RouterOS -> IR

type Degree = 'full' | 'partial';
type ZoneMatch = 'any' | Map<Zone, Degree>;
type State = 'new' | 'established' | 'invalid' | 'never';

/** What one rule (or a jump's context) matches, at zone level. */
interface Match {
  from: ZoneMatch;
  to: ZoneMatch;
  services: Service[] | undefined;
  state: State;
  partial: boolean;
}

const ANY: Match = { from: 'any', to: 'any', services: undefined, state: 'new', partial: false };

/** Properties that are bookkeeping or actions, never matchers. */
const NOT_MATCHERS = new Set([
  '.id', '.nextid', '.about', 'chain', 'action', 'comment', 'disabled', 'dynamic', 'invalid', 'log',
  'log-prefix', 'bytes', 'packets', 'jump-target', 'reject-with', 'address-list', 'address-list-timeout',
  'place-before', 'hw-offload',
]);

interface Context {
  zones: Zone[];
  ifaceZone: Map<string, Zone>;
  lists: Record<string, string[]>;
  /** Static address-list entries by list (undefined: the router's lists were not given). */
  addressLists: Map<string, string[]> | undefined;
  /** Lists some rule fills at run time (add-src-to-address-list): their content is unknown. */
  dynamicLists: Set<string>;
  networks: { zone: Zone; range: Ipv4Range }[];
  notes: string[];
}

function negated(v: string): [boolean, string] {
  return v.startsWith('!') ? [true, v.slice(1)] : [false, v];
}

function complement(m: Map<Zone, Degree>, universe: Zone[]): Map<Zone, Degree> {
  const out = new Map<Zone, Degree>();
  for (const z of universe) {
    const d = m.get(z);
    if (d === undefined) out.set(z, 'full');
    else if (d === 'partial') out.set(z, 'partial');
  }
  return out;
}

function byInterfaces(ctx: Context, names: string[], universe: Zone[], what: string): Map<Zone, Degree> {
  const m = new Map<Zone, Degree>();
  for (const name of names) {
    const z = ctx.ifaceZone.get(name);
    if (z) m.set(z, 'full');
    else ctx.notes.push(`${what} ${name} is not a declared network or the WAN: no zone's traffic enters by it`);
  }
  for (const z of m.keys()) if (!universe.includes(z)) m.delete(z);
  return m;
}

function byAddress(ctx: Context, value: string | string[], universe: Zone[]): Map<Zone, Degree> {
  const ranges = (Array.isArray(value) ? value : value.split(',')).map((a) => parseRange(a));
  const m = new Map<Zone, Degree>();
  if (ranges.some((r) => r === undefined)) {
    for (const z of universe) m.set(z, 'partial');
    return m;
  }
  const rs = ranges as Ipv4Range[];
  for (const z of universe) {
    if (z === 'router') continue;
    if (z === 'internet') {
      // The internet is every public address: a private range never reaches it, 0.0.0.0/0 is all of it.
      if (rs.some((r) => r.first === 0 && r.last === 0xffffffff)) m.set(z, 'full');
      else if (!rs.every(isPrivate)) m.set(z, 'partial');
      continue;
    }
    const nets = ctx.networks.filter((n) => n.zone === z);
    const full = nets.length > 0 && nets.every((n) => rs.some((r) => rangeContains(r, n.range)));
    if (full) m.set(z, 'full');
    else if (nets.some((n) => rs.some((r) => rangesOverlap(r, n.range)))) m.set(z, 'partial');
  }
  return m;
}

function intersectZones(a: ZoneMatch, b: ZoneMatch): ZoneMatch {
  if (a === 'any') return b;
  if (b === 'any') return a;
  const out = new Map<Zone, Degree>();
  for (const [z, d] of a) {
    const e = b.get(z);
    if (e) out.set(z, d === 'full' && e === 'full' ? 'full' : 'partial');
  }
  return out;
}

function intersectServices(a: Service[] | undefined, b: Service[] | undefined): Service[] | undefined {
  if (!a) return b;
  if (!b) return a;
  const out: Service[] = [];
  for (const s of a)
    for (const t of b) {
      if (s.proto !== t.proto) continue;
      if (!s.ports || !t.ports) {
        out.push(s.ports ? s : t);
        continue;
      }
      const ports: [number, number][] = [];
      for (const [a1, a2] of s.ports)
        for (const [b1, b2] of t.ports) if (Math.max(a1, b1) <= Math.min(a2, b2)) ports.push([Math.max(a1, b1), Math.min(a2, b2)]);
      if (ports.length > 0) out.push({ proto: s.proto, ports });
    }
  return out.length > 0 ? out : [{ proto: 'other' }];
}

function intersectState(a: State, b: State): State {
  if (a === 'never' || b === 'never') return 'never';
  if (a === 'new') return b;
  if (b === 'new') return a;
  return a === b ? a : 'never';
}

function intersect(a: Match, b: Match): Match {
  return {
    from: intersectZones(a.from, b.from),
    to: intersectZones(a.to, b.to),
    services: intersectServices(a.services, b.services),
    state: intersectState(a.state, b.state),
    partial: a.partial || b.partial,
  };
}

const PROTOCOLS: Record<string, Proto> = { tcp: 'tcp', '6': 'tcp', udp: 'udp', '17': 'udp', icmp: 'icmp', '1': 'icmp' };

/** One rule's matchers at zone level. */
function matchOf(ctx: Context, rule: RouterFirewallRule, chain: string): Match {
  const p = rule.props;
  const m: Match = { ...ANY };
  const sources = ctx.zones.filter((z) => z !== 'router');
  const targets = chain === 'input' ? (['router'] as Zone[]) : sources;
  const zoneProp = (key: string, universe: Zone[], list: boolean): ZoneMatch | undefined => {
    const raw = p[key];
    if (raw === undefined || raw === '') return undefined;
    const [neg, v] = negated(raw);
    let set: Map<Zone, Degree>;
    if (list) {
      if (v === 'all') set = new Map(universe.map((z) => [z, 'full' as Degree]));
      else if (ctx.lists[v]) set = byInterfaces(ctx, ctx.lists[v], universe, `${key} ${v} member`);
      else {
        ctx.notes.push(`rule ${rule.id}: interface list ${v} is unknown; its members are assumed partly in every zone`);
        return new Map(universe.map((z) => [z, 'partial' as Degree]));
      }
    } else set = byInterfaces(ctx, v.split(','), universe, `rule ${rule.id}: ${key}`);
    return neg ? complement(set, universe) : set;
  };
  const apply = (side: 'from' | 'to', zm: ZoneMatch | undefined) => {
    if (zm !== undefined) m[side] = intersectZones(m[side], zm);
  };

  apply('from', zoneProp('in-interface', sources, false));
  apply('from', zoneProp('in-interface-list', sources, true));
  if (chain === 'forward') {
    apply('to', zoneProp('out-interface', targets, false));
    apply('to', zoneProp('out-interface-list', targets, true));
  }
  for (const [key, side, universe] of [
    ['src-address', 'from', sources],
    ['dst-address', 'to', targets],
  ] as const) {
    const raw = p[key];
    if (raw === undefined || raw === '') continue;
    if (chain === 'input' && side === 'to') {
      m.partial = true; // which of the router's own addresses: narrower than "the router"
      continue;
    }
    const [neg, v] = negated(raw);
    const set = byAddress(ctx, v, universe);
    apply(side, neg ? complement(set, universe) : set);
  }

  for (const [key, side, universe] of [
    ['src-address-list', 'from', sources],
    ['dst-address-list', 'to', targets],
  ] as const) {
    const raw = p[key];
    if (raw === undefined || raw === '') continue;
    const [neg, v] = negated(raw);
    const entries = ctx.dynamicLists.has(v) || !ctx.addressLists ? undefined : (ctx.addressLists.get(v) ?? []);
    if (entries === undefined || (chain === 'input' && side === 'to')) {
      m.partial = true;
      continue;
    }
    const set = entries.length === 0 ? new Map<Zone, Degree>() : byAddress(ctx, entries, universe);
    apply(side, neg ? complement(set, universe) : set);
  }
  const addrType = p['dst-address-type'];
  if (addrType !== undefined && addrType !== '') {
    // Forwarded traffic is never addressed to the router; input traffic always is.
    if (addrType === 'local') {
      if (chain === 'forward') m.state = 'never';
    } else if (addrType === '!local') {
      if (chain === 'input') m.state = 'never';
    } else m.partial = true;
  }
  const ipsec = p['ipsec-policy'];
  if (ipsec !== undefined && ipsec !== '') {
    // Zone traffic is not IPsec-protected.
    if (ipsec.endsWith(',ipsec')) m.state = 'never';
    else if (!ipsec.endsWith(',none')) m.partial = true;
  }

  const proto = p.protocol;
  if (proto !== undefined && proto !== '') {
    const [neg, v] = negated(proto);
    if (neg) m.partial = true;
    else {
      const known = PROTOCOLS[v];
      const port = p['dst-port'] ?? p.port;
      if (known && (known === 'tcp' || known === 'udp') && port !== undefined && port !== '') {
        const [pneg, pv] = negated(port);
        if (pneg) {
          m.services = [{ proto: known }];
          m.partial = true;
        } else {
          try {
            m.services = [{ proto: known, ports: parsePorts(pv, `rule ${rule.id} dst-port`) }];
          } catch {
            m.services = [{ proto: known }];
            m.partial = true;
          }
        }
      } else m.services = [{ proto: known ?? 'other' }];
    }
  }

  const cs = p['connection-state'];
  if (cs !== undefined && cs !== '') {
    const [neg, v] = negated(cs);
    const states = v.split(',');
    // Untracked packets are those a raw `notrack` rule exempts; zone traffic is tracked, so only `new` matches.
    const matchesNew = states.includes('new');
    if (neg) m.state = matchesNew ? 'never' : 'new';
    else if (matchesNew) m.state = 'new';
    else if (states.every((s) => s === 'invalid')) m.state = 'invalid';
    else if (states.includes('established') || states.includes('related')) m.state = 'established';
    else m.state = 'never';
  }
  const nat = p['connection-nat-state'];
  if (nat !== undefined && nat !== '') {
    // Zone-level flows are never destination-NATed: `!dstnat` matches them all, `dstnat` none.
    if (nat === 'dstnat' || nat === 'dstnat,srcnat') m.state = 'never';
    else if (nat !== '!dstnat') m.partial = true;
  }

  for (const [key, value] of Object.entries(p)) {
    if (NOT_MATCHERS.has(key) || value === '' || value === 'false') continue;
    if (
      [
        'in-interface', 'in-interface-list', 'out-interface', 'out-interface-list', 'src-address', 'dst-address',
        'src-address-list', 'dst-address-list', 'dst-address-type', 'ipsec-policy', 'protocol', 'dst-port', 'port',
        'connection-state', 'connection-nat-state',
      ].includes(key)
    )
      continue;
    m.partial = true; // any other matcher (src-port, address lists, layer7, limits...) narrows the rule
  }
  return m;
}

function emit(out: IrRule[], rule: RouterFirewallRule, chain: 'forward' | 'input', m: Match, action: 'allow' | 'deny', text: string): void {
  if (m.state === 'never') return;
  const froms: [Zone | 'any', boolean][] = m.from === 'any' ? [['any', false]] : [...m.from].map(([z, d]) => [z, d === 'partial']);
  const tos: [Zone | 'any', boolean][] =
    chain === 'input' ? [['router', false]] : m.to === 'any' ? [['any', false]] : [...m.to].map(([z, d]) => [z, d === 'partial']);
  let n = 0;
  for (const [from, fp] of froms)
    for (const [to, tp] of tos) {
      const partial = m.partial || fp || tp;
      out.push({
        id: froms.length * tos.length === 1 ? rule.id : `${rule.id}#${++n}`,
        chain,
        from,
        to,
        ...(m.services ? { services: m.services } : {}),
        ...(m.state === 'established' || m.state === 'invalid' ? { state: m.state } : {}),
        action,
        ...(partial ? { partial: true } : {}),
        origin: 'router',
        text,
      });
    }
}

function walk(
  ctx: Context,
  byChain: Map<string, RouterFirewallRule[]>,
  name: string,
  base: 'forward' | 'input',
  context: Match,
  stack: string[],
  out: IrRule[],
): void {
  if (stack.includes(name) || stack.length > 8) {
    ctx.notes.push(`chain ${name}: jump loop or nesting too deep (${[...stack, name].join(' -> ')}); not followed`);
    return;
  }
  for (const rule of byChain.get(name) ?? []) {
    if (rule.disabled) continue;
    const m = intersect(context, matchOf(ctx, rule, base));
    const text = rule.comment ?? `${rule.chain} ${rule.action} ${Object.entries(rule.props).map(([k, v]) => `${k}=${v}`).join(' ')}`.trim();
    switch (rule.action) {
      case 'accept':
      case 'fasttrack-connection':
        emit(out, rule, base, m, 'allow', text);
        break;
      case 'drop':
      case 'reject':
      case 'tarpit':
        emit(out, rule, base, m, 'deny', text);
        break;
      case 'jump': {
        const target = rule.props['jump-target'];
        if (target) walk(ctx, byChain, target, base, m, [...stack, name], out);
        else ctx.notes.push(`rule ${rule.id}: jump without a target`);
        break;
      }
      case 'return': {
        const unconditional = m.from === 'any' && m.to === 'any' && !m.services && m.state === 'new' && !m.partial;
        if (stack.length > 0 && unconditional) return;
        if (stack.length > 0) ctx.notes.push(`rule ${rule.id}: a conditional return in chain ${name} is treated as not matching`);
        break;
      }
      default:
        break; // passthrough, log, address-list additions, fasttrack: non-terminal
    }
  }
}

/**
 * Read a router's filter rules (the facts' `filterRules`, any order, managed or not) into the IR.
 * Interfaces map to zones through the declaration's networks and the router's WAN port; addresses
 * through the networks' subnets. RouterOS accepts what no rule drops, so the IR's policy is allow.
 */
export function readRouterRules(
  filterRules: RouterFirewallRule[],
  decl: SchoolDeclaration,
  opts: {
    device?: Device;
    interfaceLists?: Record<string, string[]>;
    /** The router's `/ip/firewall/address-list` entries (the facts' `addressLists`). */
    addressLists?: { list: string; address: string; disabled: boolean }[];
  } = {},
): ZoneIr {
  const zones = zonesOf(decl);
  const ifaces = zoneInterfaces(decl, opts.device ?? policyRouter(decl));
  const ifaceZone = new Map<string, Zone>();
  for (const [z, names] of Object.entries(ifaces)) for (const n of names ?? []) ifaceZone.set(n, z as Zone);
  const networks = decl.networks.flatMap((n) => {
    const range = parseRange(n.subnet);
    return range ? [{ zone: n.role as Zone, range }] : [];
  });
  let addressLists: Map<string, string[]> | undefined;
  if (opts.addressLists) {
    addressLists = new Map();
    for (const e of opts.addressLists) if (!e.disabled) addressLists.set(e.list, [...(addressLists.get(e.list) ?? []), e.address]);
  }
  const dynamicLists = new Set(
    filterRules.filter((r) => r.action.startsWith('add-') && r.props['address-list']).map((r) => r.props['address-list']!),
  );
  const ctx: Context = { zones, ifaceZone, lists: opts.interfaceLists ?? {}, addressLists, dynamicLists, networks, notes: [] };
  const byChain = new Map<string, RouterFirewallRule[]>();
  for (const r of [...filterRules].sort((a, b) => a.order - b.order)) byChain.set(r.chain, [...(byChain.get(r.chain) ?? []), r]);
  const rules: IrRule[] = [];
  for (const chain of ['forward', 'input'] as const) walk(ctx, byChain, chain, chain, ANY, [], rules);
  return { zones, rules, policy: { forward: 'allow', input: 'allow' }, notes: [...new Set(ctx.notes)] };
}
