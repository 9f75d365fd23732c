/**
 * What a RouterOS router can do, by version and board: the project's own knowledge, used by the planners
 * (refuse at plan time what the router cannot do), the providers (speak the version's property names) and
 * the collector. Each fact names its public source; README.md's support matrix is the same table for people.
 */

export type RouterOsBoard = 'hap-ax3' | 'hap-ac2' | 'rb5009' | 'chr';
export const ROUTEROS_BOARDS: readonly RouterOsBoard[] = ['hap-ax3', 'hap-ac2', 'rb5009', 'chr'];

/** How SSIDs are configured: the menu and how a client's VLAN is chosen. */
export type WifiStack =
  /** `/interface/wifi` (7.13+) on 802.11ax radios: `datapath.vlan-id` puts clients in a VLAN. */
  | 'wifi'
  /** `/interface/wifi` on 802.11ac radios (wifi-qcom-ac): no `datapath.vlan-id`; the bridge port's PVID decides. */
  | 'wifi-qcom-ac'
  /** `/interface/wifiwave2` (7.1-7.12, 802.11ax only): like `wifi` under another name. */
  | 'wifiwave2'
  /** Legacy `/interface/wireless` with security profiles: the bridge port's PVID decides. */
  | 'wireless'
  /** No radio (RB5009, CHR). */
  | 'none';

export function parseRouterOsVersion(v: string): number[] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(v.trim());
  if (!m) throw new Error(`not a RouterOS version: ${JSON.stringify(v)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export function atLeast(version: readonly number[], since: string): boolean {
  const s = since.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const a = version[i] ?? 0;
    const b = s[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** Boards with no radio (product pages: RB5009UG+S+ is wired; CHR is a virtual machine). */
export function hasRadio(board: RouterOsBoard): boolean {
  return board === 'hap-ax3' || board === 'hap-ac2';
}

/** The Ethernet ports each board has (product pages; CHR: the five NICs the project's VMs get). */
export function boardPorts(board: RouterOsBoard): string[] {
  const ether = (n: number) => Array.from({ length: n }, (_, i) => `ether${i + 1}`);
  return board === 'rb5009' ? [...ether(8), 'sfp-sfpplus1'] : ether(5);
}

/**
 * The earliest RouterOS each board runs. RB5009 shipped with RouterOS 7 (product page: "RouterOS v7"),
 * whose first general release was 7.1. The hAP ax^3's 802.11ax radios need a driver RouterOS 7.1 did not
 * have (manual: WifiWave2, "as of the release of RouterOS 7.1" it drives four 802.11ac devices, no 802.11ax
 * one); the board came out in 2023 with 7.10 (inferred from its release date; not from a MikroTik page).
 */
export function minimumVersion(board: RouterOsBoard): string {
  return board === 'hap-ax3' ? '7.10' : board === 'rb5009' ? '7.1' : '6.0';
}

/**
 * The RouterOS releases the project supports (and its test server models): the 6.49 line (the last of
 * RouterOS 6) and RouterOS 7 from 7.1 (its first general release; 7.0 was beta only) to 7.24, the newest
 * whose changes are in the version tables. Any patch release of those (7.18.2, 6.49.18) is supported;
 * behaviour follows the version by range (7.13 wifi, 7.15 security-profile comments, 7.19 connection rows
 * in /ip/service, 7.24 available-from), never by a list of named releases.
 */
export const ROUTEROS_OLDEST_V6 = '6.49';
export const ROUTEROS_OLDEST_V7 = '7.1';
export const ROUTEROS_NEWEST = '7.24';

/** Why `v` is not a supported RouterOS release, or undefined when it is. */
export function unsupportedRouterOsVersion(v: string): string | undefined {
  const m = /^(0|[1-9]\d*)\.(0|[1-9]\d*)(?:\.(0|[1-9]\d*))?$/.exec(v);
  const range = `supported: ${ROUTEROS_OLDEST_V6}.x and ${ROUTEROS_OLDEST_V7} to ${ROUTEROS_NEWEST}.x`;
  if (!m)
    return `${JSON.stringify(v)} is not a RouterOS version (x.y or x.y.z, e.g. 7.20 or 7.18.2); ${range}`;
  const major = Number(m[1]);
  const minor = Number(m[2]);
  const newest = Number(ROUTEROS_NEWEST.split('.')[1]);
  const newer = `RouterOS ${v} is newer than ${ROUTEROS_NEWEST}, the newest whose menus and properties are modelled; ${range}`;
  if (major === 6) {
    if (minor > 49) return `there is no RouterOS ${v}: RouterOS 6 ended with the 6.49 line; ${range}`;
    if (minor < 49)
      return `RouterOS ${v} is older than ${ROUTEROS_OLDEST_V6}, the oldest supported (the last RouterOS 6 line); ${range}`;
    return undefined;
  }
  if (major === 7) {
    if (minor === 0)
      return `RouterOS ${v} was never a general release (RouterOS 7 starts at ${ROUTEROS_OLDEST_V7}); ${range}`;
    return minor > newest ? newer : undefined;
  }
  return major > 7 ? newer : `RouterOS ${v} is older than ${ROUTEROS_OLDEST_V6}; ${range}`;
}

/**
 * The Wi-Fi stack of a board on a version (manual: WiFi, WifiWave2, Wireless): 802.11ax radios use
 * wifiwave2 up to 7.12 and wifi-qcom from 7.13; 802.11ac radios use legacy wireless, or wifi-qcom-ac from
 * 7.13 when the declaration asks for the `wifi` package.
 */
export function wifiStack(
  version: readonly number[],
  board: RouterOsBoard | undefined,
  wifiPackage: 'wifi' | 'wireless' | undefined,
): WifiStack {
  if (board !== undefined && !hasRadio(board)) return 'none';
  if (wifiPackage === 'wireless' || !atLeast(version, '7.0')) return 'wireless';
  if (board === 'hap-ac2') return atLeast(version, '7.13') ? 'wifi-qcom-ac' : 'wireless';
  return atLeast(version, '7.13') ? 'wifi' : 'wifiwave2';
}

/** `/ip/service` calls the allowed sources `available-from` from 7.24 (7.24 changelog; ansible PR #475). */
export function serviceAddressProperty(version: readonly number[]): 'address' | 'available-from' {
  return atLeast(version, '7.24') ? 'available-from' : 'address';
}

/** `comment` on `/interface/wireless/security-profiles` exists from 7.15 (ansible _api_data). */
export function securityProfileComment(version: readonly number[]): boolean {
  return atLeast(version, '7.15');
}

/** SNMP community protocols RouterOS has (manual: SNMP; terraform provider schema): no SHA-2, no AES-256. */
export const SNMP_AUTH_PROTOCOLS = { md5: 'MD5', sha: 'SHA1' } as const;
export const SNMP_PRIV_PROTOCOLS = { des: 'DES', aes: 'AES' } as const;

/** Policies the provisioner's group needs (manual: User): `policy` to add, change or remove users. */
export function neededPolicies(touchesUsers: boolean): string[] {
  return ['api', 'read', 'write', ...(touchesUsers ? ['policy'] : [])];
}
