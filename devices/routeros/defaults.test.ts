import { describe, expect, it } from 'vitest';
import { routerOsDefault, withDefaults, withoutDefaults } from './defaults.ts';

// The values are the manual's "Default:" columns (help.mikrotik.com for 7, wiki Manual:* for 6) and the
// version splits of ansible community.routeros _api_data.py; see defaults.ts for each source.
describe('RouterOS defaults per version', () => {
  it('gives RouterOS 6 and 7 their own defaults where they differ', () => {
    const v6 = [6, 49, 18];
    const v7 = [7, 20, 0];
    expect(routerOsDefault('/interface/bridge', 'ingress-filtering', v6)).toBe('false');
    expect(routerOsDefault('/interface/bridge', 'ingress-filtering', v7)).toBe('true');
    expect(routerOsDefault('/interface/bridge/port', 'ingress-filtering', v6)).toBe('false');
    expect(routerOsDefault('/interface/bridge/port', 'ingress-filtering', [7, 0, 0])).toBe('true');
    expect(routerOsDefault('/ip/dhcp-server', 'lease-time', v6)).toBe('10m');
    expect(routerOsDefault('/ip/dhcp-server', 'lease-time', v7)).toBe('30m');
    expect(routerOsDefault('/snmp/community', 'addresses', v6)).toBe('0.0.0.0/0');
    expect(routerOsDefault('/snmp/community', 'addresses', v7)).toBe('::/0');
    // A property the version does not have has no default there.
    expect(routerOsDefault('/snmp', 'vrf', v6)).toBeUndefined();
    expect(routerOsDefault('/snmp', 'vrf', v7)).toBe('main');
    expect(routerOsDefault('/interface/bridge', 'dhcp-snooping', [6, 42, 0])).toBeUndefined();
  });

  it('fills in only what print left out, never over a printed value', () => {
    const row = { '.id': '*1', name: 'bridge1', 'vlan-filtering': 'true' };
    expect(withDefaults('/interface/bridge', row, [7, 20, 0])).toMatchObject({
      name: 'bridge1',
      'vlan-filtering': 'true',
      'ingress-filtering': 'true',
      'frame-types': 'admit-all',
      pvid: '1',
      'protocol-mode': 'rstp',
    });
    expect(withDefaults('/ip/firewall/filter', { chain: 'input' }, [6, 49, 0])).toEqual({
      chain: 'input',
      action: 'accept',
      log: 'false',
      'log-prefix': '',
    });
    // The wireless mode is left out on purpose (manual: station; other sources: ap-bridge).
    expect(withDefaults('/interface/wireless', { name: 'wlan2' }, [6, 49, 0])).not.toHaveProperty('mode');
    // A menu without a table is returned as it is.
    const other = { address: '10.0.0.1/24' };
    expect(withDefaults('/ip/address', other, [7, 20, 0])).toBe(other);
  });

  it('takes the defaults back out, keeping what differs and what the table does not know', () => {
    const printed = { '.id': '*3', bridge: 'bridge1', interface: 'ether2', pvid: '10', comment: 'x' };
    const v7 = [7, 20, 0];
    const full = withDefaults('/interface/bridge/port', printed, v7);
    expect(full).toHaveProperty('unknown-multicast-flood', 'true');
    expect(withoutDefaults('/interface/bridge/port', full, v7)).toEqual(printed);
    // RouterOS 6 prints yes/no; its own default (ingress-filtering: no) is taken out, 7's would stay.
    expect(
      withoutDefaults('/interface/bridge', { name: 'b', 'ingress-filtering': 'no' }, [6, 49, 0]),
    ).toEqual({
      name: 'b',
    });
    expect(withoutDefaults('/interface/bridge', { name: 'b', 'ingress-filtering': 'no' }, v7)).toEqual({
      name: 'b',
      'ingress-filtering': 'no',
    });
  });
});
