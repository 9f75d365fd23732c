import { allPolicies, policyName } from '../lib/passwords.ts';
import { verdict } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { minHistory: number };

const check: Check<Params> = {
  meta: {
    id: 'directory-password-history',
    title: 'Recent passwords cannot be reused',
    controls: ['PW-HISTORY'],
    needs: ['directory'],
    params: {
      type: 'object',
      properties: { minHistory: { type: 'integer', minimum: 1, maximum: 24, default: 5 } },
      additionalProperties: false,
    },
    defaults: { minHistory: 5 },
  },
  evaluate(facts, params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    return allPolicies(dir.value).map((p) => {
      const name = policyName(p, dir.value);
      return verdict(
        p.historyLength >= params.minHistory,
        {
          pass: `${name} remembers the last ${p.historyLength} passwords.`,
          fail: `${name} remembers only ${p.historyLength} previous passwords; the policy asks for ${params.minHistory}.`,
        },
        {
          source: 'directory',
          object: p.source,
          expected: `>= ${params.minHistory}`,
          actual: String(p.historyLength),
        },
      );
    });
  },
};

export default check;
