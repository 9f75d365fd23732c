import fc from 'fast-check';
import { Attribute, BerReader, BerWriter, MessageParser, SearchEntry } from 'ldapts';
import { describe, expect, it } from 'vitest';
import {
  fastParse,
  fastRead,
  fastToObject,
  originalParse,
  originalRead,
  originalToObject,
} from './ldapts-speed.ts';

/** An entry as ldapts builds it from the wire: each attribute written to BER and parsed back. */
function entry(attrs: [string, (string | Buffer)[]][], parse = originalParse): SearchEntry {
  const parsed = attrs.map(([type, values]) => {
    const w = new BerWriter();
    new Attribute({ type, values: values as string[] }).write(w);
    const a = new Attribute();
    parse.call(a, new BerReader(w.buffer));
    return a;
  });
  return new SearchEntry({ messageId: 1, name: 'uid=x,dc=s', attributes: parsed });
}

const attrName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}(;binary)?$/);
/** Values: text, accents, a leading byte-order mark, and bytes that are not UTF-8. */
const value = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.constant('\uFEFFbom'),
  fc.uint8Array({ maxLength: 12 }).map((u) => Buffer.from(u)),
);
const attrList = fc.uniqueArray(fc.tuple(attrName, fc.array(value, { maxLength: 3 })), {
  selector: ([n]) => n,
  maxLength: 6,
});

describe('the faster SearchEntry.toObject', () => {
  it('is installed in place of the original', () => {
    expect(SearchEntry.prototype.toObject).toBe(fastToObject);
    expect(originalToObject).not.toBe(fastToObject);
  });

  it('returns exactly what the original returns', () => {
    const cases: [[string, (string | Buffer)[]][], string[], string[]][] = [
      [
        [
          ['uid', ['x']],
          ['mail', ['a@s', 'b@s']],
          ['empty', []],
        ],
        ['uid', 'mail', 'missing', 'UID'],
        [],
      ],
      [
        [
          ['objectGUID', [Buffer.from([0xff, 0xfe, 0x00])]],
          ['cn', ['Renée']],
        ],
        ['objectGUID', 'cn'],
        [],
      ],
      [[['jpegPhoto', ['abc']]], [], ['jpegPhoto']],
      [[['sAMAccountName', ['x']]], ['samaccountname'], []],
    ];
    for (const [attrs, requested, binary] of cases) {
      const e = entry(attrs);
      expect(fastToObject.call(e, requested, binary)).toEqual(originalToObject.call(e, requested, binary));
    }
  });

  it('agrees with the original for any attributes and requests', () => {
    fc.assert(
      fc.property(attrList, fc.array(attrName, { maxLength: 6 }), (attrs, requested) => {
        const e = entry(attrs);
        expect(fastToObject.call(e, requested, [])).toEqual(originalToObject.call(e, requested, []));
      }),
      { numRuns: 300 },
    );
  });
});

describe('the faster Attribute.parse', () => {
  it('is installed, and decodes exactly as the original (text, non-UTF-8 bytes, a BOM, ;binary)', () => {
    expect(Attribute.prototype.parse).toBe(fastParse);
    fc.assert(
      fc.property(attrList, (attrs) => {
        const slow = entry(attrs, originalParse);
        const fast = entry(attrs, fastParse);
        expect(fastToObject.call(fast, [], [])).toEqual(fastToObject.call(slow, [], []));
        expect(fast.attributes.map((a) => a.parsedBuffers)).toEqual(
          slow.attributes.map((a) => a.parsedBuffers),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('the faster MessageParser.read', () => {
  /** A SearchResultEntry message on the wire. */
  function message(id: number, dn: string, attrs: [string, string[]][]): Buffer {
    const w = new BerWriter();
    w.startSequence();
    w.writeInt(id);
    w.startSequence(0x64);
    w.writeString(dn);
    w.startSequence();
    for (const [type, values] of attrs) new Attribute({ type, values }).write(w);
    w.endSequence();
    w.endSequence();
    w.endSequence();
    return w.buffer;
  }

  function feed(read: typeof originalRead, stream: Buffer, cuts: number[]): unknown[] {
    const parser = new MessageParser();
    (parser as unknown as { read: typeof originalRead }).read = read;
    const seen: unknown[] = [];
    parser.on('message', (m) => seen.push([m.messageId, (m as SearchEntry).toObject([], [])]));
    parser.on('error', (e: Error) => seen.push(['error', e.message]));
    let at = 0;
    for (const cut of [...cuts.filter((c) => c > 0 && c < stream.length)].sort((a, b) => a - b)) {
      (parser as unknown as { read: (d: Buffer, m: Map<string, unknown>) => void }).read(
        stream.subarray(at, cut),
        new Map(),
      );
      at = cut;
    }
    (parser as unknown as { read: (d: Buffer, m: Map<string, unknown>) => void }).read(
      stream.subarray(at),
      new Map(),
    );
    return seen;
  }

  it('is installed, and yields the same messages however the stream is cut (small and 300 KB messages)', () => {
    expect(MessageParser.prototype.read).toBe(fastRead);
    const big = Array.from({ length: 6000 }, (_, i) => `uid=member${i},ou=Pupils,dc=school,dc=test`);
    const stream = Buffer.concat([
      message(1, 'uid=a,dc=s', [['uid', ['a']]]),
      message(2, 'cn=Pupils,dc=s', [['member', big]]),
      message(3, 'uid=b,dc=s', [['cn', ["Renée O'Neill"]]]),
      message(4, 'uid=c,dc=s', [['mail', ['c@s']]]),
      // A long message last: nothing follows that could complete a wrongly computed length.
      message(5, 'cn=Staff,dc=s', [['member', big.slice(0, 40)]]),
    ]);
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 40 }), (cuts) => {
        const fast = feed(fastRead, stream, cuts);
        expect(fast).toHaveLength(5);
        expect(fast).toEqual(feed(originalRead, stream, cuts));
      }),
      { numRuns: 60 },
    );
  });
});
