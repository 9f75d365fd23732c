/**
 * A workbook is checked before exceljs opens it, so a zip bomb is refused in bounded memory. An XLSX is
 * a zip archive: its central directory (at the end of the file) lists every part with its compressed
 * and decompressed sizes. We refuse a workbook whose declared total is over the limit, and then, since
 * a hostile archive can declare small sizes and hold large streams, inflate every part as a stream,
 * counting bytes (never keeping them) and counting `<row` elements in the worksheets, stopping at the
 * first limit crossed. Only node:zlib; the format is APPNOTE.TXT (PKWARE), sections 4.3.7 and 4.3.12-16.
 */
import { createInflateRaw } from 'node:zlib';

export interface XlsxLimits {
  /** Total decompressed bytes of every part. */
  decompressedBytes: number;
  /** Rows in all worksheets together. */
  rows: number;
}

export class WorkbookTooLargeError extends Error {
  constructor(file: string, message: string) {
    super(`${file}: ${message}: refused without opening it`);
    this.name = 'WorkbookTooLargeError';
  }
}

/** Not a zip archive, or a damaged one: the message says what is wrong. */
export class DamagedWorkbookError extends WorkbookTooLargeError {
  constructor(file: string, message: string) {
    super(file, message);
    this.message = `${file}: not readable as an Excel workbook: ${message}`;
    this.name = 'DamagedWorkbookError';
  }
}

interface Entry {
  name: string;
  method: number;
  compressed: number;
  size: number;
  localOffset: number;
}

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function centralDirectory(buf: Buffer, file: string): { entries: Entry[]; cdOffset: number } {
  // The end-of-central-directory record is 22 bytes plus a comment of at most 65,535 bytes.
  const from = Math.max(0, buf.length - 22 - 0xffff);
  let eocd = -1;
  for (let i = buf.length - 22; i >= from; i--)
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  if (eocd < 0) throw new DamagedWorkbookError(file, 'not a zip archive (no central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff)
    throw new WorkbookTooLargeError(
      file,
      'a ZIP64 archive (over 65,535 parts or 4 GB), far beyond any register',
    );
  const entries: Entry[] = [];
  let p = cdOffset;
  for (let n = 0; n < count; n++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL)
      throw new DamagedWorkbookError(file, 'the zip central directory is damaged');
    const nameLen = buf.readUInt16LE(p + 28);
    const extraLen = buf.readUInt16LE(p + 30);
    const commentLen = buf.readUInt16LE(p + 32);
    const e: Entry = {
      method: buf.readUInt16LE(p + 10),
      compressed: buf.readUInt32LE(p + 20),
      size: buf.readUInt32LE(p + 24),
      localOffset: buf.readUInt32LE(p + 42),
      name: buf.toString('utf8', p + 46, p + 46 + nameLen),
    };
    if (e.size === 0xffffffff || e.compressed === 0xffffffff || e.localOffset === 0xffffffff)
      throw new WorkbookTooLargeError(file, `part ${e.name} is a ZIP64 entry (4 GB or more)`);
    entries.push(e);
    p += 46 + nameLen + extraLen + commentLen;
  }
  return { entries, cdOffset };
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(1)} MB`;

/** `<mergeCell ref="A1:F1"/>`: a merged range, listed after a worksheet's rows. */
const MERGE = /<mergeCell\s[^>]*?\bref="([A-Z]{1,3}[0-9]{1,7}:[A-Z]{1,3}[0-9]{1,7})"/g;

/**
 * Collects the merged ranges of a worksheet from its text as it is inflated; a tag split across two
 * chunks is carried (at most 512 characters) to the next.
 */
class MergeScanner {
  readonly ranges: string[] = [];
  readonly max: number;
  #tail = '';
  constructor(max: number) {
    this.max = max;
  }
  /** False once more than `max` ranges were seen. */
  add(chunk: string): boolean {
    const text = this.#tail + chunk;
    const cut = text.lastIndexOf('<');
    const whole = cut >= 0 && !text.includes('>', cut) ? text.slice(0, cut) : text;
    this.#tail = text.length - whole.length <= 512 ? text.slice(whole.length) : '';
    for (const m of whole.matchAll(MERGE)) if (m[1] !== undefined) this.ranges.push(m[1]);
    return this.ranges.length <= this.max;
  }
}

/** Counts decompressed bytes and `<row` tags of one part, streaming; rejects past the budgets. */
function inflateCounting(
  data: Buffer,
  merges: MergeScanner | undefined,
  budget: { bytes: number; rows: number },
  over: (what: 'bytes' | 'rows' | 'merges') => Error,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const inflate = createInflateRaw({ chunkSize: 64 * 1024 });
    let tail = '';
    let done = false;
    const fail = (e: Error) => {
      if (done) return;
      done = true;
      inflate.destroy();
      reject(e);
    };
    inflate.on('data', (chunk: Buffer) => {
      budget.bytes -= chunk.length;
      if (budget.bytes < 0) return fail(over('bytes'));
      if (merges !== undefined) {
        const latin = chunk.toString('latin1');
        if (!merges.add(latin)) return fail(over('merges'));
        const text = tail + latin;
        // `<row ` or `<row>` but not `<rowBreaks`; the tail carries a tag split across chunks.
        const m = text.match(/<row[\s>]/g);
        budget.rows -= m?.length ?? 0;
        tail = text.slice(-4);
        if (budget.rows < 0) fail(over('rows'));
      }
    });
    inflate.on('error', (e) => fail(e));
    inflate.on('end', () => {
      if (!done) {
        done = true;
        resolve();
      }
    });
    inflate.end(data);
  });
}

/** A part of the archive: its local entry's bytes, and for a worksheet its merged ranges. */
export interface WorkbookPart {
  name: string;
  /** Where its local file header starts, and where the next entry (or the central directory) starts. */
  start: number;
  end: number;
  /** Worksheets only: the merged ranges, `A1:F1`. */
  merges?: string[];
}

/**
 * Refuses a workbook (its bytes, already bounded by the register file-size limit) whose parts would
 * decompress past `limits.decompressedBytes` or whose worksheets hold more than `limits.rows` rows
 * (or merged ranges). Returns the parts, so a reader can stream the ones it needs in the order it
 * needs them.
 */
export async function checkWorkbookBounds(
  buf: Buffer,
  file: string,
  limits: XlsxLimits,
): Promise<WorkbookPart[]> {
  const { entries, cdOffset } = centralDirectory(buf, file);
  const declared = entries.reduce((s, e) => s + e.size, 0);
  if (declared > limits.decompressedBytes)
    throw new WorkbookTooLargeError(
      file,
      `the workbook decompresses to ${mb(declared)}, over the ${mb(limits.decompressedBytes)} limit`,
    );
  const budget = { bytes: limits.decompressedBytes, rows: limits.rows };
  const mergesOf = new Map<Entry, string[]>();
  for (const e of entries) {
    const p = e.localOffset;
    if (p + 30 > buf.length || buf.readUInt32LE(p) !== LOCAL)
      throw new DamagedWorkbookError(file, `part ${e.name} is damaged (no local header)`);
    const start = p + 30 + buf.readUInt16LE(p + 26) + buf.readUInt16LE(p + 28);
    const data = buf.subarray(start, start + e.compressed);
    const isSheet = /^xl\/worksheets\/[^/]+\.xml$/i.test(e.name);
    const merges = isSheet ? new MergeScanner(limits.rows) : undefined;
    const over = (what: 'bytes' | 'rows' | 'merges') =>
      new WorkbookTooLargeError(
        file,
        what === 'rows'
          ? `its worksheets hold more than ${limits.rows} rows (at part ${e.name})`
          : what === 'merges'
            ? `part ${e.name} has more than ${limits.rows} merged ranges`
            : `part ${e.name} decompresses past the ${mb(limits.decompressedBytes)} limit (its directory entry said ${mb(e.size)})`,
      );
    if (e.method === 0) {
      budget.bytes -= data.length;
      if (budget.bytes < 0) throw over('bytes');
      if (merges !== undefined) {
        const text = data.toString('latin1');
        budget.rows -= text.match(/<row[\s>]/g)?.length ?? 0;
        if (!merges.add(text)) throw over('merges');
      }
      if (budget.rows < 0) throw over('rows');
    } else if (e.method === 8) {
      try {
        await inflateCounting(data, merges, budget, over);
      } catch (err) {
        if (err instanceof WorkbookTooLargeError) throw err;
        throw new DamagedWorkbookError(
          file,
          `part ${e.name} is not valid deflate data (${(err as Error).message})`,
        );
      }
    } else
      throw new WorkbookTooLargeError(
        file,
        `part ${e.name} uses zip method ${e.method}, not stored or deflate`,
      );
    if (merges !== undefined) mergesOf.set(e, merges.ranges);
  }
  // Each local entry runs to the next one (a data descriptor included), the last to the directory.
  const starts = [...new Set([...entries.map((e) => e.localOffset), cdOffset])].sort((a, b) => a - b);
  const next = new Map(starts.map((s, i) => [s, starts[i + 1] ?? s]));
  return entries.map((e) => {
    const merges = mergesOf.get(e);
    return {
      name: e.name,
      start: e.localOffset,
      end: next.get(e.localOffset) ?? e.localOffset,
      ...(merges === undefined ? {} : { merges }),
    };
  });
}
