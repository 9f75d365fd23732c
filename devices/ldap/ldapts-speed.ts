/**
 * One hot spot in ldapts, replaced: `SearchEntry.toObject` lower-cases every attribute name with the
 * locale-aware `toLocaleLowerCase` (ICU), once per attribute and again per requested attribute, for
 * every entry. Attribute descriptions are ASCII (RFC 4512), so plain `toLowerCase` gives the same answer;
 * on a 50,000-entry dump this took a third of the client's time. The replacement returns exactly what
 * the original returns (ldapts-speed.test.ts compares them), and is installed only if ldapts still has
 * the method it replaces.
 */
import { isUtf8 } from 'node:buffer';
import { Attribute, type BerReader, SearchEntry } from 'ldapts';

type Value = string | Buffer;
interface Attr {
  type: string;
  values: Value[];
  parsedBuffers: Buffer[];
}
type ToObject = (this: SearchEntry, requestAttributes: string[], explicitBufferAttributes: string[]) => Record<string, unknown>;

const proto = SearchEntry.prototype as unknown as { toObject: ToObject; attributes: Attr[]; name: string };

export const originalToObject: ToObject = proto.toObject;

export function fastToObject(this: SearchEntry, requestAttributes: string[], explicitBufferAttributes: string[]): Record<string, unknown> {
  const self = this as unknown as { attributes: Attr[]; name: string };
  const result: Record<string, unknown> = { dn: self.name };
  const seen = requestAttributes.length > 0 ? new Set<string>() : undefined;
  for (const attribute of self.attributes) {
    seen?.add(attribute.type.toLowerCase());
    let values: Value[] = attribute.values;
    if (
      (explicitBufferAttributes.length > 0 && explicitBufferAttributes.includes(attribute.type)) ||
      values.some((v) => Buffer.isBuffer(v))
    )
      values = attribute.parsedBuffers;
    result[attribute.type] = values.length === 1 ? (values[0] ?? []) : values.length > 1 ? values : [];
  }
  if (seen)
    for (const attribute of requestAttributes)
      if (result[attribute] === undefined && !seen.has(attribute.toLowerCase())) result[attribute] = [];
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
