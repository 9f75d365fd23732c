import { describe, expect, it } from 'vitest';
import { FORWARD, INPUT, rules } from '../../test/builders/fixtures.ts';
import { reach, zoneReachability, type Zone } from './reachability.ts';

const pupils: Zone = { name: 'pupils', interfaces: ['PUPILS'], subnets: ['10.20.0.0/22'] };
const staff: Zone = { name: 'staff', interfaces: ['STAFF'], subnets: ['10.10.0.0/24'] };
const servers: Zone = { name: 'servers', interfaces: ['SERVERS'], subnets: ['10.40.0.0/24'] };
const internet: Zone = { name: 'internet', interfaces: ['ether1'], subnets: [], internet: true };
const zones = [pupils, staff, servers, internet];

describe('zoneReachability', () => {
  it('accepts everything when the chain is empty (the RouterOS default)', () => {
    const t = zoneReachability([], zones);
    expect(t).toHaveLength(12);
    expect(t.every((p) => p.verdict === 'allowed' && !p.uncertain)).toBe(true);
  });

  it('judges a real school forward chain pair by pair', () => {
    const t = zoneReachability([...FORWARD, ...INPUT], zones, {
      services: ['tcp/443'],
      interfaceLists: { LAN: ['PUPILS', 'STAFF', 'SERVERS'], WAN: ['ether1'] },
    });
    expect(reach(t, 'pupils', 'staff')?.verdict).toBe('denied');
    expect(reach(t, 'staff', 'pupils')?.verdict).toBe('allowed');
    const ps = reach(t, 'pupils', 'servers');
    expect(ps?.verdict).toBe('partial');
    expect(ps?.allowed.sort()).toEqual(['tcp/443', 'tcp/53', 'udp/53']);
    expect(reach(t, 'internet', 'staff')?.verdict).toBe('denied');
    // DNS to the internet is dropped for every LAN zone, the rest of the internet is open to staff.
    const si = reach(t, 'staff', 'internet');
    expect(si?.allowed).not.toContain('udp/53');
    expect(si?.allowed).toContain('tcp/other');
  });

  it('takes the first matching rule: an accept before a drop wins', () => {
    const t = zoneReachability(
      rules([
        ['forward', 'accept', { 'in-interface': 'PUPILS' }],
        ['forward', 'drop', { 'in-interface': 'PUPILS', 'out-interface': 'STAFF' }],
      ]),
      zones,
    );
    expect(reach(t, 'pupils', 'staff')?.verdict).toBe('allowed');
  });

  it('ignores disabled rules and follows rule order, not list order', () => {
    const list = rules([
      ['forward', 'drop', {}, 'default deny'],
      ['forward', 'accept', { 'in-interface': 'STAFF' }],
    ]);
    const [deny, accept] = list as [(typeof list)[0], (typeof list)[0]];
    const t = zoneReachability(
      [
        { ...deny, order: 5 },
        { ...accept, order: 1 },
      ],
      zones,
    );
    expect(reach(t, 'staff', 'pupils')?.verdict).toBe('allowed');
    expect(reach(t, 'pupils', 'staff')?.verdict).toBe('denied');
    const t2 = zoneReachability([{ ...deny, disabled: true }], zones);
    expect(reach(t2, 'pupils', 'staff')?.verdict).toBe('allowed');
  });

  it('follows jumps and returns into custom chains', () => {
    const t = zoneReachability(
      rules([
        ['forward', 'jump', { 'jump-target': 'pupil-out', 'in-interface': 'PUPILS' }],
        ['forward', 'accept', {}],
        ['pupil-out', 'return', { 'out-interface': 'ether1' }],
        ['pupil-out', 'drop', {}],
      ]),
      zones,
    );
    expect(reach(t, 'pupils', 'internet')?.verdict).toBe('allowed');
    expect(reach(t, 'pupils', 'staff')?.verdict).toBe('denied');
    expect(reach(t, 'staff', 'pupils')?.verdict).toBe('allowed');
  });

  it('handles negation, address ranges and port lists', () => {
    const t = zoneReachability(
      rules([
        ['forward', 'accept', { 'src-address': '10.20.0.0/16', 'dst-address': '!10.0.0.0/8' }],
        [
          'forward',
          'accept',
          { 'src-address': '10.20.0.0/22', protocol: 'tcp', 'dst-port': '80,443,8000-8080' },
        ],
        ['forward', 'drop', {}],
      ]),
      zones,
      { services: ['tcp/8001'] },
    );
    expect(reach(t, 'pupils', 'internet')?.verdict).toBe('allowed');
    const toStaff = reach(t, 'pupils', 'staff');
    expect(toStaff?.allowed.sort()).toEqual(['tcp/443', 'tcp/80', 'tcp/8000', 'tcp/8001']);
    expect(reach(t, 'staff', 'internet')?.verdict).toBe('denied');
  });

  it('matches address lists and treats lists filled at run time as unknown', () => {
    const t = zoneReachability(
      rules([
        ['forward', 'drop', { 'src-address-list': 'blocked' }],
        ['forward', 'add-src-to-address-list', { 'address-list': 'seen', 'src-address': '10.10.0.0/24' }],
        ['forward', 'drop', { 'src-address-list': 'seen', 'out-interface': 'SERVERS' }],
        ['forward', 'accept', {}],
      ]),
      zones,
      { addressLists: [{ list: 'blocked', address: '10.20.0.0/22', disabled: false }] },
    );
    expect(reach(t, 'pupils', 'staff')?.verdict).toBe('denied');
    const staffServers = reach(t, 'staff', 'servers');
    expect(staffServers?.verdict).toBe('allowed');
    expect(staffServers?.uncertain).toBe(true);
  });

  it('stays on the safe side for matchers it cannot decide: reachable, and uncertain', () => {
    const t = zoneReachability(
      rules([
        ['forward', 'drop', { 'in-interface': 'PUPILS', time: '8h-16h,mon,tue,wed,thu,fri' }],
        ['forward', 'accept', { 'in-interface': 'PUPILS', 'layer7-protocol': 'games' }],
        ['forward', 'drop', {}],
      ]),
      zones,
    );
    const p = reach(t, 'pupils', 'staff');
    expect(p?.verdict).toBe('allowed');
    expect(p?.uncertain).toBe(true);
    expect(reach(t, 'staff', 'pupils')?.verdict).toBe('denied');
  });

  it('uses interface lists when given, unknown lists otherwise', () => {
    const list = rules([
      ['forward', 'drop', { 'in-interface-list': 'WAN' }],
      ['forward', 'accept', {}],
    ]);
    const known = zoneReachability(list, zones, { interfaceLists: { WAN: ['ether1'] } });
    expect(reach(known, 'internet', 'staff')?.verdict).toBe('denied');
    expect(reach(known, 'staff', 'internet')?.uncertain).toBe(false);
    const unknown = zoneReachability(list, zones);
    expect(reach(unknown, 'internet', 'staff')?.uncertain).toBe(true);
  });

  it('evaluates the input chain for the router itself', () => {
    const self: Zone = { name: 'router', interfaces: [], subnets: ['203.0.113.10'] };
    const t = zoneReachability(INPUT, [internet, self], {
      chain: 'input',
      interfaceLists: { LAN: ['MGMT'], WAN: ['ether1'] },
    });
    expect(reach(t, 'internet', 'router')?.allowed).toEqual(['icmp']);
  });
});
