import { allPolicies, policyName } from '../lib/passwords.ts';
import { fail, notApplicable, pass } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { minMinutes: number };

/**
 * A locked account stays locked for at least the school's minimum ("locked for at least 15
 * minutes"). 0 in the directory means locked until an administrator unlocks it (AD lockoutDuration
 * "never", OpenLDAP pwdLockoutDuration 0): the strictest. A policy that never locks is the lockout
 * check's failure, not this one's.
 */
const check: Check<Params> = {
  meta: {
    id: 'directory-password-lockout-duration',
    title: 'Locked accounts stay locked long enough',
    controls: ['PW-LOCKOUT'],
    needs: ['directory'],
    params: {
      type: 'object',
      properties: {
        minMinutes: {
          type: 'integer',
          minimum: 1,
          maximum: 100000,
          default: 15,
          description:
            "Minutes an account stays locked at least; defaults to the declaration's lockoutDurationMinutes.",
        },
      },
      additionalProperties: false,
    },
    defaults: { minMinutes: 15 },
  },
  evaluate(facts, params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    return allPolicies(dir.value).map((p) => {
      const name = policyName(p, dir.value);
      const actual =
        p.lockoutThreshold === 0
          ? 'never locks'
          : p.lockoutDurationMinutes === 0
            ? 'until an administrator unlocks it'
            : `${p.lockoutDurationMinutes} minutes`;
      const evidence = {
        source: 'directory',
        object: `${p.source} lockout duration`,
        expected: `>= ${params.minMinutes} minutes`,
        actual,
      };
      if (p.lockoutThreshold === 0)
        return notApplicable(`${name} never locks an account, so there is no lockout to last.`, evidence);
      if (p.lockoutDurationMinutes === 0)
        return pass(`${name} keeps a locked account locked until an administrator unlocks it.`, evidence);
      if (p.lockoutDurationMinutes < params.minMinutes)
        return fail(
          `${name} unlocks an account after ${p.lockoutDurationMinutes} minutes; the policy asks for at least ${params.minMinutes}.`,
          evidence,
        );
      return pass(`${name} keeps a locked account locked for ${p.lockoutDurationMinutes} minutes.`, evidence);
    });
  },
};

export default check;
