/**
 * `schoolnet leavers` end to end: the CLI spawned as a user runs it, against a declaration pointing at the
 * testbed's Samba AD DC and slapd (the demo directory seeded with leavers' faults), with a hostile roster:
 * columns in another order, a BOM and CRLF, mixed UK and ISO dates, names with apostrophes, decomposed
 * accents, LDAP metacharacters, a NUL and an injection attempt in the id. The answer must be exact.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  loadDemoDirectory,
  testbedDeclaration,
  testbedDirectories,
  type TestbedDirectory,
} from '../scripts/testbed/seed-directory.ts';
import { testbedInfo } from './support/testbed.ts';

const tb = testbedInfo();
const dirs = await testbedDirectories(tb);
const data = await loadDemoDirectory();
const REPO = fileURLToPath(new URL('../', import.meta.url));
const DEMO = join(REPO, 'inventory', 'schools', 'demo');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(REPO, 'scripts', 'cli.ts'), 'leavers', ...args],
      { cwd: REPO, env: { ...process.env, ...env }, timeout: 60_000 },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

/** Columns reordered against the demo export; the declaration's mapping finds them by name. */
const HEADER = 'Legal Surname,Legal Forename,Role,UPN,Start Date,Date of Leaving,AUP Signed';
const HOSTILE_ROWS = [
  // line 2: the UPN in capitals with stray spaces: still the id
  ['Marsh', 'Ellie', 'Pupil', '  ELLIE.MARSH@SCHOOL.TEST ', '02/09/2019', '22/07/2026', '04/09/2025'],
  // line 3
  ["D'Arcy", 'Liam', 'Pupil', 'liam.darcy@school.test', '2019-09-02', '2026-07-22', ''],
  // line 4: no id, and the name with a decomposed ë (NFD): matched by name after NFC
  ['Dupont', 'Mae\u0308lle', 'Pupil', '', '02/09/2019', '22/07/2026', ''],
  // line 5
  ['Thornton', 'Ruby', 'Pupil', 'ruby.thornton@school.test', '02/09/2019', '22/07/2026', ''],
  // line 6
  ['Fenwick', 'Isaac', 'Pupil', 'isaac.fenwick@school.test', '02/09/2019', '22/07/2026', ''],
  // line 7: LDAP metacharacters in both names, no id: matched exactly by name
  ['Smith\\', 'Sam (Test*)', 'Staff', '', '01/09/2017', '31/08/2026', ''],
  // line 8: an account deleted long ago
  ['Ashdown', 'Poppy', 'Pupil', 'poppy.ashdown@school.test', '02/09/2019', '22/07/2026', ''],
  // line 9: wildcards everywhere must match nobody
  ['*', '*', 'Pupil', '*', '', '22/07/2026', ''],
  // line 10: an injection attempt in the id, with a NUL
  ['Nobody', 'Eve', 'Pupil', '*)(uid=*))(|(uid=*\0', '', '22/07/2026', ''],
  // line 11: a typographic apostrophe is a different name: not fuzzy-matched to Aoife O'Neill
  ['O’Neill', 'Aoife', 'Staff', '', '', '01/07/2026', ''],
  // line 12: leaves after --as-of: not a leaver yet
  ['Bennett', 'Oliver', 'Pupil', 'oliver.bennett@school.test', '01/09/2022', '20/07/2027', ''],
  // line 13: not leaving
  ['Patel', 'Noah', 'Pupil', 'noah.patel@school.test', '02/09/2020', '', ''],
  // line 14: a quoted name with a comma and quotes
  ['"Smith, ""Jr"""', 'Al', 'Pupil', '', '', '2026-07-22', ''],
];

function csv(rows: string[][]): string {
  const cell = (c: string) => (c.startsWith('"') ? c : /[,"]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  return `\uFEFF${[HEADER, ...rows.map((r) => r.map(cell).join(','))].join('\r\n')}\r\n`;
}

/** The exact answer: [line, state, matchedBy, accounts]. The same for both directories. */
const EXPECTED = [
  [2, 'enabled', 'id', ['ellie.marsh']],
  [3, 'logged-on-after-leaving', 'id', ['liam.darcy']],
  [4, 'disabled', 'name', ['maelle.dupont']],
  [5, 'enabled-in-leavers-ou', 'id', ['ruby.thornton']],
  [6, 'disabled', 'id', ['isaac.fenwick']],
  [7, 'disabled', 'name', ['sam.smith']],
  [8, 'not-found', 'none', []],
  [9, 'not-found', 'none', []],
  [10, 'not-found', 'none', []],
  [11, 'not-found', 'none', []],
  [14, 'not-found', 'none', []],
];

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'schoolnet-leavers-'));
});
afterAll(() => rm(scratch, { recursive: true, force: true }));

/** A copy of the demo declaration whose directory is the testbed's, read by the audit account. */
async function declarationFor(
  d: TestbedDirectory,
  name: string,
  override: Record<string, unknown> = {},
): Promise<string> {
  const decl = parse(await readFile(join(DEMO, 'school.yaml'), 'utf8')) as Record<string, unknown> & {
    policy: { file: string };
    waivers?: string;
    lifecycle: { roster: { file: string } };
  };
  decl.policy.file = resolve(DEMO, decl.policy.file);
  if (decl.waivers) decl.waivers = resolve(DEMO, decl.waivers);
  decl.lifecycle.roster.file = resolve(DEMO, decl.lifecycle.roster.file);
  decl.directory = {
    ...testbedDeclaration(d, data, 'auditor', 'SCHOOLNET_TEST_DIRECTORY_PASSWORD'),
    ...override,
  };
  const file = join(scratch, `${name}.yaml`);
  await writeFile(file, stringify(decl));
  return file;
}

describe.each([
  ['Samba AD', 'ad' as const],
  ['slapd', 'openldap' as const],
])('schoolnet leavers against %s', (_name, kind) => {
  const d = dirs[kind];
  if (!d) throw new Error(`testbed ${kind} is not running`);
  const env = { SCHOOLNET_TEST_DIRECTORY_PASSWORD: d.auditor.password };

  it('gives the exact answer for a hostile roster, and exits 1 because leavers are still enabled', async () => {
    const decl = await declarationFor(d, `${kind}-hostile`);
    const roster = join(scratch, `${kind}-hostile.csv`);
    await writeFile(roster, csv(HOSTILE_ROWS));
    const run = await cli([decl, '--roster', roster, '--as-of', '01/09/2026', '--format', 'json'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout) as {
      asOf: string;
      leavers: {
        line: number;
        state: string;
        matchedBy: string;
        accounts: { username: string }[];
        warnings: string[];
      }[];
      counts: Record<string, number>;
      failures: number;
    };
    expect(out.asOf).toBe('2026-09-01');
    expect(out.leavers.map((l) => [l.line, l.state, l.matchedBy, l.accounts.map((a) => a.username)])).toEqual(
      EXPECTED,
    );
    expect(out.failures).toBe(3);
    const warn = (line: number) => out.leavers.find((l) => l.line === line)?.warnings;
    expect(warn(4)).toEqual([
      'matched by name only: the roster row has no upn id',
      'disabled but not moved to the leavers OU',
    ]);
    expect(warn(7)).toEqual(['matched by name only: the roster row has no upn id']);
    expect(warn(10)).toEqual(['no account has upn *)(uid=*))(|(uid=*\\u0000 or this name']);
  });

  it("reports every leaver on the demo school's own roster (exit 1: some are still enabled)", async () => {
    const decl = await declarationFor(d, `${kind}-demo`);
    const run = await cli(
      [decl, '--roster', join(DEMO, 'roster.csv'), '--as-of', '2026-09-01', '--format', 'json'],
      env,
    );
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout) as { leavers: { surname: string; state: string }[] };
    expect(Object.fromEntries(out.leavers.map((l) => [l.surname, l.state]))).toEqual({
      'Smith\\': 'disabled',
      Ashdown: 'not-found',
      "D'Arcy": 'logged-on-after-leaving',
      Dupont: 'disabled',
      Fenwick: 'disabled',
      Marsh: 'enabled',
      Thornton: 'enabled-in-leavers-ou',
    });
  });

  it('exits 0 when every leaver on the roster is disabled', async () => {
    const decl = await declarationFor(d, `${kind}-clean`);
    const roster = join(scratch, `${kind}-clean.csv`);
    await writeFile(
      roster,
      csv([HOSTILE_ROWS[4] as string[], HOSTILE_ROWS[5] as string[], HOSTILE_ROWS[6] as string[]]),
    );
    const run = await cli([decl, '--roster', roster, '--as-of', '2026-09-01', '--format', 'json'], env);
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as { failures: number }).failures).toBe(0);
  });
});

describe('schoolnet leavers output formats and errors (one directory is enough)', () => {
  const d = dirs.openldap ?? dirs.ad;
  if (!d) throw new Error('no directory in the testbed');
  const env = { SCHOOLNET_TEST_DIRECTORY_PASSWORD: d.auditor.password };

  it('prints the same answer as a table and as CSV', async () => {
    const decl = await declarationFor(d, 'formats');
    const roster = join(scratch, 'formats.csv');
    await writeFile(roster, csv(HOSTILE_ROWS));
    const table = await cli([decl, '--roster', roster, '--as-of', '2026-09-01'], env);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(
      /^3\s+Liam D'Arcy\s+liam\.darcy@school\.test\s+2026-07-22\s+logged-on-after-leaving\s+liam\.darcy \[pupils\]\s+id$/m,
    );
    expect(table.stdout).toContain(
      '11 leavers as of 2026-09-01: 3 disabled, 1 enabled, 1 enabled in the leavers OU, 1 logged on after leaving, 5 not found; 3 need action.',
    );
    const asCsv = await cli([decl, '--roster', roster, '--as-of', '2026-09-01', '--format', 'csv'], env);
    expect(asCsv.code).toBe(1);
    const lines = asCsv.stdout.trim().split('\n');
    expect(lines[0]).toBe(
      'line,id,givenName,surname,role,leavingDate,state,failing,matchedBy,accounts,inLeaversOu,withinGrace,warnings',
    );
    expect(lines).toHaveLength(EXPECTED.length + 1);
    expect(lines[4]).toMatch(
      /^5,ruby\.thornton@school\.test,Ruby,Thornton,Pupil,2026-07-22,enabled-in-leavers-ou,true,id,ruby\.thornton,true,false,$/,
    );
  });

  it('exits 2 and names the directory when it cannot be reached', async () => {
    const decl = await declarationFor(d, 'down', { url: d.auditor.url.replace(/:\d+$/, ':1') });
    const run = await cli([decl, '--roster', join(DEMO, 'roster.csv')], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/E-REFUSED/);
    expect(run.stdout).toBe('');
  });

  it('exits 2 when the directory rejects the password', async () => {
    const decl = await declarationFor(d, 'auth');
    const run = await cli([decl, '--roster', join(DEMO, 'roster.csv')], {
      SCHOOLNET_TEST_DIRECTORY_PASSWORD: 'not-the-password-1A',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/E-AUTH/);
  });

  it('exits 2 on a malformed roster, listing every bad row with its line, before touching the directory', async () => {
    const decl = await declarationFor(d, 'bad-roster', { url: 'ldaps://127.0.0.1:1' });
    const roster = join(scratch, 'bad.csv');
    await writeFile(
      roster,
      `${HEADER}\r\nMarsh,Ellie,Pupil,ellie.marsh@school.test,02/09/2019,07/22/2026,\r\nShort,Row,Pupil\r\nThornton,Ruby,Pupil,ruby.thornton@school.test,,22/07/26,\r\n`,
    );
    const run = await cli([decl, '--roster', roster], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(
      `${roster}:2: Date of Leaving: 07/22/2026 is not a dd/mm/yyyy date (it looks like US month/day order)`,
    );
    expect(run.stderr).toContain(`${roster}:3: expected 7 fields as in the header, found 3`);
    expect(run.stderr).toContain(`${roster}:4: Date of Leaving: 22/07/26 has a two-digit year`);
    // The directory URL is unreachable: had it been contacted, the error would have been E-REFUSED.
    expect(run.stderr).not.toMatch(/E-REFUSED/);
  });

  it('exits 3 on usage errors (an unknown format, a missing declaration)', async () => {
    const decl = await declarationFor(d, 'usage');
    expect((await cli([decl, '--roster', join(DEMO, 'roster.csv'), '--format', 'xml'], env)).code).toBe(3);
    expect((await cli([join(scratch, 'missing.yaml'), '--roster', join(DEMO, 'roster.csv')], env)).code).toBe(
      3,
    );
  });
});
