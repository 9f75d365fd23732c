/**
 * The menus the test server models, with what RouterOS 7 does on `add` (defaults), what it refuses (unknown
 * properties, missing required ones, references to things that do not exist, duplicate names) and which
 * menus exist on which router (the wifi menu since 7.13, wifiwave2 before it, wireless with its package).
 * Values follow RouterOS's print: booleans as true/false, empty values not printed.
 * The defaults are the manual's "Default:" columns (RouterOS 7; RouterOS 6's own are versions.ts
 * DEFAULT_RULES), written here independently of the client's table (devices/routeros/defaults.ts): the
 * server's print must not agree with the client by construction. test/unit/routeros-defaults-tables.test.ts
 * compares the two on every property both hold.
 */

export type MenuKind =
  | 'list' // add, set, remove
  | 'ordered' // list + move + place-before (firewall tables)
  | 'fixed' // rows exist; set, enable, disable, comment only (/ip/service, /interface/ethernet)
  | 'singleton' // one row, set without .id (/ip/dns, /snmp)
  | 'readonly' // print only
  | 'view'; // /interface: computed from the interface menus

export interface RouterInfo {
  /** [major, minor, patch]. */
  version: number[];
  /** Installed, enabled packages (not the ones RouterOS 7 merely lists as available). */
  packages: ReadonlySet<string>;
  /** False on CHR and x86, which have no /system/routerboard. */
  routerboard: boolean;
}

export interface MenuSpec {
  kind: MenuKind;
  /** Known properties with the value `add` gives them ('' = known, no default). */
  defaults?: Record<string, string>;
  /** Known properties without a default. */
  props?: readonly string[];
  required?: readonly string[];
  /** Must be unique within the menu. */
  unique?: string;
  booleans?: readonly string[];
  /** Integer properties: [min, max]. */
  integers?: Record<string, [number, number]>;
  /** Accepted on add/set, never printed. */
  writeOnly?: readonly string[];
  /** Property -> `interface` (any interface name), or a menu path whose `name` the value must equal. */
  refs?: Record<string, string>;
  /** Property -> allowed values. */
  choices?: Record<string, readonly string[]>;
  /** Name given by add when none is passed (`wifi` -> wifi3). */
  autoName?: string;
  /** Interface type shown in /interface for rows of this menu. */
  interfaceType?: string;
  present?: (r: RouterInfo) => boolean;
  /** Properties printed even when empty (`=untagged=`); other empty values are left out of print. */
  printEmpty?: readonly string[];
  /** Writes to this menu need the `policy` policy besides `write` (manual: User). */
  needsPolicy?: boolean;
}

export const atLeast = (r: RouterInfo, major: number, minor: number): boolean => {
  const [a = 0, b = 0] = r.version;
  return a > major || (a === major && b >= minor);
};

const FILTER_MATCHERS = [
  'src-address',
  'dst-address',
  'src-address-list',
  'dst-address-list',
  'src-address-type',
  'dst-address-type',
  'protocol',
  'src-port',
  'dst-port',
  'port',
  'in-interface',
  'out-interface',
  'in-interface-list',
  'out-interface-list',
  'in-bridge-port',
  'out-bridge-port',
  'in-bridge-port-list',
  'out-bridge-port-list',
  'src-mac-address',
  'packet-size',
  'connection-rate',
  'connection-bytes',
  'per-connection-classifier',
  'nth',
  'random',
  'psd',
  'fragment',
  'ipv4-options',
  'tcp-mss',
  'connection-state',
  'connection-nat-state',
  'connection-mark',
  'connection-limit',
  'connection-type',
  'packet-mark',
  'routing-mark',
  'layer7-protocol',
  'content',
  'tls-host',
  'icmp-options',
  'tcp-flags',
  'ttl',
  'dscp',
  'priority',
  'limit',
  'dst-limit',
  'time',
  'ipsec-policy',
  'hotspot',
  'jump-target',
  'reject-with',
  'address-list',
  'address-list-timeout',
  'new-connection-mark',
  'new-routing-mark',
  'new-packet-mark',
  'passthrough',
  'hw-offload',
  'place-before',
];

const FIREWALL = {
  defaults: {
    action: 'accept',
    log: 'false',
    'log-prefix': '',
    disabled: 'false',
    invalid: 'false',
    dynamic: 'false',
    bytes: '0',
    packets: '0',
  },
  props: FILTER_MATCHERS,
  required: ['chain'],
  booleans: ['log', 'disabled', 'invalid', 'dynamic'],
  refs: { 'in-interface': 'interface', 'out-interface': 'interface' },
};

const WIFI = (security: string): MenuSpec => ({
  kind: 'list',
  autoName: 'wifi',
  interfaceType: 'wifi',
  defaults: { disabled: 'false', arp: 'enabled', mtu: '1500', l2mtu: '1560', 'configuration.mode': 'ap' },
  props: [
    'name',
    'default-name',
    'master-interface',
    'mac-address',
    'radio-mac',
    'running',
    'configuration',
    'configuration.ssid',
    'configuration.country',
    'configuration.hide-ssid',
    'security',
    'security.authentication-types',
    'security.eap-methods',
    'security.management-protection',
    'security.passphrase',
    'security.encryption',
    'datapath',
    'datapath.vlan-id',
    'datapath.bridge',
    'channel',
    'channel.band',
    'channel.width',
    'channel.frequency',
  ],
  booleans: ['disabled', 'running', 'configuration.hide-ssid'],
  integers: { 'datapath.vlan-id': [1, 4094] },
  writeOnly: ['security.passphrase'],
  unique: 'name',
  refs: { security, 'master-interface': 'interface' },
});

const WIFI_SECURITY: MenuSpec = {
  kind: 'list',
  required: ['name'],
  unique: 'name',
  defaults: { disabled: 'false' },
  props: [
    'authentication-types',
    'eap-methods',
    'management-protection',
    'passphrase',
    'encryption',
    'group-encryption',
    'wps',
    'disable-pmkid',
    'ft',
    'eap-accounting',
  ],
  booleans: ['disabled', 'disable-pmkid', 'ft', 'eap-accounting'],
  writeOnly: ['passphrase'],
  choices: { 'management-protection': ['disabled', 'allowed', 'required'] },
};

export const CATALOG: Record<string, MenuSpec> = {
  '/interface': {
    kind: 'view',
    props: ['name', 'mtu', 'disabled', 'comment'],
    booleans: ['disabled'],
    unique: 'name',
  },
  '/interface/ethernet': {
    kind: 'fixed',
    interfaceType: 'ether',
    props: [
      'name',
      'default-name',
      'mac-address',
      'mtu',
      'l2mtu',
      'arp',
      'running',
      'speed',
      'auto-negotiation',
    ],
    booleans: ['disabled', 'running', 'auto-negotiation'],
    unique: 'name',
  },
  '/interface/bridge': {
    kind: 'list',
    interfaceType: 'bridge',
    required: ['name'],
    unique: 'name',
    defaults: {
      mtu: 'auto',
      'actual-mtu': '1500',
      l2mtu: '65535',
      arp: 'enabled',
      'protocol-mode': 'rstp',
      'fast-forward': 'true',
      'igmp-snooping': 'false',
      'auto-mac': 'true',
      'ageing-time': '5m',
      'vlan-filtering': 'false',
      pvid: '1',
      'frame-types': 'admit-all',
      'ingress-filtering': 'true',
      'dhcp-snooping': 'false',
      disabled: 'false',
    },
    props: ['mac-address', 'admin-mac'],
    booleans: [
      'fast-forward',
      'igmp-snooping',
      'auto-mac',
      'vlan-filtering',
      'ingress-filtering',
      'dhcp-snooping',
      'disabled',
    ],
    integers: { pvid: [1, 4094] },
    choices: {
      'frame-types': ['admit-all', 'admit-only-untagged-and-priority-tagged', 'admit-only-vlan-tagged'],
    },
  },
  '/interface/bridge/port': {
    kind: 'list',
    required: ['bridge', 'interface'],
    unique: 'interface',
    defaults: {
      pvid: '1',
      'frame-types': 'admit-all',
      'ingress-filtering': 'true',
      horizon: 'none',
      edge: 'auto',
      'point-to-point': 'auto',
      learn: 'auto',
      trusted: 'false',
      hw: 'true',
      'bpdu-guard': 'false',
      'unknown-unicast-flood': 'true',
      'broadcast-flood': 'true',
      disabled: 'false',
      dynamic: 'false',
      inactive: 'false',
    },
    booleans: [
      'ingress-filtering',
      'trusted',
      'hw',
      'bpdu-guard',
      'unknown-unicast-flood',
      'broadcast-flood',
      'disabled',
      'dynamic',
      'inactive',
    ],
    integers: { pvid: [1, 4094] },
    choices: {
      'frame-types': ['admit-all', 'admit-only-untagged-and-priority-tagged', 'admit-only-vlan-tagged'],
    },
    refs: { bridge: '/interface/bridge', interface: 'interface' },
  },
  '/interface/bridge/vlan': {
    kind: 'list',
    required: ['bridge', 'vlan-ids'],
    defaults: { tagged: '', untagged: '', disabled: 'false', dynamic: 'false' },
    printEmpty: ['tagged', 'untagged'],
    booleans: ['disabled', 'dynamic'],
    refs: { bridge: '/interface/bridge', tagged: 'interface', untagged: 'interface' },
  },
  '/interface/vlan': {
    kind: 'list',
    interfaceType: 'vlan',
    required: ['name', 'vlan-id', 'interface'],
    unique: 'name',
    defaults: {
      mtu: '1500',
      arp: 'enabled',
      'arp-timeout': 'auto',
      'loop-protect': 'default',
      'use-service-tag': 'false',
      disabled: 'false',
    },
    props: ['mac-address'],
    booleans: ['use-service-tag', 'disabled'],
    integers: { 'vlan-id': [1, 4094] },
    refs: { interface: 'interface' },
  },
  '/interface/list': {
    kind: 'list',
    required: ['name'],
    unique: 'name',
    defaults: { include: '', exclude: '', builtin: 'false', dynamic: 'false' },
    props: ['comment'],
    booleans: ['builtin', 'dynamic'],
    refs: { include: '/interface/list', exclude: '/interface/list' },
  },
  '/interface/list/member': {
    kind: 'list',
    required: ['list', 'interface'],
    defaults: { disabled: 'false', dynamic: 'false' },
    props: ['comment'],
    booleans: ['disabled', 'dynamic'],
    refs: { list: '/interface/list', interface: 'interface' },
  },
  '/interface/wifi': { ...WIFI('/interface/wifi/security'), present: hasWifiPackage },
  '/interface/wifi/security': { ...WIFI_SECURITY, present: hasWifiPackage },
  '/interface/wifiwave2': {
    ...WIFI('/interface/wifiwave2/security'),
    present: (r) => !atLeast(r, 7, 13) && r.packages.has('wifiwave2'),
  },
  '/interface/wifiwave2/security': {
    ...WIFI_SECURITY,
    present: (r) => !atLeast(r, 7, 13) && r.packages.has('wifiwave2'),
  },
  '/interface/wireless': {
    kind: 'list',
    autoName: 'wlan',
    interfaceType: 'wlan',
    unique: 'name',
    defaults: {
      // manual: Wireless Interface, "mode (...; Default: station)": a virtual AP added without a mode is a
      // station, so schoolnet gives mode=ap-bridge explicitly (the ansible data says ap-bridge: sources
      // disagree, and the manual's value is the one that can hurt).
      mode: 'station',
      'security-profile': 'default',
      'vlan-mode': 'no-tag',
      'vlan-id': '1',
      'hide-ssid': 'false',
      'default-forwarding': 'true',
      'default-authentication': 'true',
      mtu: '1500',
      l2mtu: '1600',
      arp: 'enabled',
      // RouterOS adds virtual wireless interfaces disabled.
      disabled: 'true',
    },
    props: [
      'name',
      'default-name',
      'master-interface',
      'mac-address',
      'ssid',
      'band',
      'frequency',
      'country',
      'running',
      'wireless-protocol',
    ],
    booleans: ['hide-ssid', 'default-forwarding', 'default-authentication', 'disabled', 'running'],
    integers: { 'vlan-id': [1, 4094] },
    choices: { 'vlan-mode': ['no-tag', 'use-service-tag', 'use-tag'] },
    refs: { 'security-profile': '/interface/wireless/security-profiles', 'master-interface': 'interface' },
    present: (r) => r.packages.has('wireless'),
  },
  '/interface/wireless/security-profiles': {
    kind: 'list',
    required: ['name'],
    unique: 'name',
    defaults: {
      mode: 'none',
      'authentication-types': '',
      'unicast-ciphers': 'aes-ccm',
      'group-ciphers': 'aes-ccm',
      'eap-methods': 'passthrough',
      'tls-mode': 'no-certificates',
      'management-protection': 'disabled',
      'radius-mac-authentication': 'false',
      'group-key-update': '5m',
      default: 'false',
    },
    props: ['wpa-pre-shared-key', 'wpa2-pre-shared-key', 'supplicant-identity', 'tls-certificate'],
    booleans: ['radius-mac-authentication', 'default'],
    writeOnly: ['wpa-pre-shared-key', 'wpa2-pre-shared-key'],
    choices: {
      mode: ['none', 'static-keys-required', 'static-keys-optional', 'dynamic-keys'],
      'management-protection': ['disabled', 'allowed', 'required'],
    },
    present: (r) => r.packages.has('wireless'),
  },
  '/ip/address': {
    kind: 'list',
    required: ['address', 'interface'],
    defaults: { invalid: 'false', dynamic: 'false', disabled: 'false' },
    props: ['network', 'actual-interface'],
    booleans: ['invalid', 'dynamic', 'disabled'],
    refs: { interface: 'interface' },
  },
  '/ip/pool': { kind: 'list', required: ['name', 'ranges'], unique: 'name', props: ['next-pool'] },
  '/ip/dhcp-server': {
    kind: 'list',
    autoName: 'dhcp',
    required: ['interface'],
    unique: 'name',
    defaults: {
      'lease-time': '30m',
      'address-pool': 'static-only',
      authoritative: 'yes',
      disabled: 'false',
      invalid: 'false',
      dynamic: 'false',
    },
    props: ['name'],
    booleans: ['disabled', 'invalid', 'dynamic'],
    refs: { interface: 'interface' },
  },
  '/ip/dhcp-server/network': {
    kind: 'list',
    required: ['address'],
    props: ['gateway', 'dns-server', 'ntp-server', 'domain', 'netmask', 'dhcp-option', 'dynamic'],
  },
  '/ip/dhcp-server/lease': {
    kind: 'list',
    required: ['address', 'mac-address'],
    defaults: {
      server: 'all',
      status: 'waiting',
      'last-seen': 'never',
      dynamic: 'false',
      blocked: 'false',
      disabled: 'false',
    },
    props: ['host-name', 'client-id', 'address-lists', 'active-address'],
    booleans: ['dynamic', 'blocked', 'disabled'],
  },
  '/ip/dns': {
    kind: 'singleton',
    defaults: {
      servers: '',
      'dynamic-servers': '',
      'use-doh-server': '',
      'verify-doh-cert': 'false',
      'allow-remote-requests': 'false',
      'max-udp-packet-size': '4096',
      'query-server-timeout': '2s',
      'query-total-timeout': '10s',
      'cache-size': '2048KiB',
      'cache-max-ttl': '1w',
    },
    booleans: ['verify-doh-cert', 'allow-remote-requests'],
  },
  '/ip/firewall/filter': {
    kind: 'ordered',
    ...FIREWALL,
    choices: {
      action: [
        'accept',
        'drop',
        'reject',
        'jump',
        'return',
        'passthrough',
        'log',
        'tarpit',
        'fasttrack-connection',
        'add-src-to-address-list',
        'add-dst-to-address-list',
      ],
    },
  },
  '/ip/firewall/nat': {
    kind: 'ordered',
    ...FIREWALL,
    props: [...FILTER_MATCHERS, 'to-addresses', 'to-ports'],
    choices: {
      action: [
        'accept',
        'masquerade',
        'src-nat',
        'dst-nat',
        'redirect',
        'netmap',
        'same',
        'jump',
        'return',
        'passthrough',
        'log',
      ],
    },
  },
  '/ip/firewall/address-list': {
    kind: 'list',
    required: ['list', 'address'],
    defaults: { disabled: 'false', dynamic: 'false', 'creation-time': '2026-09-01 08:00:00' },
    props: ['timeout'],
    booleans: ['disabled', 'dynamic'],
  },
  '/radius': {
    kind: 'list',
    required: ['address'],
    defaults: {
      service: '',
      'authentication-port': '1812',
      'accounting-port': '1813',
      timeout: '300ms',
      'accounting-backup': 'false',
      protocol: 'udp',
      'src-address': '0.0.0.0',
      disabled: 'false',
    },
    props: ['secret', 'called-id', 'domain', 'realm', 'certificate'],
    booleans: ['accounting-backup', 'disabled'],
    integers: { 'authentication-port': [1, 65535], 'accounting-port': [1, 65535] },
  },
  '/ip/service': {
    kind: 'fixed',
    props: [
      'name',
      'port',
      'address',
      'available-from',
      'certificate',
      'tls-version',
      'vrf',
      'max-sessions',
      'invalid',
    ],
    booleans: ['disabled', 'invalid'],
    integers: { port: [1, 65535] },
    printEmpty: ['address', 'available-from'],
  },
  '/user': {
    kind: 'list',
    required: ['name', 'group'],
    unique: 'name',
    defaults: {
      address: '',
      'last-logged-in': '',
      disabled: 'false',
      'inactivity-timeout': '10m',
      'inactivity-policy': 'none',
      expired: 'false',
    },
    writeOnly: ['password'],
    props: ['password'],
    booleans: ['disabled', 'expired'],
    refs: { group: '/user/group' },
    printEmpty: ['address'],
    needsPolicy: true,
  },
  '/user/group': {
    kind: 'list',
    required: ['name', 'policy'],
    unique: 'name',
    defaults: { skin: 'default' },
    needsPolicy: true,
  },
  '/system/scheduler': {
    kind: 'list',
    required: ['name'],
    unique: 'name',
    defaults: {
      'start-time': 'startup',
      interval: '0s',
      policy: 'ftp,reboot,read,write,policy,test,password,sniff,sensitive,romon',
      'run-count': '0',
      owner: '',
      disabled: 'false',
    },
    props: ['on-event', 'start-date', 'next-run'],
    booleans: ['disabled'],
  },
  '/snmp': {
    kind: 'singleton',
    defaults: {
      enabled: 'false',
      contact: '',
      location: '',
      'engine-id-suffix': '',
      'trap-community': 'public',
      'trap-version': '1',
      'trap-generators': 'temp-exception',
      'src-address': '::',
      vrf: 'main',
    },
    props: ['engine-id', 'trap-target', 'trap-interfaces'],
    booleans: ['enabled'],
  },
  '/snmp/community': {
    kind: 'list',
    required: ['name'],
    unique: 'name',
    defaults: {
      addresses: '::/0',
      security: 'none',
      'read-access': 'true',
      'write-access': 'false',
      'authentication-protocol': 'MD5',
      'encryption-protocol': 'DES',
      default: 'false',
      disabled: 'false',
    },
    props: ['authentication-password', 'encryption-password'],
    writeOnly: ['authentication-password', 'encryption-password'],
    booleans: ['read-access', 'write-access', 'default', 'disabled'],
    choices: { security: ['none', 'authorized', 'private'] },
  },
  '/system/identity': { kind: 'singleton', defaults: { name: 'MikroTik' } },
  '/system/resource': { kind: 'readonly' },
  '/system/routerboard': { kind: 'readonly', present: (r) => r.routerboard },
  '/system/package': { kind: 'readonly' },
  '/system/history': { kind: 'readonly' },
};

/** The menus whose rows are interfaces (and appear in /interface). */
export const INTERFACE_MENUS = Object.entries(CATALOG)
  .filter(([, s]) => s.interfaceType !== undefined)
  .map(([path]) => path);

/** Printed, never set: RouterOS computes them. */
export const READ_ONLY = new Set([
  'dynamic',
  'invalid',
  'bytes',
  'packets',
  'running',
  'default',
  'default-name',
  'actual-mtu',
  'network',
  'actual-interface',
  'inactive',
  'expired',
  'last-logged-in',
  'creation-time',
  'connection',
  'proto',
  'local',
  'remote',
  'run-count',
  'next-run',
  'owner',
]);

/** `/interface/wifi` needs a wifi package: wifi-qcom or wifi-qcom-ac (7.13+, manual: WiFi). */
function hasWifiPackage(r: RouterInfo): boolean {
  return atLeast(r, 7, 13) && (r.packages.has('wifi-qcom') || r.packages.has('wifi-qcom-ac'));
}

export const SINGLETON_READONLY = new Set(['/system/resource', '/system/routerboard']);

export function isPresent(menu: string, info: RouterInfo): boolean {
  const spec = CATALOG[menu];
  return spec !== undefined && (spec.present === undefined || spec.present(info));
}

export function knownProps(spec: MenuSpec): Set<string> {
  return new Set([
    'comment',
    'disabled',
    ...Object.keys(spec.defaults ?? {}),
    ...(spec.props ?? []),
    ...(spec.required ?? []),
    ...(spec.booleans ?? []),
    ...Object.keys(spec.integers ?? {}),
    ...(spec.writeOnly ?? []),
    ...Object.keys(spec.refs ?? {}),
    ...Object.keys(spec.choices ?? {}),
    ...(spec.unique === undefined ? [] : [spec.unique]),
  ]);
}
