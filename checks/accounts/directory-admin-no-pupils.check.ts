import { inRoleGroup, isAdmin } from '../lib/people.ts';
import { fail, withRest } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = Record<string, never>;

/** A pupil account with admin rights could switch off filtering and monitoring: always a finding. */
const check: Check<Params> = {
  meta: {
    id: 'directory-admin-no-pupils',
    title: 'No pupil account has admin rights',
    controls: ['ADM-LEAST'],
    needs: ['directory'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    const out: CheckResult[] = [];
    let fine = 0;
    for (const a of dir.value.accounts) {
      if (a.ou !== 'pupils' && !inRoleGroup(a, ctx, 'pupils')) continue;
      if (!isAdmin(a, dir.value.adminGroups)) {
        fine++;
        continue;
      }
      out.push(
        fail(
          `Pupil account ${a.username} has admin rights${a.enabled ? '' : ' (account disabled)'}.`,
          { source: 'directory', object: a.username, expected: 'no admin rights', actual: 'admin' },
          'pupil',
        ),
      );
    }
    return withRest(out, fine, 'pupil account', 'no admin rights.', 'directory');
  },
};

export default check;
