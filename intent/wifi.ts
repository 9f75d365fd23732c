/**
 * Wi-Fi: each SSID's security (WPA2/WPA3-Enterprise, or a PSK; PMF) and the SSID itself bound to its
 * network's VLAN, the way the router's Wi-Fi stack does it (intent/routeros-capabilities.ts):
 * - `wifi` (7.13+, 802.11ax) and `wifiwave2` (7.1-7.12): a security profile + a virtual interface with
 *   `datapath.bridge` and `datapath.vlan-id`;
 * - `wifi-qcom-ac` (802.11ac on 7.13+): the datapath has no VLAN (manual: WiFi, "lost features"), so the
 *   virtual interface joins the bridge as an access port whose PVID is the VLAN, like legacy wireless;
 * - legacy `wireless`: a security profile + a virtual AP (`mode=ap-bridge`, given explicitly) that joins
 *   the bridge as an access port of the VLAN;
 * - no radio (RB5009, CHR): SSIDs are refused at plan time.
 * The access point passes EAP through to RADIUS (manual: WiFi), so no EAP methods are set on it: the
 * methods are between the client and the RADIUS server. RADIUS servers become `/radius` entries.
 */
import type { Device, SchoolDeclaration, Ssid } from '../inventory/types.ts';
import type { BridgeMember } from './bridge.ts';
import { bridgeName, networkByName, slug, tag } from './names.ts';
import { routerTarget, targetAtLeast } from './target.ts';
import { PlanError, secretPlaceholder, type DesiredObject, type SecretNeed } from './types.ts';

/** The radios SSIDs are added on as virtual interfaces; declarations do not name radios yet. */
export const MASTER_RADIO = { wifi: 'wifi1', wireless: 'wlan1' } as const;

const PMF = { required: 'required', optional: 'allowed', disabled: 'disabled' } as const;

export interface WifiPlan {
  objects: DesiredObject[];
  /** Legacy wireless interfaces, to be bridge ports of their VLAN. */
  members: BridgeMember[];
  secrets: SecretNeed[];
}

function needPassphrase(s: Ssid, i: number, secrets: SecretNeed[]): string {
  if (!s.passphrase)
    throw new PlanError(`wifi[${i}] (${s.ssid}) is wpa2-psk but has no passphrase reference`);
  secrets.push({ ref: s.passphrase, field: `wifi[${i}].passphrase` });
  return secretPlaceholder(s.passphrase);
}

export function planWifi(decl: SchoolDeclaration, device: Device): WifiPlan {
  const target = routerTarget(device);
  const stack = target.wifi;
  if (stack === 'none' && decl.wifi.length > 0)
    throw new PlanError(
      `wifi[0] (${decl.wifi[0]?.ssid}): router ${target.label} has no radio, so it cannot serve SSIDs; serve them from access points or declare a board with Wi-Fi`,
    );
  const pkg = stack === 'wireless' ? 'wireless' : 'wifi';
  const menu = stack === 'wifiwave2' ? '/interface/wifiwave2' : '/interface/wifi';
  const objects: DesiredObject[] = [];
  const members: BridgeMember[] = [];
  const secrets: SecretNeed[] = [];
  decl.wifi.forEach((s, i) => {
    const net = networkByName(decl, s.network, `wifi[${i}] (${s.ssid})`);
    const id = slug(s.ssid);
    const secName = `sec-${id}`;
    const eap = s.security.endsWith('-eap');
    const secRole = `wifi-${id}-security`;
    const ssidRole = `wifi-${id}-ssid`;
    if (pkg === 'wifi') {
      const props: Record<string, string> = {
        'authentication-types': s.security === 'open' ? '' : s.security,
        'management-protection': PMF[s.pmf],
        comment: tag(secRole),
      };
      const secretProps: string[] = [];
      if (s.security === 'wpa2-psk') {
        props.passphrase = needPassphrase(s, i, secrets);
        secretProps.push('passphrase');
      }
      const qcomAc = stack === 'wifi-qcom-ac';
      const ifname = `wifi-${id}`;
      objects.push(
        {
          role: secRole,
          menu: `${menu}/security`,
          mode: 'owned',
          key: { name: secName },
          props,
          ...(secretProps.length ? { secretProps } : {}),
        },
        {
          role: ssidRole,
          menu,
          mode: 'owned',
          key: { name: ifname },
          props: {
            'master-interface': MASTER_RADIO.wifi,
            'configuration.ssid': s.ssid,
            'configuration.hide-ssid': s.hidden ? 'yes' : 'no',
            security: secName,
            // 802.11ac (wifi-qcom-ac) ignores datapath VLANs: the bridge port's PVID places its clients.
            ...(qcomAc
              ? {}
              : { 'datapath.bridge': bridgeName(device), 'datapath.vlan-id': String(net.vlan) }),
            disabled: 'no',
            comment: tag(ssidRole),
          },
          dependsOn: [secRole, 'bridge'],
        },
      );
      if (qcomAc) members.push({ interface: ifname, mode: 'access', vlans: [net.vlan], dependsOn: ssidRole });
      return;
    }
    if (s.security === 'wpa3-eap')
      throw new PlanError(
        `wifi[${i}] (${s.ssid}) is wpa3-eap, but router ${target.label} uses the legacy wireless package, which has no WPA3: use wifiPackage: wifi on RouterOS 7.13 or later`,
      );
    const props: Record<string, string> = {
      mode: s.security === 'open' ? 'none' : 'dynamic-keys',
      'authentication-types': s.security === 'open' ? '' : s.security,
      'unicast-ciphers': 'aes-ccm',
      'group-ciphers': 'aes-ccm',
      'management-protection': PMF[s.pmf],
      // RouterOS before 7.15 refuses a comment on a security profile (ansible _api_data).
      ...(targetAtLeast(target, '7.15') ? { comment: tag(secRole) } : {}),
    };
    // The access point relays EAP to RADIUS; the methods are between the client and the server.
    if (eap) props['eap-methods'] = 'passthrough';
    const secretProps: string[] = [];
    if (s.security === 'wpa2-psk') {
      props['wpa2-pre-shared-key'] = needPassphrase(s, i, secrets);
      secretProps.push('wpa2-pre-shared-key');
    }
    const ifname = `wlan-${id}`;
    objects.push(
      {
        role: secRole,
        menu: '/interface/wireless/security-profiles',
        mode: 'owned',
        key: { name: secName },
        props,
        ...(secretProps.length ? { secretProps } : {}),
      },
      {
        role: ssidRole,
        menu: '/interface/wireless',
        mode: 'owned',
        key: { name: ifname },
        props: {
          'master-interface': MASTER_RADIO.wireless,
          // Sources disagree on a virtual AP's default mode: say it (manual: Wireless Interface).
          mode: 'ap-bridge',
          ssid: s.ssid,
          'hide-ssid': s.hidden ? 'yes' : 'no',
          'security-profile': secName,
          'vlan-mode': 'no-tag',
          disabled: 'no',
          comment: tag(ssidRole),
        },
        dependsOn: [secRole],
      },
    );
    members.push({ interface: ifname, mode: 'access', vlans: [net.vlan], dependsOn: ssidRole });
  });

  for (const [i, r] of (decl.radius ?? []).entries()) {
    secrets.push({ ref: r.secret, field: `radius[${i}].secret` });
    const role = `radius-${slug(r.name)}`;
    objects.push({
      role,
      menu: '/radius',
      mode: 'owned',
      key: { address: r.host, service: 'wireless' },
      props: {
        secret: secretPlaceholder(r.secret),
        'authentication-port': String(r.authPort ?? 1812),
        'accounting-port': String(r.acctPort ?? 1813),
        comment: tag(role),
      },
      secretProps: ['secret'],
    });
  }
  return { objects, members, secrets };
}
