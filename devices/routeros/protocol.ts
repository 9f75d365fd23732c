/**
 * The RouterOS API wire format (MikroTik's "API" manual): a sentence is a list of words closed by an empty
 * word; every word is a length prefix of 1 to 5 bytes followed by that many bytes. The client's receiver and
 * the test server share this one codec, so both sides frame sentences the same way and a bug shows on both.
 */

/** Words longer than this are treated as garbage: no RouterOS reply we read comes near it. */
export const MAX_WORD_BYTES = 8 * 1024 * 1024;

/** The reply words RouterOS sends first in a sentence (`!empty` since RouterOS 7.18). */
export const REPLY_WORDS: ReadonlySet<string> = new Set(['!re', '!done', '!trap', '!fatal', '!empty']);

export class ProtocolError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProtocolError';
  }
}

export type WordDecoder = (bytes: Buffer) => string;
export type WordEncoder = (word: string) => Buffer;

/** Byte-transparent text: RouterOS stores bytes, so the server keeps them as they came. */
export const latin1Decode: WordDecoder = (b) => b.toString('latin1');
export const latin1Encode: WordEncoder = (w) => Buffer.from(w, 'latin1');

export function encodeLength(n: number): Buffer {
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) throw new RangeError(`cannot encode word length ${n}`);
  if (n < 0x80) return Buffer.from([n]);
  if (n < 0x4000) return Buffer.from([(n >> 8) | 0x80, n & 0xff]);
  if (n < 0x200000) return Buffer.from([(n >> 16) | 0xc0, (n >> 8) & 0xff, n & 0xff]);
  if (n < 0x10000000)
    return Buffer.from([((n >>> 24) & 0x0f) | 0xe0, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
  return Buffer.from([0xf0, (n >>> 24) & 0xff, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
}

/**
 * Reads a length prefix at `offset`. Returns null when the prefix is not complete yet (it may be split
 * across TCP reads); throws on the reserved control bytes 0xF1-0xFF, which no valid stream contains.
 */
export function decodeLength(buf: Buffer, offset: number): { length: number; size: number } | null {
  if (offset >= buf.length) return null;
  const b = buf[offset] as number;
  let size: number;
  if ((b & 0x80) === 0x00) size = 1;
  else if ((b & 0xc0) === 0x80) size = 2;
  else if ((b & 0xe0) === 0xc0) size = 3;
  else if ((b & 0xf0) === 0xe0) size = 4;
  else if (b === 0xf0) size = 5;
  else throw new ProtocolError(`reserved control byte 0x${b.toString(16)} where a word length was expected`);
  if (offset + size > buf.length) return null;
  const byte = (i: number): number => buf[offset + i] as number;
  let length: number;
  switch (size) {
    case 1:
      length = b;
      break;
    case 2:
      length = ((b & 0x3f) << 8) | byte(1);
      break;
    case 3:
      length = ((b & 0x1f) << 16) | (byte(1) << 8) | byte(2);
      break;
    case 4:
      length = (b & 0x0f) * 0x1000000 + ((byte(1) << 16) | (byte(2) << 8) | byte(3));
      break;
    default:
      length = buf.readUInt32BE(offset + 1);
  }
  return { length, size };
}

export function encodeWord(word: string, encode: WordEncoder = latin1Encode): Buffer {
  const bytes = encode(word);
  return Buffer.concat([encodeLength(bytes.length), bytes]);
}

export function encodeSentence(words: readonly string[], encode: WordEncoder = latin1Encode): Buffer {
  const parts: Buffer[] = [];
  for (const w of words) {
    if (w.length === 0)
      throw new RangeError('a sentence cannot contain an empty word (it would end the sentence)');
    parts.push(encodeWord(w, encode));
  }
  parts.push(Buffer.from([0]));
  return Buffer.concat(parts);
}

/**
 * Streaming decoder: feed it whatever the socket delivers, get back the complete sentences. Keeps the
 * unfinished tail (a partial length prefix, a partial word, a sentence without its end) for the next chunk.
 * Empty sentences (a lone zero byte) are skipped, as RouterOS does.
 */
export class SentenceDecoder {
  private pending: Buffer = Buffer.alloc(0);
  private words: string[] = [];
  private readonly decode: WordDecoder;
  private readonly maxWordBytes: number;

  constructor(decode: WordDecoder = latin1Decode, maxWordBytes = MAX_WORD_BYTES) {
    this.decode = decode;
    this.maxWordBytes = maxWordBytes;
  }

  /** Bytes received but not yet part of a complete sentence. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  push(chunk: Buffer): string[][] {
    const buf = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    const sentences: string[][] = [];
    let offset = 0;
    for (;;) {
      const head = decodeLength(buf, offset);
      if (head === null) break;
      if (head.length > this.maxWordBytes) {
        throw new ProtocolError(`word of ${head.length} bytes exceeds the ${this.maxWordBytes}-byte limit`);
      }
      const end = offset + head.size + head.length;
      if (end > buf.length) break;
      if (head.length === 0) {
        if (this.words.length > 0) sentences.push(this.words);
        this.words = [];
      } else {
        this.words.push(this.decode(buf.subarray(offset + head.size, end)));
      }
      offset = end;
    }
    // Copy the tail so the (possibly large) chunk it came from can be collected.
    this.pending = offset === buf.length ? Buffer.alloc(0) : Buffer.from(buf.subarray(offset));
    return sentences;
  }
}
