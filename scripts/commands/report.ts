/**
 * `schoolnet report [RUN_ID | --school ID --latest]`: renders any stored run as HTML (the head's page
 * first), PDF, JSON, CSV or JUnit, with the trend against the school's earlier runs. Exit codes: 0
 * rendered, 2 rendering failed (Chromium missing, say), 3 usage (no such run, bad options).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { Option } from 'commander';
import { openStore, storeHelp, storeTarget } from '../../checks/engine/store.ts';
import type { ResultsStore } from '../../checks/engine/store.ts';
import type { AuditRun } from '../../checks/engine/types.ts';
import { REPORT_FORMATS, renderRun } from '../../reports/index.ts';
import type { ReportFormat } from '../../reports/index.ts';

export interface ReportCliOptions {
  school?: string;
  latest?: boolean;
  store?: string;
  format: ReportFormat;
  out?: string;
  /** commander's `--no-technical` sets this false. */
  technical: boolean;
}

export interface ReportIo {
  out(data: string | Uint8Array): void;
  err(text: string): void;
}

const stdio: ReportIo = {
  out: (d) => process.stdout.write(d),
  err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
};

function pick(store: ResultsStore, runId: string | undefined, o: ReportCliOptions): AuditRun | string {
  if (runId !== undefined && o.school !== undefined)
    return 'name either a RUN_ID or --school ID --latest, not both';
  if (runId !== undefined) return store.getRun(runId) ?? `no run ${runId} in ${store.path}`;
  if (o.school === undefined) return 'name a RUN_ID, or --school ID --latest';
  if (o.latest !== true) return '--school needs --latest (or name a RUN_ID)';
  return store.latestRun(o.school) ?? `no runs of school ${o.school} in ${store.path}`;
}

export async function runReportCommand(
  runId: string | undefined,
  o: ReportCliOptions,
  io: ReportIo = stdio,
): Promise<number> {
  let store: ResultsStore;
  try {
    store = openStore(storeTarget(o.store));
  } catch (e) {
    io.err(`schoolnet report: ${(e as Error).message}`);
    return 3;
  }
  try {
    const run = pick(store, runId, o);
    if (typeof run === 'string') {
      io.err(`schoolnet report: ${run}`);
      return 3;
    }
    let body: string | Buffer;
    try {
      body = await renderRun(run, o.format, { store, includeTechnical: o.technical });
    } catch (e) {
      io.err(`schoolnet report: cannot render ${o.format}: ${(e as Error).message}`);
      return 2;
    }
    if (o.out !== undefined) {
      const file = resolve(o.out);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, body);
      io.err(`wrote ${file}`);
    } else io.out(body);
    return 0;
  } finally {
    store.close();
  }
}

export function register(program: Command): void {
  program
    .command('report')
    .description("Render a stored audit run: the head's report (HTML/PDF), or JSON, CSV, JUnit.")
    .argument('[runId]', 'the run to render (see the run id `schoolnet audit` prints)')
    .option('--school <id>', 'the school whose run to render (with --latest)')
    .option('--latest', "the school's most recent run")
    .option('--store <path>', storeHelp())
    .addOption(new Option('--format <format>', 'output format').choices([...REPORT_FORMATS]).default('html'))
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--no-technical', "leave out the technician's section and withhold pupil details (for e-mail)")
    .addHelpText(
      'after',
      '\nExit codes: 0 rendered, 2 rendering failed, 3 usage error or no such run.\n' +
        'JSON output: docs/report.schema.json.',
    )
    .action(async (runId: string | undefined, o: ReportCliOptions) => {
      process.exitCode = await runReportCommand(runId, o);
    });
}
