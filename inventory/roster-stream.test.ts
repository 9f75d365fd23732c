/**
 * The roster read from its file as a stream (`readRoster`) gives exactly what the whole-text parser
 * gives (csv-parse's synchronous API over the full text): for a file of many 64 KiB chunks with CRLF
 * line ends, a BOM, quoted fields spanning lines, and multi-byte characters falling across chunk
 * boundaries. Bad rows are problems naming their line; the byte and row limits refuse the whole
 * roster (nothing partial).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LIMITS } from './limits.ts';
import { parseRoster, readRoster } from './roster.ts';
import type { Lifecycle } from './types.ts';

const dir = mkdtempSync(join(tmpdir(), 'roster-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const roster: Lifecycle['roster'] = {
  file: 'roster.csv',
  dateFormat: 'auto',
  columns: {
    misId: 'UPN',
    account: 'School Email',
    givenName: 'Legal Forename',
    surname: 'Legal Surname',
    role: 'Role',
    leavingDate: 'Date of Leaving',
  },
} as Lifecycle['roster'];
const HEADER = 'UPN,School Email,Legal Forename,Legal Surname,Role,Date of Leaving,Notes';

/** A synthetic roster: no real names (pupil N, staff N), accents and quotes to exercise the reader. */
function rows(n: number, bad: Set<number> = new Set()): string[] {
  const out = [HEADER];
  for (let i = 1; i <= n; i++) {
    if (bad.has(i)) {
      out.push(`X${i},p${i}@school.example,Zoë,"Row, ${i}",Pupil,31/02/2026,`); // not a real date
      continue;
    }
    const notes = i % 7 === 0 ? `"Élodie's note,\nover two lines ${i}"` : ''; // a quoted field over two lines
    out.push(
      `U${i},p${i}@school.example,${i % 3 === 0 ? 'Zoë' : 'Ann'},Noël${i},Pupil,${i % 5 === 0 ? '22/07/2026' : ''},${notes}`,
    );
  }
  return out;
}

const write = (name: string, text: string): string => {
  const f = join(dir, name);
  writeFileSync(f, text);
  return f;
};

describe('readRoster streams the file', () => {
  it('gives what the whole-text parser gives, across chunk boundaries, CRLF and a BOM', async () => {
    const text = `\uFEFF${rows(20_000, new Set([7_001, 15_000])).join('\r\n')}\r\n`;
    expect(Buffer.byteLength(text)).toBeGreaterThan(16 * 64 * 1024);
    const file = write('big.csv', text);
    const streamed = await readRoster(file, roster);
    const whole = parseRoster(text, { file, columns: roster.columns, dateFormat: 'auto' });
    expect(streamed.people.length).toBe(whole.people.length);
    expect(streamed.people).toEqual(whole.people);
    expect(streamed.problems).toEqual(whole.problems);
    // Each bad row named by its line (header is line 1; every 7th row takes two lines).
    expect(streamed.problems.map((p) => p.message)).toEqual([
      '31/02/2026 is not a real date',
      '31/02/2026 is not a real date',
    ]);
    const lineOf = (row: number) => 1 + row + Math.floor((row - 1) / 7);
    expect(streamed.problems.map((p) => p.line)).toEqual([lineOf(7_001), lineOf(15_000)]);
    expect(streamed.people.find((p) => p.id === 'U14')).toMatchObject({ line: 16, surname: 'Noël14' });
  });

  it('a broken quote is a problem at its line; the rows before it are read', async () => {
    const lines = rows(30);
    lines[11] = 'U11,p11@school.example,Ann,"Unclosed,Pupil,,';
    const file = write('broken.csv', `${lines.join('\n')}\n`);
    const r = await readRoster(file, roster);
    const last = r.problems.at(-1);
    expect(last?.message).toMatch(/not readable as CSV .*this row and everything after it were not read/);
    // Line of row 11: ten rows before it, one of which (row 7) spans two lines.
    expect(last?.line).toBe(13);
    expect(r.people.map((p) => p.id)).toEqual(['U1', 'U2', 'U3', 'U4', 'U5', 'U6', 'U7', 'U8', 'U9', 'U10']);
  });

  it('a header without the declared columns stops the read at line 1', async () => {
    const file = write('wrong.csv', `a,b,c\n${'1,2,3\n'.repeat(1000)}`);
    const r = await readRoster(file, roster);
    expect(r.people).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({
      line: 1,
      message: expect.stringMatching(/does not look like the roster/),
    });
  });

  it('more rows than the limit: the whole roster is refused, nothing partial', async () => {
    const file = write('rows.csv', rows(50).join('\n'));
    const r = await readRoster(file, roster, { rows: 40 });
    expect(r.people).toEqual([]);
    expect(r.problems).toEqual([
      {
        file,
        line: 0,
        message: expect.stringMatching(
          /^more than 40 rows \(the roster limit\): refused; line \d+ was not read$/,
        ),
      },
    ]);
  });

  it('a file over the byte limit is refused before it is read', async () => {
    const file = write('bytes.csv', rows(500).join('\n'));
    const r = await readRoster(file, roster, { bytes: 4096 });
    expect(r.people).toEqual([]);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]?.line).toBe(0);
    expect(r.problems[0]?.message).toMatch(/over the 4096-byte limit/);
  });

  it('a missing file is a problem on line 0', async () => {
    const r = await readRoster(join(dir, 'nope.csv'), roster);
    expect(r.problems).toEqual([
      { file: join(dir, 'nope.csv'), line: 0, message: 'cannot read the roster: ENOENT' },
    ]);
  });

  it('a roster of bad rows keeps the first problems and counts the rest on the first line left out', async () => {
    const bad = new Set(Array.from({ length: 600 }, (_, i) => i + 1));
    const file = write('bad.csv', rows(600, bad).join('\n'));
    const r = await readRoster(file, roster);
    expect(r.people).toEqual([]);
    expect(r.problems).toHaveLength(LIMITS.problems + 1);
    expect(r.problems[0]).toMatchObject({ line: 2, column: 'Date of Leaving' });
    expect(r.problems.at(-1)).toEqual({
      file,
      line: LIMITS.problems + 2,
      message: `and ${600 - LIMITS.problems} more problems on this and later lines, not listed (the first ${LIMITS.problems} are)`,
    });
  });
});
