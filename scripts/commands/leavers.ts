/**
 * `schoolnet leavers FILE --roster CSV [--as-of DATE] [--format table|json|csv]`: are last term's leavers
 * switched off? One paged dump of the directory's accounts, matched in memory against the roster
 * (checks/lib/leavers.ts, the audit's matcher too), so a 2,000-row roster costs the same directory work
 * as a 20-row one. Exit 0 only when every leaver was found and is disabled.
 */
import type { Command } from 'commander';
import { Option } from 'commander';
import { type CollectOptions, DeviceError } from '../../devices/errors.ts';
import type { DirectoryAccount } from '../../devices/facts.ts';
import { collectDirectoryAccounts } from '../../devices/ldap/collect.ts';
import { isFailing, type LeaversReport, leaversRelevance, matchLeavers } from '../../checks/lib/leavers.ts';
import { DeclarationError, formatProblem, loadSchool } from '../../inventory/load.ts';
import { formatRosterProblem, parseRosterDate, readRoster } from '../../inventory/roster.ts';
import { rosterIdAttribute } from '../../inventory/roster-id.ts';
import { escapeControls, safeJson, toCsv } from '../../inventory/csv.ts';
import { secretResolver } from '../../inventory/secrets.ts';
import type { Directory, Lifecycle, LoadedSchool } from '../../inventory/types.ts';
import { DURATION_HELP, durationMs } from './duration.ts';

const EXIT = { ok: 0, failures: 1, errors: 2, usage: 3 } as const;

const HELP = `
FILE is a school declaration (school.yaml) with a directory and lifecycle.roster: how to read the
school's MIS export (--roster, e.g. this term's export). A leaver is anyone whose leaving date is on or
before --as-of (default today).

Mapping an MIS export (lifecycle.roster.columns; each value is a column header in the export):
  misId               the stable MIS id: for pupils the Unique Pupil Number ("UPN" in an MIS export is
                      the Unique Pupil Number, never the userPrincipalName) or the admission number;
                      for staff the payroll number or staff code
  directoryAttribute  the directory attribute holding that id (not a column): employeeID in AD and
                      employeeNumber in OpenLDAP unless you name another; schoolnet's lifecycle writes
                      it when it creates or adopts an account
  account             optional: a column of usernames, e-mail addresses or userPrincipalNames
  givenName, surname, role, leavingDate (required), startDate, aupSigned (optional)
At least one of misId and account. There are no built-in presets for SIMS, Arbor or Bromcom: we found no
public documentation of their export columns to cite, so name the columns as your export writes them.
Examples (use your export's own headers):
  pupils by Unique Pupil Number:  columns: { misId: UPN, givenName: Legal Forename, ... }
  pupils by admission number:     columns: { misId: Adno, directoryAttribute: employeeNumber, ... }
  staff by staff code:            columns: { misId: Staff Code, directoryAttribute: extensionAttribute1, ... }
  account names only:             columns: { account: School Email, givenName: Forename, ... }

Matching, per leaver: the MIS id in directoryAttribute, else the account column, else the name (Unicode
NFKC, case folded, typographic and straight apostrophes, dashes and spaces the same, accents compared
with and without marks), and a name only when exactly one account and one roster person have it.
States:
  disabled                  switched off (a warning says so if not moved to the leavers OU)
  enabled                   still enabled
  enabled-in-leavers-ou     moved to the leavers OU but still enabled
  logged-on-after-leaving   the account was used after the leaving date
  unmatched                 no account found: fails, with the reason and what to do
  ambiguous                 more than one account or person could be meant: fails, with the candidates

--format json prints { asOf, roster, directory, idAttribute, leavers: [ { line, id, account?, givenName,
surname, role, leavingDate, state, matchedBy, accounts: [ { username, dn, enabled, ou, lastLogon?,
state } ], inLeaversOu, withinGrace, reason?, action?, warnings } ], counts, failures, problems }.
--format csv prints one row per leaver (cells that a spreadsheet would run as a formula are written as
text). Table and JSON show control characters as \\uXXXX.

Exit codes: 0 every leaver was found and is disabled (and in the leavers OU where lifecycle.leavers.action
is disable-and-move); 1 a leaver's account is still enabled, was used after leaving, was not moved, or
could not be matched unambiguously; 2 the roster has rows that could not be read
(each printed with its line; every other row is still checked and reported) or the directory could not
be read; 3 usage or declaration error.

Example:
  schoolnet leavers inventory/schools/demo/school.yaml --roster inventory/schools/demo/roster.csv --as-of 2026-09-01`;

interface Options {
  roster: string;
  asOf?: string;
  format: string;
  /** Directory read budget (ms). */
  timeout: number;
}

function fail(message: string, code: number): number {
  process.stderr.write(`schoolnet leavers: ${message}\n`);
  return code;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function renderTable(r: LeaversReport): string {
  const rows = r.leavers.map((l) =>
    [
      String(l.line),
      `${l.givenName} ${l.surname}`.trim() || '-',
      l.id || l.account || '-',
      l.leavingDate,
      l.state + (l.withinGrace ? ' (grace)' : ''),
      l.accounts.map((a) => `${a.username}${a.enabled ? '' : ' (off)'} [${a.ou}]`).join(', ') || '-',
      l.matchedBy,
    ].map(escapeControls),
  );
  const head = ['Line', 'Name', 'Id', 'Left', 'State', 'Accounts', 'Matched by'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const lines = [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
  const notes = r.leavers.flatMap((l) => {
    const who = escapeControls(`line ${l.line} (${`${l.givenName} ${l.surname}`.trim() || l.id})`);
    return [
      ...(l.reason
        ? [`${who}: ${l.state}: ${escapeControls(l.reason)} ${escapeControls(l.action ?? '')}`]
        : []),
      ...l.warnings.map((w) => `${who}: ${escapeControls(w)}`),
    ];
  });
  if (notes.length > 0) lines.push('', 'Notes:', ...notes.map((w) => `  ${w.trimEnd()}`));
  const c = r.counts;
  lines.push(
    '',
    `${r.leavers.length} leaver${r.leavers.length === 1 ? '' : 's'} as of ${r.asOf} (MIS id in ${r.idAttribute}): ` +
      `${c.disabled} disabled, ${c.enabled} enabled, ${c['enabled-in-leavers-ou']} enabled in the leavers OU, ` +
      `${c['logged-on-after-leaving']} logged on after leaving, ${c.unmatched} unmatched, ${c.ambiguous} ambiguous; ` +
      `${r.failures} need${r.failures === 1 ? 's' : ''} action.`,
  );
  return `${lines.join('\n')}\n`;
}

const CSV_HEADER = [
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
];

export function renderCsv(r: LeaversReport): string {
  return toCsv([
    CSV_HEADER,
    ...r.leavers.map((l) => [
      l.line,
      l.id,
      l.account ?? '',
      l.givenName,
      l.surname,
      l.role,
      l.leavingDate,
      l.state,
      isFailing(l),
      l.matchedBy,
      l.accounts.map((a) => a.username).join(' '),
      l.inLeaversOu,
      l.withinGrace,
      l.reason ?? '',
      l.action ?? '',
      l.warnings.join('; '),
    ]),
  ]);
}

/** A roster nothing can be read from (no file, a missing column): it checks nobody. */
function unreadable(roster: { problems: { line: number }[] }): boolean {
  return roster.problems.some((p) => p.line <= 1);
}

/**
 * The roster, and the directory's accounts that can meet it (with `opts.accountAttributes`). The roster is
 * parsed while the directory session connects and binds; the dump starts once it is in, keeping only
 * the accounts it can match. An unreadable roster drops the session at once: no accounts.
 */
export async function rosterAndAccounts(
  directory: Directory,
  rosterFile: string,
  roster: Lifecycle['roster'],
  opts: CollectOptions & { accountAttributes: string[] },
): Promise<{ roster: Awaited<ReturnType<typeof readRoster>>; accounts?: DirectoryAccount[] }> {
  const read = readRoster(rosterFile, roster);
  const keep = read.then((r) => {
    if (unreadable(r)) throw new Error('the roster cannot be read');
    return leaversRelevance(r.people);
  });
  const accounts = collectDirectoryAccounts(directory, opts, { keep });
  // Awaited below, after the roster: a directory failing meanwhile is not an unhandled rejection.
  accounts.catch(() => undefined);
  const r = await read;
  if (unreadable(r)) {
    // The session is dropped as soon as `keep` rejects; whatever the directory said does not matter.
    return { roster: r };
  }
  return { roster: r, accounts: await accounts };
}

export async function runLeavers(file: string, opts: Options): Promise<number> {
  if (!['table', 'json', 'csv'].includes(opts.format))
    return fail(`--format must be table, json or csv (got ${opts.format})`, EXIT.usage);
  const timeoutMs = opts.timeout;
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    return fail(`--timeout must be a positive duration (got ${opts.timeout} ms)`, EXIT.usage);
  let asOf = today();
  if (opts.asOf !== undefined) {
    const d = parseRosterDate(opts.asOf, 'auto');
    if (!d.ok || d.iso === undefined) return fail(`--as-of: ${d.ok ? 'empty date' : d.reason}`, EXIT.usage);
    asOf = d.iso;
  }
  let loaded: LoadedSchool;
  try {
    loaded = await loadSchool(file);
  } catch (e) {
    if (e instanceof DeclarationError) return fail(e.problems.map(formatProblem).join('\n'), EXIT.usage);
    throw e;
  }
  const { directory, lifecycle } = loaded.decl;
  if (!directory) return fail(`${file} declares no directory`, EXIT.usage);
  if (!lifecycle) return fail(`${file} declares no lifecycle.roster (the column mapping)`, EXIT.usage);

  const idAttribute = rosterIdAttribute(lifecycle, directory);
  let roster;
  let accounts;
  try {
    ({ roster, accounts } = await rosterAndAccounts(directory, opts.roster, lifecycle.roster, {
      resolveSecret: secretResolver(loaded.dir),
      timeoutMs,
      accountAttributes: [idAttribute],
    }));
  } catch (e) {
    if (e instanceof DeviceError)
      return fail(`${e.message} [${e.code}]${e.hint ? `\n  ${e.hint}` : ''}`, EXIT.errors);
    throw e;
  }
  const problems = roster.problems.map(formatRosterProblem);
  // A roster nothing can be read from (no file, a missing column) checks nobody: stop here.
  if (accounts === undefined)
    return fail(
      `the roster cannot be read; nothing was checked:\n${escapeControls(problems.join('\n'))}`,
      EXIT.errors,
    );
  const report = matchLeavers(roster.people, accounts, {
    asOf,
    idAttribute,
    graceDays: lifecycle.leavers.graceDays,
    action: lifecycle.leavers.action,
  });
  if (opts.format === 'json')
    process.stdout.write(
      `${safeJson({
        asOf,
        roster: opts.roster,
        directory: directory.url,
        idAttribute,
        leavers: report.leavers,
        counts: report.counts,
        failures: report.failures,
        problems,
      })}\n`,
    );
  else process.stdout.write(opts.format === 'csv' ? renderCsv(report) : renderTable(report));
  // Bad rows: every good row's result is above; the bad ones are errors naming their lines.
  if (problems.length > 0) {
    fail(
      `the roster has ${problems.length} row${problems.length === 1 ? '' : 's'} that could not be read and ${problems.length === 1 ? 'was' : 'were'} not checked (the other rows were):\n` +
        escapeControls(problems.join('\n')),
      EXIT.errors,
    );
    return EXIT.errors;
  }
  return report.failures > 0 ? EXIT.failures : EXIT.ok;
}

export function register(program: Command): void {
  program
    .command('leavers')
    .description("Check that leavers' directory accounts are disabled, against the MIS roster")
    .argument('<file>', 'school declaration, e.g. inventory/schools/demo/school.yaml')
    .requiredOption('--roster <csv>', 'roster CSV (MIS export) to read with the declared column mapping')
    .option('--as-of <date>', 'leavers are those who left on or before this date (yyyy-mm-dd or dd/mm/yyyy)')
    .option('--format <format>', 'table, json or csv', 'table')
    .addOption(
      new Option('--timeout <duration>', 'budget for reading the directory')
        .argParser(durationMs(1))
        .default(60_000, '60s'),
    )
    .addHelpText('after', HELP)
    .addHelpText('after', `\nDurations: ${DURATION_HELP}.`)
    .action(async (file: string, opts: Options) => {
      process.exitCode = await runLeavers(file, opts);
    });
}
