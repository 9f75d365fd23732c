/**
 * Attribute values as ldapts hands them over (a string, a Buffer, or an array of either, depending on
 * how many values the entry has and whether they decoded as UTF-8), turned into plain typed values,
 * and the two time formats directories use: AD FILETIME and LDAP generalized time.
 */

/** One search result entry: the DN plus attributes, each one value or many, text or binary. */
export interface RawEntry {
  dn: string;
  [attribute: string]: string | string[] | Buffer | Buffer[];
}

/** Attribute lookup is case-insensitive in LDAP; servers echo names in their own case (AD: `memberOf`). */
export function lookup(
  entry: RawEntry,
  attribute: string,
): string | string[] | Buffer | Buffer[] | undefined {
  const direct = entry[attribute];
  if (direct !== undefined) return direct;
  const lower = attribute.toLowerCase();
  for (const key in entry) if (key.length === lower.length && key.toLowerCase() === lower) return entry[key];
  return undefined;
}

function asText(v: string | Buffer): string {
  return typeof v === 'string' ? v : v.toString('utf8');
}

/** Every value of an attribute as text; [] when absent. */
export function texts(entry: RawEntry, attribute: string): string[] {
  const v = lookup(entry, attribute);
  if (v === undefined) return [];
  if (Array.isArray(v)) return (v as (string | Buffer)[]).map(asText);
  return [asText(v)];
}

/** The first value as text, or undefined when absent or empty. */
export function text(entry: RawEntry, attribute: string): string | undefined {
  const v = lookup(entry, attribute);
  const first = Array.isArray(v) ? (v as (string | Buffer)[])[0] : v;
  if (first === undefined) return undefined;
  const t = asText(first);
  return t === '' ? undefined : t;
}

/** Every value of an attribute as bytes (for binary attributes such as objectGUID). */
export function buffers(entry: RawEntry, attribute: string): Buffer[] {
  const v = lookup(entry, attribute);
  if (v === undefined) return [];
  const list = Array.isArray(v) ? (v as (string | Buffer)[]) : [v];
  return list.map((x) => (typeof x === 'string' ? Buffer.from(x, 'utf8') : x));
}

/** An integer attribute as a bigint (AD's 64-bit counters overflow a double's exact range). */
export function bigInt(entry: RawEntry, attribute: string): bigint | undefined {
  const t = text(entry, attribute);
  if (t === undefined || !/^-?[0-9]+$/.test(t.trim())) return undefined;
  return BigInt(t.trim());
}

/** An integer attribute that fits a double exactly (userAccountControl, minPwdLength...). */
export function int(entry: RawEntry, attribute: string): number | undefined {
  const b = bigInt(entry, attribute);
  if (b === undefined) return undefined;
  const n = Number(b);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** LDAP Boolean syntax: `TRUE` / `FALSE`. */
export function bool(entry: RawEntry, attribute: string): boolean | undefined {
  const t = text(entry, attribute)?.toUpperCase();
  return t === 'TRUE' ? true : t === 'FALSE' ? false : undefined;
}

// ---------------------------------------------------------------- time

/** 100-ns intervals between 1601-01-01 and 1970-01-01. */
const FILETIME_EPOCH_OFFSET = 116_444_736_000_000_000n;
/** AD's "never" marker (accountExpires); 0 also means never / not set. */
const FILETIME_NEVER = 0x7fff_ffff_ffff_ffffn;
const TICKS_PER_MS = 10_000n;

/**
 * AD FILETIME (100-ns intervals since 1601-01-01 UTC) to a Date. 0 and 0x7FFFFFFFFFFFFFFF mean
 * "never" and give undefined, as does anything outside the range a Date can hold.
 */
export function fromFiletime(value: bigint | string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  let ticks: bigint;
  try {
    ticks = typeof value === 'bigint' ? value : BigInt(value.trim());
  } catch {
    return undefined;
  }
  if (ticks <= 0n || ticks >= FILETIME_NEVER) return undefined;
  const ms = Number((ticks - FILETIME_EPOCH_OFFSET) / TICKS_PER_MS);
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

/** A Date to AD FILETIME (for writing accountExpires and for tests). */
export function toFiletime(date: Date): bigint {
  return BigInt(date.getTime()) * TICKS_PER_MS + FILETIME_EPOCH_OFFSET;
}

const GENERALIZED =
  /^(\d{4})(\d{2})(\d{2})(\d{2})(?:(\d{2})(?:(\d{2}))?)?(?:[.,](\d+))?(Z|[+-]\d{2}(?:\d{2})?)$/;

/**
 * LDAP generalized time (RFC 4517: `YYYYMMDDHH[MM[SS]][.fff](Z|±HHMM)`), e.g. `20261124143333Z`,
 * AD's `20261124143333.0Z`. Returns undefined for anything malformed or impossible (month 13).
 * ppolicy's admin-lock marker `000001010000Z` parses to year 0; callers test for it by text.
 */
export function fromGeneralizedTime(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const m = GENERALIZED.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d, h, mi = '00', s = '00', frac, zone] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60)
    return undefined;
  // A fraction applies to the last field present (hours, minutes or seconds).
  const unitMs = m[6] !== undefined ? 1000 : m[5] !== undefined ? 60_000 : 3_600_000;
  const fracMs = frac === undefined ? 0 : Math.round(Number(`0.${frac}`) * unitMs);
  let offsetMin = 0;
  if (zone && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    offsetMin = sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5) || '0'));
  }
  const base = new Date(0);
  base.setUTCFullYear(year, month - 1, day);
  base.setUTCHours(hour, minute, Math.min(second, 59), 0);
  if (base.getUTCDate() !== day) return undefined; // 31 February
  return new Date(base.getTime() + fracMs - offsetMin * 60_000);
}

/** A Date to generalized time, second precision, UTC (`20261124143333Z`). */
export function toGeneralizedTime(date: Date): string {
  return date
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d{3}Z$/, 'Z');
}

/** ISO string of a date, or undefined. */
export function iso(d: Date | undefined): string | undefined {
  return d === undefined ? undefined : d.toISOString();
}
