import { missingDisposalParts } from '../../inventory/register/reconcile.ts';
import { fail, list, withRest } from '../lib/results.ts';
import type { Check, CheckResult } from '../types.ts';
import { registerFacts } from './register-facts.ts';

type Params = Record<string, never>;

/** Each disposed item has its date, authorised company, receipt or certificate, and WEEE reference. */
const check: Check<Params> = {
  meta: {
    id: 'inventory-disposal-records-complete',
    title: 'Disposal records are complete',
    controls: ['INV-DISPOSAL'],
    needs: ['register'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const reg = registerFacts(facts, ctx);
    if (!reg.ok) return reg.results;
    const out: CheckResult[] = [];
    let complete = 0;
    for (const a of reg.value.assets) {
      if (a.status !== 'disposed') continue;
      const missing = missingDisposalParts(a);
      if (missing.length === 0) {
        complete++;
        continue;
      }
      out.push(
        fail(
          `${a.assetTag} (${a.model}, serial ${a.serial}) is disposed of but its record lacks the ${list(missing)}.`,
          {
            source: 'register',
            object: a.assetTag,
            expected: 'date, authorised company, certificate and WEEE reference',
            actual: `missing: ${missing.join(', ')}`,
          },
        ),
      );
    }
    return withRest(out, complete, 'disposal record', 'complete', 'register');
  },
};

export default check;
