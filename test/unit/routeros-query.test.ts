import { describe, expect, it } from 'vitest';
import { QueryError, compileQuery } from '../support/routeros/query.ts';
import type { Row } from '../support/routeros/types.ts';

const rows: Row[] = [
  { '.id': '*1', name: 'ether1', type: 'ether', mtu: '1500', comment: 'WAN' },
  { '.id': '*2', name: 'bridge1', type: 'bridge', mtu: '1500' },
  { '.id': '*A', name: 'STAFF', type: 'vlan', mtu: '1500', disabled: 'false' },
  { '.id': '*B', name: 'GUEST', type: 'vlan', mtu: '1400', disabled: 'true' },
];
const names = (words: string[]): string[] => rows.filter(compileQuery(words)).map((r) => r.name as string);

describe('RouterOS API queries', () => {
  it.each([
    [[], ['ether1', 'bridge1', 'STAFF', 'GUEST']],
    [['type=vlan'], ['STAFF', 'GUEST']],
    [['=type=vlan'], ['STAFF', 'GUEST']],
    [['comment'], ['ether1']],
    [['-comment'], ['bridge1', 'STAFF', 'GUEST']],
    [['type=vlan', 'mtu=1500'], ['STAFF']],
    [
      ['type=ether', 'type=bridge', '#|'],
      ['ether1', 'bridge1'],
    ],
    [
      ['type=ether', 'type=bridge', '#|!'],
      ['STAFF', 'GUEST'],
    ],
    [['type=vlan', 'disabled=yes', '#&'], ['GUEST']],
    [['disabled=no'], ['STAFF']],
    [['<mtu=1500'], ['GUEST']],
    [['>.id=*2'], ['STAFF', 'GUEST']],
    [
      ['type=vlan', '#.&'],
      ['STAFF', 'GUEST'],
    ],
    [['type=ether', 'type=vlan', '#0|'], ['ether1']],
    [
      ['type=ether', 'type=vlan', '#|', 'mtu=1500', '#&'],
      ['ether1', 'STAFF'],
    ],
  ])('%j selects %j', (words, expected) => {
    expect(names(words)).toEqual(expected);
  });

  it('reports an operation on an empty stack', () => {
    expect(() => names(['#|'])).toThrow(QueryError);
  });

  it('reports unknown operations and malformed comparisons', () => {
    expect(() => compileQuery(['#x'])).toThrow(QueryError);
    expect(() => compileQuery(['<mtu'])).toThrow(QueryError);
  });
});
