import { patterns } from '../lib/people.ts';
import { fail, pass } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import { daysBetween } from '../lib/time.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = { guestPatterns: string[]; maxDays: number };

/** Temporary visitor logins must carry an expiry no further away than the school allows. */
const check: Check<Params> = {
  meta: {
    id: 'directory-account-guest-expires',
    title: 'Guest accounts expire',
    controls: ['ACC-GUEST-EXPIRY'],
    needs: ['directory'],
    params: {
      type: 'object',
      properties: {
        guestPatterns: {
          type: 'array',
          items: { type: 'string', format: 'regex' },
          default: ['^(guest|visitor|temp)'],
          description: 'Usernames that are guest accounts (case-insensitive regular expressions).',
        },
        maxDays: { type: 'integer', minimum: 1, maximum: 365, default: 30 },
      },
      additionalProperties: false,
    },
    defaults: { guestPatterns: ['^(guest|visitor|temp)'], maxDays: 30 },
  },
  evaluate(facts, params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    const guest = patterns(params.guestPatterns);
    const out: CheckResult[] = [];
    for (const a of dir.value.accounts) {
      if (!a.enabled || !guest.some((g) => g.test(a.username))) continue;
      const left = a.accountExpires === undefined ? undefined : daysBetween(ctx.now, a.accountExpires);
      const evidence = {
        source: 'directory',
        object: a.username,
        expected: `expires within ${params.maxDays} days`,
        actual: a.accountExpires === undefined ? 'never expires' : `expires ${a.accountExpires.slice(0, 10)}`,
      };
      if (left === undefined) {
        out.push(fail(`Guest account ${a.username} never expires.`, evidence, 'other'));
      } else if (left > params.maxDays) {
        out.push(
          fail(
            `Guest account ${a.username} stays valid for ${left} more days; at most ${params.maxDays} are allowed.`,
            evidence,
            'other',
          ),
        );
      } else {
        out.push(
          pass(`Guest account ${a.username} expires in ${Math.max(left, 0)} days.`, evidence, 'other'),
        );
      }
    }
    if (out.length === 0) out.push(pass('There are no enabled guest accounts.', { source: 'directory' }));
    return out;
  },
};

export default check;
