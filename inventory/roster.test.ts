import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadDemoDirectory } from '../scripts/testbed/seed-directory.ts';
import { parseRoster, parseRosterDate, type RosterOptions } from './roster.ts';
import type { RosterColumns } from './types.ts';

const columns: RosterColumns = {
  account: 'School Email',
  givenName: 'Legal Forename',
  surname: 'Legal Surname',
  role: 'Role',
  leavingDate: 'Date of Leaving',
  startDate: 'Start Date',
  aupSigned: 'AUP Signed',
};
const HEADER = 'School Email,Legal Forename,Legal Surname,Role,Date of Leaving,Start Date,AUP Signed';
const opts = (dateFormat: RosterOptions['dateFormat'] = 'auto'): RosterOptions => ({
  file: 'roster.csv',
  columns,
  dateFormat,
});

describe('roster dates', () => {
  it.each([
    ['22/07/2026', 'auto', '2026-07-22'],
    ['2/9/2019', 'uk', '2019-09-02'],
    ['22.07.2026', 'auto', '2026-07-22'],
    ['22/07/2026 00:00', 'auto', '2026-07-22'],
    ['2026-07-22', 'auto', '2026-07-22'],
    ['2026-07-22T00:00:00Z', 'iso', '2026-07-22'],
    ['29/02/2028', 'uk', '2028-02-29'],
  ] as const)('%s (%s) is %s', (raw, format, iso) => {
    expect(parseRosterDate(raw, format)).toEqual({ ok: true, iso });
  });

  it.each([
    ['07/22/2026', 'auto', /US month\/day order/],
    ['22/07/26', 'auto', /two-digit year/],
    ['31/02/2026', 'uk', /not a real date/],
    ['2026-02-30', 'auto', /not a real date/],
    ['2026-07-22', 'uk', /not a dd\/mm\/yyyy date/],
    ['22/07/2026', 'iso', /not a yyyy-mm-dd date/],
    ['46225', 'auto', /spreadsheet date serial/],
    ['next July', 'auto', /not a dd\/mm\/yyyy or yyyy-mm-dd date/],
  ] as const)('%s (%s) is refused', (raw, format, reason) => {
    const r = parseRosterDate(raw, format);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(reason);
  });

  it('an empty cell is no date', () => {
    expect(parseRosterDate('  ', 'auto')).toEqual({ ok: true, iso: undefined });
  });
});

describe('parseRoster', () => {
  it('reads an MIS export with a BOM, CRLF and UK dates, keeping line numbers', () => {
    const text = `\uFEFF${HEADER}\r\naoife.oneill@school.test,Aoife,O'Neill,Staff,,01/09/2015,01/09/2025\r\n\r\n,Sam (Test*),Smith\\,Staff,31/08/2026,01/09/2017,\r\n`;
    const r = parseRoster(text, opts());
    expect(r.problems).toEqual([]);
    expect(r.people).toEqual([
      {
        line: 2,
        id: '',
        account: 'aoife.oneill@school.test',
        givenName: 'Aoife',
        surname: "O'Neill",
        role: 'Staff',
        startDate: '2015-09-01',
        aupSigned: '2025-09-01',
      },
      {
        line: 4,
        id: '',
        account: '',
        givenName: 'Sam (Test*)',
        surname: 'Smith\\',
        role: 'Staff',
        leavingDate: '2026-08-31',
        startDate: '2017-09-01',
      },
    ]);
  });

  it('matches header names ignoring case and spaces, and normalises names to NFC', () => {
    const decomposed = 'Mae\u0308lle';
    const text = ` school email , LEGAL FORENAME,legal surname,role,date of leaving,start date,aup signed\n m@s , ${decomposed} ,Dupont,Pupil,2026-07-22,,\n`;
    const r = parseRoster(text, opts());
    expect(r.problems).toEqual([]);
    expect(r.people[0]?.givenName).toBe('Maëlle');
    expect(r.people[0]?.account).toBe('m@s');
  });

  it('reports every malformed row with its line and never silently drops one', () => {
    const text = [
      HEADER,
      'a@s,Ann,Able,Pupil,22/07/2026,,', // 2 fine
      'b@s,Bob,Baker,Pupil,22/07/2026,', // 3 one field short
      ',,,Pupil,,,', // 4 no account, id or name
      'd@s,Dee,Dale,,,,', // 5 no role
      'e@s,Eve,East,Pupil,07/22/2026,,', // 6 US date
      'A@S,Ann,Again,Pupil,,,', // 7 duplicate id (case-insensitive)
      '"f@s","Fay\nFox",Ford,Pupil,,,', // 8-9 a line break inside a name
      'g@s,Gus,Gray,Pupil,,,13/13/2025', // 10 bad AUP date
      'h@s,Hal,Hart,Staff,,,', // 11 fine
    ].join('\n');
    const r = parseRoster(text, opts());
    expect(r.people.map((p) => p.line)).toEqual([2, 11]);
    expect(r.problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [3, undefined, 'expected 7 fields as in the header, found 6'],
      [4, 'Legal Forename', 'no id, account or name: this row names nobody'],
      [5, 'Role', 'no role'],
      [6, 'Date of Leaving', '07/22/2026 is not a dd/mm/yyyy date (it looks like US month/day order)'],
      [7, 'School Email', 'A@S is also on line 2: one row per person, each with their own account'],
      [8, 'Legal Forename', 'a line break inside the field'],
      [10, 'AUP Signed', '13/13/2025 is not a real date'],
    ]);
  });

  it('names a mapped column missing from the header', () => {
    const r = parseRoster(
      'School Email,Forename,Legal Surname,Role,Date of Leaving,Start Date,AUP Signed\n',
      opts(),
    );
    expect(r.problems).toEqual([
      {
        file: 'roster.csv',
        line: 1,
        column: 'Legal Forename',
        message: expect.stringMatching(
          /column "Legal Forename" \(lifecycle.roster.columns.givenName\) is not in the header/,
        ),
      },
    ]);
  });

  it('reports broken CSV quoting at its line, and the rows before it', () => {
    const text = `${HEADER}\na@s,Ann,Able,Pupil,,,\nb@s,"Bob,Baker,Pupil,,,\nc@s,Cy,Cole,Pupil,,,\n`;
    const r = parseRoster(text, opts());
    expect(r.people.map((p) => p.account)).toEqual(['a@s']);
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]?.message).toMatch(/not readable as CSV/);
    expect(r.problems[0]?.line).toBe(3);
  });

  it('reads the MIS id column; an id alone is a person, a repeated id a problem', () => {
    const o: RosterOptions = {
      file: 'roster.csv',
      columns: { ...columns, misId: 'UPN', account: undefined },
      dateFormat: 'uk',
    };
    delete o.columns.account;
    const text = [
      'UPN,Legal Forename,Legal Surname,Role,Date of Leaving,Start Date,AUP Signed',
      'A123456789012,,,Pupil,22/07/2026,,', // 2 an id and no name: still a person
      ' a123456789012 ,Ann,Again,Pupil,,,', // 3 the same id (case and spaces aside)
      'B223456789012,Bo,Bell,Pupil,,,', // 4
    ].join('\n');
    const r = parseRoster(text, o);
    expect(r.people.map((p) => [p.line, p.id, p.account])).toEqual([
      [2, 'A123456789012', undefined],
      [4, 'B223456789012', undefined],
    ]);
    expect(r.problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [3, 'UPN', 'a123456789012 is also on line 2: one row per person, each with their own id'],
    ]);
  });

  it('an empty file is a problem, not an empty roster', () => {
    expect(parseRoster('', opts()).problems[0]?.message).toMatch(/empty/);
  });
});

describe('the demo roster', () => {
  it('parses cleanly and agrees with the demo directory dataset', async () => {
    const file = fileURLToPath(new URL('./schools/demo/roster.csv', import.meta.url));
    const text = await readFile(file, 'utf8');
    expect(text.startsWith('\uFEFF')).toBe(true);
    expect(text).toContain('\r\n');
    const r = parseRoster(text, opts('auto'));
    expect(r.problems).toEqual([]);
    const data = await loadDemoDirectory();
    const expected = [
      ...data.people
        .filter((p) => p.roster)
        .map((p) => ({
          id: p.roster?.noId ? '' : `${p.username}@${data.domain}`,
          name: `${p.givenName} ${p.surname}`,
          leaving: p.roster?.leaving,
          start: p.roster?.start,
          aup: p.roster?.aup,
        })),
      ...data.rosterOnly.map((p) => ({
        id: p.upn,
        name: `${p.givenName} ${p.surname}`,
        leaving: p.leaving,
        start: p.start,
        aup: p.aup,
      })),
    ];
    const actual = r.people.map((p) => ({
      id: p.account,
      name: `${p.givenName} ${p.surname}`,
      leaving: p.leavingDate,
      start: p.startDate,
      aup: p.aupSigned,
    }));
    const byName = (a: { name: string }, b: { name: string }) => a.name.localeCompare(b.name);
    expect(actual.sort(byName)).toEqual(expected.sort(byName));
  });
});
