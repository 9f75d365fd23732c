import type { ProbeObservation } from '../../devices/facts.ts';
import { error, verdict } from '../lib/results.ts';
import type { Check, CheckResult } from '../types.ts';
import { judgeKind, probeEvidence } from './observations.ts';

/** What counts as the filter's DNS saying no. */
export function dnsBlocked(
  rcode: string,
  addresses: readonly string[],
  blockAddresses: readonly string[],
): boolean {
  if (rcode === 'NXDOMAIN' || rcode === 'REFUSED') return true;
  if (rcode !== 'NOERROR') return false;
  if (addresses.length === 0) return true; // NODATA: nothing to connect to
  return addresses.every((a) => a === '0.0.0.0' || a === '::' || blockAddresses.includes(a));
}

function judge(o: ProbeObservation): CheckResult {
  const ev = o.evidence;
  const rcode = String(ev['rcode'] ?? '');
  if (o.outcome !== 'answered' || rcode === '')
    return error(
      `The network ${o.network}'s resolver did not answer for ${o.target}, so the filter could not be tested.`,
      probeEvidence(o),
    );
  if (rcode === 'SERVFAIL')
    return error(
      `The network ${o.network}'s resolver failed (SERVFAIL) for ${o.target}; the filter could not be tested.`,
      probeEvidence(o),
    );
  const addresses = (ev['addresses'] as string[] | undefined) ?? [];
  const block = (o.params['blockAddresses'] as string[] | undefined) ?? [];
  const category = String(o.params['category'] ?? '');
  return verdict(
    dnsBlocked(rcode, addresses, block),
    {
      pass: `On ${o.network} the filter's DNS blocks the ${category} test name ${o.target}.`,
      fail: `On ${o.network} the ${category} test name ${o.target} resolves (${addresses.join(', ')}), so the filter lets that category through.`,
    },
    probeEvidence(o),
  );
}

/** From inside each network, the filter's DNS refuses the category test names of its profile. */
const check: Check = {
  meta: {
    id: 'probe-filter-dns-category',
    title: "The filter's DNS blocks each category's test name, from every network",
    controls: ['FLT-CATEGORIES', 'FLT-TESTED'],
    needs: ['probes'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts) {
    return judgeKind(facts, 'filter-dns-category', judge);
  },
};

export default check;
