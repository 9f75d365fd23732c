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
 * This is a model of the documented behaviour, not of every matcher: a filter rule using a matcher it does
 * not know never matches (so an unknown rule cannot make the path look cut).
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
  const lists = m['/ip/firewall/address-list'] ?? [];
  for (const rule of m['/ip/firewall/filter'] ?? []) {
    if (rule.chain !== 'input' || truthy(rule.disabled)) continue;
    const action = rule.action ?? 'accept';
    if (!['accept', 'drop', 'reject', 'tarpit'].includes(action)) continue;
    if (!ruleMatches(rule, { ...path, inInterface: target, state: opts.state, apiPort: opts.apiPort }, lists))
      continue;
    if (action === 'accept') break;
    return `input rule ${rule['.id'] ?? ''} (${rule.comment ?? action}) ${action}s ${opts.state} API packets`;
  }

  const service = (m['/ip/service'] ?? []).find((s) => s.name === opts.service && s.connection !== 'true');
  if (!service || truthy(service.disabled)) return `service ${opts.service} is disabled`;
  if (!inAddressList(path.client, service[opts.serviceKey]))
    return `service ${opts.service} is not available from ${path.client}`;
  return undefined;
}

const KNOWN_MATCHERS = new Set([
  'chain',
  'action',
  'comment',
  'disabled',
  'log',
  'log-prefix',
  '.id',
  'invalid',
  'dynamic',
  'bytes',
  'packets',
  'src-address',
  'dst-address',
  'protocol',
  'dst-port',
  'in-interface',
  'connection-state',
  'src-address-list',
  'reject-with',
]);

function ruleMatches(
  rule: Row,
  pkt: ManagementPath & { inInterface: string; state: string; apiPort: number },
  lists: Row[],
): boolean {
  for (const [k, raw] of Object.entries(rule)) {
    if (raw === '' || raw === undefined) continue;
    if (!KNOWN_MATCHERS.has(k)) return false;
    const neg = raw.startsWith('!');
    const v = neg ? raw.slice(1) : raw;
    let hit: boolean;
    switch (k) {
      case 'src-address':
        hit = inAddressList(pkt.client, v);
        break;
      case 'dst-address':
        hit = inAddressList(pkt.routerAddress, v);
        break;
      case 'protocol':
        hit = v === 'tcp' || v === '6';
        break;
      case 'dst-port':
        hit = inPorts(pkt.apiPort, v);
        break;
      case 'in-interface':
        hit = v === pkt.inInterface;
        break;
      case 'connection-state':
        hit = v.split(',').includes(pkt.state);
        break;
      case 'src-address-list':
        hit = lists.some((l) => l.list === v && !truthy(l.disabled) && inAddressList(pkt.client, l.address));
        break;
      default:
        continue;
    }
    if (hit === neg) return false;
  }
  return true;
}
