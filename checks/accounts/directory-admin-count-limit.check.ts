import { isAdmin } from '../lib/people.ts';
import { list, verdict } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { maxAdmins: number };

/** Admin rights for a handful of technical staff only; each extra admin widens what one mistake can do. */
const check: Check<Params> = {
  meta: {
    id: 'directory-admin-count-limit',
    title: 'Few accounts have admin rights',
    controls: ['ADM-LEAST'],
    needs: ['directory'],
    params: {
      type: 'object',
      properties: { maxAdmins: { type: 'integer', minimum: 1, maximum: 50, default: 5 } },
      additionalProperties: false,
    },
    defaults: { maxAdmins: 5 },
  },
  evaluate(facts, params, ctx) {
    const dir = directoryFacts(facts, ctx);
    if (!dir.ok) return dir.results;
    const admins = dir.value.accounts
      .filter((a) => a.enabled && isAdmin(a, dir.value.adminGroups))
      .map((a) => a.username);
    return [
      verdict(
        admins.length <= params.maxAdmins,
        {
          pass: `${admins.length} enabled accounts have admin rights (at most ${params.maxAdmins}).`,
          fail: `${admins.length} enabled accounts have admin rights (${list(admins)}); the policy allows at most ${params.maxAdmins}.`,
        },
        {
          source: 'directory',
          object: 'admin accounts',
          expected: `<= ${params.maxAdmins}`,
          actual: String(admins.length),
        },
      ),
    ];
  },
};

export default check;
