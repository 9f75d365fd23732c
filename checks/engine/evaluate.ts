/**
 * Running the selected checks over the collected facts. Each check runs in its own try/catch: one that
 * throws becomes an `error` finding naming it and the run goes on. A check whose facts could not be
 * collected yields `error` findings naming the device and the cause, never a `pass`.
 */
import type { CheckContext, CheckResult, FactNeed, Finding, Severity } from '../types.ts';
import type { SelectedCheck } from './select.ts';
import type { DeviceStatus, RunFinding } from './types.ts';

/** What the engine needs from the control catalogue and the framework files. */
export interface CatalogueView {
  /** The most severe of the controls' severities. */
  severityOf(controls: readonly string[]): Severity;
  /** External references (e.g. `CE-UAC`, `DfE:CS-4`) for the controls, limited to the school's frameworks. */
  referencesOf(controls: readonly string[]): string[];
}

/** Which collected sources a need depends on. CLI facts ride on the SNMP switch (see collect.ts). */
const SOURCES: Record<FactNeed, DeviceStatus['kind'][]> = {
  router: ['router'],
  switch: ['switch'],
  'switch-cli': ['switch-cli', 'switch'],
  directory: ['directory'],
  roster: ['roster'],
  register: ['register'],
  declaration: [],
  probes: ['probes'],
};

export function findingKey(checkId: string, r: Pick<CheckResult, 'evidence'>): string {
  const e = r.evidence[0];
  return `${checkId}|${e?.source ?? ''}|${e?.object ?? ''}`;
}

function collectionError(d: DeviceStatus): CheckResult {
  const err = d.error ?? { code: 'E-INTERNAL', message: 'unknown failure' };
  return {
    status: 'error',
    reason:
      `Could not read ${d.name} (${err.code}): ${err.message}${err.hint ? `; ${err.hint}` : ''}.`.replace(
        /\.\.$/,
        '.',
      ),
    evidence: [
      { source: d.name, expected: `${d.kind} facts collected`, actual: `${err.code}: ${err.message}` },
    ],
  };
}

export function evaluateChecks(
  selected: readonly SelectedCheck[],
  facts: Parameters<SelectedCheck['check']['evaluate']>[0],
  devices: readonly DeviceStatus[],
  ctx: CheckContext,
  catalogue: CatalogueView,
): RunFinding[] {
  const findings: RunFinding[] = [];
  const keys = new Map<string, number>();
  // A check judged against more than one clause's limits keys each set of findings by that clause,
  // so trends follow each limit separately; a check with one set of limits keeps its plain key.
  const sets = new Map<string, number>();
  for (const s of selected) sets.set(s.check.meta.id, (sets.get(s.check.meta.id) ?? 0) + 1);
  for (const { check, params, clauses, judgedAgainst } of selected) {
    const id = check.meta.id;
    const relevant = new Set(check.meta.needs.flatMap((n) => SOURCES[n]));
    const failed = devices.filter((d) => !d.ok && relevant.has(d.kind));
    // A need none of whose sources answered cannot be judged at all: do not let the check guess.
    const starved = check.meta.needs.some((n) => {
      const srcs = devices.filter((d) => SOURCES[n].includes(d.kind));
      return srcs.length > 0 && srcs.every((d) => !d.ok);
    });
    let results: CheckResult[] = [];
    if (!starved) {
      try {
        results = check.evaluate(facts, params, ctx);
        if (!Array.isArray(results)) throw new Error('evaluate did not return a list of results');
      } catch (e) {
        results = [
          {
            status: 'error',
            reason: `Check ${id} failed while judging the facts: ${e instanceof Error ? e.message : String(e)}.`,
            evidence: [
              { source: 'schoolnet', object: id, expected: 'the check completes', actual: 'it threw' },
            ],
          },
        ];
      }
    }
    for (const d of failed) {
      const covered = results.some(
        (r) => r.status === 'error' && r.evidence.some((e) => e.source === d.name),
      );
      if (!covered) results.push(collectionError(d));
    }
    if (results.length === 0)
      results.push({
        status: 'not_applicable',
        reason: `Nothing in this school's declaration or facts for ${id} to judge.`,
        evidence: [{ source: 'declaration', object: id }],
      });
    const severity = catalogue.severityOf(check.meta.controls);
    const references = catalogue.referencesOf(check.meta.controls);
    for (const r of results) {
      let key = findingKey(id, r);
      if ((sets.get(id) ?? 0) > 1 && judgedAgainst !== undefined) key = `${key}@${judgedAgainst}`;
      const seen = keys.get(key) ?? 0;
      keys.set(key, seen + 1);
      if (seen > 0) key = `${key}#${seen + 1}`;
      const f: Finding = {
        ...r,
        checkId: id,
        key,
        status: r.status,
        severity,
        controls: [...check.meta.controls],
        clauses: [...clauses],
        references: [...references],
        params: { ...params },
      };
      if (judgedAgainst !== undefined) f.judgedAgainst = judgedAgainst;
      findings.push(f);
    }
  }
  return findings;
}
