import { describe, expect, it } from 'vitest';
import { eachOnItsOwn, nextId, restoreTable, undoAdd, undoRemove, undoSet } from './routeros-undo.ts';

// The script lines commit-confirm leaves in the scheduler (manual: Scripting; Console: add place-before,
// move numbers destination). The integration test (test/routeros-commit-confirm.test.ts) runs them.
describe('commit-confirm undo scripts', () => {
  it('re-adds a removed item with every property it had but those RouterOS computes, in its place', () => {
    const row = {
      '.id': '*7',
      chain: 'input',
      action: 'accept',
      'src-address': '10.99.0.0/24',
      log: 'true',
      'log-prefix': '',
      disabled: 'false',
      bytes: '120',
      packets: '2',
      dynamic: 'false',
      invalid: 'false',
      comment: 'say "$hi"',
    };
    expect(undoRemove('/ip/firewall/filter', row, '*9')).toBe(
      '/ip firewall filter add chain="input" action="accept" src-address="10.99.0.0/24" log="yes" ' +
        'disabled="no" comment="say \\"\\$hi\\"" place-before=*9',
    );
    expect(
      undoRemove('/ip/address', {
        '.id': '*2',
        address: '10.0.0.1/24',
        network: '10.0.0.0',
        interface: 'MGMT',
      }),
    ).toBe('/ip address add address="10.0.0.1/24" interface="MGMT"');
  });

  it('sets changed properties back, removes what an add made by its key', () => {
    expect(
      undoSet('/interface/bridge', '*3', { 'vlan-filtering': 'false' }, { 'vlan-filtering': 'yes' }),
    ).toBe('/interface bridge set *3 vlan-filtering="no"');
    expect(undoAdd('/interface/vlan', { name: 'MGMT' })).toBe(
      '/interface vlan remove [find where name="MGMT"]',
    );
  });

  it('finds the item that follows, and restores a table: ours removed, the others moved back, ours re-added', () => {
    const rows = [
      { '.id': '*1', chain: 'input', comment: 'theirs a' },
      { '.id': '*2', chain: 'input', comment: 'schoolnet:x ours' },
      { '.id': '*3', chain: 'input', comment: 'theirs b' },
      { '.id': '*4', chain: 'input', comment: 'schoolnet:y ours' },
    ];
    expect(nextId(rows, '*2')).toBe('*3');
    expect(nextId(rows, '*4')).toBeUndefined();
    const ours = (r: Record<string, string>) => r.comment?.startsWith('schoolnet:') === true;
    expect(
      restoreTable(
        '/ip/firewall/filter',
        rows,
        ['schoolnet:x ours', 'schoolnet:z new', 'schoolnet:y ours'],
        ours,
      ),
    ).toEqual([
      '/ip firewall filter remove [find where comment="schoolnet:x ours"]',
      '/ip firewall filter remove [find where comment="schoolnet:y ours"]',
      '/ip firewall filter remove [find where comment="schoolnet:z new"]',
      '/ip firewall filter move *1 destination=*3',
      '/ip firewall filter add chain="input" comment="schoolnet:x ours" place-before=*3',
      '/ip firewall filter add chain="input" comment="schoolnet:y ours"',
    ]);
  });

  it('runs each line on its own, so one failing line does not stop the rest', () => {
    expect(
      eachOnItsOwn(['/ip firewall filter move *1 destination=*3', '/ip address add address="10.0.0.1/24"']),
    ).toBe(
      ':do { /ip firewall filter move *1 destination=*3 } on-error={}; :do { /ip address add address="10.0.0.1/24" } on-error={}',
    );
  });
});
