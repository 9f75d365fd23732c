import { fail, pass, plural } from '../lib/results.ts';
import type { Check, CheckResult } from '../types.ts';
import { reconcile, registerFacts, sightingObject, unreadSources } from './register-facts.ts';

type Params = Record<string, never>;

/** Every device the network or the directory shows is in the asset register. */
const check: Check<Params> = {
  meta: {
    id: 'inventory-devices-registered',
    title: 'Every device on the network is in the asset register',
    controls: ['INV-ASSETS'],
    needs: ['register', 'router', 'switch', 'directory', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const reg = registerFacts(facts, ctx);
    if (!reg.ok) return reg.results;
    const out: CheckResult[] = unreadSources(facts);
    const r = reconcile(facts, reg.value, ctx);
    for (const s of r.unregistered)
      out.push(
        fail(`${s.source} reports ${s.detail} (${sightingObject(s)}), which is not in the asset register.`, {
          source: s.source,
          object: sightingObject(s),
          expected: 'in the asset register',
          actual: `not registered: ${s.detail}`,
        }),
      );
    const matched = r.seen.size;
    if (matched > 0 || out.length === 0)
      out.push(
        pass(`${plural(matched, 'registered device')} seen on the network or in the directory.`, {
          source: 'register',
          object: '(registered devices seen)',
          actual: String(matched),
        }),
      );
    return out;
  },
};

export default check;
