/**
 * Auditing many schools in one process (`schoolnet audit --all`, the nightly daemon, the benchmark):
 * a bounded number of schools at once (each school bounds its own devices), and an overall budget per
 * school so one school's failure or hang never holds up the rest. A school over budget is reported as
 * an error (exit 2) and its run, already begun in the store, stays `incomplete` there.
 */
import type { LoadedSchool } from '../../inventory/types.ts';
import { pool } from './collect.ts';
import { auditSchool, isConfigError } from './index.ts';
import type { AuditOptions, EngineInputs } from './run.ts';
import { exitCodeOf } from './run.ts';
import type { AuditRun } from './types.ts';

export interface FleetResult {
  school: string;
  file: string;
  /** Per the CLI contract: 0 ok, 1 failures, 2 errors / incomplete / timed out, 3 configuration error. */
  code: 0 | 1 | 2 | 3;
  run?: AuditRun;
  /** Why there is no run (configuration error, crash, over budget). */
  error?: string;
  /** The run id when the run began but did not finish in time. */
  runId?: string;
  timedOut?: boolean;
  ms: number;
}

export interface FleetOptions extends AuditOptions {
  /** Schools audited at once (default 2). */
  schools?: number;
  /** Overall budget per school (default 5 minutes). */
  schoolTimeoutMs?: number;
  /** Engine inputs override (the benchmark wraps collectors). */
  inputs?: Partial<Pick<EngineInputs, 'collectors' | 'checks'>>;
  /** Per-school environment (secrets) instead of `env` for all. */
  envFor?: (school: LoadedSchool) => NodeJS.ProcessEnv | undefined;
  onStart?: (school: LoadedSchool) => void;
  onDone?: (result: FleetResult, done: number, total: number) => void;
}

export const DEFAULT_SCHOOL_TIMEOUT_MS = 5 * 60_000;

/** Audits one school within its budget; never throws. */
export async function auditWithin(school: LoadedSchool, opts: FleetOptions): Promise<FleetResult> {
  const t0 = performance.now();
  const id = school.decl.school.id;
  const budget = opts.schoolTimeoutMs ?? DEFAULT_SCHOOL_TIMEOUT_MS;
  let runId: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  const env = opts.envFor?.(school) ?? opts.env;
  const audit = auditSchool(school, {
    ...opts,
    ...(env === undefined ? {} : { env }),
    ...(opts.inputs === undefined ? {} : { inputs: opts.inputs }),
    onBegin: (rid) => {
      runId = rid;
      opts.onBegin?.(rid);
    },
  });
  const overBudget = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), budget);
  });
  const ms = () => Math.round(performance.now() - t0);
  try {
    const out = await Promise.race([audit, overBudget]);
    if (out === 'timeout') {
      // The audit may still settle later; nobody waits for it, so its outcome must not surface as an
      // unhandled rejection.
      audit.catch(() => undefined);
      return {
        school: id,
        file: school.file,
        code: 2,
        timedOut: true,
        error: `no result within ${budget} ms (the whole school's budget); the run is left incomplete`,
        ...(runId === undefined ? {} : { runId }),
        ms: ms(),
      };
    }
    return { school: id, file: school.file, code: exitCodeOf(out), run: out, ms: ms() };
  } catch (e) {
    return {
      school: id,
      file: school.file,
      code: isConfigError(e) ? 3 : 2,
      error: (e as Error).message,
      ...(runId === undefined ? {} : { runId }),
      ms: ms(),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** Audits every school, `opts.schools` at a time; results in the order given. */
export async function auditFleet(
  schools: readonly LoadedSchool[],
  opts: FleetOptions = {},
): Promise<FleetResult[]> {
  let done = 0;
  return pool(
    schools.map((s) => async () => {
      opts.onStart?.(s);
      const r = await auditWithin(s, opts);
      done++;
      opts.onDone?.(r, done, schools.length);
      return r;
    }),
    opts.schools ?? 2,
  );
}

/** The worst exit code over the fleet (3 config, 2 errors, 1 failures, 0). */
export function fleetExitCode(results: readonly Pick<FleetResult, 'code'>[]): number {
  return Math.max(0, ...results.map((r) => r.code));
}
