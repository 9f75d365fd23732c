/**
 * One hot spot in ldapts, replaced: `SearchEntry.toObject` lower-cases every attribute name with the
 * locale-aware `toLocaleLowerCase` (ICU), once per attribute and again per requested attribute, for
 * every entry. Attribute descriptions are ASCII (RFC 4512), so plain `toLowerCase` gives the same answer;
 * on a 50,000-entry dump this took a third of the client's time. The replacement returns exactly what
 * the original returns (ldapts-speed.test.ts compares them), and is installed only if ldapts still has
 * the method it replaces.
 */
import { SearchEntry } from 'ldapts';

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
