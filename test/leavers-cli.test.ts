/**
 * `schoolnet leavers` end to end: the CLI spawned as a user runs it, against a declaration pointing at the
 * testbed's Samba AD DC and slapd (the demo directory seeded with leavers' faults; two pupils carry an
 * MIS id in employeeID / employeeNumber), with a hostile roster: columns in another order, a BOM and
 * CRLF, mixed UK and ISO dates, a typographic apostrophe, decomposed accents, LDAP metacharacters and an
 * LDAP-filter injection with a NUL in the id, formula cells, a deleted account, and one unreadable row.
 * The answer must be exact, the same for both directories, and the exit code must never be 0 while a
 * leaver is enabled or cannot be matched.
 */
import { execFile, execFileSync } from 'node:child_process';
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { type AddressInfo, createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parse, stringify } from 'yaml';
import {
  loadDemoDirectory,
  testbedDeclaration,
  testbedDirectories,
  type TestbedDirectory,
} from '../scripts/testbed/seed-directory.ts';
import leaversCheck from '../checks/accounts/directory-account-leavers-disabled.check.ts';
import { collectSchool } from '../checks/engine/collect.ts';
import { defaultCollectors } from '../checks/engine/inputs.ts';
import { loadSchool } from '../inventory/load.ts';
import { testbedInfo, demoDeclarationText } from './support/testbed.ts';

// A case spawns the CLI (a Node start and a directory dump) up to three times: on a loaded machine
// that outlasts the default 30 s.
vi.setConfig({ testTimeout: 120_000 });

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
const HEADER = 'Legal Surname,Legal Forename,Role,Adno,School Email,Start Date,Date of Leaving,AUP Signed';
const COLUMNS = { misId: 'Adno', account: 'School Email' };
const HOSTILE_ROWS = [
  // line 2: the MIS id in lower case with stray spaces (written to employeeID / employeeNumber)
  ['Marsh', 'Ellie', 'Pupil', '  a801200000001 ', '', '02/09/2019', '22/07/2026', '04/09/2025'],
  // line 3: the issue's case: a typographic apostrophe, no id; found by name (and used after leaving)
  ['D\u2019Arcy', 'Liam', 'Pupil', '', '', '2019-09-02', '2026-07-22', ''],
  // line 4: no id, the name with a decomposed ë (NFD): found by name
  ['Dupont', 'Mae\u0308lle', 'Pupil', '', '', '02/09/2019', '22/07/2026', ''],
  // line 5: no id, the account column in capitals
  ['Thornton', 'Ruby', 'Pupil', '', 'RUBY.THORNTON@SCHOOL.TEST', '02/09/2019', '22/07/2026', ''],
  // line 6: an id and no name at all
  ['', '', 'Pupil', 'A801200000005', '', '02/09/2019', '22/07/2026', ''],
  // line 7: LDAP metacharacters in both names, no id: matched exactly by name
  ['Smith\\', 'Sam (Test*)', 'Staff', '', '', '01/09/2017', '31/08/2026', ''],
  // line 8: an account deleted long ago: unmatched, and that fails
  ['Ashdown', 'Poppy', 'Pupil', 'A801200000099', 'poppy.ashdown@school.test', '02/09/2019', '22/07/2026', ''],
  // line 9: wildcards everywhere must match nobody
  ['*', '*', 'Pupil', '*', '*', '', '22/07/2026', ''],
  // line 10: an LDAP-filter injection in the id, with a NUL
  ['Nobody', 'Eve', 'Pupil', '*)(uid=*))(|(uid=*\0', '', '', '22/07/2026', ''],
  // line 11: formula cells everywhere (a spreadsheet must show them as text)
  ['=HYPERLINK("http://evil.example/","x")', '-2+3', 'Pupil', '@SUM(1+1)', '+cmd', '', '22/07/2026', ''],
  // line 12: leaves after --as-of: not a leaver yet
  ['Bennett', 'Oliver', 'Pupil', '', 'oliver.bennett@school.test', '01/09/2022', '20/07/2027', ''],
  // line 13: not leaving
  ['Patel', 'Noah', 'Pupil', '', 'noah.patel@school.test', '02/09/2020', '', ''],
  // line 14: a quoted name with a comma and quotes, no account
  ['"Smith, ""Jr"""', 'Al', 'Pupil', '', '', '', '2026-07-22', ''],
];
/** line 15: unreadable (US month/day order): an error, while every other row is still checked. */
const BAD_ROW = ['Fenwick', 'Isaac', 'Pupil', '', '', '02/09/2019', '07/22/2026', ''];

function csv(rows: string[][]): string {
  const cell = (c: string) => (c.startsWith('"') ? c : /[,"]/.test(c) ? `"${c.replace(/"/g, '""')}"` : c);
  return `\uFEFF${[HEADER, ...rows.map((r) => r.map(cell).join(','))].join('\r\n')}\r\n`;
}

/** The exact answer: [line, state, matchedBy, accounts]. The same for both directories. */
const EXPECTED = [
  [2, 'enabled', 'id', ['ellie.marsh']],
  [3, 'logged-on-after-leaving', 'name', ['liam.darcy']],
  [4, 'disabled', 'name', ['maelle.dupont']],
  [5, 'enabled-in-leavers-ou', 'account', ['ruby.thornton']],
  [6, 'disabled', 'id', ['isaac.fenwick']],
  [7, 'disabled', 'name', ['sam.smith']],
  [8, 'unmatched', 'none', []],
  [9, 'unmatched', 'none', []],
  [10, 'unmatched', 'none', []],
  [11, 'unmatched', 'none', []],
  [14, 'unmatched', 'none', []],
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
  columns = true,
): Promise<string> {
  // A copy of the demo's folder (declared files must stay inside the school's folder), its testbed
  // references made absolute (they are relative to the demo's own folder).
  const dir = join(scratch, name);
  await cp(DEMO, dir, { recursive: true });
  const text = await demoDeclarationText();
  const decl = parse(text) as Record<string, unknown> & {
    lifecycle: { roster: { file: string; columns: Record<string, unknown> } };
  };
  decl.directory = {
    ...testbedDeclaration(d, data, 'auditor', 'SCHOOLNET_TEST_DIRECTORY_PASSWORD'),
    ...override,
  };
  if (columns) Object.assign(decl.lifecycle.roster.columns, COLUMNS);
  const file = join(dir, 'school.yaml');
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

  it('gives the exact answer for a hostile roster with a bad row, and exits 2 without hiding the rest', async () => {
    const decl = await declarationFor(d, `${kind}-hostile`);
    const roster = join(scratch, `${kind}-hostile.csv`);
    await writeFile(roster, csv([...HOSTILE_ROWS, BAD_ROW]));
    const run = await cli([decl, '--roster', roster, '--as-of', '01/09/2026', '--format', 'json'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'schoolnet leavers: the roster has 1 row that could not be read and was not checked (the other rows were):\n' +
        `${roster}:15: Date of Leaving: 07/22/2026 is not a dd/mm/yyyy date (it looks like US month/day order)\n`,
    );
    const out = JSON.parse(run.stdout) as {
      asOf: string;
      idAttribute: string;
      leavers: {
        line: number;
        state: string;
        matchedBy: string;
        accounts: { username: string }[];
        reason?: string;
        action?: string;
        warnings: string[];
      }[];
      counts: Record<string, number>;
      failures: number;
      problems: string[];
    };
    expect(out.asOf).toBe('2026-09-01');
    expect(out.idAttribute).toBe(kind === 'ad' ? 'employeeID' : 'employeeNumber');
    expect(out.leavers.map((l) => [l.line, l.state, l.matchedBy, l.accounts.map((a) => a.username)])).toEqual(
      EXPECTED,
    );
    // Maëlle (line 4) is disabled but not moved, and the demo school moves leavers: that fails too.
    expect(out.failures).toBe(9);
    expect(out.problems).toHaveLength(1);
    const row = (line: number) => out.leavers.find((l) => l.line === line);
    expect(row(4)?.warnings).toEqual([
      `matched by name only: the roster row has no MIS id; write the id to ${out.idAttribute} on maelle.dupont`,
      'disabled but not moved to the leavers OU',
    ]);
    expect(row(8)?.reason).toBe(
      `no account holds ${out.idAttribute} A801200000099, and none unambiguously has this name.`,
    );
    expect(row(8)?.action).toMatch(/if the account was deleted, remove the row from the roster export/);
    // The NUL is escaped in the message; the raw JSON carries no control character either.
    expect(row(10)?.reason).toContain('*)(uid=*))(|(uid=*\\u0000');
    // eslint-disable-next-line no-control-regex
    expect(run.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
  });

  it('agrees row for row with the nightly audit (the engine reads the MIS id attribute too)', async () => {
    const decl = await declarationFor(d, `${kind}-agree`);
    // Inside the school's folder: the audit reads only files there (inventory/confine.ts).
    const rosterFile = join(dirname(decl), 'roster-agree.csv');
    await writeFile(rosterFile, csv([...HOSTILE_ROWS, BAD_ROW]));
    const run = await cli([decl, '--roster', rosterFile, '--as-of', '2026-09-01', '--format', 'json'], env);
    const out = JSON.parse(run.stdout) as {
      leavers: { line: number; failing: boolean }[];
    };
    // The audit, as the scheduler runs it: the engine's collectors on the same declaration and roster.
    const loaded = await loadSchool(decl);
    loaded.decl.lifecycle!.roster.file = rosterFile;
    const { facts } = await collectSchool(loaded, new Set(['directory', 'roster']), defaultCollectors, {
      env: { ...process.env, ...env },
    });
    const findings = leaversCheck.evaluate(
      facts,
      { graceDays: null, graceUnit: null, action: null },
      {
        decl: loaded.decl,
        now: '2026-09-01T12:00:00Z',
      },
    );
    const audit = new Map<number, string>();
    for (const f of findings) {
      const m = /roster line (\d+)|^Roster line (\d+)/i.exec(f.reason);
      if (m) audit.set(Number(m[1] ?? m[2]), f.status);
    }
    // Every leaver the command reports has one verdict in the audit, failing exactly when it fails.
    expect(Object.fromEntries(out.leavers.map((l) => [l.line, l.failing ? 'fail' : 'pass']))).toEqual(
      Object.fromEntries(
        [...audit]
          .filter(([line]) => out.leavers.some((l) => l.line === line))
          .map(([line, st]) => [line, st]),
      ),
    );
    expect([...audit.keys()].sort((a, b) => a - b)).toEqual(out.leavers.map((l) => l.line));
    // And the unreadable row is an error in the audit too, naming its line.
    expect(findings.filter((f) => f.status === 'error').map((f) => f.evidence[0]?.object)).toEqual([
      `${rosterFile}:15`,
    ]);
  });

  it('exits 1, not 0, when the only leaver cannot be matched', async () => {
    const decl = await declarationFor(d, `${kind}-unmatched`);
    const roster = join(scratch, `${kind}-unmatched.csv`);
    await writeFile(roster, csv([HOSTILE_ROWS[6] as string[]]));
    const run = await cli([decl, '--roster', roster, '--as-of', '2026-09-01'], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('line 2 (Poppy Ashdown): unmatched: no account holds');
  });

  it("reports every leaver on the demo school's own roster (exit 1: some are still enabled)", async () => {
    const decl = await declarationFor(d, `${kind}-demo`, {}, false);
    const run = await cli(
      [decl, '--roster', join(DEMO, 'roster.csv'), '--as-of', '2026-09-01', '--format', 'json'],
      env,
    );
    expect(run.code).toBe(1);
    const out = JSON.parse(run.stdout) as { leavers: { surname: string; state: string }[] };
    expect(Object.fromEntries(out.leavers.map((l) => [l.surname, l.state]))).toEqual({
      'Smith\\': 'disabled',
      Ashdown: 'unmatched',
      "D'Arcy": 'logged-on-after-leaving',
      Dupont: 'disabled',
      Fenwick: 'disabled',
      Marsh: 'enabled',
      Thornton: 'enabled-in-leavers-ou',
    });
  });

  it('exits 0 only when every leaver was found, disabled and (as the school declares) moved', async () => {
    const decl = await declarationFor(d, `${kind}-clean`);
    const roster = join(scratch, `${kind}-clean.csv`);
    await writeFile(roster, csv([HOSTILE_ROWS[4] as string[], HOSTILE_ROWS[5] as string[]]));
    const run = await cli([decl, '--roster', roster, '--as-of', '2026-09-01', '--format', 'json'], env);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as {
      failures: number;
      leavers: { state: string; matchedBy: string }[];
    };
    expect(out.failures).toBe(0);
    expect(out.leavers.map((l) => [l.state, l.matchedBy])).toEqual([
      ['disabled', 'id'],
      ['disabled', 'name'],
    ]);
    // Disabled but left in Pupils, where the school moves leavers: exit 1.
    await writeFile(roster, csv([HOSTILE_ROWS[2] as string[]]));
    expect((await cli([decl, '--roster', roster, '--as-of', '2026-09-01'], env)).code).toBe(1);
  });
});

describe('schoolnet leavers output formats and errors (one directory is enough)', () => {
  const d = dirs.openldap ?? dirs.ad;
  if (!d) throw new Error('no directory in the testbed');
  const env = { SCHOOLNET_TEST_DIRECTORY_PASSWORD: d.auditor.password };

  it('prints the same answer as a table and as formula-safe CSV', async () => {
    const decl = await declarationFor(d, 'formats');
    const roster = join(scratch, 'formats.csv');
    await writeFile(roster, csv(HOSTILE_ROWS));
    const table = await cli([decl, '--roster', roster, '--as-of', '2026-09-01'], env);
    expect(table.code).toBe(1);
    expect(table.stdout).toMatch(
      /^3\s+Liam D\u2019Arcy\s+-\s+2026-07-22\s+logged-on-after-leaving\s+liam\.darcy \[pupils\]\s+name$/m,
    );
    expect(table.stdout).toContain('*)(uid=*))(|(uid=*\\u0000');
    // eslint-disable-next-line no-control-regex
    expect(table.stdout).not.toMatch(/[\u0000-\u0009\u000b-\u001f]/);
    expect(table.stdout).toMatch(
      /^11 leavers as of 2026-09-01 \(MIS id in employee(ID|Number)\): 3 disabled, 1 enabled, 1 enabled in the leavers OU, 1 logged on after leaving, 5 unmatched, 0 ambiguous; 9 need action\.$/m,
    );
    const asCsv = await cli([decl, '--roster', roster, '--as-of', '2026-09-01', '--format', 'csv'], env);
    expect(asCsv.code).toBe(1);
    // Read back with an independent CSV parser (Python's csv module), as a spreadsheet would see it.
    const rows = JSON.parse(
      execFileSync('python3', ['-c', 'import csv,json,sys; print(json.dumps(list(csv.reader(sys.stdin))))'], {
        input: asCsv.stdout,
      }).toString(),
    ) as string[][];
    expect(rows[0]).toEqual([
      'line',
      'id',
      'account',
      'givenName',
      'surname',
      'role',
      'leavingDate',
      'state',
      'failing',
      'matchedBy',
      'accounts',
      'inLeaversOu',
      'withinGrace',
      'reason',
      'action',
      'warnings',
    ]);
    expect(rows).toHaveLength(EXPECTED.length + 1);
    expect(rows[4]?.slice(0, 13)).toEqual([
      '5',
      '',
      'RUBY.THORNTON@SCHOOL.TEST',
      'Ruby',
      'Thornton',
      'Pupil',
      '2026-07-22',
      'enabled-in-leavers-ou',
      'true',
      'account',
      'ruby.thornton',
      'true',
      'false',
    ]);
    const formula = rows.find((r) => r[0] === '11');
    expect(formula?.slice(1, 5)).toEqual([
      "'@SUM(1+1)",
      "'+cmd",
      "'-2+3",
      '\'=HYPERLINK("http://evil.example/","x")',
    ]);
    // No cell anywhere starts with a character a spreadsheet would evaluate.
    for (const r of rows) for (const c of r) expect(c).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('exits 2 and names the directory when it cannot be reached', async () => {
    const decl = await declarationFor(d, 'down', { url: d.auditor.url.replace(/:\d+$/, ':1') }, false);
    const run = await cli([decl, '--roster', join(DEMO, 'roster.csv')], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/E-REFUSED/);
    expect(run.stdout).toBe('');
  });

  it('exits 2 when the directory rejects the password', async () => {
    const decl = await declarationFor(d, 'auth', {}, false);
    const run = await cli([decl, '--roster', join(DEMO, 'roster.csv')], {
      SCHOOLNET_TEST_DIRECTORY_PASSWORD: 'not-the-password-1A',
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/E-AUTH/);
  });

  it('exits 2 on a malformed roster, listing every bad row with its line (the good ones still checked)', async () => {
    const decl = await declarationFor(d, 'bad-roster');
    const roster = join(scratch, 'bad.csv');
    await writeFile(
      roster,
      `${HEADER}\r\nMarsh,Ellie,Pupil,,ellie.marsh@school.test,02/09/2019,07/22/2026,\r\nShort,Row,Pupil\r\nThornton,Ruby,Pupil,,ruby.thornton@school.test,,22/07/26,\r\nFenwick,Isaac,Pupil,A801200000005,,,22/07/2026,\r\n`,
    );
    const run = await cli([decl, '--roster', roster, '--as-of', '2026-09-01', '--format', 'json'], env);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${roster}:2: Date of Leaving: 07/22/2026 is not a dd/mm/yyyy date (it looks like US month/day order)`,
    );
    expect(run.stderr).toContain(`${roster}:3: expected 8 fields as in the header, found 3`);
    expect(run.stderr).toContain(`${roster}:4: Date of Leaving: 22/07/26 has a two-digit year`);
    const out = JSON.parse(run.stdout) as { leavers: { line: number; state: string }[]; problems: string[] };
    expect(out.leavers.map((l) => [l.line, l.state])).toEqual([[5, 'disabled']]);
    expect(out.problems).toHaveLength(3);
  });

  it("exits 2 naming the missing column, not the directory's error, when a mapped column is missing", async () => {
    const decl = await declarationFor(d, 'no-column', { url: 'ldaps://127.0.0.1:1' });
    const roster = join(scratch, 'no-column.csv');
    await writeFile(
      roster,
      'Legal Surname,Legal Forename,Role,Date of Leaving\r\nMarsh,Ellie,Pupil,22/07/2026\r\n',
    );
    const run = await cli([decl, '--roster', roster], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/nothing was checked/);
    expect(run.stderr).toContain('column "Adno" (lifecycle.roster.columns.misId) is not in the header');
    // The directory URL is unreachable (the session connects while the roster is read): the roster's
    // problem is the answer, not E-REFUSED.
    expect(run.stderr).not.toMatch(/E-REFUSED/);
  });

  it('stops at once on an unreadable roster while the directory is still connecting, however long its timeout', async () => {
    // A directory that accepts the connection and never answers: waiting for it would outlast cli()'s
    // 60 s limit (the CLI's own budget is 10 minutes), and the run would end with no exit code.
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const port = (silent.address() as AddressInfo).port;
      const decl = await declarationFor(d, 'silent', { url: `ldaps://127.0.0.1:${port}` });
      const run = await cli([decl, '--roster', join(scratch, 'no-such-roster.csv'), '--timeout', '10m'], env);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/the roster cannot be read; nothing was checked/);
      expect(run.stderr).not.toMatch(/E-TIMEOUT/);
    } finally {
      silent.close();
    }
  });

  it('exits 3 naming the field when the declaration still uses the old id/idKind mapping', async () => {
    const decl = await declarationFor(d, 'old-form', {}, false);
    const old = parse(await readFile(decl, 'utf8')) as {
      lifecycle: { roster: { columns: Record<string, unknown> } };
    };
    const cols = old.lifecycle.roster.columns;
    delete cols['account'];
    Object.assign(cols, { id: 'UPN', idKind: 'upn' });
    await writeFile(decl, stringify(old));
    const run = await cli([decl, '--roster', join(DEMO, 'roster.csv')], env);
    expect(run.code).toBe(3);
    // Only the old keys are reported: no noise about the new ones.
    expect(run.stderr.trim().split('\n')).toHaveLength(2);
    expect(run.stderr).toMatch(
      /old-form\/school\.yaml:\d+:\d+: \/lifecycle\/roster\/columns\/id: "id" is the old form: name the MIS id column as misId/,
    );
  });

  it('exits 3 on usage errors (an unknown format, a missing declaration)', async () => {
    const decl = await declarationFor(d, 'usage');
    expect((await cli([decl, '--roster', join(DEMO, 'roster.csv'), '--format', 'xml'], env)).code).toBe(3);
    expect((await cli([join(scratch, 'missing.yaml'), '--roster', join(DEMO, 'roster.csv')], env)).code).toBe(
      3,
    );
  });
});
