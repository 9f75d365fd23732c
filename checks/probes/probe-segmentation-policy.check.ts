import { error, notApplicable } from '../lib/results.ts';
import type { Check } from '../types.ts';
import { judgeSegmentation } from './segmentation-judge.ts';

const KIND = 'segmentation';

/**
 * Segmentation proven by packets: from each network, connections to the agent's listeners in every other
 * network on the services the zone policy names (and one it does not) agree with the declared policy.
 * One result per connection attempt; any difference fails with what was sent and what came back.
 */
const check: Check = {
  meta: {
    id: 'probe-segmentation-policy',
    title: 'Packets between the networks do what the zone policy says',
    controls: ['NET-ISOLATION'],
    needs: ['probes', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const positioned = (ctx.decl.probes?.positions ?? []).length;
    if (positioned < 2)
      return [
        notApplicable(
          'Fewer than two networks have a probe position, so no packets can cross between them.',
          {
            source: 'declaration',
            object: 'probes.positions',
          },
        ),
      ];
    if (facts.probes === undefined)
      return [
        error(
          'The network-separation test has not run for this school, so it is not known whether the networks are really kept apart.',
          {
            source: 'probes',
            object: KIND,
            expected: 'connections between the networks this run',
            actual: 'no probe results',
          },
        ),
      ];
    const observed = facts.probes.observations.filter((o) => o.kind === KIND);
    if (observed.length === 0)
      return [
        error('The network-separation test did not run this time (no result from the probes).', {
          source: 'probes',
          object: KIND,
          expected: 'connections between the networks',
          actual: 'none',
        }),
      ];
    return observed.map((o) => judgeSegmentation(o, ctx.decl));
  },
};

export default check;
