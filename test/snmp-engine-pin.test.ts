/**
 * SNMPv3 engine-ID pinning against a real agent: Net-SNMP's snmpd from the testbed. The engine ID the
 * client learns and records at first contact is compared with what Net-SNMP's own `snmpget` reads from
 * the agent (SNMP-FRAMEWORK-MIB snmpEngineID.0), a client we did not write. A declared pin, a recorded
 * pin, and a wrong pin of either kind are then tried on a full switch collection. The hostile side (an
 * impostor holding the password under another engine ID) is in snmp-forgery.test.ts.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DeviceError } from '../devices/errors.ts';
import { collectSwitchFacts } from '../devices/snmp/collect.ts';
import { snmpEngineFile } from '../devices/snmp/engine-pins.ts';
import type { Device } from '../inventory/types.ts';
import { testbedInfo } from './support/testbed.ts';

const tb = testbedInfo();
const started = tb.services.snmpd;
if (!started?.extra) throw new Error('testbed service snmpd is not running');
const snmpd = started;
const AUTH = started.extra['authKey']!;
const PRIV = started.extra['privKey']!;
const SNMP_ENGINE_ID = '1.3.6.1.6.3.10.2.1.1.0';
const dir = mkdtempSync(join(tmpdir(), 'schoolnet-engine-pins-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const switchDevice = (engineId?: string): Device => ({
  name: 'server-room',
  kind: 'switch',
  driver: 'snmp',
  host: snmpd.host,
  snmp: {
    version: '3',
    port: snmpd.port,
    user: snmpd.user ?? 'auditor',
    authProtocol: 'sha',
    authKey: 'env:A',
    privProtocol: 'aes',
    privKey: 'env:P',
    ...(engineId ? { engineId } : {}),
  },
});
const opts = {
  timeoutMs: 10_000,
  resolveSecret: async (ref: string) => (ref === 'env:A' ? AUTH : PRIV),
};

/** snmpEngineID.0 as Net-SNMP's snmpget reads it (hex, lower case). */
function engineIdBySnmpget(): string {
  // prettier-ignore
  const out = execFileSync('snmpget', [
    '-v3', '-l', 'authPriv', '-u', snmpd.user ?? 'auditor', '-a', 'SHA', '-A', AUTH, '-x', 'AES', '-X', PRIV,
    '-m', '', '-Ovxq', `udp:${snmpd.host}:${snmpd.port}`, SNMP_ENGINE_ID,
  ], { encoding: 'utf8' });
  return out.replace(/[^0-9a-fA-F]/g, '').toLowerCase();
}

async function rejection(p: Promise<unknown>): Promise<DeviceError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof DeviceError) return e;
    throw e;
  }
  throw new Error('expected a DeviceError, but the collection succeeded');
}

describe('the switch engine ID, pinned, against snmpd', () => {
  const real = engineIdBySnmpget();

  it('first contact records the engine ID snmpget reads from the agent, in a private file', async () => {
    expect(real).toMatch(/^[0-9a-f]{10,64}$/);
    const record = snmpEngineFile(dir, 'demo');
    const facts = await collectSwitchFacts(switchDevice(), { ...opts, snmpEngines: record });
    expect(facts.sysName).toBeTruthy();
    const file = join(dir, 'demo.json');
    const saved = JSON.parse(readFileSync(file, 'utf8')) as Record<
      string,
      { engineId: string; host: string }
    >;
    expect(saved['server-room']).toMatchObject({ engineId: real, host: snmpd.host });
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    // Next time the record is the pin, and the same agent passes it.
    expect(record.get(switchDevice())).toBe(real);
    const again = await collectSwitchFacts(switchDevice(), { ...opts, snmpEngines: record });
    expect(again.sysName).toBe(facts.sysName);
  });

  it('a recorded engine ID the agent does not have is an error naming both and the record', async () => {
    const other = '80001f8880' + 'ab'.repeat(8);
    writeFileSync(
      join(dir, 'other.json'),
      JSON.stringify({ 'server-room': { engineId: other, host: snmpd.host, port: snmpd.port } }),
      { mode: 0o600 },
    );
    const err = await rejection(
      collectSwitchFacts(switchDevice(), { ...opts, snmpEngines: snmpEngineFile(dir, 'other') }),
    );
    expect(err.code).toBe('E-AUTH');
    expect(err.device).toBe('server-room');
    expect(err.message).toContain(
      `the agent answers as engine ID ${real}, but this switch's engine ID is pinned to ${other} (recorded at first contact in ${join(dir, 'other.json')})`,
    );
  });

  it('a declared engine ID: the right one (any case, 0x, colons) collects; a wrong one is an error', async () => {
    const spaced = '0x' + (real.toUpperCase().match(/../g) ?? []).join(':');
    const facts = await collectSwitchFacts(switchDevice(spaced), opts);
    expect(facts.sysName).toBeTruthy();
    const wrong = real.slice(0, -2) + (real.endsWith('00') ? '01' : '00');
    const err = await rejection(collectSwitchFacts(switchDevice(wrong), opts));
    expect(err.code).toBe('E-AUTH');
    expect(err.message).toContain(`pinned to ${wrong} (declared in snmp.engineId)`);
    expect(err.message).toContain('update the pin');
  });

  it('a declared engine ID that is not one is a configuration error before anything is sent', async () => {
    const err = await rejection(collectSwitchFacts(switchDevice('80:00:zz'), opts));
    expect(err.code).toBe('E-CONFIG');
    expect(err.message).toMatch(/snmp\.engineId "80:00:zz" is not an SNMP engine ID/);
  });
});
