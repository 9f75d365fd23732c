/**
 * IPv4 ranges as RouterOS prints them (`10.20.0.0/22`, `10.20.0.5`, `10.0.0.1-10.0.0.9`), reduced to
 * inclusive [first, last] integer intervals so containment and overlap are plain comparisons. IPv6 and
 * anything unparsable return undefined: callers treat that as "unknown", never as a match. The zone
 * compiler and the audit's checks share this one implementation (checks/lib/ip.ts re-exports it).
 */

export interface Ipv4Range {
  first: number;
  last: number;
}

export function parseIpv4(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text.trim());
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return (((parts[0]! << 24) >>> 0) + (parts[1]! << 16) + (parts[2]! << 8) + parts[3]!) >>> 0;
}

/** `10.20.0.0/22`, `10.20.0.7` or a RouterOS range `10.20.0.10-10.20.0.20`; undefined when not IPv4. */
export function parseRange(text: string): Ipv4Range | undefined {
  const t = text.trim();
  const dash = t.indexOf('-');
  if (dash > 0) {
    const a = parseIpv4(t.slice(0, dash));
    const b = parseIpv4(t.slice(dash + 1));
    return a === undefined || b === undefined || b < a ? undefined : { first: a, last: b };
  }
  const [addr, len] = t.split('/');
  const base = parseIpv4(addr ?? '');
  if (base === undefined) return undefined;
  const bits = len === undefined ? 32 : Number(len);
  if (!Number.isInteger(bits) || bits < 0 || bits > 32 || len?.trim() === '') return undefined;
  const size = 2 ** (32 - bits);
  const first = Math.floor(base / size) * size;
  return { first, last: first + size - 1 };
}

export function rangeContains(outer: Ipv4Range, inner: Ipv4Range): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}

export function rangesOverlap(a: Ipv4Range, b: Ipv4Range): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** Prefix length of a CIDR (`/22` -> 22); 32 for a bare address. */
export function prefixLength(cidr: string): number {
  const len = cidr.split('/')[1];
  return len === undefined ? 32 : Number(len);
}

export function formatIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** RFC 1918, loopback, link-local, CGNAT: addresses that are never "the internet". */
export const PRIVATE_RANGES: readonly Ipv4Range[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '100.64.0.0/10',
].map((c) => parseRange(c)!);

export function isPrivate(r: Ipv4Range): boolean {
  return PRIVATE_RANGES.some((p) => rangeContains(p, r));
}

/** True when `address` (an IP, optionally with a prefix) lies inside `cidr`. */
export function inSubnet(address: string, cidr: string): boolean {
  const a = parseRange(address.split('/')[0] ?? '');
  const c = parseRange(cidr);
  return a !== undefined && c !== undefined && rangeContains(c, a);
}
