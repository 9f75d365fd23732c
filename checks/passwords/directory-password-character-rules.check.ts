import { allPolicies, policyName } from '../lib/passwords.ts';
import { notApplicable, pass, fail } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { requireComplexity: boolean; requireUpper: boolean; requireDigit: boolean };

/**
 * Character rules per the school's clause. Directories enforce "complexity" (three of upper, lower,
 * digit, symbol), not "one upper and one digit" exactly, so complexity on is the closest enforceable
 * setting and is accepted for either rule; the reason says so.
 */
const check: Check<Params> = {
  meta: {
    id: 'directory-password-character-rules',
    title: 'Passwords must contain the character kinds the policy asks for',
    controls: ['PW-COMPLEXITY'],
    needs: ['directory'],
    params: {
      type: 'object',
      properties: {
        requireComplexity: { type: 'boolean', default: false },
        requireUpper: { type: 'boolean', default: false },
        requireDigit: { type: 'boolean', default: false },
      },
      additionalProperties: false,
    },
    defaults: { requireComplexity: false, requireUpper: false, requireDigit: false },
  },
  evaluate(facts, params, ctx) {
    const asked = [
      params.requireComplexity ? 'mixed character kinds' : undefined,
      params.requireUpper ? 'an uppercase letter' : undefined,
      params.requireDigit ? 'a digit' : undefined,
    ].filter((x): x is string => x !== undefined);
    if (asked.length === 0) {
      return [
        notApplicable("The school's policy sets no character rules (the NCSC advises length instead).", {
          source: 'directory',
        }),
      ];
    }
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    const want = asked.join(' and ');
    return allPolicies(dir.value).map((p) => {
      const name = policyName(p, dir.value);
      const evidence = {
        source: 'directory',
        object: p.source,
        expected: `passwords contain ${want}`,
        actual: p.complexity ? 'complexity on (3 of upper, lower, digit, symbol)' : 'complexity off',
      };
      if (!p.complexity)
        return fail(`${name} does not enforce character rules; the policy asks for ${want}.`, evidence);
      const exact = params.requireUpper || params.requireDigit;
      return pass(
        exact
          ? `${name} enforces complexity, the closest the directory can get to "${want}" (3 of 4 character kinds).`
          : `${name} enforces complexity.`,
        evidence,
      );
    });
  },
};

export default check;
