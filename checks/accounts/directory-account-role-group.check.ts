import { accountPersonal } from '../lib/people.ts';
import { fail, notApplicable, withRest } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = Record<string, never>;

function same(a: string, b: string): boolean {
  // Groups may be declared as CN or DN; facts carry CNs.
  const cn = (s: string): string => (/^cn=([^,]+)/i.exec(s)?.[1] ?? s).toLowerCase();
  return cn(a) === cn(b);
}

/** Each staff and pupil account is in its role's group and not in the other role's group (role templates). */
const check: Check<Params> = {
  meta: {
    id: 'directory-account-role-group',
    title: "Accounts are in their role's group only",
    controls: ['ACC-ROLE-GROUPS'],
    needs: ['directory', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const roles = ctx.decl.directory?.roleGroups;
    if (roles === undefined || (roles.staff === undefined && roles.pupils === undefined)) {
      return [
        notApplicable('The declaration names no role groups for staff and pupils.', {
          source: 'declaration',
        }),
      ];
    }
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    const out: CheckResult[] = [];
    let fine = 0;
    for (const a of dir.value.accounts) {
      if (!a.enabled || (a.ou !== 'staff' && a.ou !== 'pupils')) continue;
      const own = a.ou === 'staff' ? roles.staff : roles.pupils;
      const other = a.ou === 'staff' ? roles.pupils : roles.staff;
      const inGroup = (g: string | undefined): boolean => g !== undefined && a.groups.some((x) => same(x, g));
      const problems: string[] = [];
      if (own !== undefined && !inGroup(own)) problems.push(`not in ${own}`);
      if (other !== undefined && inGroup(other)) problems.push(`also in ${other}`);
      if (problems.length === 0) {
        fine++;
        continue;
      }
      out.push(
        fail(
          `${a.username} (${a.ou}) is ${problems.join(' and ')}.`,
          {
            source: 'directory',
            object: a.username,
            expected: own === undefined ? `not in ${other ?? ''}` : `member of ${own}`,
            actual: a.groups.length === 0 ? 'no groups' : a.groups.join(', '),
          },
          accountPersonal(a, ctx, facts),
        ),
      );
    }
    return withRest(out, fine, 'enabled account', "in its role's group.", 'directory');
  },
};

export default check;
