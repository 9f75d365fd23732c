/**
 * Three hot spots in ldapts, replaced by code that returns exactly what the originals return
 * (ldapts-speed.test.ts compares them on generated input), each installed only if ldapts still has the
 * method it replaces. Measured on a 50,000-entry dump (scripts/bench/directory.ts):
 * - `SearchEntry.toObject` lower-cases every attribute name with the locale-aware `toLocaleLowerCase`
 *   (ICU), once per attribute and again per requested attribute, for every entry; attribute
 *   descriptions are ASCII (RFC 4512), so `toLowerCase` gives the same answer far faster;
 * - `Attribute.parse` decodes each value with a fatal TextDecoder inside a try/catch;
 * - `MessageParser.read` concatenates the buffer so far with every incoming chunk while a message is
 *   incomplete: a group with 40,000 members (2 MB, arriving in 16 KB TLS records) was copied ~130 times.
 */
import { isUtf8 } from 'node:buffer';
import { Attribute, type BerReader, MessageParser, SearchEntry } from 'ldapts';

type Value = string | Buffer;
interface Attr {
  type: string;
  values: Value[];
  parsedBuffers: Buffer[];
}
type ToObject = (
  this: SearchEntry,
  requestAttributes: string[],
  explicitBufferAttributes: string[],
) => Record<string, unknown>;

const proto = SearchEntry.prototype as unknown as { toObject: ToObject; attributes: Attr[]; name: string };

export const originalToObject: ToObject = proto.toObject;

export function fastToObject(
  this: SearchEntry,
  requestAttributes: string[],
  explicitBufferAttributes: string[],
): Record<string, unknown> {
  const self = this as unknown as { attributes: Attr[]; name: string };
  const attrs = self.attributes;
  const result: Record<string, unknown> = { dn: self.name };
  for (const attribute of attrs) {
    let values: Value[] = attribute.values;
    let binary = explicitBufferAttributes.length > 0 && explicitBufferAttributes.includes(attribute.type);
    for (let i = 0; !binary && i < values.length; i++) binary = Buffer.isBuffer(values[i]);
    if (binary) values = attribute.parsedBuffers;
    result[attribute.type] = values.length === 1 ? (values[0] ?? []) : values.length > 1 ? values : [];
  }
  // A requested attribute the entry lacks is `[]`, unless the server spelled it in another case.
  for (const wanted of requestAttributes) {
    if (result[wanted] !== undefined) continue;
    const lower = wanted.toLowerCase();
    let present = false;
    for (const a of attrs)
      if (a.type.length === wanted.length && a.type.toLowerCase() === lower) present = true;
    if (!present) result[wanted] = [];
  }
  return result;
}

if (typeof proto.toObject === 'function') proto.toObject = fastToObject;

// ---------------------------------------------------------------- Attribute.parse

type Parse = (this: Attribute, reader: BerReader) => void;
const attrProto = Attribute.prototype as unknown as { parse: Parse };
export const originalParse: Parse = attrProto.parse;

const OCTET_STRING = 0x04;
const SET = 0x31;

/**
 * The same as ldapts' Attribute.parse, decoding each value with Buffer's native UTF-8 check and slice
 * instead of a fatal TextDecoder call per value (a try/catch and a JS wrapper each time). A value that
 * is not UTF-8, or starts with a byte-order mark (which TextDecoder strips), goes the original way.
 */
export function fastParse(this: Attribute, reader: BerReader): void {
  const self = this as unknown as { type: string; values: Value[]; buffers: Buffer[] };
  reader.readSequence();
  self.type = reader.readString() ?? '';
  const binary = self.type.length > 7 && /;binary$/i.test(self.type);
  if (reader.peek() !== SET || !reader.readSequence(SET)) return;
  const end = reader.offset + reader.length;
  while (reader.offset < end) {
    const buffer = (reader.readString(OCTET_STRING, true) as Buffer | null) ?? Buffer.alloc(0);
    self.buffers.push(buffer);
    if (binary) self.values.push(buffer);
    else if (isUtf8(buffer) && !(buffer[0] === 0xef && buffer[1] === 0xbb && buffer[2] === 0xbf))
      self.values.push(buffer.toString('utf8'));
    else
      try {
        self.values.push(new TextDecoder('utf8', { fatal: true }).decode(buffer));
      } catch {
        self.values.push(buffer);
      }
  }
}

if (typeof attrProto.parse === 'function') attrProto.parse = fastParse;

// ---------------------------------------------------------------- MessageParser.read

type Read = (this: ParserState, data: Buffer, details: unknown) => void;
interface ParserState {
  buffer?: Buffer;
  pending?: { chunks: Buffer[]; have: number; need: number };
}
const parserProto = MessageParser.prototype as unknown as { read: Read };
export const originalRead: Read = parserProto.read;

/** The total length of the BER element at the front of `data`, or undefined if its header is not all here. */
function elementLength(data: Buffer): number | undefined {
  if (data.length < 2) return undefined;
  const first = data[1] as number;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0 || n > 4 || data.length < 2 + n) return undefined;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (data[2 + i] as number);
  return 2 + n + len;
}

/** Waits for an incomplete message by collecting chunks, and concatenates once when it is all here. */
export function fastRead(this: ParserState, data: Buffer, details: unknown): void {
  let whole = data;
  const p = this.pending;
  if (p) {
    p.chunks.push(data);
    p.have += data.length;
    if (p.have < p.need) return;
    this.pending = undefined;
    whole = Buffer.concat(p.chunks, p.have);
  } else if (this.buffer) whole = Buffer.concat([this.buffer, data]);
  this.buffer = undefined;
  const need = elementLength(whole);
  if (need !== undefined && whole.length < need) {
    this.pending = { chunks: [whole], have: whole.length, need };
    return;
  }
  originalRead.call(this, whole, details);
}

if (typeof parserProto.read === 'function') parserProto.read = fastRead;
