import { allPolicies, policyName } from '../lib/passwords.ts';
import { fail, pass } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { maxThreshold: number };

/** Lockout after at most N failures (CS-4 and Cyber Essentials: 10); 0 means never locks. */
const check: Check<Params> = {
  meta: {
    id: 'directory-password-lockout',
    title: 'Accounts lock after a few wrong passwords',
    controls: ['PW-LOCKOUT'],
    needs: ['directory'],
    params: {
      type: 'object',
      properties: { maxThreshold: { type: 'integer', minimum: 1, maximum: 10, default: 10 } },
      additionalProperties: false,
    },
    defaults: { maxThreshold: 10 },
  },
  evaluate(facts, params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    return allPolicies(dir.value).map((p) => {
      const name = policyName(p, dir.value);
      const evidence = {
        source: 'directory',
        object: p.source,
        expected: `1..${params.maxThreshold} failures`,
        actual: p.lockoutThreshold === 0 ? 'never locks' : `${p.lockoutThreshold} failures`,
      };
      if (p.lockoutThreshold === 0) {
        return fail(`${name} never locks an account, so passwords can be guessed without limit.`, evidence);
      }
      if (p.lockoutThreshold > params.maxThreshold) {
        return fail(
          `${name} locks an account only after ${p.lockoutThreshold} wrong passwords; at most ${params.maxThreshold} are allowed.`,
          evidence,
        );
      }
      return pass(`${name} locks an account after ${p.lockoutThreshold} wrong passwords.`, evidence);
    });
  },
};

export default check;
