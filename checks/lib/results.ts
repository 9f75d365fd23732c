/**
 * Small constructors for check results, so every check states a status, one sentence and its evidence
 * the same way (Powerpipe's `reason`, ESLint's message templates).
 */
import type { CheckResult, Evidence } from '../types.ts';

type Personal = CheckResult['personal'];

function result(
  status: CheckResult['status'],
  reason: string,
  evidence: Evidence | Evidence[],
  personal?: Personal,
): CheckResult {
  const r: CheckResult = { status, reason, evidence: Array.isArray(evidence) ? evidence : [evidence] };
  if (personal !== undefined) r.personal = personal;
  return r;
}

export const pass = (reason: string, evidence: Evidence | Evidence[], personal?: Personal): CheckResult =>
  result('pass', reason, evidence, personal);

export const fail = (reason: string, evidence: Evidence | Evidence[], personal?: Personal): CheckResult =>
  result('fail', reason, evidence, personal);

/** The check could not judge: facts missing or unreadable. Never a pass. */
export const error = (reason: string, evidence: Evidence | Evidence[]): CheckResult =>
  result('error', reason, evidence);

export const notApplicable = (reason: string, evidence: Evidence | Evidence[]): CheckResult =>
  result('not_applicable', reason, evidence);

/** `pass` when `ok`, else `fail`, with the matching sentence. */
export function verdict(
  ok: boolean,
  reasons: { pass: string; fail: string },
  evidence: Evidence | Evidence[],
  personal?: Personal,
): CheckResult {
  return ok ? pass(reasons.pass, evidence, personal) : fail(reasons.fail, evidence, personal);
}

/** "1 account", "3 accounts". */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** Joins a short list for a sentence, eliding after `max` items. */
export function list(items: readonly string[], max = 8): string {
  if (items.length === 0) return 'none';
  if (items.length <= max) return items.join(', ');
  return `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

/**
 * The findings `out` plus one `pass` standing for the `count` objects judged that had nothing wrong,
 * so a directory of thousands yields a finding per exception and a single line for the rest. With
 * nothing judged at all, a `not_applicable` says so.
 */
export function withRest(
  out: CheckResult[],
  count: number,
  what: string,
  reason: string,
  source: string,
): CheckResult[] {
  if (count > 0) {
    out.push(
      pass(`${plural(count, what)}: ${reason}`, {
        source,
        object: `(other ${what}s)`,
        actual: String(count),
      }),
    );
  }
  if (out.length === 0) out.push(notApplicable(`There is no ${what} to judge.`, { source }));
  return out;
}
