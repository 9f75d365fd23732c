/**
 * Audit runs built directly from the engine's types, for the report tests and the benchmark: a school's
 * real clause map, findings mapped to its clauses the way the engine maps them, and a store to keep
 * them in. Used where a live audit would add nothing but time (model rules, large runs, roll-ups).
 */
import { join } from 'node:path';
import { effectiveClauseMap } from '../../checks/engine/inputs.ts';
import { countFindings, score } from '../../checks/engine/score.ts';
import type { AuditRun, EffectivePolicy, RunFinding } from '../../checks/engine/types.ts';
import type { Evidence, Severity, Status } from '../../checks/types.ts';
import { loadPolicy } from '../../checks/engine/clause-map.ts';
import type { FrameworkId, Jurisdiction } from '../../inventory/types.ts';

const REPO = join(import.meta.dirname, '..', '..');

export async function clauseMapOf(school: string): Promise<EffectivePolicy['clauseMap']> {
  return effectiveClauseMap(await loadPolicy(join(REPO, 'inventory', 'schools', school, 'policy.yaml')));
}

export interface FindingSpec {
  checkId: string;
  status: Status;
  controls: string[];
  clauses: string[];
  evidence?: Evidence[];
  reason?: string;
  severity?: Severity;
  personal?: RunFinding['personal'];
  waiver?: RunFinding['waiver'];
}

export function finding(s: FindingSpec): RunFinding {
  const evidence = s.evidence ?? [{ source: 'core-router', object: s.checkId }];
  const e = evidence[0];
  const f: RunFinding = {
    checkId: s.checkId,
    key: `${s.checkId}|${e?.source ?? ''}|${e?.object ?? ''}`,
    status: s.status,
    severity: s.severity ?? 'medium',
    reason: s.reason ?? `${s.checkId} is ${s.status}.`,
    evidence,
    controls: s.controls,
    clauses: s.clauses,
    references: [],
    params: {},
  };
  if (s.personal !== undefined) f.personal = s.personal;
  if (s.waiver !== undefined) {
    f.waiver = s.waiver;
    f.waivedStatus = 'fail';
  }
  return f;
}

export function makeRun(opts: {
  school: { id: string; name: string; jurisdiction?: Jurisdiction; standards?: FrameworkId[] };
  clauseMap: EffectivePolicy['clauseMap'];
  findings: RunFinding[];
  started: string;
  id?: string;
  status?: AuditRun['status'];
}): AuditRun {
  const counts = countFindings(opts.findings);
  return {
    id: opts.id ?? `${opts.started.replace(/[-:.]/g, '')}-${opts.school.id}-000000`,
    school: {
      id: opts.school.id,
      name: opts.school.name,
      jurisdiction: opts.school.jurisdiction ?? 'england',
      standards: opts.school.standards ?? ['dfe', 'kcsie', 'uksic', 'cyber-essentials'],
      file: `inventory/schools/${opts.school.id}/school.yaml`,
    },
    started: opts.started,
    finished: opts.started,
    asOf: opts.started,
    status: opts.status ?? 'complete',
    counts,
    score: score(counts),
    findings: opts.findings,
    attestations: opts.clauseMap.clauses
      .filter((c) => c.attestation !== undefined)
      .map((c) => ({ clause: c.id, who: c.attestation?.who ?? '', every: c.attestation?.every ?? '' })),
    warnings: [],
    effectivePolicy: { clauseMap: opts.clauseMap, params: {}, waivers: [] },
    devices: [
      { name: 'core-router', kind: 'router', ok: true, collectedAt: opts.started, ms: 40 },
      { name: 'directory', kind: 'directory', ok: true, collectedAt: opts.started, ms: 90 },
    ],
    toolVersion: '0.1.0',
  };
}

const STATUSES: Status[] = ['pass', 'pass', 'pass', 'fail', 'error', 'waived', 'not_applicable'];

/** `n` findings spread over every automatically checked clause, a mix of statuses, some about pupils. */
export function bulkFindings(clauseMap: EffectivePolicy['clauseMap'], n: number, seed = 0): RunFinding[] {
  const clauses = clauseMap.clauses.filter((c) => c.attestation === undefined || c.controls.length > 1);
  const out: RunFinding[] = [];
  for (let i = 0; i < n; i++) {
    const c = clauses[i % clauses.length];
    if (c === undefined) break;
    const status = STATUSES[(i + seed) % STATUSES.length] ?? 'pass';
    const pupil = i % 5 === 0;
    out.push(
      finding({
        checkId: `bulk-check-${i % 40}`,
        status,
        controls: c.controls.slice(0, 1),
        clauses: [c.id],
        personal: pupil ? 'pupil' : 'staff',
        reason: `Account user${i} (${pupil ? 'Pupil' : 'Staff'} Person ${i}) is ${status}.`,
        evidence: [{ source: 'directory', object: `user${i}`, expected: 'disabled', actual: 'enabled' }],
        ...(status === 'waived'
          ? {
              waiver: {
                id: `w${i}`,
                reason: 'Replacement on order',
                approver: 'Business manager',
                granted: '2026-01-01',
                expires: '2026-12-31',
              },
            }
          : {}),
      }),
    );
  }
  return out;
}
