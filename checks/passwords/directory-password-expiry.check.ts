import { allPolicies, policyName } from '../lib/passwords.ts';
import { fail, notApplicable, pass } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { maxAgeDays: number };

/** Only for schools whose policy says passwords are changed on a schedule (the clause binds the period). */
const check: Check<Params> = {
  meta: {
    id: 'directory-password-expiry',
    title: "Passwords expire as the school's policy requires",
    controls: ['PW-EXPIRY'],
    needs: ['directory'],
    params: {
      type: 'object',
      properties: {
        maxAgeDays: {
          type: 'integer',
          minimum: 0,
          maximum: 3650,
          default: 0,
          description: "The school's change period in days; 0 = the policy asks for no forced change.",
        },
      },
      additionalProperties: false,
    },
    defaults: { maxAgeDays: 0 },
  },
  evaluate(facts, params, ctx) {
    if (params.maxAgeDays === 0) {
      return [
        notApplicable("The school's policy does not ask for passwords to be changed on a schedule.", {
          source: 'directory',
        }),
      ];
    }
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    return allPolicies(dir.value).map((p) => {
      const name = policyName(p, dir.value);
      const evidence = {
        source: 'directory',
        object: p.source,
        expected: `1..${params.maxAgeDays} days`,
        actual: p.maxAgeDays === 0 ? 'never expires' : `${p.maxAgeDays} days`,
      };
      if (p.maxAgeDays === 0) {
        return fail(
          `${name} never makes people change their password; the policy asks for a change every ${params.maxAgeDays} days.`,
          evidence,
        );
      }
      if (p.maxAgeDays > params.maxAgeDays) {
        return fail(
          `${name} makes people change their password every ${p.maxAgeDays} days; the policy asks for ${params.maxAgeDays}.`,
          evidence,
        );
      }
      return pass(`${name} makes people change their password every ${p.maxAgeDays} days.`, evidence);
    });
  },
};

export default check;
