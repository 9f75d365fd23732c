import { notApplicable, verdict } from '../lib/results.ts';
import { reach } from '../lib/reachability.ts';
import { forEachRouter } from '../lib/sources.ts';
import { acceptingRules, beyondDeclared, declaredAllows, liveReachability } from '../lib/zones.ts';
import type { NetworkRole } from '../../inventory/types.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = { roles: NetworkRole[] };

/**
 * Guest and BYOD networks reach the internet and nothing inside the school, except what the
 * declaration explicitly allows (a filtering DNS server, say).
 */
const check: Check<Params> = {
  meta: {
    id: 'routeros-zone-internet-only',
    title: 'Guest and personal devices get internet only',
    controls: ['NET-INTERNET-ONLY'],
    needs: ['router', 'declaration'],
    params: {
      type: 'object',
      properties: {
        roles: {
          type: 'array',
          items: { enum: ['pupils', 'staff', 'guests', 'byod', 'servers', 'management'] },
          default: ['guests', 'byod'],
        },
      },
      additionalProperties: false,
    },
    defaults: { roles: ['guests', 'byod'] },
  },
  evaluate(facts, params, ctx) {
    const present = new Set(ctx.decl.networks.map((n) => n.role));
    const judged = params.roles.filter((r) => present.has(r));
    if (judged.length === 0)
      return [notApplicable('The declaration has no guest or BYOD network.', { source: 'declaration' })];
    return forEachRouter(facts, ctx, (r, device) => {
      const table = liveReachability(ctx, r, device);
      const out: CheckResult[] = [];
      for (const from of judged) {
        for (const to of [...present].filter((x) => x !== from)) {
          const pair = reach(table, from, to);
          if (pair === undefined) continue;
          const allowed = declaredAllows(ctx, from, to);
          const extra = beyondDeclared(pair, allowed);
          out.push(
            verdict(
              extra.length === 0,
              {
                pass:
                  pair.allowed.length === 0
                    ? `${from} cannot reach ${to}.`
                    : `${from} reaches ${to} only on declared services (${pair.allowed.join(', ')}).`,
                fail: `${from} ${pair.uncertain ? 'may reach' : 'reaches'} ${to}, not just the internet, on ${acceptingRules(pair, extra)}.`,
              },
              {
                source: r.device,
                object: `${from} -> ${to}`,
                expected:
                  allowed === 'all'
                    ? 'anything (declared)'
                    : allowed.length === 0
                      ? 'nothing'
                      : allowed.join(', '),
                actual: pair.allowed.length === 0 ? 'nothing' : pair.allowed.join(', '),
              },
            ),
          );
        }
        const internet = reach(table, from, 'internet');
        if (internet !== undefined) {
          out.push(
            verdict(
              internet.allowed.length > 0,
              {
                pass: `${from} reaches the internet.`,
                fail: `${from} cannot reach the internet at all, so the network serves no purpose or traffic is leaving another way.`,
              },
              {
                source: r.device,
                object: `${from} -> internet`,
                expected: 'allowed',
                actual: internet.allowed.length === 0 ? 'nothing' : internet.allowed.join(', '),
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
