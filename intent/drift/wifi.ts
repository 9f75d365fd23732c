/** Drift of a router's Wi-Fi (by SSID, security normalised across both packages) and its RADIUS clients. */
import type { RouterFacts } from '../../devices/facts.ts';
import type { Device, SchoolDeclaration } from '../../inventory/types.ts';
import type { DesiredObject } from '../types.ts';
import { compare, intendedOf, yes } from './compare.ts';
import type { FeatureCompliance, Objects } from './types.ts';

const PMF = { required: 'required', optional: 'allowed', disabled: 'disabled' } as const;

// EAP methods are not compared: an access point passes EAP through to RADIUS (manual: WiFi), so they
// are not its setting (schoolnet no longer writes them on the AP).
export function wifiDrift(decl: SchoolDeclaration, _device: Device, facts: RouterFacts): FeatureCompliance {
  const intended: Objects = new Map(
    decl.wifi.map((s) => {
      const vlan = decl.networks.find((n) => n.name === s.network)?.vlan;
      return [
        s.ssid,
        {
          'authentication-types': s.security,
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
          'management-protection': w.managementProtection,
          'vlan-id': w.vlanId === undefined ? '' : String(w.vlanId),
          disabled: yes(w.disabled),
          interface: w.name,
        },
      ]),
    ),
    // A radio with no SSID configured, or disabled (a factory radio), is not an extra network.
    extraMatters: (k, actual) => k !== '' && actual.disabled !== 'yes',
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
