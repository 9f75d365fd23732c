import { accountPersonal } from '../lib/people.ts';
import { fail, withRest } from '../lib/results.ts';
import { directoryFacts } from '../lib/sources.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = Record<string, never>;

const check: Check<Params> = {
  meta: {
    id: 'directory-account-password-not-required',
    title: 'Every enabled account needs a password',
    controls: ['ACC-PW-NOT-REQUIRED'],
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
      if (!a.enabled) continue;
      if (!a.passwordNotRequired) {
        fine++;
        continue;
      }
      const uac = a.userAccountControl === undefined ? '' : ` (userAccountControl ${a.userAccountControl})`;
      out.push(
        fail(
          `${a.username} may have an empty password: the "password not required" flag is set${uac}.`,
          {
            source: 'directory',
            object: a.username,
            expected: 'password required',
            actual: 'PASSWD_NOTREQD set',
          },
          accountPersonal(a, ctx, facts),
        ),
      );
    }
    return withRest(out, fine, 'enabled account', 'a password is required.', 'directory');
  },
};

export default check;
