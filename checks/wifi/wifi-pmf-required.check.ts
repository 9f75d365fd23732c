import { ssidDecl, wifiLabel } from '../lib/networks.ts';
import { notApplicable, verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import type { Ssid } from '../../inventory/types.ts';
import { absentDeclaredSsids } from '../lib/declared.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = Record<string, never>;

/** Where the declaration asks for protected management frames or WPA3, the live SSID has them. */
const check: Check<Params> = {
  meta: {
    id: 'wifi-pmf-required',
    title: 'Protected management frames and WPA3 where declared',
    controls: ['WIFI-PMF'],
    needs: ['router', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    const protectedSsid = (s: Ssid): boolean => s.pmf === 'required' || s.security === 'wpa3-eap';
    // Declared with PMF required or WPA3 but on no router: a failure of this control, not "n/a".
    const absent = absentDeclaredSsids(facts, ctx, protectedSsid, (s) =>
      [s.security === 'wpa3-eap' ? 'WPA3-Enterprise' : '', s.pmf === 'required' ? 'PMF required' : '']
        .filter((x) => x !== '')
        .join(' and '),
    );
    const live = forEachRouter(facts, ctx, (r) => {
      const out: CheckResult[] = [];
      for (const w of r.wifi) {
        if (w.disabled) continue;
        const d = ssidDecl(ctx, w.ssid);
        if (d === undefined) continue;
        if (d.pmf === 'required') {
          out.push(
            verdict(
              w.managementProtection === 'required',
              {
                pass: `${w.ssid} requires protected management frames.`,
                fail: `${w.ssid} has management protection "${w.managementProtection}"; the declaration requires it.`,
              },
              {
                source: r.device,
                object: `${wifiLabel(w)} pmf`,
                expected: 'required',
                actual: w.managementProtection,
              },
            ),
          );
        }
        if (d.security === 'wpa3-eap') {
          out.push(
            verdict(
              w.authenticationTypes.includes('wpa3-eap'),
              {
                pass: `${w.ssid} offers WPA3-Enterprise.`,
                fail: `${w.ssid} is declared WPA3-Enterprise but offers ${w.authenticationTypes.join('+') || 'open'}.`,
              },
              {
                source: r.device,
                object: `${wifiLabel(w)} wpa3`,
                expected: 'wpa3-eap',
                actual: w.authenticationTypes.join('+') || 'open',
              },
            ),
          );
        }
      }
      if (out.length === 0 && !ctx.decl.wifi.some(protectedSsid)) {
        out.push(
          notApplicable(`No SSID on ${r.device} is declared with PMF required or WPA3.`, {
            source: r.device,
          }),
        );
      }
      return out;
    });
    // "Nothing to judge here" is not true of a router lacking what the declaration asks for.
    return absent.length > 0 ? [...live.filter((x) => x.status !== 'not_applicable'), ...absent] : live;
  },
};

export default check;
