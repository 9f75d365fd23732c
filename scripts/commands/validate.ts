/**
 * `schoolnet validate PATH...`: check school declarations, clause maps, waivers, rosters and register
 * files, or whole school folders, and report every problem at once (checks/engine/validate.ts).
 */
import type { Command } from 'commander';
import { validatePaths } from '../../checks/engine/validate.ts';
import type { FileResult } from '../../checks/engine/validate.ts';
import { formatProblem } from '../../inventory/load.ts';

export type { FileResult } from '../../checks/engine/validate.ts';

const HELP = `
PATH is a file or a school's folder (inventory/schools/<school>/), or a folder of school folders.
A folder is checked whole: its school.yaml, then every file the declaration names (the clause map, the
waivers file, the roster, the register files) - what \`schoolnet audit\` and \`schoolnet apply\` refuse.

A file given on its own is recognised by its content (a clause map has "clauses:", a waivers file
"waivers:", a school declaration a "school:" mapping) or else by its name (school.yaml, policy.yaml,
waivers.yaml); a CSV or XLSX file by the school.yaml beside it, which names it as the roster or a
register table. A file that cannot be recognised is a problem, never a guess.

Each problem is printed on its own line as
  FILE:LINE:COLUMN: /json/pointer: message
(for a spreadsheet the field is its column: FILE:ROW:COLUMN: column "Header": message), in file order,
then by line, followed by a summary line. A file that cannot be read is "FILE: cannot read ...".
Roster rows the audit reports as findings (not refusals) are printed as warnings.

Checks: school.yaml - YAML syntax; the JSON Schema (inventory/schema/school.schema.json: unknown keys,
types, VLAN ids 1-4094, secrets only as env:NAME or file:PATH, RADIUS for *-eap SSIDs, an SSH host-key
pin for ssh-cli devices...); cross-references: duplicate VLAN ids, network names, SSIDs and device
names, SSIDs or switch ports naming a network that does not exist, unknown RADIUS servers, overlapping
subnets, gateways outside their subnet, zone rules naming a role no network has, and school.id
differing from its folder name. The clause map - its schema, clause ids, controls the catalogue
(checks/catalog/controls.json) does not know, params naming an unknown check or failing that check's
schema. Waivers - schema, real dates, unknown checks and controls. The roster - the declared columns
(lifecycle.roster.columns) against its header row. Register files - every row.

--json prints one object: { "files": [ { "file", "kind", "valid", "problems": [ { "file", "line",
"column", "pointer", "message" } ], "warnings"? } ] } (line and column are 1-based; 0 for an unreadable
file; kind is school, policy, waivers, roster or register, absent when unrecognised).

Exit codes: 0 every file is valid, 1 at least one file is invalid or unreadable, 3 usage error.

Example:
  schoolnet validate inventory/schools/*/school.yaml
  schoolnet validate inventory/schools/croft-prep/ inventory/schools/demo/policy.yaml`;

export async function validateFiles(files: string[]): Promise<FileResult[]> {
  return validatePaths([...new Set(files)]);
}

export function renderText(results: FileResult[]): string {
  const lines = results.flatMap((r) => [
    ...r.problems.map(formatProblem),
    ...(r.warnings ?? []).map((w) => formatProblem({ ...w, message: `warning: ${w.message}` })),
  ]);
  const invalid = results.filter((r) => !r.valid).length;
  const problems = results.reduce((n, r) => n + r.problems.length, 0);
  const files = `${results.length} file${results.length === 1 ? '' : 's'}`;
  lines.push(
    invalid === 0
      ? `${files} valid`
      : `${files} checked: ${results.length - invalid} valid, ${invalid} invalid, ${problems} problem${problems === 1 ? '' : 's'}`,
  );
  return `${lines.join('\n')}\n`;
}

export function register(program: Command): void {
  program
    .command('validate')
    .description(
      'Check school declarations, clause maps, waivers, rosters and registers, or whole school folders; every problem with its line',
    )
    .argument('<file...>', 'files or school folders, e.g. inventory/schools/demo/ or .../demo/policy.yaml')
    .option('--json', 'print the results as one JSON object')
    .addHelpText('after', HELP)
    .action(async (files: string[], opts: { json?: boolean }) => {
      const results = await validateFiles(files);
      process.stdout.write(
        opts.json ? `${JSON.stringify({ files: results }, null, 2)}\n` : renderText(results),
      );
      process.exitCode = results.every((r) => r.valid) ? 0 : 1;
    });
}
