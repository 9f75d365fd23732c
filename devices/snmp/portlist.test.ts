import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePortList, encodePortList } from './portlist.ts';

describe('Q-BRIDGE PortList bitmaps', () => {
  it('reads the bit layout RFC 4363 defines: port 1 is the top bit of the first byte', () => {
    expect(decodePortList(Buffer.from([0x80]))).toEqual([1]);
    expect(decodePortList(Buffer.from([0x01]))).toEqual([8]);
    expect(decodePortList(Buffer.from([0x00, 0x40]))).toEqual([10]);
    // switch48's PUPILS VLAN: untagged 13-36 and the trunks 47-48 (testbed-notes.md).
    expect(decodePortList(Buffer.from('000ffffff003', 'hex'))).toEqual([
      ...Array.from({ length: 24 }, (_, i) => 13 + i),
      47,
      48,
    ]);
  });

  it('accepts short and empty lists (agents drop trailing zero bytes)', () => {
    expect(decodePortList(Buffer.alloc(0))).toEqual([]);
    expect(encodePortList([], 6)).toEqual(Buffer.alloc(6));
    expect(encodePortList([9])).toEqual(Buffer.from([0x00, 0x80]));
  });

  it('refuses port numbers that cannot be in a PortList', () => {
    expect(() => encodePortList([0])).toThrow(/positive integer/);
    expect(() => encodePortList([1.5])).toThrow(/positive integer/);
  });

  it('round-trips any set of ports (decode . encode = sorted unique ports)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 4096 }), { maxLength: 200 }), (ports) => {
        const expected = [...new Set(ports)].sort((a, b) => a - b);
        expect(decodePortList(encodePortList(ports))).toEqual(expected);
      }),
    );
  });

  it('round-trips any bitmap (encode . decode = the same bytes, padded to its length)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        expect(encodePortList(decodePortList(bytes), bytes.length)).toEqual(Buffer.from(bytes));
      }),
    );
  });
});
