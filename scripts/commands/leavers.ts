/**
 * `schoolnet leavers FILE --roster CSV [--as-of DATE] [--format table|json|csv]`: are last term's leavers
 * switched off? One paged dump of the directory's accounts, matched in memory against the roster
 * (checks/lib/leavers.ts), so a 2,000-row roster costs the same directory work as a 20-row one.
 */
import type { Command } from 'commander';
import { stringify } from 'csv-stringify/sync';
import { DeviceError } from '../../devices/errors.ts';
import { collectDirectoryAccounts } from '../../devices/ldap/collect.ts';
import { isFailing, type LeaversReport, matchLeavers } from '../../checks/lib/leavers.ts';
import { DeclarationError, formatProblem, loadSchool } from '../../inventory/load.ts';
import { formatRosterProblem, parseRosterDate, readRoster } from '../../inventory/roster.ts';
import { secretResolver } from '../../inventory/secrets.ts';
import type { LoadedSchool } from '../../inventory/types.ts';

const EXIT = { ok: 0, failures: 1, errors: 2, usage: 3 } as const;

const HELP = `
FILE is a school declaration (school.yaml) with a directory and lifecycle.roster (the column mapping
and date format; --roster names the CSV to read, e.g. this term's MIS export). A leaver is anyone whose
leaving date is on or before --as-of (default today). Each is matched to accounts by the declared id
(lifecycle.roster.columns.idKind: employee, upn, email or uid), else by exact forename + surname with a
warning. States:
  disabled                  switched off (a warning says so if not moved to the leavers OU)
  enabled                   still enabled
  enabled-in-leavers-ou     moved to the leavers OU but still enabled
  logged-on-after-leaving   the account was used after the leaving date
  not-found                 no account by id or name (a warning says which)

--format json prints { asOf, roster, directory, leavers: [ { line, id, givenName, surname, role,
leavingDate, state, matchedBy, accounts: [ { username, dn, enabled, ou, lastLogon?, state } ],
inLeaversOu, withinGrace, warnings } ], counts, failures }. --format csv prints one row per leaver.

Exit codes: 0 every leaver is disabled (or not found), 1 a leaver's account is still enabled or was
used after leaving, 2 the roster has problems (each printed with its line) or the directory could not
be read, 3 usage or declaration error.

Example:
  schoolnet leavers inventory/schools/demo/school.yaml --roster inventory/schools/demo/roster.csv --as-of 2026-09-01`;

interface Options {
  roster: string;
  asOf?: string;
  format: string;
  timeout: string;
}

function fail(message: string, code: number): number {
  process.stderr.write(`schoolnet leavers: ${message}\n`);
  return code;
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}

export function renderTable(r: LeaversReport): string {
  const rows = r.leavers.map((l) => [
    String(l.line),
    `${l.givenName} ${l.surname}`,
    l.id || '-',
    l.leavingDate,
    l.state + (l.withinGrace ? ' (grace)' : ''),
    l.accounts.map((a) => `${a.username}${a.enabled ? '' : ' (off)'} [${a.ou}]`).join(', ') || '-',
    l.matchedBy,
  ]);
  const head = ['Line', 'Name', 'Id', 'Left', 'State', 'Accounts', 'Matched by'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const fmt = (row: string[]) =>
    row
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const lines = [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...rows.map(fmt)];
  const warnings = r.leavers.flatMap((l) =>
    l.warnings.map((w) => `line ${l.line} (${l.givenName} ${l.surname}): ${w}`),
  );
  if (warnings.length > 0) lines.push('', 'Warnings:', ...warnings.map((w) => `  ${w}`));
  const c = r.counts;
  lines.push(
    '',
    `${r.leavers.length} leaver${r.leavers.length === 1 ? '' : 's'} as of ${r.asOf}: ${c.disabled} disabled, ${c.enabled} enabled, ` +
      `${c['enabled-in-leavers-ou']} enabled in the leavers OU, ${c['logged-on-after-leaving']} logged on after leaving, ` +
      `${c['not-found']} not found; ${r.failures} need${r.failures === 1 ? 's' : ''} action.`,
  );
  return `${lines.join('\n')}\n`;
}

export function renderCsv(r: LeaversReport): string {
  return stringify(
    r.leavers.map((l) => ({
      line: l.line,
      id: l.id,
      givenName: l.givenName,
      surname: l.surname,
      role: l.role,
      leavingDate: l.leavingDate,
      state: l.state,
      failing: isFailing(l),
      matchedBy: l.matchedBy,
      accounts: l.accounts.map((a) => a.username).join(' '),
      inLeaversOu: l.inLeaversOu,
      withinGrace: l.withinGrace,
      warnings: l.warnings.join('; '),
    })),
    { header: true, cast: { boolean: (b) => (b ? 'true' : 'false') } },
  );
}

export async function runLeavers(file: string, opts: Options): Promise<number> {
  if (!['table', 'json', 'csv'].includes(opts.format))
    return fail(`--format must be table, json or csv (got ${opts.format})`, EXIT.usage);
  const timeoutMs = Number(opts.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0)
    return fail(`--timeout must be a positive number of milliseconds (got ${opts.timeout})`, EXIT.usage);
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

  const roster = await readRoster(opts.roster, lifecycle.roster);
  if (roster.problems.length > 0)
    return fail(
      `the roster has ${roster.problems.length} problem${roster.problems.length === 1 ? '' : 's'}; nothing was checked:\n` +
        roster.problems.map(formatRosterProblem).join('\n'),
      EXIT.errors,
    );

  let accounts;
  try {
    accounts = await collectDirectoryAccounts(directory, {
      resolveSecret: secretResolver(loaded.dir),
      timeoutMs,
    });
  } catch (e) {
    if (e instanceof DeviceError)
      return fail(`${e.message} [${e.code}]${e.hint ? `\n  ${e.hint}` : ''}`, EXIT.errors);
    throw e;
  }
  const report = matchLeavers(roster.people, accounts, {
    asOf,
    idKind: lifecycle.roster.columns.idKind,
    graceDays: lifecycle.leavers.graceDays,
  });
  if (opts.format === 'json')
    process.stdout.write(
      `${JSON.stringify(
        {
          asOf,
          roster: opts.roster,
          directory: directory.url,
          leavers: report.leavers,
          counts: report.counts,
          failures: report.failures,
        },
        null,
        2,
      )}\n`,
    );
  else process.stdout.write(opts.format === 'csv' ? renderCsv(report) : renderTable(report));
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
    .option('--timeout <ms>', 'budget for reading the directory', '60000')
    .addHelpText('after', HELP)
    .action(async (file: string, opts: Options) => {
      process.exitCode = await runLeavers(file, opts);
    });
}
