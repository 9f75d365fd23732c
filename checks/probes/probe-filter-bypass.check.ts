import type { ProbeObservation } from '../../devices/facts.ts';
import { pass, verdict } from '../lib/results.ts';
import type { Check, CheckContext, CheckResult } from '../types.ts';
import { dnsBlocked } from './probe-filter-dns-category.check.ts';
import { capitalised, judgeKind, probeEvidence, whoseDevice } from './observations.ts';

function judge(o: ProbeObservation, ctx: CheckContext): CheckResult {
  const ev = o.evidence;
  const via = String(o.params['via']);
  const who = capitalised(whoseDevice(ctx.decl, o.network));
  const closed = o.outcome === 'timeout' || o.outcome === 'refused';
  if (via === 'dns') {
    if (closed)
      return pass(`On the ${o.network} network DNS to an outside server is blocked.`, probeEvidence(o));
    const redirected =
      o.params['redirectable'] === true &&
      dnsBlocked(
        String(ev['rcode'] ?? ''),
        (ev['addresses'] as string[] | undefined) ?? [],
        (o.params['blockAddresses'] as string[] | undefined) ?? [],
      );
    return verdict(
      redirected,
      {
        pass: `On the ${o.network} network DNS to an outside server is sent to the school's filter.`,
        fail: `${who} could use an outside DNS server instead of the school's filter.`,
      },
      probeEvidence(
        o,
        redirected
          ? 'answered with the block answer: redirected to the filter'
          : 'the outside server answered',
      ),
    );
  }
  if (via === 'dot')
    return verdict(
      closed,
      {
        pass: `On the ${o.network} network encrypted DNS (DNS over TLS) is blocked.`,
        fail: `${who} could use encrypted DNS (DNS over TLS) to get round the filter.`,
      },
      probeEvidence(o),
    );
  // DoH: blocked unless a DNS answer came back.
  const answered = o.outcome === 'answered' && ev['dnsAnswered'] === true;
  return verdict(
    !answered,
    {
      pass: `On the ${o.network} network encrypted DNS over HTTPS to a public resolver is blocked.`,
      fail: `${who} could use encrypted DNS over HTTPS to get round the filter.`,
    },
    probeEvidence(o),
  );
}

/** Outside DNS, DNS over TLS and DNS over HTTPS cannot be used from the school's filtered networks. */
const check: Check = {
  meta: {
    id: 'probe-filter-bypass',
    title: 'Outside DNS, DNS over TLS and DNS over HTTPS are blocked from every filtered network',
    controls: ['FLT-BYPASS', 'FLT-DNS-FORCED'],
    needs: ['probes'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    return judgeKind(facts, ctx.decl, 'filter-bypass', (o) => judge(o, ctx));
  },
};

export default check;
