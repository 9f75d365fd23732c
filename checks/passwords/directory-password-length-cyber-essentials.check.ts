import { allPolicies, policyName } from '../lib/passwords.ts';
import { notApplicable, verdict } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { length: number; reducedLength: number; denyListOrMfa: boolean };

/**
 * For schools judged against Cyber Essentials: 12 characters, or 8 with a common-password block-list
 * or multi-factor sign-in. Neither is visible to the audit, so the clause says whether the school has
 * one (`denyListOrMfa`). A school whose own policy asks for 8 passes its clause and fails this: the
 * gap the cross-walk asks to be shown, on the Cyber Essentials requirement (meta.framework) and on
 * no clause of the school, unless a clause binds this check's params.
 */
const check: Check<Params> = {
  meta: {
    id: 'directory-password-length-cyber-essentials',
    title: 'Password length meets Cyber Essentials',
    controls: ['PW-LENGTH'],
    needs: ['directory', 'declaration'],
    params: {
      type: 'object',
      properties: {
        length: { type: 'integer', minimum: 1, maximum: 128, default: 12 },
        reducedLength: { type: 'integer', minimum: 1, maximum: 128, default: 8 },
        denyListOrMfa: {
          type: 'boolean',
          default: false,
          description:
            'The school blocks common passwords or uses multi-factor sign-in (attested), so the reduced length is enough.',
        },
      },
      additionalProperties: false,
    },
    defaults: { length: 12, reducedLength: 8, denyListOrMfa: false },
    // Cyber Essentials' number, not the school's: a clause asking for 10 is judged by 10 (min-length),
    // and this finding shows the gap on the Cyber Essentials requirement, on no clause.
    framework: 'cyber-essentials',
  },
  evaluate(facts, params, ctx) {
    if (!ctx.decl.school.standards.includes('cyber-essentials')) {
      return [notApplicable('The school is not judged against Cyber Essentials.', { source: 'declaration' })];
    }
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    const need = params.denyListOrMfa ? params.reducedLength : params.length;
    const how = params.denyListOrMfa
      ? 'with a block-list or multi-factor sign-in'
      : 'without a recorded block-list or multi-factor sign-in';
    return allPolicies(dir.value).map((p) => {
      const name = policyName(p, dir.value);
      return verdict(
        p.minLength >= need,
        {
          pass: `${name} requires ${p.minLength} characters, enough for Cyber Essentials ${how}.`,
          fail: `${name} requires ${p.minLength} characters; Cyber Essentials asks for ${need} ${how}.`,
        },
        {
          source: 'directory',
          object: p.source,
          expected: `>= ${need} (Cyber Essentials)`,
          actual: String(p.minLength),
        },
      );
    });
  },
};

export default check;
