/**
 * Recorded replies in, typed facts out (the NAPALM pattern): every folder in test/fixtures/snmp/ holds a
 * `walk.json` (varbinds recorded from an agent with devices/snmp/record.ts, or written by hand for edge
 * cases) and the `expected.json` facts. Adding a misbehaving switch = recording it and writing down what
 * the facts should be.
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readRecordedWalk } from './record.ts';
import { switchFactsFromVarbinds } from './switch-facts.ts';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/snmp');
const ORIGIN = { device: 'recorded', host: '192.0.2.1', collectedAt: '2026-11-24T09:00:00.000Z' };

/** Facts as JSON (bigint counters become decimal strings, exactly). */
const asJson = (v: unknown): unknown =>
  JSON.parse(JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)));

function load(scenario: string) {
  const file = join(FIXTURES, scenario, 'walk.json');
  return readRecordedWalk(JSON.parse(readFileSync(file, 'utf8')), file);
}

const scenarios = readdirSync(FIXTURES).filter((d) => existsSync(join(FIXTURES, d, 'expected.json')));

describe('switch facts from recorded SNMP replies', () => {
  it('has the scenarios this suite promises', () => {
    expect(scenarios.sort()).toEqual(['cisco-3750-vtp', 'edge-cases', 'switch48', 'switch48-bad']);
  });

  it.each(scenarios)('%s gives the expected facts', (scenario) => {
    const expected = JSON.parse(readFileSync(join(FIXTURES, scenario, 'expected.json'), 'utf8')) as Record<
      string,
      unknown
    >;
    const facts = switchFactsFromVarbinds(load(scenario), ORIGIN, String(expected.snmpVersion));
    expect(asJson(facts)).toEqual(expected);
  });

  it('keeps Counter64 exact as bigint past 2^53', () => {
    const facts = switchFactsFromVarbinds(load('edge-cases'), ORIGIN, '2c');
    const byIf = new Map(facts.ports.map((p) => [p.ifIndex, p]));
    expect(byIf.get(1)?.inOctets).toBe(18446744073709551615n);
    expect(byIf.get(25)?.inOctets).toBe(9007199254740993n); // 2^53 + 1: a JS number would say ...992
    expect(typeof byIf.get(1)?.outOctets).toBe('bigint');
  });

  it('reads no PVID for an interface the bridge does not list, even if dot1qPvid has that number', () => {
    const facts = switchFactsFromVarbinds(load('edge-cases'), ORIGIN, '2c');
    expect(facts.ports.find((p) => p.ifIndex === 200)?.pvid).toBeUndefined();
    expect(facts.ports.some((p) => p.ifIndex === 100)).toBe(false); // an SVI is not a switch port
  });

  it('switch48-bad differs from switch48 exactly where its faults are', () => {
    const good = switchFactsFromVarbinds(load('switch48'), ORIGIN, '2c');
    const bad = switchFactsFromVarbinds(load('switch48-bad'), ORIGIN, '2c');
    expect(good.vlans.map((v) => v.id)).toEqual([10, 20, 30, 99]);
    expect(bad.vlans.map((v) => v.id)).toEqual([10, 20, 30]);
    const changed = good.ports.filter((p, i) => p.pvid !== bad.ports[i]?.pvid).map((p) => p.port);
    expect(changed).toEqual([5, 40, 45, 46]);
  });

  it('names the fixture and the varbind when a recording is malformed', () => {
    expect(() =>
      readRecordedWalk({ varbinds: [{ oid: '1.3.6.1.2.1.1.5.0', type: 'Bogus' }] }, 'walk.json'),
    ).toThrow(/walk\.json varbinds\[0\]: 1\.3\.6\.1\.2\.1\.1\.5\.0 has unknown type Bogus/);
    expect(() => readRecordedWalk({}, 'walk.json')).toThrow(/walk\.json: expected/);
  });
});
