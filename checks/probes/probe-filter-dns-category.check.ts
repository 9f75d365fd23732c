import type { ProbeObservation } from '../../devices/facts.ts';
import { error, verdict } from '../lib/results.ts';
import type { Check, CheckContext, CheckResult } from '../types.ts';
import { capitalised, judgeKind, probeEvidence, whoseDevice } from './observations.ts';

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

function judge(o: ProbeObservation, ctx: CheckContext): CheckResult {
  const ev = o.evidence;
  const rcode = String(ev['rcode'] ?? '');
  if (o.outcome !== 'answered' || rcode === '' || rcode === 'SERVFAIL')
    return error(
      `The ${o.network} network's DNS server did not answer properly (${o.answered}), so the filter could not be tested.`,
      probeEvidence(o),
    );
  const addresses = (ev['addresses'] as string[] | undefined) ?? [];
  const block = (o.params['blockAddresses'] as string[] | undefined) ?? [];
  const category = String(o.params['category'] ?? '');
  const who = whoseDevice(ctx.decl, o.network);
  return verdict(
    dnsBlocked(rcode, addresses, block),
    {
      pass: `On the ${o.network} network the filter blocks the ${category} test site by name.`,
      fail: `${capitalised(who)} could look up a ${category} test site that the filter should block.`,
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
  evaluate(facts, _params, ctx) {
    return judgeKind(facts, ctx.decl, 'filter-dns-category', (o) => judge(o, ctx));
  },
};

export default check;
