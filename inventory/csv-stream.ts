/**
 * CSV files read as streams: the bytes are counted as they pass (past the limit the read fails, so a
 * file that grows while it is read is still bounded), decoded as UTF-8 across chunk boundaries, CRLF
 * made LF (csv-parse's line counting drifts on CRLF), and each record handed to the caller as
 * csv-parse completes it, with none queued: memory holds what the caller keeps, never the file.
 */
import { open } from 'node:fs/promises';
import { Transform } from 'node:stream';
import type { TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StringDecoder } from 'node:string_decoder';
import { parse } from 'csv-parse';
import { InputTooLargeError } from './limits.ts';

export interface StreamedRecord {
  record: string[];
  /** The record's text as in the file (LF line ends), with any empty lines skipped before it. */
  raw: string;
  /** The record's last line (1-based). */
  info: { lines: number };
}

class BoundedText extends Transform {
  readonly #decoder = new StringDecoder('utf8');
  readonly #limit: number;
  readonly #file: string;
  readonly #what: string;
  #bytes = 0;
  #cr = false;

  constructor(file: string, limit: number, what: string) {
    super({ decodeStrings: true });
    this.#file = file;
    this.#limit = limit;
    this.#what = what;
  }

  #lf(text: string): string {
    let t = (this.#cr ? '\r' : '') + text;
    this.#cr = t.endsWith('\r');
    if (this.#cr) t = t.slice(0, -1);
    return t.replace(/\r\n?/g, '\n');
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.#bytes += chunk.length;
    if (this.#bytes > this.#limit) {
      done(new InputTooLargeError(this.#what, this.#file, this.#bytes, this.#limit));
      return;
    }
    done(null, this.#lf(this.#decoder.write(chunk)));
  }

  override _flush(done: TransformCallback): void {
    const rest = this.#lf(this.#decoder.end());
    done(null, rest + (this.#cr ? '\n' : ''));
  }
}

/** Thrown by `onRecord` (or returned as false) to stop reading early. */
export class StopRead extends Error {
  constructor() {
    super('stopped');
    this.name = 'StopRead';
  }
}

/**
 * Streams `path` through csv-parse (BOM, relaxed column count, empty lines skipped). `onRecord`
 * returns false to stop. Resolves `{ stopped }`; rejects with InputTooLargeError (over `limit`, on the
 * open file or while reading), the file's open/read error, or csv-parse's error (its `lines` property
 * where it gave up) after every complete record before it was handed over.
 */
export async function streamCsv(
  path: string,
  o: { limit: number; what: string; onRecord: (r: StreamedRecord) => boolean },
): Promise<{ stopped: boolean }> {
  const handle = await open(path, 'r');
  let src: ReturnType<typeof handle.createReadStream> | undefined;
  let stopped = false;
  try {
    const st = await handle.stat();
    if (st.size > o.limit) throw new InputTooLargeError(o.what, path, st.size, o.limit);
    // 16 KB at a time (about 200 roster rows, a few milliseconds of parsing): what runs beside the parse
    // (`schoolnet leavers` connects, binds and starts the directory dump meanwhile) waits at most that
    // long for its turn.
    src = handle.createReadStream({ highWaterMark: 16 * 1024, autoClose: false });
    const parser = parse({
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      raw: true,
      on_record: (rec: unknown, ctx: { lines: number }): null => {
        const r = rec as { record: string[]; raw: string }; // with raw: true
        if (!o.onRecord({ record: r.record, raw: r.raw, info: { lines: ctx.lines } })) {
          stopped = true;
          throw new StopRead();
        }
        return null;
      },
    });
    try {
      await pipeline(src, new BoundedText(path, o.limit, o.what), parser);
    } catch (e) {
      if (!stopped) throw e;
    }
    return { stopped };
  } finally {
    src?.destroy();
    await handle.close();
  }
}
