import { fail, notApplicable, pass } from '../lib/results.ts';
import type { Check, CheckResult } from '../types.ts';
import { licencePosition, seatsText } from './licence-facts.ts';
import { registerFacts } from './register-facts.ts';

type Params = Record<string, never>;

/** For each licensed title, installations do not exceed the seats in force; unused seats are noted. */
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
    for (const p of licencePosition(reg.value, ctx).positions) {
      if (p.active.length === 0) continue;
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
