/**
 * Wi-Fi: each SSID's security (WPA2/WPA3-Enterprise with its EAP methods, or a PSK; PMF) and the SSID
 * itself bound to its network's VLAN. Routers with the current `wifi` package (RouterOS 7.13+) get
 * `/interface/wifi/security` + a virtual `/interface/wifi` with `datapath.vlan-id`; routers with the
 * legacy `wireless` package get a security profile + a virtual `/interface/wireless` that joins the
 * bridge as an access port of the VLAN. RADIUS servers become `/radius` entries for the wireless service.
 */
import type { Device, SchoolDeclaration, Ssid } from '../inventory/types.ts';
import type { BridgeMember } from './bridge.ts';
import { bridgeName, networkByName, slug, tag } from './names.ts';
import { PlanError, secretPlaceholder, type DesiredObject, type SecretNeed } from './types.ts';

/** The radios SSIDs are added on as virtual interfaces; declarations do not name radios yet. */
export const MASTER_RADIO = { wifi: 'wifi1', wireless: 'wlan1' } as const;

const PMF = { required: 'required', optional: 'allowed', disabled: 'disabled' } as const;
const EAP = { peap: 'peap', 'eap-tls': 'tls', 'eap-ttls': 'ttls' } as const;

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
  const pkg = device.wifiPackage ?? 'wifi';
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
      if (eap) props['eap-methods'] = (s.eapMethods ?? ['peap']).map((m) => EAP[m]).join(',');
      const secretProps: string[] = [];
      if (s.security === 'wpa2-psk') {
        props.passphrase = needPassphrase(s, i, secrets);
        secretProps.push('passphrase');
      }
      objects.push(
        {
          role: secRole,
          menu: '/interface/wifi/security',
          mode: 'owned',
          key: { name: secName },
          props,
          ...(secretProps.length ? { secretProps } : {}),
        },
        {
          role: ssidRole,
          menu: '/interface/wifi',
          mode: 'owned',
          key: { name: `wifi-${id}` },
          props: {
            'master-interface': MASTER_RADIO.wifi,
            'configuration.ssid': s.ssid,
            'configuration.hide-ssid': s.hidden ? 'yes' : 'no',
            security: secName,
            'datapath.bridge': bridgeName(device),
            'datapath.vlan-id': String(net.vlan),
            disabled: 'no',
            comment: tag(ssidRole),
          },
          dependsOn: [secRole, 'bridge'],
        },
      );
      return;
    }
    if (s.security === 'wpa3-eap')
      throw new PlanError(
        `wifi[${i}] (${s.ssid}) is wpa3-eap, but router ${device.name} uses the legacy wireless package, which has no WPA3: use wifiPackage: wifi`,
      );
    const props: Record<string, string> = {
      mode: s.security === 'open' ? 'none' : 'dynamic-keys',
      'authentication-types': s.security === 'open' ? '' : s.security,
      'unicast-ciphers': 'aes-ccm',
      'group-ciphers': 'aes-ccm',
      'management-protection': PMF[s.pmf],
      comment: tag(secRole),
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
