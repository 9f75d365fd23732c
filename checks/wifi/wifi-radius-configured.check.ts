import { notApplicable, verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import type { CheckResult } from '../types.ts';
import type { Check } from '../types.ts';

type Params = Record<string, never>;

/**
 * A router with Enterprise SSIDs needs an enabled RADIUS entry for service `wireless`, pointing at each
 * RADIUS server the declaration names for those SSIDs.
 */
const check: Check<Params> = {
  meta: {
    id: 'wifi-radius-configured',
    title: 'RADIUS is configured for Enterprise Wi-Fi',
    controls: ['WIFI-RADIUS'],
    needs: ['router', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    return forEachRouter(facts, ctx, (r) => {
      const eap = r.wifi.filter((w) => !w.disabled && w.authenticationTypes.some((t) => t.endsWith('-eap')));
      if (eap.length === 0)
        return [notApplicable(`${r.device} has no Enterprise SSIDs.`, { source: r.device })];
      const wireless = r.radius.filter((x) => !x.disabled && x.service.includes('wireless'));
      const names = new Set(
        ctx.decl.wifi.filter((s) => eap.some((w) => w.ssid === s.ssid)).flatMap((s) => s.radius ?? []),
      );
      const servers = (ctx.decl.radius ?? []).filter((s) => names.has(s.name));
      const out: CheckResult[] = [];
      if (servers.length === 0) {
        out.push(
          verdict(
            wireless.length > 0,
            {
              pass: `${r.device} has a RADIUS server for Wi-Fi (${wireless.map((x) => x.address).join(', ')}).`,
              fail: `${r.device} has Enterprise SSIDs but no enabled RADIUS server for service wireless, so nobody can sign in.`,
            },
            {
              source: r.device,
              object: 'radius',
              expected: 'an enabled entry for wireless',
              actual: wireless.map((x) => x.address).join(', ') || 'none',
            },
          ),
        );
      }
      for (const s of servers) {
        const hit = wireless.find((x) => x.address === s.host);
        out.push(
          verdict(
            hit !== undefined,
            {
              pass: `${r.device} uses RADIUS server ${s.name} (${s.host}) for Wi-Fi.`,
              fail: `${r.device} has no enabled wireless RADIUS entry for the declared server ${s.name} (${s.host}).`,
            },
            {
              source: r.device,
              object: `radius ${s.name}`,
              expected: `${s.host}, service wireless`,
              actual:
                r.radius
                  .map((x) => `${x.address} [${x.service.join(',')}]${x.disabled ? ' disabled' : ''}`)
                  .join('; ') || 'none',
            },
          ),
        );
      }
      return out;
    });
  },
};

export default check;
