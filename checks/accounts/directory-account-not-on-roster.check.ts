import { accountPersonal, isBreakGlass, patterns, rosterMatcher } from '../lib/people.ts';
import { fail, withRest } from '../lib/results.ts';
import { directoryAndRoster } from '../lib/sources.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = { ous: ('staff' | 'pupils' | 'other')[]; allow: string[] };

/** Every enabled account in the people OUs belongs to someone on the MIS roster. */
const check: Check<Params> = {
  meta: {
    id: 'directory-account-not-on-roster',
    title: 'Every enabled account matches someone on the roster',
    controls: ['ACC-ROSTER'],
    needs: ['directory', 'roster'],
    params: {
      type: 'object',
      properties: {
        ous: {
          type: 'array',
          items: { enum: ['staff', 'pupils', 'other'] },
          default: ['staff', 'pupils'],
          description: 'Which OUs hold accounts that must belong to people.',
        },
        allow: {
          type: 'array',
          items: { type: 'string', format: 'regex' },
          default: [],
          description: 'Usernames of documented accounts with no person (service accounts).',
        },
      },
      additionalProperties: false,
    },
    defaults: { ous: ['staff', 'pupils'], allow: [] },
  },
  evaluate(facts, params, ctx) {
    const src = directoryAndRoster(facts, ctx);
    if (!src.ok) return src.results;
    const { dir, roster } = src.value;
    const match = rosterMatcher(roster.people, ctx);
    const allowed = patterns(params.allow);
    const ous = new Set<string>(params.ous);
    const out: CheckResult[] = [];
    let fine = 0;
    for (const a of dir.accounts) {
      if (!a.enabled || !ous.has(a.ou) || isBreakGlass(ctx, a) || allowed.some((p) => p.test(a.username)))
        continue;
      if (match.personOf(a) !== undefined) {
        fine++;
        continue;
      }
      out.push(
        fail(
          `${a.username} (${a.ou} OU) is enabled but matches nobody on the roster ${roster.file}.`,
          { source: 'directory', object: a.username, expected: 'a person on the roster', actual: 'no match' },
          accountPersonal(a, ctx, facts),
        ),
      );
    }
    return withRest(out, fine, 'enabled account', 'each matches a person on the roster.', 'directory');
  },
};

export default check;
