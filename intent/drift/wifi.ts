/** Drift of a router's Wi-Fi (by SSID, security normalised across both packages) and its RADIUS clients. */
import type { RouterFacts } from '../../devices/facts.ts';
import type { Device, SchoolDeclaration } from '../../inventory/types.ts';
import type { DesiredObject } from '../types.ts';
import { compare, intendedOf, yes } from './compare.ts';
import type { FeatureCompliance, Objects } from './types.ts';

const PMF = { required: 'required', optional: 'allowed', disabled: 'disabled' } as const;

export function wifiDrift(decl: SchoolDeclaration, device: Device, facts: RouterFacts): FeatureCompliance {
  const legacy = (device.wifiPackage ?? 'wifi') === 'wireless';
  const intended: Objects = new Map(
    decl.wifi.map((s) => {
      const vlan = decl.networks.find((n) => n.name === s.network)?.vlan;
      const eap = s.security.endsWith('-eap') ? (legacy ? ['passthrough'] : (s.eapMethods ?? ['peap'])) : [];
      return [
        s.ssid,
        {
          'authentication-types': s.security,
          'eap-methods': eap.join(','),
          'management-protection': PMF[s.pmf],
          'vlan-id': String(vlan ?? ''),
          disabled: 'no',
        },
      ];
    }),
  );
  return compare({
    feature: 'wifi',
    intended,
    actual: new Map(
      facts.wifi.map((w) => [
        w.ssid,
        {
          'authentication-types': w.authenticationTypes.join(','),
          'eap-methods': w.eapMethods.join(','),
          'management-protection': w.managementProtection,
          'vlan-id': w.vlanId === undefined ? '' : String(w.vlanId),
          disabled: yes(w.disabled),
          interface: w.name,
        },
      ]),
    ),
    // A radio with no SSID configured is not an extra network.
    extraMatters: (k) => k !== '',
  });
}

export function radiusDrift(o: DesiredObject[], facts: RouterFacts): FeatureCompliance {
  return compare({
    feature: 'radius',
    intended: intendedOf(o, '/radius', (x) => x.key.address!, ['service', 'authentication-port']),
    actual: new Map(
      facts.radius.map((r) => [
        r.address,
        {
          service: r.service.join(','),
          'authentication-port': String(r.authPort ?? ''),
          ...(r.disabled ? { disabled: 'yes' } : {}),
        },
      ]),
    ),
    atLeast: new Set(['service']),
  });
}
