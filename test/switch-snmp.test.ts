/**
 * The SNMP client and switch facts against real agents on loopback: Net-SNMP's snmpd (a Linux host's
 * MIB-2) and snmpsim serving the testbed's 48-port switch (scripts/testbed/switch48.ts) and snmpsim's
 * shipped Catalyst 3750 and ProCurve 2810 recordings. Expected switch facts are computed from the switch's description,
 * not from the client, so a decoding mistake cannot agree with itself.
 */
import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { secretResolver } from '../inventory/secrets.ts';
import type { Device, SnmpSettings } from '../inventory/types.ts';
import { DeviceError } from '../devices/errors.ts';
import { SnmpSession, withSnmpSession, type SnmpTarget } from '../devices/snmp/client.ts';
import { collectSwitchFacts, walkSwitch } from '../devices/snmp/collect.ts';
import { readRecordedWalk } from '../devices/snmp/record.ts';
import { pvidOf, SWITCH48, SWITCH48_BAD } from '../scripts/testbed/switch48.ts';
import type { ServiceInfo, TestbedService } from '../scripts/testbed/types.ts';
import { testbedInfo } from './support/testbed.ts';
import switchFirmwareCheck from '../checks/firmware/switch-firmware-minimum.check.ts';
import type { SwitchFacts } from '../devices/facts.ts';
import { ctx, declaration, ok, run, schoolFacts } from './builders/fixtures.ts';

const tb = testbedInfo();
function service(name: TestbedService): ServiceInfo {
  const s = tb.services[name];
  if (!s) throw new Error(`testbed service ${name} is not running: not started`);
  return s;
}
function extra(s: ServiceInfo, key: string): string {
  const v = s.extra?.[key];
  if (v === undefined) throw new Error(`testbed service info lacks extra.${key}`);
  return v;
}

const snmpd = service('snmpd');
const snmpsim = service('snmpsim');
/** Secrets as a declaration would hold them: env: references, resolved by the real resolver. */
const resolveSecret = secretResolver(tb.dir, {
  SNMPD_COMMUNITY: extra(snmpd, 'community'),
  SNMP_AUTH: extra(snmpsim, 'authKey'),
  SNMP_PRIV: extra(snmpsim, 'privKey'),
  SNMPD_AUTH: extra(snmpd, 'authKey'),
  SNMPD_PRIV: extra(snmpd, 'privKey'),
  SWITCH48_COMMUNITY: 'switch48',
  CISCO_COMMUNITY: 'cisco_16_switch',
  PROCURVE_COMMUNITY: 'hp_perf',
  WRONG: 'not-the-community',
});
const NOW = () => new Date('2026-11-24T02:00:00Z');

function device(name: string, s: ServiceInfo, snmp: Omit<SnmpSettings, 'port'>): Device {
  return { name, kind: 'switch', driver: 'snmp', host: s.host, snmp: { ...snmp, port: s.port } };
}
const v3 = (context?: string): Omit<SnmpSettings, 'port'> => ({
  version: '3',
  user: snmpsim.user ?? 'auditor',
  authProtocol: 'sha',
  authKey: 'env:SNMP_AUTH',
  privProtocol: 'aes',
  privKey: 'env:SNMP_PRIV',
  ...(context ? { context } : {}),
});

async function rejection(p: Promise<unknown>): Promise<DeviceError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DeviceError) return e;
    throw e;
  }
  throw new Error('expected a DeviceError, but the call succeeded');
}

/** Open UDP sockets, counted once pending closes have run (a dgram socket closes on a later tick). */
async function udpSockets(): Promise<number> {
  await new Promise((r) => setTimeout(r, 20));
  return process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;
}

describe('SNMP client against snmpd (real agent)', () => {
  const target2c: SnmpTarget = {
    host: snmpd.host,
    port: snmpd.port,
    version: '2c',
    community: extra(snmpd, 'community'),
  };
  const target3: SnmpTarget = {
    host: snmpd.host,
    port: snmpd.port,
    version: '3',
    v3: {
      user: snmpd.user ?? 'auditor',
      authProtocol: 'sha',
      authKey: extra(snmpd, 'authKey'),
      privProtocol: 'aes',
      privKey: extra(snmpd, 'privKey'),
    },
  };

  it('walks with GetBulk over v2c and over v3 authPriv (SHA/AES), with the same answers', async () => {
    const walk = (t: SnmpTarget) =>
      withSnmpSession('snmpd', t, { timeoutMs: 5000 }, async (s) => ({
        sysName: (await s.get(['1.3.6.1.2.1.1.5.0']))[0]?.value?.toString(),
        ifDescr: (await s.walk('1.3.6.1.2.1.2.2.1.2')).map((vb) => vb.value?.toString()),
      }));
    const a = await walk(target2c);
    const b = await walk(target3);
    expect(a.sysName).toBe(extra(snmpd, 'sysName'));
    expect(a.ifDescr).toContain('lo');
    expect(b).toEqual(a);
  });

  it('speaks v3 with SHA-256 auth and AES-256 (Blumenthal) privacy, from a declaration', async () => {
    const facts = await collectSwitchFacts(
      device('snmpd', snmpd, {
        version: '3',
        user: extra(snmpd, 'user256'),
        authProtocol: 'sha256',
        authKey: 'env:SNMPD_AUTH',
        privProtocol: 'aes256b',
        privKey: 'env:SNMPD_PRIV',
      }),
      { resolveSecret, timeoutMs: 5000 },
    );
    expect(facts).toMatchObject({ sysName: extra(snmpd, 'sysName'), snmpVersion: '3', vlans: [] });
    // The same user with the wrong protocol pair is refused, so the protocols really were used.
    const err = await rejection(
      collectSwitchFacts(
        device('snmpd', snmpd, {
          version: '3',
          user: extra(snmpd, 'user256'),
          authProtocol: 'sha',
          authKey: 'env:SNMPD_AUTH',
          privProtocol: 'aes',
          privKey: 'env:SNMPD_PRIV',
        }),
        { resolveSecret, timeoutMs: 1500 },
      ),
    );
    expect(err.code).toBe('E-AUTH');
  });

  it('walks a large subtree completely and in order', async () => {
    const vbs = await withSnmpSession('snmpd', target2c, { timeoutMs: 10_000, maxRepetitions: 25 }, (s) =>
      s.walk('1.3.6.1.2.1'),
    );
    expect(vbs.length).toBeGreaterThan(500);
    expect(vbs.every((vb) => vb.oid.startsWith('1.3.6.1.2.1.'))).toBe(true);
    // The same walk with a different max-repetitions gets the same OIDs (no gaps at page edges).
    const again = await withSnmpSession('snmpd', target2c, { timeoutMs: 10_000, maxRepetitions: 7 }, (s) =>
      s.walk('1.3.6.1.2.1.2'),
    );
    expect(again.map((vb) => vb.oid)).toEqual(
      vbs.filter((vb) => vb.oid.startsWith('1.3.6.1.2.1.2.')).map((vb) => vb.oid),
    );
  });

  it('a wrong community is a timeout, says so, ends within the budget and leaves no socket open', async () => {
    const before = await udpSockets();
    const started = Date.now();
    const err = await rejection(
      collectSwitchFacts(device('snmpd', snmpd, { version: '2c', community: 'env:WRONG' }), {
        resolveSecret,
        timeoutMs: 1200,
      }),
    );
    expect(err.code).toBe('E-TIMEOUT');
    expect(err.message).toMatch(/wrong community looks exactly like a timeout/);
    expect(err.message).not.toContain('not-the-community');
    expect(Date.now() - started).toBeLessThan(1200 + 1500); // a bound against hanging, not a speed test
    expect(await udpSockets()).toBe(before);
  });

  it('a wrong v3 auth key is refused as E-AUTH; an unknown user too', async () => {
    const wrongAuth = await rejection(
      withSnmpSession(
        'snmpd',
        { ...target3, v3: { ...target3.v3!, authKey: 'WrongAuthKey99' } },
        { timeoutMs: 2000 },
        (s) => s.get(['1.3.6.1.2.1.1.5.0']),
      ),
    );
    expect(wrongAuth.code).toBe('E-AUTH');
    expect(wrongAuth.message).toMatch(/Wrong Digest/);
    const unknownUser = await rejection(
      withSnmpSession(
        'snmpd',
        { ...target3, v3: { ...target3.v3!, user: 'nobody-here' } },
        { timeoutMs: 2000 },
        (s) => s.get(['1.3.6.1.2.1.1.5.0']),
      ),
    );
    expect(unknownUser.code).toBe('E-AUTH');
    expect(unknownUser.message).toMatch(/Unknown User Name/);
  });

  it('a wrong v3 privacy key gets no readable answer: a typed error, never a pass', async () => {
    const err = await rejection(
      withSnmpSession(
        'snmpd',
        { ...target3, v3: { ...target3.v3!, privKey: 'WrongPrivKey99' } },
        { timeoutMs: 1200 },
        (s) => s.get(['1.3.6.1.2.1.1.5.0']),
      ),
    );
    // snmpd drops what it cannot decrypt, so this is the silent kind of failure.
    expect(err.code).toBe('E-TIMEOUT');
    expect(err.message).toMatch(/a wrong SNMPv3 user, key or context looks exactly like a timeout/);
  });

  it('a datagram of garbage from the "agent" is E-PROTOCOL, not a crash (a UDP socket stands in for a broken agent)', async () => {
    const fake = createSocket('udp4');
    fake.on('message', (_msg, rinfo) => fake.send(Buffer.from('this is not BER'), rinfo.port, rinfo.address));
    await new Promise<void>((r) => fake.bind(0, '127.0.0.1', r));
    try {
      const err = await rejection(
        withSnmpSession(
          'broken',
          { host: '127.0.0.1', port: fake.address().port, version: '2c', community: 'x' },
          { timeoutMs: 800 },
          (s) => s.get(['1.3.6.1.2.1.1.5.0']),
        ),
      );
      expect(err.code).toBe('E-PROTOCOL');
      expect(err.message).toMatch(/unreadable SNMP reply/);
    } finally {
      fake.close();
    }
  });

  it('closes its session even when the caller throws', async () => {
    const before = await udpSockets();
    let session: SnmpSession | undefined;
    await expect(
      withSnmpSession('snmpd', target2c, { timeoutMs: 2000 }, async (s) => {
        session = s;
        await s.get(['1.3.6.1.2.1.1.5.0']);
        throw new Error('caller failed');
      }),
    ).rejects.toThrow('caller failed');
    expect(session?.isClosed).toBe(true);
    expect(await udpSockets()).toBe(before);
  });
});

describe('switch facts from snmpsim: the testbed switch48', () => {
  const expectedVlans = SWITCH48.vlans.map((v) => ({
    id: v.id,
    name: v.name,
    egressPorts: [...v.untagged, ...v.tagged].sort((a, b) => a - b),
    untaggedPorts: [...v.untagged].sort((a, b) => a - b),
  }));

  it('over v3 authPriv with the switch48 context: VLANs, PortLists, PVIDs, ports, ENTITY serial, version', async () => {
    const facts = await collectSwitchFacts(device('core-sw1', snmpsim, v3('switch48')), {
      resolveSecret,
      timeoutMs: 10_000,
      now: NOW,
    });
    expect(facts).toMatchObject({
      device: 'core-sw1',
      host: snmpsim.host,
      collectedAt: '2026-11-24T02:00:00.000Z',
      sysName: SWITCH48.sysName,
      sysDescr: SWITCH48.sysDescr,
      snmpVersion: '3',
    });
    expect(facts.vlans).toEqual(expectedVlans);
    expect(facts.ports.map((p) => p.port)).toEqual(Array.from({ length: 48 }, (_, i) => i + 1));
    for (const p of facts.ports) {
      expect(p.pvid, `PVID of port ${p.port}`).toBe(pvidOf(SWITCH48, p.port));
      expect(p.name).toBe(`Gi1/0/${p.port}`);
      expect(p.operUp, `oper status of port ${p.port}`).toBe(!SWITCH48.operDown.includes(p.port));
      expect(p.adminUp, `admin status of port ${p.port}`).toBe(!SWITCH48.adminDown.includes(p.port));
      expect(p.alias).toBe(SWITCH48.aliases[p.port]);
    }
    // Counter64 past 2^53 arrives exact.
    expect(facts.ports[46]?.inOctets).toBe(12345678901234567890n);
    const chassis = facts.entities.find((e) => e.class === 'chassis');
    expect(chassis).toMatchObject({
      serial: SWITCH48.serial,
      model: SWITCH48.model,
      softwareRev: SWITCH48.software,
    });
  });

  it('over v2c (community = data file) gives the same facts', async () => {
    const a = await collectSwitchFacts(device('core-sw1', snmpsim, v3('switch48')), {
      resolveSecret,
      timeoutMs: 10_000,
      now: NOW,
    });
    const b = await collectSwitchFacts(
      device('core-sw1', snmpsim, { version: '2c', community: 'env:SWITCH48_COMMUNITY' }),
      {
        resolveSecret,
        timeoutMs: 10_000,
        now: NOW,
      },
    );
    expect(b.snmpVersion).toBe('2c');
    expect({ ...b, snmpVersion: '3' }).toEqual(a);
  });

  it('switch48-bad shows its faults: VLAN 99 missing, wrong PVIDs', async () => {
    const facts = await collectSwitchFacts(device('core-sw2', snmpsim, v3('switch48-bad')), {
      resolveSecret,
      timeoutMs: 10_000,
    });
    expect(facts.vlans.map((v) => v.id)).toEqual([10, 20, 30]);
    expect(facts.ports.map((p) => p.pvid)).toEqual(facts.ports.map((p) => pvidOf(SWITCH48_BAD, p.port)));
    expect(facts.ports.find((p) => p.port === 5)?.pvid).toBe(20);
  });

  it('the recorded fixture is still what the testbed switch answers (re-record with devices/snmp/record.ts if not)', async () => {
    const file = join(import.meta.dirname, 'fixtures/snmp/switch48/walk.json');
    const recorded = readRecordedWalk(JSON.parse(readFileSync(file, 'utf8')), file);
    const live = await withSnmpSession(
      'core-sw1',
      { host: snmpsim.host, port: snmpsim.port, version: '2c', community: 'switch48' },
      { timeoutMs: 10_000 },
      (s) => walkSwitch(s),
    );
    const key = (vbs: typeof live) => new Map(vbs.map((vb) => [vb.oid, vb]));
    expect(key(live)).toEqual(key(recorded));
  });

  it('a wrong v3 auth key for snmpsim is refused', async () => {
    const bad = { ...v3('switch48'), authKey: 'env:WRONG' as const };
    const err = await rejection(
      collectSwitchFacts(device('core-sw1', snmpsim, bad), { resolveSecret, timeoutMs: 2000 }),
    );
    // snmpsim answers with a report it signs with the real key, which our key cannot verify.
    expect(err.code).toBe('E-AUTH');
    expect(err.message).toMatch(/not signed with our auth key/);
  });

  it('an unresolvable secret is E-SECRET and names the reference, not a value', async () => {
    const err = await rejection(
      collectSwitchFacts(
        device('core-sw1', snmpsim, { ...v3('switch48'), privKey: 'env:NOT_SET_ANYWHERE' }),
        { resolveSecret, timeoutMs: 2000 },
      ),
    );
    expect(err.code).toBe('E-SECRET');
    expect(err.message).toMatch(/snmp\.privKey/);
  });
});

describe('switch facts from snmpsim: the shipped Catalyst 3750 (CISCO-VTP-MIB, no Q-BRIDGE)', () => {
  it('reads VLANs from vtpVlanTable and access VLANs from vmVlan', async () => {
    const facts = await collectSwitchFacts(
      device('cat3750', snmpsim, { version: '2c', community: 'env:CISCO_COMMUNITY' }),
      { resolveSecret, timeoutMs: 15_000 },
    );
    expect(facts.sysName).toBe('Profiler3750');
    expect(facts.sysObjectId).toBe('1.3.6.1.4.1.9.1.516');
    expect(facts.vlans.map((v) => `${v.id}:${v.name}`)).toEqual([
      '1:default', '4:mgmt', '10:MGMT', '35:DATA', '60:vlan60', '63:vlan63', '65:vlan65', '70:primary-vlan',
      '73:vlan73', '74:vlan74', '80:vlan80', '200:VLAN0200', '201:VOICE2', '250:VLAN250', '255:VLAN255', '998:VLAN998',
    ]); // prettier-ignore
    expect(facts.vlans.every((v) => v.egressPorts.length === 0 && v.untaggedPorts.length === 0)).toBe(true);
    const byName = new Map(facts.ports.map((p) => [p.name, p]));
    expect(byName.get('Fa3/0/1')?.pvid).toBe(65);
    expect(byName.get('Fa3/0/2')?.pvid).toBe(60);
    expect(byName.get('Fa3/0/43')).toMatchObject({
      alias: 'connected to ruckus wlc',
      operUp: true,
      speedMbps: 100,
    });
    expect(byName.has('Vlan1')).toBe(false); // SVIs are not switch ports
    const chassis = facts.entities.find((e) => e.class === 'chassis');
    expect(chassis).toMatchObject({
      serial: 'CAT0952N20R',
      model: 'WS-C3750-48PS-S',
      softwareRev: '12.2(55)SE10',
    });
  });
});

describe('firmware without ENTITY-MIB, from real agents', () => {
  /** Net-SNMP's own client, independent of ours. */
  const netSnmp = (cmd: string, ...args: string[]): Promise<string> =>
    new Promise((resolve, reject) =>
      execFile(cmd, ['-v2c', '-c', 'hp_perf', '-m', '', '-On', ...args], (err, stdout) =>
        err ? reject(err) : resolve(stdout),
      ),
    );
  const asCoreSw1 = (facts: SwitchFacts, minFirmware: string) => {
    const decl = declaration();
    const devices = decl.devices.map((d) => (d.name === 'core-sw1' ? { ...d, minFirmware } : d));
    return run(switchFirmwareCheck, schoolFacts({ switches: [ok(facts)] }), {}, ctx({ ...decl, devices }));
  };

  it("snmpsim's ProCurve 2810-24G recording: no ENTITY-MIB, so the firmware is read from sysDescr and the source named", async () => {
    const target = `${snmpsim.host}:${snmpsim.port}`;
    // What the agent holds, by Net-SNMP's snmpget/snmpbulkwalk: a sysDescr, and nothing under ENTITY-MIB.
    const descr = await netSnmp('snmpget', '-Oqv', target, '1.3.6.1.2.1.1.1.0');
    const entity = await netSnmp('snmpbulkwalk', target, '1.3.6.1.2.1.47');
    expect(entity).not.toMatch(/^\.1\.3\.6\.1\.2\.1\.47\./m);
    const facts = await collectSwitchFacts(
      device('core-sw1', snmpsim, { version: '2c', community: 'env:PROCURVE_COMMUNITY' }),
      { resolveSecret, timeoutMs: 15_000 },
    );
    expect(facts.entities).toEqual([]);
    expect(descr.replace(/^"|"\s*$/g, '').trim()).toContain('revision N.11.75');
    expect(facts.sysDescr).toContain('revision N.11.75');
    const [passes] = asCoreSw1(facts, '11.70');
    expect(passes?.status).toBe('pass');
    expect(passes?.reason).toBe(
      'core-sw1 runs firmware N.11.75 (read from sysDescr, HPE ProCurve / ArubaOS-Switch format) (minimum 11.70).',
    );
    expect(asCoreSw1(facts, '11.80')[0]?.status).toBe('fail');
  });

  it("Net-SNMP's snmpd (a Linux host: nothing names a switch firmware): a warning for that device, not an error", async () => {
    const facts = await collectSwitchFacts(
      device('core-sw1', snmpd, { version: '2c', community: 'env:SNMPD_COMMUNITY' }),
      { resolveSecret, timeoutMs: 15_000 },
    );
    const [r] = asCoreSw1(facts, '15.2');
    expect(r?.status).toBe('not_applicable');
    expect(r?.warning).toMatch(
      /^core-sw1's firmware cannot be read: neither ENTITY-MIB nor sysDescr names it \(sysDescr "Linux /,
    );
  });
});
