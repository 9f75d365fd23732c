/**
 * Loads the demo school's directory (`test/fixtures/directory/demo-school.json`: fictional staff, pupils,
 * leavers, admin and service accounts, with deliberate faults) into the testbed's Samba AD DC and slapd.
 * The testbed calls `seedDirectories` once the services answer. Both directories get the same people in
 * OUs Staff / Pupils / Leavers / IT, the role groups, an admin group, the password policies, and:
 * two leavers still enabled in Pupils (one logged on after leaving), one leaver disabled but not moved,
 * one enabled in Leavers, a generic `ictsupport` account, DONT_EXPIRE_PASSWORD and PASSWD_NOTREQD (AD),
 * an admin account used today. Disabled in OpenLDAP = ppolicy admin lock (`pwdAccountLockedTime`).
 *
 * AD accounts get no password (Samba spends 30-50 ms hashing each, and nothing logs on as them): they
 * are created with PASSWD_NOTREQD, then given their real flags and pwdLastSet = now. slapd accounts get
 * a random password per run that never leaves this process. Last logons: AD takes `lastLogon` /
 * `lastLogonTimestamp` from the dataset; slapd records `pwdLastSuccess` only on a real bind (with
 * `lastbind on`), so the seed binds as each account whose dataset logon is within the last week.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import {
  openDirectoryReader,
  openDirectoryWriter,
  type DirectoryConnection,
  type DirectoryWriter,
  type Modification,
} from '../../devices/ldap/client.ts';
import { childDn } from '../../devices/ldap/dn.ts';
import {
  adDomainPolicyChanges,
  fgppAttributes,
  ppolicyAttributes,
  psoContainer,
  replaceAll,
  type PolicyValues,
} from '../../devices/ldap/policy.ts';
import { toFiletime } from '../../devices/ldap/values.ts';
import { sshaHash } from './slapd.ts';
import type { Directory } from '../../inventory/types.ts';
import type { ServiceInfo, TestbedInfo } from './types.ts';

// ---------------------------------------------------------------- the dataset

export type DemoOu = 'staff' | 'pupils' | 'leavers' | 'it';

export interface DemoPerson {
  username: string;
  givenName: string;
  surname: string;
  displayName?: string;
  role: 'staff' | 'pupils' | 'service' | 'admin';
  ou: DemoOu;
  enabled: boolean;
  employeeId?: string;
  groups: string[];
  admin?: boolean;
  passwordNeverExpires?: boolean;
  passwordNotRequired?: boolean;
  lastLogon?: string;
  lastLogonDaysAgo?: number;
  accountExpires?: string;
  fault?: string;
  roster?: { start: string; aup?: string; leaving?: string; noId?: boolean };
}

export interface DemoFgpp extends PolicyValues {
  name: string;
  precedence?: number;
  dn?: string;
  appliesTo: string[];
}

export interface DemoKindSettings {
  baseDn: string;
  ous: Record<DemoOu | 'groups', string>;
  adminGroup: string;
  policyDn?: string;
  passwordPolicy: PolicyValues;
  fineGrainedPolicies: DemoFgpp[];
  computers?: { name: string; os: string; enabled: boolean; lastLogon?: string; lastLogonDaysAgo?: number }[];
}

export interface DemoDirectory {
  domain: string;
  ad: DemoKindSettings;
  openldap: DemoKindSettings;
  groups: { staff: string; pupils: string };
  people: DemoPerson[];
  rosterOnly: {
    upn: string;
    givenName: string;
    surname: string;
    role: string;
    start: string;
    aup?: string;
    leaving?: string;
  }[];
}

export const DEMO_DATASET = fileURLToPath(
  new URL('../../test/fixtures/directory/demo-school.json', import.meta.url),
);

export async function loadDemoDirectory(file = DEMO_DATASET): Promise<DemoDirectory> {
  return JSON.parse(await readFile(file, 'utf8')) as DemoDirectory;
}

export function displayNameOf(p: Pick<DemoPerson, 'displayName' | 'givenName' | 'surname'>): string {
  return p.displayName ?? `${p.givenName} ${p.surname}`;
}

/** The person's last logon as a Date, from the dataset, relative to `now`. */
export function lastLogonOf(
  p: { lastLogon?: string; lastLogonDaysAgo?: number },
  now: Date,
): Date | undefined {
  if (p.lastLogon) return new Date(p.lastLogon);
  if (p.lastLogonDaysAgo !== undefined) return new Date(now.getTime() - p.lastLogonDaysAgo * 86_400_000);
  return undefined;
}

/** slapd learns a last logon only from a real bind, so the seed binds as these (see the header). */
export const OPENLDAP_BIND_WITHIN_DAYS = 7;
export function boundInOpenLdap(p: DemoPerson): boolean {
  return p.enabled && p.lastLogonDaysAgo !== undefined && p.lastLogonDaysAgo <= OPENLDAP_BIND_WITHIN_DAYS;
}

// ---------------------------------------------------------------- connections to the testbed

export interface TestbedDirectory {
  kind: 'ad' | 'openldap';
  baseDn: string;
  /** Administrator / rootdn over LDAPS: for seeding and provider tests. */
  admin: DirectoryConnection;
  /** The read-only audit account. */
  auditor: DirectoryConnection;
  /** The same audit account over the other transport (StartTLS for slapd, StartTLS on 389 for Samba). */
  auditorStartTls: DirectoryConnection;
  /** Paths and names a declaration needs. */
  caPath: string;
  servername?: string;
}

function need(s: ServiceInfo, key: string, service: string): string {
  const v = s.extra?.[key];
  if (v === undefined) throw new Error(`testbed ${service} info lacks extra.${key}`);
  return v;
}

export async function testbedDirectories(
  info: TestbedInfo,
  timeoutMs = 10_000,
): Promise<{ ad?: TestbedDirectory; openldap?: TestbedDirectory }> {
  const out: { ad?: TestbedDirectory; openldap?: TestbedDirectory } = {};
  const samba = info.services.samba;
  if (samba) {
    if (!samba.ca || !samba.user || !samba.password)
      throw new Error('testbed samba info lacks ca/user/password');
    const ca = await readFile(samba.ca, 'utf8');
    const servername = need(samba, 'servername', 'samba');
    const base = { ca, servername, timeoutMs };
    const ldaps = need(samba, 'url', 'samba');
    const plain = `ldap://${samba.host}:${samba.ports?.ldap ?? 389}`;
    out.ad = {
      kind: 'ad',
      baseDn: need(samba, 'baseDn', 'samba'),
      admin: { ...base, name: 'samba', url: ldaps, bindDn: samba.user, password: samba.password },
      auditor: {
        ...base,
        name: 'samba',
        url: ldaps,
        bindDn: need(samba, 'auditUser', 'samba'),
        password: need(samba, 'auditPassword', 'samba'),
      },
      auditorStartTls: {
        ...base,
        name: 'samba',
        url: plain,
        startTls: true,
        bindDn: need(samba, 'auditUser', 'samba'),
        password: need(samba, 'auditPassword', 'samba'),
      },
      caPath: samba.ca,
      servername,
    };
  }
  const slapd = info.services.openldap;
  if (slapd) {
    if (!slapd.ca || !slapd.user || !slapd.password)
      throw new Error('testbed openldap info lacks ca/user/password');
    const ca = await readFile(slapd.ca, 'utf8');
    const base = { ca, timeoutMs };
    const ldaps = need(slapd, 'ldapsUrl', 'openldap');
    const startTlsUrl = need(slapd, 'url', 'openldap');
    out.openldap = {
      kind: 'openldap',
      baseDn: need(slapd, 'baseDn', 'openldap'),
      admin: { ...base, name: 'openldap', url: ldaps, bindDn: slapd.user, password: slapd.password },
      auditor: {
        ...base,
        name: 'openldap',
        url: ldaps,
        bindDn: need(slapd, 'auditUser', 'openldap'),
        password: need(slapd, 'auditPassword', 'openldap'),
      },
      auditorStartTls: {
        ...base,
        name: 'openldap',
        url: startTlsUrl,
        startTls: true,
        bindDn: need(slapd, 'auditUser', 'openldap'),
        password: need(slapd, 'auditPassword', 'openldap'),
      },
      caPath: slapd.ca,
    };
  }
  return out;
}

/**
 * The `directory` block of a declaration for a testbed directory, binding as the administrator or the
 * audit account, the password read from the environment variable `passwordEnv`.
 */
export function testbedDeclaration(
  d: TestbedDirectory,
  data: DemoDirectory,
  who: 'admin' | 'auditor',
  passwordEnv: string,
): Directory {
  const s = d.kind === 'ad' ? data.ad : data.openldap;
  return {
    kind: d.kind,
    url: d[who].url,
    tls: { ca: d.caPath, ...(d.servername ? { servername: d.servername } : {}) },
    baseDn: d.baseDn,
    bind: { dn: d[who].bindDn, password: `env:${passwordEnv}` },
    ous: { staff: s.ous.staff, pupils: s.ous.pupils, leavers: s.ous.leavers },
    adminGroups: [s.adminGroup],
    roleGroups: { staff: data.groups.staff, pupils: data.groups.pupils },
    passwordPolicy: s.passwordPolicy,
  };
}

// ---------------------------------------------------------------- seeding

async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** A password that meets both policies (length 15+, three classes) and contains no account name. */
function randomPassword(): string {
  return `Sn${randomBytes(18).toString('base64url').replace(/[-_]/g, 'x')}!7q`;
}

async function exists(w: DirectoryWriter, dn: string): Promise<boolean> {
  try {
    const r = await w.search({ base: dn, scope: 'base', attributes: ['1.1'], pageSize: 0 });
    return r.length > 0;
  } catch (e) {
    if ((e as { code?: string }).code === 'E-NOTFOUND') return false;
    throw e;
  }
}

const UAC = {
  ACCOUNTDISABLE: 0x2,
  PASSWD_NOTREQD: 0x20,
  NORMAL_ACCOUNT: 0x200,
  DONT_EXPIRE_PASSWORD: 0x10000,
  WORKSTATION: 0x1000,
};

function adUac(p: DemoPerson): number {
  let v = UAC.NORMAL_ACCOUNT;
  if (!p.enabled) v |= UAC.ACCOUNTDISABLE;
  if (p.passwordNeverExpires) v |= UAC.DONT_EXPIRE_PASSWORD;
  if (p.passwordNotRequired) v |= UAC.PASSWD_NOTREQD;
  return v;
}

export function adUserDn(p: DemoPerson, s: DemoKindSettings): string {
  return childDn('CN', displayNameOf(p), s.ous[p.ou]);
}

export function openLdapUserDn(p: DemoPerson, s: DemoKindSettings): string {
  return childDn('uid', p.username, s.ous[p.ou]);
}

async function seedSamba(conn: DirectoryConnection, data: DemoDirectory, now: Date): Promise<void> {
  const s = data.ad;
  const w = await openDirectoryWriter(conn);
  try {
    if (await exists(w, s.ous.staff)) return; // already seeded (fixed-mode restart)
    const [head] = await w.search({
      base: s.baseDn,
      scope: 'base',
      attributes: ['pwdProperties'],
      pageSize: 0,
    });
    const props = Number(head?.['pwdProperties'] ?? 0);
    await w.modify(s.baseDn, adDomainPolicyChanges(s.passwordPolicy, props));

    for (const ou of ['staff', 'pupils', 'leavers', 'it', 'groups'] as const)
      await w.add(s.ous[ou], { objectClass: ['top', 'organizationalUnit'] });
    const groupDn = (cn: string) =>
      cn === s.adminGroup ? `CN=${cn},CN=Users,${s.baseDn}` : childDn('CN', cn, s.ous.groups);
    for (const g of [data.groups.staff, data.groups.pupils])
      await w.add(groupDn(g), { objectClass: ['top', 'group'], sAMAccountName: g });

    await mapLimit(data.people, 6, async (p) => {
      const upn = `${p.username}@${data.domain}`;
      const uac = adUac(p);
      // No password: Samba spends 30-50 ms hashing each one, and nothing logs on as these accounts.
      // Created with PASSWD_NOTREQD, then given their real flags and pwdLastSet = now (-1).
      const attrs: Record<string, string | string[]> = {
        objectClass: ['top', 'person', 'organizationalPerson', 'user'],
        sAMAccountName: p.username,
        userPrincipalName: upn,
        mail: upn,
        givenName: p.givenName,
        sn: p.surname,
        displayName: displayNameOf(p),
        userAccountControl: String(uac | UAC.PASSWD_NOTREQD),
      };
      if (p.employeeId) attrs['employeeID'] = p.employeeId;
      if (p.accountExpires) attrs['accountExpires'] = toFiletime(new Date(p.accountExpires)).toString();
      const dn = adUserDn(p, s);
      await w.add(dn, attrs);
      const changes: Modification[] = [
        { op: 'replace', attribute: 'userAccountControl', values: [String(uac)] },
        { op: 'replace', attribute: 'pwdLastSet', values: ['-1'] },
      ];
      const logon = lastLogonOf(p, now);
      if (logon) {
        const ft = toFiletime(logon).toString();
        changes.push({ op: 'replace', attribute: 'lastLogon', values: [ft] });
        changes.push({ op: 'replace', attribute: 'lastLogonTimestamp', values: [ft] });
      }
      await w.modify(dn, changes);
    });

    const members = (g: string) => data.people.filter((p) => p.groups.includes(g)).map((p) => adUserDn(p, s));
    for (const g of [data.groups.staff, data.groups.pupils]) {
      const m = members(g);
      if (m.length > 0) await w.modify(groupDn(g), [{ op: 'add', attribute: 'member', values: m }]);
    }
    const admins = data.people.filter((p) => p.admin).map((p) => adUserDn(p, s));
    await w.modify(groupDn(s.adminGroup), [{ op: 'add', attribute: 'member', values: admins }]);

    for (const f of s.fineGrainedPolicies) {
      const applies = f.appliesTo.map((g) => groupDn(g));
      await w.add(childDn('CN', f.name, psoContainer(s.baseDn)), {
        objectClass: ['top', 'msDS-PasswordSettings'],
        ...fgppAttributes(f, f.precedence ?? 10, applies),
      });
    }

    for (const c of s.computers ?? []) {
      const dn = childDn('CN', c.name, `CN=Computers,${s.baseDn}`);
      await w.add(dn, {
        objectClass: ['top', 'person', 'organizationalPerson', 'user', 'computer'],
        sAMAccountName: `${c.name}$`,
        dNSHostName: `${c.name.toLowerCase()}.${data.domain}`,
        operatingSystem: c.os,
        userAccountControl: String(UAC.WORKSTATION | (c.enabled ? 0 : UAC.ACCOUNTDISABLE)),
      });
      const logon = lastLogonOf(c, now);
      if (logon)
        await w.modify(dn, [
          { op: 'replace', attribute: 'lastLogonTimestamp', values: [toFiletime(logon).toString()] },
        ]);
    }
  } finally {
    await w.close();
  }
}

/** The admin lock: ppolicy treats this fixed time as "locked until an administrator unlocks". */
export const PPOLICY_ADMIN_LOCK = '000001010000Z';

async function seedOpenLdap(conn: DirectoryConnection, data: DemoDirectory): Promise<void> {
  const s = data.openldap;
  const w = await openDirectoryWriter(conn);
  const passwords = new Map<string, string>();
  try {
    if (await exists(w, s.ous.staff)) return;
    const policyDn = s.policyDn ?? `cn=default,ou=policies,${s.baseDn}`;
    const policiesOu = policyDn.replace(/^[^,]+,/, '');
    if (!(await exists(w, policiesOu))) await w.add(policiesOu, { objectClass: ['organizationalUnit'] });
    if (await exists(w, policyDn))
      await w.modify(policyDn, replaceAll(ppolicyAttributes(s.passwordPolicy, 1)));
    else
      await w.add(policyDn, {
        objectClass: ['organizationalRole', 'pwdPolicy'],
        pwdAttribute: 'userPassword',
        ...ppolicyAttributes(s.passwordPolicy, 1),
      });
    for (const f of s.fineGrainedPolicies)
      await w.add(f.dn ?? childDn('cn', f.name, policiesOu), {
        objectClass: ['organizationalRole', 'pwdPolicy'],
        pwdAttribute: 'userPassword',
        ...ppolicyAttributes(f, 1),
      });

    for (const ou of ['staff', 'pupils', 'leavers', 'it', 'groups'] as const)
      await w.add(s.ous[ou], { objectClass: ['organizationalUnit'] });

    const policyFor = new Map<string, string>();
    for (const f of s.fineGrainedPolicies)
      for (const u of f.appliesTo) policyFor.set(u, f.dn ?? childDn('cn', f.name, policiesOu));

    await mapLimit(data.people, 8, async (p) => {
      const password = randomPassword();
      passwords.set(p.username, password);
      const attrs: Record<string, string | string[]> = {
        objectClass: ['inetOrgPerson'],
        uid: p.username,
        cn: displayNameOf(p),
        sn: p.surname,
        givenName: p.givenName,
        displayName: displayNameOf(p),
        mail: `${p.username}@${data.domain}`,
        userPassword: sshaHash(password),
      };
      if (p.employeeId) attrs['employeeNumber'] = p.employeeId;
      if (!p.enabled) attrs['pwdAccountLockedTime'] = PPOLICY_ADMIN_LOCK;
      const sub = policyFor.get(p.username);
      if (sub) attrs['pwdPolicySubentry'] = sub;
      await w.add(openLdapUserDn(p, s), attrs);
    });

    const groupDn = (cn: string) => childDn('cn', cn, s.ous.groups);
    const groups: [string, string[]][] = [
      [
        data.groups.staff,
        data.people.filter((p) => p.groups.includes(data.groups.staff)).map((p) => openLdapUserDn(p, s)),
      ],
      [
        data.groups.pupils,
        data.people.filter((p) => p.groups.includes(data.groups.pupils)).map((p) => openLdapUserDn(p, s)),
      ],
      [s.adminGroup, data.people.filter((p) => p.admin).map((p) => openLdapUserDn(p, s))],
    ];
    for (const [cn, member] of groups)
      await w.add(groupDn(cn), { objectClass: ['groupOfNames'], cn, member });
  } finally {
    await w.close();
  }

  // Real binds, so slapd records pwdLastSuccess (needs `lastbind on`).
  await mapLimit(data.people.filter(boundInOpenLdap), 8, async (p) => {
    const r = await openDirectoryReader({
      ...conn,
      bindDn: openLdapUserDn(p, s),
      password: passwords.get(p.username) ?? '',
    });
    await r.close();
  });
}

export async function seedDirectories(info: TestbedInfo): Promise<void> {
  const data = await loadDemoDirectory();
  const dirs = await testbedDirectories(info);
  const now = new Date();
  await Promise.all([
    dirs.ad ? seedSamba(dirs.ad.admin, data, now) : undefined,
    dirs.openldap ? seedOpenLdap(dirs.openldap.admin, data) : undefined,
  ]);
}
