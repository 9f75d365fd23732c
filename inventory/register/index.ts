/**
 * The school's register, read from the files its declaration names (`inventory.assets`, `software`,
 * `licences`, `installs`; CSV or XLSX, relative to the school folder) into `RegisterFacts`. The audit
 * engine's collector calls `loadRegister`; any problem in any file stops the load with every problem
 * listed (a register read in part would make reconciliation report devices as unknown that are not).
 */
import { basename, resolve } from 'node:path';
import { confinedFile } from '../confine.ts';
import type { RegisterFacts } from '../facts.ts';
import type { LoadedSchool } from '../types.ts';
import { SpreadsheetError, streamTableLines } from './cells.ts';
import type { ColumnMapping, TableName } from './columns.ts';
import { formatRegisterProblem, parseTable, TableReader } from './parse.ts';
import type { ParseOptions, RegisterProblem, TableParse } from './parse.ts';

export { formatRegisterProblem } from './parse.ts';
export type { RegisterProblem } from './parse.ts';

export class RegisterError extends Error {
  readonly problems: RegisterProblem[];
  constructor(problems: RegisterProblem[]) {
    super(
      `the register has ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n` +
        problems.map(formatRegisterProblem).join('\n'),
    );
    this.name = 'RegisterError';
    this.problems = problems;
  }
}

export const TABLE_NAMES: readonly TableName[] = ['assets', 'software', 'licences', 'installs'];

/**
 * Reads one register file, streamed row by row into the parser; unreadable files become a problem at
 * row 1, never an exception. Every caller applies the records only when the whole file has no problem.
 */
export async function readRegisterFile<N extends TableName>(
  path: string,
  name: N,
  opts: ParseOptions & { file?: string; sheet?: string } = {},
): Promise<ReturnType<typeof parseTable<N>>> {
  let reader: TableReader<N> | undefined;
  try {
    // Row by row into the reader: only the records are kept, never the file's rows.
    await streamTableLines(path, opts, (src) => (reader = new TableReader(name, src, opts)));
    if (reader === undefined)
      throw new SpreadsheetError(opts.file ?? basename(path), 'the file is empty (no header row)');
    return reader.finish();
  } catch (e) {
    if (!(e instanceof SpreadsheetError)) throw e;
    const empty: TableParse<never> = {
      records: [],
      rows: [],
      problems: [{ file: e.file, row: 1, message: e.message.slice(e.file.length + 2) }],
      warnings: [],
    };
    return empty as ReturnType<typeof parseTable<N>>;
  }
}

export interface LoadRegisterOptions {
  /** Column mappings per table, when a school's spreadsheets use their own headers. */
  columns?: Partial<Record<TableName, ColumnMapping>>;
  /** The audit keeps incomplete disposal records so a check can report them; import refuses them. */
  disposal?: 'reject' | 'keep';
}

/** The register the declaration names; tables it does not name are empty. */
export async function loadRegister(
  loaded: LoadedSchool,
  opts: LoadRegisterOptions = {},
): Promise<RegisterFacts> {
  const inv = loaded.decl.inventory;
  const facts: RegisterFacts = { assets: [], software: [], licences: [], installs: [] };
  if (inv === undefined) return facts;
  const problems: RegisterProblem[] = [];
  for (const name of TABLE_NAMES) {
    const rel = inv[name];
    if (rel === undefined) continue;
    let path: string;
    try {
      path = await confinedFile(resolve(loaded.dir, rel), [loaded.dir], `inventory.${name}`);
    } catch (e) {
      problems.push({ file: rel, row: 0, message: (e as Error).message });
      continue;
    }
    const parsed = await readRegisterFile(path, name, {
      file: rel,
      disposal: opts.disposal ?? 'keep',
      ...(opts.columns?.[name] === undefined ? {} : { columns: opts.columns[name] }),
    });
    problems.push(...parsed.problems);
    (facts[name] as unknown[]) = parsed.records;
  }
  if (problems.length > 0) throw new RegisterError(problems);
  return facts;
}
