/**
 * `schoolnet rollup`: every school's latest audit at a glance for the provider, the controls failing
 * most across the estate, and schools whose audits are stale, erroring or incomplete. Exit codes: 0
 * nothing needs attention, 1 some school fails something, 2 some school is stale, erroring or
 * incomplete, 3 usage error.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { Command } from 'commander';
import { InvalidArgumentError, Option } from 'commander';
import { loadCatalog } from '../../checks/catalog/catalog.ts';
import { openStore, storeHelp, storeTarget } from '../../checks/engine/store.ts';
import { renderFleetHtml, renderFleetTable } from '../../reports/fleet.ts';
import type { FleetSection } from '../../reports/fleet.ts';
import { FleetRecords } from '../fleet/records.ts';
import { FireLedger, nightText, UNREPORTED } from '../schedule/fires.ts';
import type { ResultsStore } from '../../checks/engine/store.ts';
import { DeclarationError, formatProblem, loadSchoolsDir } from '../../inventory/load.ts';
import type { DeclaredSchool } from '../../reports/rollup.ts';
import {
  buildRollup,
  rollupInputs,
  renderRollupHtml,
  renderRollupJson,
  renderRollupTable,
} from '../../reports/rollup.ts';

export interface RollupCliOptions {
  store?: string;
  format: 'html' | 'json' | 'table';
  staleAfterDays: number;
  out?: string;
  now?: Date;
  /** The schools folder: schools declared there with no run, or whose declaration will not load, are listed. */
  schools?: string;
  /** Where the schools' reports are, relative to the roll-up (`<base>/<school>/<run id>.html`). */
  reportBase?: string;
}

/**
 * Nights in the last week (or the stale period, if longer) that the fire ledger says were not
 * reported: the single-process scheduler's (SQLite) or the central planner's (PostgreSQL), one rule.
 */
function missedNights(store: ResultsStore, o: RollupCliOptions): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const now = o.now ?? new Date();
  const since = new Date(now.getTime() - Math.max(7, o.staleAfterDays) * 86_400_000).toISOString();
  let records: FleetRecords | undefined;
  let fires: FireLedger;
  if (store.kind === 'postgres') {
    records = new FleetRecords(storeTarget(o.store), 'schoolnet-rollup');
    fires = records.fireLedger();
  } else fires = new FireLedger(store.path);
  try {
    for (const f of fires.inState(UNREPORTED)) {
      if (f.firedAt <= since || f.firedAt > now.toISOString()) continue;
      out.set(f.school, [...(out.get(f.school) ?? []), nightText(f)]);
    }
  } finally {
    fires.close();
    records?.close();
  }
  return out;
}

/** Every school the folder declares; one that does not load is listed with its first problem. */
async function declaredSchools(dir: string): Promise<DeclaredSchool[]> {
  const r = await loadSchoolsDir(dir);
  const out: DeclaredSchool[] = r.schools.map((s) => ({
    id: s.decl.school.id,
    name: s.decl.school.name,
    valid: true,
  }));
  for (const e of r.errors) {
    const id = basename(dirname(e.file));
    const first = e instanceof DeclarationError ? e.problems[0] : undefined;
    out.push({
      id,
      name: id,
      valid: false,
      problem: first === undefined ? (e.message.split('\n')[0] ?? '') : `${e.file}: ${formatProblem(first)}`,
    });
  }
  return out;
}

const days = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('must be a number of days above 0');
  return n;
};

const isoTime = (v: string): Date => {
  const t = Date.parse(v);
  if (Number.isNaN(t)) throw new InvalidArgumentError('must be an ISO date-time, e.g. 2025-11-24T08:00:00Z');
  return new Date(t);
};

export async function runRollupCommand(
  o: RollupCliOptions,
  io: { out(t: string): void; err(t: string): void } = {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t.endsWith('\n') ? t : `${t}\n`),
  },
): Promise<number> {
  let store: ResultsStore;
  try {
    store = openStore(storeTarget(o.store));
  } catch (e) {
    io.err(`schoolnet rollup: ${(e as Error).message}`);
    return 3;
  }
  try {
    let declared: DeclaredSchool[] | undefined;
    if (o.schools !== undefined) {
      try {
        declared = await declaredSchools(resolve(o.schools));
      } catch (e) {
        io.err(`schoolnet rollup: cannot read the schools folder ${o.schools}: ${(e as Error).message}`);
        return 3;
      }
    }
    const base = o.reportBase;
    const nights = missedNights(store, o);
    // A school whose every night was missed has no run: it is listed from the ledger all the same.
    const runSchools = new Set(store.listRuns({ limit: 100_000 }).map((r) => r.school.id));
    for (const id of nights.keys())
      if (!runSchools.has(id) && !(declared ?? []).some((d) => d.id === id))
        (declared ??= []).push({ id, name: id, valid: true });
    const m = buildRollup(rollupInputs(store), {
      now: o.now ?? new Date(),
      staleAfterDays: o.staleAfterDays,
      catalog: loadCatalog(),
      ...(declared === undefined ? {} : { declared }),
      nights,
      ...(base === undefined
        ? {}
        : {
            reportLink: (school: string, run: string) => `${base.replace(/\/$/, '')}/${school}/${run}.html`,
          }),
    });
    const now = o.now ?? new Date();
    // Central-plus-agents: agents' health and dead letters from the PostgreSQL store.
    let fleet: FleetSection | undefined;
    if (store.kind === 'postgres') {
      const records = new FleetRecords(storeTarget(o.store), 'schoolnet-rollup');
      try {
        fleet = { agents: records.agents(), deadLetters: records.deadLetters() };
      } finally {
        records.close();
      }
    }
    let text =
      o.format === 'json'
        ? renderRollupJson(m)
        : o.format === 'html'
          ? renderRollupHtml(m)
          : renderRollupTable(m);
    if (fleet !== undefined) {
      if (o.format === 'json')
        text = `${JSON.stringify({ ...(JSON.parse(text) as object), fleet }, null, 2)}\n`;
      else if (o.format === 'html') text = text.replace('</body>', `${renderFleetHtml(fleet, now)}</body>`);
      else text += renderFleetTable(fleet, now);
    }
    if (o.out !== undefined) {
      const file = resolve(o.out);
      await mkdir(dirname(file), { recursive: true });
      await writeFile(file, text);
      io.err(`wrote ${file}`);
    } else io.out(text);
    if (m.totals.schools === 0) io.err(`schoolnet rollup: no audit runs in ${store.path}`);
    if (m.attention.length > 0 || (fleet?.deadLetters.length ?? 0) > 0) return 2;
    return m.totals.withFails > 0 ? 1 : 0;
  } finally {
    store.close();
  }
}

export function register(program: Command): void {
  program
    .command('rollup')
    .description("Every school's latest audit at a glance; controls failing most; stale or erroring audits.")
    .option('--store <path>', storeHelp())
    .addOption(
      new Option('--format <format>', 'output format').choices(['html', 'json', 'table']).default('table'),
    )
    .option('--stale-after-days <n>', 'an audit older than this is stale', days, 2)
    .option('--out <file>', 'write to this file instead of stdout')
    .option('--now <iso>', 'judge staleness as of this time, e.g. 2025-11-24T08:00:00Z', isoTime)
    .option(
      '--schools <dir>',
      'the schools folder: also list schools never audited or whose declaration does not load',
    )
    .option(
      '--report-base <path>',
      "where each school's report is, for the links (<path>/<school>/<run id>.html)",
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 all well, 1 failures somewhere, 2 a school is stale, erroring or incomplete, 3 usage error.',
    )
    .action(async (o: RollupCliOptions) => {
      process.exitCode = await runRollupCommand(o);
    });
}
