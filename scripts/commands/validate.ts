/**
 * `schoolnet validate FILE...`: check school declarations and report every problem at once.
 */
import type { Command } from 'commander';
import { formatProblem, validateSchoolFile } from '../../inventory/load.ts';
import type { Problem } from '../../inventory/load.ts';

export interface FileResult {
  file: string;
  valid: boolean;
  problems: Problem[];
}

const HELP = `
Each problem is printed on its own line as
  FILE:LINE:COLUMN: /json/pointer: message
in file order (as given), then by line, followed by a summary line. A file that cannot be read
is reported as "FILE: cannot read the declaration: ...".

Checks: YAML syntax; the JSON Schema (inventory/schema/school.schema.json: unknown keys, types,
VLAN ids 1-4094, secrets only as env:NAME or file:PATH, RADIUS for *-eap SSIDs, an SSH host-key
pin for ssh-cli devices...); then cross-references: duplicate VLAN ids, network names, SSIDs and
device names, SSIDs or switch ports naming a network that does not exist, unknown RADIUS servers,
overlapping subnets, gateways outside their subnet, zone rules naming a role no network has, and
school.id differing from its folder name.

--json prints one object: { "files": [ { "file", "valid", "problems": [ { "file", "line",
"column", "pointer", "message" } ] } ] } (line and column are 1-based; 0 for an unreadable file).

Exit codes: 0 every file is valid, 1 at least one file is invalid or unreadable, 3 usage error.

Example:
  schoolnet validate inventory/schools/*/school.yaml`;

export async function validateFiles(files: string[]): Promise<FileResult[]> {
  const unique = [...new Set(files)];
  return Promise.all(
    unique.map(async (file) => {
      const problems = await validateSchoolFile(file);
      return { file, valid: problems.length === 0, problems };
    }),
  );
}

export function renderText(results: FileResult[]): string {
  const lines = results.flatMap((r) => r.problems.map(formatProblem));
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
    .description('Check school declarations (school.yaml) and report every problem with its line')
    .argument('<file...>', 'school declarations, e.g. inventory/schools/demo/school.yaml')
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
