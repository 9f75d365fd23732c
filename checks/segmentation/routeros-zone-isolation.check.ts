import { notApplicable, verdict } from '../lib/results.ts';
import { reach } from '../lib/reachability.ts';
import { forEachRouter } from '../lib/sources.ts';
import {
  acceptingRules,
  beyondDeclared,
  declaredAllows,
  liveReachability,
  PROTECTED_ROLES,
  UNTRUSTED_ROLES,
} from '../lib/zones.ts';
import type { NetworkRole } from '../../inventory/types.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = { from: NetworkRole[]; to: NetworkRole[] };

const ROLES = ['pupils', 'staff', 'guests', 'byod', 'servers', 'management'];

/**
 * Pupil, guest and BYOD networks cannot open connections to staff, server or management networks,
 * beyond the services the declaration allows (e.g. pupils to servers on tcp/443), judged from the
 * router's forward chain.
 */
const check: Check<Params> = {
  meta: {
    id: 'routeros-zone-isolation',
    title: 'Pupil and guest networks cannot reach staff, servers or management',
    controls: ['NET-ISOLATION'],
    needs: ['router', 'declaration'],
    params: {
      type: 'object',
      properties: {
        from: { type: 'array', items: { enum: ROLES }, default: [...UNTRUSTED_ROLES] },
        to: { type: 'array', items: { enum: ROLES }, default: [...PROTECTED_ROLES] },
      },
      additionalProperties: false,
    },
    defaults: { from: [...UNTRUSTED_ROLES], to: [...PROTECTED_ROLES] },
  },
  evaluate(facts, params, ctx) {
    const roles = new Set(ctx.decl.networks.map((n) => n.role));
    const froms = params.from.filter((r) => roles.has(r));
    const tos = params.to.filter((r) => roles.has(r));
    if (froms.length === 0 || tos.length === 0) {
      return [
        notApplicable('The declaration has no untrusted and protected networks to keep apart.', {
          source: 'declaration',
        }),
      ];
    }
    return forEachRouter(facts, ctx, (r, device) => {
      const table = liveReachability(ctx, r, device);
      const out: CheckResult[] = [];
      for (const from of froms) {
        for (const to of tos) {
          const pair = reach(table, from, to);
          if (pair === undefined) continue;
          const allowed = declaredAllows(ctx, from, to);
          const extra = beyondDeclared(pair, allowed);
          const declared =
            allowed === 'all' ? 'anything (declared)' : allowed.length === 0 ? 'nothing' : allowed.join(', ');
          out.push(
            verdict(
              extra.length === 0,
              {
                pass:
                  pair.allowed.length === 0
                    ? `${from} cannot open connections to ${to}.`
                    : `${from} reaches ${to} only on what the declaration allows (${pair.allowed.join(', ')}).`,
                fail: `${from} ${pair.uncertain ? 'may be able to' : 'can'} open connections to ${to} on ${acceptingRules(pair, extra)}.`,
              },
              {
                source: r.device,
                object: `${from} -> ${to}`,
                expected: declared,
                actual: pair.allowed.length === 0 ? 'nothing' : pair.allowed.join(', '),
              },
            ),
          );
        }
      }
      return out;
    });
  },
};

export default check;
