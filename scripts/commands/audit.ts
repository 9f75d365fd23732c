/**
 * `schoolnet audit FILE... | --all DIR`: audit schools read-only, keep each run in the results store,
 * and print a summary (or the run in a machine format). Exit codes (the CLI contract): 0 no failures,
 * 1 failures, 2 errors or an incomplete run, 3 usage or configuration error. With several schools the
 * worst code wins; one school's failure never stops the others.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { auditFleet } from '../../checks/engine/fleet.ts';
import type { FleetResult } from '../../checks/engine/fleet.ts';
import { openStore, storeHelp, storeTarget } from '../../checks/engine/store.ts';
import type { ResultsStore } from '../../checks/engine/store.ts';
import { summarise } from '../../checks/engine/summary.ts';
import { schoolRefusal } from '../../checks/engine/validate.ts';
import type { AuditRun } from '../../checks/engine/types.ts';
import { DeclarationError, formatProblem, loadSchool, loadSchoolsDir } from '../../inventory/load.ts';
import { FleetProgress, summaryTable } from '../schedule/progress.ts';
import type { ProgressSink } from '../schedule/progress.ts';
import type { LoadedSchool } from '../../inventory/types.ts';
import { renderRun } from '../../reports/index.ts';
import { DURATION_HELP, durationMs } from './duration.ts';

export type Format = 'summary' | 'json' | 'junit' | 'csv' | 'html';
const EXT: Record<Exclude<Format, 'summary'>, string> = {
  json: 'json',
  junit: 'xml',
  csv: 'csv',
  html: 'html',
};

export interface AuditCliOptions {
  all?: string;
  format: Format;
  out?: string;
  store?: string;
  now?: Date;
  concurrency: number;
  schools: number;
  /** Per-device budget (ms). */
  timeout?: number;
  /** Overall budget per school (ms); over it the school is an error and the others go on. */
  schoolTimeout?: number;
}

export interface Io {
  out(text: string): void;
  err(text: string): void;
  /** Where the fleet progress goes (default stderr, a bar when it is a terminal). */
  progress?: ProgressSink;
}

const stderrSink = (): ProgressSink => ({
  write: (t) => process.stderr.write(t),
  isTTY: process.stderr.isTTY,
  columns: process.stderr.columns,
});

const stdio: Io = {
  out: (t) => process.stdout.write(t.endsWith('\n') ? t : `${t}\n`),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

type Renderer = (
  run: AuditRun,
  format: string,
  opts?: { store?: ResultsStore },
) => string | Uint8Array | Promise<string | Uint8Array>;

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return n;
};

const isoTime = (v: string): Date => {
  const t = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (Number.isNaN(t))
    throw new InvalidArgumentError('must be an ISO date or date-time, e.g. 2025-11-24T01:30:00Z');
  return new Date(t);
};

/** A declaration's first problem, for its row of the summary table (all of them go to stderr). */
function firstProblem(e: DeclarationError): string {
  const [first, ...rest] = e.problems;
  if (first === undefined) return e.message;
  return `${formatProblem(first)}${rest.length > 0 ? ` (and ${rest.length} more)` : ''}`;
}

/** Audits the files and/or every school under `all`; returns the exit code. */
export async function runAuditCommand(
  files: string[],
  opts: AuditCliOptions,
  io: Io = stdio,
): Promise<number> {
  if (files.length === 0 && opts.all === undefined) {
    io.err('schoolnet audit: name a declaration (school.yaml) or --all DIR');
    return 3;
  }
  let render: Renderer | undefined;
  if (opts.format !== 'summary' && opts.format !== 'json') {
    render = renderRun;
  }
  const codes: number[] = [];
  const schools: LoadedSchool[] = [];
  // Declarations that could not be loaded: still rows of the summary table, with the reason.
  const invalid: FleetResult[] = [];
  const notLoaded = (file: string, reason: string): void => {
    codes.push(3);
    invalid.push({ school: basename(dirname(resolve(file))), file, code: 3, error: reason, ms: 0 });
  };
  for (const f of files) {
    try {
      schools.push(await loadSchool(f));
    } catch (e) {
      const message = e instanceof DeclarationError ? e.message : `${f}: ${(e as Error).message}`;
      notLoaded(f, e instanceof DeclarationError ? firstProblem(e) : (e as Error).message);
      io.err(message);
    }
  }
  if (opts.all !== undefined) {
    try {
      const dir = await loadSchoolsDir(opts.all);
      schools.push(...dir.schools);
      for (const e of dir.errors) {
        notLoaded(e.file, firstProblem(e));
        io.err(`${e.file}: not audited:\n${e.problems.map(formatProblem).join('\n')}`);
      }
    } catch (e) {
      io.err(`schoolnet audit: cannot read --all ${opts.all}: ${(e as Error).message}`);
      return 3;
    }
  }
  // What `schoolnet validate` refuses, the audit refuses, before contacting anything or opening the store.
  for (const s of [...schools]) {
    const problems = await schoolRefusal(s, relative(process.cwd(), s.dir) || '.');
    if (problems.length === 0) continue;
    schools.splice(schools.indexOf(s), 1);
    notLoaded(s.file, firstProblem(new DeclarationError(s.file, problems)));
    io.err(`${s.file}: not audited:\n${problems.map(formatProblem).join('\n')}`);
  }
  if (schools.length === 0) {
    // Nothing to audit: no store file is created; several schools still get their summary table.
    const rows = [...invalid].sort((a, b) => a.file.localeCompare(b.file));
    if (rows.length > 1 && opts.format === 'summary')
      io.out(`\n${summaryTable(rows, Math.max(0, ...codes))}`);
    return Math.max(0, ...codes);
  }
  let store: ResultsStore;
  try {
    store = openStore(storeTarget(opts.store));
  } catch (e) {
    io.err(`schoolnet audit: ${(e as Error).message}`);
    return 3;
  }
  const runs: AuditRun[] = [];
  try {
    // Several schools: a progress bar on a terminal (plain lines otherwise) on stderr, the per-school
    // summaries as before on stdout, then a summary table.
    const many = schools.length + invalid.length > 1 && opts.format === 'summary';
    const progress = many ? new FleetProgress(io.progress ?? stderrSink(), schools.length) : undefined;
    const results = await auditFleet(schools, {
      store,
      concurrency: opts.concurrency,
      schools: opts.schools,
      ...(opts.schoolTimeout === undefined ? {} : { schoolTimeoutMs: opts.schoolTimeout }),
      ...(opts.now === undefined ? {} : { now: opts.now }),
      ...(opts.timeout === undefined ? {} : { timeoutMs: opts.timeout }),
      onStart: (s) => progress?.start(s.decl.school.id),
      onDone: (r) => {
        codes.push(r.code);
        // On a terminal the bar is cleared before a school's output and redrawn after it.
        progress?.clear();
        if (r.run === undefined) io.err(`${r.file}: not audited: ${r.error ?? 'unknown error'}`);
        else if (opts.format === 'summary') io.out(summarise(r.run, { storePath: store.path }));
        progress?.done(r);
      },
    });
    progress?.end();
    for (const r of results) if (r.run !== undefined) runs.push(r.run);
    // Every school named, audited or not; the table's exit code is the one returned.
    const rows = [...results, ...invalid].sort((a, b) => a.file.localeCompare(b.file));
    if (many) io.out(`\n${summaryTable(rows, Math.max(0, ...codes))}`);
    // Nothing audited because of errors: say nothing on stdout rather than an empty result.
    const nothing = runs.length === 0 && codes.length > 0;
    if (opts.format !== 'summary' && !nothing) await emit(runs, opts, render, store, io);
  } finally {
    store.close();
  }
  return Math.max(0, ...codes);
}

async function emit(
  runs: AuditRun[],
  opts: AuditCliOptions,
  render: Renderer | undefined,
  store: ResultsStore,
  io: Io,
): Promise<void> {
  const format = opts.format as Exclude<Format, 'summary'>;
  const body = async (run: AuditRun): Promise<string | Uint8Array> =>
    render === undefined ? `${JSON.stringify(run, null, 2)}\n` : render(run, format, { store });
  if (opts.out !== undefined) {
    await mkdir(opts.out, { recursive: true });
    for (const run of runs) {
      const file = join(opts.out, `${run.school.id}.${EXT[format]}`);
      await writeFile(file, await body(run));
      io.out(file);
    }
    return;
  }
  if (format === 'json') {
    io.out(JSON.stringify(runs.length === 1 ? runs[0] : runs, null, 2));
    return;
  }
  for (const run of runs) {
    const b = await body(run);
    io.out(typeof b === 'string' ? b : Buffer.from(b).toString('utf8'));
  }
}

export function register(program: Command): void {
  program
    .command('audit')
    .description('Audit schools read-only against their own policy; store and summarise each run.')
    .argument('[files...]', 'school declarations (inventory/schools/<school>/school.yaml)')
    .option('--all <dir>', 'audit every <dir>/<school>/school.yaml')
    .addOption(
      new Option('--format <format>', 'output: a summary, or the run as json / junit / csv / html')
        .choices(['summary', 'json', 'junit', 'csv', 'html'])
        .default('summary'),
    )
    .option('--out <dir>', "write each school's output to <dir>/<school>.<ext> instead of stdout")
    .option('--store <path>', storeHelp())
    .option(
      '--now <iso>',
      'judge as of this time (stale accounts, expiries), e.g. 2025-11-24T01:30:00Z',
      isoTime,
    )
    .option('--concurrency <n>', 'devices collected at once per school', positiveInt, 4)
    .option('--schools <n>', 'schools audited at once', positiveInt, 2)
    .option('--timeout <duration>', 'per-device time budget when a device declares none', durationMs(1))
    .option('--school-timeout <duration>', 'overall budget per school (default 5m)', durationMs(1))
    .addHelpText(
      'after',
      `\nDurations: ${DURATION_HELP}.\n` +
        'Exit codes: 0 no failures, 1 failures, 2 errors or incomplete, 3 usage or configuration error.\n' +
        'JSON output: docs/audit-result.schema.json (one object, or an array for several schools).',
    )
    .action(async (files: string[], o: AuditCliOptions) => {
      process.exitCode = await runAuditCommand(files, o);
    });
}
