import { fail, withRest } from '../lib/results.ts';
import type { Check, CheckResult } from '../types.ts';
import { reconcile, registerFacts } from './register-facts.ts';

type Params = { warranty: boolean };

/** Nothing in use or kept as a spare is past its end of support (and, if asked, its warranty). */
const check: Check<Params> = {
  meta: {
    id: 'inventory-end-of-support',
    title: 'Equipment is within its end of support',
    controls: ['INV-ASSETS'],
    needs: ['register'],
    params: {
      type: 'object',
      properties: {
        warranty: {
          type: 'boolean',
          default: true,
          description: 'Also report in-use equipment whose warranty has ended.',
        },
      },
      additionalProperties: false,
    },
    defaults: { warranty: true },
  },
  evaluate(facts, params, ctx) {
    const reg = registerFacts(facts, ctx);
    if (!reg.ok) return reg.results;
    const r = reconcile(facts, reg.value, ctx);
    const out: CheckResult[] = [];
    for (const e of r.endOfSupport)
      out.push(
        fail(
          `${e.asset.assetTag} (${e.asset.model}) is ${e.asset.status} but its end of support was ${e.date}: it no longer receives security fixes.`,
          {
            source: 'register',
            object: e.asset.assetTag,
            expected: `supported after ${ctx.now.slice(0, 10)}`,
            actual: `end of support ${e.date}`,
          },
        ),
      );
    if (params.warranty)
      for (const e of r.warrantyExpired)
        out.push(
          fail(`${e.asset.assetTag} (${e.asset.model}) is in use and its warranty ended on ${e.date}.`, {
            source: 'register',
            object: `${e.asset.assetTag} warranty`,
            expected: `warranty after ${ctx.now.slice(0, 10)}`,
            actual: `warranty ended ${e.date}`,
          }),
        );
    const judged = reg.value.assets.filter((a) => a.status !== 'disposed').length;
    const flagged = new Set(
      [...r.endOfSupport, ...(params.warranty ? r.warrantyExpired : [])].map((e) => e.asset.assetTag),
    );
    return withRest(out, judged - flagged.size, 'asset', 'within support', 'register');
  },
};

export default check;
