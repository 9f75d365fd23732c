/**
 * Distinguished names (RFC 4514): escaping values when we build a DN, and parsing DNs the server returns
 * so that "is this account under the Leavers OU" is a comparison of RDNs, not of strings that may
 * differ in case, spacing or escape style (`\,` vs `\2C`).
 */

/**
 * Escape an attribute value for use in a DN. Specials are written as hex pairs (`\2c`, `\5c`) rather than
 * backslash-char, so no DN we build contains `\,` or `\\,` (some parsers split `x\\,y` in the wrong place).
 */
export function escapeDnValue(value: string): string {
  let out = '';
  const chars = [...value];
  chars.forEach((ch, i) => {
    const special =
      ch === ',' ||
      ch === '+' ||
      ch === '"' ||
      ch === '\\' ||
      ch === '<' ||
      ch === '>' ||
      ch === ';' ||
      ch === '=' ||
      ch === '\0' ||
      (ch === '#' && i === 0) ||
      (ch === ' ' && (i === 0 || i === chars.length - 1));
    out += special ? `\\${ch.charCodeAt(0).toString(16).padStart(2, '0')}` : ch;
  });
  return out;
}

export interface Rdn {
  type: string;
  value: string;
}

/** Parse a DN string into RDNs (multi-valued RDNs are kept as one `a=x+b=y` value). */
export function parseDn(dn: string): Rdn[] {
  const rdns: Rdn[] = [];
  let i = 0;
  const n = dn.length;
  while (i < n) {
    while (i < n && dn[i] === ' ') i++;
    let type = '';
    while (i < n && dn[i] !== '=') type += dn[i++];
    if (i >= n) throw new Error(`malformed DN (no '=' in RDN): ${dn}`);
    i++; // '='
    const bytes: number[] = [];
    let trailingSpaces = 0;
    while (i < n && dn[i] !== ',' && dn[i] !== ';') {
      const ch = dn[i] as string;
      if (ch === '\\') {
        const hex = dn.slice(i + 1, i + 3);
        if (/^[0-9A-Fa-f]{2}$/.test(hex)) {
          bytes.push(parseInt(hex, 16));
          i += 3;
        } else {
          const next = dn[i + 1];
          if (next === undefined) throw new Error(`malformed DN (trailing backslash): ${dn}`);
          bytes.push(...Buffer.from(next, 'utf8'));
          i += 2;
        }
        trailingSpaces = 0;
      } else {
        const cp = dn.codePointAt(i) as number;
        const s = String.fromCodePoint(cp);
        bytes.push(...Buffer.from(s, 'utf8'));
        trailingSpaces = ch === ' ' ? trailingSpaces + 1 : 0;
        i += s.length;
      }
    }
    // Unescaped trailing spaces are not part of the value.
    const value = Buffer.from(bytes.slice(0, bytes.length - trailingSpaces)).toString('utf8');
    rdns.push({ type: type.trim(), value });
    if (i < n) i++; // ',' or ';'
  }
  return rdns;
}

/** Canonical form for comparison: lower-case types and values, values re-escaped uniformly. */
export function normalizeDn(dn: string): string {
  return parseDn(dn)
    .map((r) => `${r.type.toLowerCase()}=${escapeDnValue(r.value.normalize('NFC').toLowerCase())}`)
    .join(',');
}

export function sameDn(a: string, b: string): boolean {
  try {
    return normalizeDn(a) === normalizeDn(b);
  } catch {
    return false;
  }
}

/** True when `dn` is `container` itself or below it. */
export function isUnder(dn: string, container: string): boolean {
  try {
    const d = normalizeDn(dn);
    const c = normalizeDn(container);
    return d === c || d.endsWith(`,${c}`);
  } catch {
    return false;
  }
}

/** The parent DN (`CN=x,OU=Staff,DC=a` -> `OU=Staff,DC=a`), in the parsed-and-re-escaped form. */
export function parentDn(dn: string): string {
  return parseDn(dn)
    .slice(1)
    .map((r) => `${r.type}=${escapeDnValue(r.value)}`)
    .join(',');
}

/** The first RDN's value (`CN=Staff,OU=Groups,...` -> `Staff`). */
export function firstRdnValue(dn: string): string {
  try {
    return parseDn(dn)[0]?.value ?? dn;
  } catch {
    return dn;
  }
}

/** Build `type=value,parent` with the value escaped. */
export function childDn(type: string, value: string, parent: string): string {
  return `${type}=${escapeDnValue(value)},${parent}`;
}
