/**
 * Which path the API session arrives on, and whether the router's configuration still lets it through:
 * the model behind "never lock a school out". A management path is a client address reaching the router's
 * management address through one physical port, untagged or tagged with a VLAN. The router lets a packet
 * through when, in order (manual: Bridging and Switching, "Bridge VLAN Filtering"; Filter; Services):
 *
 * 1. the management address exists on an enabled interface;
 * 2. the frame gets from the port to that interface: when the port is a bridge port and the bridge filters
 *    VLANs, the port's frame-types admit it (untagged frames take the port's PVID), ingress filtering finds
 *    the port a member of the VLAN (static entries, or the dynamic entry every PVID gets), and the bridge
 *    itself is a member: tagged for a VLAN interface on the bridge, untagged (its PVID, frame-types not
 *    admit-only-vlan-tagged) for an address on the bridge itself; without filtering the bridge passes the
 *    frame as it is;
 * 3. the input chain of /ip/firewall/filter accepts it (the first matching accept/drop/reject decides;
 *    an established session is `established`, a new one `new`);
 * 4. the API service (`api` or `api-ssl`) is enabled and its `address`/`available-from` allows the client.
 *
 * Every matcher a filter rule has is answered yes, no or "maybe" (matcherMatches): the addresses and
 * address lists, protocol and ports, interfaces and interface lists (members, include/exclude, built-ins), bridge ports, connection state and
 * NAT state are decided; what needs traffic the model does not have (rates, limits, content, time, marks)
 * and any matcher it does not know are "maybe", which counts as matching for a drop and as not matching
 * for an accept. So an unknown rule can make the path look cut, never open: a provider that changes the
 * input chain must do it under commit-confirm.
 */
import type { RouterConfig, Row } from './types.ts';

export interface ManagementPath {
  /** The physical port the client's frames enter (`ether2`). */
  port: string;
  /** The VLAN they carry, or untagged when omitted. */
  vlan?: number;
  /** The router's management address (without prefix length), e.g. `10.10.99.1`. */
  routerAddress: string;
  /** The client's (the provisioner's) address. */
  client: string;
}

const truthy = (v: string | undefined): boolean => v === 'true' || v === 'yes';

function ipToInt(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  return ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
}

/** Whether `ip` is in one of `list` (`10.0.0.0/8,192.0.2.5`, `a.b.c.d-e.f.g.h`); empty list: everything. */
export function inAddressList(ip: string, list: string | undefined): boolean {
  if (list === undefined || list === '') return true;
  const x = ipToInt(ip);
  if (x === undefined) return false;
  return list.split(',').some((part) => {
    const p = part.trim();
    if (p === '0.0.0.0/0' || p === '::/0') return true;
    const range = /^([\d.]+)-([\d.]+)$/.exec(p);
    if (range) {
      const a = ipToInt(range[1] as string);
      const b = ipToInt(range[2] as string);
      return a !== undefined && b !== undefined && x >= a && x <= b;
    }
    const [addr, bitsText] = p.split('/');
    const base = ipToInt(addr ?? '');
    if (base === undefined) return false;
    const bits = bitsText === undefined ? 32 : Number(bitsText);
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    return (x & mask) >>> 0 === (base & mask) >>> 0;
  });
}

function inPorts(port: number, spec: string): boolean {
  return spec.split(',').some((p) => {
    const [a, b] = p.split('-').map(Number);
    return a !== undefined && port >= a && port <= (b ?? a);
  });
}

/** The VLAN memberships a filtering bridge uses: static entries plus the dynamic ones for PVIDs. */
export function vlanMembers(
  rows: Row[],
  bridge: string,
  ports: Row[],
  bridgeRow: Row,
): Map<number, { tagged: Set<string>; untagged: Set<string> }> {
  const out = new Map<number, { tagged: Set<string>; untagged: Set<string> }>();
  const entry = (vid: number) => {
    let e = out.get(vid);
    if (!e) out.set(vid, (e = { tagged: new Set(), untagged: new Set() }));
    return e;
  };
  for (const r of rows) {
    if (r.bridge !== bridge || truthy(r.disabled)) continue;
    for (const vid of expandVlanIds(r['vlan-ids'] ?? '')) {
      const e = entry(vid);
      for (const t of (r.tagged ?? '').split(',')) if (t) e.tagged.add(t);
      for (const u of (r.untagged ?? '').split(',')) if (u) e.untagged.add(u);
    }
  }
  // Dynamic untagged membership for every PVID in use (manual: Bridge VLAN Table).
  for (const p of ports) {
    if (p.bridge !== bridge || truthy(p.disabled)) continue;
    if (p['frame-types'] === 'admit-only-vlan-tagged') continue;
    const e = entry(Number(p.pvid ?? '1'));
    if (!e.tagged.has(p.interface ?? '')) e.untagged.add(p.interface ?? '');
  }
  if (bridgeRow['frame-types'] !== 'admit-only-vlan-tagged') {
    const e = entry(Number(bridgeRow.pvid ?? '1'));
    if (!e.tagged.has(bridge)) e.untagged.add(bridge);
  }
  return out;
}

export function expandVlanIds(v: string): number[] {
  const out: number[] = [];
  for (const part of v.split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || Number.isNaN(a)) continue;
    for (let x = a; x <= (b ?? a); x++) out.push(x);
  }
  return out;
}

/** Why the path is cut, or undefined when the API answers over it. */
export function pathProblem(
  config: RouterConfig,
  path: ManagementPath,
  opts: { state: 'new' | 'established'; service: 'api' | 'api-ssl'; apiPort: number; serviceKey: string },
): string | undefined {
  const m = config.menus;
  const address = (m['/ip/address'] ?? []).find(
    (a) => (a.address ?? '').split('/')[0] === path.routerAddress && !truthy(a.disabled),
  );
  if (!address) return `no enabled address ${path.routerAddress}`;
  const target = address.interface ?? '';
  const vlanIf = (m['/interface/vlan'] ?? []).find((v) => v.name === target);
  if (vlanIf && truthy(vlanIf.disabled)) return `interface ${target} is disabled`;
  const bridges = m['/interface/bridge'] ?? [];
  const port = (m['/interface/bridge/port'] ?? []).find(
    (p) => p.interface === path.port && !truthy(p.disabled),
  );
  if (port === undefined) {
    // The port is routed: the address must sit on the port itself (or a VLAN interface on it).
    const ok = vlanIf
      ? vlanIf.interface === path.port && Number(vlanIf['vlan-id']) === path.vlan
      : target === path.port && path.vlan === undefined;
    if (!ok) return `frames on ${path.port} do not reach ${target}`;
  } else {
    const bridgeName = port.bridge ?? '';
    const bridge = bridges.find((b) => b.name === bridgeName);
    if (!bridge || truthy(bridge.disabled)) return `bridge ${bridgeName} is missing or disabled`;
    const tagged = path.vlan !== undefined;
    let vid = path.vlan;
    if (truthy(bridge['vlan-filtering'])) {
      const ft = port['frame-types'] ?? 'admit-all';
      if (tagged && ft === 'admit-only-untagged-and-priority-tagged')
        return `${path.port} admits only untagged frames`;
      if (!tagged && ft === 'admit-only-vlan-tagged') return `${path.port} admits only VLAN-tagged frames`;
      vid = tagged ? path.vlan : Number(port.pvid ?? '1');
      const members = vlanMembers(
        m['/interface/bridge/vlan'] ?? [],
        bridgeName,
        m['/interface/bridge/port'] ?? [],
        bridge,
      );
      const e = members.get(vid as number);
      const ingress = port['ingress-filtering'] === undefined || truthy(port['ingress-filtering']);
      const portMember = e !== undefined && (e.tagged.has(path.port) || e.untagged.has(path.port));
      if (ingress && !portMember) return `${path.port} is not a member of VLAN ${vid} (ingress filtering)`;
      const toCpuTagged = e?.tagged.has(bridgeName) === true;
      const toCpuUntagged = e?.untagged.has(bridgeName) === true;
      if (vlanIf) {
        if (vlanIf.interface !== bridgeName || Number(vlanIf['vlan-id']) !== vid)
          return `VLAN ${vid} frames do not reach ${target}`;
        if (!toCpuTagged) return `the bridge ${bridgeName} is not tagged in VLAN ${vid}`;
      } else {
        if (target !== bridgeName) return `frames on ${path.port} do not reach ${target}`;
        if (!toCpuUntagged) return `the bridge ${bridgeName} does not take VLAN ${vid} untagged`;
      }
    } else if (vlanIf) {
      if (vlanIf.interface !== bridgeName || Number(vlanIf['vlan-id']) !== vid)
        return `frames on ${path.port} do not reach ${target}`;
    } else if (tagged || target !== bridgeName) return `frames on ${path.port} do not reach ${target}`;
  }

  // The input chain.
  const cut = inputChainProblem(m['/ip/firewall/filter'] ?? [], {
    ...path,
    inInterface: target,
    bridgePort: port === undefined ? undefined : path.port,
    state: opts.state,
    apiPort: opts.apiPort,
    routerAddresses: (m['/ip/address'] ?? []).map((a) => (a.address ?? '').split('/')[0] ?? ''),
    lists: m['/ip/firewall/address-list'] ?? [],
    interfaceLists: m['/interface/list'] ?? [],
    interfaceListMembers: m['/interface/list/member'] ?? [],
  });
  if (cut !== undefined) return cut;

  const service = (m['/ip/service'] ?? []).find((s) => s.name === opts.service && s.connection !== 'true');
  if (!service || truthy(service.disabled)) return `service ${opts.service} is disabled`;
  if (!inAddressList(path.client, service[opts.serviceKey]))
    return `service ${opts.service} is not available from ${path.client}`;
  return undefined;
}

/** One API packet as the input chain sees it. */
interface Packet extends ManagementPath {
  /** The interface the router's address is on (the VLAN interface, the bridge, or the port). */
  inInterface: string;
  /** The physical port when the frame came in through a bridge (in-bridge-port), else undefined. */
  bridgePort: string | undefined;
  state: 'new' | 'established';
  apiPort: number;
  routerAddresses: string[];
  lists: Row[];
  /** /interface/list (name, include, exclude) and /interface/list/member (list, interface). */
  interfaceLists: Row[];
  interfaceListMembers: Row[];
}

/**
 * Whether interface list `name` holds `iface` (manual: Interface Lists). The built-in lists: `all` holds
 * every interface, `none` none, `static` every configured one (the management address's interface is one),
 * `dynamic` those made at run time (PPP, VPN). A list holds its members, and the members of the lists it
 * `include`s, less those of the lists it `exclude`s. A list the router does not have cannot be named by a
 * rule on a real router: the model cannot tell.
 */
function interfaceListHas(pkt: Packet, name: string, iface: string, depth: number): Match {
  if (name === 'all' || name === 'static') return 'yes';
  if (name === 'none' || name === 'dynamic') return 'no';
  const list = pkt.interfaceLists.find((l) => l.name === name);
  if (list === undefined || depth > 8) return 'maybe';
  const names = (v: string | undefined) => (v ?? '').split(',').filter((x) => x !== '');
  const member = pkt.interfaceListMembers.some(
    (r) => r.list === name && r.interface === iface && !truthy(r.disabled),
  );
  let held: Match = member ? 'yes' : 'no';
  for (const inc of names(list.include)) {
    if (held === 'yes') break;
    const m = interfaceListHas(pkt, inc, iface, depth + 1);
    if (m !== 'no') held = m;
  }
  if (held === 'no') return 'no';
  for (const exc of names(list.exclude)) {
    const m = interfaceListHas(pkt, exc, iface, depth + 1);
    if (m === 'yes') return 'no';
    if (m === 'maybe') held = 'maybe';
  }
  return held;
}

/** A matcher's answer: the packet matches, does not, or the model cannot tell. */
type Match = 'yes' | 'no' | 'maybe';

/** Printed with every rule (or telling what to do): not what it matches. */
const NOT_MATCHERS = new Set([
  '.id',
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
  'new-connection-mark',
  'new-packet-mark',
  'new-routing-mark',
  'passthrough',
  'hw-offload',
  'place-before',
]);

/** The API's own source port is an ephemeral one: any range inside 1024-65535 may hold it. */
function sourcePort(spec: string): Match {
  const ranges = spec.split(',').map((p) => p.split('-').map(Number));
  if (ranges.some(([a, b]) => a !== undefined && a <= 1024 && (b ?? a) >= 65535)) return 'yes';
  return 'maybe';
}

function inList(lists: Row[], name: string, ip: string): boolean {
  return lists.some((l) => l.list === name && !truthy(l.disabled) && inAddressList(ip, l.address));
}

/**
 * What one matcher says about the API packet (manual: Filter, "Properties"). A matcher the model does
 * not know, or cannot decide without traffic it does not model (rates, limits, marks, content, time),
 * says `maybe`: the caller treats that as matching for a drop and as not matching for an accept, so an
 * unknown rule can only make the path look cut, never open (the change has to go under commit-confirm).
 */
export function matcherMatches(key: string, value: string, pkt: Packet): Match {
  const tri = (b: boolean): Match => (b ? 'yes' : 'no');
  switch (key) {
    case 'src-address':
      return tri(inAddressList(pkt.client, value));
    case 'dst-address':
      return tri(inAddressList(pkt.routerAddress, value));
    case 'src-address-list':
      return tri(inList(pkt.lists, value, pkt.client));
    case 'dst-address-list':
      return tri(inList(pkt.lists, value, pkt.routerAddress));
    case 'src-address-type':
      // unicast; `local` only when the provisioner is the router itself.
      return tri(value === 'unicast' || (value === 'local' && pkt.routerAddresses.includes(pkt.client)));
    case 'dst-address-type':
      // The router's own unicast address: local and unicast.
      return tri(value === 'local' || value === 'unicast');
    case 'protocol':
      return tri(value === 'tcp' || value === '6');
    case 'dst-port':
      return tri(inPorts(pkt.apiPort, value));
    case 'src-port':
      return sourcePort(value);
    case 'port':
      // Either port: the API port decides when listed; otherwise the source port might be in it.
      return inPorts(pkt.apiPort, value) ? 'yes' : sourcePort(value) === 'yes' ? 'yes' : 'maybe';
    case 'in-interface':
      return tri(value === pkt.inInterface || value === 'all');
    case 'in-interface-list':
      return interfaceListHas(pkt, value, pkt.inInterface, 0);
    case 'out-interface':
    case 'out-interface-list':
    case 'out-bridge-port':
    case 'out-bridge-port-list':
      // Input packets have no out-interface (manual: Filter, out-interface "valid only in forward, output
      // and postrouting"): such a matcher never matches in the input chain.
      return 'no';
    case 'in-bridge-port':
      return tri(pkt.bridgePort !== undefined && value === pkt.bridgePort);
    case 'connection-state':
      return tri(value.split(',').includes(pkt.state));
    case 'connection-nat-state':
      // The provisioner talks to the router's own address: no srcnat or dstnat on the connection.
      return 'no';
    case 'connection-type':
      // Set by connection tracking helpers (ftp, sip, pptp...); the API has none.
      return 'no';
    case 'icmp-options':
      return 'no';
    case 'connection-mark':
    case 'packet-mark':
    case 'routing-mark':
      // Marks come from mangle rules the model does not run; `no-mark` is what an unmarked packet has.
      return value === 'no-mark' ? 'yes' : 'maybe';
    default:
      return 'maybe';
  }
}

/** Whether a rule matches: all matchers must (a negated one with `!`); `maybe` when any cannot tell. */
function ruleMatch(rule: Row, pkt: Packet): Match {
  let result: Match = 'yes';
  for (const [k, raw] of Object.entries(rule)) {
    if (raw === '' || raw === undefined || NOT_MATCHERS.has(k)) continue;
    const neg = raw.startsWith('!');
    const m = matcherMatches(k, neg ? raw.slice(1) : raw, pkt);
    const effective: Match = m === 'maybe' ? 'maybe' : (m === 'yes') !== neg ? 'yes' : 'no';
    if (effective === 'no') return 'no';
    if (effective === 'maybe') result = 'maybe';
  }
  return result;
}

type Verdict = { kind: 'accept' } | { kind: 'cut'; why: string } | { kind: 'return' } | { kind: 'end' };

/**
 * Runs a chain for the API packet (manual: Filter: rules from top to bottom, the first accept/drop/
 * reject/tarpit decides; `jump` enters `jump-target` and comes back on `return` or at its end; `log`,
 * `passthrough` and the address-list actions go on). A drop-like rule that may match cuts; an accept
 * that may match does not count.
 */
function runChain(rules: Row[], chain: string, pkt: Packet, depth: number): Verdict {
  if (depth > 16) return { kind: 'cut', why: `jump loop through chain ${chain}` };
  for (const rule of rules) {
    if (rule.chain !== chain || truthy(rule.disabled) || truthy(rule.invalid)) continue;
    const action = rule.action ?? 'accept';
    const m = ruleMatch(rule, pkt);
    if (m === 'no') continue;
    const name = `input rule ${rule['.id'] ?? ''} (${rule.comment ?? action})`;
    switch (action) {
      case 'accept':
        if (m === 'yes') return { kind: 'accept' };
        continue;
      case 'drop':
      case 'reject':
      case 'tarpit':
        return {
          kind: 'cut',
          why: `${name} ${m === 'yes' ? '' : 'may '}${action}${m === 'yes' ? 's' : ''} ${pkt.state} API packets`,
        };
      case 'return':
        if (m === 'yes') return { kind: 'return' };
        continue;
      case 'jump': {
        const inner = runChain(rules, rule['jump-target'] ?? '', pkt, depth + 1);
        if (inner.kind === 'cut') return inner;
        if (inner.kind === 'accept' && m === 'yes') return inner;
        continue;
      }
      default:
        continue;
    }
  }
  return { kind: 'end' };
}

/** Why the input chain stops the API packet, or undefined when it lets it through (the policy is accept). */
function inputChainProblem(rules: Row[], pkt: Packet): string | undefined {
  const v = runChain(rules, 'input', pkt, 0);
  return v.kind === 'cut' ? v.why : undefined;
}
