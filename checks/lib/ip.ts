/**
 * IPv4 ranges as RouterOS prints them (`10.20.0.0/22`, `10.20.0.5`, `10.0.0.1-10.0.0.9`), reduced to
 * inclusive [first, last] integer intervals so containment and overlap are plain comparisons.
 * IPv6 and anything unparsable return undefined: callers treat that as "unknown", never as a match.
 */

export interface Interval {
  first: number;
  last: number;
}

function parseIp(s: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s.trim());
  if (m === null) return undefined;
  let n = 0;
  for (let i = 1; i <= 4; i++) {
    const octet = Number(m[i]);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

/** Parses a single address, a CIDR prefix or a dash range. */
export function parseRange(s: string): Interval | undefined {
  const text = s.trim();
  const dash = text.indexOf('-');
  if (dash > 0) {
    const first = parseIp(text.slice(0, dash));
    const last = parseIp(text.slice(dash + 1));
    if (first === undefined || last === undefined || last < first) return undefined;
    return { first, last };
  }
  const [addr, bits] = text.split('/');
  const base = addr === undefined ? undefined : parseIp(addr);
  if (base === undefined) return undefined;
  if (bits === undefined) return { first: base, last: base };
  const prefix = Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32 || bits.trim() === '') return undefined;
  const size = 2 ** (32 - prefix);
  const first = Math.floor(base / size) * size;
  return { first, last: first + size - 1 };
}

export function contains(outer: Interval, inner: Interval): boolean {
  return outer.first <= inner.first && inner.last <= outer.last;
}

export function overlaps(a: Interval, b: Interval): boolean {
  return a.first <= b.last && b.first <= a.last;
}

/** RFC 1918, loopback, link-local, CGNAT: addresses that are never "the internet". */
export const PRIVATE_RANGES: readonly Interval[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
  '169.254.0.0/16',
  '100.64.0.0/10',
].map((r) => parseRange(r) as Interval);

export function isPrivate(i: Interval): boolean {
  return PRIVATE_RANGES.some((p) => contains(p, i));
}

/** True when `address` (an IP, optionally with a prefix) lies inside `cidr`. */
export function inSubnet(address: string, cidr: string): boolean {
  const a = parseRange(address.split('/')[0] ?? '');
  const c = parseRange(cidr);
  return a !== undefined && c !== undefined && contains(c, a);
}
