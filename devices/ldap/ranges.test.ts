/**
 * Ranged attribute merging. `fetch` here stands in for the directory with the replies Active Directory
 * gives ([MS-ADTS] 3.1.1.3.1.3.3: `member;range=1500-2999`, the last piece ending in `*`); the live case
 * against Samba's own ranged retrieval is in test/directory-client.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { completeRanges, rangedKeys } from './ranges.ts';
import type { RawEntry } from './values.ts';

const members = Array.from({ length: 4000 }, (_, i) => `CN=Pupil ${i},OU=Pupils,DC=school,DC=test`);

/** A directory holding `values`, answering `name;range=lo-*` with at most `max` values per piece. */
function server(values: string[], max: number) {
  const asked: string[] = [];
  const fetch = (dn: string, attribute: string): Promise<RawEntry | undefined> => {
    asked.push(attribute);
    const m = /^member;range=(\d+)-\*$/.exec(attribute);
    if (!m) throw new Error(`unexpected request ${attribute}`);
    const lo = Number(m[1]);
    const hi = Math.min(values.length - 1, lo + max - 1);
    const last = hi === values.length - 1;
    return Promise.resolve({ dn, [`member;range=${lo}-${last ? '*' : hi}`]: values.slice(lo, hi + 1) });
  };
  return { fetch, asked };
}

describe('ranged attributes', () => {
  it('finds ranged keys and nothing else', () => {
    expect(rangedKeys({ dn: 'x', member: ['a'], 'userCertificate;binary': [] })).toEqual([]);
    expect(rangedKeys({ dn: 'x', 'member;range=0-1499': ['a'], 'memberOf;Range=0-*': 'b' })).toEqual([
      { key: 'member;range=0-1499', name: 'member', high: 1499 },
      { key: 'memberOf;Range=0-*', name: 'memberOf', high: undefined },
    ]);
  });

  it('fetches every further piece of a 4,000-member group and merges them under the plain name', async () => {
    const dir = server(members, 1500);
    const e: RawEntry = {
      dn: 'CN=Pupils,DC=school,DC=test',
      cn: 'Pupils',
      member: [],
      'member;range=0-1499': members.slice(0, 1500),
    };
    await completeRanges(e, dir.fetch);
    expect(dir.asked).toEqual(['member;range=1500-*', 'member;range=3000-*']);
    expect(e).toEqual({ dn: 'CN=Pupils,DC=school,DC=test', cn: 'Pupils', member: members });
  });

  it('a piece that ends in * needs no further request, and one value stays a single value', async () => {
    const dir = server(members, 1500);
    const e: RawEntry = { dn: 'x', 'member;range=0-*': 'CN=Only,DC=school,DC=test' };
    await completeRanges(e, dir.fetch);
    expect(dir.asked).toEqual([]);
    expect(e).toEqual({ dn: 'x', member: 'CN=Only,DC=school,DC=test' });
  });

  it('a server that stops answering the range fails the read rather than report a shorter group', async () => {
    const e: RawEntry = { dn: 'x', 'member;range=0-1499': members.slice(0, 1500) };
    await expect(completeRanges(e, (dn) => Promise.resolve({ dn }))).rejects.toThrow(
      /did not return member beyond value 1499/,
    );
    const backwards: RawEntry = { dn: 'x', 'member;range=0-1499': members.slice(0, 1500) };
    await expect(
      completeRanges(backwards, (dn) => Promise.resolve({ dn, 'member;range=10-20': ['a'] })),
    ).rejects.toThrow(/returned member;range=10-20/);
  });
});
