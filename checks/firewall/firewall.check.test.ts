import { describe, expect, it } from 'vitest';
import type { RouterFacts } from '../../devices/facts.ts';
import {
  about,
  ctx,
  declaration,
  failed,
  FORWARD,
  INPUT,
  NAT,
  ok,
  router,
  rules,
  run,
  schoolFacts,
  statuses,
} from '../../test/builders/fixtures.ts';
import dhcpDns from './routeros-dhcp-dns-filter.check.ts';
import dnsForced from './routeros-firewall-dns-forced.check.ts';
import encryptedDns from './routeros-firewall-encrypted-dns-blocked.check.ts';
import inputDrop from './routeros-firewall-input-default-drop.check.ts';
import natDocumented from './routeros-nat-inbound-documented.check.ts';
import remoteAccess from './routeros-nat-remote-access-exposed.check.ts';
import services from './routeros-service-management-restricted.check.ts';
import snmp from './routeros-snmp-default-community.check.ts';
import defaultAdmin from './routeros-user-default-admin-removed.check.ts';

const withRouter = (over: Partial<RouterFacts>) => schoolFacts({ routers: [ok(router(over))] });
const routerDown = schoolFacts({ routers: [failed('core-router', 'E-AUTH')] });

describe('routeros-firewall-input-default-drop', () => {
  it('passes the fixture: only ping answered from the internet', () => {
    const [r] = run(inputDrop, schoolFacts());
    expect(r?.status).toBe('pass');
    expect(r?.reason).toMatch(/except icmp/);
  });

  it('fails with no input rules at all (RouterOS accepts by default)', () => {
    expect(statuses(run(inputDrop, withRouter({ filterRules: FORWARD })))).toEqual(['fail']);
  });

  it('catches winbox opened to the WAN before the drop', () => {
    const input = rules(
      [['input', 'accept', { protocol: 'tcp', 'dst-port': '8291' }, 'remote support']],
      200,
    );
    const [r] = run(
      inputDrop,
      withRouter({ filterRules: [...FORWARD, ...input.map((x) => ({ ...x, order: 24.5 })), ...INPUT] }),
    );
    expect(r?.status).toBe('fail');
    expect(r?.reason).toMatch(/tcp\/8291 via rule \*C9 "remote support"/);
  });

  it('accepts services the school allows (a VPN), and ping only when allowed', () => {
    const vpn = rules(
      [['input', 'accept', { 'in-interface': 'ether1', protocol: 'udp', 'dst-port': '500' }]],
      200,
    ).map((x) => ({ ...x, order: 24.5 }));
    const facts = withRouter({ filterRules: [...FORWARD, ...vpn, ...INPUT] });
    expect(statuses(run(inputDrop, facts))).toEqual(['fail']);
    expect(statuses(run(inputDrop, facts, { allowServices: ['icmp', 'udp/500'] }))).toEqual(['pass']);
    expect(statuses(run(inputDrop, schoolFacts(), { allowServices: [] }))).toEqual(['fail']);
  });

  it('is an error without a declared WAN interface, and when the router is down', () => {
    const decl = declaration();
    const noWan = {
      ...decl,
      devices: decl.devices.map((d) => (d.kind === 'router' ? { ...d, wan: undefined } : d)),
    };
    expect(statuses(run(inputDrop, schoolFacts(), {}, ctx(noWan)))).toEqual(['error']);
    expect(statuses(run(inputDrop, routerDown))).toEqual(['error']);
  });
});

describe('routeros-nat-inbound-documented', () => {
  const forward = (comment?: string) =>
    rules([
      [
        'dstnat',
        'dst-nat',
        { 'in-interface': 'ether1', protocol: 'tcp', 'dst-port': '8080', 'to-addresses': '10.40.0.11' },
        comment,
      ],
    ]);

  it('passes the documented parent-portal forward', () => {
    expect(statuses(run(natDocumented, schoolFacts()))).toEqual(['pass']);
  });

  it.each([
    [undefined, 'fail'],
    ['   ', 'fail'],
    ['CCTV viewer', 'pass'],
  ])('a forward with comment %o: %s', (comment, status) => {
    expect(about(run(natDocumented, withRouter({ natRules: forward(comment) })), 'nat *1')?.status).toBe(
      status,
    );
  });

  it('requires a ticket reference when the clause says so', () => {
    const facts = withRouter({ natRules: forward('CCTV viewer') });
    expect(statuses(run(natDocumented, facts, { commentPattern: 'TKT-[0-9]+' }))).toEqual(['fail']);
    expect(statuses(run(natDocumented, schoolFacts(), { commentPattern: 'TKT-[0-9]+' }))).toEqual(['pass']);
  });

  it('does not count an internal DNS redirect as inbound', () => {
    const redirect = rules([
      [
        'dstnat',
        'dst-nat',
        { 'in-interface': 'PUPILS', protocol: 'udp', 'dst-port': '53', 'to-addresses': '10.40.0.53' },
      ],
    ]);
    const [r] = run(natDocumented, withRouter({ natRules: redirect }));
    expect(r?.reason).toMatch(/forwards no ports from the internet/);
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(natDocumented, routerDown))).toEqual(['error']);
  });
});

describe('routeros-nat-remote-access-exposed', () => {
  const rdp = (props: Record<string, string> = {}) =>
    rules([
      [
        'dstnat',
        'dst-nat',
        {
          'in-interface': 'ether1',
          protocol: 'tcp',
          'dst-port': '3389',
          'to-addresses': '10.40.0.12',
          ...props,
        },
        'server RDP',
      ],
    ]);

  it('passes the fixture (HTTPS portal only)', () => {
    expect(statuses(run(remoteAccess, schoolFacts()))).toEqual(['pass']);
  });

  it.each([
    [{}, 'fail'],
    [{ 'src-address': '198.51.100.0/24' }, 'pass'],
    [{ 'src-address-list': 'support-provider' }, 'pass'],
    [{ 'src-address': '!198.51.100.7' }, 'fail'],
    [{ 'dst-port': '33890', 'to-ports': '3389' }, 'fail'],
    [{ 'dst-port': '3380-3399' }, 'fail'],
  ])('RDP forward %o: %s', (props, status) => {
    expect(statuses(run(remoteAccess, withRouter({ natRules: rdp(props) })))).toEqual([status]);
  });

  it('treats a forward of every port as exposing remote access', () => {
    const all = rules([['dstnat', 'dst-nat', { 'in-interface': 'ether1', 'to-addresses': '10.40.0.12' }]]);
    expect(statuses(run(remoteAccess, withRouter({ natRules: all })))).toEqual(['fail']);
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(remoteAccess, routerDown))).toEqual(['error']);
  });
});

describe('routeros-service-management-restricted', () => {
  const svc = (name: string, over: Partial<RouterFacts['services'][number]>) =>
    withRouter({ services: router().services.map((s) => (s.name === name ? { ...s, ...over } : s)) });

  it('passes the fixture', () => {
    expect(new Set(statuses(run(services, schoolFacts())))).toEqual(new Set(['pass']));
  });

  it.each([
    ['telnet', { disabled: false, address: [] }, 'fail', /from any address, and sends passwords in clear/],
    ['www', { disabled: false, address: ['10.99.0.0/24'] }, 'pass', /only answers/],
    ['api', { address: ['0.0.0.0/0'] }, 'fail', /any address/],
    ['ssh', { address: ['10.10.0.0/24'] }, 'fail', /outside the management addresses/],
    ['winbox', { address: ['10.99.0.5/32'] }, 'pass', /only answers/],
  ])('%s with %o: %s', (name, over, status, reason) => {
    const r = about(run(services, svc(name, over)), `service ${name}`);
    expect(r?.status).toBe(status);
    expect(r?.reason).toMatch(reason);
  });

  it('requires plain-text services off entirely when the clause says so', () => {
    const facts = svc('api', {});
    expect(about(run(services, facts, { plaintextOff: true }), 'service api')?.status).toBe('fail');
    expect(about(run(services, facts, { plaintextOff: true }), 'service api-ssl')?.status).toBe('pass');
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(services, routerDown))).toEqual(['error']);
  });
});

describe('routeros-user-default-admin-removed', () => {
  it.each([
    [[], 'pass'],
    [[{ name: 'admin', group: 'full', disabled: true }], 'pass'],
    [[{ name: 'admin', group: 'full', disabled: false }], 'fail'],
    [[{ name: 'Admin', group: 'full', disabled: false }], 'fail'],
  ])('extra users %o: %s', (extra, status) => {
    expect(statuses(run(defaultAdmin, withRouter({ users: [...router().users, ...extra] })))).toEqual([
      status,
    ]);
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(defaultAdmin, routerDown))).toEqual(['error']);
  });
});

describe('routeros-snmp-default-community', () => {
  const community = {
    name: 'public',
    addresses: [],
    readAccess: true,
    writeAccess: false,
    security: 'none',
    disabled: false,
  };

  it('passes with SNMP off even though the default community exists', () => {
    expect(statuses(run(snmp, schoolFacts()))).toEqual(['pass']);
  });

  it.each([
    [[community], 'fail'],
    [[{ ...community, name: 'private', writeAccess: true }], 'fail'],
    [[{ ...community, disabled: true }], 'pass'],
    [[{ ...community, name: 'oak-monitor-7f3' }], 'pass'],
  ])('SNMP on with %o: %s', (communities, status) => {
    expect(statuses(run(snmp, withRouter({ snmp: { enabled: true, communities } })))).toEqual([status]);
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(snmp, routerDown))).toEqual(['error']);
  });
});

describe('routeros-dhcp-dns-filter', () => {
  it('passes every DHCP network handing out its declared filter', () => {
    expect(statuses(run(dhcpDns, schoolFacts()))).toEqual(['pass', 'pass', 'pass', 'pass']);
  });

  it.each([
    [['8.8.8.8'], 'fail'],
    [['10.40.0.53', '8.8.8.8'], 'fail'],
    [[], 'fail'],
    [['10.40.0.54'], 'fail'],
  ])('pupils given DNS %o: %s', (dnsServers, status) => {
    const nets = router().dhcpNetworks.map((d) => (d.address === '10.20.0.0/22' ? { ...d, dnsServers } : d));
    expect(about(run(dhcpDns, withRouter({ dhcpNetworks: nets })), 'dhcp 10.20.0.0/22')?.status).toBe(status);
  });

  it('fails a declared DHCP network the router does not serve, and an undeclared one with outside DNS', () => {
    const nets = [
      ...router().dhcpNetworks.filter((d) => d.address !== '10.50.0.0/24'),
      { address: '192.168.88.0/24', dnsServers: ['1.1.1.1'] },
    ];
    const r = run(dhcpDns, withRouter({ dhcpNetworks: nets }));
    expect(about(r, 'dhcp 10.50.0.0/24')?.status).toBe('fail');
    expect(about(r, 'dhcp 192.168.88.0/24')?.status).toBe('fail');
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(dhcpDns, routerDown))).toEqual(['error']);
  });
});

describe('routeros-firewall-dns-forced', () => {
  const noDnsDrops = FORWARD.filter(
    (x) => x.props['dst-port'] !== '53' || x.props['out-interface'] !== 'ether1',
  );

  it('passes the fixture: port 53 to the internet dropped for every LAN network', () => {
    expect(statuses(run(dnsForced, schoolFacts()))).toEqual(['pass', 'pass', 'pass', 'pass']);
  });

  it('fails every network when outside DNS is neither dropped nor redirected', () => {
    const r = run(dnsForced, withRouter({ filterRules: [...noDnsDrops, ...INPUT] }));
    expect(new Set(statuses(r))).toEqual(new Set(['fail']));
    expect(about(r, 'PUPILS DNS')?.reason).toMatch(/can use any DNS server on the internet/);
  });

  it('accepts a dst-nat redirect to the declared filter instead of a drop', () => {
    const redirect = rules(
      [
        [
          'dstnat',
          'dst-nat',
          { 'in-interface': 'PUPILS', protocol: 'udp', 'dst-port': '53', 'to-addresses': '10.40.0.53' },
        ],
      ],
      10,
    );
    const r = run(
      dnsForced,
      withRouter({ filterRules: [...noDnsDrops, ...INPUT], natRules: [...NAT, ...redirect] }),
    );
    expect(about(r, 'PUPILS DNS')?.status).toBe('pass');
    expect(about(r, 'STAFF DNS')?.status).toBe('fail');
  });

  it('refuses a redirect to a resolver that is not the filter', () => {
    const redirect = rules(
      [
        [
          'dstnat',
          'dst-nat',
          { 'in-interface': 'PUPILS', protocol: 'udp', 'dst-port': '53', 'to-addresses': '8.8.8.8' },
        ],
      ],
      10,
    );
    const r = run(
      dnsForced,
      withRouter({ filterRules: [...noDnsDrops, ...INPUT], natRules: [...NAT, ...redirect] }),
      { roles: ['pupils'] },
    );
    expect(statuses(r)).toEqual(['fail']);
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(dnsForced, routerDown))).toEqual(['error']);
  });
});

describe('routeros-firewall-encrypted-dns-blocked', () => {
  it('passes the fixture: 853 and the DoH list dropped for pupils', () => {
    expect(statuses(run(encryptedDns, schoolFacts()))).toEqual(['pass', 'pass']);
  });

  it('fails port 853 when its drops are missing', () => {
    const filterRules = [...FORWARD.filter((x) => x.props['dst-port'] !== '853'), ...INPUT];
    const r = run(encryptedDns, withRouter({ filterRules }));
    expect(about(r, 'PUPILS port 853')?.status).toBe('fail');
    expect(about(r, 'PUPILS DoH')?.status).toBe('pass');
  });

  it('fails DoH with no address list, and with a list nobody drops', () => {
    expect(about(run(encryptedDns, withRouter({ addressLists: [] })), 'PUPILS DoH')?.reason).toMatch(
      /no "doh-servers" address list/,
    );
    const filterRules = [...FORWARD.filter((x) => x.props['dst-address-list'] !== 'doh-servers'), ...INPUT];
    expect(about(run(encryptedDns, withRouter({ filterRules })), 'PUPILS DoH')?.status).toBe('fail');
  });

  it('judges the roles the clause names (guests have no DoH block in the fixture)', () => {
    const r = run(encryptedDns, schoolFacts(), { roles: ['guests'] });
    expect(statuses(r)).toEqual(['fail', 'fail']);
  });

  it('is an error when the router could not be read', () => {
    expect(statuses(run(encryptedDns, routerDown))).toEqual(['error']);
  });
});
