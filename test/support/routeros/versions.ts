/**
 * What differs between RouterOS versions, as data: which properties a menu accepts on which version, which
 * values an enumeration takes, and where each fact comes from. The catalog (catalog.ts) holds what every
 * supported version shares; the rules here narrow or widen it by version. A property outside its range is
 * refused exactly as an unknown one (`unknown parameter <name>`), which is what RouterOS answers.
 *
 * Sources are public: the MikroTik manual (help.mikrotik.com), the Terraform RouterOS provider
 * (terraform-routeros/terraform-provider-routeros `routeros/resource_*.go`), the Ansible collection
 * (community.routeros `plugins/module_utils/_api_data.py`) and RouterOS changelogs. "inferred" marks what
 * follows from a source without being written in it.
 */

/** `7.24` -> [7, 24, 0]. */
export type Version = readonly number[];

export function versionAtLeast(v: Version, since: string): boolean {
  const s = since.split('.').map(Number);
  for (let i = 0; i < 3; i++) {
    const a = v[i] ?? 0;
    const b = s[i] ?? 0;
    if (a !== b) return a > b;
  }
  return true;
}

/** A property that exists only from `since` and/or before `before`. */
export interface PropertyRule {
  menu: string;
  prop: string;
  since?: string;
  before?: string;
  source: string;
}

/** A default that differs on versions in range from the catalog's (RouterOS 7) one. */
export interface DefaultRule {
  menu: string;
  prop: string;
  value: string;
  since?: string;
  before?: string;
  source: string;
}

/** The values an enumeration takes (on versions in range); anything else is refused. */
export interface ChoiceRule {
  menu: string;
  prop: string;
  values: readonly string[];
  since?: string;
  before?: string;
  source: string;
}

/** Where the model of each menu comes from. */
export const MENU_SOURCES: Record<string, string> = {
  '/interface': 'manual: Interface',
  '/interface/ethernet': 'manual: Ethernet',
  '/interface/bridge':
    'manual: Bridging and Switching (VLAN filtering, frame-types, "could lock you out" ordering)',
  '/interface/bridge/port': 'manual: Bridging and Switching, Port settings',
  '/interface/bridge/vlan':
    'manual: Bridge VLAN Table (dynamic entries for PVIDs, "can not change dynamic"); mikrotik-manager#151',
  '/interface/vlan': 'manual: VLAN',
  '/interface/list': 'manual: Interface Lists (built-in all, none, dynamic, static; include, exclude)',
  '/interface/list/member': 'manual: Interface Lists',
  '/interface/wifi': 'manual: WiFi (7.13+; wifi-qcom-ac "lost features": no datapath.vlan-id)',
  '/interface/wifi/security': 'manual: WiFi, security properties',
  '/interface/wifiwave2': 'manual: WifiWave2 (7.1-7.12)',
  '/interface/wifiwave2/security': 'manual: WifiWave2',
  '/interface/wireless': 'manual: Wireless Interface (mode ap-bridge for virtual APs)',
  '/interface/wireless/security-profiles':
    'manual: Wireless Interface; ansible _api_data (comment from 7.15)',
  '/ip/address': 'manual: IP Addressing',
  '/ip/pool': 'manual: IP Pools',
  '/ip/dhcp-server': 'manual: DHCP',
  '/ip/dhcp-server/network': 'manual: DHCP',
  '/ip/dhcp-server/lease': 'manual: DHCP',
  '/ip/dns': 'manual: DNS',
  '/ip/firewall/filter': 'manual: Filter',
  '/ip/firewall/nat': 'manual: NAT',
  '/ip/firewall/address-list': 'manual: Address-lists',
  '/radius': 'manual: RADIUS',
  '/ip/service':
    'manual: Services; terraform-provider-routeros #769, #897 (7.19+ connection rows), resource_ip_service.go (max-sessions 7.16+); RouterOS 7.24 changelog and ansible community.routeros PR #475 (available-from)',
  '/user': 'manual: User (removing users needs the policy policy)',
  '/user/group': 'manual: User, User Groups (read, write, full; policy list)',
  '/snmp': 'manual: SNMP',
  '/snmp/community':
    'manual: SNMP; terraform-provider-routeros resource_snmp_community.go (MD5|SHA1, DES|AES)',
  '/system/identity': 'manual: Identity',
  '/system/resource': 'manual: Resource',
  '/system/routerboard': 'manual: RouterBOARD; absent on CHR and x86 (homeassistant core #76782)',
  '/system/package': 'manual: Packages (7.x also lists available packages)',
  '/system/history': 'manual: Configuration Management, history',
  '/system/scheduler': 'manual: Scheduler (interval, on-event, policy)',
};

export const PROPERTY_RULES: readonly PropertyRule[] = [
  {
    menu: '/ip/service',
    prop: 'address',
    before: '7.24',
    source: 'RouterOS 7.24 changelog; ansible community.routeros PR #475',
  },
  {
    menu: '/ip/service',
    prop: 'available-from',
    since: '7.24',
    source: 'RouterOS 7.24 changelog; ansible community.routeros PR #475',
  },
  {
    menu: '/ip/service',
    prop: 'max-sessions',
    since: '7.16',
    source: 'terraform-provider-routeros resource_ip_service.go ("available ... from version 7.16")',
  },
  { menu: '/ip/service', prop: 'vrf', since: '7.0', source: 'manual: Services (VRF is a v7 feature)' },
  { menu: '/snmp', prop: 'vrf', since: '7.0', source: 'manual: SNMP (VRF is a v7 feature)' },
  {
    menu: '/interface/wireless/security-profiles',
    prop: 'comment',
    since: '7.15',
    source: 'ansible community.routeros _api_data (comment on security-profiles from 7.15)',
  },
  {
    menu: '/interface/bridge',
    prop: 'dhcp-snooping',
    since: '6.43',
    source: 'manual: Bridging and Switching (DHCP snooping, 6.43+)',
  },
];

/** The group policies both major versions have (manual: User, User Groups); each version adds its own. */
const USER_POLICIES_COMMON = [
  'local',
  'telnet',
  'ssh',
  'ftp',
  'reboot',
  'read',
  'write',
  'policy',
  'test',
  'winbox',
  'password',
  'web',
  'sniff',
  'sensitive',
  'api',
] as const;

export const CHOICE_RULES: readonly ChoiceRule[] = [
  {
    menu: '/snmp/community',
    prop: 'authentication-protocol',
    values: ['MD5', 'SHA1'],
    source: 'manual: SNMP; terraform-provider-routeros resource_snmp_community.go',
  },
  {
    menu: '/snmp/community',
    prop: 'encryption-protocol',
    // AES here is AES-128 (RFC 3826); there is no AES-192/256.
    values: ['DES', 'AES'],
    source: 'manual: SNMP; terraform-provider-routeros resource_snmp_community.go',
  },
  {
    menu: '/user/group',
    prop: 'policy',
    values: [...USER_POLICIES_COMMON, 'romon', 'dude', 'tikapp'],
    before: '7.0',
    source: 'manual: User, User Groups (v6 list)',
  },
  {
    menu: '/user/group',
    prop: 'policy',
    values: [...USER_POLICIES_COMMON, 'rest-api', 'romon'],
    since: '7.0',
    source: 'manual: User, User Groups (v7 list, with rest-api)',
  },
];

/**
 * Defaults that RouterOS 6 has where 7 has another (the catalog holds 7's). `print` leaves a property
 * out when it holds its version's default, so these decide what a 6.49 router prints.
 */
export const DEFAULT_RULES: readonly DefaultRule[] = [
  {
    menu: '/interface/bridge',
    prop: 'ingress-filtering',
    value: 'false',
    before: '7.0',
    source:
      'manual (6): Manual:Interface/Bridge "ingress-filtering (yes | no; Default: no)"; ansible _api_data versioned_fields (7.0 <: False)',
  },
  {
    menu: '/interface/bridge/port',
    prop: 'ingress-filtering',
    value: 'false',
    before: '7.0',
    source:
      'manual (6): Manual:Interface/Bridge, Port settings "ingress-filtering (Default: no)"; ansible _api_data versioned_fields',
  },
  {
    menu: '/ip/dhcp-server',
    prop: 'lease-time',
    value: '10m',
    before: '7.0',
    source: 'manual (6): Manual:IP/DHCP Server "lease-time (time; Default: 10m)"; ansible _api_data (10m)',
  },
  {
    menu: '/snmp/community',
    prop: 'addresses',
    value: '0.0.0.0/0',
    before: '7.0',
    source: 'manual (6): Manual:SNMP community "addresses (Default: 0.0.0.0/0)"',
  },
];

export function inRange(v: Version, r: { since?: string; before?: string }): boolean {
  return (
    (r.since === undefined || versionAtLeast(v, r.since)) &&
    (r.before === undefined || !versionAtLeast(v, r.before))
  );
}

/** Properties of `menu` that do not exist on version `v`. */
export function missingProps(menu: string, v: Version): Set<string> {
  return new Set(PROPERTY_RULES.filter((r) => r.menu === menu && !inRange(v, r)).map((r) => r.prop));
}

/** The values `prop` of `menu` takes on `v`, or undefined when the catalog decides. */
export function choicesFor(menu: string, prop: string, v: Version): readonly string[] | undefined {
  return CHOICE_RULES.find((r) => r.menu === menu && r.prop === prop && inRange(v, r))?.values;
}

/** The catalog's defaults for `menu` with the version's own where they differ (DEFAULT_RULES). */
export function defaultsFor(
  menu: string,
  base: Readonly<Record<string, string>> | undefined,
  v: Version,
): Record<string, string> {
  const out: Record<string, string> = { ...(base ?? {}) };
  for (const r of DEFAULT_RULES) if (r.menu === menu && inRange(v, r) && r.prop in out) out[r.prop] = r.value;
  for (const p of missingProps(menu, v)) delete out[p];
  return out;
}

/** Every property a version rule names for `menu` (so the catalog knows them at all). */
export function ruledProps(menu: string): string[] {
  return PROPERTY_RULES.filter((r) => r.menu === menu).map((r) => r.prop);
}

/**
 * Group policies on a factory router (manual: User, "three system groups which cannot be deleted"). The
 * `write` group lacks `policy` (and `sensitive`), so it can add and change most configuration but cannot
 * add, change or remove users.
 */
export function defaultGroups(v: Version): { name: string; policy: string }[] {
  const v7 = versionAtLeast(v, '7.0');
  const login = v7 ? 'local,telnet,ssh,winbox,web,api,rest-api' : 'local,telnet,ssh,winbox,web,api';
  const extra = v7 ? ',romon' : ',romon,dude,tikapp';
  return [
    {
      name: 'read',
      policy: `${login},reboot,read,test,password,sniff${extra},!ftp,!write,!policy,!sensitive`,
    },
    {
      name: 'write',
      policy: `${login},reboot,read,write,test,password,sniff${extra},!ftp,!policy,!sensitive`,
    },
    {
      name: 'full',
      policy: `${login},ftp,reboot,read,write,policy,test,password,sniff,sensitive${extra}`,
    },
  ];
}
