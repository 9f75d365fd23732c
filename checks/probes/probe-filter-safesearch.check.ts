import type { ProbeObservation } from '../../devices/facts.ts';
import { error, verdict } from '../lib/results.ts';
import type { Check, CheckContext, CheckResult } from '../types.ts';
import { capitalised, judgeKind, probeEvidence, whoseDevice } from './observations.ts';

const ENGINE: Record<string, string> = { google: 'Google', bing: 'Bing', youtube: 'YouTube' };

/** The public name is the enforced one: a CNAME to it, or only its addresses. */
export function safeSearchEnforced(
  enforced: string,
  cnames: readonly string[],
  addresses: readonly string[],
  enforcedAddresses: readonly string[],
): boolean {
  if (cnames.includes(enforced.toLowerCase())) return true;
  return (
    addresses.length > 0 &&
    enforcedAddresses.length > 0 &&
    addresses.every((a) => enforcedAddresses.includes(a))
  );
}

function judge(o: ProbeObservation, ctx: CheckContext): CheckResult {
  const ev = o.evidence;
  if (o.outcome !== 'answered' || ev['rcode'] === 'SERVFAIL')
    return error(
      `The ${o.network} network's DNS server did not answer, so SafeSearch could not be tested.`,
      probeEvidence(o),
    );
  const engine = ENGINE[String(o.params['engine'])] ?? String(o.params['engine']);
  const level = o.params['level'] === undefined ? '' : ` (${String(o.params['level'])})`;
  const ok = safeSearchEnforced(
    String(o.params['enforced']),
    (ev['cnames'] as string[] | undefined) ?? [],
    (ev['addresses'] as string[] | undefined) ?? [],
    (ev['enforcedAddresses'] as string[] | undefined) ?? [],
  );
  return verdict(
    ok,
    {
      pass: `On the ${o.network} network ${engine} is locked to its safe results${level}.`,
      fail: `${capitalised(whoseDevice(ctx.decl, o.network))} could use ${engine} without its safe${o.params['engine'] === 'youtube' ? ` (restricted${level})` : ''} setting locked on.`,
    },
    probeEvidence(o),
  );
}

/** Google, Bing and YouTube answer with their enforced SafeSearch names on every filtered network. */
const check: Check = {
  meta: {
    id: 'probe-filter-safesearch',
    title: 'SafeSearch is locked on (Google, Bing, YouTube) from every filtered network',
    controls: ['FLT-SAFESEARCH'],
    needs: ['probes'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    return judgeKind(facts, ctx.decl, 'filter-safesearch', (o) => judge(o, ctx));
  },
};

export default check;
