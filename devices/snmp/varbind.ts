/**
 * One plain varbind shape for the whole SNMP layer, whether it came off the wire or out of a recorded
 * fixture (`test/fixtures/snmp/<scenario>/walk.json`). Values keep their exact meaning:
 * OCTET STRINGs stay raw bytes (a PortList or a MAC address is not text), Counter64 is a bigint (a
 * busy uplink's octet counter passes 2^53 and a JS number would silently round it).
 */

/** SMI types by their BER tag, as net-snmp reports them. */
export const SnmpType = {
  Integer: 2,
  OctetString: 4,
  Null: 5,
  OID: 6,
  IpAddress: 64,
  Counter32: 65,
  Gauge32: 66,
  TimeTicks: 67,
  Opaque: 68,
  Counter64: 70,
  NoSuchObject: 128,
  NoSuchInstance: 129,
  EndOfMibView: 130,
} as const;
export type SnmpTypeName = keyof typeof SnmpType;

export type SnmpValue = number | bigint | Buffer | string | null;

export interface SnmpVarbind {
  oid: string;
  type: number;
  value: SnmpValue;
}

const typeNames = new Map<number, SnmpTypeName>(
  Object.entries(SnmpType).map(([name, tag]) => [tag, name as SnmpTypeName]),
);

/** Big-endian unsigned bytes (how net-snmp hands over a Counter64) to an exact bigint. */
export function bytesToBigInt(bytes: Uint8Array): bigint {
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return v;
}

/** Normalise one value from net-snmp: Counter64 to bigint, OCTET STRING / Opaque to Buffer. */
export function normaliseValue(type: number, value: unknown): SnmpValue {
  if (value === null || value === undefined) return null;
  if (type === SnmpType.Counter64) {
    if (typeof value === 'bigint') return value;
    if (typeof value === 'number') return BigInt(value);
    if (value instanceof Uint8Array) return bytesToBigInt(value);
  }
  if (type === SnmpType.OctetString || type === SnmpType.Opaque) {
    if (Buffer.isBuffer(value)) return value;
    if (typeof value === 'string') return Buffer.from(value, 'utf8');
  }
  if (typeof value === 'number' || typeof value === 'string' || typeof value === 'bigint') return value;
  if (Buffer.isBuffer(value)) return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return null;
}

/** True for the "exception" varbinds an agent returns instead of a value. */
export function isException(vb: SnmpVarbind): boolean {
  return (
    vb.type === SnmpType.NoSuchObject ||
    vb.type === SnmpType.NoSuchInstance ||
    vb.type === SnmpType.EndOfMibView
  );
}

// ---------------------------------------------------------------- value readers (lenient: agents differ)

/** DisplayString text, or `undefined` when the bytes are not printable text (then use `octetHex`). */
export function octetText(v: SnmpValue | undefined): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (!Buffer.isBuffer(v)) return String(v);
  // Many agents pad DisplayStrings with NULs; a string with a NUL inside is binary.
  const bytes = v.subarray(0, trimNuls(v));
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  if (text.includes('\uFFFD')) return undefined;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what marks binary data
  if (/[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/.test(text)) return undefined;
  return text;
}

function trimNuls(b: Buffer): number {
  let end = b.length;
  while (end > 0 && b[end - 1] === 0) end--;
  return end;
}

/** Colon-separated hex (`00:1a:2b`), how binary OCTET STRINGs are shown in facts. */
export function octetHex(v: SnmpValue | undefined): string | undefined {
  if (!Buffer.isBuffer(v)) return undefined;
  return [...v].map((b) => b.toString(16).padStart(2, '0')).join(':');
}

/** Text when printable, else hex: for DisplayString-ish objects that some agents fill with binary. */
export function octetString(v: SnmpValue | undefined): string | undefined {
  return octetText(v) ?? octetHex(v);
}

/** Text with surrounding whitespace removed; empty becomes undefined (an unset DisplayString). */
export function optionalText(v: SnmpValue | undefined): string | undefined {
  const s = octetString(v)?.trim();
  return s === undefined || s === '' ? undefined : s;
}

export function asNumber(v: SnmpValue | undefined): number | undefined {
  if (typeof v === 'number') return v;
  if (typeof v === 'bigint') return Number(v);
  return undefined;
}

export function asBigInt(v: SnmpValue | undefined): bigint | undefined {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isInteger(v)) return BigInt(v);
  return undefined;
}

export function asBytes(v: SnmpValue | undefined): Buffer | undefined {
  if (Buffer.isBuffer(v)) return v;
  if (typeof v === 'string') return Buffer.from(v, 'utf8');
  return undefined;
}

// ---------------------------------------------------------------- recorded replies (JSON fixtures)

/**
 * A varbind as stored in a recorded fixture: `type` by name; OCTET STRINGs as `value` when printable
 * and `hex` when not (lossless either way); Counter64 as a decimal string.
 */
export interface RecordedVarbind {
  oid: string;
  type: SnmpTypeName;
  value?: string | number | null;
  hex?: string;
}

export function toRecorded(vb: SnmpVarbind): RecordedVarbind {
  const type = typeNames.get(vb.type);
  if (type === undefined) throw new Error(`cannot record ${vb.oid}: unknown SNMP type ${vb.type}`);
  const v = vb.value;
  if (Buffer.isBuffer(v)) {
    const text = octetText(v);
    // Only store as text when decoding it back gives the same bytes.
    if (text !== undefined && Buffer.from(text, 'utf8').equals(v)) return { oid: vb.oid, type, value: text };
    return { oid: vb.oid, type, hex: v.toString('hex') };
  }
  if (typeof v === 'bigint') return { oid: vb.oid, type, value: v.toString() };
  return { oid: vb.oid, type, value: v };
}

/** Reads a recorded fixture back; `where` names the file in any error. */
export function fromRecorded(rec: RecordedVarbind, where: string): SnmpVarbind {
  const tag = SnmpType[rec.type];
  if (tag === undefined) throw new Error(`${where}: ${rec.oid} has unknown type ${String(rec.type)}`);
  if (!/^\d+(\.\d+)+$/.test(rec.oid)) throw new Error(`${where}: malformed OID ${JSON.stringify(rec.oid)}`);
  if (tag === SnmpType.OctetString || tag === SnmpType.Opaque) {
    if (rec.hex !== undefined) return { oid: rec.oid, type: tag, value: Buffer.from(rec.hex, 'hex') };
    return { oid: rec.oid, type: tag, value: Buffer.from(String(rec.value ?? ''), 'utf8') };
  }
  if (tag === SnmpType.Counter64) return { oid: rec.oid, type: tag, value: BigInt(String(rec.value)) };
  const value = rec.value ?? null;
  return { oid: rec.oid, type: tag, value };
}
