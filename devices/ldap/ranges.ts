/**
 * Ranged attribute retrieval (Active Directory, [MS-ADTS] 3.1.1.3.1.3.3): an attribute with more values
 * than the server's MaxValRange (1,500 by default; large groups' `member`, a busy account's `memberOf`)
 * comes back as `member;range=0-1499`, and the rest must be asked for, `member;range=1500-*`, until a
 * reply ends in `-*`. Here the pieces are fetched and merged under the plain name, so fact builders see
 * every value whatever the group's size.
 */
import type { RawEntry } from './values.ts';

const RANGED = /^(.+);range=(\d+)-(\d+|\*)$/i;

export interface RangedKey {
  /** The key as the server sent it (`member;range=0-1499`). */
  key: string;
  /** The attribute without the range option (`member`). */
  name: string;
  /** The last index held, or undefined when the range ends in `*` (nothing more to fetch). */
  high: number | undefined;
}

/** The ranged attributes of an entry; [] for nearly every entry. */
export function rangedKeys(entry: RawEntry): RangedKey[] {
  let out: RangedKey[] | undefined;
  for (const key in entry) {
    if (key.indexOf(';') < 0) continue;
    const m = RANGED.exec(key);
    if (!m) continue;
    (out ??= []).push({
      key,
      name: m[1] as string,
      high: m[3] === '*' ? undefined : Number(m[3]),
    });
  }
  return out ?? [];
}

function valuesOf(v: RawEntry[string] | undefined): (string | Buffer)[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? (v as (string | Buffer)[]) : [v];
}

/**
 * Replaces each ranged attribute of `entry` with all of its values under the plain name, asking
 * `fetch(dn, 'member;range=1500-*')` for each next piece (a base-scope read of that one attribute).
 * Values keep the decoder's shape: one value alone, several as an array; if any piece came as bytes,
 * every value is given as bytes.
 */
export async function completeRanges(
  entry: RawEntry,
  fetch: (dn: string, attribute: string) => Promise<RawEntry | undefined>,
): Promise<void> {
  for (const r of rangedKeys(entry)) {
    const values = [...valuesOf(entry[r.key])];
    let high = r.high;
    // Each round must move forward; a server that repeats itself cannot loop us forever.
    while (high !== undefined) {
      const next = await fetch(entry.dn, `${r.name};range=${high + 1}-*`);
      const piece = next
        ? rangedKeys(next).find((k) => k.name.toLowerCase() === r.name.toLowerCase())
        : undefined;
      // Stopping short would report a group smaller than it is: fail instead.
      if (!next || !piece)
        throw new Error(`${entry.dn}: the server did not return ${r.name} beyond value ${high}`);
      if (piece.high !== undefined && piece.high <= high)
        throw new Error(`${entry.dn}: the server returned ${piece.key} after ${r.name} up to ${high}`);
      values.push(...valuesOf(next[piece.key]));
      high = piece.high;
    }
    delete entry[r.key];
    const asBytes = values.some((v) => typeof v !== 'string');
    const list = asBytes ? values.map((v) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : v)) : values;
    entry[r.name] = list.length === 1 ? (list[0] as string | Buffer) : (list as string[] | Buffer[]);
  }
}
