/**
 * The LDAPv3 messages the directory reader exchanges (RFC 4511), encoded and decoded here so the hot path
 * of a large search is ours: a SearchResultEntry becomes a `RawEntry` straight from the received bytes,
 * with no intermediate message objects.
 *
 * Requests: simple bind, StartTLS, a search (optionally with the paged-results control, RFC 2696), unbind.
 * Responses: SearchResultEntry, SearchResultReference, SearchResultDone (with the paged-results cookie),
 * BindResponse, ExtendedResponse and any other LDAPResult, and the unsolicited notice of disconnection.
 *
 * `RawEntry` values follow ldapts's `SearchEntry.toObject` exactly (protocol.test.ts compares the two on
 * generated entries): each value is text when it is valid UTF-8 (a leading byte-order mark dropped, as a
 * TextDecoder does), and all of an attribute's values are Buffers when one of them is not UTF-8, when its
 * name ends in `;binary`, or when the caller named it binary; one value stands alone, several make an
 * array, none is `[]`, and a requested attribute the entry lacks is `[]`.
 */
import { isUtf8 } from 'node:buffer';
import { BerWriter, type Filter } from 'ldapts';
import type { RawEntry } from './values.ts';

// ---------------------------------------------------------------- errors

/** Bytes that are not the LDAP the protocol allows. */
export class LdapProtocolError extends Error {
  override name = 'LdapProtocolError';
}

function bad(what: string): never {
  throw new LdapProtocolError(`malformed LDAP message: ${what}`);
}

// ---------------------------------------------------------------- encoding

const SEQUENCE = 0x30;
const INTEGER = 0x02;
const OCTET_STRING = 0x04;
const BOOLEAN = 0x01;
const ENUMERATED = 0x0a;

function lengthBytes(n: number): number[] {
  if (n < 0x80) return [n];
  const out: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) out.unshift(v & 0xff);
  return [0x80 | out.length, ...out];
}

/** One TLV: tag, definite length, the parts' bytes. */
function tlv(tag: number, ...parts: Buffer[]): Buffer {
  const body = parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  return Buffer.concat([Buffer.from([tag, ...lengthBytes(body.length)]), body]);
}

function integer(n: number, tag = INTEGER): Buffer {
  // Two's complement, minimal length; the values here (ids, sizes, enums) are small and non-negative.
  const out: number[] = [];
  let v = n;
  do {
    out.unshift(v & 0xff);
    v = Math.floor(v / 256);
  } while (v > 0);
  if ((out[0] as number) & 0x80) out.unshift(0);
  return tlv(tag, Buffer.from(out));
}

function octets(v: string | Buffer, tag = OCTET_STRING): Buffer {
  return tlv(tag, typeof v === 'string' ? Buffer.from(v, 'utf8') : v);
}

export const PAGED_RESULTS_OID = '1.2.840.113556.1.4.319';
export const STARTTLS_OID = '1.3.6.1.4.1.1466.20037';
export const NOTICE_OF_DISCONNECTION_OID = '1.3.6.1.4.1.1466.20036';

export interface Control {
  type: string;
  critical?: boolean;
  value?: Buffer;
}

function message(id: number, op: Buffer, controls: Control[] = []): Buffer {
  const parts = [integer(id), op];
  if (controls.length > 0)
    parts.push(
      tlv(
        0xa0,
        ...controls.map((c) =>
          tlv(
            SEQUENCE,
            octets(c.type),
            ...(c.critical ? [tlv(BOOLEAN, Buffer.from([0xff]))] : []),
            ...(c.value ? [octets(c.value)] : []),
          ),
        ),
      ),
    );
  return tlv(SEQUENCE, ...parts);
}

export function encodeSimpleBind(id: number, dn: string, password: string): Buffer {
  return message(id, tlv(0x60, integer(3), octets(dn), octets(password, 0x80)));
}

export function encodeStartTls(id: number): Buffer {
  return message(id, tlv(0x77, octets(STARTTLS_OID, 0x80)));
}

export function encodeUnbind(id: number): Buffer {
  return message(id, Buffer.from([0x42, 0x00]));
}

export function encodeAbandon(id: number, abandoned: number): Buffer {
  return message(id, integer(abandoned, 0x50));
}

export const SCOPES = { base: 0, one: 1, sub: 2 } as const;

export interface SearchParams {
  base: string;
  scope: keyof typeof SCOPES;
  /** The filter as ldapts encodes it (filter.ts builds only these). */
  filter: Filter;
  attributes: string[];
  /** Paged-results control: page size and the cookie from the previous page ('' for the first). */
  paged?: { size: number; cookie: Buffer };
}

function filterBytes(f: Filter): Buffer {
  const w = new BerWriter();
  f.write(w);
  return w.buffer;
}

export function encodeSearch(id: number, p: SearchParams): Buffer {
  const op = tlv(
    0x63,
    octets(p.base),
    integer(SCOPES[p.scope], ENUMERATED),
    integer(0, ENUMERATED), // derefAliases: never
    integer(0), // sizeLimit: the server's
    integer(0), // timeLimit: the server's
    tlv(BOOLEAN, Buffer.from([0x00])), // typesOnly: false
    filterBytes(p.filter),
    tlv(SEQUENCE, ...p.attributes.map((a) => octets(a))),
  );
  const controls: Control[] = p.paged
    ? [{ type: PAGED_RESULTS_OID, value: tlv(SEQUENCE, integer(p.paged.size), octets(p.paged.cookie)) }]
    : [];
  return message(id, op, controls);
}

// ---------------------------------------------------------------- decoding: framing

/**
 * The total length of the BER element starting at `at`, or -1 when its header is not all in `buf`.
 * LDAP uses definite lengths only (RFC 4511 section 5.1).
 */
export function elementLength(buf: Buffer, at = 0): number {
  if (buf.length - at < 2) return -1;
  const first = buf[at + 1] as number;
  if (first < 0x80) return 2 + first;
  const n = first & 0x7f;
  if (n === 0) bad('indefinite length');
  if (n > 4) bad(`length of ${n} bytes`);
  if (buf.length - at < 2 + n) return -1;
  let len = 0;
  for (let i = 0; i < n; i++) len = len * 256 + (buf[at + 2 + i] as number);
  return 2 + n + len;
}

/**
 * Cuts a byte stream into whole LDAP messages. A chunk may be a view of a receive buffer the socket
 * reuses (./wire.ts reads LDAPS that way): messages wholly inside a chunk are handed on in place, and
 * only the bytes of a message that runs past the chunk's end are copied, so nothing here keeps a chunk
 * alive. A message split across many chunks (a group with 40,000 members arrives in 16 KB TLS records)
 * is copied into one buffer of its announced length as the pieces arrive (one copy, no joining). A
 * message announcing more than MAX_MESSAGE bytes is refused before anything is allocated for it.
 */
/** The largest LDAP message accepted (a group's 100,000 member DNs are about 6 MB). */
export const MAX_MESSAGE = 64 * 1024 * 1024;

/** A buffer for a message of `len` bytes, once its length is known. */
function messageBuffer(len: number): Buffer {
  if (len > MAX_MESSAGE) bad(`a message of ${len} bytes (more than ${MAX_MESSAGE})`);
  return Buffer.allocUnsafe(len);
}

export class MessageFramer {
  /** Copies of the bytes received so far of a message whose header is not yet complete. */
  private parts: Buffer[] = [];
  /** The message being collected once its length is known: allocated whole, filled as chunks arrive. */
  private whole: Buffer | undefined;
  private have = 0;
  /** That message's total length, or -1 while even its header is incomplete. */
  private need = -1;
  /** Every byte received, for the benchmark's wire-size figure. */
  bytes = 0;

  /**
   * Feeds a chunk; calls `each(buf, start, end)` for every complete message, in order. `buf` is valid
   * only during the call: whatever is kept must be copied out of it.
   */
  push(chunk: Buffer, each: (buf: Buffer, start: number, end: number) => void): void {
    this.bytes += chunk.length;
    let at = 0;
    if (this.have > 0) {
      if (this.need < 0) {
        // The header was cut: it is at most 6 bytes (tag, 0x84, four length bytes).
        const head = Buffer.concat([...this.parts, chunk.subarray(0, 6)]);
        const len = elementLength(head, 0);
        if (len < 0) {
          this.parts = [head];
          this.have = head.length;
          return;
        }
        this.need = len;
        this.whole = messageBuffer(len);
        let filled = 0;
        for (const p of this.parts) filled += p.copy(this.whole, filled);
        this.parts = [];
      }
      const whole = this.whole as Buffer;
      const take = Math.min(this.need - this.have, chunk.length);
      chunk.copy(whole, this.have, 0, take);
      this.have += take;
      if (this.have < this.need) return;
      this.whole = undefined;
      this.have = 0;
      this.need = -1;
      at = take;
      each(whole, 0, whole.length);
    }
    while (at < chunk.length) {
      if (chunk[at] !== SEQUENCE) bad(`message starts with tag 0x${(chunk[at] as number).toString(16)}`);
      const len = elementLength(chunk, at);
      if (len < 0 || at + len > chunk.length) {
        const rest = chunk.length - at;
        if (len < 0) this.parts = [Buffer.from(chunk.subarray(at))];
        else {
          this.whole = messageBuffer(len);
          chunk.copy(this.whole, 0, at);
        }
        this.have = rest;
        this.need = len;
        return;
      }
      each(chunk, at, at + len);
      at += len;
    }
  }

  /** Bytes of an incomplete message still held. */
  get pending(): number {
    return this.have;
  }
}

// ---------------------------------------------------------------- decoding: messages

/** A cursor over one message; `p` moves forward as elements are read. */
class Reader {
  p: number;
  buf: Buffer;
  end: number;
  constructor(buf: Buffer, start: number, end: number) {
    this.buf = buf;
    this.p = start;
    this.end = end;
  }

  /** Points the cursor at another message (a decoder reuses one cursor: one object less per entry). */
  reset(buf: Buffer, start: number, end: number): this {
    this.buf = buf;
    this.p = start;
    this.end = end;
    return this;
  }

  /** Reads a tag and length; returns the content length, leaving `p` at the content. */
  header(tag: number, what: string): number {
    const buf = this.buf;
    if (this.p + 2 > this.end) bad(`${what} cut short`);
    if (buf[this.p] !== tag)
      bad(`expected tag 0x${tag.toString(16)} for ${what}, got 0x${(buf[this.p] as number).toString(16)}`);
    let len = buf[this.p + 1] as number;
    this.p += 2;
    if (len >= 0x80) {
      const n = len & 0x7f;
      if (n === 0 || n > 4 || this.p + n > this.end) bad(`length of ${what}`);
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + (buf[this.p++] as number);
    }
    if (this.p + len > this.end) bad(`${what} longer than its message`);
    return len;
  }

  /** Reads a constructed element's header; returns where its content ends. */
  enter(tag: number, what: string): number {
    const len = this.header(tag, what);
    return this.p + len;
  }

  tag(): number {
    return this.p < this.end ? (this.buf[this.p] as number) : -1;
  }

  integer(tag: number, what: string): number {
    const len = this.header(tag, what);
    if (len === 0 || len > 6) bad(`${what} of ${len} bytes`);
    const buf = this.buf;
    let v = (buf[this.p] as number) & 0x80 ? -1 : 0;
    for (let i = 0; i < len; i++) v = v * 256 + (buf[this.p + i] as number);
    this.p += len;
    return v;
  }

  /** An OCTET STRING (or another primitive with `tag`) as UTF-8 text, decoded leniently. */
  text(tag: number, what: string): string {
    const len = this.header(tag, what);
    const s = this.buf.toString('utf8', this.p, this.p + len);
    this.p += len;
    return s;
  }

  bytes(tag: number, what: string): Buffer {
    const len = this.header(tag, what);
    const b = Buffer.from(this.buf.subarray(this.p, this.p + len));
    this.p += len;
    return b;
  }

  skip(): void {
    this.p = this.enter(this.tag(), 'element');
  }
}

export interface LdapResult {
  resultCode: number;
  matchedDN: string;
  diagnosticMessage: string;
}

export type Response =
  | { kind: 'entry'; id: number; entry: RawEntry; ranged: boolean }
  | { kind: 'reference'; id: number }
  | { kind: 'done'; id: number; result: LdapResult; cookie?: Buffer }
  | { kind: 'result'; id: number; op: number; result: LdapResult; name?: string }
  | { kind: 'other'; id: number; op: number };

const OP = {
  bindResponse: 0x61,
  searchEntry: 0x64,
  searchDone: 0x65,
  searchReference: 0x73,
  extendedResponse: 0x78,
} as const;

/** What a search wants back: the attribute names as requested, and those to keep as bytes. */
export interface EntryShape {
  attributes: readonly string[];
  binary: readonly string[];
}

const NO_SHAPE: EntryShape = { attributes: [], binary: [] };

/**
 * The value of a requested attribute the entry lacks: one frozen empty list shared by every entry (a
 * 50,000-entry dump would otherwise make a few hundred thousand empty arrays for the collector). Entries
 * are read, never changed in place; a change would throw rather than reach another entry.
 */
const ABSENT = Object.freeze([]) as readonly string[] as string[];

/** An attribute name as received, with what the decoder needs to know about it. */
interface Name {
  text: string;
  raw: Buffer;
  /** All its values are kept as bytes: named binary by the caller, or a `;binary` option. */
  bytes: boolean;
  /** A ranged attribute (`member;range=0-1499`): the rest must be read separately (./ranges.ts). */
  ranged: boolean;
  /** Bits of the requested attributes this name is (case-insensitively). */
  wanted: number;
}

/**
 * Attribute names repeat in every entry, usually in the same order: keep the last name seen at each
 * position, and reuse it (its string and what is known about it) when the bytes match, instead of making
 * (and internalising) a new string and testing it again.
 */
class NameCache {
  private names: Name[] = [];
  private readonly shape: EntryShape;
  private readonly wantedLower: string[];

  constructor(shape: EntryShape) {
    this.shape = shape;
    this.wantedLower = shape.attributes.map((a) => a.toLowerCase());
  }

  get(buf: Buffer, start: number, end: number, index: number): Name {
    const known = this.names[index];
    const len = end - start;
    if (known !== undefined && known.raw.length === len) {
      const raw = known.raw;
      let same = true;
      for (let i = 0; i < len; i++)
        if (raw[i] !== buf[start + i]) {
          same = false;
          break;
        }
      if (same) return known;
    }
    const text = buf.toString('utf8', start, end);
    const lower = text.toLowerCase();
    let wanted = 0;
    this.wantedLower.forEach((w, i) => {
      if (i < 30 && w === lower && lower !== 'dn') wanted |= 1 << i;
    });
    const name: Name = {
      text,
      raw: Buffer.from(buf.subarray(start, end)),
      bytes: this.shape.binary.includes(text) || lower.endsWith(';binary'),
      ranged: lower.includes(';range='),
      wanted,
    };
    if (index < 64) this.names[index] = name;
    return name;
  }
}

/** A value's text as a fatal UTF-8 TextDecoder gives it (BOM dropped), or undefined when not UTF-8. */
function valueText(buf: Buffer, start: number, end: number): string | undefined {
  let ascii = true;
  for (let i = start; i < end; i++)
    if ((buf[i] as number) >= 0x80) {
      ascii = false;
      break;
    }
  if (ascii) return buf.toString('latin1', start, end);
  if (!isUtf8(buf.subarray(start, end))) return undefined;
  const bom = end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf;
  return buf.toString('utf8', bom ? start + 3 : start, end);
}

/**
 * Decodes search responses and the other replies of a session. One decoder per search carries that
 * search's `EntryShape` and its name cache.
 */
export class ResponseDecoder {
  private readonly names: NameCache;
  private readonly shape: EntryShape;
  /** Whether the last entry decoded holds a ranged attribute. */
  private ranged = false;
  /** The cursor, reused for every message (decoding is synchronous: one message at a time). */
  private readonly reader = new Reader(Buffer.alloc(0), 0, 0);

  constructor(shape: EntryShape = NO_SHAPE) {
    this.shape = shape;
    this.names = new NameCache(shape);
  }

  /** One whole LDAPMessage occupying `buf[start, end)`. */
  decode(buf: Buffer, start: number, end: number): Response {
    const r = this.reader.reset(buf, start, end);
    const len = r.header(SEQUENCE, 'LDAPMessage');
    if (r.p + len !== end) bad('LDAPMessage length');
    const id = r.integer(INTEGER, 'messageID');
    const op = r.tag();
    if (op === OP.searchEntry) {
      const entry = this.entry(r);
      return { kind: 'entry', id, entry, ranged: this.ranged };
    }
    if (op === OP.searchReference) return { kind: 'reference', id };
    if (op === OP.searchDone) {
      const opEnd = r.enter(op, 'SearchResultDone');
      const result = ldapResult(r);
      r.p = opEnd;
      return { kind: 'done', id, result, ...cookieOf(r) };
    }
    if (op === OP.bindResponse || op === OP.extendedResponse || (op >= 0x61 && op <= 0x6f && op & 1)) {
      const opEnd = r.enter(op, 'LDAPResult');
      const result = ldapResult(r);
      let name: string | undefined;
      while (r.p < opEnd) {
        if (r.tag() === 0x8a) name = r.text(0x8a, 'responseName');
        else r.skip();
      }
      return { kind: 'result', id, op, result, ...(name !== undefined ? { name } : {}) };
    }
    if (op < 0) bad('no protocol operation');
    return { kind: 'other', id, op };
  }

  private entry(r: Reader): RawEntry {
    const buf = r.buf;
    r.header(OP.searchEntry, 'SearchResultEntry');
    const dn = r.text(OCTET_STRING, 'objectName');
    const entry: RawEntry = { dn };
    const attrsEnd = r.enter(SEQUENCE, 'attributes');
    let index = 0;
    let seen = 0;
    let ranged = false;
    /** A name that is none of the requested ones (then a requested one may be there in another case). */
    let stray = false;
    while (r.p < attrsEnd) {
      const attrEnd = r.enter(SEQUENCE, 'PartialAttribute');
      const nameLen = r.header(OCTET_STRING, 'attribute type');
      const name = this.names.get(buf, r.p, r.p + nameLen, index++);
      const type = name.text;
      seen |= name.wanted;
      if (name.wanted === 0) stray = true;
      if (name.ranged) ranged = true;
      r.p += nameLen;
      const valsEnd = r.tag() === 0x31 ? r.enter(0x31, 'vals') : r.p;
      const valsStart = r.p;
      let bytes = name.bytes;
      let single: string | undefined;
      let many: string[] | undefined;
      while (!bytes && r.p < valsEnd) {
        const vlen = r.header(OCTET_STRING, 'attribute value');
        const t = valueText(buf, r.p, r.p + vlen);
        r.p += vlen;
        if (t === undefined) bytes = true;
        else if (single === undefined) single = t;
        else if (many === undefined) many = [single, t];
        else many.push(t);
      }
      if (bytes) {
        // ldapts gives every value of the attribute as bytes once one of them is not text.
        r.p = valsStart;
        const list: Buffer[] = [];
        while (r.p < valsEnd) list.push(r.bytes(OCTET_STRING, 'attribute value'));
        entry[type] = list.length === 1 ? (list[0] as Buffer) : list;
      } else entry[type] = many ?? single ?? [];
      r.p = attrEnd;
    }
    this.ranged = ranged;
    // A requested attribute the entry lacks is `[]` (unless present in another case).
    const wanted = this.shape.attributes;
    for (let i = 0; i < wanted.length; i++) {
      if (i < 30 && seen & (1 << i)) continue;
      const w = wanted[i] as string;
      if (entry[w] !== undefined) continue;
      if (!stray && i < 30) {
        entry[w] = ABSENT;
        continue;
      }
      const lower = w.toLowerCase();
      let present = false;
      for (const key in entry)
        if (key !== 'dn' && key.length === w.length && key.toLowerCase() === lower) {
          present = true;
          break;
        }
      if (!present) entry[w] = ABSENT;
    }
    return entry;
  }
}

function ldapResult(r: Reader): LdapResult {
  const resultCode = r.integer(ENUMERATED, 'resultCode');
  const matchedDN = r.text(OCTET_STRING, 'matchedDN');
  const diagnosticMessage = r.text(OCTET_STRING, 'diagnosticMessage');
  return { resultCode, matchedDN, diagnosticMessage };
}

/** The paged-results cookie among a message's controls, if there is one. */
function cookieOf(r: Reader): { cookie?: Buffer } {
  if (r.tag() !== 0xa0) return {};
  const end = r.enter(0xa0, 'controls');
  while (r.p < end) {
    const cEnd = r.enter(SEQUENCE, 'Control');
    const type = r.text(OCTET_STRING, 'controlType');
    if (r.tag() === BOOLEAN) r.skip();
    if (type === PAGED_RESULTS_OID && r.tag() === OCTET_STRING) {
      r.header(OCTET_STRING, 'controlValue');
      r.header(SEQUENCE, 'realSearchControlValue');
      r.integer(INTEGER, 'size');
      const cookie = r.bytes(OCTET_STRING, 'cookie');
      return { cookie };
    }
    r.p = cEnd;
  }
  return {};
}
