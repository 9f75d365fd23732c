/**
 * The value a RouterOS property has when nobody set it, per version. RouterOS's `print` leaves out
 * properties at their default (only `detail` or a `.proplist` naming them brings them back; manual: API,
 * "print"; Console, "print ... detail"), so a row read without them lacks exactly these: an absent property
 * is its version's default, never "unknown" and never drift. Every provider and collector that reads a
 * row fills it from here before comparing (`withDefaults`).
 *
 * Sources, per menu: the MikroTik manual's property tables ("Default:" column) for RouterOS 7
 * (help.mikrotik.com) and 6 (wiki.mikrotik.com Manual:*), cross-checked with the version-split defaults of
 * ansible-collections/community.routeros `plugins/module_utils/_api_data.py` (`KeyInfo(default=...)`,
 * `versioned_fields`). Booleans are written as RouterOS 7's API prints them (`true`/`false`); values are
 * compared through `samePropValue`, which reads `yes`/`no` the same.
 *
 * The RouterOS test server keeps its own transcription of the same manual tables
 * (test/support/routeros/catalog.ts and versions.ts), on purpose: it decides what the server leaves out of
 * a plain print, so were either read from the other, a wrong default here would be "what the router
 * printed" by construction. test/unit/routeros-defaults-tables.test.ts holds the two to each other.
 */

/** A default that holds from `since` (inclusive) and/or before `before`. */
interface VersionedDefault {
  value: string;
  since?: string;
  before?: string;
}

type Defaults = Record<string, string | readonly VersionedDefault[]>;

/** Ingress filtering became the default with RouterOS 7 (ansible _api_data: `7.0 <` false, `>=` true). */
const INGRESS_FILTERING: readonly VersionedDefault[] = [
  { value: 'false', before: '7.0' },
  { value: 'true', since: '7.0' },
];

const FIREWALL: Defaults = {
  // manual: Filter / NAT, "action (...; Default: accept)", "log (yes | no; Default: no)", "log-prefix".
  action: 'accept',
  log: 'false',
  'log-prefix': '',
};

const WIFI_INTERFACE: Defaults = {
  // manual: WiFi, "mtu (Default: 1500)", "l2mtu (Default: 1560)", "arp (Default: enabled)".
  mtu: '1500',
  l2mtu: '1560',
  arp: 'enabled',
  'arp-timeout': 'auto',
};

export const ROUTEROS_DEFAULTS: Record<string, Defaults> = {
  '/interface/bridge': {
    // manual: Bridging and Switching, Bridge properties; ansible _api_data ('interface', 'bridge').
    mtu: 'auto',
    arp: 'enabled',
    'arp-timeout': 'auto',
    'protocol-mode': 'rstp',
    'fast-forward': 'true',
    'igmp-snooping': 'false',
    'auto-mac': 'true',
    'ageing-time': '5m',
    'vlan-filtering': 'false',
    pvid: '1',
    'frame-types': 'admit-all',
    'ingress-filtering': INGRESS_FILTERING,
    // manual: DHCP snooping on the bridge from 6.43, off by default.
    'dhcp-snooping': [{ value: 'false', since: '6.43' }],
  },
  '/interface/bridge/port': {
    // manual: Bridging and Switching, Port settings; ansible _api_data ('interface', 'bridge', 'port').
    pvid: '1',
    'frame-types': 'admit-all',
    'ingress-filtering': INGRESS_FILTERING,
    horizon: 'none',
    edge: 'auto',
    'point-to-point': 'auto',
    learn: 'auto',
    trusted: 'false',
    hw: 'true',
    'bpdu-guard': 'false',
    'unknown-unicast-flood': 'true',
    'unknown-multicast-flood': 'true',
    'broadcast-flood': 'true',
  },
  // manual: Bridge VLAN Table, "tagged", "untagged" (Default: none).
  '/interface/bridge/vlan': { tagged: '', untagged: '' },
  '/interface/vlan': {
    // manual: VLAN, "mtu (Default: 1500)", "arp (Default: enabled)", "use-service-tag (Default: no)".
    mtu: '1500',
    arp: 'enabled',
    'arp-timeout': 'auto',
    'loop-protect': 'default',
    'use-service-tag': 'false',
  },
  '/interface/wifi': WIFI_INTERFACE,
  '/interface/wifiwave2': WIFI_INTERFACE,
  '/interface/wireless': {
    // manual: Wireless Interface; ansible _api_data ('interface', 'wireless'). `mode` is left out on
    // purpose: the manual says station, the ansible data ap-bridge; schoolnet always writes it.
    'security-profile': 'default',
    'vlan-mode': 'no-tag',
    'vlan-id': '1',
    'hide-ssid': 'false',
    'default-forwarding': 'true',
    'default-authentication': 'true',
    mtu: '1500',
    l2mtu: '1600',
    arp: 'enabled',
  },
  '/interface/wireless/security-profiles': {
    // manual: Wireless Interface, Security Profiles; ansible _api_data security-profiles.
    mode: 'none',
    'authentication-types': '',
    'unicast-ciphers': 'aes-ccm',
    'group-ciphers': 'aes-ccm',
    'eap-methods': 'passthrough',
    'tls-mode': 'no-certificates',
    'management-protection': 'disabled',
    'radius-mac-authentication': 'false',
    'group-key-update': '5m',
  },
  '/ip/dhcp-server': {
    // manual: DHCP, Server properties ("lease-time (Default: 30m)" on 7; 10m on 6, Manual:IP/DHCP Server
    // and ansible _api_data), "address-pool (Default: static-only)", "authoritative (Default: yes)".
    'lease-time': [
      { value: '10m', before: '7.0' },
      { value: '30m', since: '7.0' },
    ],
    'address-pool': 'static-only',
    authoritative: 'yes',
  },
  '/ip/dns': {
    // manual: DNS properties; ansible _api_data ('ip', 'dns').
    servers: '',
    'allow-remote-requests': 'false',
    'max-udp-packet-size': '4096',
    'query-server-timeout': '2s',
    'query-total-timeout': '10s',
    'cache-size': '2048KiB',
    'cache-max-ttl': '1w',
    'use-doh-server': '',
    'verify-doh-cert': 'false',
  },
  '/ip/firewall/filter': FIREWALL,
  '/ip/firewall/nat': FIREWALL,
  '/radius': {
    // manual: RADIUS client properties; ansible _api_data ('radius',).
    service: '',
    'authentication-port': '1812',
    'accounting-port': '1813',
    timeout: '300ms',
    'accounting-backup': 'false',
    protocol: 'udp',
    'src-address': '0.0.0.0',
  },
  '/snmp': {
    // manual: SNMP, General properties; ansible _api_data ('snmp',) (vrf from 7).
    enabled: 'false',
    contact: '',
    location: '',
    'trap-community': 'public',
    'trap-version': '1',
    'trap-generators': 'temp-exception',
    'src-address': '::',
    vrf: [{ value: 'main', since: '7.0' }],
  },
  '/snmp/community': {
    // manual: SNMP, Community properties; ansible _api_data ('snmp', 'community'). RouterOS 6 prints the
    // IPv4 any-address for `addresses` (Manual:SNMP: "addresses (Default: 0.0.0.0/0)").
    addresses: [
      { value: '0.0.0.0/0', before: '7.0' },
      { value: '::/0', since: '7.0' },
    ],
    security: 'none',
    'read-access': 'true',
    'write-access': 'false',
    'authentication-protocol': 'MD5',
    'encryption-protocol': 'DES',
  },
  '/system/scheduler': {
    // manual: Scheduler, "interval (Default: 0s)", "start-time (Default: startup)", "policy".
    'start-time': 'startup',
    interval: '0s',
    policy: 'ftp,reboot,read,write,policy,test,password,sniff,sensitive,romon',
  },
  '/system/identity': { name: 'MikroTik' },
};

/** `7.20 (stable)` -> [7, 20, 0]; undefined when it is not a RouterOS version. */
export function parseVersion(printed: string | undefined): number[] | undefined {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec((printed ?? '').trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)] : undefined;
}

function atLeast(v: readonly number[], since: string): boolean {
  const s = since.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const a = v[i] ?? 0;
    const b = s[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** The default of `prop` in `menu` on `version`, or undefined when RouterOS gives it none we know of. */
export function routerOsDefault(menu: string, prop: string, version: readonly number[]): string | undefined {
  const d = ROUTEROS_DEFAULTS[menu]?.[prop];
  if (d === undefined || typeof d === 'string') return d;
  return d.find(
    (x) =>
      (x.since === undefined || atLeast(version, x.since)) &&
      (x.before === undefined || !atLeast(version, x.before)),
  )?.value;
}

/** The row with every property `print` left out at its default filled in (what `print detail` shows). */
export function withDefaults(
  menu: string,
  row: Record<string, string>,
  version: readonly number[],
): Record<string, string> {
  const table = ROUTEROS_DEFAULTS[menu];
  if (table === undefined) return row;
  const out = { ...row };
  for (const prop of Object.keys(table)) {
    if (out[prop] !== undefined) continue;
    const v = routerOsDefault(menu, prop, version);
    if (v !== undefined) out[prop] = v;
  }
  return out;
}

/**
 * The row without the properties that hold their version's default: what a plain `print` shows, and what
 * an `add` needs to make the item again (RouterOS gives every property left out its default). An undo
 * script that re-adds a removed item writes only these, never a default from our table that this
 * version or board may not even accept.
 */
export function withoutDefaults(
  menu: string,
  row: Record<string, string>,
  version: readonly number[],
): Record<string, string> {
  const table = ROUTEROS_DEFAULTS[menu];
  if (table === undefined) return row;
  return Object.fromEntries(
    Object.entries(row).filter(([k, v]) => {
      const d = routerOsDefault(menu, k, version);
      return d === undefined || !sameDefault(v, d);
    }),
  );
}

/** `yes`/`true` and `no`/`false` are one value (RouterOS 6 prints the first, 7's API the second). */
function sameDefault(a: string, b: string): boolean {
  const word = (x: string): string => ({ yes: 'true', no: 'false' })[x] ?? x;
  return word(a) === word(b);
}
