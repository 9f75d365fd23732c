import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { RouterFirewallRule } from '../devices/facts.ts';
import type { SchoolDeclaration } from '../inventory/types.ts';
import { declarationArb } from '../test/builders/declaration.arbitrary.ts';
import {
  compileZonePolicy,
  MANAGEMENT_PORTS,
  parseService,
  probesOf,
  reachability,
  reachabilityDetail,
  serviceMatches,
  verdictFor,
  zoneInterfaces,
  zonePairs,
  type Probe,
  type Verdict,
  type Zone,
} from './zones.ts';
import { readRouterRules } from './zones-readback.ts';
import { toNftables } from './zones-nftables.ts';
import { toRouterRules } from './zones-routeros.ts';

/** The declaration's meaning read directly: the router's baseline, then first match, then deny. */
function intended(decl: SchoolDeclaration, from: Zone, to: Zone, p: Probe): Verdict {
  if (to === 'router') {
    if (p.proto === 'udp' && p.port === 67 && decl.networks.some((n) => n.role === from && n.dhcp))
      return 'allow';
    if (
      from === 'management' &&
      p.proto === 'tcp' &&
      (MANAGEMENT_PORTS as readonly number[]).includes(p.port ?? -1)
    )
      return 'allow';
  }
  for (const r of decl.zones.rules) {
    const targets: Zone[] = Array.isArray(r.to) ? r.to : [r.to];
    if (r.from !== from || !targets.includes(to)) continue;
    if (r.services && !r.services.map(parseService).some((s) => serviceMatches(s, p))) continue;
    return r.action;
  }
  return 'deny';
}

/** Rules as the collector hands them over: ids, table order, the rest of the properties. */
interface RuleSpec {
  chain: string;
  action: string;
  props?: Record<string, string | undefined>;
  disabled?: boolean;
  comment?: string;
}

function facts(rules: RuleSpec[]): RouterFirewallRule[] {
  return rules.map((r, i) => ({
    id: `*${i + 1}`,
    chain: r.chain,
    action: r.action,
    props: Object.fromEntries(
      Object.entries(r.props ?? {}).filter((e): e is [string, string] => e[1] !== undefined),
    ),
    disabled: r.disabled ?? false,
    order: i,
    ...(r.comment ? { comment: r.comment } : {}),
  }));
}

const DECL: SchoolDeclaration = {
  apiVersion: 'schoolnet/v1',
  school: { id: 'table', name: 'Table School', jurisdiction: 'england', standards: [] },
  policy: { file: 'policy.yaml', reviewed: '2026-09-01', reviewEveryMonths: 12 },
  networks: [
    {
      role: 'staff',
      name: 'STAFF',
      vlan: 10,
      subnet: '10.10.0.0/24',
      gateway: '10.10.0.1',
      dns: ['10.40.0.53'],
    },
    {
      role: 'pupils',
      name: 'PUPILS',
      vlan: 20,
      subnet: '10.20.0.0/22',
      gateway: '10.20.0.1',
      dns: ['10.40.0.53'],
    },
    {
      role: 'servers',
      name: 'SERVERS',
      vlan: 40,
      subnet: '10.40.0.0/24',
      gateway: '10.40.0.1',
      dns: ['10.40.0.53'],
    },
  ],
  wifi: [],
  zones: { default: 'deny', rules: [] },
  devices: [{ name: 'r', kind: 'router', driver: 'routeros', host: '192.0.2.1', wan: 'ether1' }],
};
const ICMP: Probe = { proto: 'icmp' };
const HTTPS: Probe = { proto: 'tcp', port: 443 };

describe('the zone IR means what the declaration says', () => {
  test('compiled policy: every pair and probe as the declaration reads (first match, default deny)', () => {
    fc.assert(
      fc.property(declarationArb, (decl) => {
        const ir = compileZonePolicy(decl);
        for (const [from, to] of zonePairs(ir))
          for (const p of probesOf(ir))
            expect(verdictFor(ir, from, to, p), `${from}->${to} ${p.proto}/${p.port}`).toBe(
              intended(decl, from, to, p),
            );
      }),
    );
  });

  test('compiled to RouterOS rules and read back, every verdict is unchanged', () => {
    fc.assert(
      fc.property(declarationArb, (decl) => {
        const ir = compileZonePolicy(decl);
        const rules = toRouterRules(ir, zoneInterfaces(decl, decl.devices[0]));
        const back = readRouterRules(facts(rules), decl);
        for (const p of probesOf(ir)) expect(reachability(back, p)).toEqual(reachability(ir, p));
        expect(back.notes).toEqual([]);
      }),
    );
  });

  test('the demo school: pupils reach the servers on tcp/443 only; guests reach only the internet', () => {
    const ir = compileZonePolicy({
      ...DECL,
      networks: [
        ...DECL.networks,
        {
          role: 'guests',
          name: 'GUEST',
          vlan: 30,
          subnet: '10.30.0.0/24',
          gateway: '10.30.0.1',
          dns: ['10.40.0.54'],
        },
      ],
      zones: {
        default: 'deny',
        rules: [
          { from: 'staff', to: ['internet', 'pupils', 'servers'], action: 'allow' },
          { from: 'pupils', to: 'internet', action: 'allow' },
          { from: 'pupils', to: 'servers', action: 'allow', services: ['tcp/443'] },
          { from: 'guests', to: 'internet', action: 'allow' },
        ],
      },
    });
    const detail = reachabilityDetail(ir);
    const pair = (f: Zone, t: Zone) => detail.find((d) => d.from === f && d.to === t)!;
    expect(pair('pupils', 'servers')).toMatchObject({ verdict: 'partial', allowed: ['tcp/443'] });
    expect(pair('pupils', 'staff').verdict).toBe('denied');
    expect(pair('staff', 'servers').verdict).toBe('allowed');
    expect(pair('guests', 'internet').verdict).toBe('allowed');
    for (const t of ['staff', 'pupils', 'servers'] as Zone[])
      expect(pair('guests', t).verdict).toBe('denied');
    for (const t of ['staff', 'pupils', 'servers', 'guests'] as Zone[])
      expect(pair('internet', t).verdict).toBe('denied');
  });
});

describe('readRouterRules + reachability on rules a person wrote (first match, RouterOS semantics)', () => {
  const verdict = (rules: Parameters<typeof facts>[0], from: Zone, to: Zone, p: Probe = ICMP) =>
    verdictFor(readRouterRules(facts(rules), DECL), from, to, p);

  test('no rules: RouterOS accepts everything', () => {
    expect(verdict([], 'pupils', 'staff')).toBe('allow');
    expect(verdict([], 'internet', 'router')).toBe('allow');
  });

  test('first match wins: a drop above an accept decides', () => {
    const rules = [
      { chain: 'forward', action: 'drop', props: { 'in-interface': 'PUPILS', 'out-interface': 'STAFF' } },
      { chain: 'forward', action: 'accept', props: { 'in-interface': 'PUPILS' } },
      { chain: 'forward', action: 'drop' },
    ];
    expect(verdict(rules, 'pupils', 'staff')).toBe('deny');
    expect(verdict(rules, 'pupils', 'servers')).toBe('allow');
    expect(verdict(rules, 'staff', 'pupils')).toBe('deny');
  });

  test('disabled rules are skipped', () => {
    const rules = [
      { chain: 'forward', action: 'accept', disabled: true },
      { chain: 'forward', action: 'drop' },
    ];
    expect(verdict(rules, 'pupils', 'staff')).toBe('deny');
  });

  test('a rule without interface matchers matches every zone (and the input chain means the router)', () => {
    const rules = [
      { chain: 'input', action: 'accept', props: { protocol: 'icmp' } },
      { chain: 'input', action: 'drop' },
      { chain: 'forward', action: 'accept', props: { protocol: 'tcp', 'dst-port': '443' } },
      { chain: 'forward', action: 'drop' },
    ];
    expect(verdict(rules, 'internet', 'router')).toBe('allow');
    expect(verdict(rules, 'internet', 'router', HTTPS)).toBe('deny');
    expect(verdict(rules, 'internet', 'staff', HTTPS)).toBe('allow');
    expect(verdict(rules, 'internet', 'staff')).toBe('deny');
  });

  test('established/related and invalid rules never decide a new connection', () => {
    const rules = [
      { chain: 'forward', action: 'accept', props: { 'connection-state': 'established,related,untracked' } },
      { chain: 'forward', action: 'drop', props: { 'connection-state': 'invalid' } },
      { chain: 'forward', action: 'drop' },
    ];
    // MikroTik's default first rule: untracked packets are only those a raw rule exempts, never zone traffic.
    expect(verdict(rules, 'pupils', 'staff')).toBe('deny');
    const withNew = [
      { chain: 'forward', action: 'accept', props: { 'connection-state': 'new', 'in-interface': 'STAFF' } },
      ...rules,
    ];
    expect(verdict(withNew, 'staff', 'pupils')).toBe('allow');
  });

  test('addresses map to zones by subnet; a narrower range is partial: it may allow, it cannot prove a block', () => {
    const whole = [
      {
        chain: 'forward',
        action: 'drop',
        props: { 'src-address': '10.20.0.0/22', 'out-interface': 'STAFF' },
      },
      { chain: 'forward', action: 'accept' },
    ];
    expect(verdict(whole, 'pupils', 'staff')).toBe('deny');
    const narrow = [
      {
        chain: 'forward',
        action: 'drop',
        props: { 'src-address': '10.20.1.0/24', 'out-interface': 'STAFF' },
      },
      { chain: 'forward', action: 'accept' },
    ];
    expect(verdict(narrow, 'pupils', 'staff')).toBe('allow');
    const narrowAccept = [
      {
        chain: 'forward',
        action: 'accept',
        props: { 'src-address': '10.20.1.7', 'dst-address': '10.10.0.0/24' },
      },
      { chain: 'forward', action: 'drop' },
    ];
    const ir = readRouterRules(facts(narrowAccept), DECL);
    expect(verdictFor(ir, 'pupils', 'staff', ICMP)).toBe('allow');
    expect(reachabilityDetail(ir).find((d) => d.from === 'pupils' && d.to === 'staff')?.uncertain).toBe(true);
    expect(verdictFor(ir, 'servers', 'staff', ICMP)).toBe('deny');
  });

  test('address lists resolve from the router; a list filled at run time is unknown', () => {
    const rules = [
      {
        chain: 'forward',
        action: 'drop',
        props: { 'src-address-list': 'blocked', 'out-interface': 'STAFF' },
      },
      { chain: 'forward', action: 'accept' },
    ];
    const lists = [{ list: 'blocked', address: '10.20.0.0/22', disabled: false }];
    expect(
      verdictFor(readRouterRules(facts(rules), DECL, { addressLists: lists }), 'pupils', 'staff', ICMP),
    ).toBe('deny');
    expect(verdictFor(readRouterRules(facts(rules), DECL), 'pupils', 'staff', ICMP)).toBe('allow');
    const dynamic = [
      { chain: 'forward', action: 'add-src-to-address-list', props: { 'address-list': 'blocked' } },
      ...rules,
    ];
    expect(
      verdictFor(readRouterRules(facts(dynamic), DECL, { addressLists: lists }), 'pupils', 'staff', ICMP),
    ).toBe('allow');
  });

  test('jumps are followed into their chain, with the jump rule’s matchers', () => {
    const rules = [
      { chain: 'forward', action: 'jump', props: { 'jump-target': 'from-pupils', 'in-interface': 'PUPILS' } },
      { chain: 'forward', action: 'accept' },
      { chain: 'from-pupils', action: 'accept', props: { 'out-interface': 'ether1' } },
      { chain: 'from-pupils', action: 'drop' },
    ];
    expect(verdict(rules, 'pupils', 'internet')).toBe('allow');
    expect(verdict(rules, 'pupils', 'staff')).toBe('deny');
    expect(verdict(rules, 'staff', 'pupils')).toBe('allow');
  });

  test('the default MikroTik WAN guard (drop from the WAN unless port-forwarded) blocks the internet', () => {
    const rules = [
      {
        chain: 'forward',
        action: 'drop',
        props: { 'connection-nat-state': '!dstnat', 'in-interface': 'ether1' },
      },
    ];
    expect(verdict(rules, 'internet', 'staff')).toBe('deny');
    expect(verdict(rules, 'staff', 'internet')).toBe('allow');
  });

  test('the demo router fixture: the audit sees that guests reach staff (its deliberate fault)', () => {
    const fixture = JSON.parse(
      readFileSync(new URL('../test/fixtures/routeros/demo.json', import.meta.url), 'utf8'),
    ) as { menus: Record<string, Record<string, string>[]> };
    const rows = fixture.menus['/ip/firewall/filter'] ?? [];
    const rules: RouterFirewallRule[] = rows.map((r, i) => {
      const { '.id': id, chain, action, comment, disabled, ...props } = r;
      return {
        id: id ?? `*${i}`,
        chain: chain ?? '',
        action: action ?? '',
        props,
        disabled: disabled === 'true',
        order: i,
        ...(comment ? { comment } : {}),
      };
    });
    const decl: SchoolDeclaration = {
      ...DECL,
      networks: [
        ...DECL.networks,
        {
          role: 'guests',
          name: 'GUEST',
          vlan: 30,
          subnet: '10.30.0.0/24',
          gateway: '10.30.0.1',
          dns: ['10.40.0.54'],
        },
      ],
    };
    const detail = reachabilityDetail(readRouterRules(rules, decl));
    const pair = (f: Zone, t: Zone) => detail.find((d) => d.from === f && d.to === t)!;
    expect(pair('guests', 'staff').verdict).toBe('allowed');
    expect(pair('guests', 'staff').services[0]?.rules[0]?.comment).toBe('guests -> internet');
    expect(pair('pupils', 'staff').verdict).toBe('denied');
    expect(pair('pupils', 'servers')).toMatchObject({ verdict: 'partial' });
  });
});

describe('compilers', () => {
  test('nftables: one table replaced atomically, policy drop, every rule tagged', () => {
    const ir = compileZonePolicy({
      ...DECL,
      zones: {
        default: 'deny',
        rules: [
          {
            from: 'pupils',
            to: 'servers',
            action: 'allow',
            services: ['tcp/443', 'tcp/8000-8010', 'udp/53'],
          },
        ],
      },
    });
    const nft = toNftables(ir, { staff: ['v0'], pupils: ['v1'], servers: ['v2'], internet: ['wan'] });
    expect(nft.split('\n').slice(1, 4)).toEqual([
      'add table inet schoolnet',
      'delete table inet schoolnet',
      'table inet schoolnet {',
    ]);
    expect(nft).toContain('policy drop;');
    expect(nft).toContain(
      'iifname "v1" oifname "v2" tcp dport { 443, 8000-8010 } counter accept comment "schoolnet:fwd-pupils-servers-allow-tcp443-tcp8000-8010-udp53"',
    );
    expect(nft).toContain('iifname "v1" oifname "v2" udp dport 53 counter accept');
    for (const line of nft
      .split('\n')
      .filter((l) => /(accept|drop)( comment|$)/.test(l) && !l.includes('iif "lo"')))
      expect(line).toMatch(/comment "schoolnet:/);
  });

  test('RouterOS: one rule per protocol, per interface of a zone with several networks', () => {
    const decl: SchoolDeclaration = {
      ...DECL,
      networks: [
        ...DECL.networks,
        {
          role: 'pupils',
          name: 'PUPILS2',
          vlan: 21,
          subnet: '10.24.0.0/22',
          gateway: '10.24.0.1',
          dns: ['10.40.0.53'],
        },
      ],
      zones: {
        default: 'deny',
        rules: [{ from: 'pupils', to: 'servers', action: 'allow', services: ['tcp/443', 'udp/53'] }],
      },
    };
    const rules = toRouterRules(compileZonePolicy(decl), zoneInterfaces(decl, decl.devices[0]));
    const fromPupils = rules.filter((r) => r.id.startsWith('fwd-pupils-servers'));
    expect(fromPupils.map((r) => [r.props['in-interface'], r.props.protocol, r.props['dst-port']])).toEqual([
      ['PUPILS', 'tcp', '443'],
      ['PUPILS', 'udp', '53'],
      ['PUPILS2', 'tcp', '443'],
      ['PUPILS2', 'udp', '53'],
    ]);
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
  });

  test('a zone rule naming a zone the school has no network for is refused', () => {
    expect(() =>
      compileZonePolicy({
        ...DECL,
        zones: { default: 'deny', rules: [{ from: 'guests', to: 'internet', action: 'allow' }] },
      }),
    ).toThrow(/zones\.rules\[0\] names zone "guests"/);
  });

  test('services: the forms the declaration allows, and a clear refusal otherwise', () => {
    expect(parseService('tcp/443')).toEqual({ proto: 'tcp', ports: [[443, 443]] });
    expect(parseService('tcp/8000-8080')).toEqual({ proto: 'tcp', ports: [[8000, 8080]] });
    expect(parseService('icmp')).toEqual({ proto: 'icmp' });
    expect(() => parseService('http')).toThrow(/not of the form/);
    expect(() => parseService('tcp/70000')).toThrow(/port or port range/);
  });
});
