/**
 * RouterOS profiles for the test server: a version and a board. A profile decides what `/system/resource`
 * prints, whether `/system/routerboard` exists, which packages are installed (so which Wi-Fi menu exists:
 * `/interface/wifi`, `/interface/wifiwave2`, legacy `/interface/wireless`, or none), the radios and ports,
 * and the per-version property rules (versions.ts). `applyProfile` turns any fixture into what that router
 * would hold; `blankProfile` is a factory-reset router with no default configuration.
 *
 * Hardware facts (MikroTik product pages and manual): hAP ax^3 is 802.11ax (wifiwave2 on 7.12, wifi-qcom
 * from 7.13) and ships with RouterOS 7 only; hAP ac^2 is 802.11ac (legacy wireless; wifi-qcom-ac exists from
 * 7.13, whose datapath has no vlan-id); RB5009 is wired and RouterOS 7 only; CHR is a virtual machine with
 * no RouterBOARD menu and no radio.
 */
import type { RouterConfig, Row } from './types.ts';
import { unsupportedRouterOsVersion } from '../../../intent/routeros-capabilities.ts';
import { defaultGroups, versionAtLeast, type Version } from './versions.ts';

/**
 * The versions every profile test runs on (CI's matrix). The server takes any supported release, not just
 * these (`7.18.2`, `7.13`, `6.49.7`): its behaviour follows the version by range (versions.ts), and the
 * supported range is intent/routeros-capabilities.ts's `unsupportedRouterOsVersion`.
 */
export const ROUTEROS_VERSIONS = ['6.49', '7.12', '7.16', '7.20', '7.24'] as const;
export const ROUTEROS_BOARDS = ['hap-ax3', 'hap-ac2', 'rb5009', 'chr'] as const;
/** A RouterOS release as given: `7.20`, `7.18.2`. */
export type RouterOsVersionName = string;
export type RouterOsBoard = (typeof ROUTEROS_BOARDS)[number];

export interface RouterProfile {
  version: RouterOsVersionName;
  board: RouterOsBoard;
  /** hAP ac^2 on 7.13+ with the legacy wireless package installed instead of wifi-qcom-ac. */
  legacyWireless?: boolean;
}

/** The testbed's default: a current hAP ax^3, so the demo's /interface/wifi resources apply. */
export const DEFAULT_PROFILE: RouterProfile = { version: '7.20', board: 'hap-ax3' };

/** Which Wi-Fi stack a profile runs. */
export type WifiStack = 'wifi-qcom' | 'wifi-qcom-ac' | 'wifiwave2' | 'wireless' | 'none';

/** What RouterOS prints for the matrix's releases (a patch release of each); others print as given. */
const PRINTED: Record<string, string> = {
  '6.49': '6.49.18 (long-term)',
  '7.12': '7.12.1 (stable)',
  '7.16': '7.16.2 (stable)',
  '7.20': '7.20 (stable)',
  '7.24': '7.24 (stable)',
};

interface Board {
  boardName: string;
  model?: string;
  architecture: string;
  cpu: string;
  ports: string[];
  radios: number;
  /** The earliest RouterOS it runs. */
  minVersion: string;
  firmwareType?: string;
}

const BOARDS: Record<RouterOsBoard, Board> = {
  'hap-ax3': {
    boardName: 'hAP ax^3',
    model: 'C53UiG+5HPaxD2HPaxD',
    architecture: 'arm64',
    cpu: 'ARM64',
    ports: ['ether1', 'ether2', 'ether3', 'ether4', 'ether5'],
    radios: 2,
    // intent/routeros-capabilities.ts minimumVersion: no 802.11ax driver before 2023's 7.10.
    minVersion: '7.10',
    firmwareType: 'ipq6000',
  },
  'hap-ac2': {
    boardName: 'hAP ac^2',
    model: 'RBD52G-5HacD2HnD',
    architecture: 'arm',
    cpu: 'ARM',
    ports: ['ether1', 'ether2', 'ether3', 'ether4', 'ether5'],
    radios: 2,
    minVersion: '6.0',
    firmwareType: 'ipq4000L',
  },
  rb5009: {
    boardName: 'RB5009UG+S+',
    model: 'RB5009UG+S+',
    architecture: 'arm64',
    cpu: 'ARM64',
    ports: ['ether1', 'ether2', 'ether3', 'ether4', 'ether5', 'ether6', 'ether7', 'ether8', 'sfp-sfpplus1'],
    radios: 0,
    minVersion: '7.1',
    firmwareType: '88f7040',
  },
  chr: {
    boardName: 'CHR',
    architecture: 'x86_64',
    cpu: 'Intel(R)',
    ports: ['ether1', 'ether2', 'ether3', 'ether4', 'ether5'],
    radios: 0,
    minVersion: '6.0',
  },
};

export class ProfileError extends Error {}

export function versionOf(p: RouterProfile): Version {
  return p.version.split('.').map(Number);
}

/**
 * Parses user input (`7.20`, `7.18.2`, `hap-ax3`): any release in the supported range, kept as given (so
 * `/system/resource` prints it); unknown versions, boards, or a board that does not run the version throw
 * ProfileError.
 */
export function parseProfile(version: string | undefined, board: string | undefined): RouterProfile {
  const v = version ?? DEFAULT_PROFILE.version;
  const b = board ?? DEFAULT_PROFILE.board;
  const range = unsupportedRouterOsVersion(v);
  if (range !== undefined) throw new ProfileError(`unknown RouterOS version ${JSON.stringify(v)}: ${range}`);
  if (!(ROUTEROS_BOARDS as readonly string[]).includes(b))
    throw new ProfileError(
      `unknown RouterOS board ${JSON.stringify(b)}: supported ${ROUTEROS_BOARDS.join(', ')}`,
    );
  const profile: RouterProfile = { version: v, board: b as RouterOsBoard };
  const why = unsupported(profile);
  if (why !== undefined) throw new ProfileError(why);
  return profile;
}

/** Why a board cannot run a version, or undefined. */
export function unsupported(p: RouterProfile): string | undefined {
  const board = BOARDS[p.board];
  if (!versionAtLeast(versionOf(p), board.minVersion))
    return `${p.board} (${board.boardName}) does not run RouterOS ${p.version}: it needs ${board.minVersion} or later`;
  return undefined;
}

/**
 * Releases between and around the matrix's, on the boards where a threshold falls (wifiwave2 until 7.12,
 * wifi from 7.13, security-profile comments from 7.15, !empty from 7.18, /ip/service connection rows from
 * 7.19, available-from from 7.24, the hAP ax^3's first release 7.10, RouterOS 7's first 7.1): the profile
 * tests run on these too, so behaviour is proven to follow the version by range, not by name.
 */
export const BETWEEN_PROFILES: readonly RouterProfile[] = [
  { version: '6.49.7', board: 'hap-ac2' },
  { version: '7.1', board: 'rb5009' },
  { version: '7.10', board: 'hap-ax3' },
  { version: '7.12.1', board: 'hap-ac2' },
  { version: '7.13', board: 'hap-ax3' },
  { version: '7.13', board: 'hap-ac2' },
  { version: '7.14.3', board: 'hap-ac2', legacyWireless: true },
  { version: '7.15.3', board: 'hap-ac2', legacyWireless: true },
  { version: '7.18.2', board: 'hap-ax3' },
  { version: '7.19', board: 'chr' },
  { version: '7.22.1', board: 'rb5009' },
  { version: '7.23.1', board: 'hap-ax3' },
  { version: '7.24.1', board: 'hap-ac2' },
];

/** Every supported version x board. */
export function allProfiles(): RouterProfile[] {
  return ROUTEROS_VERSIONS.flatMap((version) => ROUTEROS_BOARDS.map((board) => ({ version, board }))).filter(
    (p) => unsupported(p) === undefined,
  );
}

export function wifiStack(p: RouterProfile): WifiStack {
  const v = versionOf(p);
  if (BOARDS[p.board].radios === 0) return 'none';
  if (p.board === 'hap-ax3') return versionAtLeast(v, '7.13') ? 'wifi-qcom' : 'wifiwave2';
  // hAP ac^2: wifi-qcom-ac exists from 7.13; before that only the legacy wireless package drives it.
  return versionAtLeast(v, '7.13') && p.legacyWireless !== true ? 'wifi-qcom-ac' : 'wireless';
}

/** The menu the stack's interfaces live in. */
export function wifiMenu(stack: WifiStack): string | undefined {
  return {
    'wifi-qcom': '/interface/wifi',
    'wifi-qcom-ac': '/interface/wifi',
    wifiwave2: '/interface/wifiwave2',
    wireless: '/interface/wireless',
    none: undefined,
  }[stack];
}

export function printedVersion(p: RouterProfile): string {
  return PRINTED[p.version] ?? `${p.version} (${p.version.startsWith('6.') ? 'long-term' : 'stable'})`;
}

function packages(p: RouterProfile): Row[] {
  const v = versionOf(p);
  const printed = printedVersion(p).split(' ')[0] as string;
  const stack = wifiStack(p);
  const row = (name: string, extra: Row = {}): Row => ({
    name,
    version: printed,
    'build-time': '2026-01-01 00:00:00',
    scheduled: '',
    disabled: 'false',
    ...extra,
  });
  if (!versionAtLeast(v, '7.0')) {
    const arch = BOARDS[p.board].architecture === 'x86_64' ? 'x86' : BOARDS[p.board].architecture;
    return [
      row(`routeros-${arch}`),
      row('system'),
      row('dhcp'),
      row('security'),
      row('ppp'),
      row('routing'),
      ...(stack === 'wireless' ? [row('wireless')] : []),
    ];
  }
  const installed =
    stack === 'wireless' || stack === 'none' ? (stack === 'wireless' ? 'wireless' : '') : stack;
  const rows = [row('routeros'), ...(installed === '' ? [] : [row(installed)])];
  // RouterOS 7 lists packages it could install too (manual: Packages): never installed, flagged available.
  for (const name of ['container', 'wireless', 'zerotier'])
    if (name !== installed) rows.push(row(name, { available: 'true' }));
  return rows;
}

function mac(board: RouterOsBoard, n: number): string {
  const b = ROUTEROS_BOARDS.indexOf(board);
  return `48:A9:8A:${(0x10 + b).toString(16).toUpperCase()}:20:${n.toString(16).toUpperCase().padStart(2, '0')}`;
}

function radios(p: RouterProfile): { menu: string; rows: Row[] } | undefined {
  const stack = wifiStack(p);
  const menu = wifiMenu(stack);
  if (menu === undefined) return undefined;
  const ports = BOARDS[p.board].ports.length;
  if (stack === 'wireless') {
    return {
      menu,
      rows: [
        { name: 'wlan1', 'default-name': 'wlan1', band: '2ghz-b/g/n', 'mac-address': mac(p.board, ports) },
        {
          name: 'wlan2',
          'default-name': 'wlan2',
          band: '5ghz-a/n/ac',
          'mac-address': mac(p.board, ports + 1),
        },
      ].map((r) => ({ ...r, mode: 'ap-bridge', ssid: 'MikroTik', disabled: 'true', running: 'false' })),
    };
  }
  const ax = stack !== 'wifi-qcom-ac';
  return {
    menu,
    rows: [
      { name: 'wifi1', 'channel.band': ax ? '5ghz-ax' : '5ghz-ac', n: ports },
      { name: 'wifi2', 'channel.band': ax ? '2ghz-ax' : '2ghz-n', n: ports + 1 },
    ].map(({ n, ...r }) => ({
      ...r,
      'default-name': r.name,
      'mac-address': mac(p.board, n),
      'configuration.mode': 'ap',
      disabled: 'true',
      running: 'false',
      arp: 'enabled',
      mtu: '1500',
      l2mtu: '1560',
    })),
  };
}

const SERVICES: [string, string][] = [
  ['telnet', '23'],
  ['ftp', '21'],
  ['www', '80'],
  ['ssh', '22'],
  ['www-ssl', '443'],
  ['api', '8728'],
  ['winbox', '8291'],
  ['api-ssl', '8729'],
];

/** A router after `/system reset-configuration no-defaults=yes` on this profile. */
export function blankProfile(p: RouterProfile): RouterConfig {
  const config: RouterConfig = {
    description: `blank ${p.board} on RouterOS ${p.version} (no default configuration)`,
    menus: {
      '/system/identity': [{ name: 'MikroTik' }],
      '/system/history': [],
      '/interface/ethernet': BOARDS[p.board].ports.map((name, i) => ({
        name,
        'default-name': name,
        mtu: '1500',
        'mac-address': mac(p.board, i),
        running: 'true',
        disabled: 'false',
      })),
      '/ip/service': SERVICES.map(([name, port]) => ({
        name,
        port,
        address: '',
        disabled: name === 'www-ssl' ? 'true' : 'false',
        invalid: 'false',
        ...(name.endsWith('-ssl') ? { certificate: 'none', 'tls-version': 'any' } : {}),
      })),
      '/user': [
        { name: 'admin', group: 'full', address: '', disabled: 'false' },
        { name: 'provisioner', group: 'full', address: '', disabled: 'false' },
      ],
      '/snmp': [{ enabled: 'false' }],
      '/snmp/community': [
        {
          name: 'public',
          addresses: '::/0',
          security: 'none',
          'read-access': 'true',
          'write-access': 'false',
          'authentication-protocol': 'MD5',
          'encryption-protocol': 'DES',
          default: 'true',
          disabled: 'false',
        },
      ],
    },
  };
  return applyProfile(config, p);
}

const WIFI_MENUS = ['/interface/wifi', '/interface/wifiwave2'];
const RADIO_NAMES = new Set(['wifi1', 'wifi2', 'wlan1', 'wlan2']);

/** The fixture as it would stand on this profile (in place; returns it). */
export function applyProfile(config: RouterConfig, p: RouterProfile): RouterConfig {
  const why = unsupported(p);
  if (why !== undefined) throw new ProfileError(why);
  const m = config.menus;
  const v = versionOf(p);
  const board = BOARDS[p.board];
  const printed = printedVersion(p);
  const old = m['/system/resource']?.[0] ?? {};
  m['/system/resource'] = [
    {
      uptime: old.uptime ?? '1d2h3m4s',
      version: printed,
      'build-time': '2026-01-01 00:00:00',
      'free-memory': old['free-memory'] ?? '743047168',
      'total-memory': old['total-memory'] ?? '1073741824',
      cpu: board.cpu,
      'cpu-count': '4',
      'cpu-load': '3',
      'architecture-name': board.architecture,
      'board-name': board.boardName,
      platform: 'MikroTik',
    },
  ];
  if (board.model === undefined) delete m['/system/routerboard'];
  else {
    const serial = m['/system/routerboard']?.[0]?.['serial-number'] ?? `HG${p.board.length}0A1B2C3D`;
    m['/system/routerboard'] = [
      {
        routerboard: 'true',
        'board-name': board.boardName,
        model: board.model,
        'serial-number': serial,
        'firmware-type': board.firmwareType ?? '',
        'factory-firmware': p.board === 'hap-ac2' ? '6.44' : '7.5',
        'current-firmware': printed.split(' ')[0] as string,
        'upgrade-firmware': printed.split(' ')[0] as string,
      },
    ];
  }
  m['/system/package'] = packages(p);

  // Ports the board has (fixtures name ether1-ether5).
  const eth = m['/interface/ethernet'] ?? [];
  for (const [i, name] of board.ports.entries())
    if (!eth.some((r) => r.name === name || r['default-name'] === name))
      eth.push({
        name,
        'default-name': name,
        mtu: '1500',
        'mac-address': mac(p.board, i),
        running: 'false',
        disabled: 'false',
      });
  m['/interface/ethernet'] = eth;

  // Wi-Fi: the fixture's wifi/wifiwave2 rows move to the menu this profile has (same properties); a
  // profile without that stack loses them, and the bridge ports and VLAN memberships naming them.
  const stack = wifiStack(p);
  const target = wifiMenu(stack);
  const wifiRows = WIFI_MENUS.flatMap((menu) => m[menu] ?? []);
  const wifiSec = WIFI_MENUS.flatMap((menu) => m[`${menu}/security`] ?? []);
  for (const menu of WIFI_MENUS) {
    delete m[menu];
    delete m[`${menu}/security`];
  }
  const gone = new Set<string>();
  if (target === '/interface/wifi' || target === '/interface/wifiwave2') {
    m[target] = wifiRows;
    m[`${target}/security`] = wifiSec;
  } else for (const r of wifiRows) gone.add(r.name ?? '');
  if (target !== '/interface/wireless') {
    for (const r of m['/interface/wireless'] ?? []) gone.add(r.name ?? '');
    delete m['/interface/wireless'];
    delete m['/interface/wireless/security-profiles'];
  }
  const radio = radios(p);
  if (radio !== undefined) {
    const rows = (m[radio.menu] ??= []);
    rows.unshift(...radio.rows.filter((r) => !rows.some((x) => x.name === r.name)));
  }
  if (target === '/interface/wireless') {
    const profiles = (m['/interface/wireless/security-profiles'] ??= []);
    if (!profiles.some((r) => r.name === 'default'))
      profiles.unshift({ name: 'default', mode: 'none', default: 'true' });
    // A comment on a security profile does not exist before 7.15: a real router cannot hold one.
    if (!versionAtLeast(v, '7.15')) for (const r of profiles) delete r.comment;
  }
  if (gone.size > 0) {
    m['/interface/bridge/port'] = (m['/interface/bridge/port'] ?? []).filter(
      (r) => !gone.has(r.interface ?? ''),
    );
    for (const r of m['/interface/bridge/vlan'] ?? [])
      for (const k of ['tagged', 'untagged'])
        if (r[k] !== undefined)
          r[k] = r[k]
            .split(',')
            .filter((x) => x !== '' && !gone.has(x))
            .join(',');
  }
  void RADIO_NAMES;

  // /ip/service: `address` became `available-from` in 7.24; max-sessions (7.16+) and vrf (v7) as the version has them.
  for (const r of m['/ip/service'] ?? []) {
    if (versionAtLeast(v, '7.24') && 'address' in r) {
      r['available-from'] = r.address ?? '';
      delete r.address;
    } else if (!versionAtLeast(v, '7.24') && 'available-from' in r) {
      r.address = r['available-from'] ?? '';
      delete r['available-from'];
    }
    if (!versionAtLeast(v, '7.16')) delete r['max-sessions'];
    if (!versionAtLeast(v, '7.0')) delete r.vrf;
    if (versionAtLeast(v, '7.19')) r.proto ??= 'tcp';
    else delete r.proto;
  }
  if (!versionAtLeast(v, '7.0')) for (const r of m['/snmp'] ?? []) delete r.vrf;
  if (m['/user/group'] === undefined || m['/user/group'].length === 0)
    m['/user/group'] = defaultGroups(v).map((g) => ({ ...g, skin: 'default' }));
  return config;
}
