import { addMonths, daysBetween } from '../lib/time.ts';
import { error, verdict } from '../lib/results.ts';
import type { Check } from '../types.ts';

type Params = { graceDays: number };

/** The school's online safety policy was reviewed within its own review period (`policy.reviewed` + `reviewEveryMonths`). */
const check: Check<Params> = {
  meta: {
    id: 'governance-policy-review-due',
    title: 'The online safety policy has been reviewed on time',
    controls: ['GOV-POLICY-REVIEW'],
    needs: ['declaration'],
    params: {
      type: 'object',
      properties: { graceDays: { type: 'integer', minimum: 0, maximum: 365, default: 0 } },
      additionalProperties: false,
    },
    defaults: { graceDays: 0 },
  },
  evaluate(_facts, params, ctx) {
    const { reviewed, reviewEveryMonths, file } = ctx.decl.policy;
    const due = addMonths(reviewed, reviewEveryMonths);
    const evidence = {
      source: 'declaration',
      object: file,
      expected: `reviewed every ${reviewEveryMonths} months`,
      actual: `last reviewed ${reviewed}`,
    };
    if (due === undefined) return [error(`The policy review date "${reviewed}" is not a date.`, evidence)];
    const late = daysBetween(due, ctx.now) ?? 0;
    return [
      verdict(
        late <= params.graceDays,
        {
          pass: `The policy was reviewed on ${reviewed}; the next review is due by ${due}.`,
          fail: `The policy review was due on ${due}, ${late} days ago (last reviewed ${reviewed}).`,
        },
        { ...evidence, expected: `review by ${due}` },
      ),
    ];
  },
};

export default check;
