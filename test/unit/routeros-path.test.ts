/**
 * The test server's management-path model against the firewall semantics of the MikroTik manual (Filter:
 * rules from top to bottom, the first accept/drop/reject decides, `jump`/`return`; out-interface is not
 * valid in the input chain; interface lists `all`/`none`). Every matcher a filter rule can carry is
 * decided or "maybe"; a "maybe" drop counts as a cut, a "maybe" accept as no accept, so an unknown rule
 * can only make the path look cut.
 */
import { describe, expect, it } from 'vitest';
import { pathProblem, type ManagementPath } from '../support/routeros/path.ts';
import type { RouterConfig, Row } from '../support/routeros/types.ts';

const PATH: ManagementPath = { port: 'ether2', vlan: 99, routerAddress: '10.99.0.1', client: '10.99.0.10' };

function router(filter: Row[], lists: Row[] = []): RouterConfig {
  return {
    menus: {
      '/interface/bridge': [{ name: 'bridge1', 'vlan-filtering': 'false' }],
      '/interface/bridge/port': [{ bridge: 'bridge1', interface: 'ether2' }],
      '/interface/vlan': [{ name: 'MGMT', 'vlan-id': '99', interface: 'bridge1' }],
      '/ip/address': [{ address: '10.99.0.1/24', interface: 'MGMT' }],
      '/ip/service': [{ name: 'api', port: '8728', disabled: 'false' }],
      '/ip/firewall/address-list': lists,
      '/ip/firewall/filter': filter.map((r, n) => ({ '.id': `*${n + 1}`, ...r })),
    },
  };
}

const problem = (filter: Row[], state: 'new' | 'established' = 'new', lists: Row[] = []) =>
  pathProblem(router(filter, lists), PATH, { state, service: 'api', apiPort: 8728, serviceKey: 'address' });
const dropAll: Row = { chain: 'input', action: 'drop', comment: 'drop all' };

describe('the management-path model decides each filter matcher or says maybe', () => {
  it('cuts on a drop whose matchers all match, and not on one whose matcher cannot match', () => {
    expect(problem([{ ...dropAll, 'in-interface': 'MGMT', protocol: 'tcp', 'dst-port': '8728' }])).toMatch(
      /drop all\) drops new API packets/,
    );
    expect(problem([{ ...dropAll, 'in-interface': 'GUEST' }])).toBeUndefined();
    expect(problem([{ ...dropAll, protocol: 'udp' }])).toBeUndefined();
    expect(problem([{ ...dropAll, 'dst-port': '22,80-443' }])).toBeUndefined();
    expect(problem([{ ...dropAll, 'dst-port': '8000-9000' }])).toBeDefined();
    expect(problem([{ ...dropAll, 'src-address': '192.0.2.0/24' }])).toBeUndefined();
    expect(problem([{ ...dropAll, 'src-address': '!192.0.2.0/24' }])).toBeDefined();
    expect(problem([{ ...dropAll, 'dst-address': '10.99.0.0-10.99.0.5' }])).toBeDefined();
    expect(problem([{ ...dropAll, disabled: 'true' }])).toBeUndefined();
  });

  it('reads interface lists, bridge ports, address lists and address types', () => {
    expect(problem([{ ...dropAll, 'in-interface-list': 'all' }])).toBeDefined();
    expect(problem([{ ...dropAll, 'in-interface-list': 'none' }])).toBeUndefined();
    // A list the router does not have: the model cannot tell, so the drop counts.
    expect(problem([{ ...dropAll, 'in-interface-list': 'WAN' }])).toMatch(/may drop/);
    expect(problem([{ ...dropAll, 'in-interface-list': 'static' }])).toBeDefined();
    expect(problem([{ ...dropAll, 'in-interface-list': 'dynamic' }])).toBeUndefined();
    expect(problem([{ ...dropAll, 'in-bridge-port': 'ether2' }])).toBeDefined();
    expect(problem([{ ...dropAll, 'in-bridge-port': 'ether3' }])).toBeUndefined();
    const lists = [{ list: 'admins', address: '10.99.0.0/28' }];
    expect(problem([{ ...dropAll, 'src-address-list': 'admins' }], 'new', lists)).toBeDefined();
    expect(problem([{ ...dropAll, 'src-address-list': '!admins' }], 'new', lists)).toBeUndefined();
    expect(problem([{ ...dropAll, 'dst-address-list': 'admins' }], 'new', lists)).toBeDefined();
    expect(problem([{ ...dropAll, 'dst-address-type': 'local' }])).toBeDefined();
    expect(problem([{ ...dropAll, 'dst-address-type': 'broadcast' }])).toBeUndefined();
  });

  it('reads interface list members, include and exclude (the defconf "drop all not coming from LAN")', () => {
    const withLists = (filter: Row[], members: Row[], lists: Row[] = [{ name: 'LAN' }, { name: 'WAN' }]) => {
      const config = router(filter);
      config.menus['/interface/list'] = lists;
      config.menus['/interface/list/member'] = members;
      return pathProblem(config, PATH, {
        state: 'new',
        service: 'api',
        apiPort: 8728,
        serviceKey: 'address',
      });
    };
    const defconf: Row = {
      ...dropAll,
      'in-interface-list': '!LAN',
      comment: 'defconf: drop all not coming from LAN',
    };
    // The management VLAN interface is in LAN: the drop does not match.
    expect(withLists([defconf], [{ list: 'LAN', interface: 'MGMT' }])).toBeUndefined();
    // Only the bridge is in LAN (the address is on MGMT, a VLAN interface on it): cut.
    expect(withLists([defconf], [{ list: 'LAN', interface: 'bridge1' }])).toMatch(
      /defconf: drop all not coming from LAN\) drops new API packets/,
    );
    // A disabled member does not count.
    expect(withLists([defconf], [{ list: 'LAN', interface: 'MGMT', disabled: 'true' }])).toBeDefined();
    // Through another list LAN includes, less one it excludes.
    const lists: Row[] = [
      { name: 'LAN', include: 'MGMT-LIST' },
      { name: 'MGMT-LIST' },
      { name: 'X', include: 'LAN', exclude: 'MGMT-LIST' },
    ];
    expect(withLists([defconf], [{ list: 'MGMT-LIST', interface: 'MGMT' }], lists)).toBeUndefined();
    expect(
      withLists(
        [{ ...dropAll, 'in-interface-list': 'X' }],
        [{ list: 'MGMT-LIST', interface: 'MGMT' }],
        lists,
      ),
    ).toBeUndefined();
    expect(
      withLists(
        [{ ...dropAll, 'in-interface-list': 'LAN' }],
        [{ list: 'MGMT-LIST', interface: 'MGMT' }],
        lists,
      ),
    ).toBeDefined();
    // An accept on the list lets the API through before a drop-all.
    expect(
      withLists(
        [{ chain: 'input', action: 'accept', 'in-interface-list': 'LAN' }, dropAll],
        [{ list: 'LAN', interface: 'MGMT' }],
      ),
    ).toBeUndefined();
    expect(
      withLists(
        [{ chain: 'input', action: 'accept', 'in-interface-list': 'WAN' }, dropAll],
        [{ list: 'LAN', interface: 'MGMT' }],
      ),
    ).toMatch(/drop all/);
  });

  it('knows input packets have no out-interface and the API connection no NAT or helper', () => {
    expect(problem([{ ...dropAll, 'out-interface': 'MGMT' }])).toBeUndefined();
    expect(problem([{ ...dropAll, 'out-interface-list': 'all' }])).toBeUndefined();
    expect(problem([{ ...dropAll, 'connection-nat-state': 'dstnat' }])).toBeUndefined();
    expect(problem([{ ...dropAll, 'connection-nat-state': '!dstnat' }])).toBeDefined();
    expect(problem([{ ...dropAll, 'connection-type': 'ftp' }])).toBeUndefined();
  });

  it('tells new from established connections', () => {
    const rules = [{ chain: 'input', action: 'accept', 'connection-state': 'established,related' }, dropAll];
    expect(problem(rules, 'established')).toBeUndefined();
    expect(problem(rules, 'new')).toBeDefined();
  });

  it('treats what it cannot decide, and matchers it does not know, as may match', () => {
    // A drop that may match cuts; an accept that may match does not save the packet.
    expect(problem([{ ...dropAll, 'src-port': '53' }])).toMatch(/may drop/);
    expect(problem([{ ...dropAll, 'src-port': '1024-65535' }])).toMatch(/drops/);
    expect(problem([{ ...dropAll, 'connection-limit': '32,32' }])).toMatch(/may drop/);
    expect(problem([{ ...dropAll, 'tls-host': '*.example' }])).toMatch(/may drop/);
    expect(problem([{ ...dropAll, 'some-future-matcher': 'x' }])).toMatch(/may drop/);
    expect(problem([{ chain: 'input', action: 'accept', 'packet-mark': 'mgmt' }, dropAll])).toBeDefined();
    expect(
      problem([{ chain: 'input', action: 'accept', 'packet-mark': 'no-mark' }, dropAll]),
    ).toBeUndefined();
  });

  it('follows jump and return into custom chains', () => {
    expect(
      problem([
        { chain: 'input', action: 'jump', 'jump-target': 'mgmt' },
        { ...dropAll, chain: 'mgmt' },
      ]),
    ).toBeDefined();
    expect(
      problem([
        { chain: 'input', action: 'jump', 'jump-target': 'mgmt' },
        { chain: 'mgmt', action: 'return', 'src-address': '10.99.0.0/24' },
        { ...dropAll, chain: 'mgmt' },
      ]),
    ).toBeUndefined();
    expect(
      problem([
        { chain: 'input', action: 'jump', 'jump-target': 'mgmt' },
        { chain: 'mgmt', action: 'accept', protocol: 'tcp', 'dst-port': '8728' },
        dropAll,
      ]),
    ).toBeUndefined();
  });
});
