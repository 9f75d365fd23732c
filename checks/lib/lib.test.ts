import { describe, expect, it } from 'vitest';
import { contains, inSubnet, isPrivate, parseRange } from './ip.ts';
import { addMonths, daysBetween } from './time.ts';
import { compareVersions } from './version.ts';

describe('ip ranges', () => {
  it.each([
    ['10.20.0.0/22', 0x0a140000, 0x0a1403ff],
    ['10.20.1.7/22', 0x0a140000, 0x0a1403ff],
    ['10.0.0.1', 0x0a000001, 0x0a000001],
    ['10.0.0.1-10.0.0.9', 0x0a000001, 0x0a000009],
    ['0.0.0.0/0', 0, 0xffffffff],
  ])('%s', (text, first, last) => {
    expect(parseRange(text)).toEqual({ first, last });
  });

  it.each(['10.0.0.256', '10.0.0.0/33', 'fe80::1', 'dns.example.org', '10.0.0.9-10.0.0.1', '10.0.0.0/'])(
    'refuses %s',
    (text) => {
      expect(parseRange(text)).toBeUndefined();
    },
  );

  it('knows containment and private space', () => {
    expect(contains(parseRange('10.0.0.0/8')!, parseRange('10.20.0.0/22')!)).toBe(true);
    expect(inSubnet('10.20.3.255', '10.20.0.0/22')).toBe(true);
    expect(inSubnet('10.20.4.0', '10.20.0.0/22')).toBe(false);
    expect(isPrivate(parseRange('192.168.1.0/24')!)).toBe(true);
    expect(isPrivate(parseRange('8.8.8.8')!)).toBe(false);
  });
});

describe('versions', () => {
  it.each([
    ['7.14', '7.14', 0],
    ['7.16.1', '7.14', 1],
    ['7.13.5', '7.14', -1],
    ['7.14rc2', '7.14', -1],
    ['7.16.1 (stable)', '7.16', 1],
    ['15.2(7)E4', '15.2(7)E2', 0],
    ['15.2(4)E10', '15.2(7)', -1],
  ])('%s vs %s', (a, b, sign) => {
    expect(Math.sign(compareVersions(a, b) ?? NaN)).toBe(sign);
  });

  it('says when it cannot compare', () => {
    expect(compareVersions('unknown', '7.14')).toBeUndefined();
  });
});

describe('dates', () => {
  it('adds calendar months, clamping to the month end', () => {
    expect(addMonths('2025-01-31', 1)).toBe('2025-02-28');
    expect(addMonths('2019-10-01', 12)).toBe('2020-10-01');
  });
  it('counts whole days', () => {
    expect(daysBetween('2026-11-01T00:00:00Z', '2026-11-24T02:00:00Z')).toBe(23);
    expect(daysBetween('garbage', '2026-11-24')).toBeUndefined();
  });
});
