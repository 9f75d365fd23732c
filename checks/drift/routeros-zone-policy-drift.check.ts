import type { ZoneName } from '../../inventory/types.ts';
import { list, verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import { declaredAllows, liveReachability } from '../lib/zones.ts';
import type { Check, Evidence } from '../types.ts';

type Params = { enforcedBlocks: string[] };

const ENFORCED = ['udp/53', 'tcp/53', 'tcp/853', 'udp/853'];

/**
 * The zone policy as the router really enforces it, pair by pair, against the declaration: traffic the
 * declaration denies but the router accepts, and declared services the router blocks.
 */
const check: Check<Params> = {
  meta: {
    id: 'routeros-zone-policy-drift',
    title: "The router's firewall enforces the declared zone policy",
    controls: ['CFG-DRIFT'],
    needs: ['router', 'declaration'],
    params: {
      type: 'object',
      properties: {
        enforcedBlocks: {
          type: 'array',
          items: { type: 'string' },
          default: ENFORCED,
          description:
            'Services the router may block even where the declaration allows everything (DNS forced to the filter).',
        },
      },
      additionalProperties: false,
    },
    defaults: { enforcedBlocks: ENFORCED },
  },
  evaluate(facts, params, ctx) {
    return forEachRouter(facts, ctx, (r, device) => {
      const table = liveReachability(ctx, r, device);
      const diffs: Evidence[] = [];
      const what: string[] = [];
      for (const pair of table) {
        const allowed = declaredAllows(ctx, pair.from as ZoneName, pair.to as ZoneName);
        const expected =
          allowed === 'all' ? 'everything' : allowed.length === 0 ? 'nothing' : allowed.join(', ');
        const actual =
          pair.verdict === 'allowed'
            ? 'everything'
            : pair.allowed.length === 0
              ? 'nothing'
              : pair.allowed.join(', ');
        const extra = allowed === 'all' ? [] : pair.allowed.filter((s) => !allowed.includes(s));
        const blocked = (
          allowed === 'all'
            ? pair.services.filter((s) => !s.accepted).map((s) => s.service)
            : allowed.filter((s) => !pair.allowed.includes(s))
        ).filter((s) => !params.enforcedBlocks.includes(s));
        if (extra.length === 0 && blocked.length === 0) continue;
        const label = `${pair.from} -> ${pair.to}`;
        diffs.push({ source: r.device, object: label, expected, actual });
        what.push(
          extra.length > 0 ? `${label} accepts ${extra.join(', ')}` : `${label} blocks ${blocked.join(', ')}`,
        );
      }
      return [
        verdict(
          diffs.length === 0,
          {
            pass: `${r.device} enforces the declared zone policy between ${new Set(table.map((p) => p.from)).size} zones.`,
            fail: `${r.device} differs from the declared zone policy: ${list(what, 6)}.`,
          },
          diffs.length === 0
            ? { source: r.device, object: 'zone policy', expected: 'as declared', actual: 'as declared' }
            : diffs,
        ),
      ];
    });
  },
};

export default check;
