/**
 * Test-only builders: a fictional school ("Oakfield Primary", id `oakfield`) whose declaration, router,
 * switch, switch CLI, directory and roster all agree, so every check passes on the defaults and each
 * test changes exactly the one thing it is about. Shapes follow what the collectors return.
 */
import type {
  Collected,
  DirectoryAccount,
  DirectoryFacts,
  RouterFacts,
  RouterFirewallRule,
  SchoolFacts,
  SwitchFacts,
  SwitchManagement,
  SwitchPort,
} from '../../devices/facts.ts';
import type { RosterFacts, RosterPerson } from '../../inventory/facts.ts';
import type { SchoolDeclaration } from '../../inventory/types.ts';
import type { Check, CheckContext, CheckResult } from '../../checks/types.ts';
import { resolveParams } from '../../checks/lib/params.ts';

export const NOW = '2026-11-24T02:00:00.000Z';
const RECENT = '2026-11-20T08:15:00.000Z';
const COLLECTED = '2026-11-24T02:00:05.000Z';

export function declaration(over: Partial<SchoolDeclaration> = {}): SchoolDeclaration {
  const base: SchoolDeclaration = {
    apiVersion: 'schoolnet/v1',
    school: {
      id: 'oakfield',
      name: 'Oakfield Primary School',
      jurisdiction: 'england',
      standards: ['dfe', 'kcsie', 'cyber-essentials'],
    },
    policy: { file: 'policy.yaml', reviewed: '2026-03-01', reviewEveryMonths: 12 },
    networks: [
      {
        role: 'staff',
        name: 'STAFF',
        vlan: 10,
        subnet: '10.10.0.0/24',
        gateway: '10.10.0.1',
        dns: ['10.40.0.53'],
        dhcp: { pool: '10.10.0.100-10.10.0.250' },
      },
      {
        role: 'pupils',
        name: 'PUPILS',
        vlan: 20,
        subnet: '10.20.0.0/22',
        gateway: '10.20.0.1',
        dns: ['10.40.0.53'],
        dhcp: { pool: '10.20.0.100-10.20.3.250' },
      },
      {
        role: 'guests',
        name: 'GUEST',
        vlan: 30,
        subnet: '10.30.0.0/24',
        gateway: '10.30.0.1',
        dns: ['10.40.0.54'],
        dhcp: { pool: '10.30.0.100-10.30.0.250' },
      },
      {
        role: 'servers',
        name: 'SERVERS',
        vlan: 40,
        subnet: '10.40.0.0/24',
        gateway: '10.40.0.1',
        dns: ['10.40.0.53'],
      },
      {
        role: 'byod',
        name: 'BYOD',
        vlan: 50,
        subnet: '10.50.0.0/24',
        gateway: '10.50.0.1',
        dns: ['10.40.0.54'],
        dhcp: { pool: '10.50.0.100-10.50.0.250' },
      },
      {
        role: 'management',
        name: 'MGMT',
        vlan: 99,
        subnet: '10.99.0.0/24',
        gateway: '10.99.0.1',
        dns: ['10.40.0.53'],
      },
    ],
    radius: [{ name: 'nps1', host: '10.40.0.20', secret: 'env:RADIUS_SECRET' }],
    wifi: [
      {
        ssid: 'Oak-Staff',
        security: 'wpa2-eap',
        network: 'STAFF',
        radius: ['nps1'],
        eapMethods: ['peap'],
        pmf: 'optional',
      },
      {
        ssid: 'Oak-Pupils',
        security: 'wpa3-eap',
        network: 'PUPILS',
        radius: ['nps1'],
        eapMethods: ['peap'],
        pmf: 'required',
      },
      {
        ssid: 'Oak-Guest',
        security: 'wpa2-psk',
        network: 'GUEST',
        passphrase: 'env:GUEST_PSK',
        pmf: 'optional',
      },
      {
        ssid: 'Oak-BYOD',
        security: 'wpa2-psk',
        network: 'BYOD',
        passphrase: 'env:BYOD_PSK',
        pmf: 'optional',
      },
    ],
    zones: {
      default: 'deny',
      rules: [
        { from: 'staff', to: ['internet', 'pupils', 'servers'], action: 'allow' },
        { from: 'pupils', to: 'internet', action: 'allow' },
        { from: 'pupils', to: 'servers', action: 'allow', services: ['tcp/443', 'udp/53', 'tcp/53'] },
        { from: 'guests', to: 'internet', action: 'allow' },
        { from: 'guests', to: 'servers', action: 'allow', services: ['udp/53', 'tcp/53'] },
        { from: 'byod', to: 'internet', action: 'allow' },
        { from: 'byod', to: 'servers', action: 'allow', services: ['udp/53', 'tcp/53'] },
        {
          from: 'management',
          to: ['internet', 'staff', 'pupils', 'guests', 'byod', 'servers'],
          action: 'allow',
        },
        { from: 'servers', to: 'internet', action: 'allow' },
      ],
    },
    directory: {
      kind: 'ad',
      url: 'ldaps://dc1.oakfield.example.org:636',
      baseDn: 'DC=oakfield,DC=example,DC=org',
      bind: { dn: 'CN=auditor,CN=Users,DC=oakfield,DC=example,DC=org', password: 'env:LDAP_PASSWORD' },
      ous: { staff: 'OU=Staff', pupils: 'OU=Pupils', leavers: 'OU=Leavers' },
      adminGroups: ['Domain Admins'],
      roleGroups: { staff: 'Staff', pupils: 'Pupils' },
      passwordPolicy: {
        minLength: 12,
        complexity: true,
        historyLength: 24,
        maxAgeDays: 0,
        minAgeDays: 1,
        lockoutThreshold: 10,
        lockoutDurationMinutes: 15,
        lockoutWindowMinutes: 5,
      },
      breakGlassAccounts: ['breakglass'],
    },
    lifecycle: {
      roster: {
        file: 'roster.csv',
        columns: {
          // The fixture school keeps its people's id in userPrincipalName: any attribute can be declared.
          misId: 'Email',
          directoryAttribute: 'userPrincipalName',
          account: 'Email',
          givenName: 'Forename',
          surname: 'Surname',
          role: 'Role',
          leavingDate: 'Date of Leaving',
          aupSigned: 'AUP',
        },
        dateFormat: 'iso',
      },
      requireAup: true,
      leavers: { action: 'disable-and-move', graceDays: 0 },
      staleAfterDays: 90,
    },
    devices: [
      {
        name: 'core-router',
        kind: 'router',
        driver: 'routeros',
        host: '10.99.0.1',
        minFirmware: '7.14',
        bridge: 'bridge1',
        wan: 'ether1',
        managementAllowFrom: ['10.99.0.0/24'],
      },
      {
        name: 'core-sw1',
        kind: 'switch',
        driver: 'snmp',
        host: '10.99.0.2',
        minFirmware: '15.2(7)E2',
        snmp: { version: '3', user: 'auditor' },
        ports: [
          { port: 1, mode: 'access', network: 'STAFF' },
          { port: 13, mode: 'access', network: 'PUPILS' },
          { port: 37, mode: 'access', network: 'GUEST' },
          { port: 45, mode: 'access', network: 'MGMT' },
          { port: 48, mode: 'trunk', tagged: ['STAFF', 'PUPILS', 'GUEST', 'SERVERS', 'BYOD', 'MGMT'] },
        ],
      },
      {
        name: 'core-sw1-cli',
        kind: 'switch',
        driver: 'ssh-cli',
        host: '10.99.0.2',
        sshHostKey: 'SHA256:fixture',
      },
    ],
  };
  return { ...base, ...over };
}

export function ctx(decl: SchoolDeclaration = declaration(), now: string = NOW): CheckContext {
  return { decl, now };
}

/** Firewall rules from `[chain, action, props, comment?]`, numbered in order with RouterOS-style ids. */
export function rules(
  list: [string, string, Record<string, string>, string?][],
  firstOrder = 0,
): RouterFirewallRule[] {
  return list.map(([chain, action, props, comment], i) => {
    const r: RouterFirewallRule = {
      id: `*${(firstOrder + i + 1).toString(16).toUpperCase()}`,
      chain,
      action,
      props,
      disabled: false,
      order: firstOrder + i,
    };
    if (comment !== undefined) r.comment = comment;
    return r;
  });
}

export const FORWARD = rules([
  ['forward', 'accept', { 'connection-state': 'established,related' }, 'established'],
  ['forward', 'drop', { 'connection-state': 'invalid' }],
  ['forward', 'drop', { 'in-interface': 'PUPILS', protocol: 'tcp', 'dst-port': '853' }, 'no DNS over TLS'],
  ['forward', 'drop', { 'in-interface': 'PUPILS', protocol: 'udp', 'dst-port': '853' }, 'no DNS over QUIC'],
  [
    'forward',
    'drop',
    { 'in-interface': 'PUPILS', 'dst-address-list': 'doh-servers', protocol: 'tcp', 'dst-port': '443' },
    'no DoH',
  ],
  [
    'forward',
    'drop',
    { 'in-interface-list': 'LAN', 'out-interface': 'ether1', protocol: 'udp', 'dst-port': '53' },
    'DNS only via the filter',
  ],
  [
    'forward',
    'drop',
    { 'in-interface-list': 'LAN', 'out-interface': 'ether1', protocol: 'tcp', 'dst-port': '53' },
  ],
  ['forward', 'accept', { 'in-interface': 'STAFF', 'out-interface': 'ether1' }],
  ['forward', 'accept', { 'in-interface': 'STAFF', 'out-interface': 'PUPILS' }],
  ['forward', 'accept', { 'in-interface': 'STAFF', 'out-interface': 'SERVERS' }],
  ['forward', 'accept', { 'in-interface': 'PUPILS', 'out-interface': 'ether1' }],
  [
    'forward',
    'accept',
    { 'in-interface': 'PUPILS', 'out-interface': 'SERVERS', protocol: 'tcp', 'dst-port': '443' },
    'learning platform',
  ],
  [
    'forward',
    'accept',
    { 'in-interface': 'PUPILS', 'out-interface': 'SERVERS', protocol: 'udp', 'dst-port': '53' },
  ],
  [
    'forward',
    'accept',
    { 'in-interface': 'PUPILS', 'out-interface': 'SERVERS', protocol: 'tcp', 'dst-port': '53' },
  ],
  ['forward', 'accept', { 'in-interface': 'GUEST', 'out-interface': 'ether1' }],
  [
    'forward',
    'accept',
    { 'in-interface': 'GUEST', 'out-interface': 'SERVERS', protocol: 'udp', 'dst-port': '53' },
  ],
  [
    'forward',
    'accept',
    { 'in-interface': 'GUEST', 'out-interface': 'SERVERS', protocol: 'tcp', 'dst-port': '53' },
  ],
  ['forward', 'accept', { 'in-interface': 'BYOD', 'out-interface': 'ether1' }],
  [
    'forward',
    'accept',
    { 'in-interface': 'BYOD', 'out-interface': 'SERVERS', protocol: 'udp', 'dst-port': '53' },
  ],
  [
    'forward',
    'accept',
    { 'in-interface': 'BYOD', 'out-interface': 'SERVERS', protocol: 'tcp', 'dst-port': '53' },
  ],
  ['forward', 'accept', { 'in-interface': 'MGMT' }],
  ['forward', 'accept', { 'in-interface': 'SERVERS', 'out-interface': 'ether1' }],
  ['forward', 'drop', {}, 'default deny'],
]);

export const INPUT = rules(
  [
    ['input', 'accept', { 'connection-state': 'established,related' }],
    ['input', 'drop', { 'connection-state': 'invalid' }],
    ['input', 'accept', { protocol: 'icmp' }],
    ['input', 'accept', { 'in-interface': 'MGMT' }, 'management'],
    ['input', 'accept', { 'in-interface-list': 'LAN', protocol: 'udp', 'dst-port': '53' }],
    ['input', 'drop', { 'in-interface': 'ether1' }, 'drop all from WAN'],
    ['input', 'drop', {}, 'drop everything else'],
  ],
  FORWARD.length,
);

export const NAT = rules([
  ['srcnat', 'masquerade', { 'out-interface': 'ether1' }],
  [
    'dstnat',
    'dst-nat',
    {
      'in-interface': 'ether1',
      protocol: 'tcp',
      'dst-port': '443',
      'to-addresses': '10.40.0.10',
      'to-ports': '443',
    },
    'Parent portal (TKT-1042)',
  ],
]);

const VLANS: [string, number][] = [
  ['STAFF', 10],
  ['PUPILS', 20],
  ['GUEST', 30],
  ['SERVERS', 40],
  ['BYOD', 50],
  ['MGMT', 99],
];

export function router(over: Partial<RouterFacts> = {}): RouterFacts {
  const base: RouterFacts = {
    device: 'core-router',
    host: '10.99.0.1',
    collectedAt: COLLECTED,
    identity: 'oakfield-core',
    version: '7.16.1',
    boardName: 'RB5009UG+S+',
    packages: [{ name: 'routeros', version: '7.16.1', disabled: false }],
    interfaces: [
      { name: 'ether1', type: 'ether', running: true, disabled: false },
      { name: 'bridge1', type: 'bridge', running: true, disabled: false },
    ],
    bridges: [{ name: 'bridge1', vlanFiltering: true }],
    bridgePorts: [],
    bridgeVlans: [],
    vlanInterfaces: VLANS.map(([name, vlanId]) => ({ name, vlanId, interface: 'bridge1', disabled: false })),
    addresses: [
      ['10.10.0.1/24', 'STAFF'],
      ['10.20.0.1/22', 'PUPILS'],
      ['10.30.0.1/24', 'GUEST'],
      ['10.40.0.1/24', 'SERVERS'],
      ['10.50.0.1/24', 'BYOD'],
      ['10.99.0.1/24', 'MGMT'],
      ['203.0.113.10/29', 'ether1'],
    ].map(([address, iface]) => ({
      address: address as string,
      interface: iface as string,
      disabled: false,
    })),
    dhcpNetworks: [
      { address: '10.10.0.0/24', gateway: '10.10.0.1', dnsServers: ['10.40.0.53'] },
      { address: '10.20.0.0/22', gateway: '10.20.0.1', dnsServers: ['10.40.0.53'] },
      { address: '10.30.0.0/24', gateway: '10.30.0.1', dnsServers: ['10.40.0.54'] },
      { address: '10.50.0.0/24', gateway: '10.50.0.1', dnsServers: ['10.40.0.54'] },
    ],
    dhcpLeases: [],
    dns: { servers: ['10.40.0.53'], allowRemoteRequests: true },
    filterRules: [...FORWARD, ...INPUT],
    natRules: NAT,
    addressLists: ['1.1.1.1', '8.8.8.8', '9.9.9.9'].map((address) => ({
      list: 'doh-servers',
      address,
      disabled: false,
    })),
    wifi: [
      {
        name: 'wifi1',
        ssid: 'Oak-Staff',
        authenticationTypes: ['wpa2-eap'],
        eapMethods: ['peap'],
        managementProtection: 'allowed',
        vlanId: 10,
        disabled: false,
        source: 'wifi',
      },
      {
        name: 'wifi2',
        ssid: 'Oak-Pupils',
        authenticationTypes: ['wpa2-eap', 'wpa3-eap'],
        eapMethods: ['peap'],
        managementProtection: 'required',
        vlanId: 20,
        disabled: false,
        source: 'wifi',
      },
      {
        name: 'wifi3',
        ssid: 'Oak-Guest',
        authenticationTypes: ['wpa2-psk'],
        eapMethods: [],
        managementProtection: 'allowed',
        vlanId: 30,
        disabled: false,
        source: 'wifi',
      },
      {
        name: 'wifi4',
        ssid: 'Oak-BYOD',
        authenticationTypes: ['wpa2-psk'],
        eapMethods: [],
        managementProtection: 'allowed',
        vlanId: 50,
        disabled: false,
        source: 'wifi',
      },
    ],
    radius: [{ address: '10.40.0.20', service: ['wireless'], disabled: false }],
    services: [
      { name: 'telnet', port: 23, disabled: true, address: [] },
      { name: 'ftp', port: 21, disabled: true, address: [] },
      { name: 'www', port: 80, disabled: true, address: [] },
      { name: 'ssh', port: 22, disabled: false, address: ['10.99.0.0/24'] },
      { name: 'www-ssl', port: 443, disabled: false, address: ['10.99.0.0/24'] },
      { name: 'api', port: 8728, disabled: false, address: ['10.99.0.0/24'] },
      { name: 'winbox', port: 8291, disabled: false, address: ['10.99.0.0/24'] },
      { name: 'api-ssl', port: 8729, disabled: false, address: ['10.99.0.0/24'] },
    ],
    users: [
      { name: 'auditor', group: 'read', disabled: false },
      { name: 'netadmin-1', group: 'full', disabled: false },
    ],
    snmp: {
      enabled: false,
      communities: [
        {
          name: 'public',
          addresses: ['0.0.0.0/0'],
          readAccess: true,
          writeAccess: false,
          security: 'none',
          disabled: false,
        },
      ],
    },
    history: [],
  };
  return { ...base, ...over };
}

function port(n: number): SwitchPort {
  const pvid = n <= 12 ? 10 : n <= 36 ? 20 : n <= 44 ? 30 : n <= 46 ? 99 : 1;
  return { ifIndex: n, port: n, name: `gi1/0/${n}`, adminUp: true, operUp: n % 3 !== 0, pvid };
}

export function switchFacts(over: Partial<SwitchFacts> = {}): SwitchFacts {
  const all = Array.from({ length: 48 }, (_, i) => i + 1);
  const base: SwitchFacts = {
    device: 'core-sw1',
    host: '10.99.0.2',
    collectedAt: COLLECTED,
    sysName: 'oak-core-sw1',
    sysDescr: 'Cisco IOS Software, C2960X Software (C2960X-UNIVERSALK9-M), Version 15.2(7)E4',
    snmpVersion: '3',
    ports: all.map(port),
    vlans: [
      { id: 1, name: 'default', egressPorts: [], untaggedPorts: [] },
      ...VLANS.map(([name, id]) => ({
        id,
        name,
        egressPorts: [...all.filter((p) => port(p).pvid === id), 47, 48],
        untaggedPorts: all.filter((p) => port(p).pvid === id),
      })),
    ],
    entities: [
      {
        index: 1,
        description: 'WS-C2960X-48FPD-L',
        class: 'chassis',
        serial: 'FOC0000X0AA',
        softwareRev: '15.2(7)E4',
      },
    ],
  };
  return { ...base, ...over };
}

export function switchManagement(over: Partial<SwitchManagement> = {}): SwitchManagement {
  return {
    telnet: false,
    http: false,
    https: true,
    ssh: true,
    snmpCommunities: [],
    snmpV3Users: ['auditor'],
    runningConfig:
      'hostname oak-core-sw1\nno ip http server\nip http secure-server\nsnmp-server group audit v3 priv\n',
    ...over,
  };
}

/** The switch CLI as its own collected entry (the other shape the engine may use is `management` merged in). */
export function switchCli(over: Partial<SwitchManagement> = {}): SwitchFacts {
  return { ...switchFacts({ device: 'core-sw1-cli' }), management: switchManagement(over) };
}

export function account(username: string, over: Partial<DirectoryAccount> = {}): DirectoryAccount {
  const ou = over.ou ?? 'staff';
  const container =
    ou === 'staff' ? 'Staff' : ou === 'pupils' ? 'Pupils' : ou === 'leavers' ? 'Leavers' : 'Admins';
  return {
    dn: `CN=${username},OU=${container},DC=oakfield,DC=example,DC=org`,
    username,
    upn: `${username}@oakfield.example.org`,
    ou,
    enabled: true,
    passwordNeverExpires: false,
    passwordNotRequired: false,
    locked: false,
    lastLogon: RECENT,
    passwordLastSet: '2026-09-01T08:00:00.000Z',
    created: '2024-09-01T08:00:00.000Z',
    groups: ou === 'staff' ? ['Staff'] : ou === 'pupils' ? ['Pupils'] : [],
    isAdmin: false,
    userAccountControl: 512,
    ...over,
  };
}

export function accounts(): DirectoryAccount[] {
  return [
    account('a.teacher', { givenName: 'Alex', surname: 'Teacher', mail: 'a.teacher@oakfield.example.org' }),
    account('b.bursar', { givenName: 'Bea', surname: 'Bursar', mail: 'b.bursar@oakfield.example.org' }),
    account('c.pupil', { ou: 'pupils' }),
    account('d.pupil', { ou: 'pupils' }),
    account('e.leaver', {
      ou: 'leavers',
      enabled: false,
      groups: [],
      userAccountControl: 514,
      lastLogon: '2026-07-17T15:30:00.000Z',
    }),
    account('adm.tech1', {
      ou: 'other',
      isAdmin: true,
      groups: ['Domain Admins'],
      givenName: 'Tess',
      surname: 'Tech',
    }),
    account('adm.tech2', {
      ou: 'other',
      isAdmin: true,
      groups: ['Domain Admins'],
      givenName: 'Theo',
      surname: 'Tech',
    }),
    account('breakglass', {
      ou: 'other',
      isAdmin: true,
      groups: ['Domain Admins'],
      lastLogon: '2025-01-10T09:00:00.000Z',
    }),
  ];
}

export function directory(over: Partial<DirectoryFacts> = {}): DirectoryFacts {
  const base: DirectoryFacts = {
    device: 'directory',
    host: 'dc1.oakfield.example.org',
    collectedAt: COLLECTED,
    kind: 'ad',
    baseDn: 'DC=oakfield,DC=example,DC=org',
    passwordPolicy: {
      source: 'domain',
      minLength: 12,
      complexity: true,
      historyLength: 24,
      maxAgeDays: 0,
      minAgeDays: 1,
      lockoutThreshold: 10,
      lockoutDurationMinutes: 15,
      lockoutWindowMinutes: 5,
    },
    fineGrainedPolicies: [],
    accounts: accounts(),
    computers: [
      {
        dn: 'CN=LAPTOP-01,OU=Computers',
        name: 'LAPTOP-01',
        os: 'Windows 11 Education',
        enabled: true,
        hasRecoveryKey: true,
      },
      {
        dn: 'CN=LAPTOP-02,OU=Computers',
        name: 'LAPTOP-02',
        os: 'Windows 11 Education',
        enabled: true,
        hasRecoveryKey: true,
      },
    ],
    adminGroups: { 'Domain Admins': ['adm.tech1', 'adm.tech2', 'breakglass'] },
  };
  return { ...base, ...over };
}

export function person(id: string, over: Partial<RosterPerson> = {}): RosterPerson {
  return {
    line: 2,
    id: `${id}@oakfield.example.org`,
    account: `${id}@oakfield.example.org`,
    givenName: id,
    surname: 'Fixture',
    role: 'Staff',
    aupSigned: '2024-09-01',
    ...over,
  };
}

export function roster(people?: RosterPerson[]): RosterFacts {
  return {
    file: 'roster.csv',
    people: (
      people ?? [
        person('a.teacher', { role: 'Teacher' }),
        person('b.bursar', { role: 'Business manager' }),
        person('c.pupil', { role: 'Pupil' }),
        person('d.pupil', { role: 'Pupil' }),
        person('e.leaver', { role: 'Teacher', leavingDate: '2026-07-20' }),
      ]
    ).map((p, i) => ({ ...p, line: i + 2 })),
  };
}

export function ok<T>(facts: T): Collected<T> {
  return { ok: true, facts };
}

export function failed(device: string, code = 'E-TIMEOUT'): Collected<never> {
  return {
    ok: false,
    device,
    error: {
      code,
      message: 'no answer within 5000 ms',
      hint: 'Check the device is reachable from the audit host.',
    },
  };
}

export interface FactParts {
  routers?: Collected<RouterFacts>[];
  switches?: Collected<SwitchFacts>[];
  directory?: Collected<DirectoryFacts> | null;
  roster?: RosterFacts | null;
}

/** A whole school's facts; every part defaults to the compliant fixture, `null` leaves it out. */
export function schoolFacts(parts: FactParts = {}): SchoolFacts {
  const f: SchoolFacts = {
    school: 'oakfield',
    collectedAt: COLLECTED,
    routers: parts.routers ?? [ok(router())],
    switches: parts.switches ?? [ok(switchFacts()), ok(switchCli())],
  };
  if (parts.directory !== null) f.directory = parts.directory ?? ok(directory());
  if (parts.roster !== null) f.roster = parts.roster ?? roster();
  return f;
}

/** Evaluates a check as the engine would: defaults plus overrides, validated against its schema. */
export function run(
  check: Check,
  facts: SchoolFacts,
  params: Record<string, unknown> = {},
  context: CheckContext = ctx(),
): CheckResult[] {
  const p = resolveParams(check, params);
  if (!p.ok) throw new Error(p.errors.join('; '));
  return check.evaluate(facts, p.params, context);
}

export function statuses(results: readonly CheckResult[]): string[] {
  return results.map((r) => r.status);
}

/** The result whose evidence names `object`. */
export function about(results: readonly CheckResult[], object: string): CheckResult | undefined {
  return results.find((r) => r.evidence.some((e) => e.object === object));
}
