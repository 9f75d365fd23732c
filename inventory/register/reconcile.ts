/**
 * The register against the live estate, as pure functions over facts: what the network and the
 * directory show (serials from the RouterOS routerboard and ENTITY-MIB, MACs and host names from DHCP
 * leases, computer objects from the directory) matched to the register's assets. Results: devices
 * seen but not registered, in-use devices not seen for too long, disposed devices that reappear (a
 * serious finding: a disposed disk or router back in use means the disposal record is wrong or the
 * device was never wiped), and end of support or warranty passed.
 */
import type { SchoolFacts } from '../../devices/facts.ts';
import type { AssetRecord, RegisterFacts } from '../facts.ts';
import type { Network } from '../types.ts';

/** One thing the live estate shows that can be matched to an asset. */
export interface Sighting {
  /** The device or `directory` that reported it. */
  source: string;
  via: 'serial' | 'mac' | 'computer';
  /** The serial, MAC (upper case) or computer name. */
  id: string;
  /** A host name that came with it (DHCP lease), for matching and the report. */
  hostname?: string;
  /** Human description: "routerboard hAP ax^3", "DHCP lease 10.10.0.101 STAFF-LT-01", "chassis TN-2948G". */
  detail: string;
  /** A whole device (router, switch chassis, leased client, enabled computer), not a part such as a PSU. */
  wholeDevice: boolean;
  /** Directory computers: disabled objects are leftovers, not sightings of a working device. */
  enabled: boolean;
}

export type Severity = 'critical' | 'high' | 'medium' | 'low';

export interface Reappearance {
  asset: AssetRecord;
  sighting: Sighting;
  severity: 'critical';
}

export interface NotSeen {
  asset: AssetRecord;
  /** From the register; absent when it was never recorded. */
  lastSeen?: string;
  /** Days since lastSeen, when known. */
  days?: number;
}

export interface DateFinding {
  asset: AssetRecord;
  date: string;
  /** Days past the date (0 = today). */
  days: number;
}

export interface AssetReconciliation {
  sightings: Sighting[];
  /** Asset tags matched by something live in this run. */
  seen: Map<string, Sighting[]>;
  unregistered: Sighting[];
  notSeen: NotSeen[];
  reappeared: Reappearance[];
  endOfSupport: DateFinding[];
  warrantyExpired: DateFinding[];
}

export interface ReconcileOptions {
  /** The run's now (ISO). */
  now: string;
  notSeenAfterDays: number;
  /** The declaration's networks: leases on guest and BYOD networks are visitors, not school assets. */
  networks?: readonly Network[];
}

/** Kinds that are on the network whenever they are in use, even without a MAC or host name recorded. */
const NETWORK_KINDS = new Set(['router', 'switch', 'access-point', 'ap', 'firewall', 'server', 'nas']);
const DAY_MS = 86_400_000;

const shortName = (h: string) => h.toLowerCase().split('.')[0] ?? '';

function daysSince(date: string, now: string): number {
  return Math.floor((Date.parse(now) - Date.parse(`${date.slice(0, 10)}T00:00:00Z`)) / DAY_MS);
}

function ipv4(a: string): number | undefined {
  const p = a.split('.').map(Number);
  if (p.length !== 4 || p.some((x) => !Number.isInteger(x) || x < 0 || x > 255)) return undefined;
  return (((p[0] ?? 0) << 24) | ((p[1] ?? 0) << 16) | ((p[2] ?? 0) << 8) | (p[3] ?? 0)) >>> 0;
}

function inSubnet(address: string, cidr: string): boolean {
  const [net, bits] = cidr.split('/');
  const a = ipv4(address);
  const n = ipv4(net ?? '');
  const b = Number(bits);
  if (a === undefined || n === undefined || !Number.isInteger(b)) return false;
  const mask = b === 0 ? 0 : (~0 << (32 - b)) >>> 0;
  return (a & mask) === (n & mask);
}

/** Everything the facts show that could be an asset. Failed collections contribute nothing. */
export function sightings(facts: SchoolFacts, networks: readonly Network[] = []): Sighting[] {
  const visitors = networks.filter((n) => n.role === 'guests' || n.role === 'byod').map((n) => n.subnet);
  const out: Sighting[] = [];
  for (const r of facts.routers) {
    if (!r.ok) continue;
    const f = r.facts;
    if (f.serial !== undefined && f.serial !== '')
      out.push({
        source: f.device,
        via: 'serial',
        id: f.serial,
        detail: `routerboard ${f.model ?? f.boardName ?? ''}`.trim(),
        wholeDevice: true,
        enabled: true,
      });
    for (const l of f.dhcpLeases) {
      if (visitors.some((s) => inSubnet(l.address, s))) continue;
      const s: Sighting = {
        source: f.device,
        via: 'mac',
        id: l.macAddress.toUpperCase(),
        detail: `DHCP lease ${l.address}${l.hostName ? ` ${l.hostName}` : ''}`,
        wholeDevice: true,
        enabled: true,
      };
      if (l.hostName) s.hostname = l.hostName;
      out.push(s);
    }
  }
  for (const sw of facts.switches) {
    if (!sw.ok) continue;
    for (const e of sw.facts.entities) {
      if (e.serial === undefined || e.serial.trim() === '') continue;
      out.push({
        source: sw.facts.device,
        via: 'serial',
        id: e.serial.trim(),
        detail: `${e.class} ${e.model ?? e.description}`.trim(),
        wholeDevice: e.class === 'chassis' || e.class === 'stack',
        enabled: true,
      });
    }
  }
  const dir = facts.directory;
  if (dir?.ok === true)
    for (const c of dir.facts.computers)
      out.push({
        source: 'directory',
        via: 'computer',
        id: c.name,
        detail: `computer ${c.name}${c.os ? ` (${c.os})` : ''}${c.enabled ? '' : ', disabled'}`,
        wholeDevice: c.enabled,
        enabled: c.enabled,
      });
  // The same serial through two collectors (a switch's SNMP and its CLI twin) is one sighting.
  const seen = new Set<string>();
  return out.filter((s) => {
    const k = `${s.source}|${s.via}|${s.id.toLowerCase()}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The assets a sighting names: by serial, MAC, or host name (lease host name, computer name). */
function matcher(assets: readonly AssetRecord[]): (s: Sighting) => AssetRecord[] {
  const bySerial = new Map<string, AssetRecord[]>();
  const byMac = new Map<string, AssetRecord[]>();
  const byHost = new Map<string, AssetRecord[]>();
  const add = (m: Map<string, AssetRecord[]>, k: string, a: AssetRecord) =>
    m.set(k, [...(m.get(k) ?? []), a]);
  for (const a of assets) {
    add(bySerial, a.serial.toLowerCase(), a);
    for (const mac of a.mac ?? []) add(byMac, mac.toUpperCase(), a);
    if (a.hostname !== undefined) add(byHost, shortName(a.hostname), a);
  }
  return (s) => {
    if (s.via === 'serial') return bySerial.get(s.id.toLowerCase()) ?? [];
    if (s.via === 'mac') {
      const m = byMac.get(s.id) ?? [];
      if (m.length > 0 || s.hostname === undefined) return m;
      // A host name alone does not prove a disposed device is back (names are reused): live assets only.
      return (byHost.get(shortName(s.hostname)) ?? []).filter((a) => a.status !== 'disposed');
    }
    return byHost.get(shortName(s.id)) ?? [];
  };
}

export function reconcileAssets(
  facts: SchoolFacts,
  register: RegisterFacts,
  opts: ReconcileOptions,
): AssetReconciliation {
  const all = sightings(facts, opts.networks);
  const match = matcher(register.assets);
  const out: AssetReconciliation = {
    sightings: all,
    seen: new Map(),
    unregistered: [],
    notSeen: [],
    reappeared: [],
    endOfSupport: [],
    warrantyExpired: [],
  };
  for (const s of all) {
    const assets = match(s);
    if (assets.length === 0) {
      if (s.wholeDevice) out.unregistered.push(s);
      continue;
    }
    for (const a of assets) {
      if (a.status === 'disposed') {
        // A disabled computer object is a leftover to tidy, not the device working again.
        if (s.enabled) out.reappeared.push({ asset: a, sighting: s, severity: 'critical' });
      } else out.seen.set(a.assetTag, [...(out.seen.get(a.assetTag) ?? []), s]);
    }
  }
  for (const a of register.assets) {
    if (a.status === 'disposed') continue;
    if (a.endOfSupport !== undefined && daysSince(a.endOfSupport, opts.now) >= 0)
      out.endOfSupport.push({ asset: a, date: a.endOfSupport, days: daysSince(a.endOfSupport, opts.now) });
    if (a.status !== 'in-use') continue;
    if (a.warrantyEnd !== undefined && daysSince(a.warrantyEnd, opts.now) > 0)
      out.warrantyExpired.push({ asset: a, date: a.warrantyEnd, days: daysSince(a.warrantyEnd, opts.now) });
    const visible =
      (a.mac?.length ?? 0) > 0 || a.hostname !== undefined || NETWORK_KINDS.has(a.kind.toLowerCase());
    if (!visible || out.seen.has(a.assetTag)) continue;
    if (a.lastSeen === undefined) out.notSeen.push({ asset: a });
    else {
      const days = daysSince(a.lastSeen, opts.now);
      if (days > opts.notSeenAfterDays) out.notSeen.push({ asset: a, lastSeen: a.lastSeen, days });
    }
  }
  return out;
}

/** The parts of a disposal record that are missing, by name. */
export function missingDisposalParts(a: AssetRecord): string[] {
  if (a.status !== 'disposed') return [];
  const d = a.disposal;
  const parts: [keyof NonNullable<AssetRecord['disposal']>, string][] = [
    ['date', 'disposal date'],
    ['company', 'authorised company'],
    ['certificate', 'receipt or data-destruction certificate'],
    ['weeeRef', 'WEEE reference'],
  ];
  return parts.filter(([k]) => d === undefined || (d[k] ?? '').trim() === '').map(([, label]) => label);
}
