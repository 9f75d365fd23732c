/**
 * One audit of one school: select the checks its clause map calls for, collect each device once,
 * evaluate, apply waivers, score, and keep the run in the results store. Configuration problems
 * (clause map, waivers, parameters) stop the run before anything is collected or stored: a report
 * judged against the wrong thresholds or missing its waivers would be worse than none.
 */
import { randomBytes } from 'node:crypto';
import pkg from '../../package.json' with { type: 'json' };
import type { LoadedSchool } from '../../inventory/types.ts';
import type { Check, FactNeed } from '../types.ts';
import type { Collectors } from './collect.ts';
import { collectSchool, DEFAULT_CONCURRENCY } from './collect.ts';
import type { CatalogueView } from './evaluate.ts';
import { evaluateChecks } from './evaluate.ts';
import { declaredLayer, declaredParams } from './declared-params.ts';
import { countFindings, score } from './score.ts';
import { ConfigError, selectChecks } from './select.ts';
import type { ResultsStore } from './store.ts';
import type { Attestation, AuditRun, EffectivePolicy, RunSchool, Waiver } from './types.ts';
import { applyWaivers } from './waivers.ts';

/** What the engine reads besides the declaration; `inputs.ts` builds it from the catalogue, the
 * clause map, the waivers file and the check registry. */
export interface EngineInputs {
  checks: readonly Check[];
  isAlwaysOn(check: Check): boolean;
  clauseMap: EffectivePolicy['clauseMap'];
  waivers: Waiver[];
  waiversFile?: string;
  catalogue: CatalogueView;
  /** Control ids the catalogue knows, to catch a waiver naming a control that does not exist. */
  controlIds: ReadonlySet<string>;
  collectors: Collectors;
}

export interface AuditOptions {
  store?: ResultsStore;
  /** The run's as-of time that checks judge against (stale accounts, expiries); default: the clock. */
  now?: Date;
  /** Wall clock for started/finished; default `new Date()`. */
  clock?: () => Date;
  /** Per-device budget when a device declares none. */
  timeoutMs?: number;
  /** Devices collected at once. */
  concurrency?: number;
  env?: NodeJS.ProcessEnv;
  /** Called once the run row exists (the nightly runner and crash tests watch for it). */
  onBegin?: (runId: string) => void;
  /**
   * The audit night this run stands for (yyyy-mm-dd, the school's local date), from a nightly job: the
   * run id is then derived from school and night (`nightRunId`), so a job that runs twice writes one run.
   */
  night?: string;
}

/** The run id of a school's nightly job: the same on every attempt and every agent. */
export function nightRunId(school: string, night: string): string {
  return `${night.replace(/-/g, '')}N-${school}`;
}

export function newRunId(school: string, started: Date): string {
  const stamp = started.toISOString().replace(/[-:.]/g, '');
  return `${stamp}-${school}-${randomBytes(3).toString('hex')}`;
}

/** Waivers must name checks and controls that exist, or they silently waive nothing. */
function checkWaiverTargets(inputs: EngineInputs): void {
  const checkIds = new Set(inputs.checks.map((c) => c.meta.id));
  const where = inputs.waiversFile ?? 'waivers';
  const problems: string[] = [];
  for (const w of inputs.waivers) {
    const at = `${where}${w.line === undefined ? '' : `:${w.line}`}`;
    if (w.check !== undefined && !checkIds.has(w.check))
      problems.push(`${at}: waiver ${w.id} names unknown check "${w.check}"`);
    if (w.control !== undefined && !inputs.controlIds.has(w.control))
      problems.push(`${at}: waiver ${w.id} names unknown control "${w.control}"`);
  }
  if (problems.length > 0)
    throw new ConfigError(`waivers file ${where} names things that do not exist`, problems);
}

function clauseParamsOf(
  selected: readonly { check: Check; params: Record<string, unknown>; clauses: string[] }[],
): Record<string, Record<string, Record<string, unknown>>> {
  const out: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const s of selected) for (const c of s.clauses) (out[c] ??= {})[s.check.meta.id] = s.params;
  return out;
}

function attestationsOf(
  clauseMap: EffectivePolicy['clauseMap'],
  automatic: (controls: readonly string[]) => boolean,
): Attestation[] {
  const out: Attestation[] = [];
  for (const c of clauseMap.clauses) {
    if (c.attestation === undefined) continue;
    const a: Attestation = { clause: c.id, who: c.attestation.who, every: c.attestation.every };
    if (c.attestation.what !== undefined) a.what = c.attestation.what;
    if (automatic(c.controls)) a.partial = true;
    out.push(a);
  }
  return out;
}

export async function runAudit(
  loaded: LoadedSchool,
  inputs: EngineInputs,
  opts: AuditOptions = {},
): Promise<AuditRun> {
  const clock = opts.clock ?? (() => new Date());
  const { decl } = loaded;
  checkWaiverTargets(inputs);
  const selected = selectChecks(
    inputs.checks,
    inputs.clauseMap.clauses,
    inputs.isAlwaysOn,
    inputs.clauseMap.file,
    declaredLayer(declaredParams(decl)),
  );

  const startedAt = clock();
  const asOf = (opts.now ?? startedAt).toISOString();
  const school: RunSchool = {
    id: decl.school.id,
    name: decl.school.name,
    jurisdiction: decl.school.jurisdiction,
    standards: [...decl.school.standards],
    file: loaded.file,
  };
  const id = opts.night === undefined ? newRunId(school.id, startedAt) : nightRunId(school.id, opts.night);
  const started = startedAt.toISOString();
  opts.store?.beginRun({
    id,
    school,
    started,
    asOf,
    toolVersion: pkg.version,
    ...(opts.night === undefined ? {} : { night: opts.night }),
  });
  opts.onBegin?.(id);

  const needs = new Set<FactNeed>(selected.flatMap((s) => s.check.meta.needs));
  const collected = await collectSchool(loaded, needs, inputs.collectors, {
    concurrency: opts.concurrency ?? DEFAULT_CONCURRENCY,
    ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
    ...(opts.env === undefined ? {} : { env: opts.env }),
    now: clock,
  });
  const evaluated = evaluateChecks(
    selected,
    collected.facts,
    collected.devices,
    { decl, now: asOf },
    inputs.catalogue,
  );
  const { findings, warnings } = applyWaivers(evaluated, inputs.waivers, asOf.slice(0, 10));
  const counts = countFindings(findings);
  const run: AuditRun = {
    id,
    school,
    started,
    finished: clock().toISOString(),
    asOf,
    status: 'complete',
    counts,
    score: score(counts),
    findings,
    attestations: attestationsOf(inputs.clauseMap, (controls) =>
      selected.some((s) => s.check.meta.controls.some((k) => controls.includes(k))),
    ),
    warnings,
    effectivePolicy: {
      clauseMap: inputs.clauseMap,
      // The first set of limits per check (a check no clause cites, or one whose clauses agree)...
      params: Object.fromEntries(selected.toReversed().map((s) => [s.check.meta.id, s.params])),
      // ...and each clause's own, for a check judged against different limits per clause.
      clauseParams: clauseParamsOf(selected),
      waivers: inputs.waivers.map(({ line: _line, ...w }) => w),
    },
    devices: collected.devices,
    toolVersion: pkg.version,
  };
  opts.store?.finishRun(run);
  return run;
}

/** Exit code per the CLI contract for one run: 2 errors or incomplete, 1 failures, else 0. */
export function exitCodeOf(run: Pick<AuditRun, 'status' | 'counts'>): 0 | 1 | 2 {
  if (run.status !== 'complete' || run.counts.error > 0) return 2;
  if (run.counts.fail > 0) return 1;
  return 0;
}
