import type { Device } from '../../inventory/types.ts';
import { DeviceError, type CollectOptions } from '../errors.ts';
import type { RouterFacts } from '../facts.ts';
import {
  connectRouterOs,
  type PrintOptions,
  type RouterOsClient,
  type RouterOsRow,
  type RouterOsTlsOptions,
} from './client.ts';
import { parseVersion, withDefaults } from './defaults.ts';
import { deviceError } from './failures.ts';
import {
  bool,
  firewallRules,
  int,
  list,
  version,
  vlanIds,
  wifiFromWifiPackage,
  wifiFromWireless,
} from './normalise.ts';

/**
 * Reads a router's facts over the RouterOS API, read-only: only `print` commands, each asking for just the
 * properties the facts need (`.proplist`), all sent at once on one connection (node-routeros tags every
 * command, so the router answers them in parallel). The firewall tables are read whole: a matcher we did
 * not ask for would make a drop rule look wider than it is, and a leak could hide behind it.
 * Wi-Fi comes from whichever package the router has: `/interface/wifi` (7.13+), `/interface/wifiwave2`
 * (7.12 and earlier), or the legacy `/interface/wireless` with security profiles; the menus a router lacks
 * answer "no such command prefix" and count as empty.
 */
export async function collectRouterFacts(device: Device, opts: CollectOptions): Promise<RouterFacts> {
  const budget = Math.min(opts.timeoutMs, device.timeoutMs ?? Number.POSITIVE_INFINITY);
  const deadline = Date.now() + budget;
  const remaining = (): number => Math.max(1, deadline - Date.now());
  if (device.driver !== 'routeros') {
    throw deviceError('E-CONFIG', device.name, `driver is ${device.driver}, not routeros`);
  }
  const user = device.credentials?.user;
  const passwordRef = device.credentials?.password;
  if (user === undefined || passwordRef === undefined) {
    throw deviceError(
      'E-CONFIG',
      device.name,
      'credentials.user and credentials.password are required for a RouterOS device',
      {
        hint: 'Add credentials: { user, password: env:NAME or file:PATH } to the device in the declaration.',
      },
    );
  }
  // No credential in clear: the plain API (8728) only when the declaration says insecure: true
  // (validation enforces the same rule for declarations read from a file: inventory/transport.ts).
  if (device.tls?.enabled !== true && device.insecure !== true)
    throw deviceError(
      'E-CONFIG',
      device.name,
      'the plain RouterOS API (8728) sends the password in clear: refused; enable tls (api-ssl, 8729) or declare insecure: true for this device',
      {
        hint: 'Enable the api-ssl service on the router and tls: { enabled: true, ... } in the declaration.',
      },
    );
  const password = await secret(opts, passwordRef, device.name, 'credentials.password');
  const tls = await tlsSettings(device, opts);
  const client = await connectRouterOs({
    device: device.name,
    host: device.host,
    ...(device.port === undefined ? {} : { port: device.port }),
    user,
    password,
    ...(tls === undefined ? {} : { tls }),
    connectTimeoutMs: remaining(),
    commandTimeoutMs: remaining(),
  });
  try {
    return await withDeadline(readFacts(client, device, opts), remaining(), device.name);
  } finally {
    await client.close();
  }
}

async function readFacts(client: RouterOsClient, device: Device, opts: CollectOptions): Promise<RouterFacts> {
  const print = (menu: string, proplist?: string[]): Promise<RouterOsRow[]> =>
    client.print(menu, proplist === undefined ? {} : ({ proplist } satisfies PrintOptions));
  // A menu the router lacks (no such command prefix) reads as empty; any other trap is an error.
  const optional = (menu: string, proplist?: string[]): Promise<RouterOsRow[]> =>
    print(menu, proplist).catch((e: unknown) => {
      if (
        e instanceof DeviceError &&
        e.code === 'E-TRAP' &&
        /no such command/.test(String(e.detail?.message))
      )
        return [];
      throw e;
    });
  // Every Wi-Fi menu is asked whatever the declaration says: the router's version and board decide which
  // one exists (a declared `wifi` router on 6.49 still serves its SSIDs from /interface/wireless).
  const wifiWanted = true;
  const wirelessWanted = true;
  const none = Promise.resolve<RouterOsRow[]>([]);
  const WIFI = ['name', 'disabled', 'configuration.ssid', 'security', 'datapath.vlan-id'];
  const WIFI_INLINE = [
    'security.authentication-types',
    'security.eap-methods',
    'security.management-protection',
  ];
  const SECURITY = ['name', 'authentication-types', 'eap-methods', 'management-protection'];

  const [
    identity,
    resource,
    routerboard,
    packages,
    interfaces,
    bridges,
    bridgePorts,
    bridgeVlans,
    vlans,
    addresses,
    dhcpNetworks,
    dhcpLeases,
    dns,
    filter,
    nat,
    addressLists,
    wifi,
    wifiSecurity,
    wave2,
    wave2Security,
    wireless,
    wirelessProfiles,
    radius,
    services,
    users,
    snmp,
    communities,
    history,
  ] = await Promise.all([
    print('/system/identity', ['name']),
    print('/system/resource', ['version', 'board-name']),
    // CHR and x86 have no /system/routerboard (no such command prefix): a fact, not an error.
    optional('/system/routerboard', ['model', 'serial-number', 'current-firmware']),
    print('/system/package', ['name', 'version', 'disabled', 'available']),
    print('/interface', ['name', 'type', 'mac-address', 'running', 'disabled']),
    print('/interface/bridge', ['name', 'vlan-filtering']),
    print('/interface/bridge/port', [
      'bridge',
      'interface',
      'pvid',
      'frame-types',
      'ingress-filtering',
      'dynamic',
    ]),
    print('/interface/bridge/vlan', ['bridge', 'vlan-ids', 'tagged', 'untagged', 'dynamic']),
    print('/interface/vlan', ['name', 'vlan-id', 'interface', 'disabled']),
    print('/ip/address', ['address', 'interface', 'disabled']),
    print('/ip/dhcp-server/network', ['address', 'gateway', 'dns-server', 'comment']),
    print('/ip/dhcp-server/lease', ['address', 'mac-address', 'host-name', 'last-seen']),
    print('/ip/dns', ['servers', 'allow-remote-requests']),
    print('/ip/firewall/filter'),
    print('/ip/firewall/nat'),
    print('/ip/firewall/address-list', ['list', 'address', 'comment', 'disabled']),
    wifiWanted ? optional('/interface/wifi', [...WIFI, ...WIFI_INLINE]) : none,
    wifiWanted ? optional('/interface/wifi/security', SECURITY) : none,
    wifiWanted ? optional('/interface/wifiwave2', [...WIFI, ...WIFI_INLINE]) : none,
    wifiWanted ? optional('/interface/wifiwave2/security', SECURITY) : none,
    wirelessWanted
      ? optional('/interface/wireless', [
          'name',
          'ssid',
          'security-profile',
          'vlan-mode',
          'vlan-id',
          'disabled',
        ])
      : none,
    wirelessWanted
      ? optional('/interface/wireless/security-profiles', [
          'name',
          'mode',
          'authentication-types',
          'eap-methods',
          'management-protection',
        ])
      : none,
    print('/radius', ['address', 'service', 'authentication-port', 'disabled']),
    // 7.19+ also lists live connections under the service names (flags D, c): only the services count.
    // 7.24 renamed `address` to `available-from`.
    print('/ip/service', ['name', 'port', 'disabled', 'address', 'available-from', 'dynamic', 'connection']),
    print('/user', ['name', 'group', 'disabled']),
    print('/snmp', ['enabled']),
    print('/snmp/community', ['name', 'addresses', 'read-access', 'write-access', 'security', 'disabled']),
    print('/system/history', ['action', 'by', 'time']),
  ]);

  const res = resource[0] ?? {};
  const rb = routerboard[0] ?? {};
  // `print` leaves out what holds its version's default: an absent property is that default, never
  // unknown (devices/routeros/defaults.ts, from the manual). A version we cannot read fills nothing in.
  const printed = parseVersion(res.version);
  const full = (menu: string, rows: RouterOsRow[]): RouterOsRow[] =>
    printed === undefined ? rows : rows.map((r) => withDefaults(menu, r, printed));
  const ports = full('/interface/bridge/port', bridgePorts);
  const config = (r: RouterOsRow): boolean => r.dynamic !== 'true' && r.connection !== 'true';
  const opt = (key: string, v: string | undefined): Record<string, string> =>
    v === undefined || v === '' ? {} : { [key]: v };
  return {
    device: device.name,
    host: device.host,
    collectedAt: (opts.now?.() ?? new Date()).toISOString(),
    identity: identity[0]?.name ?? '',
    version: version(res.version),
    ...opt('boardName', res['board-name']),
    ...opt('serial', rb['serial-number']),
    ...opt('model', rb.model),
    ...opt('firmware', rb['current-firmware']),
    routerboard: routerboard.length > 0,
    // RouterOS 7 lists packages it could install too: only installed ones are facts.
    packages: packages
      .filter((p) => p.available !== 'true')
      .map((p) => ({
        name: p.name ?? '',
        version: p.version ?? '',
        disabled: bool(p.disabled),
      })),
    interfaces: interfaces.map((i) => ({
      name: i.name ?? '',
      type: i.type ?? '',
      ...opt('mac', i['mac-address']),
      running: bool(i.running),
      disabled: bool(i.disabled),
    })),
    bridges: full('/interface/bridge', bridges).map((b) => ({
      name: b.name ?? '',
      vlanFiltering: bool(b['vlan-filtering']),
    })),
    // Dynamic ports (a wifi interface's datapath bridge) and dynamic VLAN entries (PVIDs) are RouterOS's
    // own, not configuration; the Wi-Fi facts still read the PVID a client really lands on from them.
    bridgePorts: ports.filter(config).map((p) => ({
      bridge: p.bridge ?? '',
      interface: p.interface ?? '',
      pvid: int(p.pvid) ?? 1,
      frameTypes: p['frame-types'] ?? 'admit-all',
      ingressFiltering: bool(p['ingress-filtering']),
    })),
    bridgeVlans: full('/interface/bridge/vlan', bridgeVlans)
      .filter(config)
      .map((v) => ({
        bridge: v.bridge ?? '',
        vlanIds: vlanIds(v['vlan-ids']),
        tagged: list(v.tagged),
        untagged: list(v.untagged),
      })),
    vlanInterfaces: full('/interface/vlan', vlans).map((v) => ({
      name: v.name ?? '',
      vlanId: int(v['vlan-id']) ?? 0,
      interface: v.interface ?? '',
      disabled: bool(v.disabled),
    })),
    addresses: addresses.map((a) => ({
      address: a.address ?? '',
      interface: a.interface ?? '',
      disabled: bool(a.disabled),
    })),
    dhcpNetworks: dhcpNetworks.map((n) => ({
      address: n.address ?? '',
      ...opt('gateway', n.gateway),
      dnsServers: list(n['dns-server']),
      ...opt('comment', n.comment),
    })),
    dhcpLeases: dhcpLeases.map((l) => ({
      address: l.address ?? '',
      macAddress: l['mac-address'] ?? '',
      ...opt('hostName', l['host-name']),
      ...opt('lastSeen', l['last-seen']),
    })),
    dns: (([d]) => ({ servers: list(d?.servers), allowRemoteRequests: bool(d?.['allow-remote-requests']) }))(
      full('/ip/dns', dns),
    ),
    filterRules: firewallRules(full('/ip/firewall/filter', filter)),
    natRules: firewallRules(full('/ip/firewall/nat', nat)),
    addressLists: addressLists.map((a) => ({
      list: a.list ?? '',
      address: a.address ?? '',
      ...opt('comment', a.comment),
      disabled: bool(a.disabled),
    })),
    wifi: [
      ...wifiFromWifiPackage(full('/interface/wifi', wifi), wifiSecurity, ports),
      ...wifiFromWifiPackage(full('/interface/wifiwave2', wave2), wave2Security, ports),
      ...wifiFromWireless(
        full('/interface/wireless', wireless),
        full('/interface/wireless/security-profiles', wirelessProfiles),
        ports,
      ),
    ],
    radius: full('/radius', radius).map((r) => {
      const port = int(r['authentication-port']);
      return {
        address: r.address ?? '',
        service: list(r.service),
        ...(port === undefined ? {} : { authPort: port }),
        disabled: bool(r.disabled),
      };
    }),
    services: services.filter(config).map((s) => ({
      name: s.name ?? '',
      port: int(s.port) ?? 0,
      disabled: bool(s.disabled),
      address: list(s['available-from'] ?? s.address),
    })),
    users: users.map((u) => ({ name: u.name ?? '', group: u.group ?? '', disabled: bool(u.disabled) })),
    snmp: {
      enabled: bool(full('/snmp', snmp)[0]?.enabled),
      communities: full('/snmp/community', communities).map((c) => ({
        name: c.name ?? '',
        addresses: list(c.addresses),
        readAccess: bool(c['read-access']),
        writeAccess: bool(c['write-access']),
        security: c.security ?? 'none',
        disabled: bool(c.disabled),
      })),
    },
    history: history.map((h) => ({ action: h.action ?? '', ...opt('by', h.by), ...opt('time', h.time) })),
  };
}

async function secret(
  opts: CollectOptions,
  ref: string,
  device: string,
  field: string,
  code: 'E-SECRET' | 'E-CONFIG' = 'E-SECRET',
): Promise<string> {
  try {
    return await opts.resolveSecret(ref);
  } catch (e) {
    // The resolver's message names the reference, never the value.
    throw deviceError(code, device, `${field}: ${(e as Error).message}`, {
      hint: 'Set the environment variable or create the file the reference names.',
    });
  }
}

/** The CA is a file path (relative to the declaration, read like a `file:` reference) or inline PEM. */
async function tlsSettings(device: Device, opts: CollectOptions): Promise<RouterOsTlsOptions | undefined> {
  const t = device.tls;
  if (t === undefined || !t.enabled) return undefined;
  const out: RouterOsTlsOptions = {};
  if (t.ca !== undefined) {
    out.ca = t.ca.includes('-----BEGIN')
      ? t.ca
      : await secret(opts, `file:${t.ca}`, device.name, 'tls.ca', 'E-CONFIG');
  }
  if (t.fingerprint !== undefined) out.fingerprint = t.fingerprint;
  if (t.servername !== undefined) out.servername = t.servername;
  return out;
}

function withDeadline<T>(work: Promise<T>, ms: number, device: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(deviceError('E-TIMEOUT', device, `collecting facts took longer than ${ms} ms`)),
      ms,
    );
    work.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}
