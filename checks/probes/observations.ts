/**
 * Shared judging of probe observations: every probe check turns each observation of its kind into one
 * result, and an observation whose probe could not run into an `error`, never a pass. Without any
 * probe facts (no `schoolnet probe` run), a probe check is an error saying so.
 */
import type { ProbeObservation, SchoolFacts } from '../../devices/facts.ts';

import { error } from '../lib/results.ts';
import type { CheckResult, Evidence } from '../types.ts';

export function probeEvidence(o: ProbeObservation, extra = ''): Evidence {
  return {
    source: `probe:${o.network}`,
    object: `${o.kind}:${o.case}`,
    expected: o.expected,
    actual: `${o.asked} -> ${o.answered}${extra ? `; ${extra}` : ''} (${o.durationMs} ms)`,
  };
}

/** Results of one probe kind: `judge` sees only observations whose probe ran. */
export function judgeKind(
  facts: SchoolFacts,
  kind: string,
  judge: (o: ProbeObservation) => CheckResult,
): CheckResult[] {
  if (facts.probes === undefined)
    return [
      error(
        'The probes have not run for this school, so this could not be tested from inside its networks.',
        {
          source: 'probes',
          object: kind,
          expected: 'results of schoolnet probe (or the site agent) for this run',
          actual: 'no probe results',
        },
      ),
    ];
  return facts.probes.observations
    .filter((o) => o.kind === kind)
    .map((o) =>
      o.outcome === 'error'
        ? error(
            `The ${kind} probe could not run on network ${o.network}: ${o.error?.message ?? o.answered}.`,
            probeEvidence(o, o.error ? `error ${o.error.code}` : ''),
          )
        : judge(o),
    );
}
