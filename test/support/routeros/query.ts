import type { Row } from './types.ts';

/**
 * RouterOS API queries, as the manual defines them: each word pushes true/false onto a stack for an item;
 * `?#` words operate on the stack; the item is printed when every value left on the stack is true (an empty
 * stack prints everything).
 *   ?name        true if the item has a value for name
 *   ?-name       true if it has none
 *   ?name=x      (also ?=name=x) true if name equals x
 *   ?<name=x     true if name is less than x;  ?>name=x  greater than x
 *   ?#ops        left to right: `|` pops two, pushes OR; `&` pops two, pushes AND; `!` negates the top;
 *                `.` pushes a copy of the top; digits N push a copy of the value at index N (0 = the TOP of
 *                the stack), and a `.` right after an index does nothing.
 * The stack starts as an infinite supply of `true` (manual: API, "Queries"): popping or indexing below the
 * words pushed so far gives `true`, never an error.
 * A malformed query is reported as a trap message, as RouterOS does.
 */
export class QueryError extends Error {}

type Test = (row: Row) => boolean;
type Step = { push: Test } | { ops: string };

export function compileQuery(words: readonly string[]): (row: Row) => boolean {
  const steps: Step[] = words.map(compileWord);
  if (steps.length === 0) return () => true;
  return (row) => {
    const stack: boolean[] = [];
    for (const step of steps) {
      if ('push' in step) stack.push(step.push(row));
      else runOps(step.ops, stack);
    }
    return stack.every(Boolean);
  };
}

function compileWord(word: string): Step {
  if (word.startsWith('#')) {
    const ops = word.slice(1);
    if (!/^[0-9|&!.]*$/.test(ops)) throw new QueryError(`unknown query operation in ?${word}`);
    return { ops };
  }
  if (word.startsWith('-')) {
    const name = word.slice(1);
    return { push: (row) => !hasValue(row, name) };
  }
  if (word.startsWith('<') || word.startsWith('>')) {
    const [name, x] = split(word.slice(1), word);
    const sign = word.startsWith('<') ? -1 : 1;
    return { push: (row) => hasValue(row, name) && Math.sign(compare(row[name] as string, x)) === sign };
  }
  const body = word.startsWith('=') ? word.slice(1) : word;
  const eq = body.indexOf('=');
  if (eq < 0) return { push: (row) => hasValue(row, body) };
  const [name, x] = split(body, word);
  return { push: (row) => equal(row[name], x) };
}

function split(body: string, word: string): [string, string] {
  const eq = body.indexOf('=');
  if (eq <= 0) throw new QueryError(`malformed query word ?${word}`);
  return [body.slice(0, eq), body.slice(eq + 1)];
}

function hasValue(row: Row, name: string): boolean {
  const v = row[name];
  return v !== undefined && v !== '';
}

const BOOL: Record<string, string> = { yes: 'true', no: 'false', true: 'true', false: 'false' };

function equal(actual: string | undefined, wanted: string): boolean {
  const a = actual ?? '';
  if (a === wanted) return true;
  // RouterOS compares typed values: disabled=no matches a row printing disabled=false.
  const ba = BOOL[a];
  return ba !== undefined && ba === BOOL[wanted];
}

/** Numbers (and `.id`s like *1A) compare as numbers; everything else as text. */
function compare(a: string, b: string): number {
  const na = numeric(a);
  const nb = numeric(b);
  if (na !== undefined && nb !== undefined) return na - nb;
  return a < b ? -1 : a > b ? 1 : 0;
}

function numeric(v: string): number | undefined {
  if (/^\*[0-9A-Fa-f]+$/.test(v)) return parseInt(v.slice(1), 16);
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return undefined;
}

function runOps(ops: string, stack: boolean[]): void {
  let i = 0;
  const pop = (): boolean => {
    // Below the pushed values the stack holds `true` for ever.
    return stack.length === 0 ? true : (stack.pop() as boolean);
  };
  while (i < ops.length) {
    const c = ops[i] as string;
    if (c >= '0' && c <= '9') {
      let j = i;
      while (j < ops.length && (ops[j] as string) >= '0' && (ops[j] as string) <= '9') j++;
      const index = Number(ops.slice(i, j));
      // Index 0 is the top of the stack; beyond the pushed values lies the infinite `true`.
      stack.push(index < stack.length ? (stack[stack.length - 1 - index] as boolean) : true);
      i = ops[j] === '.' ? j + 1 : j;
      continue;
    }
    if (c === '!') stack.push(!pop());
    else if (c === '&') {
      const b = pop();
      const a = pop();
      stack.push(a && b);
    } else if (c === '|') {
      const b = pop();
      const a = pop();
      stack.push(a || b);
    } else if (c === '.') {
      const top = pop();
      stack.push(top, top);
    }
    i++;
  }
}
