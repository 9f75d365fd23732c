import { describe, expect, it } from 'vitest';
import {
  about,
  ctx,
  declaration,
  failed,
  ok,
  run,
  schoolFacts,
  statuses,
  switchCli,
  switchFacts,
  switchManagement,
} from '../../test/builders/fixtures.ts';
import plaintext from './switch-management-plaintext-off.check.ts';
import pvid from './switch-port-pvid-declared.check.ts';
import community from './switch-snmp-default-community.check.ts';

describe('switch-port-pvid-declared', () => {
  it('passes each declared access port', () => {
    expect(statuses(run(pvid, schoolFacts()))).toEqual(['pass', 'pass', 'pass', 'pass']);
  });

  it('fails a pupil socket patched onto the staff VLAN', () => {
    const sw = switchFacts();
    const facts = schoolFacts({
      switches: [ok({ ...sw, ports: sw.ports.map((p) => (p.port === 13 ? { ...p, pvid: 10 } : p)) })],
    });
    const r = about(run(pvid, facts), 'port 13');
    expect(r?.status).toBe('fail');
    expect(r?.reason).toBe(
      'Port 13 (gi1/0/13) on core-sw1 (sysName "oak-core-sw1") is on VLAN 10; it is declared on PUPILS (VLAN 20).',
    );
  });

  it('names the port by its description (ifAlias, device text made safe) and the switch by its sysName', () => {
    const sw = switchFacts();
    const facts = schoolFacts({
      switches: [
        ok({
          ...sw,
          ports: sw.ports.map((p) =>
            p.port === 13 ? { ...p, pvid: 10, alias: 'Library PC 3 <b>"x"</b>\u0007\r\nrm' } : p,
          ),
        }),
      ],
    });
    const r = about(run(pvid, facts), 'port 13');
    expect(r?.reason).toBe(
      'Port 13 "Library PC 3 <b>\\"x\\"</b> rm" (gi1/0/13) on core-sw1 (sysName "oak-core-sw1") is on VLAN 10; it is declared on PUPILS (VLAN 20).',
    );
    // The finding's key stays the port number, so a renamed port keeps its history.
    expect(r?.evidence[0]?.object).toBe('port 13');
  });

  it('is an error, not a pass, for a port the switch did not report', () => {
    const sw = switchFacts();
    const facts = schoolFacts({ switches: [ok({ ...sw, ports: sw.ports.filter((p) => p.port !== 45) })] });
    expect(about(run(pvid, facts), 'port 45')?.status).toBe('error');
  });

  it('matches ports declared by name', () => {
    const decl = declaration();
    const byName = {
      ...decl,
      devices: decl.devices.map((d) =>
        d.name === 'core-sw1'
          ? { ...d, ports: [{ port: 'gi1/0/2', mode: 'access' as const, network: 'STAFF' }] }
          : d,
      ),
    };
    expect(statuses(run(pvid, schoolFacts(), {}, ctx(byName)))).toEqual(['pass']);
  });

  it('is an error when the switch could not be read', () => {
    expect(statuses(run(pvid, schoolFacts({ switches: [failed('core-sw1'), ok(switchCli())] })))).toEqual([
      'error',
    ]);
  });
});

describe('switch-snmp-default-community', () => {
  it('passes a switch with SNMPv3 only', () => {
    expect(statuses(run(community, schoolFacts()))).toEqual(['pass']);
  });

  it.each([
    [[{ name: 'public', access: 'ro' as const }], 'fail'],
    [[{ name: 'PRIVATE', access: 'rw' as const }], 'fail'],
    [[{ name: 'oak-nms-4c1e', access: 'ro' as const }], 'pass'],
  ])('communities %o: %s', (snmpCommunities, status) => {
    const facts = schoolFacts({ switches: [ok(switchFacts()), ok(switchCli({ snmpCommunities }))] });
    expect(statuses(run(community, facts))).toEqual([status]);
  });

  it('reads management facts merged into the SNMP switch entry as well', () => {
    const merged = {
      ...switchFacts(),
      management: switchManagement({ snmpCommunities: [{ name: 'public', access: 'ro' }] }),
    };
    const r = run(community, schoolFacts({ switches: [ok(merged)] }));
    expect(statuses(r)).toEqual(['fail']);
    expect(r[0]?.evidence[0]?.source).toBe('core-sw1-cli');
  });

  it('is an error when the CLI could not be read, even though SNMP answered', () => {
    const r = run(
      community,
      schoolFacts({ switches: [ok(switchFacts()), failed('core-sw1-cli', 'E-HOSTKEY')] }),
    );
    expect(statuses(r)).toEqual(['error']);
    expect(r[0]?.reason).toMatch(/E-HOSTKEY/);
  });

  it('is an error when the CLI was never collected', () => {
    expect(statuses(run(community, schoolFacts({ switches: [ok(switchFacts())] })))).toEqual(['error']);
  });
});

describe('switch-management-plaintext-off', () => {
  it.each([
    [{}, ['pass', 'pass']],
    [{ telnet: true }, ['fail', 'pass']],
    [{ http: true }, ['pass', 'fail']],
    [{ telnet: true, http: true }, ['fail', 'fail']],
  ])('management %o: %o', (over, expected) => {
    const facts = schoolFacts({ switches: [ok(switchFacts()), ok(switchCli(over))] });
    expect(statuses(run(plaintext, facts))).toEqual(expected);
  });

  it('can tolerate HTTP when the clause allows it', () => {
    const facts = schoolFacts({ switches: [ok(switchFacts()), ok(switchCli({ http: true }))] });
    expect(statuses(run(plaintext, facts, { allowHttp: true }))).toEqual(['pass']);
  });

  it('is an error when the CLI could not be read', () => {
    expect(
      statuses(run(plaintext, schoolFacts({ switches: [ok(switchFacts()), failed('core-sw1-cli')] }))),
    ).toEqual(['error']);
  });
});
