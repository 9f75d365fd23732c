import { accountPersonal } from '../lib/people.ts';
import { fail, notApplicable, withRest } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = { exempt: string[] };

const check: Check<Params> = {
  meta: {
    id: 'directory-account-password-never-expires',
    title: 'No account is exempt from password expiry',
    controls: ['ACC-PW-NEVER-EXPIRES'],
    needs: ['directory'],
    params: {
      type: 'object',
      properties: {
        exempt: {
          type: 'array',
          items: { type: 'string' },
          default: [],
          description: 'Usernames of documented service accounts allowed a non-expiring password.',
        },
      },
      additionalProperties: false,
    },
    defaults: { exempt: [] },
  },
  evaluate(facts, params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    if (dir.value.passwordPolicy.maxAgeDays === 0) {
      return [
        notApplicable('Passwords do not expire for anyone, so the per-account exemption changes nothing.', {
          source: 'directory',
        }),
      ];
    }
    const exempt = new Set(params.exempt.map((u) => u.toLowerCase()));
    const out: CheckResult[] = [];
    let fine = 0;
    for (const a of dir.value.accounts) {
      if (!a.enabled || exempt.has(a.username.toLowerCase())) continue;
      if (!a.passwordNeverExpires) {
        fine++;
        continue;
      }
      out.push(
        fail(
          `${a.username}'s password is set never to expire, bypassing the ${dir.value.passwordPolicy.maxAgeDays}-day rule.`,
          { source: 'directory', object: a.username, expected: 'password expires', actual: 'never expires' },
          accountPersonal(a, ctx, facts),
        ),
      );
    }
    return withRest(out, fine, 'enabled account', 'passwords expire under the policy.', 'directory');
  },
};

export default check;
