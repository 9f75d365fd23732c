import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareOids } from './oid.ts';
import { columnValues, tableRows } from './table.ts';
import {
  bytesToBigInt,
  fromRecorded,
  normaliseValue,
  octetString,
  SnmpType,
  toRecorded,
  type SnmpVarbind,
} from './varbind.ts';

describe('SNMP values', () => {
  it('turns net-snmp Counter64 bytes into an exact bigint', () => {
    expect(normaliseValue(SnmpType.Counter64, Buffer.from('ffffffffffffffff', 'hex'))).toBe(2n ** 64n - 1n);
    expect(normaliseValue(SnmpType.Counter64, Buffer.from('0020000000000001', 'hex'))).toBe(2n ** 53n + 1n);
    // BER drops leading zero bytes and may add one to keep the value positive.
    expect(normaliseValue(SnmpType.Counter64, Buffer.from('00ab', 'hex'))).toBe(171n);
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }), (v) => {
        const hex = v.toString(16).padStart(16, '0');
        expect(bytesToBigInt(Buffer.from(hex, 'hex'))).toBe(v);
      }),
    );
  });

  it('shows printable OCTET STRINGs as text and binary ones as hex', () => {
    expect(octetString(Buffer.from('core-sw1\0\0'))).toBe('core-sw1');
    expect(octetString(Buffer.from('Café – ICT'))).toBe('Café – ICT');
    expect(octetString(Buffer.from('025c00a00001', 'hex'))).toBe('02:5c:00:a0:00:01');
    expect(octetString(Buffer.from('ab\0cd'))).toBe('61:62:00:63:64');
  });

  it('records any varbind losslessly', () => {
    const octet = fc.uint8Array({ maxLength: 40 }).map((b): SnmpVarbind => ({
      oid: '1.3.6.1.2.1.1.5.0',
      type: SnmpType.OctetString,
      value: Buffer.from(b),
    }));
    const c64 = fc
      .bigInt({ min: 0n, max: 2n ** 64n - 1n })
      .map((v): SnmpVarbind => ({ oid: '1.3.6.1.2.1.31.1.1.1.6.1', type: SnmpType.Counter64, value: v }));
    const int = fc
      .integer()
      .map((v): SnmpVarbind => ({ oid: '1.3.6.1.2.1.2.2.1.8.1', type: SnmpType.Integer, value: v }));
    fc.assert(
      fc.property(fc.oneof(octet, c64, int), (vb) => {
        const back = fromRecorded(JSON.parse(JSON.stringify(toRecorded(vb))), 'test');
        expect(back).toEqual(vb);
      }),
    );
  });
});

describe('OIDs and tables', () => {
  it('orders OIDs arc by arc, not as text', () => {
    expect(compareOids('1.3.6.1.2.1.2.2.1.2.10', '1.3.6.1.2.1.2.2.1.2.9')).toBeGreaterThan(0);
    expect(compareOids('1.3.6.1.2.1.2', '1.3.6.1.2.1.2.1')).toBeLessThan(0);
    expect(compareOids('1.3.6', '1.3.6')).toBe(0);
  });

  it('folds cells into rows by (multi-arc) index', () => {
    const vb = (oid: string, value: number): SnmpVarbind => ({ oid, type: SnmpType.Integer, value });
    const cells = [
      vb('1.3.6.1.4.1.9.9.46.1.3.1.1.2.1.10', 1),
      vb('1.3.6.1.4.1.9.9.46.1.3.1.1.2.1.20', 1),
      vb('1.3.6.1.4.1.9.9.46.1.3.1.1.3.1.10', 1),
      { oid: '1.3.6.1.4.1.9.9.46.1.3.1.1.3.1.20', type: SnmpType.NoSuchInstance, value: null },
      vb('1.3.6.1.4.1.9.9.46.1.3.1.2.1', 7), // another table
    ];
    const rows = tableRows(cells, '1.3.6.1.4.1.9.9.46.1.3.1.1');
    expect([...rows.keys()]).toEqual(['1.10', '1.20']);
    expect(rows.get('1.20')?.has(3)).toBe(false);
    expect([...columnValues(cells, '1.3.6.1.4.1.9.9.46.1.3.1.1.2')]).toEqual([
      ['1.10', 1],
      ['1.20', 1],
    ]);
  });
});
