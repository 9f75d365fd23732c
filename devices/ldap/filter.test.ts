import fc from 'fast-check';
import { BerWriter, EqualityFilter, type Filter, FilterParser, SubstringFilter } from 'ldapts';
import { describe, expect, it } from 'vitest';
import { and, bitAnd, eq, escapeFilterValue, not, or, present, startsWith } from './filter.ts';

function ber(f: Filter): string {
  const w = new BerWriter();
  f.write(w);
  return w.buffer.toString('hex');
}

/** Strings full of what breaks filters: the metacharacters, NUL, accents, astral characters. */
const hostile = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({
    unit: fc.constantFrom('*', '(', ')', '\\', '\0', '=', '&', '|', '!', 'a', 'é', 'ñ', "'", '𝒳', ' '),
  }),
);

describe('filter values are escaped per RFC 4515', () => {
  it('escapes the five metacharacters and keeps everything else', () => {
    expect(escapeFilterValue('Sam (Test*) Smith\\')).toBe('Sam \\28Test\\2a\\29 Smith\\5c');
    expect(escapeFilterValue('nul\0here')).toBe('nul\\00here');
    expect(escapeFilterValue("Renée O'Neill-Núñez")).toBe("Renée O'Neill-Núñez");
    expect(eq('cn', '*').text).toBe('(cn=\\2a)');
  });

  it('refuses a value with an unpaired surrogate (it has no UTF-8 form)', () => {
    expect(() => eq('cn', 'a\uD800b')).toThrow(/surrogate/);
  });

  it('refuses an attribute name that is not one, so nothing can be injected through it', () => {
    expect(() => eq('cn)(uid=*', 'x')).toThrow(/attribute/);
    expect(() => present('')).toThrow(/attribute/);
    expect(() => bitAnd('userAccountControl', -1)).toThrow();
  });

  it('for any string, the filter text parses back to an equality match on exactly that value', () => {
    fc.assert(
      fc.property(hostile, (v) => {
        const f = eq('cn', v);
        const parsed = FilterParser.parseString(f.text);
        expect(parsed).toBeInstanceOf(EqualityFilter);
        expect((parsed as EqualityFilter).attribute).toBe('cn');
        expect((parsed as EqualityFilter).value).toBe(v);
        // The text and the object sent on the wire are the same filter, byte for byte.
        expect(ber(parsed)).toBe(ber(f.wire));
      }),
      { numRuns: 500 },
    );
  });

  it('for any two strings, the filter built from one matches the other only when they are equal', () => {
    fc.assert(
      fc.property(hostile, hostile, (v, other) => {
        const parsed = FilterParser.parseString(eq('cn', v).text);
        expect(parsed.matches({ cn: v })).toBe(true);
        // ldapts' in-memory matcher is case-insensitive, as cn's matching rule is.
        expect(parsed.matches({ cn: other })).toBe(other.toLowerCase() === v.toLowerCase());
      }),
      { numRuns: 500 },
    );
  });

  it('a prefix never grows extra wildcards: startsWith(x) is one initial substring equal to x', () => {
    fc.assert(
      fc.property(
        hostile.filter((s) => s.length > 0),
        (v) => {
          const parsed = FilterParser.parseString(startsWith('cn', v).text) as SubstringFilter;
          expect(parsed).toBeInstanceOf(SubstringFilter);
          expect(parsed.initial).toBe(v);
          expect(parsed.any).toEqual([]);
          expect(parsed.final).toBe('');
        },
      ),
      { numRuns: 300 },
    );
  });

  it('compound filters keep their shape whatever the values', () => {
    fc.assert(
      fc.property(hostile, hostile, (a, b) => {
        const f = and(eq('objectClass', 'user'), or(eq('sAMAccountName', a), not(eq('mail', b))));
        expect(ber(FilterParser.parseString(f.text))).toBe(ber(f.wire));
      }),
      { numRuns: 300 },
    );
  });

  it('writes the AD bitwise rule as an extensible match', () => {
    expect(bitAnd('userAccountControl', 2).text).toBe('(userAccountControl:1.2.840.113556.1.4.803:=2)');
  });
});
