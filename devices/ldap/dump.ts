/**
 * Reading every account of a large directory: one paged search requesting only the attributes asked for,
 * mapped page by page, or the same search split into partitions by the first character of the naming
 * attribute (sAMAccountName / uid), run concurrently on separate connections so that page round trips
 * overlap (worth it when latency dominates; see DirectoryTuning.partitions and test/bench/directory.ts).
 *
 * The partitions always cover everything: the last one is "none of the above" (names starting with
 * punctuation or accents, entries without the attribute), and entries matched twice (a multi-valued
 * uid) are kept once.
 */
import { DeviceError } from '../errors.ts';
import type { DirectoryReader, SearchRequest } from './client.ts';
import { and, type LdapFilter, not, or, startsWith } from './filter.ts';
import { lookup, type RawEntry } from './values.ts';

/** How common each initial is among UK first names and usernames (rough, only for balancing). */
const INITIAL_WEIGHTS: [string, number][] = [
  ['a', 8],
  ['b', 5],
  ['c', 6],
  ['d', 5],
  ['e', 5],
  ['f', 3],
  ['g', 3],
  ['h', 5],
  ['i', 3],
  ['j', 8],
  ['k', 4],
  ['l', 6],
  ['m', 8],
  ['n', 4],
  ['o', 3],
  ['p', 3],
  ['q', 0.2],
  ['r', 5],
  ['s', 7],
  ['t', 5],
  ['u', 0.5],
  ['v', 1],
  ['w', 2],
  ['x', 0.1],
  ['y', 0.5],
  ['z', 1],
  ...[...'0123456789'].map((d): [string, number] => [d, 0.2]),
];

/** Split the initials into `n` contiguous groups of roughly equal weight. */
export function initialGroups(n: number): string[][] {
  const total = INITIAL_WEIGHTS.reduce((s, [, w]) => s + w, 0);
  const groups: string[][] = [];
  let current: string[] = [];
  let acc = 0;
  for (const [ch, w] of INITIAL_WEIGHTS) {
    current.push(ch);
    acc += w;
    if (acc >= (total * (groups.length + 1)) / n && groups.length < n - 1) {
      groups.push(current);
      current = [];
    }
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

/** Filters that together match exactly what `base` matches, in `n` (+1 remainder) parts. */
export function partitionFilters(base: LdapFilter, attribute: string, n: number): LdapFilter[] {
  if (n <= 1) return [base];
  const groups = initialGroups(n);
  const parts = groups.map((g) => and(base, or(...g.map((ch) => startsWith(attribute, ch)))));
  const all = or(...groups.flat().map((ch) => startsWith(attribute, ch)));
  parts.push(and(base, not(all)));
  return parts;
}

export interface DumpRequest extends Omit<SearchRequest, 'filter'> {
  filter: LdapFilter;
  /** Attribute whose first character splits the work (sAMAccountName, uid). */
  partitionBy: string;
  /** Number of concurrent partitions; 1 = a single search. */
  partitions: number;
  /**
   * Ask for everything in one unpaged search first (`servesUnpaged`: a Samba DC), and page only if the
   * server ends it at a size limit; entries already handed on are not handed on again.
   */
  unpaged?: boolean;
}

/**
 * Whether the directory is a Samba AD DC, from the root DSE's `vendorName` (Windows AD publishes none,
 * and returns at most the first 1000 entries of an unpaged search: "Retrieving Large Results Sets",
 * learn.microsoft.com/windows/win32/adsi/retrieving-large-results-sets; so it is always read paged).
 * Samba answers a paged search by re-reading every entry of each page through its whole module stack,
 * and it does not cap an unpaged search at MaxPageSize as Windows AD does: one unpaged search of 5,043
 * users cost Samba 4.17 a quarter to a fifth of the CPU time of the same search paged by 1000 or 5000,
 * with every entry returned and result 0 (ldapsearch, test/bench/directory.ts). A root DSE that cannot
 * be read counts as "no" (paged, as for everyone else).
 */
export async function servesUnpaged(reader: DirectoryReader): Promise<boolean> {
  try {
    const [dse] = await reader.search({ base: '', scope: 'base', attributes: ['vendorName'], pageSize: 0 });
    const vendor = dse ? lookup(dse, 'vendorName') : undefined;
    return typeof vendor === 'string' && /^Samba\b/i.test(vendor);
  } catch {
    return false;
  }
}

/** An unpaged search the server ended at a size or administrative limit (RFC 4511 results 4 and 11). */
function limited(e: unknown): boolean {
  const code = e instanceof DeviceError ? e.detail?.ldapResultCode : undefined;
  return code === 4 || code === 11;
}

/**
 * Every matching entry, each turned into a `T` by `map` as it arrives, while the rest are still on the
 * wire (so the raw entries die young instead of piling up for the garbage collector). Each partition runs on its own forked session (slapd
 * keeps one paged search per connection), closed afterwards, so `reader` stays free for the caller's
 * other searches meanwhile; unless the caller says it has none (`exclusive`) and there is one partition.
 */
export async function dumpEntries<T>(
  reader: DirectoryReader,
  req: DumpRequest,
  /** The entry's `T`, or undefined to drop it. */
  map: (e: RawEntry) => T | undefined,
  /** The caller runs nothing else on `reader` meanwhile: a single search then uses it rather than a fork,
   * saving a TLS handshake and a bind (the leavers check's only read). */
  exclusive = false,
): Promise<T[]> {
  const filters = partitionFilters(req.filter, req.partitionBy, req.partitions);
  const forks: DirectoryReader[] = [];
  const seen = filters.length > 1 ? new Set<string>() : undefined;
  const out: T[] = [];
  try {
    await Promise.all(
      filters.map(async (filter) => {
        let session = reader;
        if (!exclusive || filters.length > 1) {
          session = await reader.fork();
          forks.push(session);
        }
        const take = (e: RawEntry) => {
          // Only an entry with several values of the partition attribute can match two partitions.
          if (seen && Array.isArray(lookup(e, req.partitionBy))) {
            if (seen.has(e.dn)) return;
            seen.add(e.dn);
          }
          const t = map(e);
          if (t !== undefined) out.push(t);
        };
        if (!req.unpaged) {
          await session.each({ ...req, filter }, take);
          return;
        }
        // Unpaged first; should the server stop it at a limit, the paged search skips what was handed on.
        const given = new Set<string>();
        try {
          await session.each({ ...req, filter, pageSize: 0 }, (e) => {
            given.add(e.dn);
            take(e);
          });
        } catch (e) {
          if (!limited(e)) throw e;
          await session.each({ ...req, filter }, (e) => {
            if (!given.has(e.dn)) take(e);
          });
        }
      }),
    );
  } finally {
    await Promise.all(forks.map((f) => f.close()));
  }
  return out;
}
