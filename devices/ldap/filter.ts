/**
 * LDAP search filters, built only from parts: callers never write or concatenate filter strings.
 *
 * Each filter carries two equivalent forms: `wire`, an ldapts Filter object that is BER-encoded as is
 * (values travel as octet strings, so no value can change the filter's structure), and `text`, the
 * RFC 4515 string with every value escaped, for logs, error messages and `ldapsearch` command lines.
 * The property test in filter.test.ts proves the two forms encode to the same bytes for any value.
 */
import {
  AndFilter,
  EqualityFilter,
  ExtensibleFilter,
  type Filter,
  GreaterThanEqualsFilter,
  NotFilter,
  OrFilter,
  PresenceFilter,
  SubstringFilter,
} from 'ldapts';

export interface LdapFilter {
  /** The RFC 4515 string, values escaped. */
  readonly text: string;
  /** What is sent to the server. */
  readonly wire: Filter;
}

/** An attribute description: a name or an OID, with options (`;binary`). Anything else is refused. */
const ATTRIBUTE = /^(?:[A-Za-z][A-Za-z0-9-]*|[0-9]+(?:\.[0-9]+)+)(?:;[A-Za-z0-9-]+)*$/;
const OID = /^[0-9]+(?:\.[0-9]+)+$/;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function attr(name: string): string {
  if (!ATTRIBUTE.test(name)) throw new TypeError(`not an LDAP attribute name: ${JSON.stringify(name)}`);
  return name;
}

/**
 * RFC 4515 value escaping: `*` `(` `)` `\` and NUL become `\2a` `\28` `\29` `\5c` `\00`. Other characters,
 * including non-ASCII, are kept: they travel as UTF-8, which is what the string representation means.
 * A string with an unpaired surrogate has no UTF-8 form and is refused rather than silently altered.
 */
export function escapeFilterValue(value: string): string {
  if (LONE_SURROGATE.test(value))
    throw new TypeError('filter value is not well-formed Unicode (unpaired surrogate)');
  let out = '';
  for (const ch of value) {
    switch (ch) {
      case '*':
        out += '\\2a';
        break;
      case '(':
        out += '\\28';
        break;
      case ')':
        out += '\\29';
        break;
      case '\\':
        out += '\\5c';
        break;
      case '\0':
        out += '\\00';
        break;
      default:
        out += ch;
    }
  }
  return out;
}

function make(text: string, wire: Filter): LdapFilter {
  return Object.freeze({ text, wire });
}

function checkValue(value: string): string {
  escapeFilterValue(value); // refuses malformed Unicode
  return value;
}

/** `(attr=value)`: an exact match (per the attribute's matching rule, usually case-insensitive). */
export function eq(attribute: string, value: string): LdapFilter {
  const a = attr(attribute);
  return make(
    `(${a}=${escapeFilterValue(value)})`,
    new EqualityFilter({ attribute: a, value: checkValue(value) }),
  );
}

/** `(attr=*)`. */
export function present(attribute: string): LdapFilter {
  const a = attr(attribute);
  return make(`(${a}=*)`, new PresenceFilter({ attribute: a }));
}

/** `(attr=prefix*)`: the one substring form the collector needs (partitioning by first character). */
export function startsWith(attribute: string, prefix: string): LdapFilter {
  const a = attr(attribute);
  if (prefix === '') throw new TypeError('startsWith needs a non-empty prefix; use present() instead');
  return make(
    `(${a}=${escapeFilterValue(prefix)}*)`,
    new SubstringFilter({ attribute: a, initial: checkValue(prefix), any: [], final: '' }),
  );
}

/** `(attr>=value)`. */
export function ge(attribute: string, value: string): LdapFilter {
  const a = attr(attribute);
  return make(
    `(${a}>=${escapeFilterValue(value)})`,
    new GreaterThanEqualsFilter({ attribute: a, value: checkValue(value) }),
  );
}

/** Extensible match `(attr:rule:=value)`, e.g. AD's bitwise AND rule. */
export function extensible(attribute: string, rule: string, value: string): LdapFilter {
  const a = attr(attribute);
  if (!OID.test(rule)) throw new TypeError(`not a matching rule OID: ${JSON.stringify(rule)}`);
  return make(
    `(${a}:${rule}:=${escapeFilterValue(value)})`,
    new ExtensibleFilter({ matchType: a, rule, value: checkValue(value) }),
  );
}

/** AD `LDAP_MATCHING_RULE_BIT_AND`: true when every bit of `mask` is set in the attribute. */
export function bitAnd(attribute: string, mask: number): LdapFilter {
  if (!Number.isSafeInteger(mask) || mask < 0) throw new TypeError(`bad bit mask ${mask}`);
  return extensible(attribute, '1.2.840.113556.1.4.803', String(mask));
}

export function and(...filters: LdapFilter[]): LdapFilter {
  if (filters.length === 0) throw new TypeError('and() needs at least one filter');
  if (filters.length === 1) return filters[0] as LdapFilter;
  return make(
    `(&${filters.map((x) => x.text).join('')})`,
    new AndFilter({ filters: filters.map((x) => x.wire) }),
  );
}

export function or(...filters: LdapFilter[]): LdapFilter {
  if (filters.length === 0) throw new TypeError('or() needs at least one filter');
  if (filters.length === 1) return filters[0] as LdapFilter;
  return make(
    `(|${filters.map((x) => x.text).join('')})`,
    new OrFilter({ filters: filters.map((x) => x.wire) }),
  );
}

export function not(filter: LdapFilter): LdapFilter {
  return make(`(!${filter.text})`, new NotFilter({ filter: filter.wire }));
}

/** `(objectClass=*)`: every entry. */
export const anyEntry: LdapFilter = present('objectClass');
