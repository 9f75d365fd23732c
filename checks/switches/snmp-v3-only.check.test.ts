import { describe, expect, it } from 'vitest';
import {
  failed,
  ok,
  router,
  run,
  schoolFacts,
  statuses,
  switchCli,
  switchFacts,
} from '../../test/builders/fixtures.ts';
import routerV3 from '../firewall/routeros-snmp-v3-only.check.ts';
import switchV3 from './switch-snmp-v3-only.check.ts';

const community = (security: string, name = 'netmon-ro') => ({
  name,
  addresses: ['10.99.0.0/24'],
  readAccess: true,
  writeAccess: false,
  security,
  disabled: false,
});

describe('routeros-snmp-v3-only', () => {
  it('passes with SNMP off', () => {
    expect(statuses(run(routerV3, schoolFacts()))).toEqual(['pass']);
  });

  it.each<[string, string]>([
    ['none', 'fail'],
    ['authorized', 'fail'],
    ['private', 'pass'],
  ])('an enabled community with security=%s: %s', (security, status) => {
    const facts = schoolFacts({
      routers: [ok(router({ snmp: { enabled: true, communities: [community(security)] } }))],
    });
    expect(statuses(run(routerV3, facts))).toEqual([status]);
  });

  it('accepts authNoPriv when the clause does not require encryption', () => {
    const facts = schoolFacts({
      routers: [ok(router({ snmp: { enabled: true, communities: [community('authorized')] } }))],
    });
    expect(statuses(run(routerV3, facts, { requirePrivacy: false }))).toEqual(['pass']);
  });

  it('never prints a community name that is not a well-known one (names are passwords)', () => {
    const facts = schoolFacts({
      routers: [
        ok(
          router({
            snmp: {
              enabled: true,
              communities: [community('none', 'S3cret-ro'), community('none', 'public')],
            },
          }),
        ),
      ],
    });
    const r = run(routerV3, facts);
    const text = JSON.stringify(r);
    expect(text).not.toContain('S3cret-ro');
    expect(r[0]?.reason).toContain('"public"');
    expect(r[0]?.reason).toMatch(/2 communities answer SNMPv1\/v2c/);
  });
});

describe('switch-snmp-v3-only', () => {
  it('passes a switch read over SNMPv3 whose configuration has no community', () => {
    const facts = schoolFacts({ switches: [ok(switchFacts()), ok(switchCli())] });
    expect(statuses(run(switchV3, facts))).toEqual(['pass']);
  });

  it('fails a switch the audit itself reached over v2c', () => {
    const facts = schoolFacts({ switches: [ok(switchFacts({ snmpVersion: '2c' })), ok(switchCli())] });
    const r = run(switchV3, facts);
    expect(statuses(r)).toEqual(['fail']);
    expect(r[0]?.evidence[0]?.actual).toBe('answered SNMPv2c');
  });

  it('fails a v3 switch whose configuration still holds communities, counting them without names', () => {
    const cli = switchCli({
      snmpCommunities: [
        { name: 'hidden-rw', access: 'rw' },
        { name: 'hidden-ro', access: 'ro' },
      ],
    });
    const r = run(switchV3, schoolFacts({ switches: [ok(switchFacts()), ok(cli)] }));
    expect(statuses(r)).toEqual(['fail']);
    expect(JSON.stringify(r)).not.toContain('hidden-');
    expect(r[0]?.evidence[0]?.actual).toBe('2 communities, 1 rw');
  });

  it('is an error, never a pass, when its configuration could not be read', () => {
    const r = run(switchV3, schoolFacts({ switches: [ok(switchFacts()), failed('core-sw1-cli')] }));
    expect(statuses(r)).toEqual(['error']);
  });
});
