import type { RouterFirewallRule, RouterWifi } from '../facts.ts';
import type { RouterOsRow } from './client.ts';

/**
 * Pure conversions from RouterOS rows (every value a string, as printed) to the typed facts. Kept apart
 * from the collector so the recorded-replies contract test and the live tests exercise the same code.
 */

export const bool = (v: string | undefined): boolean => v === 'true' || v === 'yes';

export const list = (v: string | undefined): string[] =>
  v === undefined || v === ''
    ? []
    : v
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');

export function int(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v)) return undefined;
  return Number(v);
}

/** `7.12 (stable)` -> `7.12`; `6.49.10 (long-term)` -> `6.49.10`. */
export const version = (printed: string | undefined): string => (printed ?? '').trim().split(/\s+/)[0] ?? '';

/** `10,20,100-102` -> [10, 20, 100, 101, 102]. */
export function vlanIds(v: string | undefined): number[] {
  const ids: number[] = [];
  for (const part of list(v)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    const from = Number(m[1]);
    const to = Math.min(Number(m[2] ?? m[1]), 4094);
    for (let id = from; id <= to; id++) ids.push(id);
  }
  return ids;
}

/** Everything that is not the rule's identity or a traffic counter (those change every second). */
const RULE_OWN = new Set([
  '.id',
  'chain',
  'action',
  'comment',
  'disabled',
  'bytes',
  'packets',
  '.nextid',
  '.dead',
  '.about',
]);

export function firewallRules(rows: RouterOsRow[]): RouterFirewallRule[] {
  return rows.map((row, order) => {
    const props: Record<string, string> = {};
    // An empty value matches nothing (RouterOS does not print it; a row filled with defaults may hold it).
    for (const [k, v] of Object.entries(row)) if (!RULE_OWN.has(k) && v !== '') props[k] = v;
    return {
      id: row['.id'] ?? '',
      chain: row.chain ?? '',
      action: row.action ?? 'accept',
      props,
      ...(row.comment === undefined ? {} : { comment: row.comment }),
      disabled: bool(row.disabled),
      order,
    };
  });
}

// ------------------------------------------------------------------ Wi-Fi

const EAP_NAMES: Record<string, string> = {
  tls: 'eap-tls',
  'eap-tls': 'eap-tls',
  ttls: 'eap-ttls',
  'eap-ttls': 'eap-ttls',
  'eap-ttls-mschapv2': 'eap-ttls',
  peap: 'peap',
  passthrough: 'passthrough',
};

function authTypes(v: string | undefined): string[] {
  const types = [...new Set(list(v))];
  return types.length === 0 ? ['open'] : types;
}

/**
 * The wifi package leaves management protection at its default when unset: required for WPA3-only,
 * allowed when WPA2 or WPA3 is on, disabled for an open network.
 */
function defaultManagementProtection(types: string[]): string {
  if (types.includes('open')) return 'disabled';
  if (types.every((t) => t.startsWith('wpa3'))) return 'required';
  return 'allowed';
}

function pvidOf(bridgePorts: RouterOsRow[], iface: string): number | undefined {
  return int(bridgePorts.find((p) => p.interface === iface)?.pvid);
}

/** `/interface/wifi` (or 7.12's `/interface/wifiwave2`) with its `security` profiles; inline settings win. */
export function wifiFromWifiPackage(
  interfaces: RouterOsRow[],
  security: RouterOsRow[],
  bridgePorts: RouterOsRow[],
): RouterWifi[] {
  return interfaces.map((row) => {
    const profile = security.find((s) => s.name === row.security);
    const setting = (name: string): string | undefined => row[`security.${name}`] ?? profile?.[name];
    const types = authTypes(setting('authentication-types'));
    const name = row.name ?? '';
    // The VLAN a client really lands on is the PVID of the interface's bridge port (the dynamic port the
    // datapath makes, or a static one): wifi-qcom-ac has no datapath VLAN and ignores datapath.vlan-id
    // (manual: WiFi), so that setting alone would report a VLAN nobody is put in.
    const vlanId = pvidOf(bridgePorts, name) ?? int(row['datapath.vlan-id']);
    return {
      name,
      ssid: row['configuration.ssid'] ?? '',
      authenticationTypes: types,
      eapMethods: list(setting('eap-methods')).map((m) => EAP_NAMES[m] ?? m),
      managementProtection: setting('management-protection') ?? defaultManagementProtection(types),
      ...(vlanId === undefined ? {} : { vlanId }),
      disabled: bool(row.disabled),
      source: 'wifi',
    };
  });
}

/** Legacy `/interface/wireless` with `/interface/wireless/security-profiles` (RouterOS 6, and 7 with `wireless`). */
export function wifiFromWireless(
  interfaces: RouterOsRow[],
  profiles: RouterOsRow[],
  bridgePorts: RouterOsRow[],
): RouterWifi[] {
  return interfaces.map((row) => {
    const profile = profiles.find((p) => p.name === (row['security-profile'] ?? 'default'));
    const mode = profile?.mode ?? 'none';
    // mode=none is an open network whatever authentication-types says; static keys are WEP.
    const types =
      mode === 'none'
        ? ['open']
        : mode.startsWith('static-keys')
          ? ['wep']
          : authTypes(profile?.['authentication-types']);
    const name = row.name ?? '';
    const vlanId = row['vlan-mode'] === 'use-tag' ? int(row['vlan-id']) : pvidOf(bridgePorts, name);
    return {
      name,
      ssid: row.ssid ?? '',
      authenticationTypes: types,
      eapMethods: types.some((t) => t.endsWith('eap'))
        ? list(profile?.['eap-methods']).map((m) => EAP_NAMES[m] ?? m)
        : [],
      managementProtection: profile?.['management-protection'] ?? 'disabled',
      ...(vlanId === undefined ? {} : { vlanId }),
      disabled: bool(row.disabled),
      source: 'wireless',
    };
  });
}
