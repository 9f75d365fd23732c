/**
 * Facts: the typed, plain data that device clients hand to the rest of the code. Checks, the drift
 * report, inventory reconciliation and the report model read these and never a protocol reply.
 * Every fact set says which device it came from and when.
 */
import type { RegisterFacts, RosterFacts } from '../inventory/facts.ts';
import type { ProbeFacts } from './probes/types.ts';

/** The probes' fact types (devices/probes/types.ts), for the checks that judge them. */
export type {
  ObservationOutcome,
  ProbeFacts,
  ProbeObservation,
  ProbePosition,
  ProbeResult,
  ProbeStatus,
  ResolverSource,
} from './probes/types.ts';

export interface FactsOrigin {
  device: string;
  host: string;
  collectedAt: string; // ISO 8601
}

// ---------------------------------------------------------------- RouterOS

export interface RouterFirewallRule {
  /** RouterOS `.id` such as `*1A`. */
  id: string;
  chain: string;
  action: string;
  /** All other properties, as RouterOS prints them (src-address, in-interface, dst-port, protocol, ...). */
  props: Record<string, string>;
  comment?: string;
  disabled: boolean;
  /** Position in the chain's table, 0-based, across the whole /ip/firewall/filter (or nat) list. */
  order: number;
}

export interface RouterWifi {
  /** Interface name (`wifi1`) or legacy `wlan1`. */
  name: string;
  ssid: string;
  /** Normalised: wpa2-eap | wpa3-eap | wpa2-psk | wpa3-psk | open | mixed values joined with `+`. */
  authenticationTypes: string[];
  eapMethods: string[];
  /** required | allowed | disabled */
  managementProtection: string;
  /** The VLAN the SSID's traffic lands in (vlan-id, or the bridge port PVID). */
  vlanId?: number;
  disabled: boolean;
  /** Which RouterOS package the entry came from. */
  source: 'wifi' | 'wireless';
}

export interface RouterFacts extends FactsOrigin {
  identity: string;
  version: string; // e.g. 7.16.1
  boardName?: string;
  serial?: string;
  model?: string;
  firmware?: string;
  /** False on CHR and x86, which have no /system/routerboard (so no serial, model or firmware). */
  routerboard?: boolean;
  packages: { name: string; version: string; disabled: boolean }[];
  interfaces: { name: string; type: string; mac?: string; running: boolean; disabled: boolean }[];
  bridges: { name: string; vlanFiltering: boolean }[];
  bridgePorts: {
    bridge: string;
    interface: string;
    pvid: number;
    frameTypes: string;
    ingressFiltering: boolean;
  }[];
  bridgeVlans: { bridge: string; vlanIds: number[]; tagged: string[]; untagged: string[] }[];
  vlanInterfaces: { name: string; vlanId: number; interface: string; disabled: boolean }[];
  addresses: { address: string; interface: string; disabled: boolean }[];
  dhcpNetworks: { address: string; gateway?: string; dnsServers: string[]; comment?: string }[];
  dhcpLeases: { address: string; macAddress: string; hostName?: string; lastSeen?: string }[];
  dns: { servers: string[]; allowRemoteRequests: boolean };
  filterRules: RouterFirewallRule[];
  natRules: RouterFirewallRule[];
  addressLists: { list: string; address: string; comment?: string; disabled: boolean }[];
  wifi: RouterWifi[];
  radius: { address: string; service: string[]; authPort?: number; disabled: boolean }[];
  services: { name: string; port: number; disabled: boolean; address: string[] }[];
  users: { name: string; group: string; disabled: boolean }[];
  snmp: {
    enabled: boolean;
    communities: {
      name: string;
      addresses: string[];
      readAccess: boolean;
      writeAccess: boolean;
      security: string;
      disabled: boolean;
    }[];
  };
  /** /system/history: what was changed, by whom, when (RouterOS keeps the recent undo list). */
  history: { action: string; by?: string; time?: string }[];
}

// ---------------------------------------------------------------- Switches (SNMP and SSH CLI)

export interface SwitchPort {
  ifIndex: number;
  /** Bridge port number (dot1dBasePort), 1-based, used by PortLists. */
  port: number;
  name: string;
  description?: string;
  alias?: string;
  adminUp: boolean;
  operUp: boolean;
  pvid?: number;
  speedMbps?: number;
  inOctets?: bigint;
  outOctets?: bigint;
}

export interface SwitchVlan {
  id: number;
  name: string;
  /** Bridge port numbers. */
  egressPorts: number[];
  untaggedPorts: number[];
}

export interface EntityComponent {
  index: number;
  description: string;
  class: string; // chassis | module | port | powerSupply | fan | stack | other
  name?: string;
  serial?: string;
  model?: string;
  hardwareRev?: string;
  firmwareRev?: string;
  softwareRev?: string;
}

export interface SwitchFacts extends FactsOrigin {
  sysName: string;
  sysDescr: string;
  sysObjectId?: string;
  uptimeSeconds?: number;
  /** The SNMP version this audit used to reach the device (1, 2c, 3). */
  snmpVersion?: string;
  ports: SwitchPort[];
  vlans: SwitchVlan[];
  entities: EntityComponent[];
  /** From the CLI running configuration, where collected. */
  management?: SwitchManagement;
}

export interface SwitchManagement {
  telnet: boolean;
  http: boolean;
  https: boolean;
  ssh: boolean;
  snmpCommunities: { name: string; access: 'ro' | 'rw' }[];
  snmpV3Users: string[];
  /** The raw running configuration, kept as evidence (secrets redacted by the client). */
  runningConfig: string;
}

// ---------------------------------------------------------------- Directories

/** A password policy's values, as every directory stores them (devices/ldap/policy.ts maps the attributes). */
export interface PasswordPolicyValues {
  minLength: number;
  complexity: boolean;
  historyLength: number;
  /** 0 = never expires. */
  maxAgeDays: number;
  minAgeDays: number;
  /** 0 = no lockout. */
  lockoutThreshold: number;
  lockoutDurationMinutes: number;
  lockoutWindowMinutes: number;
}

/** The one list of password-policy fields: what is read, written, compared and reported as drift. */
export const PASSWORD_POLICY_FIELDS: readonly (keyof PasswordPolicyValues)[] = [
  'minLength',
  'complexity',
  'historyLength',
  'maxAgeDays',
  'minAgeDays',
  'lockoutThreshold',
  'lockoutDurationMinutes',
  'lockoutWindowMinutes',
];

export interface DirectoryPasswordPolicy extends PasswordPolicyValues {
  /** Where it came from: `domain` (AD domain head), an FGPP name, or the ppolicy entry DN. */
  source: string;
  /** FGPP: precedence and the groups/users it applies to. */
  precedence?: number;
  appliesTo?: string[];
  /**
   * OpenLDAP ppolicy: whether new passwords go through a check module (where a banned-password list
   * lives) and which. Absent for Active Directory, which shows no deny list over LDAP (Samba's
   * `check password script` and Entra password protection live outside the directory).
   */
  checkModule?: { checked: boolean; module?: string };
}

export interface DirectoryAccount {
  dn: string;
  /** sAMAccountName or uid. */
  username: string;
  upn?: string;
  mail?: string;
  employeeId?: string;
  displayName?: string;
  givenName?: string;
  surname?: string;
  /** staff | pupils | leavers | other: from the OU the entry sits in, per the declaration. */
  ou: string;
  enabled: boolean;
  /** AD: DONT_EXPIRE_PASSWORD. */
  passwordNeverExpires: boolean;
  /** AD: PASSWD_NOTREQD. */
  passwordNotRequired: boolean;
  /** ppolicy lock, or AD lockoutTime > 0. */
  locked: boolean;
  lastLogon?: string; // ISO
  passwordLastSet?: string; // ISO
  accountExpires?: string; // ISO; absent = never
  created?: string; // ISO
  /** Group CNs. */
  groups: string[];
  isAdmin: boolean;
  /** AD userAccountControl, kept as evidence. */
  userAccountControl?: number;
  /** The acceptable-use agreement date attribute, where the school records one. */
  aupSigned?: string;
  /** Extra attributes read because the declaration names them (the roster's MIS id attribute),
   * by lower-case attribute name; absent when none was asked for. */
  attributes?: Record<string, string[]>;
}

export interface DirectoryComputer {
  dn: string;
  name: string;
  dnsHostName?: string;
  os?: string;
  enabled: boolean;
  lastLogon?: string;
  /** BitLocker recovery information present (AD msFVE-RecoveryInformation children). */
  hasRecoveryKey?: boolean;
}

export interface DirectoryFacts extends FactsOrigin {
  kind: 'ad' | 'openldap';
  baseDn: string;
  /** The policy that applies to ordinary accounts (AD domain head, or the ppolicy default). */
  passwordPolicy: DirectoryPasswordPolicy;
  fineGrainedPolicies: DirectoryPasswordPolicy[];
  accounts: DirectoryAccount[];
  computers: DirectoryComputer[];
  /** Members of each declared admin group, by group CN. */
  adminGroups: Record<string, string[]>;
  /** Objects that exist but the audit account may not read (AD fine-grained policies need delegated
   * read access), so a check can say "unknown" instead of "absent". */
  unreadable?: string[];
}

// ---------------------------------------------------------------- Everything collected for one school

/** The collector's result for one device: facts, or why there are none. */
export type Collected<T> = { ok: true; facts: T } | { ok: false; device: string; error: CollectError };

export interface CollectError {
  /** Stable code, e.g. E-TIMEOUT, E-AUTH, E-TLS, E-HOSTKEY, E-REFUSED, E-PROTOCOL. */
  code: string;
  message: string;
  /** What a technician should do about it. */
  hint?: string;
}

export interface SchoolFacts {
  school: string;
  collectedAt: string;
  routers: Collected<RouterFacts>[];
  switches: Collected<SwitchFacts>[];
  directory?: Collected<DirectoryFacts>;
  /** Filled by inventory/ (register, roster: inventory/facts.ts) for the checks that need them. */
  roster?: RosterFacts;
  register?: RegisterFacts;
  /** Active probes' observations (`schoolnet probe`, later the site agent); absent when none ran. */
  probes?: ProbeFacts;
}
