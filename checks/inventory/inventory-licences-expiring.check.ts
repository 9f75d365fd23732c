import { fail, notApplicable, pass, plural } from '../lib/results.ts';
import type { Check, CheckResult } from '../types.ts';
import { licencePosition } from './licence-facts.ts';
import { registerFacts } from './register-facts.ts';

type Params = { expiryWarningDays: number | null };

/** No licence or subscription runs out unnoticed: those ending within the school's period, or ended. */
const check: Check<Params> = {
  meta: {
    id: 'inventory-licences-expiring',
    title: 'Licences and subscriptions are renewed in time',
    controls: ['INV-LICENCES'],
    needs: ['register'],
    params: {
      type: 'object',
      properties: {
        expiryWarningDays: {
          type: ['integer', 'null'],
          minimum: 0,
          maximum: 730,
          default: null,
          description: "null = the declaration's inventory.licenceExpiryWarningDays (else 60).",
        },
      },
      additionalProperties: false,
    },
    defaults: { expiryWarningDays: null },
  },
  evaluate(facts, params, ctx) {
    const reg = registerFacts(facts, ctx);
    if (!reg.ok) return reg.results;
    if (reg.value.licences.length === 0)
      return [notApplicable('The register lists no licences.', { source: 'register' })];
    const days = params.expiryWarningDays ?? ctx.decl.inventory?.licenceExpiryWarningDays ?? 60;
    const r = licencePosition(reg.value, ctx, days);
    const out: CheckResult[] = [];
    const ref = (c?: string) => (c ? ` (contract ${c})` : '');
    for (const e of r.expiring)
      out.push(
        fail(
          `The ${e.licence.kind} licence for ${e.licence.title}${ref(e.licence.contractRef)} expires on ${e.licence.expiry}, in ${plural(e.days, 'day')}.`,
          {
            source: 'register',
            object: `${e.licence.title} licence`,
            expected: `expiry more than ${days} days away`,
            actual: `expires ${e.licence.expiry}`,
          },
        ),
      );
    for (const e of r.expired)
      out.push(
        fail(
          `The ${e.licence.kind} licence for ${e.licence.title}${ref(e.licence.contractRef)} expired on ${e.licence.expiry} and has not been renewed.`,
          {
            source: 'register',
            object: `${e.licence.title} licence`,
            expected: 'in force',
            actual: `expired ${e.licence.expiry}`,
          },
        ),
      );
    const total = reg.value.licences.length;
    if (total - out.length > 0 || out.length === 0)
      out.push(
        pass(
          `${plural(total - out.length, 'licence')} in force beyond the next ${days} days or without an end date.`,
          {
            source: 'register',
            object: '(other licences)',
            actual: String(total - out.length),
          },
        ),
      );
    return out;
  },
};

export default check;
