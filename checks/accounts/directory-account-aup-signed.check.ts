import { accountPersonal, rosterMatcher } from '../lib/people.ts';
import { fail, notApplicable, withRest } from '../lib/results.ts';
import { directoryAndRoster } from '../lib/sources.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = Record<string, never>;

/** Where the school grants access only after the acceptable use agreement, every enabled person has a date. */
const check: Check<Params> = {
  meta: {
    id: 'directory-account-aup-signed',
    title: 'Enabled accounts have a signed acceptable use agreement',
    controls: ['ACC-AUP'],
    needs: ['directory', 'roster', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    if (ctx.decl.lifecycle?.requireAup !== true) {
      return [
        notApplicable('The declaration does not require an acceptable use agreement before access.', {
          source: 'declaration',
        }),
      ];
    }
    const src = directoryAndRoster(facts, ctx);
    if (!src.ok) return src.results;
    const { dir, roster } = src.value;
    const match = rosterMatcher(roster.people, ctx);
    const out: CheckResult[] = [];
    let fine = 0;
    for (const a of dir.accounts) {
      if (!a.enabled || (a.ou !== 'staff' && a.ou !== 'pupils')) continue;
      const person = match.personOf(a);
      // Accounts with nobody behind them are the roster check's business.
      if (person === undefined) continue;
      const signed = person.aupSigned ?? a.aupSigned;
      if (signed !== undefined && signed !== '') {
        fine++;
        continue;
      }
      out.push(
        fail(
          `${a.username} is enabled but no acceptable use agreement is recorded (roster line ${person.line}).`,
          { source: 'directory', object: a.username, expected: 'agreement date recorded', actual: 'none' },
          accountPersonal(a, ctx, facts),
        ),
      );
    }
    return withRest(out, fine, 'enabled account', 'agreement recorded.', 'directory');
  },
};

export default check;
