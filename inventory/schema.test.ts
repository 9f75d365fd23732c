import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { schema, schemaProblems } from './schema.ts';
import type * as T from './types.ts';

/**
 * For every key of a type, whether it is required or optional. The compiler checks these literals
 * against inventory/types.ts (a missing key, an extra key or the wrong optionality does not compile),
 * and the test checks them against the JSON Schema: together they keep the two in step.
 */
type KeySpec<X> = { [K in keyof X]-?: object extends Pick<X, K> ? 'optional' : 'required' };
type Def<X> = NonNullable<X>;

const R = 'required' as const;
const O = 'optional' as const;

const passwordPolicy: KeySpec<T.PasswordPolicy> = {
  minLength: R,
  complexity: R,
  requireUpper: O,
  requireDigit: O,
  historyLength: R,
  maxAgeDays: R,
  minAgeDays: O,
  lockoutThreshold: R,
  lockoutDurationMinutes: R,
  lockoutWindowMinutes: O,
};

const MIRRORS: [string, Record<string, 'required' | 'optional'>][] = [
  [
    '',
    {
      apiVersion: R,
      school: R,
      policy: R,
      waivers: O,
      attestations: O,
      calendar: O,
      networks: R,
      radius: O,
      wifi: R,
      zones: R,
      directory: O,
      lifecycle: O,
      devices: R,
      inventory: O,
      schedule: O,
      delivery: O,
      reports: O,
      filtering: O,
      probes: O,
      site: O,
    } satisfies KeySpec<T.SchoolDeclaration>,
  ],
  ['/$defs/filtering', { profiles: R } satisfies KeySpec<T.FilteringDecl>],
  [
    '/$defs/filteringProfile',
    {
      provider: O,
      blockAddresses: O,
      blockPage: O,
      dnsTests: O,
      webTests: O,
      downloadTests: O,
      safeSearch: O,
      bypass: O,
    } satisfies KeySpec<T.FilteringProfile>,
  ],
  ['/$defs/probes', { positions: R, resolvers: O, timeoutMs: O, trustCa: O } satisfies KeySpec<T.ProbesDecl>],
  ['/$defs/reports', { pseudonymKey: O, dueDays: O, owners: O } satisfies KeySpec<T.ReportsDecl>],
  [
    '/properties/policy',
    { file: R, reviewed: R, reviewEveryMonths: R } satisfies KeySpec<T.SchoolDeclaration['policy']>,
  ],
  [
    '/$defs/schoolIdentity',
    {
      id: R,
      name: R,
      urn: O,
      welshSchoolNumber: O,
      jurisdiction: R,
      standards: R,
      address: O,
      contacts: O,
    } satisfies KeySpec<T.SchoolIdentity>,
  ],
  ['/$defs/contact', { name: R, email: R, role: R } satisfies KeySpec<T.Contact>],
  [
    '/$defs/network',
    {
      role: R,
      name: R,
      vlan: R,
      subnet: R,
      gateway: R,
      dns: R,
      filteringProfile: O,
      dhcp: O,
    } satisfies KeySpec<T.Network>,
  ],
  ['/$defs/network/properties/dhcp', { pool: R } satisfies KeySpec<Def<T.Network['dhcp']>>],
  [
    '/$defs/radiusServer',
    { name: R, host: R, authPort: O, acctPort: O, secret: R, canary: O } satisfies KeySpec<T.RadiusServer>,
  ],
  [
    '/$defs/radiusCanary',
    { from: R, secret: R, eap: R, ca: R, servername: R } satisfies KeySpec<T.RadiusCanaryDecl>,
  ],
  ['/$defs/canaryAccount', { account: R, password: R } satisfies KeySpec<T.CanaryAccount>],
  [
    '/$defs/ssid',
    {
      ssid: R,
      security: R,
      network: R,
      radius: O,
      eapMethods: O,
      pmf: R,
      passphrase: O,
      hidden: O,
    } satisfies KeySpec<T.Ssid>,
  ],
  ['/$defs/zoneRule', { from: R, to: R, action: R, services: O, comment: O } satisfies KeySpec<T.ZoneRule>],
  ['/$defs/zonePolicy', { default: R, rules: R } satisfies KeySpec<T.ZonePolicy>],
  ['/$defs/passwordPolicy', passwordPolicy],
  [
    '/$defs/fineGrainedPolicy',
    { ...passwordPolicy, name: R, precedence: R, appliesTo: R } satisfies KeySpec<T.FineGrainedPolicy>,
  ],
  [
    '/$defs/directory',
    {
      kind: R,
      url: R,
      startTls: O,
      tls: O,
      baseDn: R,
      bind: R,
      ous: R,
      adminGroups: R,
      roleGroups: O,
      passwordPolicy: R,
      fineGrainedPolicies: O,
      breakGlassAccounts: O,
      sharedAccounts: O,
    } satisfies KeySpec<T.Directory>,
  ],
  ['/$defs/directory/properties/tls', { ca: O, servername: O } satisfies KeySpec<Def<T.Directory['tls']>>],
  ['/$defs/directory/properties/bind', { dn: R, password: R } satisfies KeySpec<T.Directory['bind']>],
  [
    '/$defs/directory/properties/ous',
    { staff: R, pupils: R, leavers: R, computers: O, guests: O } satisfies KeySpec<T.Directory['ous']>,
  ],
  [
    '/$defs/directory/properties/roleGroups',
    { staff: O, pupils: O } satisfies KeySpec<Def<T.Directory['roleGroups']>>,
  ],
  [
    '/$defs/rosterColumns',
    {
      misId: O,
      directoryAttribute: O,
      account: O,
      givenName: R,
      surname: R,
      role: R,
      startDate: O,
      leavingDate: R,
      aupSigned: O,
    } satisfies KeySpec<T.RosterColumns>,
  ],
  [
    '/$defs/lifecycle',
    { roster: R, requireAup: R, leavers: R, staleAfterDays: R, canaries: O } satisfies KeySpec<T.Lifecycle>,
  ],
  [
    '/$defs/lifecycle/properties/canaries',
    { staff: R, leaver: R } satisfies KeySpec<Def<T.Lifecycle['canaries']>>,
  ],
  [
    '/$defs/lifecycle/properties/roster',
    { file: R, columns: R, dateFormat: R } satisfies KeySpec<T.Lifecycle['roster']>,
  ],
  [
    '/$defs/lifecycle/properties/leavers',
    { action: R, graceDays: R, graceUnit: O, removeAfterDays: O, hold: O } satisfies KeySpec<
      T.Lifecycle['leavers']
    >,
  ],
  [
    '/$defs/lifecycle/properties/leavers/properties/hold',
    { group: O, attribute: O } satisfies KeySpec<NonNullable<T.Lifecycle['leavers']['hold']>>,
  ],
  [
    '/$defs/snmp',
    {
      version: R,
      community: O,
      user: O,
      authProtocol: O,
      authKey: O,
      privProtocol: O,
      privKey: O,
      context: O,
      port: O,
      engineId: O,
    } satisfies KeySpec<T.SnmpSettings>,
  ],
  ['/$defs/switchPort', { port: R, mode: R, network: O, tagged: O } satisfies KeySpec<T.SwitchPortDecl>],
  [
    '/$defs/device',
    {
      name: R,
      kind: R,
      driver: R,
      host: R,
      port: O,
      tls: O,
      credentials: O,
      sshHostKey: O,
      snmp: O,
      minFirmware: O,
      wifiPackage: O,
      routeros: O,
      bridge: O,
      wan: O,
      managementAllowFrom: O,
      ports: O,
      timeoutMs: O,
      insecure: O,
      firmwareSource: O,
    } satisfies KeySpec<T.Device>,
  ],
  [
    '/$defs/device/properties/routeros',
    { version: O, board: O } satisfies KeySpec<Def<T.Device['routeros']>>,
  ],
  [
    '/$defs/device/properties/tls',
    { enabled: R, ca: O, fingerprint: O, servername: O } satisfies KeySpec<Def<T.Device['tls']>>,
  ],
  [
    '/$defs/device/properties/credentials',
    { user: R, password: O, privateKey: O } satisfies KeySpec<Def<T.Device['credentials']>>,
  ],
  ['/$defs/schedule', { cron: R, timezone: R, missed: O } satisfies KeySpec<T.Schedule>],
  ['/$defs/delivery', { email: O, webhook: O } satisfies KeySpec<T.Delivery>],
  [
    '/$defs/delivery/properties/email',
    {
      to: R,
      when: R,
      smtp: R,
      attachPdf: R,
      includeTechnicalDetail: R,
    } satisfies KeySpec<Def<T.Delivery['email']>>,
  ],
  [
    '/$defs/delivery/properties/email/properties/smtp',
    {
      host: R,
      port: R,
      secure: R,
      user: O,
      password: O,
      from: R,
      insecure: O,
    } satisfies KeySpec<Def<T.Delivery['email']>['smtp']>,
  ],
  [
    '/$defs/delivery/properties/webhook',
    { url: R, secret: O, when: R } satisfies KeySpec<Def<T.Delivery['webhook']>>,
  ],
  [
    '/$defs/inventory',
    {
      assets: O,
      software: O,
      licences: O,
      installs: O,
      notSeenAfterDays: R,
      licenceExpiryWarningDays: R,
    } satisfies KeySpec<T.InventoryDecl>,
  ],
];

interface SchemaNode {
  properties?: Record<string, unknown>;
  required?: string[];
  additionalProperties?: unknown;
  $ref?: string;
}

function at(pointer: string): SchemaNode {
  let node: unknown = schema;
  for (const seg of pointer.split('/').slice(1)) node = (node as Record<string, unknown>)[seg];
  return node as SchemaNode;
}

describe('the JSON Schema mirrors inventory/types.ts', () => {
  it.each(MIRRORS)('%s has the same keys and the same required keys', (pointer, spec) => {
    const node = at(pointer);
    expect(Object.keys(node.properties ?? {}).sort()).toEqual(Object.keys(spec).sort());
    const required = Object.entries(spec).flatMap(([k, v]) => (v === 'required' ? [k] : []));
    expect([...(node.required ?? [])].sort()).toEqual(required.sort());
    expect(node.additionalProperties).toBe(false);
  });

  it('every object schema forbids unknown keys', () => {
    const open: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${path}/${i}`));
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if ('properties' in n && n.additionalProperties !== false) open.push(path);
      for (const [k, v] of Object.entries(n)) {
        // Conditional schemas only add rules to keys the enclosing schema already declares.
        if (k === 'if' || k === 'then' || k === 'else') continue;
        walk(v, `${path}/${k}`);
      }
    };
    walk(schema, '');
    expect(open).toEqual([]);
  });

  it('every secret field is a secret reference', () => {
    const secretNames = ['secret', 'password', 'passphrase', 'community', 'authKey', 'privKey', 'privateKey'];
    const found: string[] = [];
    const walk = (node: unknown, path: string) => {
      if (!node || typeof node !== 'object') return;
      const props = (node as SchemaNode).properties;
      for (const [k, v] of Object.entries(props ?? {}))
        if (secretNames.includes(k)) {
          found.push(`${path}/${k}`);
          expect((v as SchemaNode).$ref, `${path}/${k}`).toBe('#/$defs/secretRef');
        }
      for (const [k, v] of Object.entries(node)) walk(v, `${path}/${k}`);
    };
    walk(schema, '');
    expect(found.sort()).toEqual([
      '/$defs/canaryAccount/password',
      '/$defs/delivery/properties/email/properties/smtp/password',
      '/$defs/delivery/properties/webhook/secret',
      '/$defs/device/properties/credentials/password',
      '/$defs/device/properties/credentials/privateKey',
      '/$defs/directory/properties/bind/password',
      '/$defs/radiusCanary/secret',
      '/$defs/radiusServer/secret',
      '/$defs/snmp/authKey',
      '/$defs/snmp/community',
      '/$defs/snmp/privKey',
      '/$defs/ssid/passphrase',
    ]);
  });
});

const DELETE = Symbol('delete');

/** The demo declaration with values set (or deleted) at JSON pointers, then validated. */
async function demoWith(changes: [string, unknown][]) {
  const text = await readFile(join(import.meta.dirname, 'schools', 'demo', 'school.yaml'), 'utf8');
  const data: unknown = parse(text);
  for (const [pointer, value] of changes) {
    const segs = pointer.split('/').slice(1);
    const last = segs.pop() ?? '';
    let node = data as Record<string, unknown>;
    for (const seg of segs) node = node[seg] as Record<string, unknown>;
    if (value === DELETE) delete node[last];
    else node[last] = value;
  }
  return schemaProblems(data);
}

const INLINE = 'an inline secret is not allowed: use env:NAME or file:PATH';

describe('schema rules', () => {
  it.each([
    ['/radius/0/secret', 'testing123'],
    ['/wifi/2/passphrase', 'letmein2024'],
    ['/directory/bind/password', 'P@ssw0rd'],
    ['/devices/0/credentials/password', 'admin'],
    ['/devices/1/snmp/authKey', 'authpass1'],
    ['/devices/1/snmp/privKey', 'env:'],
    ['/devices/2/credentials/privateKey', '-----BEGIN OPENSSH PRIVATE KEY-----'],
    ['/delivery/email/smtp/password', 12345678],
  ])('an inline secret at %s is rejected', async (pointer, value) => {
    expect(await demoWith([[pointer, value]])).toEqual([{ pointer, message: INLINE, atKey: false }]);
  });

  it.each([
    ['env:ROUTER_PASSWORD', true],
    ['file:secrets/router', true],
    ['file:/etc/schoolnet/router', true],
    ['env:1BAD', false],
    ['env:WITH SPACE', false],
    ['file:', false],
    ['hunter2', false],
  ])('secret reference %s accepted: %s', async (ref, ok) => {
    const problems = await demoWith([['/devices/0/credentials/password', ref]]);
    expect(problems.length === 0).toBe(ok);
  });

  it.each([
    ['SHA256:M3U/9EF6cZG4s8Ljvjx5gQx9b4CeXyu4MenifCgwbfQ', true],
    ['SHA256:M3U/9EF6cZG4s8Ljvjx5gQx9b4CeXyu4MenifCgwbf', false],
    ['SHA256:M3U/9EF6cZG4s8Ljvjx5gQx9b4CeXyu4MenifCgwbfQ=', false],
    ['MD5:aa:bb:cc', false],
  ])('ssh host key pin %s accepted: %s', async (pin, ok) => {
    const problems = await demoWith([['/devices/2/sshHostKey', pin]]);
    expect(problems.length === 0).toBe(ok);
  });

  it('an ssh-cli device without a pin is rejected', async () => {
    expect(await demoWith([['/devices/2/sshHostKey', DELETE]])).toEqual([
      {
        pointer: '/devices/2/sshHostKey',
        message:
          "an ssh-cli device needs sshHostKey: the host key's SHA256:... pin printed by ssh-keygen -lf",
        atKey: false,
      },
    ]);
  });

  it.each([
    [1, true],
    [4094, true],
    [0, false],
    [4095, false],
    [10.5, false],
    ['10', false],
  ])('VLAN %s accepted: %s', async (vlan, ok) => {
    const problems = await demoWith([['/networks/0/vlan', vlan]]);
    expect(problems.length === 0).toBe(ok);
  });

  it('wpa3-eap needs RADIUS and PMF required', async () => {
    const problems = await demoWith([
      ['/wifi/1/radius', DELETE],
      ['/wifi/1/pmf', 'optional'],
    ]);
    expect(problems.map((p) => p.pointer).sort()).toEqual(['/wifi/1/pmf', '/wifi/1/radius']);
  });

  it('a passphrase on an 802.1X SSID is rejected', async () => {
    expect(await demoWith([['/wifi/0/passphrase', 'env:PSK']])).toEqual([
      { pointer: '/wifi/0/passphrase', message: 'passphrase is only for wpa2-psk SSIDs', atKey: true },
    ]);
  });

  it('an ldap:// directory without StartTLS is rejected', async () => {
    const problems = await demoWith([['/directory/url', 'ldap://127.0.0.2:389']]);
    expect(problems.map((p) => p.pointer)).toEqual(['/directory/startTls']);
  });

  it('a Welsh school needs its school number', async () => {
    expect(await demoWith([['/school/jurisdiction', 'wales']])).toEqual([
      {
        pointer: '/school/welshSchoolNumber',
        message: 'a Welsh school needs welshSchoolNumber',
        atKey: false,
      },
    ]);
  });

  it.each([
    ['scotland', true],
    ['northern-ireland', true],
    ['independent', true],
    ['ireland', false],
  ])('a school in jurisdiction %s accepted: %s', async (jurisdiction, ok) => {
    // The demo's urn is England's identifier; the other nations' schools may omit it.
    const problems = await demoWith([
      ['/school/jurisdiction', jurisdiction],
      ['/school/urn', DELETE],
    ]);
    expect(problems.length === 0).toBe(ok);
  });

  it('a zone rule may name one zone or a list, each checked', async () => {
    expect(await demoWith([['/zones/rules/1/to', ['internet', 'staff']]])).toEqual([]);
    expect(await demoWith([['/zones/rules/1/to', ['internet', 'everyone']]])).toEqual([
      {
        pointer: '/zones/rules/1/to/1',
        message:
          'must be one of pupils, staff, guests, byod, servers, management, internet, router; found "everyone"',
        atKey: false,
      },
    ]);
  });
});

describe('the roster mapping', () => {
  const COLS = '/lifecycle/roster/columns';
  it('names the old id/idKind form and says what replaced it', async () => {
    const problems = await demoWith([
      [`${COLS}/account`, DELETE],
      [`${COLS}/id`, 'UPN'],
      [`${COLS}/idKind`, 'upn'],
    ]);
    expect(problems.map((p) => p.pointer)).toEqual([`${COLS}/id`, `${COLS}/idKind`]);
    expect(problems[0]?.message).toMatch(/^"id" is the old form: name the MIS id column as misId/);
    expect(problems[0]?.message).toMatch(/UPN is the Unique Pupil Number, not the userPrincipalName/);
    expect(problems[1]?.message).toMatch(/^"idKind" is the old form/);
  });

  it('needs an MIS id or an account column', async () => {
    const problems = await demoWith([[`${COLS}/account`, DELETE]]);
    expect(problems.length).toBeGreaterThan(0);
    for (const p of problems)
      expect(p.message).toBe('map the MIS id column as misId, or a column of account names as account');
  });

  it('takes an MIS id with any attribute name, and refuses one that is not an attribute name', async () => {
    expect(
      await demoWith([
        [`${COLS}/misId`, 'Adno'],
        [`${COLS}/directoryAttribute`, 'extensionAttribute1'],
      ]),
    ).toEqual([]);
    expect(await demoWith([[`${COLS}/directoryAttribute`, 'employeeID)(uid=*']])).toEqual([
      {
        pointer: `${COLS}/directoryAttribute`,
        message: 'must be an LDAP attribute name such as employeeID or employeeNumber',
        atKey: false,
      },
    ]);
  });
});
