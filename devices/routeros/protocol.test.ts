import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ProtocolError, SentenceDecoder, decodeLength, encodeLength, encodeSentence } from './protocol.ts';

describe('RouterOS word lengths', () => {
  // The boundaries where the prefix grows: 1, 2, 3, 4 and 5 bytes.
  const cases: [number, string][] = [
    [0x00, '00'],
    [0x7f, '7f'],
    [0x80, '8080'],
    [0x3fff, 'bfff'],
    [0x4000, 'c04000'],
    [0x1fffff, 'dfffff'],
    [0x200000, 'e0200000'],
    [0xfffffff, 'efffffff'],
    [0x10000000, 'f010000000'],
  ];
  it.each(cases)('encodes %i as %s and decodes it back', (n, hex) => {
    expect(encodeLength(n).toString('hex')).toBe(hex);
    expect(decodeLength(Buffer.from(hex, 'hex'), 0)).toEqual({ length: n, size: hex.length / 2 });
  });

  it('waits for the rest of a prefix split across reads', () => {
    expect(decodeLength(Buffer.from('c040', 'hex'), 0)).toBeNull();
  });

  it('rejects the reserved control bytes', () => {
    for (const b of [0xf1, 0xf8, 0xff]) {
      expect(() => decodeLength(Buffer.from([b, 0, 0, 0, 0]), 0)).toThrow(ProtocolError);
    }
  });

  it('decodes every length it encodes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (n) => {
        expect(decodeLength(encodeLength(n), 0)?.length).toBe(n);
      }),
    );
  });
});

describe('SentenceDecoder', () => {
  const word = fc.oneof(
    fc.string({ minLength: 1, maxLength: 20 }),
    fc.string({ minLength: 120, maxLength: 400 }),
  );
  const sentence = fc.array(
    word.filter((w) => w.length > 0),
    { minLength: 1, maxLength: 6 },
  );

  it('returns the same sentences however the stream is cut', () => {
    fc.assert(
      fc.property(
        fc.array(sentence, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (sentences, cuts) => {
          // latin1 round-trips only byte-sized characters; map the generated text onto them.
          const asBytes = sentences.map((s) => s.map((w) => Buffer.from(w, 'utf8').toString('latin1')));
          const stream = Buffer.concat(asBytes.map((s) => encodeSentence(s)));
          const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
          const decoder = new SentenceDecoder();
          const got: string[][] = [];
          let from = 0;
          for (const p of [...points, stream.length]) {
            got.push(...decoder.push(stream.subarray(from, p)));
            from = p;
          }
          expect(got).toEqual(asBytes);
          expect(decoder.bufferedBytes).toBe(0);
        },
      ),
    );
  });

  it('skips empty sentences and keeps an unfinished one for later', () => {
    const d = new SentenceDecoder();
    expect(d.push(Buffer.from([0, 0]))).toEqual([]);
    const s = encodeSentence(['!done', '.tag=1']);
    expect(d.push(s.subarray(0, s.length - 1))).toEqual([]);
    expect(d.push(s.subarray(s.length - 1))).toEqual([['!done', '.tag=1']]);
  });

  it('refuses a word longer than its limit instead of waiting for it', () => {
    const d = new SentenceDecoder(undefined, 1000);
    expect(() => d.push(encodeLength(5000))).toThrow(/exceeds/);
  });
});
