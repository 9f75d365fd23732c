/**
 * Checks the JSON Schema cannot express: references between sections (an SSID's network, a zone
 * rule's role, a switch port's network), uniqueness across list items, and subnet arithmetic.
 *
 * They run even when the schema found problems, so one `validate` run reports everything; every
 * check therefore reads the data defensively and skips items too malformed to judge (the schema has
 * already reported those).
 */
import { contains, formatCidr, formatIpv4, isHostIn, overlaps, parseCidr, parseIpv4 } from './cidr.ts';
import type { Cidr } from './cidr.ts';
import { probeProblems } from './semantic-probes.ts';

export interface SemanticProblem {
  pointer: string;
  message: string;
}

export interface SemanticContext {
  /** The folder name when the file sits at `.../schools/<id>/school.yaml`. */
  expectedId?: string;
}

type Rec = Record<string, unknown>;

const isRec = (x: unknown): x is Rec => typeof x === 'object' && x !== null && !Array.isArray(x);
const list = (x: unknown): unknown[] => (Array.isArray(x) ? x : []);
const str = (x: unknown): string | undefined => (typeof x === 'string' ? x : undefined);
/** Zones every school has, whatever its networks. */
const BUILT_IN_ZONES = ['internet', 'router'];
/** Names the schema accepts in a zone rule; anything else it has already reported. */
const ZONE_NAMES = new Set(['pupils', 'staff', 'guests', 'byod', 'servers', 'management', ...BUILT_IN_ZONES]);

export function semanticProblems(data: unknown, ctx: SemanticContext = {}): SemanticProblem[] {
  if (!isRec(data)) return [];
  const out: SemanticProblem[] = [];
  const networks = list(data.networks);
  const networkNames = new Set(networks.filter(isRec).flatMap((n) => str(n.name) ?? []));
  checkIdentity(data, ctx, out);
  checkNetworks(networks, out);
  checkRadius(list(data.radius), out);
  checkWifi(
    list(data.wifi),
    networkNames,
    new Set(
      list(data.radius)
        .filter(isRec)
        .flatMap((r) => str(r.name) ?? []),
    ),
    out,
  );
  checkZones(data.zones, networks, out);
  checkDevices(list(data.devices), networkNames, out);
  out.push(...probeProblems(data));
  return out;
}

function checkIdentity(data: Rec, ctx: SemanticContext, out: SemanticProblem[]): void {
  const id = isRec(data.school) ? str(data.school.id) : undefined;
  if (ctx.expectedId !== undefined && id !== undefined && id !== ctx.expectedId)
    out.push({
      pointer: '/school/id',
      message: `school id "${id}" must equal its folder name "${ctx.expectedId}" (rename one of them)`,
    });
}

/** Report every later item whose key repeats an earlier one's. */
function duplicates(
  items: unknown[],
  base: string,
  field: string,
  describe: (value: string, firstIndex: number) => string,
  out: SemanticProblem[],
): void {
  const first = new Map<string, number>();
  items.forEach((item, i) => {
    if (!isRec(item)) return;
    const v = item[field];
    if (typeof v !== 'string' && typeof v !== 'number') return;
    const k = String(v);
    const prev = first.get(k);
    if (prev === undefined) first.set(k, i);
    else out.push({ pointer: `${base}/${i}/${field}`, message: describe(k, prev) });
  });
}

function checkNetworks(networks: unknown[], out: SemanticProblem[]): void {
  const nameAt = (i: number) => {
    const n = networks[i];
    return isRec(n) && typeof n.name === 'string' ? n.name : `#${i}`;
  };
  duplicates(
    networks,
    '/networks',
    'vlan',
    (v, j) => `duplicate VLAN id ${v}: already used by network ${nameAt(j)} (/networks/${j})`,
    out,
  );
  duplicates(
    networks,
    '/networks',
    'name',
    (v, j) => `duplicate network name "${v}": already used by /networks/${j}`,
    out,
  );

  const blocks: { i: number; block: Cidr }[] = [];
  networks.forEach((n, i) => {
    if (!isRec(n)) return;
    const subnetText = str(n.subnet);
    const block = subnetText === undefined ? undefined : parseCidr(subnetText);
    if (!block) return;
    if (block.address !== block.network)
      out.push({
        pointer: `/networks/${i}/subnet`,
        message: `subnet ${subnetText} has host bits set: the network address is ${formatCidr(block)}`,
      });
    blocks.push({ i, block });

    const gwText = str(n.gateway);
    const gw = gwText === undefined ? undefined : parseIpv4(gwText);
    if (gw !== undefined && !isHostIn(block, gw))
      out.push({
        pointer: `/networks/${i}/gateway`,
        message: contains(block, gw)
          ? `gateway ${gwText} is the network or broadcast address of ${formatCidr(block)}, not a host`
          : `gateway ${gwText} is outside its subnet ${formatCidr(block)}`,
      });

    const pool = isRec(n.dhcp) ? str(n.dhcp.pool) : undefined;
    if (pool !== undefined) checkPool(pool, block, `/networks/${i}/dhcp/pool`, out);
  });
  out.push(...overlapProblems(blocks, nameAt));
}

/** Overlapping subnets reported at most this many times; the rest are counted in one more problem. */
export const MAX_OVERLAP_PROBLEMS = 50;

/**
 * Overlapping subnets in O(n log n): sorted by start, each block is compared with the earlier block that
 * reaches furthest (any overlap with an earlier block implies one with that block). Each problem sits on
 * the later-declared network of the pair and names the other; a list of thousands is capped.
 */
function overlapProblems(
  blocks: readonly { i: number; block: Cidr }[],
  nameAt: (i: number) => string,
): SemanticProblem[] {
  const sorted = [...blocks].sort(
    (a, b) => a.block.network - b.block.network || b.block.broadcast - a.block.broadcast || a.i - b.i,
  );
  const found: SemanticProblem[] = [];
  let total = 0;
  let reach: { i: number; block: Cidr } | undefined;
  for (const cur of sorted) {
    if (reach !== undefined && overlaps(reach.block, cur.block)) {
      total++;
      if (found.length < MAX_OVERLAP_PROBLEMS) {
        const [later, earlier] = cur.i > reach.i ? [cur, reach] : [reach, cur];
        found.push({
          pointer: `/networks/${later.i}/subnet`,
          message: `subnet ${formatCidr(later.block)} overlaps ${formatCidr(earlier.block)} of network ${nameAt(earlier.i)} (/networks/${earlier.i})`,
        });
      }
    }
    if (reach === undefined || cur.block.broadcast > reach.block.broadcast) reach = cur;
  }
  if (total > found.length)
    found.push({
      pointer: '/networks',
      message: `${total - found.length} more overlapping subnets not listed (${total} in all)`,
    });
  return found;
}

function checkPool(pool: string, block: Cidr, pointer: string, out: SemanticProblem[]): void {
  const [a, b] = pool.split('-').map((p) => parseIpv4(p));
  if (a === undefined || b === undefined) {
    out.push({ pointer, message: `DHCP pool "${pool}" is not a range of two IPv4 addresses` });
  } else if (a > b) {
    out.push({ pointer, message: `DHCP pool "${pool}" starts after it ends` });
  } else if (!isHostIn(block, a) || !isHostIn(block, b)) {
    out.push({
      pointer,
      message: `DHCP pool ${formatIpv4(a)}-${formatIpv4(b)} is not inside the usable hosts of ${formatCidr(block)}`,
    });
  }
}

function checkRadius(radius: unknown[], out: SemanticProblem[]): void {
  duplicates(
    radius,
    '/radius',
    'name',
    (v, j) => `duplicate RADIUS server name "${v}": already used by /radius/${j}`,
    out,
  );
}

function checkWifi(
  wifi: unknown[],
  networks: Set<string>,
  radius: Set<string>,
  out: SemanticProblem[],
): void {
  duplicates(wifi, '/wifi', 'ssid', (v, j) => `duplicate SSID "${v}": already declared at /wifi/${j}`, out);
  const known = (set: Set<string>) => (set.size ? [...set].join(', ') : 'none declared');
  wifi.forEach((s, i) => {
    if (!isRec(s)) return;
    const net = str(s.network);
    if (net !== undefined && !networks.has(net))
      out.push({
        pointer: `/wifi/${i}/network`,
        message: `SSID ${String(s.ssid)} points at network "${net}", which does not exist (networks: ${known(networks)})`,
      });
    list(s.radius).forEach((r, j) => {
      if (typeof r === 'string' && !radius.has(r))
        out.push({
          pointer: `/wifi/${i}/radius/${j}`,
          message: `RADIUS server "${r}" is not declared under radius (declared: ${known(radius)})`,
        });
    });
  });
}

function checkZones(zones: unknown, networks: unknown[], out: SemanticProblem[]): void {
  if (!isRec(zones)) return;
  const roles = new Set([...BUILT_IN_ZONES, ...networks.filter(isRec).flatMap((n) => str(n.role) ?? [])]);
  const check = (zone: unknown, pointer: string) => {
    if (typeof zone === 'string' && ZONE_NAMES.has(zone) && !roles.has(zone))
      out.push({
        pointer,
        message: `zone rule names role "${zone}", but no network has that role (known: ${[...roles].join(', ')})`,
      });
  };
  list(zones.rules).forEach((rule, i) => {
    if (!isRec(rule)) return;
    check(rule.from, `/zones/rules/${i}/from`);
    if (Array.isArray(rule.to)) rule.to.forEach((z, j) => check(z, `/zones/rules/${i}/to/${j}`));
    else check(rule.to, `/zones/rules/${i}/to`);
  });
}

function checkDevices(devices: unknown[], networks: Set<string>, out: SemanticProblem[]): void {
  duplicates(
    devices,
    '/devices',
    'name',
    (v, j) => `duplicate device name "${v}": already used by /devices/${j}`,
    out,
  );
  devices.forEach((d, i) => {
    if (!isRec(d)) return;
    const ports = list(d.ports);
    duplicates(
      ports,
      `/devices/${i}/ports`,
      'port',
      (v, j) => `port ${v} is declared twice (first at /devices/${i}/ports/${j})`,
      out,
    );
    ports.forEach((p, j) => {
      if (!isRec(p)) return;
      const base = `/devices/${i}/ports/${j}`;
      const unknown = (name: unknown, pointer: string) => {
        if (typeof name === 'string' && !networks.has(name))
          out.push({
            pointer,
            message: `port ${String(p.port)} names network "${name}", which is not declared under networks`,
          });
      };
      unknown(p.network, `${base}/network`);
      list(p.tagged).forEach((t, k) => unknown(t, `${base}/tagged/${k}`));
    });
  });
}
