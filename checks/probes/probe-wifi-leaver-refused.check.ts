import type { ProbeObservation } from '../../devices/facts.ts';
import { error, notApplicable } from '../lib/results.ts';
import type { Check, CheckResult } from '../types.ts';
import { judgeLeaverCanary, type CanaryAttempt } from './leaver-canary-judge.ts';

const KIND = 'radius-leaver-canary';

/** The canary's two sign-ins, as the collector put them in the observation's evidence. */
function attemptsOf(o: ProbeObservation): CanaryAttempt[] {
  const ev = o.evidence;
  const [server = '', address = ''] = String(ev['server'] ?? '').split(' ');
  return (['enabled', 'leaver'] as const).flatMap((kind) => {
    const outcome = ev[`${kind}Outcome`];
    if (typeof outcome !== 'string') return [];
    const detail = ev[`${kind}Detail`];
    return [
      {
        kind,
        account: String(ev[`${kind}Account`] ?? ''),
        server,
        address,
        eap: String(ev['eap'] ?? ''),
        outcome: outcome as CanaryAttempt['outcome'],
        packets: Array.isArray(ev[`${kind}Packets`]) ? (ev[`${kind}Packets`] as string[]) : [],
        ...(typeof detail === 'string' ? { detail } : {}),
        ms: Number(ev[`${kind}Ms`] ?? 0),
      },
    ];
  });
}

function judge(o: ProbeObservation): CheckResult {
  const attempts = attemptsOf(o);
  if (attempts.length === 0)
    return error(
      `The Wi-Fi sign-in test for leavers could not run from the ${o.network} network: ${o.error?.message ?? o.answered}.`,
      {
        source: `probe:${o.network}`,
        object: `canary:${o.case}`,
        expected: o.expected,
        actual: `${o.asked} -> ${o.answered}${o.error ? `; error ${o.error.code}` : ''} (${o.durationMs} ms)`,
      },
    );
  return judgeLeaverCanary(`probe:${o.network}`, attempts);
}

/**
 * The 802.1X leaver canary: acting as a RADIUS client with the agent's own secret, a leaver's account
 * (kept disabled in the leavers OU by the lifecycle) is refused, while an enabled canary is accepted
 * (without that, the refusal proves nothing and the result is an error).
 */
const check: Check = {
  meta: {
    id: 'probe-wifi-leaver-refused',
    title: "A leaver's account cannot sign in to the Wi-Fi (802.1X canary)",
    controls: ['ACC-LEAVERS'],
    needs: ['probes', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const declared = (ctx.decl.radius ?? []).filter((r) => r.canary);
    if (declared.length === 0 || !ctx.decl.lifecycle?.canaries)
      return [
        notApplicable('The school declares no 802.1X canary accounts.', {
          source: 'declaration',
          object: 'radius[].canary',
        }),
      ];
    if (facts.probes === undefined)
      return [
        error(
          'The Wi-Fi sign-in test for leavers has not run for this school, so it is not known whether a leaver could still join the Wi-Fi.',
          {
            source: 'probes',
            object: KIND,
            expected: 'a canary sign-in this run',
            actual: 'no probe results',
          },
        ),
      ];
    const observed = facts.probes.observations.filter((o) => o.kind === KIND);
    if (observed.length === 0)
      return [
        error('The Wi-Fi sign-in test for leavers did not run this time (no result from the probes).', {
          source: 'probes',
          object: KIND,
          expected: `a canary sign-in through ${declared.map((r) => r.name).join(', ')}`,
          actual: 'none',
        }),
      ];
    return observed.map(judge);
  },
};

export default check;
