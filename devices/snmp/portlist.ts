/**
 * Q-BRIDGE-MIB PortList (RFC 4363): an OCTET STRING bitmap in which port p (1-based bridge port) is
 * bit `0x80 >> ((p - 1) & 7)` of byte `(p - 1) >> 3`, most significant bit first. Switches send it as raw
 * bytes, and trailing zero bytes may be omitted, so decoding never assumes a length.
 */

/** Ports set in the bitmap, ascending. */
export function decodePortList(bytes: Uint8Array): number[] {
  const ports: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] ?? 0;
    if (b === 0) continue;
    for (let bit = 0; bit < 8; bit++) {
      if (b & (0x80 >> bit)) ports.push(i * 8 + bit + 1);
    }
  }
  return ports;
}

/**
 * The bitmap for `ports`, at least `minBytes` long (agents pad to the switch's port count). Ports must be
 * positive integers; duplicates are harmless.
 */
export function encodePortList(ports: Iterable<number>, minBytes = 0): Buffer {
  const list = [...ports];
  for (const p of list) {
    if (!Number.isInteger(p) || p < 1)
      throw new RangeError(`PortList port must be a positive integer, got ${p}`);
  }
  const highest = list.reduce((m, p) => Math.max(m, p), 0);
  const out = Buffer.alloc(Math.max(minBytes, Math.ceil(highest / 8)));
  for (const p of list) {
    const i = (p - 1) >> 3;
    out[i] = (out[i] ?? 0) | (0x80 >> ((p - 1) & 7));
  }
  return out;
}
