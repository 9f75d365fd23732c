/**
 * The SNMPv3 client against a forging agent (test/support/forging-snmp-agent.ts): a UDP peer on loopback
 * that answers for a switch without its keys, with the wrong level, from another engine, or by replay.
 * The genuine side of the same client is proven against snmpd and snmpsim in switch-snmp.test.ts.
 */
import snmp from 'net-snmp';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../devices/errors.ts';
import { withSnmpSession, type SnmpTarget } from '../devices/snmp/client.ts';
import { collectSwitchFacts } from '../devices/snmp/collect.ts';
import {
  ENGINE_ID,
  FORGED_VALUE,
  OTHER_ENGINE_ID,
  startForgingAgent,
  type ForgeryMode,
  type ForgingAgent,
} from './support/forging-snmp-agent.ts';

const AUTH = 'auth-password-1';
const PRIV = 'priv-password-1';
const SYS_NAME = '1.3.6.1.2.1.1.5.0';
let agent: ForgingAgent | undefined;
afterEach(async () => {
  await agent?.close();
  agent = undefined;
});

async function forger(mode: ForgeryMode): Promise<ForgingAgent> {
  agent = await startForgingAgent(mode, { authKey: AUTH });
  return agent;
}
const authPriv = (port: number): SnmpTarget => ({
  host: '127.0.0.1',
  port,
  version: '3',
  v3: { user: 'auditor', authProtocol: 'sha', authKey: AUTH, privProtocol: 'aes', privKey: PRIV },
});
const authNoPriv = (port: number): SnmpTarget => ({
  host: '127.0.0.1',
  port,
  version: '3',
  v3: { user: 'auditor', authProtocol: 'sha', authKey: AUTH },
});

async function rejection(p: Promise<unknown>): Promise<DeviceError> {
  try {
    const v = await p;
    throw new Error(`expected a DeviceError, got ${JSON.stringify(v)}`);
  } catch (e) {
    if (e instanceof DeviceError) return e;
    throw e;
  }
}
const getSysName = (target: SnmpTarget, timeoutMs = 1500) =>
  withSnmpSession('core-sw1', target, { timeoutMs }, (s) => s.get([SYS_NAME]));

/** net-snmp on its own, as the issue found it: what the forger's reply would have done unguarded. */
function unguardedGet(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const session = snmp.createV3Session(
      '127.0.0.1',
      {
        name: 'auditor',
        level: snmp.SecurityLevel.authPriv,
        authProtocol: snmp.AuthProtocols.sha,
        authKey: AUTH,
        privProtocol: snmp.PrivProtocols.aes,
        privKey: PRIV,
      },
      { port, timeout: 800, retries: 0, version: snmp.Version3 },
    );
    session.on('error', () => undefined);
    session.get([SYS_NAME], (err, vbs) => {
      session.close();
      if (err) reject(err);
      else resolve(String(vbs?.[0]?.value));
    });
  });
}

describe('SNMPv3 replies without the keys are refused (forging agent on loopback)', () => {
  it('a plain noAuthNoPriv Response to an authPriv GET: the forger fools bare net-snmp, not our client', async () => {
    const { port } = await forger('flags-off');
    expect(await unguardedGet(port)).toBe(FORGED_VALUE);
    const err = await rejection(getSysName(authPriv(port)));
    expect(err.code).toBe('E-AUTH');
    expect(err.message).toMatch(/^core-sw1: untrusted SNMPv3 reply from 127\.0\.0\.1:\d+/);
    expect(err.message).toMatch(/unauthenticated reply to an authPriv request/);
    expect(err.message).not.toContain(FORGED_VALUE);
  });

  it('a plain Response to the discovery request, before any key is used', async () => {
    const { port } = await forger('answer-discovery');
    const err = await rejection(getSysName(authPriv(port)));
    expect(err.code).toBe('E-AUTH');
    expect(err.message).toMatch(/unauthenticated reply to an authPriv request/);
  });

  it('flags claiming authPriv with a made-up MAC and ciphertext', async () => {
    const { port } = await forger('bad-mac');
    const err = await rejection(getSysName(authPriv(port)));
    expect(err.code).toBe('E-AUTH');
    expect(err.message).toMatch(/not signed with our auth key \(HMAC-SHA-96 does not verify\)/);
  });

  it('a peer with the auth key but not the privacy key: a signed, unencrypted Response to authPriv', async () => {
    const { port } = await forger('signed-plain');
    const err = await rejection(getSysName(authPriv(port)));
    expect(err.message).toMatch(/unencrypted \(authNoPriv\) reply to an authPriv request/);
  });

  it('the forger signs correctly: an authNoPriv session accepts its signed reply (positive control)', async () => {
    const { port } = await forger('genuine');
    const vbs = await getSysName(authNoPriv(port));
    expect(Buffer.from(vbs[0]?.value as Uint8Array).toString()).toBe(FORGED_VALUE);
  });

  it('a correctly signed reply from another engine ID (a sibling switch with the same credentials)', async () => {
    const { port } = await forger('wrong-engine');
    const err = await rejection(getSysName(authNoPriv(port)));
    expect(err.code).toBe('E-AUTH');
    expect(err.message).toMatch(
      /reply from engine ID 80001f8880aabbccddeeff0011 to a request for engine ID 80001f88800102030405060708 \(wrong engine ID\)/,
    );
  });

  it('a replayed reply never answers a later request', async () => {
    const { port } = await forger('replay');
    const err = await rejection(
      withSnmpSession('core-sw1', authNoPriv(port), { timeoutMs: 1500 }, async (s) => {
        const first = await s.get([SYS_NAME]);
        expect(Buffer.from(first[0]?.value as Uint8Array).toString()).toBe(FORGED_VALUE);
        return s.get([SYS_NAME]);
      }),
    );
    expect(err.code).toBe('E-TIMEOUT');
    expect(err.message).toMatch(
      /repl(y|ies) answering no request in flight \(replayed, duplicated or stray\)/,
    );
  });

  it('a switch audit against the forger ends in an error naming the device, never in facts', async () => {
    const { port } = await forger('flags-off');
    const err = await rejection(
      collectSwitchFacts(
        {
          name: 'hall-switch',
          kind: 'switch',
          driver: 'snmp',
          host: '127.0.0.1',
          snmp: {
            version: '3',
            port,
            user: 'auditor',
            authProtocol: 'sha',
            authKey: 'env:A',
            privProtocol: 'aes',
            privKey: 'env:P',
          },
        },
        { timeoutMs: 2000, resolveSecret: async (ref) => (ref === 'env:A' ? AUTH : PRIV) },
      ),
    );
    expect(err.device).toBe('hall-switch');
    expect(err.message).toMatch(
      /^hall-switch: untrusted SNMPv3 reply .*unauthenticated reply to an authPriv request/,
    );
  });
});

describe('the switch engine ID is pinned (declared or recorded at first contact)', () => {
  const pinned = (port: number, engineId: string, source = 'declared in snmp.engineId'): SnmpTarget => {
    const t = authNoPriv(port);
    return { ...t, v3: { ...t.v3!, engineId, engineIdSource: source } };
  };

  it('unpinned, an impostor holding the password is believed: what the pin is for (positive control)', async () => {
    const { port } = await forger('impostor');
    const vbs = await getSysName(authNoPriv(port));
    expect(Buffer.from(vbs[0]?.value as Uint8Array).toString()).toBe(FORGED_VALUE);
  });

  it('pinned, the impostor naming another engine in discovery is refused before any request is signed', async () => {
    const agent = await forger('impostor');
    const err = await rejection(getSysName(pinned(agent.port, ENGINE_ID)));
    expect(err.code).toBe('E-AUTH');
    expect(err.message).toMatch(/^core-sw1: untrusted SNMPv3 reply from 127\.0\.0\.1:\d+/);
    expect(err.message).toContain(
      `the agent answers as engine ID ${OTHER_ENGINE_ID}, but this switch's engine ID is pinned to ${ENGINE_ID} (declared in snmp.engineId)`,
    );
    expect(err.message).not.toContain(FORGED_VALUE);
    // Only the discovery request was sent: nothing signed with our key went to the impostor.
    expect(agent.received).toBe(1);
  });

  it('pinned to the engine that answers: the signed reply is accepted', async () => {
    const { port } = await forger('genuine');
    const vbs = await getSysName(pinned(port, ENGINE_ID));
    expect(Buffer.from(vbs[0]?.value as Uint8Array).toString()).toBe(FORGED_VALUE);
  });

  it('trust on first use: the engine that first proved our key is recorded, and the impostor refused after', async () => {
    const seen: string[] = [];
    const genuine = await forger('genuine');
    await withSnmpSession(
      'core-sw1',
      authNoPriv(genuine.port),
      { timeoutMs: 1500, recordEngineId: (id) => seen.push(id) },
      (s) => s.get([SYS_NAME]),
    );
    expect(seen).toEqual([ENGINE_ID]);
    await genuine.close();
    agent = undefined;
    const impostor = await forger('impostor');
    const err = await rejection(
      getSysName(pinned(impostor.port, seen[0]!, 'recorded at first contact in /state/demo.json')),
    );
    expect(err.message).toContain(`pinned to ${ENGINE_ID} (recorded at first contact in /state/demo.json)`);
  });

  it('an unauthenticated discovery Report alone records nothing (only a reply signed with our key does)', async () => {
    const seen: string[] = [];
    const { port } = await forger('bad-mac');
    await rejection(
      withSnmpSession(
        'core-sw1',
        authPriv(port),
        { timeoutMs: 1500, recordEngineId: (id) => seen.push(id) },
        (s) => s.get([SYS_NAME]),
      ),
    );
    expect(seen).toEqual([]);
  });
});
