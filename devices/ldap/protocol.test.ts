/**
 * Our decoder against ldapts's own (an implementation we did not write): the same bytes, produced by
 * ldapts's BER writer, must give the same entries, for generated entries and for the awkward cases by
 * name (binary values, non-ASCII, a byte-order mark, bytes that are not UTF-8, empty value sets,
 * attribute names in another case); and the framer must cut any split of a stream into the same messages.
 */
import fc from 'fast-check';
import {
  Attribute,
  BerReader,
  BerWriter,
  MessageParser,
  PagedResultsControl,
  SearchEntry,
  SearchResponse,
} from 'ldapts';
import { describe, expect, it } from 'vitest';
import { and, eq, startsWith } from './filter.ts';
import { operationOf } from './observe.ts';
import {
  elementLength,
  encodeSearch,
  encodeSimpleBind,
  encodeStartTls,
  encodeUnbind,
  type EntryShape,
  MessageFramer,
  PAGED_RESULTS_OID,
  type Response,
  ResponseDecoder,
} from './protocol.ts';

type Attrs = [string, (string | Buffer)[]][];

/** A SearchResultEntry LDAPMessage, written with ldapts's BerWriter and Attribute.write. */
function entryBytes(id: number, dn: string, attrs: Attrs): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(id);
  w.startSequence(0x64);
  w.writeString(dn);
  w.startSequence();
  for (const [type, values] of attrs) new Attribute({ type, values: values as string[] }).write(w);
  w.endSequence();
  w.endSequence();
  w.endSequence();
  return w.buffer;
}

/** A SearchResultDone with a paged-results cookie, written with ldapts's BerWriter. */
function doneBytes(id: number, code: number, diagnostic: string, cookie?: Buffer): Buffer {
  const w = new BerWriter();
  w.startSequence();
  w.writeInt(id);
  w.startSequence(0x65);
  w.writeEnumeration(code);
  w.writeString('');
  w.writeString(diagnostic);
  w.endSequence();
  if (cookie) {
    w.startSequence(0xa0);
    new PagedResultsControl({ value: { size: 0, cookie } }).write(w);
    w.endSequence();
  }
  w.endSequence();
  return w.buffer;
}

/** What ldapts makes of the same bytes: its MessageParser, then SearchEntry.toObject. */
function ldaptsDecode(bytes: Buffer, shape: EntryShape): unknown {
  const parser = new MessageParser();
  let got: unknown;
  parser.on('message', (m) => {
    got = m instanceof SearchEntry ? m.toObject([...shape.attributes], [...shape.binary]) : m;
  });
  parser.on('error', (e) => {
    throw e;
  });
  parser.read(bytes, new Map());
  return got;
}

function oursDecode(bytes: Buffer, shape: EntryShape): Response {
  return new ResponseDecoder(shape).decode(bytes, 0, bytes.length);
}

/** Plain data for comparison: Buffers as their bytes, keys in order. */
function plain(e: unknown): unknown {
  return JSON.parse(JSON.stringify(e)) as unknown;
}

const attrName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9-]{0,8}(;binary|;lang-en)?$/);
/** Values: any text (accents, astral planes), a leading byte-order mark, bytes that are not UTF-8. */
const value = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 12 }),
  fc.string({ unit: 'binary', maxLength: 12 }),
  fc.constant('\uFEFFbom'),
  fc.constant(''),
  fc.uint8Array({ maxLength: 12 }).map((u) => Buffer.from(u)),
);
const attrList: fc.Arbitrary<Attrs> = fc.uniqueArray(fc.tuple(attrName, fc.array(value, { maxLength: 4 })), {
  selector: ([n]) => n.toLowerCase(),
  maxLength: 7,
});
const dn = fc.oneof(
  fc.constant(''),
  fc.string({ unit: 'grapheme', maxLength: 20 }).map((s) => `cn=${s},dc=school,dc=test`),
);

describe('the search-response decoder agrees with ldapts', () => {
  it('on generated entries, with requested and binary attribute lists drawn from them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 0x7fffffff }),
        dn,
        attrList,
        fc.array(fc.oneof(attrName, fc.constant('*')), { maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        (id, name, attrs, extra, binaryPicks) => {
          // Attribute names are case-insensitive (RFC 4512) and our decoder treats them so; ldapts compares a
          // requested name case-sensitively when it fills in absent attributes. Compare only where the two agree
          // on meaning: requested names that differ from a present one (or each other) by case alone are left out.
          const seen = new Set(attrs.map(([n]) => n.toLowerCase()));
          const absent = extra.filter(
            (e) => e === '*' || (!seen.has(e.toLowerCase()) && seen.add(e.toLowerCase())),
          );
          const requested = [...attrs.map(([n]) => n), ...absent];
          const binary = binaryPicks.map((i) => attrs[i % Math.max(1, attrs.length)]?.[0] ?? 'none');
          const shape = { attributes: requested, binary };
          const bytes = entryBytes(id, name, attrs);
          const ours = oursDecode(bytes, shape);
          expect(ours.kind).toBe('entry');
          expect(ours.id).toBe(id);
          expect(plain(ours.kind === 'entry' ? ours.entry : undefined)).toEqual(
            plain(ldaptsDecode(bytes, shape)),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it.each<[string, Attrs, EntryShape]>([
    [
      'a GUID, an accented name, a missing requested attribute',
      [
        ['objectGUID', [Buffer.from([0xff, 0xfe, 0x00, 0x41])]],
        ['cn', ['Renée Ó Briain']],
      ],
      { attributes: ['objectGUID', 'cn', 'mail'], binary: [] },
    ],
    [
      'a binary attribute named by the caller, whose bytes happen to be UTF-8',
      [['jpegPhoto', [Buffer.from('GIF89a')]]],
      { attributes: ['jpegPhoto'], binary: ['jpegPhoto'] },
    ],
    [
      'one value that is not UTF-8 makes all of them bytes',
      [['description', ['ok', Buffer.from([0xc3, 0x28])]]],
      { attributes: [], binary: [] },
    ],
    [
      'a byte-order mark is dropped, as TextDecoder does',
      [['displayName', ['\uFEFFName', '\uFEFF\uFEFFtwo']]],
      { attributes: [], binary: [] },
    ],
    ['no values at all', [['member', []]], { attributes: ['member'], binary: [] }],
    [
      'a requested attribute present in another case is not added again',
      [['MemberOf', ['cn=a']]],
      { attributes: ['memberOf', 'SN'], binary: [] },
    ],
    [
      'the same beside an attribute nobody asked for',
      [
        ['objectClass', ['top']],
        ['MemberOf', ['cn=a']],
      ],
      { attributes: ['memberOf', 'SN'], binary: [] },
    ],
    [
      ';binary attribute options',
      [['userCertificate;binary', [Buffer.from('0\x82')]]],
      { attributes: [], binary: [] },
    ],
    [
      'astral-plane text and a FILETIME',
      [
        ['cn', ['🏫 School']],
        ['lastLogonTimestamp', ['133000000000000000']],
      ],
      { attributes: [], binary: [] },
    ],
  ])('%s', (_what, attrs, shape) => {
    const bytes = entryBytes(7, 'cn=Zoë,ou=Staff,dc=school,dc=test', attrs);
    const ours = oursDecode(bytes, shape);
    expect(ours.kind === 'entry' && plain(ours.entry)).toEqual(plain(ldaptsDecode(bytes, shape)));
  });

  it('a long value (multi-byte length) and a 40,000-member group', () => {
    const members = Array.from({ length: 40_000 }, (_, i) => `uid=pupil${i},ou=Pupils,dc=school,dc=test`);
    const bytes = entryBytes(3, 'cn=Pupils,dc=school,dc=test', [
      ['member', members],
      ['description', ['x'.repeat(70_000)]],
    ]);
    const ours = oursDecode(bytes, { attributes: ['member'], binary: [] });
    expect(ours.kind === 'entry' && ours.entry).toEqual(
      ldaptsDecode(bytes, { attributes: ['member'], binary: [] }),
    );
  });

  it('SearchResultDone: the result and the paged-results cookie, as ldapts reads them', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 80 }),
        fc.string({ maxLength: 30 }),
        fc.option(fc.uint8Array({ maxLength: 40 }).map((u) => Buffer.from(u))),
        (code, diagnostic, cookie) => {
          const bytes = doneBytes(9, code, diagnostic, cookie ?? undefined);
          const ours = oursDecode(bytes, { attributes: [], binary: [] });
          const theirs = ldaptsDecode(bytes, { attributes: [], binary: [] }) as SearchResponse;
          expect(ours.kind).toBe('done');
          if (ours.kind !== 'done') return;
          expect(ours.result.resultCode).toBe(theirs.status);
          expect(ours.result.diagnosticMessage).toBe(theirs.errorMessage);
          const control = theirs.controls?.find((c) => c instanceof PagedResultsControl);
          expect(ours.cookie).toEqual(control?.value?.cookie);
        },
      ),
    );
  });
});

describe('framing', () => {
  it('any split of a stream gives the same messages, in order', () => {
    const stream = Buffer.concat([
      entryBytes(2, 'uid=a,dc=s', [['uid', ['a']]]),
      entryBytes(2, 'uid=b,dc=s', [['member', Array.from({ length: 300 }, (_, i) => `uid=m${i},dc=s`)]]),
      doneBytes(2, 0, '', Buffer.from('cookie')),
      entryBytes(3, 'uid=c,dc=s', [['cn', ['Siân']]]),
    ]);
    const whole: string[] = [];
    new MessageFramer().push(stream, (b, s, e) => whole.push(b.subarray(s, e).toString('hex')));
    expect(whole).toHaveLength(4);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 40 }),
        (cuts) => {
          const at = [0, ...cuts.sort((a, b) => a - b), stream.length];
          const f = new MessageFramer();
          const got: string[] = [];
          for (let i = 1; i < at.length; i++)
            f.push(stream.subarray(at[i - 1], at[i]), (b, s, e) =>
              got.push(b.subarray(s, e).toString('hex')),
            );
          expect(got).toEqual(whole);
          expect(f.pending).toBe(0);
        },
      ),
    );
  });

  it('the same messages when every chunk is read into one reused buffer (LDAPS read with onread)', () => {
    const stream = Buffer.concat([
      entryBytes(2, 'uid=a,dc=s', [['uid', ['a']]]),
      entryBytes(2, 'uid=b,dc=s', [['member', Array.from({ length: 300 }, (_, i) => `uid=m${i},dc=s`)]]),
      doneBytes(2, 0, '', Buffer.from('cookie')),
      entryBytes(3, 'uid=c,dc=s', [['cn', ['Siân']]]),
    ]);
    const whole: string[] = [];
    new MessageFramer().push(stream, (b, s, e) => whole.push(b.subarray(s, e).toString('hex')));
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.integer({ min: 1, max: stream.length - 1 }), { maxLength: 40 }),
        (cuts) => {
          const at = [0, ...cuts.sort((a, b) => a - b), stream.length];
          const reused = Buffer.alloc(stream.length);
          const f = new MessageFramer();
          const got: string[] = [];
          for (let i = 1; i < at.length; i++) {
            const n = (at[i] as number) - (at[i - 1] as number);
            stream.copy(reused, 0, at[i - 1], at[i]);
            f.push(reused.subarray(0, n), (b, s, e) => got.push(b.subarray(s, e).toString('hex')));
            reused.fill(0xee); // the socket's next read overwrites it
          }
          expect(got).toEqual(whole);
          expect(f.pending).toBe(0);
        },
      ),
    );
  });

  it('says which entries hold a ranged attribute (the rest is read separately)', () => {
    const ranged = oursDecode(entryBytes(4, 'cn=big,dc=s', [['member;range=0-1499', ['uid=a,dc=s']]]), {
      attributes: ['member'],
      binary: [],
    });
    const plainEntry = oursDecode(entryBytes(4, 'cn=small,dc=s', [['member', ['uid=a,dc=s']]]), {
      attributes: ['member'],
      binary: [],
    });
    expect(ranged.kind === 'entry' && ranged.ranged).toBe(true);
    expect(plainEntry.kind === 'entry' && plainEntry.ranged).toBe(false);
  });

  it('refuses an indefinite length and a message that is not a SEQUENCE', () => {
    expect(() => elementLength(Buffer.from([0x30, 0x80, 0, 0]))).toThrow(/indefinite/);
    expect(() => new MessageFramer().push(Buffer.from([0x04, 0x00]), () => undefined)).toThrow(/tag 0x4/);
  });

  it('refuses a message announcing more than 64 MiB before allocating for it, header cut or not', () => {
    // 0x30 0x84 then a four-byte length of 256 MiB, and a few bytes of content.
    const huge = Buffer.from([0x30, 0x84, 0x10, 0x00, 0x00, 0x00, 0x02, 0x01, 0x02]);
    expect(() => new MessageFramer().push(huge, () => undefined)).toThrow(/268435462 bytes/);
    const f = new MessageFramer();
    f.push(huge.subarray(0, 3), () => undefined);
    expect(() => f.push(huge.subarray(3), () => undefined)).toThrow(/more than 67108864/);
    // Just under the limit is collected as it arrives.
    const g = new MessageFramer();
    g.push(Buffer.from([0x30, 0x84, 0x03, 0xff, 0xff, 0xf0, 0x02]), () => undefined);
    expect(g.pending).toBe(7);
  });
});

describe('requests as ldapts encodes them', () => {
  it('a paged search parses back with ldapts BerReader into the same fields', () => {
    const filter = and(eq('objectClass', 'inetOrgPerson'), startsWith('uid', 'a*('));
    const bytes = encodeSearch(5, {
      base: 'dc=school,dc=test',
      scope: 'sub',
      filter: filter.wire,
      attributes: ['uid', 'memberOf'],
      paged: { size: 1000, cookie: Buffer.from([1, 2, 3]) },
    });
    const r = new BerReader(bytes);
    r.readSequence();
    expect(r.readInt()).toBe(5);
    expect(r.readSequence()).toBe(0x63);
    expect(r.readString()).toBe('dc=school,dc=test');
    expect(r.readEnumeration()).toBe(2);
    expect(r.readEnumeration()).toBe(0);
    expect(r.readInt()).toBe(0);
    expect(r.readInt()).toBe(0);
    expect(r.readBoolean()).toBe(false);
    const w = new BerWriter();
    filter.wire.write(w);
    expect(bytes.subarray(r.offset, r.offset + elementLength(bytes, r.offset))).toEqual(w.buffer);
    r.readString(0xa0, true);
    r.readSequence();
    expect([r.readString(), r.readString()]).toEqual(['uid', 'memberOf']);
    expect(r.readSequence(0xa0)).toBe(0xa0);
    r.readSequence();
    expect(r.readString()).toBe(PAGED_RESULTS_OID);
    const control = new BerReader(r.readString(0x04, true) ?? Buffer.alloc(0));
    control.readSequence();
    expect(control.readInt()).toBe(1000);
    expect(control.readString(0x04, true)).toEqual(Buffer.from([1, 2, 3]));
  });

  it('a simple bind carries version 3, the DN and the password as [0]', () => {
    const r = new BerReader(encodeSimpleBind(1, 'cn=audit,dc=school,dc=test', 'pässword'));
    r.readSequence();
    expect(r.readInt()).toBe(1);
    expect(r.readSequence()).toBe(0x60);
    expect(r.readInt()).toBe(3);
    expect(r.readString()).toBe('cn=audit,dc=school,dc=test');
    expect(r.readString(0x80)).toBe('pässword');
  });
});

describe('operations published for observers (observe.ts)', () => {
  it('classifies what is written by its tag, with the OID of an extended request', () => {
    expect(operationOf(encodeSimpleBind(1, 'cn=a', 'p'))).toEqual({ operation: 'bind' });
    expect(operationOf(encodeStartTls(300))).toEqual({
      operation: 'extended',
      oid: '1.3.6.1.4.1.1466.20037',
    });
    expect(operationOf(encodeUnbind(2))).toEqual({ operation: 'unbind' });
    const search = encodeSearch(70000, {
      base: 'dc=s',
      scope: 'base',
      filter: eq('cn', 'x').wire,
      attributes: [],
    });
    expect(operationOf(search)).toEqual({ operation: 'search' });
    // An AddRequest and a password-modify extended request, written with ldapts's BerWriter.
    const w = new BerWriter();
    w.startSequence();
    w.writeInt(4);
    w.startSequence(0x68);
    w.writeString('cn=new,dc=s');
    w.startSequence();
    w.endSequence();
    w.endSequence();
    w.endSequence();
    expect(operationOf(w.buffer)).toEqual({ operation: 'add' });
    const x = new BerWriter();
    x.startSequence();
    x.writeInt(5);
    x.startSequence(0x77);
    x.writeString('1.3.6.1.4.1.4203.1.11.1', 0x80);
    x.endSequence();
    x.endSequence();
    expect(operationOf(x.buffer)).toEqual({ operation: 'extended', oid: '1.3.6.1.4.1.4203.1.11.1' });
  });
});
