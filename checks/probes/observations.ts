/**
 * Shared judging of probe observations: every probe check turns each observation of its kind into one
 * result, and an observation whose probe could not run into an `error`, never a pass. Without any
 * probe facts (no `schoolnet probe` run), a probe check is an error saying so.
 */
import type { ProbeObservation, SchoolFacts } from '../../devices/facts.ts';

import { error, notApplicable } from '../lib/results.ts';
import type { SchoolDeclaration } from '../../inventory/types.ts';
import type { CheckResult, Evidence } from '../types.ts';

/** Whose device a network's probe stands for, in a head's words. */
export function whoseDevice(decl: SchoolDeclaration, network: string): string {
  const role = decl.networks.find((n) => n.name === network)?.role;
  switch (role) {
    case 'pupils':
      return "a pupil's laptop";
    case 'staff':
      return 'a staff laptop';
    case 'guests':
      return "a visitor's device";
    case 'byod':
      return 'a personal device';
    default:
      return 'a device';
  }
}

/** `A pupil's laptop` at the start of a sentence. */
export function capitalised(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

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
  decl: SchoolDeclaration,
  kind: string,
  judge: (o: ProbeObservation) => CheckResult,
): CheckResult[] {
  // Evidence for the technician carries the network, the target and the answer; reasons stay plain.
  if (facts.probes === undefined) {
    // No probe ran in this run. A school that declares where its probes send from expects them: that
    // is an error. A school that declares no positions is not tested from inside: not applicable, so
    // a clause resting on the probes alone is "not checked", never met.
    if ((decl.probes?.positions.length ?? 0) > 0)
      return [
        error(
          'The filtering probes did not run with this audit, so filtering was not tested from inside the school.',
          {
            source: 'probes',
            object: kind,
            expected: 'results of schoolnet probe (or the site agent) for this run',
            actual: 'no probe results',
          },
        ),
      ];
    return [
      notApplicable(
        'No probe positions are declared for this school, so its filtering is not tested from inside its networks.',
        {
          source: 'probes',
          object: kind,
          expected: 'probes.positions in the declaration, and schoolnet probe run from the school',
          actual: 'none declared',
        },
      ),
    ];
  }
  return facts.probes.observations
    .filter((o) => o.kind === kind)
    .map((o) =>
      o.outcome === 'error'
        ? error(
            `A filtering test on the ${o.network} network could not be run, so it proves nothing: ${o.error?.message ?? o.answered}.`,
            probeEvidence(o, o.error ? `error ${o.error.code}` : ''),
          )
        : judge(o),
    );
}
