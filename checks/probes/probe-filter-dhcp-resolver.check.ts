import { verdict } from '../lib/results.ts';
import type { Check } from '../types.ts';
import { capitalised, judgeKind, probeEvidence, whoseDevice } from './observations.ts';

/** What each filtered network's DHCP really hands out is the declared filtering DNS. */
const check: Check = {
  meta: {
    id: 'probe-filter-dhcp-resolver',
    title: "Each filtered network's DHCP hands out the filtering DNS (as offered, not as configured)",
    controls: ['FLT-DNS-FORCED'],
    needs: ['probes'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    return judgeKind(facts, ctx.decl, 'filter-dhcp-resolver', (o) => {
      const offered = (o.evidence['offered'] as string[] | undefined) ?? [];
      const declared = (o.params['declared'] as string[] | undefined) ?? [];
      const ok = offered.length > 0 && offered.every((a) => declared.includes(a));
      return verdict(
        ok,
        {
          pass: `The ${o.network} network hands out the school's filtering DNS.`,
          fail: `${capitalised(whoseDevice(ctx.decl, o.network))} joining the ${o.network} network is told to use a DNS server that is not the school's filter.`,
        },
        probeEvidence(o),
      );
    });
  },
};

export default check;
