import { accountPersonal } from '../lib/people.ts';
import { error, fail, notApplicable, pass, plural } from '../lib/results.ts';
import type { Check, CheckResult } from '../types.ts';
import { licencePosition, seatsText } from './licence-facts.ts';
import { registerFacts } from './register-facts.ts';

type Params = Record<string, never>;

/**
 * For each licensed title, what uses it does not exceed the seats in force: installations for
 * per-device licences, the enabled members of the licence's assigned directory group for per-user
 * ones (leavers still in the group are named: they hold a seat for nobody). Unused seats are noted.
 */
const check: Check<Params> = {
  meta: {
    id: 'inventory-licences-sufficient',
    title: 'Installations are within the licences bought',
    controls: ['INV-LICENCES'],
    needs: ['register'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const reg = registerFacts(facts, ctx);
    if (!reg.ok) return reg.results;
    const out: CheckResult[] = [];
    for (const p of licencePosition(reg.value, ctx, null, facts).positions) {
      if (p.active.length === 0) continue;
      if (p.basis === 'users') {
        const u = p.users;
        const groups = (u?.groups ?? []).join(', ');
        const evidence = {
          source: 'register',
          object: p.title,
          expected: `enabled members of ${groups || 'its assigned group'} <= ${seatsText(p)}`,
          actual: u?.unknown === undefined ? `${u?.holders ?? 0} hold a seat` : 'not known',
        };
        if (u === undefined || u.unknown !== undefined) {
          out.push(
            error(`${p.title}: ${seatsText(p)}, but ${u?.unknown ?? 'its users are not known'}.`, evidence),
          );
          continue;
        }
        if (u.missingGroups.length > 0)
          out.push(
            fail(
              `${p.title}: its per-user licences name ${plural(u.missingGroups.length, 'group')} the directory does not have (${u.missingGroups.join(', ')}).`,
              { ...evidence, actual: `missing: ${u.missingGroups.join(', ')}` },
            ),
          );
        if (p.status === 'over-deployed')
          out.push(
            fail(
              `${p.title} is assigned to ${plural(u.holders, 'user')} (${groups}) but only ${seatsText(p)} are licensed.`,
              evidence,
            ),
          );
        else if (p.status === 'unused-seats' && typeof p.seats === 'number')
          out.push(
            pass(
              `${p.title}: ${u.holders} of ${seatsText(p)} held; ${p.seats - u.holders} unused (worth reviewing at renewal).`,
              evidence,
            ),
          );
        else out.push(pass(`${p.title}: ${u.holders} users hold its ${seatsText(p)}.`, evidence));
        const dir = facts.directory?.ok === true ? facts.directory.facts.accounts : [];
        for (const name of u.leavers) {
          const a = dir.find((x) => x.username === name);
          out.push(
            fail(
              `${name} has left (${a?.enabled === false ? 'disabled' : 'in the leavers OU'}) but still holds a ${p.title} seat through ${groups}.`,
              {
                source: 'directory',
                object: name,
                expected: `not a member of ${groups}`,
                actual: `member; ${a?.enabled === false ? 'disabled' : 'leavers OU'}`,
              },
              a === undefined ? 'other' : accountPersonal(a, ctx, facts),
            ),
          );
        }
        continue;
      }
      const evidence = {
        source: 'register',
        object: p.title,
        expected: `installs <= ${seatsText(p)}`,
        actual: `${p.installs} installed`,
      };
      if (p.status === 'over-deployed')
        out.push(
          fail(
            `${p.title} is installed on ${p.installs} devices but only ${seatsText(p)} are licensed.`,
            evidence,
          ),
        );
      else if (p.status === 'unused-seats' && typeof p.seats === 'number')
        out.push(
          pass(
            `${p.title}: ${p.installs} of ${seatsText(p)} in use; ${p.seats - p.installs} unused (worth reviewing at renewal).`,
            evidence,
          ),
        );
      else out.push(pass(`${p.title}: ${p.installs} installed, within ${seatsText(p)}.`, evidence));
    }
    if (out.length === 0)
      out.push(
        notApplicable('No licence is in force to compare installations with.', { source: 'register' }),
      );
    return out;
  },
};

export default check;
