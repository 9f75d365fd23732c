/**
 * SNMPv3-only management judged from what a real agent answered: snmpsim serving the testbed's
 * 48-port switch, read once over SNMPv3 authPriv and once with a v2c community. The verdict is the
 * pure check (checks/switches/switch-snmp-v3-only.check.ts) over the collected facts; the agent, not
 * our code, decides which version answers.
 */
import { describe, expect, it } from 'vitest';
import type { SchoolFacts } from '../devices/facts.ts';
import { collectSwitchFacts } from '../devices/snmp/collect.ts';
import { secretResolver } from '../inventory/secrets.ts';
import type { Device, SchoolDeclaration, SnmpSettings } from '../inventory/types.ts';
import check from '../checks/switches/switch-snmp-v3-only.check.ts';
import { switchManagement } from './builders/fixtures.ts';
import { testbedInfo } from './support/testbed.ts';

const tb = testbedInfo();
const snmpsim = tb.services.snmpsim;
if (snmpsim === undefined) throw new Error('testbed service snmpsim is not running');
const resolveSecret = secretResolver(tb.dir, {
  SNMP_AUTH: snmpsim.extra?.authKey ?? '',
  SNMP_PRIV: snmpsim.extra?.privKey ?? '',
  SWITCH48_COMMUNITY: 'switch48',
});

function device(snmp: Omit<SnmpSettings, 'port'>): Device {
  return {
    name: 'core-sw1',
    kind: 'switch',
    driver: 'snmp',
    host: snmpsim!.host,
    snmp: { ...snmp, port: snmpsim!.port },
  };
}

async function judge(snmp: Omit<SnmpSettings, 'port'>, withCli: boolean) {
  const d = device(snmp);
  const sw = await collectSwitchFacts(d, { resolveSecret, timeoutMs: 10_000, now: () => new Date() });
  const facts: SchoolFacts = {
    school: 'oak',
    collectedAt: new Date().toISOString(),
    routers: [],
    switches: [{ ok: true, facts: withCli ? { ...sw, management: switchManagement() } : sw }],
  };
  const decl = {
    school: { id: 'oak' },
    devices: [d],
    networks: [],
    wifi: [],
  } as unknown as SchoolDeclaration;
  return check.evaluate(facts, {}, { decl, now: new Date().toISOString() });
}

describe('switch-snmp-v3-only against snmpsim', () => {
  it('fails a switch that answered a v2c community, with the version as evidence', async () => {
    const r = await judge({ version: '2c', community: 'env:SWITCH48_COMMUNITY' }, true);
    expect(r.map((x) => x.status)).toEqual(['fail']);
    expect(r[0]?.evidence[0]).toMatchObject({ source: 'core-sw1', actual: 'answered SNMPv2c' });
    expect(JSON.stringify(r)).not.toContain('switch48');
  });

  it('passes the same switch read over SNMPv3 authPriv when its configuration holds no community', async () => {
    const v3: Omit<SnmpSettings, 'port'> = {
      version: '3',
      user: snmpsim!.user ?? 'auditor',
      authProtocol: 'sha',
      authKey: 'env:SNMP_AUTH',
      privProtocol: 'aes',
      privKey: 'env:SNMP_PRIV',
      context: 'switch48',
    };
    expect((await judge(v3, true)).map((x) => x.status)).toEqual(['pass']);
    // Without its configuration nothing rules a v2c community out: an error, never a pass.
    expect((await judge(v3, false)).map((x) => x.status)).toEqual(['error']);
  });
});
