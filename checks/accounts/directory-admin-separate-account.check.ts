import { inRoleGroup, isAdmin, isBreakGlass } from '../lib/people.ts';
import { fail, withRest } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = { flagMailbox: boolean };

/**
 * An admin account must not be someone's everyday account: not in the staff or pupil OU or role group,
 * and (by default) without a mailbox, since reading email with admin rights is the routine use CS-4 forbids.
 */
const check: Check<Params> = {
  meta: {
    id: 'directory-admin-separate-account',
    title: 'Administrators use separate admin accounts',
    controls: ['ADM-SEPARATE'],
    needs: ['directory', 'declaration'],
    params: {
      type: 'object',
      properties: { flagMailbox: { type: 'boolean', default: true } },
      additionalProperties: false,
    },
    defaults: { flagMailbox: true },
  },
  evaluate(facts, params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    const out: CheckResult[] = [];
    let fine = 0;
    for (const a of dir.value.accounts) {
      if (!a.enabled || !isAdmin(a, dir.value.adminGroups) || isBreakGlass(ctx, a)) continue;
      const why: string[] = [];
      if (a.ou === 'staff' || a.ou === 'pupils') why.push(`sits in the ${a.ou} OU`);
      if (inRoleGroup(a, ctx, 'staff') || inRoleGroup(a, ctx, 'pupils'))
        why.push('is in an everyday role group');
      if (params.flagMailbox && a.mail !== undefined && a.mail !== '') why.push(`has a mailbox (${a.mail})`);
      if (why.length === 0) {
        fine++;
        continue;
      }
      out.push(
        fail(
          `Admin account ${a.username} is also an everyday account: it ${why.join(', ')}.`,
          { source: 'directory', object: a.username, expected: 'admin-only account', actual: why.join('; ') },
          a.ou === 'pupils' ? 'pupil' : 'staff',
        ),
      );
    }
    return withRest(out, fine, 'admin account', 'used for administration only.', 'directory');
  },
};

export default check;
