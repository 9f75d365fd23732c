/**
 * A CSV register read as a stream (`readTable` → `streamCsvTable`) gives exactly the table the
 * whole-text parser gives, over many 64 KiB chunks with CRLF, a BOM, quoted fields over two lines
 * and multi-byte characters; past the row or byte limit the whole file is refused, and a broken row
 * is named by its row through the register's own parser.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LIMITS } from '../limits.ts';
import { DEFAULT_READ_LIMITS, parseCsvTable, readTable, streamTableLines } from './cells.ts';
import type { RawRow } from './cells.ts';
import { readRegisterFile } from './index.ts';
import { parseTable } from './parse.ts';

const dir = mkdtempSync(join(tmpdir(), 'register-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function assets(n: number): string {
  const out = ['Asset Tag,Serial,Model,Kind,Status,Location,Notes'];
  for (let i = 1; i <= n; i++)
    out.push(
      `A${String(i).padStart(6, '0')},SN-${i}-é,Laptop 14″,laptop,in-use,Room ${i % 40},${i % 9 === 0 ? `"Café note,\nline two ${i}"` : ''}`,
    );
  return `\uFEFF${out.join('\r\n')}\r\n`;
}

describe('streamed CSV register', () => {
  it('is the table the whole-text parser makes', async () => {
    const text = assets(20_000);
    expect(Buffer.byteLength(text)).toBeGreaterThan(16 * 64 * 1024);
    const file = join(dir, 'assets.csv');
    writeFileSync(file, text);
    const streamed = await readTable(file);
    expect(streamed).toEqual(parseCsvTable(text, 'assets.csv'));
    expect(streamed.rows).toHaveLength(20_000);
    expect(streamed.rows.at(-1)?.row).toBe(2 + 19_999 + Math.floor(19_999 / 9));
  });

  it('a row with too many fields is named by its row; the file is not silently shorter', async () => {
    const lines = assets(100).split('\r\n');
    lines[50] = `${lines[50]},extra`;
    const file = join(dir, 'broken.csv');
    writeFileSync(file, lines.join('\r\n'));
    const r = await readRegisterFile(file, 'assets', { extraColumns: 'keep' });
    expect(r.problems.some((p) => p.row === 56 && /fields/.test(p.message))).toBe(true);
  });

  it('more rows than the limit, or more bytes: refused whole', async () => {
    const file = join(dir, 'many.csv');
    writeFileSync(file, assets(200));
    await expect(readTable(file, { limits: { ...DEFAULT_READ_LIMITS, rows: 100 } })).rejects.toThrow(
      /more than 100 rows \(the register limit; row \d+ was not read\): refused/,
    );
    await expect(readTable(file, { limits: { ...DEFAULT_READ_LIMITS, fileBytes: 2048 } })).rejects.toThrow(
      /over the 2048-byte limit/,
    );
  });

  it('an unclosed quote is refused with the row csv-parse gave up at', async () => {
    const file = join(dir, 'quote.csv');
    writeFileSync(file, 'Asset Tag,Serial\nA1,"open\nA2,S2\n');
    await expect(readTable(file)).rejects.toThrow(/not readable as CSV near row \d+/);
  });

  it('the register is parsed row by row as it is read, to the same records as the whole table', async () => {
    const text = assets(20_000);
    const file = join(dir, 'rows.csv');
    writeFileSync(file, text);
    const whole = parseTable(parseCsvTable(text, 'rows.csv'), 'assets', { extraColumns: 'keep' });
    const streamed = await readRegisterFile(file, 'assets', { extraColumns: 'keep' });
    expect(streamed).toEqual(whole);
    expect(streamed.records).toHaveLength(20_000);

    // Rows reach the consumer while the file is still being read: with a quote left open near the end,
    // every row before it has been handed on (and none kept by the reader) when the CSV error comes.
    const lines = text.split('\r\n');
    lines[19_000] = `${lines[19_000]},"open`;
    const broken = join(dir, 'late-quote.csv');
    writeFileSync(broken, lines.join('\r\n'));
    const seen: RawRow[] = [];
    let begun = 0;
    await expect(
      streamTableLines(broken, {}, () => {
        begun++;
        return { line: (r) => void (seen.length < 5 ? seen.push(r) : seen.splice(4, 1, r)) };
      }),
    ).rejects.toThrow(/not readable as CSV/);
    expect(begun).toBe(1);
    expect(seen[0]?.cells[0]).toBe('Asset Tag');
    expect(seen[1]?.cells[0]).toBe('A000001');
    expect(Number(seen.at(-1)?.cells[0]?.slice(1))).toBeGreaterThan(18_000);
  });

  it('a file of bad rows keeps the first problems and counts the rest; nothing is imported', async () => {
    const out = ['Asset Tag,Serial,Model,Kind,Status'];
    for (let i = 1; i <= 1000; i++) out.push(`A${i},S${i},M,laptop,lost`);
    const file = join(dir, 'bad.csv');
    writeFileSync(file, out.join('\n'));
    const r = await readRegisterFile(file, 'assets', { file: 'bad.csv' });
    expect(r.records).toEqual([]);
    expect(r.problems).toHaveLength(LIMITS.problems + 1);
    expect(r.problems[0]).toMatchObject({ file: 'bad.csv', row: 2, column: 'Status' });
    expect(r.problems.at(-1)?.message).toBe(
      `and ${1000 - LIMITS.problems} more problems not listed (the first ${LIMITS.problems} are)`,
    );
  });
});
