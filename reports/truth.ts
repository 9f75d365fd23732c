/**
 * What a run can honestly claim, shared by the report model and the emailed digest so the two never
 * disagree: how much of the school was checked (coverage), and which of last time's problems are put
 * right. A problem counts as put right only when the same check ran tonight without an error and did
 * not find it again; a check that errored tonight says nothing about last night's problem, which is
 * "could not be checked", never "fixed". Pure.
 */
import type { AuditRun, RunFinding } from '../checks/engine/types.ts';

export interface Coverage {
  /** Checks that ran and could judge everything they looked at (no error finding). */
  checked: number;
  /** Checks selected for this school (the run's effective parameters), or seen in the run. */
  expected: number;
  /** Selected checks that errored or produced nothing, sorted. */
  notChecked: string[];
}

export const isOpen = (f: Pick<RunFinding, 'status'>): boolean => f.status === 'fail' || f.status === 'error';

export function coverageOf(run: AuditRun): Coverage {
  const selected = Object.keys(run.effectivePolicy.params);
  const seen = new Set(run.findings.map((f) => f.checkId));
  const expected = new Set([...selected, ...seen]);
  const errored = new Set(run.findings.filter((f) => f.status === 'error').map((f) => f.checkId));
  const notChecked = [...expected].filter((id) => !seen.has(id) || errored.has(id)).sort();
  return { checked: expected.size - notChecked.length, expected: expected.size, notChecked };
}

/** Tonight's coverage is below the baseline's: fewer checks could judge, or a smaller share of them. */
export function coverageFell(now: Coverage, before: Coverage | undefined): boolean {
  if (before === undefined) return false;
  if (now.checked < before.checked) return true;
  return (
    now.expected > 0 && before.expected > 0 && now.checked / now.expected < before.checked / before.expected
  );
}

export function coverageText(c: Coverage): string {
  return `${c.checked} of ${c.expected} checks`;
}

export interface Resolution {
  /** Open before, and tonight the same check ran cleanly and did not find it. */
  resolved: RunFinding[];
  /** Open before, and tonight its check errored or did not run: nobody knows. */
  unverified: RunFinding[];
}

/** Sorts last run's open problems that are not open tonight into put right and could not be checked. */
export function resolutions(run: AuditRun, previous: AuditRun | undefined): Resolution {
  const out: Resolution = { resolved: [], unverified: [] };
  if (previous === undefined) return out;
  const now = new Map(run.findings.map((f) => [f.key, f]));
  const ran = new Set(run.findings.map((f) => f.checkId));
  const errored = new Set(run.findings.filter((f) => f.status === 'error').map((f) => f.checkId));
  for (const f of previous.findings) {
    if (!isOpen(f)) continue;
    const same = now.get(f.key);
    if (same !== undefined && isOpen(same)) continue;
    if (same !== undefined && same.status === 'waived') continue;
    const clean = ran.has(f.checkId) && !errored.has(f.checkId);
    const passed = same === undefined ? clean : clean && same.status === 'pass';
    (passed ? out.resolved : out.unverified).push(f);
  }
  return out;
}
