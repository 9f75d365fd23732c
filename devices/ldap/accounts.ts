/**
 * Directory entries to `DirectoryAccount` facts, for AD and for OpenLDAP with ppolicy. Pure functions of
 * the entry and a small context (the declared OUs, who is an administrator, group memberships), so they
 * are tested over recorded entries as well as live.
 */
import type { Directory } from '../../inventory/types.ts';
import type { DirectoryAccount, DirectoryComputer } from '../facts.ts';
import { firstRdnValue, normalizeDn } from './dn.ts';
import { and, eq, or, type LdapFilter } from './filter.ts';
import { bigInt, fromFiletime, fromGeneralizedTime, int, type RawEntry, text, texts } from './values.ts';

/** userAccountControl bits we report. */
export const UAC = {
  ACCOUNTDISABLE: 0x0002,
  PASSWD_NOTREQD: 0x0020,
  NORMAL_ACCOUNT: 0x0200,
  WORKSTATION_TRUST_ACCOUNT: 0x1000,
  DONT_EXPIRE_PASSWORD: 0x10000,
} as const;

/** ppolicy's "locked by an administrator until unlocked" marker: the disabled state in OpenLDAP. */
export const PPOLICY_ADMIN_LOCK = '000001010000Z';

/**
 * DN normal form for set membership: the fast path lower-cases DNs without escapes (nearly all of them,
 * and 50,000 of them in a big dump); anything with an escape goes through the full parser.
 */
export function dnKey(dn: string): string {
  if (!/[\\"+;]/.test(dn)) {
    // eslint-disable-next-line no-control-regex
    const lower = (/^[\u0000-\u007f]*$/.test(dn) ? dn : dn.normalize('NFC')).toLowerCase();
    return /\s[,=]|[,=]\s/.test(lower) ? lower.replace(/\s*([,=])\s*/g, '$1') : lower;
  }
  try {
    return normalizeDn(dn);
  } catch {
    return dn.toLowerCase();
  }
}

export interface AccountContext {
  /** Declared OUs by role, normalised (`suffix` is `,` + key, ready for endsWith). */
  ous: { role: string; key: string; suffix: string }[];
  /** Normalised DNs of transitive members of the declared admin groups. */
  adminMembers: Set<string>;
  /** OpenLDAP: group CNs each user DN (normalised) or uid belongs to, from the group scan. */
  groupsOf?: Map<string, string[]>;
}

export function ouContext(dir: Directory): AccountContext['ous'] {
  const roles: [string, string | undefined][] = [
    ['staff', dir.ous.staff],
    ['pupils', dir.ous.pupils],
    ['leavers', dir.ous.leavers],
    ['guests', dir.ous.guests],
  ];
  return roles
    .filter((r): r is [string, string] => !!r[1])
    .map(([role, dn]) => ({ role, key: dnKey(dn), suffix: `,${dnKey(dn)}` }));
}

/** staff | pupils | leavers | guests | other, by the OU the entry sits under (deepest match wins). */
export function ouOf(key: string, ous: AccountContext['ous']): string {
  let role = 'other';
  let len = -1;
  for (const o of ous)
    if (o.key.length > len && (key === o.key || key.endsWith(o.suffix))) {
      role = o.role;
      len = o.key.length;
    }
  return role;
}

/** Drop undefined fields without `delete` (which turns objects slow), for 50,000 accounts at a time. */
function compact<T extends object>(o: T): T {
  const src = o as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const k in src) if (src[k] !== undefined) out[k] = src[k];
  return out as T;
}

function isoOf(d: Date | undefined): string | undefined {
  return d?.toISOString();
}

/** Generalized time to ISO; the plain `YYYYMMDDHHMMSSZ` form directories send is done by slicing. */
function genTimeIso(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v.length === 15 && v.charCodeAt(14) === 90 /* Z */ && /^\d{14}Z$/.test(v)) {
    const mo = +v.slice(4, 6);
    const d = +v.slice(6, 8);
    // Only obviously valid values take the short cut; anything else is checked in full.
    if (
      mo >= 1 &&
      mo <= 12 &&
      d >= 1 &&
      d <= 28 &&
      +v.slice(8, 10) < 24 &&
      +v.slice(10, 12) < 60 &&
      +v.slice(12, 14) < 60
    )
      return `${v.slice(0, 4)}-${v.slice(4, 6)}-${v.slice(6, 8)}T${v.slice(8, 10)}:${v.slice(10, 12)}:${v.slice(12, 14)}.000Z`;
  }
  return isoOf(fromGeneralizedTime(v));
}

function latest(...ds: (Date | undefined)[]): Date | undefined {
  let best: Date | undefined;
  for (const d of ds) if (d && (!best || d > best)) best = d;
  return best;
}

// ---------------------------------------------------------------- AD

export const AD_USER_ATTRS = [
  'sAMAccountName',
  'userPrincipalName',
  'mail',
  'employeeID',
  'displayName',
  'givenName',
  'sn',
  'userAccountControl',
  'lockoutTime',
  'lastLogon',
  'lastLogonTimestamp',
  'pwdLastSet',
  'accountExpires',
  'whenCreated',
  'memberOf',
];

/** What the leavers check needs (ids, names, enabled, last logon): a smaller dump than the audit's. */
export const AD_LEAVER_ATTRS = [
  'sAMAccountName',
  'userPrincipalName',
  'mail',
  'employeeID',
  'givenName',
  'sn',
  'userAccountControl',
  'lastLogon',
  'lastLogonTimestamp',
];

export function adUserFilter(): LdapFilter {
  return and(eq('objectCategory', 'person'), eq('objectClass', 'user'));
}

export function adAccount(e: RawEntry, ctx: AccountContext, key = dnKey(e.dn)): DirectoryAccount {
  const uac = int(e, 'userAccountControl') ?? 0;
  const lockout = bigInt(e, 'lockoutTime') ?? 0n;
  return compact({
    dn: e.dn,
    username: text(e, 'sAMAccountName') ?? firstRdnValue(e.dn),
    upn: text(e, 'userPrincipalName'),
    mail: text(e, 'mail'),
    employeeId: text(e, 'employeeID'),
    displayName: text(e, 'displayName'),
    givenName: text(e, 'givenName'),
    surname: text(e, 'sn'),
    ou: ouOf(key, ctx.ous),
    enabled: (uac & UAC.ACCOUNTDISABLE) === 0,
    passwordNeverExpires: (uac & UAC.DONT_EXPIRE_PASSWORD) !== 0,
    passwordNotRequired: (uac & UAC.PASSWD_NOTREQD) !== 0,
    locked: lockout > 0n,
    lastLogon: isoOf(latest(fromFiletime(text(e, 'lastLogon')), fromFiletime(text(e, 'lastLogonTimestamp')))),
    passwordLastSet: isoOf(fromFiletime(text(e, 'pwdLastSet'))),
    accountExpires: isoOf(fromFiletime(text(e, 'accountExpires'))),
    created: genTimeIso(text(e, 'whenCreated')?.replace(/\.0Z$/, 'Z')),
    groups: texts(e, 'memberOf').map(firstRdnValue).sort(),
    isAdmin: ctx.adminMembers.has(key),
    userAccountControl: uac,
  });
}

export const AD_COMPUTER_ATTRS = [
  'cn',
  'dNSHostName',
  'operatingSystem',
  'userAccountControl',
  'lastLogonTimestamp',
];

export function adComputer(e: RawEntry, withRecoveryKey: Set<string> | undefined): DirectoryComputer {
  const uac = int(e, 'userAccountControl') ?? 0;
  return compact({
    dn: e.dn,
    name: text(e, 'cn') ?? firstRdnValue(e.dn),
    dnsHostName: text(e, 'dNSHostName'),
    os: text(e, 'operatingSystem'),
    enabled: (uac & UAC.ACCOUNTDISABLE) === 0,
    lastLogon: isoOf(fromFiletime(text(e, 'lastLogonTimestamp'))),
    hasRecoveryKey: withRecoveryKey ? withRecoveryKey.has(dnKey(e.dn)) : undefined,
  });
}

// ---------------------------------------------------------------- OpenLDAP

export const OPENLDAP_USER_ATTRS = [
  'uid',
  'cn',
  'displayName',
  'givenName',
  'sn',
  'mail',
  'employeeNumber',
  'pwdAccountLockedTime',
  'pwdChangedTime',
  'pwdLastSuccess',
  'createTimestamp',
  'pwdPolicySubentry',
  'shadowExpire',
];

export const OPENLDAP_LEAVER_ATTRS = [
  'uid',
  'mail',
  'employeeNumber',
  'givenName',
  'sn',
  'pwdAccountLockedTime',
  'pwdLastSuccess',
];

export function openLdapUserFilter(): LdapFilter {
  return or(eq('objectClass', 'inetOrgPerson'), eq('objectClass', 'posixAccount'));
}

export const OPENLDAP_GROUP_ATTRS = ['cn', 'member', 'uniqueMember', 'memberUid'];

export function openLdapGroupFilter(): LdapFilter {
  return or(
    eq('objectClass', 'groupOfNames'),
    eq('objectClass', 'groupOfUniqueNames'),
    eq('objectClass', 'posixGroup'),
  );
}

export function openLdapAccount(e: RawEntry, ctx: AccountContext, key = dnKey(e.dn)): DirectoryAccount {
  const username = text(e, 'uid') ?? firstRdnValue(e.dn);
  const lockedAt = text(e, 'pwdAccountLockedTime');
  const shadowExpire = int(e, 'shadowExpire');
  const groups = [...(ctx.groupsOf?.get(key) ?? []), ...(ctx.groupsOf?.get(`uid:${username}`) ?? [])];
  return compact({
    dn: e.dn,
    username,
    mail: text(e, 'mail'),
    employeeId: text(e, 'employeeNumber'),
    displayName: text(e, 'displayName') ?? text(e, 'cn'),
    givenName: text(e, 'givenName'),
    surname: text(e, 'sn'),
    ou: ouOf(key, ctx.ous),
    // Only the administrator's lock disables; a lockout after failed binds expires by itself.
    enabled: lockedAt !== PPOLICY_ADMIN_LOCK,
    passwordNeverExpires: false,
    passwordNotRequired: false,
    locked: lockedAt !== undefined,
    lastLogon: genTimeIso(text(e, 'pwdLastSuccess')),
    passwordLastSet: genTimeIso(text(e, 'pwdChangedTime')),
    accountExpires:
      shadowExpire !== undefined && shadowExpire >= 0
        ? new Date(shadowExpire * 86_400_000).toISOString()
        : undefined,
    created: genTimeIso(text(e, 'createTimestamp')),
    groups: groups.length > 1 ? [...new Set(groups)].sort() : groups,
    isAdmin: ctx.adminMembers.has(key) || ctx.adminMembers.has(`uid:${username}`),
  });
}

/**
 * Group memberships and the admin flag filled in after the dump, when the group scan (read alongside it)
 * is in: `key` is the account's dnKey.
 */
export function attachMembership(a: DirectoryAccount, key: string, ctx: AccountContext): void {
  // Called 50,000 times on a big directory: no copies unless there is something to merge.
  if (ctx.groupsOf && ctx.groupsOf.size > 0) {
    const byDn = ctx.groupsOf.get(key);
    const byUid = ctx.groupsOf.get(`uid:${a.username}`);
    const groups = byDn && byUid ? [...byDn, ...byUid] : (byDn ?? byUid);
    if (groups) a.groups = groups.length > 1 ? [...new Set(groups)].sort() : [...groups];
  }
  a.isAdmin =
    ctx.adminMembers.size > 0 && (ctx.adminMembers.has(key) || ctx.adminMembers.has(`uid:${a.username}`));
}

/** Group graph from an OpenLDAP group scan: direct groups per member, and transitive members per group. */
export function openLdapGroups(entries: RawEntry[]): {
  groupsOf: Map<string, string[]>;
  membersOf: (group: string) => Set<string>;
  cnOf: Map<string, string>;
} {
  const cnOf = new Map<string, string>();
  const direct = new Map<string, string[]>();
  const groupsOf = new Map<string, string[]>();
  for (const g of entries) {
    const gk = dnKey(g.dn);
    const cn = text(g, 'cn') ?? firstRdnValue(g.dn);
    cnOf.set(gk, cn);
    const members = [
      ...texts(g, 'member').map(dnKey),
      ...texts(g, 'uniqueMember').map((m) => dnKey(m.replace(/#'[01]*'B$/, ''))),
      ...texts(g, 'memberUid').map((u) => `uid:${u}`),
    ];
    direct.set(gk, members);
    for (const m of members) {
      const list = groupsOf.get(m);
      if (list) list.push(cn);
      else groupsOf.set(m, [cn]);
    }
  }
  const membersOf = (group: string): Set<string> => {
    const out = new Set<string>();
    const seen = new Set<string>();
    const walk = (gk: string) => {
      if (seen.has(gk)) return;
      seen.add(gk);
      for (const m of direct.get(gk) ?? []) {
        if (direct.has(m)) walk(m);
        else out.add(m);
      }
    };
    walk(group);
    return out;
  };
  return { groupsOf, membersOf, cnOf };
}
