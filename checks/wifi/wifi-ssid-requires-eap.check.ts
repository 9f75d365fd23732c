import { isGuestRole, wifiLabel, wifiNetwork } from '../lib/networks.ts';
import { notApplicable, verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import type { Check } from '../types.ts';

type Params = Record<string, never>;

const EAP = new Set(['wpa2-eap', 'wpa3-eap']);

/** Every SSID that is not the guest network uses individual (802.1X / EAP) sign-in only. */
const check: Check<Params> = {
  meta: {
    id: 'wifi-ssid-requires-eap',
    title: 'School Wi-Fi uses individual (Enterprise) sign-in',
    controls: ['WIFI-ENTERPRISE'],
    needs: ['router', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    return forEachRouter(facts, ctx, (r) => {
      const live = r.wifi.filter((w) => !w.disabled);
      if (live.length === 0)
        return [notApplicable(`${r.device} has no enabled Wi-Fi interfaces.`, { source: r.device })];
      return live.map((w) => {
        const net = wifiNetwork(ctx, w);
        const auth = w.authenticationTypes.length === 0 ? 'open' : w.authenticationTypes.join('+');
        const evidence = {
          source: r.device,
          object: wifiLabel(w),
          expected: 'wpa2-eap or wpa3-eap only',
          actual: auth,
        };
        if (isGuestRole(net?.role)) {
          return notApplicable(
            `${w.ssid} is the ${net?.role} network, where a shared password is acceptable.`,
            evidence,
          );
        }
        const enterprise = w.authenticationTypes.length > 0 && w.authenticationTypes.every((t) => EAP.has(t));
        return verdict(
          enterprise,
          {
            pass: `${w.ssid} requires individual sign-in (${auth}).`,
            fail: `${w.ssid}${net === undefined ? '' : ` (${net.name})`} allows ${auth}, so anyone with the shared password can join.`,
          },
          evidence,
        );
      });
    });
  },
};

export default check;
