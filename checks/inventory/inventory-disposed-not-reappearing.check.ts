import { fail, pass, plural } from '../lib/results.ts';
import type { Check, CheckResult } from '../types.ts';
import { reconcile, registerFacts, sightingObject, unreadSources } from './register-facts.ts';

type Params = Record<string, never>;

/** Nothing recorded as disposed of shows up on the network or signs in to the directory. */
const check: Check<Params> = {
  meta: {
    id: 'inventory-disposed-not-reappearing',
    title: 'Disposed equipment does not reappear',
    controls: ['INV-DISPOSAL', 'INV-DISPOSED-SEEN'],
    needs: ['register', 'router', 'switch', 'directory', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const reg = registerFacts(facts, ctx);
    if (!reg.ok) return reg.results;
    const out: CheckResult[] = unreadSources(facts);
    const r = reconcile(facts, reg.value, ctx);
    for (const x of r.reappeared) {
      const d = x.asset.disposal;
      out.push(
        fail(
          `${x.asset.assetTag} (${x.asset.model}, serial ${x.asset.serial}) was recorded as disposed of${d?.date ? ` on ${d.date}` : ''}${d?.company ? ` via ${d.company}` : ''}, but ${x.sighting.source} reports it: ${x.sighting.detail}.`,
          [
            {
              source: x.sighting.source,
              object: sightingObject(x.sighting),
              expected: 'not seen (disposed)',
              actual: `seen: ${x.sighting.detail}`,
            },
            {
              source: 'register',
              object: x.asset.assetTag,
              expected: 'disposed',
              actual: `disposed ${d?.date ?? '(no date)'}, certificate ${d?.certificate || '(none)'}`,
            },
          ],
        ),
      );
    }
    const disposed = reg.value.assets.filter((a) => a.status === 'disposed').length;
    const quiet = disposed - new Set(r.reappeared.map((x) => x.asset.assetTag)).size;
    if (quiet > 0 || out.length === 0)
      out.push(
        pass(`${plural(quiet, 'disposed asset')} not seen on the network or in the directory.`, {
          source: 'register',
          object: '(disposed assets)',
          actual: String(quiet),
        }),
      );
    return out;
  },
};

export default check;
