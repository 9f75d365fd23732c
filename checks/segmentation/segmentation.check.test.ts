import { describe, expect, it } from 'vitest';
import type { RouterFirewallRule } from '../../devices/facts.ts';
import {
  about,
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
import routerVlans from './routeros-vlans-declared-present.check.ts';
import internetOnly from './routeros-zone-internet-only.check.ts';
import isolation from './routeros-zone-isolation.check.ts';
import switchVlans from './switch-vlans-declared-present.check.ts';

/** The fixture's filter table with extra forward rules just before the default deny. */
function withForward(extra: [string, string, Record<string, string>, string?][]) {
  const added: RouterFirewallRule[] = rules(extra, 100).map((r, i) => ({ ...r, order: 21 + (i + 1) / 100 }));
  return schoolFacts({ routers: [ok(router({ filterRules: [...FORWARD, ...added, ...INPUT] }))] });
}
const routerDown = schoolFacts({ routers: [failed('core-router')] });

describe('routeros-zone-isolation', () => {
  it('passes every untrusted -> protected pair on the fixture school', () => {
    const r = run(isolation, schoolFacts());
    expect(r).toHaveLength(9);
    expect(new Set(statuses(r))).toEqual(new Set(['pass']));
    expect(about(r, 'pupils -> servers')?.reason).toMatch(/only on what the declaration allows/);
  });

  it('fails when a broad accept lets pupils reach staff, naming the rule', () => {
    const r = about(
      run(
        isolation,
        withForward([['forward', 'accept', { 'in-interface': 'PUPILS' }, 'temporary: exam software']]),
      ),
      'pupils -> staff',
    );
    expect(r?.status).toBe('fail');
    expect(r?.reason).toMatch(/rule "temporary: exam software"/);
  });

  it('fails services beyond the declared ones, and passes the declared ones', () => {
    const r = run(
      isolation,
      withForward([
        ['forward', 'accept', { 'in-interface': 'PUPILS', 'out-interface': 'SERVERS', protocol: 'tcp' }],
      ]),
    );
    const ps = about(r, 'pupils -> servers');
    expect(ps?.status).toBe('fail');
    expect(ps?.reason).toMatch(/tcp\/other/);
    expect(ps?.reason).not.toMatch(/tcp\/443/);
  });

  it('says "may" when the accepting rule depends on something it cannot judge', () => {
    const r = about(
      run(
        isolation,
        withForward([
          [
            'forward',
            'accept',
            { 'in-interface': 'GUEST', 'out-interface': 'MGMT', 'src-mac-address': '00:11:22:33:44:55' },
          ],
        ]),
      ),
      'guests -> management',
    );
    expect(r?.status).toBe('fail');
    expect(r?.reason).toMatch(/may be able to open connections/);
  });

  it('fails everything when the router has no forward rules at all', () => {
    const r = run(isolation, schoolFacts({ routers: [ok(router({ filterRules: INPUT }))] }));
    expect(new Set(statuses(r))).toEqual(new Set(['fail']));
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(isolation, routerDown))).toEqual(['error']);
  });
});

describe('routeros-zone-internet-only', () => {
  it('passes guests and BYOD on the fixture (DNS to the filter is declared)', () => {
    const r = run(internetOnly, schoolFacts());
    expect(new Set(statuses(r))).toEqual(new Set(['pass']));
    expect(about(r, 'guests -> internet')?.status).toBe('pass');
  });

  it('fails BYOD reaching pupils', () => {
    const r = about(
      run(
        internetOnly,
        withForward([['forward', 'accept', { 'in-interface': 'BYOD', 'out-interface': 'PUPILS' }]]),
      ),
      'byod -> pupils',
    );
    expect(r?.status).toBe('fail');
    expect(r?.evidence[0]).toMatchObject({ expected: 'nothing' });
  });

  it('fails a guest network with no internet', () => {
    const filterRules = [
      ...FORWARD.filter(
        (x) => !(x.props['in-interface'] === 'GUEST' && x.props['out-interface'] === 'ether1'),
      ),
      ...INPUT,
    ];
    expect(
      about(run(internetOnly, schoolFacts({ routers: [ok(router({ filterRules }))] })), 'guests -> internet')
        ?.status,
    ).toBe('fail');
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(internetOnly, routerDown))).toEqual(['error']);
  });
});

describe('routeros-vlans-declared-present', () => {
  it('passes each declared network', () => {
    expect(statuses(run(routerVlans, schoolFacts()))).toEqual(Array(6).fill('pass'));
  });

  it.each([
    [
      'missing',
      (r: ReturnType<typeof router>) => ({ vlanInterfaces: r.vlanInterfaces.filter((v) => v.vlanId !== 50) }),
      /no enabled VLAN 50 interface/,
    ],
    [
      'disabled',
      (r: ReturnType<typeof router>) => ({
        vlanInterfaces: r.vlanInterfaces.map((v) => (v.vlanId === 50 ? { ...v, disabled: true } : v)),
      }),
      /no enabled VLAN 50/,
    ],
    [
      'without its gateway',
      (r: ReturnType<typeof router>) => ({ addresses: r.addresses.filter((a) => a.interface !== 'BYOD') }),
      /no gateway address 10\.50\.0\.1/,
    ],
  ])('fails the BYOD VLAN when %s', (_label, change, reason) => {
    const base = router();
    const r = about(run(routerVlans, schoolFacts({ routers: [ok(router(change(base)))] })), 'VLAN 50 BYOD');
    expect(r?.status).toBe('fail');
    expect(r?.reason).toMatch(reason);
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(routerVlans, routerDown))).toEqual(['error']);
  });
});

describe('switch-vlans-declared-present', () => {
  it('passes each declared VLAN on the switch', () => {
    expect(statuses(run(switchVlans, schoolFacts()))).toEqual(Array(6).fill('pass'));
  });

  it('fails the VLAN a switch lacks (the servers VLAN, say)', () => {
    const sw = switchFacts();
    const facts = schoolFacts({ switches: [ok({ ...sw, vlans: sw.vlans.filter((v) => v.id !== 40) })] });
    const r = about(run(switchVlans, facts), 'VLAN 40 SERVERS');
    expect(r?.status).toBe('fail');
    expect(r?.reason).toBe('VLAN 40 (SERVERS) is declared but missing on core-sw1 (sysName "oak-core-sw1").');
  });

  it('is an error for an unreachable switch and for a declared switch never collected', () => {
    expect(statuses(run(switchVlans, schoolFacts({ switches: [failed('core-sw1')] })))).toEqual(['error']);
    const r = run(switchVlans, schoolFacts({ switches: [] }));
    expect(statuses(r)).toEqual(['error']);
    expect(r[0]?.reason).toMatch(/core-sw1 was not collected/);
  });
});
