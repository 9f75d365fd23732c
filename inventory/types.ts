/**
 * The school declaration (`inventory/schools/<school>/school.yaml`), as the rest of the code sees it
 * after validation against `inventory/schema/school.schema.json`. The schema is the authority; these
 * types mirror it field for field. The declaration is the source of truth for both `pulumi up` and
 * the audits.
 */

/** A secret is never written inline: `env:NAME` reads an environment variable, `file:PATH` a file
 * (relative paths resolve against the declaration's folder). */
export type SecretRef = `env:${string}` | `file:${string}`;

export type Jurisdiction = 'england' | 'wales' | 'scotland' | 'northern-ireland' | 'independent';
/** External frameworks a school is judged against; ids match `checks/catalog/frameworks/<id>.json`. */
export type FrameworkId = 'dfe' | 'cyber-essentials' | 'kcsie' | 'uksic' | 'wales-kls';
export type NetworkRole = 'pupils' | 'staff' | 'guests' | 'byod' | 'servers' | 'management';
export type WifiSecurity = 'wpa2-eap' | 'wpa3-eap' | 'wpa2-psk' | 'open';

export interface Contact {
  /** A role title or a fictional name; never a real person's name from the seed policies. */
  name: string;
  email: string;
  role: 'head' | 'dsl' | 'provider' | 'governor' | 'technician';
}

export interface SchoolIdentity {
  /** Slug, equal to the school's folder name; used as the Pulumi stack name and in clause ids. */
  id: string;
  name: string;
  /** England: six-digit URN. */
  urn?: string;
  /** Wales: seven-digit school number (LA code + establishment number). */
  welshSchoolNumber?: string;
  jurisdiction: Jurisdiction;
  standards: FrameworkId[];
  address?: string;
  contacts?: Contact[];
}

export interface Network {
  role: NetworkRole;
  /** RouterOS interface and VLAN name, e.g. `PUPILS`. */
  name: string;
  vlan: number;
  /** CIDR, e.g. `10.20.0.0/22`. */
  subnet: string;
  gateway: string;
  /** Resolvers handed out by DHCP: the filtering service for this role. */
  dns: string[];
  /** Filtering profile name at the provider (pupil, staff, guest). */
  filteringProfile?: string;
  dhcp?: { pool: string };
}

export interface RadiusServer {
  name: string;
  host: string;
  authPort?: number;
  acctPort?: number;
  secret: SecretRef;
  /** The 802.1X leaver canary (devices/probes/radius-canary.ts) signs in through this server. */
  canary?: RadiusCanaryDecl;
}

/** How the agent signs in with the canary accounts (lifecycle.canaries) as a RADIUS client of its own. */
export interface RadiusCanaryDecl {
  /** The declared network whose probe position the sign-ins are sent from. */
  from: string;
  /** The agent's own shared secret: its client entry on the RADIUS server, not the access points'. */
  secret: SecretRef;
  /** What the school's RADIUS server supports for its directory. */
  eap: 'peap-mschapv2' | 'ttls-pap';
  /** CA certificate (relative to the school folder) that must have issued the server's certificate. */
  ca: string;
  /** The name the server's certificate must carry. */
  servername: string;
}

/** An 802.1X canary: a real directory account whose password only the agent holds. */
export interface CanaryAccount {
  account: string;
  password: SecretRef;
}

export interface Ssid {
  ssid: string;
  security: WifiSecurity;
  /** Name of a network in `networks` (its `name`). */
  network: string;
  /** Names of entries in `radius`. Required for *-eap. */
  radius?: string[];
  eapMethods?: ('peap' | 'eap-tls' | 'eap-ttls')[];
  pmf: 'required' | 'optional' | 'disabled';
  /** PSK reference, only for wpa2-psk. */
  passphrase?: SecretRef;
  hidden?: boolean;
}

export type ZoneName = NetworkRole | 'internet' | 'router';

export interface ZoneRule {
  from: ZoneName;
  to: ZoneName | ZoneName[];
  action: 'allow' | 'deny';
  /** Optional service restriction, e.g. `tcp/443`, `udp/53`. */
  services?: string[];
  comment?: string;
}

export interface ZonePolicy {
  /** Everything not allowed is dropped; this field records that intent explicitly. */
  default: 'deny';
  rules: ZoneRule[];
}

export interface PasswordPolicy {
  minLength: number;
  /** AD complexity (3 of 4 classes); for OpenLDAP, pwdCheckQuality. */
  complexity: boolean;
  requireUpper?: boolean;
  requireDigit?: boolean;
  historyLength: number;
  /** 0 means passwords do not expire. */
  maxAgeDays: number;
  minAgeDays?: number;
  lockoutThreshold: number;
  lockoutDurationMinutes: number;
  lockoutWindowMinutes?: number;
}

export interface FineGrainedPolicy extends PasswordPolicy {
  name: string;
  precedence: number;
  /** Group CNs or DNs the policy applies to. */
  appliesTo: string[];
}

export interface Directory {
  kind: 'ad' | 'openldap';
  /** ldaps://host:636 or ldap://host:389 with startTls. */
  url: string;
  startTls?: boolean;
  tls?: { ca?: string; servername?: string };
  baseDn: string;
  bind: { dn: string; password: SecretRef };
  /** `guests` holds temporary visitor accounts where the school's policy allows them (they must expire). */
  ous: { staff: string; pupils: string; leavers: string; computers?: string; guests?: string };
  /** Groups whose members are administrators (CNs or DNs). */
  adminGroups: string[];
  /** Group each role's accounts join (joiners). */
  roleGroups?: Partial<Record<'staff' | 'pupils', string>>;
  passwordPolicy: PasswordPolicy;
  fineGrainedPolicies?: FineGrainedPolicy[];
  /** Accounts expected to exist but not tied to a person (break-glass admin). */
  breakGlassAccounts?: string[];
  /** Shared (class or group) logins the school's policy explicitly allows, e.g. nursery class logins;
   * reported as accepted exceptions instead of unnamed accounts. */
  sharedAccounts?: string[];
}

export interface RosterColumns {
  /**
   * The MIS export's column holding each person's stable id: for pupils the Unique Pupil Number or the
   * admission number, for staff the payroll number or staff code. Matched against `directoryAttribute`.
   */
  misId?: string;
  /** The directory attribute holding the MIS id: employeeID (AD) or employeeNumber (OpenLDAP) unless
   * declared. The lifecycle provider writes it when it creates or adopts an account. */
  directoryAttribute?: string;
  /** The column naming the account: a username (sAMAccountName / uid), or an e-mail address or
   * userPrincipalName whose local part is the username. Needed for the lifecycle to create accounts. */
  account?: string;
  givenName: string;
  surname: string;
  role: string;
  startDate?: string;
  leavingDate: string;
  aupSigned?: string;
}

export interface Lifecycle {
  roster: {
    /** MIS export, relative to the declaration's folder. */
    file: string;
    columns: RosterColumns;
    dateFormat: 'uk' | 'iso' | 'auto';
  };
  /** Joiners stay disabled until the acceptable-use agreement date is recorded. */
  requireAup: boolean;
  leavers: {
    action: 'disable' | 'disable-and-move';
    graceDays: number;
    /** `working-days`: weekdays that are not bank holidays of the school's division (calendar). */
    graceUnit?: 'days' | 'working-days';
    /** Days after leaving by which the account is deleted or archived (the policy's retention period). */
    removeAfterDays?: number;
    /** How the school marks an account kept on purpose past `removeAfterDays`. */
    hold?: { group?: string; attribute?: string };
  };
  /** Enabled accounts not logged on for this many days are stale. */
  staleAfterDays: number;
  /**
   * The 802.1X leaver canaries, managed like everyone else's accounts: `staff` enabled in the staff
   * OU, `leaver` disabled in the leavers OU. The probe signs in with both every night.
   */
  canaries?: { staff: CanaryAccount; leaver: CanaryAccount };
}

export type DeviceKind = 'router' | 'switch' | 'ap';
export type DeviceDriver = 'routeros' | 'snmp' | 'ssh-cli';

export interface SnmpSettings {
  version: '2c' | '3';
  community?: SecretRef;
  user?: string;
  authProtocol?: 'sha' | 'sha256' | 'md5';
  authKey?: SecretRef;
  privProtocol?: 'aes' | 'aes256b' | 'des';
  privKey?: SecretRef;
  /** SNMPv3 context (snmpsim selects the data file by it). */
  context?: string;
  port?: number;
  /** SNMPv3: the switch's authoritative engine ID (hex), pinned; replies from another engine are refused. */
  engineId?: string;
}

export interface SwitchPortDecl {
  /** 1-based port number (ifIndex on the testbed switch). */
  port: number | string;
  mode: 'access' | 'trunk';
  /** Network name for access ports (its VLAN is the PVID). */
  network?: string;
  /** Network names tagged on trunk ports. */
  tagged?: string[];
}

export interface Device {
  name: string;
  kind: DeviceKind;
  driver: DeviceDriver;
  host: string;
  port?: number;
  /** RouterOS: `api` (8728) or `api-ssl` (8729). */
  tls?: { enabled: boolean; ca?: string; fingerprint?: string; servername?: string };
  credentials?: { user: string; password?: SecretRef; privateKey?: SecretRef };
  /**
   * RouterOS: allow the plain API (8728), which sends the password in clear. Refused without it; when
   * declared, every audit reports it as a failure of the management-security control (DEV-MGMT-PLAINTEXT).
   */
  insecure?: boolean;
  /** Mandatory for ssh-cli: `SHA256:...` as printed by `ssh-keygen -lf`. */
  sshHostKey?: string;
  snmp?: SnmpSettings;
  /** Lowest acceptable firmware / RouterOS version, e.g. `7.14`. */
  minFirmware?: string;
  /**
   * Where a switch's firmware is read (SNMP): `entity-mib` (entPhysicalSoftwareRev), `sysdescr` (the
   * vendor's sysDescr format, checks/firmware/sysdescr-firmware.json) or `auto` (the default: ENTITY-MIB,
   * then sysDescr).
   */
  firmwareSource?: 'auto' | 'entity-mib' | 'sysdescr';
  /** RouterOS: `wifi` (7.13+ package) or `wireless` (legacy security profiles). */
  wifiPackage?: 'wifi' | 'wireless';
  /**
   * RouterOS: the version the router runs and its board, so the plan asks only for what it can do
   * (intent/routeros-capabilities.ts). Unknown: planned for a current router; the providers still adapt.
   */
  routeros?: { version?: string; board?: 'hap-ax3' | 'hap-ac2' | 'rb5009' | 'chr' };
  /** RouterOS: bridge and uplink names. */
  bridge?: string;
  wan?: string;
  /** Addresses allowed to reach management services. */
  managementAllowFrom?: string[];
  ports?: SwitchPortDecl[];
  timeoutMs?: number;
}

export interface Schedule {
  cron: string;
  timezone: string;
  /**
   * Central planner (PostgreSQL): when every planner was down at the due time, `once` runs one
   * catch-up audit for the most recent missed night when a planner is back; `skip` waits for the next
   * night. Default `once`.
   */
  missed?: 'once' | 'skip';
}

export interface Delivery {
  email?: {
    /** Roles from `school.contacts`, or addresses. */
    to: string[];
    when: 'always' | 'changed';
    smtp: {
      host: string;
      port: number;
      /** Implicit TLS (465); otherwise STARTTLS, which is required unless `insecure`. */
      secure: boolean;
      user?: string;
      password?: SecretRef;
      from: string;
      /** A local relay that offers no TLS: reports cross in clear. No password may be sent to it. */
      insecure?: boolean;
    };
    attachPdf: boolean;
    includeTechnicalDetail: boolean;
  };
  webhook?: { url: string; secret?: SecretRef; when: 'always' | 'changed' };
}

export interface CalendarDecl {
  /** GOV.UK division; default from the jurisdiction (england and wales: england-and-wales). */
  bankHolidays?: 'england-and-wales' | 'scotland' | 'northern-ireland';
  /** The school's own term dates; default: the English school year's three terms (checks/lib/calendar). */
  terms?: { name: string; start: string; end: string }[];
}

export interface InventoryDecl {
  /** Register files relative to the school folder (YAML, CSV or XLSX). */
  assets?: string;
  software?: string;
  licences?: string;
  installs?: string;
  notSeenAfterDays: number;
  licenceExpiryWarningDays: number;
}

/** How reports refer to pupils, and who owns putting findings right by when (reports/risk.ts defaults). */
export interface ReportsDecl {
  /** Key of the pupils' pseudonyms (HMAC-SHA-256); absent = pupils appear only as counts. */
  pseudonymKey?: SecretRef;
  /** Days to put a finding right, by severity. */
  dueDays?: Partial<Record<'critical' | 'high' | 'medium' | 'low' | 'info', number>>;
  /** The contact role owning each area. */
  owners?: Partial<
    Record<'accounts' | 'network' | 'wifi' | 'filtering' | 'devices' | 'inventory', Contact['role']>
  >;
}

export interface SchoolDeclaration {
  apiVersion: 'schoolnet/v1';
  school: SchoolIdentity;
  /** Clause map (policy.yaml) relative to the school folder, and when the school's policy was last reviewed. */
  policy: { file: string; reviewed: string; reviewEveryMonths: number };
  waivers?: string;
  networks: Network[];
  radius?: RadiusServer[];
  wifi: Ssid[];
  zones: ZonePolicy;
  directory?: Directory;
  lifecycle?: Lifecycle;
  devices: Device[];
  /** Attestation records (who confirmed what, when), relative to the school folder; default attestations.yaml when present. */
  attestations?: string;
  /** Bank holidays for working-day grace periods and term dates for termly cadences (checks/lib/calendar). */
  calendar?: CalendarDecl;
  inventory?: InventoryDecl;
  schedule?: Schedule;
  delivery?: Delivery;
  reports?: ReportsDecl;
  /** Filtering profiles (networks name one in `filteringProfile`) and what the probes test in each. */
  filtering?: FilteringDecl;
  /** Where `schoolnet probe` sends from in each network (devices/probes/). */
  probes?: ProbesDecl;
  /**
   * Where this school is audited from: the queue of the site agent inside (or near) its network
   * (`schoolnet agent --site <site>`). Default `central`.
   */
  site?: string;
}

/** A declaration with where it came from, as the loader hands it out. */
export interface LoadedSchool {
  file: string;
  dir: string;
  decl: SchoolDeclaration;
}

/** A filtering profile at the provider, and the test targets the filtering probes use for it. */
export interface FilteringProfile {
  /** Free label of the filtering service (`Provider X pupil policy`): shown in the evidence. */
  provider?: string;
  /** Addresses the filter's DNS answers a blocked name with (NXDOMAIN, REFUSED and 0.0.0.0 count as blocked too). */
  blockAddresses?: string[];
  /** Text (case-insensitive) that identifies the filter's block page, e.g. its title. */
  blockPage?: string[];
  /** Names the filter must block, one per category: the vendor's published test names or the school's own. */
  dnsTests?: { category: string; name: string }[];
  /** Pages the filter must block, over http:// and https:// (checked by SNI): the vendor's test pages or the school's own. */
  webTests?: { category: string; url: string }[];
  /** Executable test files the filter must refuse to hand out (empty: the policy does not ask). */
  downloadTests?: string[];
  /** SafeSearch enforcement; default Google and Bing on, YouTube strict on pupil networks and moderate elsewhere. */
  safeSearch?: { google?: boolean; bing?: boolean; youtube?: 'strict' | 'moderate' | 'off' };
  /** Ways round the filter that must be closed; default the well-known public resolvers. */
  bypass?: {
    /** Plain DNS resolvers outside the school (default 8.8.8.8, 1.1.1.1, 9.9.9.9). */
    outsideResolvers?: string[];
    /** DNS-over-TLS servers, `address` or `address#tls-name` (default the same three on 853). */
    dot?: string[];
    /** DNS-over-HTTPS endpoints (default Google, Cloudflare and Quad9's dns-query URLs). */
    doh?: string[];
    /** The name asked through the bypass (default www.example.com). */
    queryName?: string;
  };
}

export interface FilteringDecl {
  profiles: Record<string, FilteringProfile>;
}

/** One network's probe position: an interface in the school network, normally in its own namespace. */
export interface ProbePositionDecl {
  network: string;
  netns?: string;
  interface?: string;
  sourceAddress?: string;
}

export interface ProbesDecl {
  positions: ProbePositionDecl[];
  /** Which resolver the probes use: what DHCP hands out now (default) or the declared `dns`. */
  resolvers?: 'dhcp' | 'declared';
  /** Budget of one probe case (ms, default 3000). */
  timeoutMs?: number;
  /** Extra CA (PEM file, relative to the school folder) trusted for TLS probes: the filter's interception CA. */
  trustCa?: string;
}
