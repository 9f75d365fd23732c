import type { ProbeObservation } from '../../devices/facts.ts';
import { verdict } from '../lib/results.ts';
import type { Check, CheckContext, CheckResult } from '../types.ts';
import { dnsBlocked } from './probe-filter-dns-category.check.ts';
import { capitalised, judgeKind, probeEvidence, whoseDevice } from './observations.ts';

/** Blocked: by name, by connection (refused, reset, dropped), by an error status, or the block page. */
export function webBlocked(o: ProbeObservation): { blocked: boolean; how: string } {
  const ev = o.evidence;
  if (o.outcome === 'refused' || o.outcome === 'timeout')
    return { blocked: true, how: 'the connection was refused or dropped' };
  if (ev['stage'] === 'dns') {
    const ok = dnsBlocked(String(ev['rcode']), (ev['addresses'] as string[] | undefined) ?? [], []);
    return { blocked: ok, how: `the name did not resolve (${String(ev['rcode'])})` };
  }
  if (ev['blockPage'] === true)
    return { blocked: true, how: `the filter's block page was served ("${String(ev['blockPageText'])}")` };
  const status = Number(ev['status'] ?? 0);
  if (status >= 400)
    return { blocked: true, how: `the filter answered HTTP ${status} (its block page was not recognised)` };
  return { blocked: false, how: `the page was served (HTTP ${status})` };
}

function judgeWith(kind: 'web' | 'download') {
  return (o: ProbeObservation, ctx: CheckContext): CheckResult => {
    const { blocked, how } = webBlocked(o);
    const who = capitalised(whoseDevice(ctx.decl, o.network));
    const category = String(o.params['category'] ?? '');
    const https = String(o.params['url'] ?? '').startsWith('https:');
    const what =
      kind === 'download'
        ? 'a program download'
        : `a ${category} test page${https ? ' over a secure (HTTPS) connection' : ''}`;
    return verdict(
      blocked,
      {
        pass: `On the ${o.network} network the filter blocks ${what}.`,
        fail:
          kind === 'download'
            ? `${who} could download a program that the filter should block.`
            : `${who} could reach ${what} that the filter should block.`,
      },
      probeEvidence(o, how),
    );
  };
}

/** The profile's category test pages are blocked over HTTP and HTTPS from every filtered network. */
const check: Check = {
  meta: {
    id: 'probe-filter-web-category',
    title: "The filter blocks each category's test page over HTTP and HTTPS, from every network",
    controls: ['FLT-CATEGORIES', 'FLT-TESTED'],
    needs: ['probes'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const judge = judgeWith('web');
    return judgeKind(facts, ctx.decl, 'filter-web-category', (o) => judge(o, ctx));
  },
};

export const downloadJudge = judgeWith('download');
export default check;
