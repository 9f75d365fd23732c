import { allPolicies, policyName } from '../lib/passwords.ts';
import { verdict } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = Record<string, never>;

/**
 * Information, not a fault: forced expiry is what some schools' policies ask for, and what the NCSC
 * advises against. The control's severity is `info`, so this never lowers the school's standing much;
 * it keeps the conflict visible for governors.
 */
const check: Check<Params> = {
  meta: {
    id: 'directory-password-expiry-guidance',
    title: 'Forced password expiry differs from NCSC advice',
    controls: ['PW-EXPIRY-GUIDANCE'],
    needs: ['directory'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    return allPolicies(dir.value).map((p) => {
      const name = policyName(p, dir.value);
      return verdict(
        p.maxAgeDays === 0,
        {
          pass: `${name} does not force password changes, as the NCSC advises.`,
          fail: `${name} forces a password change every ${p.maxAgeDays} days, which the NCSC advises against; a conflict to discuss, not a fault.`,
        },
        {
          source: 'directory',
          object: p.source,
          expected: 'no forced expiry (NCSC)',
          actual: p.maxAgeDays === 0 ? 'no expiry' : `${p.maxAgeDays} days`,
        },
      );
    });
  },
};

export default check;
