import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { contains, formatCidr, formatIpv4, isHostIn, overlaps, parseCidr, parseIpv4 } from './cidr.ts';

const block = (text: string) => {
  const b = parseCidr(text);
  if (!b) throw new Error(`test setup: ${text} is not a CIDR`);
  return b;
};

describe('IPv4 parsing', () => {
  it.each([
    ['10.20.0.1', 0x0a140001],
    ['0.0.0.0', 0],
    ['255.255.255.255', 0xffffffff],
    ['10.20.0', undefined],
    ['10.20.0.256', undefined],
    ['10.20.0.01', undefined],
    ['10.20.0.1/24', undefined],
    ['', undefined],
  ])('%s -> %s', (text, n) => {
    expect(parseIpv4(text)).toBe(n);
  });

  it.each([
    ['10.20.0.0/22', '10.20.0.0', '10.20.3.255'],
    ['10.20.1.7/22', '10.20.0.0', '10.20.3.255'],
    ['0.0.0.0/0', '0.0.0.0', '255.255.255.255'],
    ['192.168.1.5/32', '192.168.1.5', '192.168.1.5'],
  ])('%s spans %s - %s', (text, first, last) => {
    const b = block(text);
    expect(formatIpv4(b.network)).toBe(first);
    expect(formatIpv4(b.broadcast)).toBe(last);
  });

  it.each(['10.20.0.0', '10.20.0.0/33', '10.20.0.0/', '10.20.0.0/ 8', 'x/24'])('%s is not a CIDR', (text) => {
    expect(parseCidr(text)).toBeUndefined();
  });
});

describe('subnet arithmetic', () => {
  it.each([
    ['10.20.0.0/22', '10.20.3.0/24', true],
    ['10.20.0.0/22', '10.20.4.0/24', false],
    ['10.10.0.0/24', '10.10.0.128/25', true],
    ['10.0.0.0/8', '10.99.0.0/24', true],
    ['10.10.0.0/24', '10.11.0.0/24', false],
    ['10.10.0.0/24', '10.10.0.255/32', true],
  ])('%s overlaps %s: %s', (a, b, expected) => {
    expect(overlaps(block(a), block(b))).toBe(expected);
    expect(overlaps(block(b), block(a))).toBe(expected);
  });

  it.each([
    ['10.20.0.0/22', '10.20.0.1', true],
    ['10.20.0.0/22', '10.20.3.254', true],
    ['10.20.0.0/22', '10.20.0.0', false],
    ['10.20.0.0/22', '10.20.3.255', false],
    ['10.20.0.0/22', '10.20.4.1', false],
    ['10.0.0.0/31', '10.0.0.0', true],
  ])('in %s, %s is a usable host: %s', (cidr, ip, expected) => {
    expect(isHostIn(block(cidr), parseIpv4(ip) ?? -1)).toBe(expected);
  });

  it('a block contains exactly the addresses between its network and broadcast', () => {
    fc.assert(
      fc.property(fc.ipV4(), fc.integer({ min: 0, max: 32 }), fc.ipV4(), (ip, prefix, other) => {
        const b = block(`${ip}/${prefix}`);
        const n = parseIpv4(other) ?? -1;
        expect(contains(b, b.network) && contains(b, b.broadcast) && contains(b, parseIpv4(ip) ?? -1)).toBe(
          true,
        );
        expect(b.broadcast - b.network + 1).toBe(2 ** (32 - prefix));
        expect(contains(b, n)).toBe(block(`${other}/${prefix}`).network === b.network);
        expect(formatCidr(block(formatCidr(b)))).toBe(formatCidr(b));
      }),
    );
  });

  it("two blocks overlap exactly when one contains the other's network address", () => {
    fc.assert(
      fc.property(
        fc.ipV4(),
        fc.integer({ min: 8, max: 32 }),
        fc.ipV4(),
        fc.integer({ min: 8, max: 32 }),
        (a, pa, b, pb) => {
          const x = block(`${a}/${pa}`);
          const y = block(`${b}/${pb}`);
          expect(overlaps(x, y)).toBe(contains(x, y.network) || contains(y, x.network));
        },
      ),
    );
  });
});
