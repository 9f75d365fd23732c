import { isGuestRole, networkByVlan, ssidDecl, networkByName, wifiLabel } from '../lib/networks.ts';
import { notApplicable, verdict } from '../lib/results.ts';
import { forEachRouter } from '../lib/sources.ts';
import type { Ssid } from '../../inventory/types.ts';
import { absentDeclaredSsids } from '../lib/declared.ts';
import type { Check, CheckResult } from '../types.ts';

type Params = Record<string, never>;

const EAP = new Set(['wpa2-eap', 'wpa3-eap']);

/**
 * Guest and BYOD SSIDs land in their declared VLAN; any SSID open or on a shared password (declared
 * or not) must land on a guest or BYOD network, never among pupils or staff.
 */
const check: Check<Params> = {
  meta: {
    id: 'wifi-guest-on-guest-vlan',
    title: 'Guest Wi-Fi lands on the guest network',
    controls: ['WIFI-GUEST-ISOLATED'],
    needs: ['router', 'declaration'],
    params: { type: 'object', properties: {}, additionalProperties: false },
    defaults: {},
  },
  evaluate(facts, _params, ctx) {
    // A declared guest or BYOD SSID on no router: guests then use some other network, so it fails.
    const guestSsid = (s: Ssid): boolean => isGuestRole(networkByName(ctx, s.network)?.role);
    const absent = absentDeclaredSsids(facts, ctx, guestSsid, (s) => `its own ${s.network} network`);
    const live = forEachRouter(facts, ctx, (r) => {
      const out: CheckResult[] = [];
      for (const w of r.wifi) {
        if (w.disabled) continue;
        const d = ssidDecl(ctx, w.ssid);
        const declaredNet = d === undefined ? undefined : networkByName(ctx, d.network);
        const liveNet = networkByVlan(ctx, w.vlanId);
        const shared = !(w.authenticationTypes.length > 0 && w.authenticationTypes.every((t) => EAP.has(t)));
        const vlan =
          w.vlanId === undefined
            ? 'no VLAN (untagged)'
            : `VLAN ${w.vlanId}${liveNet ? ` ${liveNet.name}` : ''}`;
        if (declaredNet !== undefined && isGuestRole(declaredNet.role)) {
          out.push(
            verdict(
              w.vlanId === declaredNet.vlan,
              {
                pass: `${w.ssid} lands on ${declaredNet.name} (VLAN ${declaredNet.vlan}).`,
                fail: `${w.ssid} is declared on ${declaredNet.name} (VLAN ${declaredNet.vlan}) but lands on ${vlan}.`,
              },
              { source: r.device, object: wifiLabel(w), expected: `VLAN ${declaredNet.vlan}`, actual: vlan },
            ),
          );
        } else if (shared) {
          out.push(
            verdict(
              isGuestRole(liveNet?.role),
              {
                pass: `${w.ssid} uses a shared password and lands on the ${liveNet?.role ?? ''} network.`,
                fail: `${w.ssid} uses a shared password (${w.authenticationTypes.join('+') || 'open'}) but lands on ${vlan}, not a guest network.`,
              },
              { source: r.device, object: wifiLabel(w), expected: 'a guest or BYOD VLAN', actual: vlan },
            ),
          );
        }
      }
      if (out.length === 0 && !ctx.decl.wifi.some(guestSsid)) {
        out.push(
          notApplicable(`${r.device} has no guest, BYOD or shared-password SSIDs.`, { source: r.device }),
        );
      }
      return out;
    });
    // "Nothing to judge here" is not true of a router lacking what the declaration asks for.
    return absent.length > 0 ? [...live.filter((x) => x.status !== 'not_applicable'), ...absent] : live;
  },
};

export default check;
