/**
 * Which checks apply to a school, and with which parameters. A check applies when one of its controls
 * appears in the school's clause map, or when it is always on. Its parameters are the check's defaults
 * overridden by the params the school's clauses bind to it; anything that fails the check's params
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
  /** The school's clause ids whose controls this check evidences. */
  clauses: string[];
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * @param isAlwaysOn checks that run for every school whatever its map says (e.g. the policy review date).
 * @param where the clause map's file, for error messages.
 */
export function selectChecks(
  checks: readonly Check[],
  clauses: readonly EffectiveClause[],
  isAlwaysOn: (c: Check) => boolean,
  where: string,
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
    const mapped = clauses.filter((cl) => check.meta.controls.some((k) => cl.controls.includes(k)));
    if (mapped.length === 0 && !isAlwaysOn(check)) continue;
    const overrides: Record<string, unknown> = {};
    const setBy = new Map<string, string>();
    for (const cl of mapped) {
      const own = cl.params?.[check.meta.id];
      if (own === undefined) continue;
      for (const [k, v] of Object.entries(own)) {
        const prev = setBy.get(k);
        if (prev !== undefined && !sameValue(overrides[k], v)) {
          problems.push(
            `${where}: clauses ${prev} and ${cl.id} set different values for ${check.meta.id}.${k} (${JSON.stringify(overrides[k])} vs ${JSON.stringify(v)}); make them agree`,
          );
          continue;
        }
        overrides[k] = v;
        setBy.set(k, cl.id);
      }
    }
    const resolved = resolveParams(check, overrides);
    if (!resolved.ok) {
      const clauseIds = [...new Set(setBy.values())];
      for (const e of resolved.errors)
        problems.push(
          `${where}: ${clauseIds.length > 0 ? `clause ${clauseIds.join(', ')}: ` : ''}params for ${e}`,
        );
      continue;
    }
    const params = resolved.params;
    out.push({ check, params, clauses: mapped.map((c) => c.id) });
  }
  if (problems.length > 0) throw new ConfigError(`clause map ${where} does not fit the checks`, problems);
  return out;
}
