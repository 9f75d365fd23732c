/**
 * The unpaged-first dump's fallback (./dump.ts): when the server stops the unpaged search at a size or
 * administrative limit, the paged search hands on only what was not handed on already.
 *
 * The reader here is a stand-in, and says so: no directory we can run stops an unpaged search that way
 * once it is known to be Samba (Samba 4.17 returns every entry; only its 256 MB response cap would), so
 * the orchestration is proven over a reader that behaves like one that did. The unpaged and paged reads
 * themselves are proven against Samba and slapd in test/directory-facts.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { DeviceError } from '../errors.ts';
import type { DirectoryReader, SearchRequest } from './client.ts';
import { dumpEntries } from './dump.ts';
import { eq } from './filter.ts';
import type { RawEntry } from './values.ts';

const ENTRIES: RawEntry[] = Array.from({ length: 12 }, (_, i) => ({ dn: `uid=u${i},dc=s`, uid: `u${i}` }));

/** Hands on `stopAfter` entries of an unpaged search, then fails with LDAP result `code`. */
function stopping(code: number, stopAfter: number, calls: SearchRequest[]): DirectoryReader {
  const reader: DirectoryReader = {
    name: 'stand-in',
    fork: () => Promise.resolve(reader),
    search: () => Promise.resolve([]),
    pages: () => {
      throw new Error('not used');
    },
    each: (req, each) => {
      calls.push(req);
      if (req.pageSize === 0) {
        for (const e of ENTRIES.slice(0, stopAfter)) each(e);
        return Promise.reject(
          new DeviceError('E-PROTOCOL', 'stand-in', 'unexpected directory reply', {
            detail: { ldapResultCode: code },
          }),
        );
      }
      // Paged: every entry, in another order.
      for (const e of [...ENTRIES].reverse()) each(e);
      return Promise.resolve();
    },
    close: () => Promise.resolve(),
  };
  return reader;
}

const REQ = {
  base: 'dc=s',
  filter: eq('objectClass', 'person'),
  attributes: ['uid'],
  partitionBy: 'uid',
  partitions: 1,
  pageSize: 5000,
  unpaged: true,
};

describe('an unpaged dump the server stops at a limit', () => {
  it.each([
    ['sizeLimitExceeded', 4],
    ['adminLimitExceeded', 11],
  ])('%s: the paged search gives the rest, each entry once', async (_name, code) => {
    const calls: SearchRequest[] = [];
    const got = await dumpEntries(stopping(code, 5, calls), REQ, (e) => e.dn, true);
    expect([...got].sort()).toEqual(ENTRIES.map((e) => e.dn).sort());
    expect(got).toHaveLength(ENTRIES.length);
    expect(calls.map((c) => c.pageSize)).toEqual([0, 5000]);
  });

  it('any other failure is the dump failing, with no second search', async () => {
    const calls: SearchRequest[] = [];
    await expect(dumpEntries(stopping(50, 5, calls), REQ, (e) => e.dn, true)).rejects.toMatchObject({
      detail: { ldapResultCode: 50 },
    });
    expect(calls).toHaveLength(1);
  });

  it('without `unpaged`, one paged search', async () => {
    const calls: SearchRequest[] = [];
    const got = await dumpEntries(stopping(4, 5, calls), { ...REQ, unpaged: false }, (e) => e.dn, true);
    expect(got).toHaveLength(ENTRIES.length);
    expect(calls.map((c) => c.pageSize)).toEqual([5000]);
  });
});
