import { describeNat, inboundDstNat } from '../lib/nat.ts';
import { pass, verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = { commentPattern: string | null };

/** Each port forward from the internet carries a comment; a school may insist on a ticket reference. */
const check: Check<Params> = {
  meta: {
    id: 'routeros-nat-inbound-documented',
    title: 'Port forwards are documented',
    controls: ['FW-INBOUND-DOCUMENTED'],
    needs: ['router', 'declaration'],
    params: {
      type: 'object',
      properties: {
        commentPattern: {
          type: ['string', 'null'],
          format: 'regex',
          default: null,
          description:
            'A comment must match this (e.g. a ticket reference "TKT-[0-9]+"); null = any non-empty comment.',
        },
      },
      additionalProperties: false,
    },
    defaults: { commentPattern: null },
  },
  evaluate(facts, params, ctx) {
    const pattern = params.commentPattern === null ? undefined : new RegExp(params.commentPattern, 'i');
    return forEachRouter(facts, ctx, (r, device) => {
      const rules = inboundDstNat(r, device, ctx);
      if (rules.length === 0)
        return [
          pass(`${r.device} forwards no ports from the internet.`, { source: r.device, object: 'dstnat' }),
        ];
      return rules.map((rule) => {
        const comment = rule.comment?.trim() ?? '';
        const ok = comment !== '' && (pattern === undefined || pattern.test(comment));
        return verdict(
          ok,
          {
            pass: `Port forward ${rule.id} (${describeNat(rule)}) is documented: "${comment}".`,
            fail:
              comment === ''
                ? `Port forward ${rule.id} (${describeNat(rule)}) has no comment saying what it is for.`
                : `Port forward ${rule.id} (${describeNat(rule)}) has a comment without the required reference: "${comment}".`,
          },
          {
            source: r.device,
            object: `nat ${rule.id}`,
            expected:
              pattern === undefined ? 'a comment' : `a comment matching ${params.commentPattern ?? ''}`,
            actual: comment === '' ? 'no comment' : comment,
          },
        );
      });
    });
  },
};

export default check;
