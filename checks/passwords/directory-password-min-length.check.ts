import { allPolicies, policyName } from '../lib/passwords.ts';
import { verdict } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { minLength: number };

/** Every password policy in the directory (domain and fine-grained) must demand the school's length. */
const check: Check<Params> = {
  meta: {
    id: 'directory-password-min-length',
    title: 'Passwords are at least the minimum length',
    controls: ['PW-LENGTH'],
    needs: ['directory'],
    params: {
      type: 'object',
      properties: {
        minLength: {
          type: 'integer',
          minimum: 1,
          maximum: 128,
          default: 12,
          description: "The school's minimum; Cyber Essentials: 12, or 8 with a common-password block-list.",
        },
      },
      additionalProperties: false,
    },
    defaults: { minLength: 12 },
  },
  evaluate(facts, params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    return allPolicies(dir.value).map((p) => {
      const name = policyName(p, dir.value);
      return verdict(
        p.minLength >= params.minLength,
        {
          pass: `${name} requires at least ${p.minLength} characters (the policy asks for ${params.minLength}).`,
          fail: `${name} accepts passwords of ${p.minLength} characters; the policy asks for at least ${params.minLength}.`,
        },
        {
          source: 'directory',
          object: p.source,
          expected: `>= ${params.minLength}`,
          actual: String(p.minLength),
        },
      );
    });
  },
};

export default check;
