import type { RunCounts, RunFinding } from './types.ts';

export function countFindings(findings: readonly RunFinding[]): RunCounts {
  const c: RunCounts = { pass: 0, fail: 0, error: 0, not_applicable: 0, waived: 0 };
  for (const f of findings) c[f.status]++;
  return c;
}

/**
 * passes / (passes + fails), 0..1, rounded to 4 places. Waived findings, errors and not-applicable are
 * excluded: an unreachable device neither helps nor hurts the score (it shows as an error instead).
 * Null when there is nothing to score.
 */
export function score(c: RunCounts): number | null {
  const d = c.pass + c.fail;
  return d === 0 ? null : Math.round((c.pass / d) * 10_000) / 10_000;
}
