/**
 * `schoolnet inventory import|export|reconcile FILE ...`: a school's asset and licence register.
 *   import     reads a spreadsheet (CSV or XLSX, the school's own headers through --map) and, when every
 *              row reads cleanly, writes it over the register file the declaration names;
 *   export     writes a register table to CSV or XLSX for editing;
 *   reconcile  judges the register against the live estate (collected now, read-only) or facts saved
 *              from an earlier run (--facts), with the inventory checks the audit uses.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import type { SchoolFacts } from '../../devices/facts.ts';
import { collectSchool } from '../../checks/engine/collect.ts';
import { defaultCollectors } from '../../checks/engine/inputs.ts';
import { resolveParams } from '../../checks/lib/params.ts';
import { allChecks } from '../../checks/registry.ts';
import type { CheckResult, FactNeed } from '../../checks/types.ts';
import { DeclarationError, formatProblem, loadSchool } from '../../inventory/load.ts';
import { parseMapping } from '../../inventory/register/columns.ts';
import type { ColumnMapping, TableName } from '../../inventory/register/columns.ts';
import {
  formatRegisterProblem,
  loadRegister,
  readRegisterFile,
  RegisterError,
  TABLE_NAMES,
} from '../../inventory/register/index.ts';
import { writeTable } from '../../inventory/register/write.ts';
import type { LoadedSchool } from '../../inventory/types.ts';
import { DURATION_HELP, durationMs } from './duration.ts';

const EXIT = { ok: 0, failures: 1, errors: 2, usage: 3 } as const;

function say(message: string): void {
  process.stderr.write(`schoolnet inventory: ${message}\n`);
}

async function school(file: string): Promise<LoadedSchool | number> {
  try {
    const loaded = await loadSchool(file);
    if (loaded.decl.inventory === undefined) {
      say(`${file} declares no inventory (the register files and thresholds)`);
      return EXIT.usage;
    }
    return loaded;
  } catch (e) {
    if (e instanceof DeclarationError) {
      say(e.problems.map(formatProblem).join('\n'));
      return EXIT.usage;
    }
    throw e;
  }
}

function registerPath(loaded: LoadedSchool, table: TableName): string | undefined {
  const rel = loaded.decl.inventory?.[table];
  if (rel === undefined) return undefined;
  return isAbsolute(rel) ? rel : resolve(loaded.dir, rel);
}

interface ImportOptions {
  table: TableName;
  from: string;
  sheet?: string;
  map: string[];
  headerRow?: string;
  keepColumns?: boolean;
  dryRun?: boolean;
}

export async function runImport(file: string, o: ImportOptions): Promise<number> {
  const loaded = await school(file);
  if (typeof loaded === 'number') return loaded;
  const target = registerPath(loaded, o.table);
  if (target === undefined) {
    say(`${file} names no inventory.${o.table} file to import into; add one (e.g. ${o.table}.csv)`);
    return EXIT.usage;
  }
  let columns: ColumnMapping;
  try {
    columns = parseMapping(o.table, o.map);
  } catch (e) {
    say((e as Error).message);
    return EXIT.usage;
  }
  if (o.headerRow !== undefined && !/^[1-9]\d{0,6}$/.test(o.headerRow)) {
    say(`--header-row ${o.headerRow}: expected the spreadsheet row number of the header (1, 2, ...)`);
    return EXIT.usage;
  }
  const parsed = await readRegisterFile(o.from, o.table, {
    columns,
    disposal: 'reject',
    ...(o.headerRow === undefined ? {} : { headerRow: Number(o.headerRow) }),
    ...(o.keepColumns === true ? { extraColumns: 'keep' as const } : {}),
    ...(o.sheet === undefined ? {} : { sheet: o.sheet }),
  });
  for (const w of parsed.warnings) say(`warning: ${w}`);
  if (parsed.problems.length > 0) {
    say(
      `${parsed.problems.length} problem${parsed.problems.length === 1 ? '' : 's'}; nothing was imported:\n` +
        parsed.problems.map(formatRegisterProblem).join('\n'),
    );
    return EXIT.errors;
  }
  if (o.dryRun !== true) await writeTable(target, o.table, parsed.records);
  process.stdout.write(
    `${o.dryRun === true ? 'would import' : 'imported'} ${parsed.records.length} ${o.table} row${parsed.records.length === 1 ? '' : 's'} into ${target}\n`,
  );
  return EXIT.ok;
}

interface ExportOptions {
  table: TableName;
  to: string;
}

export async function runExport(file: string, o: ExportOptions): Promise<number> {
  const loaded = await school(file);
  if (typeof loaded === 'number') return loaded;
  const source = registerPath(loaded, o.table);
  if (source === undefined) {
    say(`${file} names no inventory.${o.table} file`);
    return EXIT.usage;
  }
  // Columns a school kept on import (Notes) are exported with the rest.
  const parsed = await readRegisterFile(source, o.table, { disposal: 'keep', extraColumns: 'keep' });
  if (parsed.problems.length > 0) {
    say(parsed.problems.map(formatRegisterProblem).join('\n'));
    return EXIT.errors;
  }
  await writeTable(o.to, o.table, parsed.records);
  process.stdout.write(`exported ${parsed.records.length} ${o.table} rows to ${o.to}\n`);
  return EXIT.ok;
}

interface ReconcileOptions {
  facts?: string;
  saveFacts?: string;
  now?: string;
  format: 'table' | 'json';
  timeout?: number;
}

const INVENTORY_CHECKS = allChecks.filter((c) => c.meta.needs.includes('register'));

export async function runReconcile(file: string, o: ReconcileOptions): Promise<number> {
  const loaded = await school(file);
  if (typeof loaded === 'number') return loaded;
  const now = o.now ?? new Date().toISOString();
  let facts: SchoolFacts;
  try {
    if (o.facts !== undefined) facts = JSON.parse(await readFile(o.facts, 'utf8')) as SchoolFacts;
    else {
      const needs = new Set<FactNeed>(INVENTORY_CHECKS.flatMap((c) => c.meta.needs));
      needs.delete('register');
      const outcome = await collectSchool(loaded, needs, defaultCollectors, {
        ...(o.timeout === undefined ? {} : { timeoutMs: o.timeout }),
      });
      facts = outcome.facts;
      if (o.saveFacts !== undefined)
        // Port counters are bigints; the inventory checks never read them, so text is enough.
        await writeFile(
          o.saveFacts,
          JSON.stringify(facts, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2),
        );
    }
    facts = { ...facts, register: await loadRegister(loaded) };
  } catch (e) {
    if (e instanceof RegisterError) {
      say(e.message);
      return EXIT.errors;
    }
    if (e instanceof SyntaxError || (e as NodeJS.ErrnoException).code === 'ENOENT') {
      say(`--facts ${o.facts}: ${(e as Error).message}`);
      return EXIT.usage;
    }
    throw e;
  }
  const results: (CheckResult & { checkId: string })[] = [];
  for (const check of INVENTORY_CHECKS) {
    const p = resolveParams(check, {});
    if (!p.ok) throw new Error(p.errors.join('; '));
    for (const r of check.evaluate(facts, p.params, { decl: loaded.decl, now }))
      results.push({ checkId: check.meta.id, ...r });
  }
  if (o.format === 'json')
    process.stdout.write(`${JSON.stringify({ school: loaded.decl.school.id, now, results }, null, 2)}\n`);
  else
    for (const r of results)
      process.stdout.write(`${r.status.toUpperCase().padEnd(14)} ${r.checkId.padEnd(38)} ${r.reason}\n`);
  if (results.some((r) => r.status === 'error')) return EXIT.errors;
  return results.some((r) => r.status === 'fail') ? EXIT.failures : EXIT.ok;
}

const tableOption = () =>
  new Option('--table <table>', 'register table').choices([...TABLE_NAMES]).makeOptionMandatory();

const collect = (v: string, prev: string[]) => [...prev, v];

export function register(program: Command): void {
  const inv = program
    .command('inventory')
    .description("The school's asset and licence register: import, export, reconcile with the live estate.");
  inv
    .command('import')
    .description("Import a spreadsheet (CSV or XLSX) into the school's register file")
    .argument('<file>', 'school declaration (school.yaml)')
    .addOption(tableOption())
    .requiredOption('--from <spreadsheet>', 'the CSV or XLSX file to read')
    .option('--sheet <name>', 'XLSX worksheet (default: the first)')
    .option(
      '--map <field=Header>',
      'your header for a field, e.g. purchaseDate="Bought" (repeatable)',
      collect,
      [],
    )
    .option(
      '--header-row <n>',
      'the row the header is on (default: the first row that has the required columns; rows above are titles)',
    )
    .option(
      '--keep-columns',
      'keep columns that are not part of the register (e.g. Notes) in the register file and its exports',
    )
    .option('--dry-run', 'check the spreadsheet without writing')
    .addHelpText(
      'after',
      '\nEvery row that cannot be read is listed with its file, sheet, row and column, and nothing is\n' +
        'imported until all read cleanly. Dates may be dd/mm/yyyy or yyyy-mm-dd.\n' +
        'Installation counts: see docs/installs-import.md. Exit codes: 0 imported, 2 problems, 3 usage.',
    )
    .action(async (file: string, o: ImportOptions) => {
      process.exitCode = await runImport(file, o);
    });
  inv
    .command('export')
    .description('Export a register table to CSV or XLSX')
    .argument('<file>', 'school declaration (school.yaml)')
    .addOption(tableOption())
    .requiredOption('--to <path>', 'output file, .csv or .xlsx')
    .action(async (file: string, o: ExportOptions) => {
      process.exitCode = await runExport(file, o);
    });
  inv
    .command('reconcile')
    .description('Judge the register against the live estate (read-only) or saved facts')
    .argument('<file>', 'school declaration (school.yaml)')
    .option('--facts <json>', 'facts saved from an earlier run (--save-facts) instead of collecting now')
    .option('--save-facts <json>', 'keep the facts collected now for a later --facts')
    .option('--now <iso>', 'judge as of this time (last seen, end of support, expiry)')
    .addOption(new Option('--format <format>', 'output').choices(['table', 'json']).default('table'))
    .option('--timeout <duration>', 'per-device time budget', durationMs(1))
    .addHelpText(
      'after',
      `\nDurations: ${DURATION_HELP}.\n` +
        'Exit codes: 0 no failures, 1 failures, 2 errors (a device or the register unreadable), 3 usage.',
    )
    .action(async (file: string, o: ReconcileOptions) => {
      process.exitCode = await runReconcile(file, o);
    });
}
