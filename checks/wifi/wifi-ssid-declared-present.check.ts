import type { RouterFacts } from '../../devices/facts.ts';
import { collectionError } from '../lib/sources.ts';
import { error, fail, notApplicable, pass } from '../lib/results.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = Record<string, never>;

/** Every declared SSID is broadcast, enabled, by at least one router. */
const check: Check<Params> = {
  meta: {
    id: 'wifi-ssid-declared-present',
    title: 'Declared Wi-Fi networks are present',
    controls: ['CFG-DRIFT'],
    needs: ['router', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    if (ctx.decl.wifi.length === 0)
      return [notApplicable('The declaration has no Wi-Fi networks.', { source: 'declaration' })];
    const ok: RouterFacts[] = [];
    const failed: CheckResult[] = [];
    for (const c of facts.routers) {
      if (c.ok) ok.push(c.facts);
      else failed.push(collectionError(c));
    }
    if (ok.length === 0 && failed.length === 0) {
      return [
        error('No router was collected, so the Wi-Fi networks could not be judged.', {
          source: 'router',
          actual: 'not collected',
        }),
      ];
    }
    const out: CheckResult[] = [...failed];
    for (const s of ctx.decl.wifi) {
      const where = ok.flatMap((r) => r.wifi.filter((w) => w.ssid === s.ssid).map((w) => ({ r, w })));
      const on = where.filter((x) => !x.w.disabled);
      const source = on[0]?.r.device ?? where[0]?.r.device ?? ok[0]?.device ?? 'router';
      const evidence = {
        source,
        object: s.ssid,
        expected: 'broadcast',
        actual:
          on.length > 0
            ? on.map((x) => `${x.r.device}/${x.w.name}`).join(', ')
            : where.length > 0
              ? 'disabled'
              : 'absent',
      };
      if (on.length > 0) out.push(pass(`${s.ssid} is broadcast by ${evidence.actual}.`, evidence));
      // A router we could not read may be the one broadcasting it: cannot say it is missing.
      else if (failed.length > 0)
        out.push(error(`${s.ssid} was not found on the routers that could be read.`, evidence));
      else if (where.length > 0) out.push(fail(`${s.ssid} is configured but disabled.`, evidence));
      else out.push(fail(`${s.ssid} is declared but no router broadcasts it.`, evidence));
    }
    return out;
  },
};

export default check;
