/**
 * Applying a school's waivers to a run's findings. A waiver in force turns a matching `fail` into
 * `waived` (the original status kept as `waivedStatus`, the waiver attached) so it is still shown but
 * no longer scored. An expired waiver is itself a failing finding; one that matches nothing, or only
 * findings that pass, is a warning so stale waivers get cleaned up.
 */
import type { Evidence } from '../types.ts';
import type { RunFinding, RunWarning, Waiver } from './types.ts';

export const WAIVER_EXPIRED_CHECK = 'waiver-expired';

/** A waiver is in force from its granted date to its expiry date, both inclusive. */
export function waiverState(w: Waiver, today: string): 'active' | 'expired' | 'future' {
  if (w.expires < today) return 'expired';
  if (w.granted > today) return 'future';
  return 'active';
}

function evidenceMatches(e: Evidence, w: Waiver): boolean {
  const s = w.scope;
  if (s === undefined) return true;
  if ('device' in s) return e.source === s.device;
  if ('account' in s) return e.object === s.account;
  return e.object === s.object;
}

/** Does the waiver cover this finding (check or control, and scope)? */
export function waiverMatches(f: RunFinding, w: Waiver): boolean {
  const what =
    w.check !== undefined ? f.checkId === w.check : w.control !== undefined && f.controls.includes(w.control);
  if (!what) return false;
  if (w.scope === undefined) return true;
  if (f.evidence.some((e) => evidenceMatches(e, w))) return true;
  // Findings without evidence still carry their subject in the key (checkId|source|object).
  const [, source, object] = f.key.split('|');
  if ('device' in w.scope) return source === w.scope.device;
  return object === ('account' in w.scope ? w.scope.account : w.scope.object);
}

export interface WaiverOutcome {
  findings: RunFinding[];
  warnings: RunWarning[];
}

/**
 * @param today the run's as-of date, `YYYY-MM-DD`.
 */
export function applyWaivers(findings: RunFinding[], waivers: Waiver[], today: string): WaiverOutcome {
  const out: RunFinding[] = findings.map((f) => ({ ...f }));
  const warnings: RunWarning[] = [];
  const expired: RunFinding[] = [];
  for (const w of waivers) {
    const what = w.check !== undefined ? `check ${w.check}` : `control ${w.control ?? ''}`;
    const scope = w.scope === undefined ? '' : ` (${Object.entries(w.scope)[0]?.join(' ') ?? ''})`;
    const matched = out.filter((f) => f.checkId !== WAIVER_EXPIRED_CHECK && waiverMatches(f, w));
    const state = waiverState(w, today);
    if (state === 'expired') {
      expired.push({
        checkId: WAIVER_EXPIRED_CHECK,
        key: `${WAIVER_EXPIRED_CHECK}|waivers|${w.id}`,
        status: 'fail',
        severity: 'medium',
        reason: `Waiver ${w.id} for ${what}${scope} expired on ${w.expires}; the findings it covered count again until it is renewed or the fault fixed.`,
        evidence: [
          {
            source: 'waivers',
            object: w.id,
            expected: `expires on or after ${today}`,
            actual: `expired ${w.expires}`,
          },
        ],
        controls: [...new Set(matched.flatMap((f) => f.controls))].sort(),
        clauses: [...new Set(matched.flatMap((f) => f.clauses))].sort(),
        references: [],
        params: {},
      });
      continue;
    }
    if (state === 'future') {
      warnings.push({
        code: 'waiver-unused',
        subject: w.id,
        message: `Waiver ${w.id} for ${what}${scope} is not in force until ${w.granted}.`,
      });
      continue;
    }
    const failing = matched.filter(
      (f) => f.status === 'fail' || (f.status === 'waived' && f.waivedStatus === 'fail'),
    );
    if (matched.length === 0) {
      warnings.push({
        code: 'waiver-unused',
        subject: w.id,
        message: `Waiver ${w.id} for ${what}${scope} matches no finding in this run; check its check, control and scope, or remove it.`,
      });
      continue;
    }
    if (failing.length === 0) {
      warnings.push({
        code: 'waiver-only-passing',
        subject: w.id,
        message: `Waiver ${w.id} for ${what}${scope} covers only findings that pass; it can be removed.`,
      });
      continue;
    }
    for (const f of failing) {
      if (f.status === 'waived') continue; // the first waiver in the file wins
      f.waivedStatus = 'fail';
      f.status = 'waived';
      f.waiver = { id: w.id, reason: w.reason, approver: w.approver, granted: w.granted, expires: w.expires };
    }
  }
  return { findings: [...out, ...expired], warnings };
}
