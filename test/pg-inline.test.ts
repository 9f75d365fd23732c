/**
 * Parameters written in as literals (checks/engine/pg-inline.ts), proved against the testbed's real
 * PostgreSQL: for awkward values (quotes, backslashes, `$1` inside strings, JSON, arrays, nulls, numbers
 * in text and integer contexts) the server's answer to the written-in statement is the same as its
 * answer to the statement with bound parameters; and what cannot be written in with certainty is
 * refused (the caller then binds parameters as before).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inlineParams } from '../checks/engine/pg-inline.ts';
import { SyncPg } from '../checks/engine/pg-sync.ts';
import { testbedInfo } from './support/testbed.ts';

let db: SyncPg;
beforeAll(() => {
  const url = testbedInfo().services.postgres?.extra?.url;
  if (url === undefined) throw new Error('the testbed has no postgres service');
  db = new SyncPg({ connectionString: url });
});
afterAll(() => db.close());

describe('inlineParams', () => {
  const awkward = [
    "it's",
    "back\\slash \\' and quote",
    '$1 $$ $tag$ -- not a comment /* nor this */',
    '{"a": "b\\"c", "n": [1, 2]}',
    'line\nbreak\ttab',
    'ünïcödé ✓',
    '',
  ];

  it.each([
    ['SELECT $1::text AS v', (v: string) => [v]],
    ['SELECT $1::json AS v', () => [JSON.stringify({ q: "it's", b: 'x\\y', d: '$1' })]],
    ['SELECT ($1::int + $2) AS v', () => [41, 1]],
    ['SELECT $1::text[] AS v', () => [["it's", 'a"b', 'c\\d', 'e,f', '{g}', '']]],
    ['SELECT $1::text = ANY($2::text[]) AS v', () => ['x', ['y', 'x']]],
    ['SELECT coalesce($1::text, $2) AS v', () => [null, 'fallback']],
    ['SELECT $1::boolean AS v, $2::bigint AS w', () => [true, 9007199254740993n]],
    ["SELECT 'a $1 b' || $1::text AS v -- $2 in a comment", (v: string) => [v]],
    ['SELECT $q$ $1 $q$ || $1::text AS v /* $1 */', (v: string) => [v]],
    ['SELECT "v$1" FROM (SELECT $1::text AS "v$1") t', (v: string) => [v]],
    ["SELECT E'x\\'$1' || $1::text AS v", (v: string) => [v]],
    ['SELECT $1::double precision * 2 AS v', () => [0.1]],
  ] as const)('answers %s as the bound statement does', (sql, params) => {
    for (const v of awkward) {
      const args = params(v) as unknown[];
      const inlined = inlineParams(sql, args);
      expect(inlined, sql).toBeDefined();
      expect(db.query(inlined as string)).toEqual(db.query(sql, args));
    }
  });

  it("runs a transaction's statements written in (SyncPg.batch): rows per statement, a missing row or an error rolls all back", () => {
    db.query('CREATE TEMP TABLE inl (v TEXT PRIMARY KEY, n INTEGER NOT NULL CHECK (n > 0))');
    const ins = (v: string, n: number) => ({
      sql: 'INSERT INTO inl VALUES ($1, $2) RETURNING v, n',
      params: [v, n],
    });
    expect(
      db.batch([ins("it's", 1), ins('b', 2), { sql: 'SELECT count(*)::int AS c FROM inl' }], true),
    ).toEqual([[{ v: "it's", n: 1 }], [{ v: 'b', n: 2 }], [{ c: 2 }]]);
    // A statement that must return a row and returns none: rolled back before the next one runs.
    expect(
      db.batch(
        [
          ins('c', 3),
          { sql: 'SELECT v FROM inl WHERE v = $1', params: ['nobody'], expectRow: true },
          ins('d', 4),
        ],
        true,
      ),
    ).toEqual({ missing: 1 });
    // The last statement must return a row and returns none: rolled back, not committed.
    expect(db.batch([ins('e', 5), { sql: 'SELECT 1 WHERE false', expectRow: true }], true)).toEqual({
      missing: 1,
    });
    // An error in the middle: nothing of the transaction stays.
    expect(() => db.batch([ins('f', 6), ins('g', 0), ins('h', 8)], true)).toThrow(/inl_n_check/);
    expect(db.query('SELECT v FROM inl ORDER BY v')).toEqual([{ v: 'b' }, { v: "it's" }]);
    // The connection is usable after each of them.
    expect(db.batch([ins('i', 9)], true)).toEqual([[{ v: 'i', n: 9 }]]);
  });

  it('refuses what it cannot write in with certainty', () => {
    expect(inlineParams('SELECT $1', [{ an: 'object' }])).toBeUndefined();
    expect(inlineParams('SELECT $1', [Buffer.from('x')])).toBeUndefined();
    expect(inlineParams('SELECT $1', [Number.NaN])).toBeUndefined();
    expect(inlineParams('SELECT $1', ['nul\0byte'])).toBeUndefined();
    expect(inlineParams('SELECT $2', ['only one'])).toBeUndefined();
    expect(inlineParams('SELECT 1; SELECT 2', [])).toBeUndefined();
    expect(inlineParams("SELECT 'unterminated", [])).toBeUndefined();
    expect(inlineParams('SELECT $q$ unterminated', [])).toBeUndefined();
    expect(inlineParams('SELECT 1 /* unterminated', [])).toBeUndefined();
    expect(inlineParams('SELECT $1;  ', ['x'])).toBe("SELECT  'x' ");
  });
});
