/**
 * Statements with their parameters written in as literals, so that several of them (a transaction with
 * its BEGIN and COMMIT) go to PostgreSQL as one simple query: one round trip instead of one each.
 *
 * Each value is written as node-postgres would send it as a parameter (its text form, type left to the
 * server) but as a quoted literal, which the server also types from its context: `'5'` is to a
 * parameter what the text `5` is. Strings are quoted by `pg`'s own `escapeLiteral`. Only plain values
 * are written in (strings, finite numbers, bigints, booleans, null, and arrays of those); for anything
 * else, or SQL this reader cannot take apart with certainty, `inlineParams` answers undefined and the
 * caller sends the statement with its parameters as before.
 *
 * `$n` is replaced only outside quoted strings, quoted identifiers, dollar-quoted bodies and comments.
 * A statement holding a `;` outside those is refused: one statement must stay one result.
 */
import pg from 'pg';

/** The text form of one array element, quoted for an array literal (`{"a","b"}`). */
function arrayElement(v: unknown): string | undefined {
  if (v === null || v === undefined) return 'NULL';
  const t = scalarText(v);
  if (t === undefined) return undefined;
  return `"${t.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function scalarText(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : undefined;
  if (typeof v === 'bigint' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** A value as an SQL literal, or undefined when it is not a plain value. */
export function literal(v: unknown): string | undefined {
  if (v === null || v === undefined) return 'NULL';
  if (Array.isArray(v)) {
    const parts = v.map(arrayElement);
    if (parts.some((p) => p === undefined)) return undefined;
    return pg.escapeLiteral(`{${parts.join(',')}}`);
  }
  const t = scalarText(v);
  if (t === undefined || t.includes('\0')) return undefined;
  return pg.escapeLiteral(t);
}

const IDENT = /[A-Za-z0-9_$\u0080-\uffff]/;

/** The statement with `$1…$n` written in, without a trailing `;`; undefined when it cannot be. */
export function inlineParams(sql: string, params: readonly unknown[] = []): string | undefined {
  const lits = params.map(literal);
  if (lits.some((l) => l === undefined)) return undefined;
  let out = '';
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === "'" || c === '"') {
      // A quoted string or identifier; a doubled quote stays inside. E'…' strings may escape a quote
      // with a backslash.
      const escapes =
        c === "'" && i > 0 && /[eE]/.test(sql[i - 1] as string) && !IDENT.test(sql[i - 2] ?? ' ');
      let j = i + 1;
      for (;;) {
        if (j >= n) return undefined;
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === c && sql[j + 1] === c) j += 2;
        else if (sql[j] === c) break;
        else j++;
      }
      out += sql.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && next === '-') {
      const j = sql.indexOf('\n', i);
      const end = j === -1 ? n : j;
      out += sql.slice(i, end);
      i = end;
    } else if (c === '/' && next === '*') {
      const j = sql.indexOf('*/', i + 2);
      if (j === -1) return undefined;
      out += sql.slice(i, j + 2);
      i = j + 2;
    } else if (c === '$' && (i === 0 || !IDENT.test(sql[i - 1] as string))) {
      const m = /^\$(\d+)/.exec(sql.slice(i, i + 12));
      if (m !== null) {
        const k = Number(m[1]);
        const lit = lits[k - 1];
        if (lit === undefined) return undefined;
        out += ` ${lit} `;
        i += (m[0] as string).length;
        continue;
      }
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 70));
      if (tag === null) return undefined;
      const close = sql.indexOf(tag[0], i + tag[0].length);
      if (close === -1) return undefined;
      out += sql.slice(i, close + tag[0].length);
      i = close + tag[0].length;
    } else if (c === ';') {
      if (sql.slice(i + 1).trim() !== '') return undefined;
      i = n;
    } else {
      out += c;
      i++;
    }
  }
  return out;
}
