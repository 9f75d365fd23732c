import { describe, expect, it } from 'vitest';
import { portList, pvidOf, renderSnmprec, SWITCH48, SWITCH48_BAD } from './switch48.ts';

const lines = (text: string) => text.trimEnd().split('\n');
const value = (text: string, oid: string) => lines(text).find((l) => l.startsWith(`${oid}|`));

describe('switch48 snmprec', () => {
  const rec = renderSnmprec(SWITCH48);

  it('is sorted numerically by OID (snmpsim requires it) with no duplicates', () => {
    const oids = lines(rec).map((l) => l.split('|')[0]?.split('.').map(Number) ?? []);
    for (let i = 1; i < oids.length; i++) {
      const [a = [], b = []] = [oids[i - 1], oids[i]];
      const k = a.findIndex((x, j) => x !== b[j]);
      expect(
        k === -1 ? a.length < b.length : (a[k] ?? 0) < (b[k] ?? 0),
        `${a.join('.')} before ${b.join('.')}`,
      ).toBe(true);
    }
  });

  it('encodes the brief VLAN plan as Q-BRIDGE PortLists and PVIDs', () => {
    expect(value(rec, '1.3.6.1.2.1.17.7.1.4.3.1.1.20')).toBe('1.3.6.1.2.1.17.7.1.4.3.1.1.20|4|PUPILS');
    expect(value(rec, '1.3.6.1.2.1.17.7.1.4.3.1.2.20')).toBe('1.3.6.1.2.1.17.7.1.4.3.1.2.20|4x|000ffffff003');
    expect(value(rec, '1.3.6.1.2.1.17.7.1.4.3.1.4.20')).toBe('1.3.6.1.2.1.17.7.1.4.3.1.4.20|4x|000ffffff000');
    expect(value(rec, '1.3.6.1.2.1.17.7.1.4.5.1.1.13')).toBe('1.3.6.1.2.1.17.7.1.4.5.1.1.13|66|20');
    expect(value(rec, '1.3.6.1.2.1.2.2.1.2.13')).toBe('1.3.6.1.2.1.2.2.1.2.13|4|GigabitEthernet1/0/13');
    expect(value(rec, '1.3.6.1.2.1.1.5.0')).toBe('1.3.6.1.2.1.1.5.0|4|core-sw1');
    expect(value(rec, '1.3.6.1.2.1.47.1.1.1.1.11.1')).toBe(
      `1.3.6.1.2.1.47.1.1.1.1.11.1|4|${SWITCH48.serial}`,
    );
  });

  it('sets bit 0x80 >> ((p-1) & 7) of byte (p-1) >> 3 for port p', () => {
    expect(portList([1], 48)).toBe('800000000000');
    expect(portList([8, 9, 48], 48)).toBe('018000000001');
  });

  it('has the deliberate faults in switch48-bad: no VLAN 99, ports 5 and 40 on the wrong PVID', () => {
    const bad = renderSnmprec(SWITCH48_BAD);
    expect(value(bad, '1.3.6.1.2.1.17.7.1.4.3.1.1.99')).toBeUndefined();
    expect(pvidOf(SWITCH48, 5)).toBe(10);
    expect(value(bad, '1.3.6.1.2.1.17.7.1.4.5.1.1.5')).toBe('1.3.6.1.2.1.17.7.1.4.5.1.1.5|66|20');
    expect(value(bad, '1.3.6.1.2.1.17.7.1.4.5.1.1.40')).toBe('1.3.6.1.2.1.17.7.1.4.5.1.1.40|66|10');
  });
});
