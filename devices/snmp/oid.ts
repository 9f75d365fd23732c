/** Numeric OID helpers: SNMP orders OIDs arc by arc, never as strings ("1.10" sorts after "1.9"). */

export function parseOid(oid: string): number[] {
  return oid.split('.').map(Number);
}

/** Negative, zero or positive, in the order an agent walks. */
export function compareOids(a: string, b: string): number {
  const x = parseOid(a);
  const y = parseOid(b);
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

/** True when `oid` lies strictly under `base` (`1.3.6.1.2.1.1.5.0` is under `1.3.6.1.2.1.1`). */
export function isUnder(base: string, oid: string): boolean {
  return oid.startsWith(base + '.');
}

/** The part of `oid` after `base`, i.e. a table row's index (`1.3.6.1.2.1.2.2.1.2.7` under column `...2` is `7`). */
export function suffixOf(base: string, oid: string): string {
  return oid.slice(base.length + 1);
}
