import { describe, expect, it } from 'vitest';
import {
  about,
  ctx,
  declaration,
  directory,
  failed,
  FORWARD,
  INPUT,
  ok,
  router,
  rules,
  run,
  schoolFacts,
  statuses,
  switchFacts,
} from '../../test/builders/fixtures.ts';
import policyDrift from './directory-password-policy-drift.check.ts';
import networkDrift from './network-drift-summary.check.ts';
import zoneDrift from './routeros-zone-policy-drift.check.ts';

describe('network-drift-summary', () => {
  it('passes a router and a switch that match the declaration', () => {
    expect(statuses(run(networkDrift, schoolFacts()))).toEqual(['pass', 'pass']);
  });

  it('summarises every difference on the router in one result with evidence per item', () => {
    const r = router();
    const facts = schoolFacts({
      routers: [
        ok(
          router({
            vlanInterfaces: [
              ...r.vlanInterfaces.filter((v) => v.vlanId !== 50),
              { name: 'CCTV', vlanId: 60, interface: 'bridge1', disabled: false },
            ],
            wifi: [
              ...r.wifi.map((w) => (w.ssid === 'Oak-Guest' ? { ...w, vlanId: 20 } : w)),
              { ...r.wifi[0]!, name: 'wifi9', ssid: 'Test-AP' },
            ],
          }),
        ),
      ],
    });
    const [res] = run(networkDrift, facts);
    expect(res?.status).toBe('fail');
    expect(res?.reason).toMatch(
      /4 places: missing VLAN 50, extra VLAN 60, SSID Oak-Guest on VLAN 20, extra SSID Test-AP/,
    );
    expect(res?.evidence).toHaveLength(4);
  });

  it('reports the switch lacking a declared VLAN, ignoring the default VLAN 1', () => {
    const sw = switchFacts();
    const facts = schoolFacts({ switches: [ok({ ...sw, vlans: sw.vlans.filter((v) => v.id !== 40) })] });
    const r = about(run(networkDrift, facts), 'VLAN 40');
    expect(r?.status).toBe('fail');
    expect(r?.reason).toMatch(/core-sw1 differs from the declaration in 1 place: missing VLAN 40/);
  });

  it('is an error for the device that could not be read, while the others are judged', () => {
    const r = run(networkDrift, schoolFacts({ routers: [failed('core-router')] }));
    expect(statuses(r)).toEqual(['error', 'pass']);
  });
});

describe('routeros-zone-policy-drift', () => {
  it('passes when the firewall enforces exactly the declared policy', () => {
    expect(statuses(run(zoneDrift, schoolFacts()))).toEqual(['pass']);
  });

  it('lists traffic accepted that the declaration denies, and declared traffic blocked', () => {
    const extra = rules(
      [['forward', 'accept', { 'in-interface': 'GUEST', 'out-interface': 'STAFF' }]],
      300,
    ).map((x) => ({ ...x, order: 21.5 }));
    const withoutPortal = FORWARD.filter((x) => x.comment !== 'learning platform');
    const [r] = run(
      zoneDrift,
      schoolFacts({ routers: [ok(router({ filterRules: [...withoutPortal, ...extra, ...INPUT] }))] }),
    );
    expect(r?.status).toBe('fail');
    expect(r?.reason).toMatch(/pupils -> servers blocks tcp\/443/);
    expect(r?.reason).toMatch(/guests -> staff accepts/);
  });

  it('does not count DNS forced to the filter as drift, unless the school says so', () => {
    expect(statuses(run(zoneDrift, schoolFacts(), { enforcedBlocks: [] }))).toEqual(['fail']);
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(zoneDrift, schoolFacts({ routers: [failed('core-router')] })))).toEqual(['error']);
  });
});

describe('directory-password-policy-drift', () => {
  it('passes a live policy equal to the declared one', () => {
    expect(statuses(run(policyDrift, schoolFacts()))).toEqual(['pass']);
  });

  it('names each field that differs', () => {
    const live = { ...directory().passwordPolicy, minLength: 7, lockoutThreshold: 0 };
    const [r] = run(policyDrift, schoolFacts({ directory: ok(directory({ passwordPolicy: live })) }));
    expect(r?.status).toBe('fail');
    expect(r?.reason).toMatch(/minLength 7 \(declared 12\), lockoutThreshold 0 \(declared 10\)/);
  });

  it('fails a declared fine-grained policy that is missing, and passes one that exists', () => {
    const decl = declaration();
    const pso = {
      ...decl.directory!.passwordPolicy,
      name: 'Staff-PSO',
      precedence: 10,
      appliesTo: ['Staff'],
      minLength: 14,
    };
    const withPso = { ...decl, directory: { ...decl.directory!, fineGrainedPolicies: [pso] } };
    expect(statuses(run(policyDrift, schoolFacts(), {}, ctx(withPso)))).toEqual(['pass', 'fail']);
    const live = {
      ...directory().passwordPolicy,
      source: 'CN=Staff-PSO,CN=Password Settings Container,CN=System,DC=oakfield',
      minLength: 14,
    };
    const facts = schoolFacts({ directory: ok(directory({ fineGrainedPolicies: [live] })) });
    expect(statuses(run(policyDrift, facts, {}, ctx(withPso)))).toEqual(['pass', 'pass']);
  });

  it('is an error when the directory could not be read', () => {
    expect(statuses(run(policyDrift, schoolFacts({ directory: failed('directory') })))).toEqual(['error']);
  });
});
