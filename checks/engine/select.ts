/**
 * Which checks apply to a school, and with which parameters. A check applies when one of its controls
 * appears in the school's clause map, or when it is always on. Its parameters are the check's defaults
 * overridden by what the school's declaration states (declared-params.ts), then by the params each
 * citing clause binds: one selection per distinct set of limits. Anything that fails the check's params
 * schema is a configuration error naming the clause, never a silently different threshold.
 */
import { resolveParams } from '../lib/params.ts';
import type { Check } from '../types.ts';
import type { EffectiveClause } from './types.ts';

export class ConfigError extends Error {
  /** Every problem, each naming a file, clause or field. */
  readonly problems: string[];
  constructor(message: string, problems: string[] = [message]) {
    super(
      problems.length > 1 || problems[0] !== message ? `${message}\n  ${problems.join('\n  ')}` : message,
    );
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

export interface SelectedCheck {
  check: Check;
  params: Record<string, unknown>;
  /** The school's clause ids judged with exactly these params (the check evidences their controls). */
  clauses: string[];
  /**
   * The clause whose limits these params are: the first of `clauses` (absent for a check that runs
   * for every school without a clause citing it). A check cited by clauses with different limits is
   * selected once per distinct set of limits, each with its own clauses.
   */
  judgedAgainst?: string;
}

/** Declared values that fit the check's schema (a declared value outside it leaves the check's default). */
function declaredFor(check: Check, declared: Record<string, unknown> | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(declared ?? {})) if (resolveParams(check, { [k]: v }).ok) out[k] = v;
  return out;
}

/**
 * @param isAlwaysOn checks that run for every school whatever its map says (e.g. the policy review date).
 * @param where the clause map's file, for error messages.
 * @param declared check id -> parameter values the school's declaration states (declared-params.ts):
 *   the defaults a clause's own values override.
 */
export function selectChecks(
  checks: readonly Check[],
  clauses: readonly EffectiveClause[],
  isAlwaysOn: (c: Check) => boolean,
  where: string,
  declared: Record<string, Record<string, unknown>> = {},
): SelectedCheck[] {
  const problems: string[] = [];
  const byId = new Map(checks.map((c) => [c.meta.id, c]));
  // Clause params naming a check that does not exist, or one the clause does not map, are typos.
  for (const cl of clauses) {
    for (const checkId of Object.keys(cl.params ?? {})) {
      const c = byId.get(checkId);
      if (c === undefined) problems.push(`${where}: clause ${cl.id}: params for unknown check "${checkId}"`);
      else if (!c.meta.controls.some((k) => cl.controls.includes(k)))
        problems.push(
          `${where}: clause ${cl.id}: params for check "${checkId}", which evidences none of the clause's controls (${cl.controls.join(', ')}); it evidences ${c.meta.controls.join(', ')}`,
        );
    }
  }
  const out: SelectedCheck[] = [];
  for (const check of checks) {
    const citing = clauses.filter((cl) => check.meta.controls.some((k) => cl.controls.includes(k)));
    if (citing.length === 0 && !isAlwaysOn(check)) continue;
    // A framework's own number (check.meta.framework) judges no clause of the school unless the clause
    // binds it: the clause's findings stay judged by the school's numbers, the framework's requirement
    // shows the gap.
    const mapped =
      check.meta.framework === undefined
        ? citing
        : citing.filter((cl) => cl.params?.[check.meta.id] !== undefined);
    const base = declaredFor(check, declared[check.meta.id]);
    if (mapped.length === 0) {
      const resolved = resolveParams(check, base);
      if (resolved.ok) out.push({ check, params: resolved.params, clauses: [] });
      else for (const e of resolved.errors) problems.push(`${where}: params for ${e}`);
      continue;
    }
    // One evaluation per distinct set of limits; clauses with the same limits share it.
    const groups = new Map<string, SelectedCheck>();
    for (const cl of mapped) {
      const resolved = resolveParams(check, base, cl.params?.[check.meta.id]);
      if (!resolved.ok) {
        for (const e of resolved.errors) problems.push(`${where}: clause ${cl.id}: params for ${e}`);
        continue;
      }
      const key = JSON.stringify(resolved.params);
      const g = groups.get(key);
      if (g !== undefined) g.clauses.push(cl.id);
      else groups.set(key, { check, params: resolved.params, clauses: [cl.id], judgedAgainst: cl.id });
    }
    out.push(...groups.values());
  }
  if (problems.length > 0) throw new ConfigError(`clause map ${where} does not fit the checks`, problems);
  return out;
}
