/**
 * RouterOS `/ip/firewall/filter` rules read back into the zone IR: `readRouterRules` reads ANY rule list
 * (managed or not, in table order, disabled rules skipped, jumps followed) so that `reachability` can
 * judge what a live router really allows. Compiling the IR to rules is `zones-routeros.ts`.
 */
import type { RouterFirewallRule } from '../devices/facts.ts';
import type { Device, SchoolDeclaration } from '../inventory/types.ts';
import { isPrivate, parseRange, rangeContains, rangesOverlap, type Ipv4Range } from './ip.ts';
import {
  parsePorts,
  policyRouter,
  zonesOf,
  type IrRule,
  type Service,
  type Zone,
  type ZoneIr,
} from './zones.ts';

/** A zone as the reader sees it: the interfaces its traffic enters by, and its addresses. */
export interface ZoneSpec {
  name: Zone;
  /** VLAN interface names, or the WAN port for the internet. */
  interfaces: string[];
  /** Its subnets (ignored for the internet, which is every public address). */
  subnets: string[];
  internet?: boolean;
}

/** The declaration's zones: one per network role (all its networks together), and the internet. */
export function zoneSpecsOf(decl: SchoolDeclaration, device?: Device): ZoneSpec[] {
  const specs: ZoneSpec[] = [];
  for (const n of decl.networks) {
    const z = specs.find((x) => x.name === n.role);
    if (z) {
      z.interfaces.push(n.name);
      z.subnets.push(n.subnet);
    } else specs.push({ name: n.role, interfaces: [n.name], subnets: [n.subnet] });
  }
  specs.push({ name: 'internet', interfaces: [device?.wan ?? 'ether1'], subnets: [], internet: true });
  return specs;
}

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
  '.id',
  '.nextid',
  '.dead',
  '.about',
  'id',
  'chain',
  'action',
  'comment',
  'disabled',
  'dynamic',
  'invalid',
  'log',
  'log-prefix',
  'bytes',
  'packets',
  'jump-target',
  'reject-with',
  'address-list',
  'address-list-timeout',
  'place-before',
  'hw-offload',
  'to-addresses',
  'to-ports',
  'new-connection-mark',
  'new-packet-mark',
  'new-routing-mark',
  'passthrough',
]);

const MODELLED = new Set([
  'in-interface',
  'in-interface-list',
  'out-interface',
  'out-interface-list',
  'src-address',
  'dst-address',
  'src-address-list',
  'dst-address-list',
  'dst-address-type',
  'ipsec-policy',
  'protocol',
  'dst-port',
  'port',
  'connection-state',
  'connection-nat-state',
]);

interface Context {
  specs: ZoneSpec[];
  router: Zone;
  sources: Zone[];
  ifaceZone: Map<string, Zone>;
  lists: Record<string, string[]>;
  /** Static address-list entries by list (undefined: the router's lists were not given). */
  addressLists: Map<string, string[]> | undefined;
  /** Lists some rule fills at run time (add-src-to-address-list): their content is unknown. */
  dynamicLists: Set<string>;
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

/** Each zone's degree of membership when its interfaces are tested against a set of names. */
function byInterfaces(ctx: Context, names: string[], universe: Zone[]): Map<Zone, Degree> {
  const m = new Map<Zone, Degree>();
  for (const z of universe) {
    const spec = ctx.specs.find((s) => s.name === z);
    if (!spec || spec.interfaces.length === 0) continue;
    const inside = spec.interfaces.filter((i) => names.includes(i)).length;
    if (inside === spec.interfaces.length) m.set(z, 'full');
    else if (inside > 0) m.set(z, 'partial');
  }
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
    const spec = ctx.specs.find((s) => s.name === z);
    if (!spec) continue;
    if (spec.internet) {
      // The internet is every public address: a private range never reaches it, 0.0.0.0/0 is all of it.
      if (rs.some((r) => r.first === 0 && r.last === 0xffffffff)) m.set(z, 'full');
      else if (!rs.every(isPrivate)) m.set(z, 'partial');
      continue;
    }
    const nets = spec.subnets.map((x) => parseRange(x));
    if (nets.length === 0 || nets.some((n) => n === undefined)) {
      m.set(z, 'partial');
      continue;
    }
    const full = (nets as Ipv4Range[]).every((n) => rs.some((r) => rangeContains(r, n)));
    if (full) m.set(z, 'full');
    else if ((nets as Ipv4Range[]).some((n) => rs.some((r) => rangesOverlap(r, n)))) m.set(z, 'partial');
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
        for (const [b1, b2] of t.ports)
          if (Math.max(a1, b1) <= Math.min(a2, b2)) ports.push([Math.max(a1, b1), Math.min(a2, b2)]);
      if (ports.length > 0) out.push({ proto: s.proto, ports });
    }
  return out;
}

function intersectState(a: State, b: State): State {
  if (a === 'never' || b === 'never') return 'never';
  if (a === 'new') return b;
  if (b === 'new') return a;
  return a === b ? a : 'never';
}

function intersect(a: Match, b: Match): Match {
  const services = intersectServices(a.services, b.services);
  return {
    from: intersectZones(a.from, b.from),
    to: intersectZones(a.to, b.to),
    services,
    state: services !== undefined && services.length === 0 ? 'never' : intersectState(a.state, b.state),
    partial: a.partial || b.partial,
  };
}

const PROTOCOLS: Record<string, string> = {
  '6': 'tcp',
  '17': 'udp',
  '1': 'icmp',
  '47': 'gre',
  '50': 'ipsec-esp',
  '51': 'ipsec-ah',
};

/** One rule's matchers at zone level. */
function matchOf(ctx: Context, rule: RouterFirewallRule, chain: 'forward' | 'input'): Match {
  const p = rule.props;
  const m: Match = { ...ANY };
  const targets = chain === 'input' ? [ctx.router] : ctx.sources;
  const zoneProp = (key: string, universe: Zone[], list: boolean): ZoneMatch | undefined => {
    const raw = p[key];
    if (raw === undefined || raw === '') return undefined;
    const [neg, v] = negated(raw);
    let set: Map<Zone, Degree>;
    if (list) {
      if (v === 'all') set = new Map(universe.map((z) => [z, 'full' as Degree]));
      else if (v === 'none') set = new Map();
      else if (ctx.lists[v]) set = byInterfaces(ctx, ctx.lists[v], universe);
      else {
        ctx.notes.push(
          `rule ${rule.id}: interface list ${v} is unknown; its members are assumed partly in every zone`,
        );
        return new Map(universe.map((z) => [z, 'partial' as Degree]));
      }
    } else {
      set = byInterfaces(ctx, [v], universe);
      if (!ctx.ifaceZone.has(v) && !v.includes('*'))
        ctx.notes.push(
          `rule ${rule.id}: ${key} ${v} is not a declared network or the WAN: no zone's traffic enters by it`,
        );
      if (v.includes('*')) return new Map(universe.map((z) => [z, 'partial' as Degree]));
    }
    return neg ? complement(set, universe) : set;
  };
  const apply = (side: 'from' | 'to', zm: ZoneMatch | undefined) => {
    if (zm !== undefined) m[side] = intersectZones(m[side], zm);
  };

  apply('from', zoneProp('in-interface', ctx.sources, false));
  apply('from', zoneProp('in-interface-list', ctx.sources, true));
  if (chain === 'forward') {
    apply('to', zoneProp('out-interface', targets, false));
    apply('to', zoneProp('out-interface-list', targets, true));
  }
  for (const [key, side, universe] of [
    ['src-address', 'from', ctx.sources],
    ['dst-address', 'to', targets],
  ] as const) {
    const raw = p[key];
    if (raw === undefined || raw === '') continue;
    if (chain === 'input' && side === 'to' && !ctx.specs.some((s) => s.name === ctx.router)) {
      m.partial = true; // which of the router's own addresses: unknown without them
      continue;
    }
    const [neg, v] = negated(raw);
    const set = byAddress(ctx, v, universe);
    apply(side, neg ? complement(set, universe) : set);
  }
  for (const [key, side, universe] of [
    ['src-address-list', 'from', ctx.sources],
    ['dst-address-list', 'to', targets],
  ] as const) {
    const raw = p[key];
    if (raw === undefined || raw === '') continue;
    const [neg, v] = negated(raw);
    const entries =
      ctx.dynamicLists.has(v) || !ctx.addressLists ? undefined : (ctx.addressLists.get(v) ?? []);
    if (
      entries === undefined ||
      (chain === 'input' && side === 'to' && !ctx.specs.some((s) => s.name === ctx.router))
    ) {
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
      const name = PROTOCOLS[v] ?? v;
      const port = p['dst-port'] ?? p.port;
      if ((name === 'tcp' || name === 'udp') && port !== undefined && port !== '') {
        const [pneg, pv] = negated(port);
        if (pneg) {
          m.services = [{ proto: name }];
          m.partial = true;
        } else {
          try {
            m.services = [{ proto: name, ports: parsePorts(pv, `rule ${rule.id} dst-port`) }];
          } catch {
            m.services = [{ proto: name }];
            m.partial = true;
          }
        }
      } else m.services = [{ proto: name }];
    }
  } else if ((p['dst-port'] ?? p.port ?? '') !== '') {
    // A port without a protocol (RouterOS refuses it, but facts may carry it): tcp or udp.
    try {
      const ports = parsePorts(negated(p['dst-port'] ?? p.port ?? '')[1], `rule ${rule.id} dst-port`);
      m.services = [
        { proto: 'tcp', ports },
        { proto: 'udp', ports },
      ];
    } catch {
      m.partial = true;
    }
  }

  const cs = p['connection-state'];
  if (cs !== undefined && cs !== '') {
    const [neg, v] = negated(cs);
    const states = v.split(',');
    // Untracked packets are those a raw `notrack` rule exempts; zone traffic is tracked, so only `new` matches.
    const matchesNew = states.includes('new');
    if (neg) m.state = intersectState(m.state, matchesNew ? 'never' : 'new');
    else if (matchesNew) void 0;
    else if (states.every((s) => s === 'invalid')) m.state = intersectState(m.state, 'invalid');
    else if (states.includes('established') || states.includes('related'))
      m.state = intersectState(m.state, 'established');
    else m.state = 'never';
  }
  const nat = p['connection-nat-state'];
  if (nat !== undefined && nat !== '') {
    // Zone-level flows are never destination-NATed: `!dstnat` matches them all, `dstnat` none.
    if (nat === 'dstnat' || nat === 'dstnat,srcnat' || nat === 'srcnat,dstnat') m.state = 'never';
    else if (nat !== '!dstnat') m.partial = true;
  }

  for (const [key, value] of Object.entries(p)) {
    if (NOT_MATCHERS.has(key) || MODELLED.has(key) || value === '' || value === 'false') continue;
    m.partial = true; // any other matcher (src-port, time, layer7, limits...) narrows the rule
  }
  return m;
}

/** Which parts of a concrete zone pair a `return` sent back: none, some services, all, or unknown. */
function excluded(
  ex: Match,
  from: Zone,
  to: Zone,
): { all: boolean; services: Service[]; partial: boolean } | undefined {
  if (ex.state !== 'new') return undefined;
  const f = ex.from === 'any' ? 'full' : ex.from.get(from);
  const t = ex.to === 'any' ? 'full' : ex.to.get(to);
  if (!f || !t) return undefined;
  if (ex.partial || f === 'partial' || t === 'partial') return { all: false, services: [], partial: true };
  return ex.services
    ? { all: false, services: ex.services, partial: false }
    : { all: true, services: [], partial: false };
}

function emit(
  ctx: Context,
  out: IrRule[],
  rule: RouterFirewallRule,
  chain: 'forward' | 'input',
  m: Match,
  action: 'allow' | 'deny',
  exclusions: Match[],
): void {
  if (m.state === 'never') return;
  const concrete = exclusions.length > 0;
  const froms: [Zone | 'any', boolean][] =
    m.from === 'any'
      ? concrete
        ? ctx.sources.map((z) => [z, false])
        : [['any', false]]
      : [...m.from].map(([z, d]) => [z, d === 'partial']);
  const tos: [Zone | 'any', boolean][] =
    chain === 'input'
      ? m.to === 'any'
        ? [[ctx.router, false]]
        : m.to.has(ctx.router)
          ? [[ctx.router, m.to.get(ctx.router) === 'partial']]
          : []
      : m.to === 'any'
        ? concrete
          ? ctx.sources.map((z) => [z, false])
          : [['any', false]]
        : [...m.to].map(([z, d]) => [z, d === 'partial']);
  const text =
    rule.comment ??
    `${rule.chain} ${rule.action} ${Object.entries(rule.props)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ')}`.trim();
  const source = {
    id: rule.id,
    order: rule.order,
    action: rule.action,
    ...(rule.comment ? { comment: rule.comment } : {}),
  };
  let n = 0;
  const total = froms.length * tos.length;
  for (const [from, fp] of froms)
    for (const [to, tp] of tos) {
      let partial = m.partial || fp || tp;
      const except: Service[] = [];
      let skip = false;
      for (const ex of exclusions) {
        const e = from === 'any' || to === 'any' ? undefined : excluded(ex, from, to);
        if (!e) continue;
        if (e.all) skip = true;
        except.push(...e.services);
        partial ||= e.partial;
      }
      n++;
      if (skip) continue;
      out.push({
        id: total === 1 ? rule.id : `${rule.id}#${n}`,
        chain,
        from,
        to,
        ...(m.services ? { services: m.services } : {}),
        ...(except.length > 0 ? { except } : {}),
        ...(m.state === 'established' || m.state === 'invalid' ? { state: m.state } : {}),
        action,
        ...(partial ? { partial: true } : {}),
        origin: 'router',
        text,
        source,
      });
    }
}

function isAny(m: Match): boolean {
  return m.from === 'any' && m.to === 'any' && !m.services && m.state === 'new' && !m.partial;
}

/**
 * Walk one chain in order, inlining jumps with the jump rule's matchers. A `return` hands the packets
 * it matches back to the caller: the rest of this chain gets them as exclusions.
 */
function walk(
  ctx: Context,
  byChain: Map<string, RouterFirewallRule[]>,
  name: string,
  base: 'forward' | 'input',
  context: Match,
  inherited: Match[],
  stack: string[],
  out: IrRule[],
): void {
  if (stack.includes(name) || stack.length > 16) {
    ctx.notes.push(
      `chain ${name}: jump loop or nesting too deep (${[...stack, name].join(' -> ')}); not followed`,
    );
    // On the safe side: whatever reaches a loop may be accepted.
    emit(
      ctx,
      out,
      { id: `loop:${name}`, chain: name, action: 'accept', props: {}, disabled: false, order: -1 },
      base,
      { ...context, partial: true },
      'allow',
      inherited,
    );
    return;
  }
  const exclusions = [...inherited];
  for (const rule of byChain.get(name) ?? []) {
    if (rule.disabled) continue;
    const own = matchOf(ctx, rule, base);
    const m = intersect(context, own);
    switch (rule.action) {
      case 'accept':
      case 'fasttrack-connection':
        emit(ctx, out, rule, base, m, 'allow', exclusions);
        break;
      case 'drop':
      case 'reject':
      case 'tarpit':
        emit(ctx, out, rule, base, m, 'deny', exclusions);
        break;
      case 'jump': {
        const target = rule.props['jump-target'];
        if (target) walk(ctx, byChain, target, base, m, exclusions, [...stack, name], out);
        else ctx.notes.push(`rule ${rule.id}: jump without a target`);
        break;
      }
      case 'return': {
        if (stack.length === 0) {
          // A return in a built-in chain ends it: the chain's policy (accept) decides.
          emit(ctx, out, rule, base, m, 'allow', exclusions);
          if (isAny(own)) return;
          break;
        }
        if (isAny(own)) return;
        exclusions.push(m);
        break;
      }
      default:
        break; // passthrough, log, address-list additions, marks: non-terminal
    }
  }
}

/**
 * Read any filter table (the facts' `filterRules`: managed or not, in `order`, disabled rules skipped,
 * jumps followed) into the IR over the given zones. Interfaces map to zones through `specs`,
 * addresses through their subnets; the input chain's destination is the `router` zone. RouterOS accepts
 * what no rule drops, so the IR's policy is allow.
 */
export function readRules(
  filterRules: readonly RouterFirewallRule[],
  specs: ZoneSpec[],
  opts: {
    interfaceLists?: Readonly<Record<string, readonly string[]>>;
    /** The router's `/ip/firewall/address-list` entries (the facts' `addressLists`). */
    addressLists?: readonly { list: string; address: string; disabled: boolean }[];
    /** Name of the zone that stands for the router itself (input chain). Default `router`. */
    router?: Zone;
  } = {},
): ZoneIr {
  const router = opts.router ?? 'router';
  const sources = specs.map((s) => s.name).filter((z) => z !== router);
  const ifaceZone = new Map<string, Zone>();
  for (const s of specs) for (const i of s.interfaces) ifaceZone.set(i, s.name);
  let addressLists: Map<string, string[]> | undefined;
  if (opts.addressLists) {
    addressLists = new Map();
    for (const e of opts.addressLists)
      if (!e.disabled) addressLists.set(e.list, [...(addressLists.get(e.list) ?? []), e.address]);
  }
  const enabled = [...filterRules].filter((r) => !r.disabled).sort((a, b) => a.order - b.order);
  const dynamicLists = new Set(
    enabled
      .filter((r) => r.action.startsWith('add-') && r.props['address-list'])
      .map((r) => r.props['address-list']!),
  );
  const lists = Object.fromEntries(Object.entries(opts.interfaceLists ?? {}).map(([k, v]) => [k, [...v]]));
  const ctx: Context = { specs, router, sources, ifaceZone, lists, addressLists, dynamicLists, notes: [] };
  const byChain = new Map<string, RouterFirewallRule[]>();
  for (const r of enabled) byChain.set(r.chain, [...(byChain.get(r.chain) ?? []), r]);
  const rules: IrRule[] = [];
  for (const chain of ['forward', 'input'] as const) walk(ctx, byChain, chain, chain, ANY, [], [], rules);
  return {
    zones: [...sources, router],
    rules,
    policy: { forward: 'allow', input: 'allow' },
    notes: [...new Set(ctx.notes)],
    router,
  };
}

/** Read a router's filter rules into the IR over the declaration's zones (see `readRules`). */
export function readRouterRules(
  filterRules: readonly RouterFirewallRule[],
  decl: SchoolDeclaration,
  opts: {
    device?: Device;
    interfaceLists?: Readonly<Record<string, readonly string[]>>;
    addressLists?: readonly { list: string; address: string; disabled: boolean }[];
  } = {},
): ZoneIr {
  const specs = zoneSpecsOf(decl, opts.device ?? policyRouter(decl));
  const ir = readRules(filterRules, specs, opts);
  // Keep the declaration's zone order (roles as declared, then internet, then the router).
  return { ...ir, zones: zonesOf(decl) };
}
