import { fail, notApplicable, pass, plural } from '../lib/results.ts';
import type { Check, CheckResult } from '../types.ts';
import { reconcile, registerFacts, unreadSources } from './register-facts.ts';

type Params = { notSeenAfterDays: number | null };

/**
 * In-use equipment that belongs on the network has been seen recently: in this run, or by the
 * register's last-seen date within the school's period. Missing kit may be lost or stolen.
 */
const check: Check<Params> = {
  meta: {
    id: 'inventory-devices-seen',
    title: 'In-use registered devices have been seen recently',
    controls: ['INV-ASSETS'],
    needs: ['register', 'router', 'switch', 'directory', 'declaration'],
    params: {
      type: 'object',
      properties: {
        notSeenAfterDays: {
          type: ['integer', 'null'],
          minimum: 1,
          maximum: 3650,
          default: null,
          description: "null = the declaration's inventory.notSeenAfterDays (else 30).",
        },
      },
      additionalProperties: false,
    },
    defaults: { notSeenAfterDays: null },
  },
  evaluate(facts, params, ctx) {
    const reg = registerFacts(facts, ctx);
    if (!reg.ok) return reg.results;
    // With a source unread, "not seen" would blame devices for the audit's own gap.
    const unread = unreadSources(facts);
    if (unread.length > 0) return unread;
    const limit = params.notSeenAfterDays ?? ctx.decl.inventory?.notSeenAfterDays ?? 30;
    const r = reconcile(facts, reg.value, ctx, limit);
    const out: CheckResult[] = r.notSeen.map((n) =>
      fail(
        n.lastSeen === undefined
          ? `${n.asset.assetTag} (${n.asset.kind} ${n.asset.model}) is in use but was not seen in this run and has no last-seen date.`
          : `${n.asset.assetTag} (${n.asset.kind} ${n.asset.model}) is in use but was last seen ${n.days} days ago (${n.lastSeen}), more than ${limit}.`,
        {
          source: 'register',
          object: n.asset.assetTag,
          expected: `seen within ${limit} days`,
          actual: n.lastSeen === undefined ? 'never seen' : `last seen ${n.lastSeen}`,
        },
      ),
    );
    if (r.seen.size > 0)
      out.push(
        pass(`${plural(r.seen.size, 'registered device')} seen in this run.`, {
          source: 'register',
          object: '(devices seen)',
          actual: String(r.seen.size),
        }),
      );
    if (out.length === 0)
      out.push(notApplicable('No in-use network device is registered.', { source: 'register' }));
    return out;
  },
};

export default check;
