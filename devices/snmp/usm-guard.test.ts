import { describe, expect, it } from 'vitest';
import { localizedKey, parseV3Header } from './usm-guard.ts';

describe('USM key localisation', () => {
  // RFC 3414 appendix A.3.1 and A.3.2: password "maplesyrup", engine ID 00..02.
  const engine = Buffer.from('000000000000000000000002', 'hex');
  it('matches RFC 3414 A.3.1 (MD5)', () => {
    expect(localizedKey('md5', 'maplesyrup', engine).toString('hex')).toBe(
      '526f5eed9fcce26f8964c2930787d82b',
    );
  });
  it('matches RFC 3414 A.3.2 (SHA)', () => {
    expect(localizedKey('sha', 'maplesyrup', engine).toString('hex')).toBe(
      '6695febc9288e36282235fc7151f128497b38f3f',
    );
  });
});

describe('SNMPv3 header reader', () => {
  it('reads nothing from garbage, a truncated message or a v2c message', () => {
    expect(parseV3Header(Buffer.from('this is not BER'))).toBeUndefined();
    expect(parseV3Header(Buffer.from([0x30, 0x82, 0xff, 0xff, 0x02, 0x01, 0x03]))).toBeUndefined();
    // v2c GET: SEQUENCE { INTEGER 1, OCTET STRING "public", ... }
    expect(parseV3Header(Buffer.from('3010020101040670756275626c6963a003020101', 'hex'))).toBeUndefined();
  });
});
