/**
 * Bounded inputs: no file a school supplies can take the night down. Every file read from a school's
 * folder goes through `readBounded`, which refuses a file larger than its kind's limit before reading it
 * (the error names the file, its size and the limit), and problem lists are capped with a count of the rest.
 * A real school's declaration is tens of kilobytes; the limits leave two orders of magnitude of headroom.
 */
import { open } from 'node:fs/promises';

export const LIMITS = {
  /** school.yaml */
  declarationBytes: 2 * 1024 * 1024,
  /** policy.yaml (the clause map) and waivers.yaml */
  clauseMapBytes: 2 * 1024 * 1024,
  /** the MIS roster export (a large secondary school is ~2,000 rows, ~300 KB) */
  rosterBytes: 64 * 1024 * 1024,
  /** rows in the roster (a large secondary school is ~2,000; a trust-wide export perhaps 100,000) */
  rosterRows: 500_000,
  /** a register table (CSV/YAML) or an XLSX workbook on disk */
  registerBytes: 64 * 1024 * 1024,
  /** an XLSX workbook, all its parts decompressed (a 100,000-row register is ~40 MB of XML) */
  xlsxDecompressedBytes: 256 * 1024 * 1024,
  /** rows in an XLSX workbook's worksheets, all together */
  xlsxRows: 500_000,
  /** a secret file (a key or a password) */
  secretBytes: 1024 * 1024,
  /** problems kept per file; the rest are counted in one last problem */
  problems: 200,
} as const;

export class InputTooLargeError extends Error {
  constructor(what: string, file: string, size: number, limit: number) {
    super(`${what} ${file} is ${size} bytes, over the ${limit}-byte limit: refused without reading it`);
    this.name = 'InputTooLargeError';
  }
}

/**
 * Reads a UTF-8 file of at most `limit` bytes. The size is checked on the open handle (no window for a
 * swap between a stat and the read), and the read itself stops at the limit (a file growing meanwhile).
 */
export async function readBounded(file: string, limit: number, what: string): Promise<string> {
  const handle = await open(file, 'r');
  try {
    const st = await handle.stat();
    if (st.size > limit) throw new InputTooLargeError(what, file, st.size, limit);
    const buf = Buffer.alloc(Math.min(st.size, limit) + 1);
    let got = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, got, buf.length - got, got);
      if (bytesRead === 0) break;
      got += bytesRead;
      if (got > limit) throw new InputTooLargeError(what, file, got, limit);
      if (got === buf.length) break;
    }
    return buf.toString('utf8', 0, got);
  } finally {
    await handle.close();
  }
}

/** At most `max` items, and a summary of the rest made by `rest(n)` when there are more. */
export function capped<T>(items: readonly T[], max: number, rest: (n: number) => T): T[] {
  return items.length <= max ? [...items] : [...items.slice(0, max), rest(items.length - max)];
}
