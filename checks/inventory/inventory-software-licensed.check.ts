import { fail, notApplicable, pass, plural } from '../lib/results.ts';
import type { Check, CheckResult } from '../types.ts';
import { licencePosition } from './licence-facts.ts';
import { registerFacts } from './register-facts.ts';

type Params = Record<string, never>;

/** Every installed title has a licence in force, unless the software list marks it as needing none. */
const check: Check<Params> = {
  meta: {
    id: 'inventory-software-licensed',
    title: 'Installed software is licensed',
    controls: ['INV-LICENCES'],
    needs: ['register'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const reg = registerFacts(facts, ctx);
    if (!reg.ok) return reg.results;
    if (reg.value.installs.length === 0)
      return [notApplicable('The register has no installation counts to judge.', { source: 'register' })];
    // One position per title: a title with per-user and per-device licences has two.
    const seen = new Set<string>();
    const positions = licencePosition(reg.value, ctx, null, facts).positions.filter((p) => {
      if (p.installs === 0 || seen.has(p.title)) return false;
      seen.add(p.title);
      return true;
    });
    const out: CheckResult[] = positions
      .filter((p) => p.status === 'unlicensed')
      .map((p) =>
        fail(
          `${p.title} is installed on ${plural(p.installs, 'device')} with no licence in force${
            p.ended.length > 0
              ? ` (the last one expired ${p.ended
                  .map((l) => l.expiry)
                  .sort()
                  .at(-1)})`
              : ''
          }.`,
          {
            source: 'register',
            object: p.title,
            expected: 'a licence in force',
            actual: `${p.installs} installed, unlicensed`,
          },
        ),
      );
    const fine = positions.length - out.length;
    if (fine > 0 || out.length === 0)
      out.push(
        pass(`${plural(fine, 'installed title')} licensed or free to use.`, {
          source: 'register',
          object: '(other titles)',
          actual: String(fine),
        }),
      );
    return out;
  },
};

export default check;
