import fc from 'fast-check';
import { Attribute, BerReader, BerWriter, SearchEntry } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { fastToObject, originalToObject } from './ldapts-speed.ts';

/** An entry as ldapts builds it from the wire: each attribute written to BER and parsed back. */
function entry(attrs: [string, (string | Buffer)[]][]): SearchEntry {
  const parsed = attrs.map(([type, values]) => {
    const w = new BerWriter();
    new Attribute({ type, values: values as string[] }).write(w);
    const a = new Attribute();
    a.parse(new BerReader(w.buffer));
    return a;
  });
  return new SearchEntry({ messageId: 1, name: 'uid=x,dc=s', attributes: parsed });
}

describe('the faster SearchEntry.toObject', () => {
  it('is installed in place of the original', () => {
    expect(SearchEntry.prototype.toObject).toBe(fastToObject);
    expect(originalToObject).not.toBe(fastToObject);
  });

  it('returns exactly what the original returns', () => {
    const cases: [[string, (string | Buffer)[]][], string[], string[]][] = [
      [[['uid', ['x']], ['mail', ['a@s', 'b@s']], ['empty', []]], ['uid', 'mail', 'missing', 'UID'], []],
      [[['objectGUID', [Buffer.from([0xff, 0xfe, 0x00])]], ['cn', ['Renée']]], ['objectGUID', 'cn'], []],
      [[['jpegPhoto', ['abc']]], [], ['jpegPhoto']],
      [[['sAMAccountName', ['x']]], ['samaccountname'], []],
    ];
    for (const [attrs, requested, binary] of cases) {
      const e = entry(attrs);
      expect(fastToObject.call(e, requested, binary)).toEqual(originalToObject.call(e, requested, binary));
    }
  });

  it('agrees with the original for any attributes and requests', () => {
    const name = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}$/);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(name, fc.array(fc.oneof(fc.string(), fc.uint8Array().map((u) => Buffer.from(u))), { maxLength: 3 })), {
          selector: ([n]) => n,
          maxLength: 6,
        }),
        fc.array(name, { maxLength: 6 }),
        (attrs, requested) => {
          const e = entry(attrs);
          expect(fastToObject.call(e, requested, [])).toEqual(originalToObject.call(e, requested, []));
        },
      ),
      { numRuns: 300 },
    );
  });
});
