/**
 * The part of the RouterOS scripting language the scheduler's scripts use in the test server: commands
 * separated by `;` or new lines, each a menu path (`/interface bridge` or `/interface/bridge`), a verb
 * (`set`, `remove`, `add` with `place-before=`, `move` with `destination=`, `enable`, `disable`, `unset`),
 * an item (an id like `*5`, a name, or `[find where name="x"]`) and `property=value` words (values may be
 * quoted). That is the syntax of the
 * manual's Scripting page; anything else is reported as a syntax error, so a script the project writes
 * cannot silently do nothing here.
 */
import type { CommandResult, Request } from './types.ts';

const VERBS = new Set(['set', 'remove', 'add', 'move', 'enable', 'disable', 'unset', 'comment', 'print']);

/** RouterOS durations: `1h2m3s`, `90s`, `500ms`, `00:01:30`. Milliseconds, or undefined if malformed. */
export function parseDuration(v: string): number | undefined {
  const clock = /^(\d+):(\d{2}):(\d{2})$/.exec(v);
  if (clock) return (Number(clock[1]) * 3600 + Number(clock[2]) * 60 + Number(clock[3])) * 1000;
  if (!/^(\d+(ms|w|d|h|m|s)?)+$/.test(v)) return undefined;
  const unit: Record<string, number> = {
    w: 604_800_000,
    d: 86_400_000,
    h: 3_600_000,
    m: 60_000,
    s: 1000,
    ms: 1,
  };
  let total = 0;
  for (const m of v.matchAll(/(\d+)(ms|w|d|h|m|s)?/g)) total += Number(m[1]) * (unit[m[2] ?? 's'] ?? 1000);
  return total;
}

function split(text: string, separators: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = false;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\\' && quote) {
      cur += c + (text[i + 1] ?? '');
      i++;
      continue;
    }
    if (c === '"') quote = !quote;
    else if (!quote && (c === '[' || c === '{')) depth++;
    else if (!quote && (c === ']' || c === '}')) depth--;
    if (!quote && depth === 0 && separators.includes(c)) {
      if (cur.trim() !== '') out.push(cur.trim());
      cur = '';
      continue;
    }
    cur += c;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

function unquote(v: string): string {
  if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) return v.slice(1, -1).replace(/\\(.)/g, '$1');
  return v;
}

type Exec = (req: Request) => CommandResult;

/** Runs a script; returns the first error (as RouterOS stops a script at its first failing command). */
export function runScript(source: string, exec: Exec): string | undefined {
  for (const statement of split(source, ';\n')) {
    // `:do { ... } on-error={ ... }` (manual: Scripting, "Catch run-time errors"): an error inside goes
    // to the handler instead of stopping the script.
    const guarded = /^:do\s*\{([\s\S]*)\}\s*on-error=\{([\s\S]*)\}$/.exec(statement);
    if (guarded) {
      if (runScript(guarded[1] ?? '', exec) !== undefined) {
        const handled = runScript(guarded[2] ?? '', exec);
        if (handled !== undefined) return handled;
      }
      continue;
    }
    const words = split(statement, ' \t');
    const path: string[] = [];
    let i = 0;
    for (; i < words.length; i++) {
      const w = words[i] as string;
      const parts = w.split('/').filter((p) => p !== '');
      if (i === 0 && !w.startsWith('/')) return `syntax error in ${JSON.stringify(statement)}`;
      const last = parts.at(-1) ?? '';
      if (VERBS.has(last)) {
        path.push(...parts.slice(0, -1));
        break;
      }
      if (w.includes('=') || w.startsWith('*') || w.startsWith('['))
        return `syntax error in ${JSON.stringify(statement)}`;
      path.push(...parts);
    }
    const verbWord = words[i];
    if (verbWord === undefined) return `syntax error in ${JSON.stringify(statement)}`;
    const verb = verbWord
      .split('/')
      .filter((p) => p !== '')
      .at(-1) as string;
    const menu = `/${path.join('/')}`;
    const attrs: Record<string, string> = {};
    for (const w of words.slice(i + 1)) {
      const eq = w.indexOf('=');
      if (w.startsWith('[')) {
        const ids = find(menu, w, exec);
        if (ids === undefined) return `syntax error in ${JSON.stringify(w)}`;
        attrs.numbers = ids.join(',');
      } else if (eq < 0) attrs.numbers = unquote(w);
      else attrs[w.slice(0, eq)] = unquote(w.slice(eq + 1));
    }
    if (attrs.numbers === '') continue; // [find] matched nothing: RouterOS does nothing
    const result = exec({ command: `${menu}/${verb}`, attrs, query: [], words: [] });
    if (result.kind === 'trap') return `${menu}/${verb}: ${result.message}`;
  }
  return undefined;
}

/** `[find where name="x" and vlan-ids=10]` (or `[find name=x]`): the ids of the matching items. */
function find(menu: string, expr: string, exec: Exec): string[] | undefined {
  const body = /^\[\s*find\s*(?:where\s+)?(.*)\]$/.exec(expr)?.[1];
  if (body === undefined) return undefined;
  const query = split(body, ' \t')
    .filter((w) => w !== 'and')
    .map((w) => {
      const eq = w.indexOf('=');
      return eq < 0 ? w : `${w.slice(0, eq)}=${unquote(w.slice(eq + 1))}`;
    });
  const result = exec({ command: `${menu}/print`, attrs: { '.proplist': '.id' }, query, words: [] });
  if (result.kind !== 'rows') return [];
  return result.rows.map((r) => r['.id'] ?? '');
}
