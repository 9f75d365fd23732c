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
 * DN normal form for set membership: the fast path lower-cases DNs that are plain ASCII with no escapes,
 * quotes, multi-valued RDNs or spaces around separators (nearly all of them, and 50,000 of them in a big
 * dump), checked in one pass; anything else goes through the full parser.
 */
export function dnKey(dn: string): string {
  let plain = true;
  for (let i = 0; i < dn.length; i++) {
    const c = dn.charCodeAt(i);
    // \ " + ; control characters and anything beyond ASCII
    if (c === 0x5c || c === 0x22 || c === 0x2b || c === 0x3b || c < 0x20 || c > 0x7e) {
      plain = false;
      break;
    }
    // a space beside , or =
    if (c === 0x20) {
      const before = i > 0 ? dn.charCodeAt(i - 1) : 0;
      const after = i + 1 < dn.length ? dn.charCodeAt(i + 1) : 0;
      if (before === 0x2c || before === 0x3d || after === 0x2c || after === 0x3d) {
        plain = false;
        break;
      }
    }
  }
  if (plain) return dn.toLowerCase();
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
  groupsOf?: Map<string, readonly string[]>;
  /** OpenLDAP: false when no group names a member by uid (memberUid), so no `uid:` key is looked up. */
  byUid?: boolean;
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

/** Two decimal digits at `i`, or NaN. */
function digits2(v: string, i: number): number {
  const a = v.charCodeAt(i) - 48;
  const b = v.charCodeAt(i + 1) - 48;
  return a >= 0 && a <= 9 && b >= 0 && b <= 9 ? a * 10 + b : NaN;
}

/** Days in a month (1-12) of a Gregorian year. */
function daysIn(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The last generalized time converted, and its ISO form: accounts made by one import share a time. */
let lastGenTime = '';
let lastGenIso = '';

/**
 * Generalized time to ISO. The plain forms directories send, `YYYYMMDDHHMMSSZ` (slapd) and
 * `YYYYMMDDHHMMSS.0Z` (AD), are checked digit by digit and rearranged into the ISO form directly, with
 * no Date in between; anything else is read in full. The result is one flat string (a string built by
 * concatenation is a tree of pieces, and 50,000 accounts keep theirs), and the same time as the previous
 * call gives the same string.
 */
export function genTimeIso(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  if (v === lastGenTime) return lastGenIso;
  const n = v.length;
  if ((n === 15 && v.charCodeAt(14) === 90) || (n === 17 && v.endsWith('.0Z'))) {
    const year = digits2(v, 0) * 100 + digits2(v, 2);
    const mo = digits2(v, 4);
    const d = digits2(v, 6);
    const h = digits2(v, 8);
    const mi = digits2(v, 10);
    const sec = digits2(v, 12);
    // NaN fails every comparison; years before 1000 go the long way.
    if (
      year >= 1000 &&
      mo >= 1 &&
      mo <= 12 &&
      d >= 1 &&
      h < 24 &&
      mi < 60 &&
      sec < 60 &&
      d <= daysIn(year, mo)
    ) {
      const c = (i: number) => v.charCodeAt(i);
      // YYYY-MM-DDTHH:MM:SS.000Z
      const iso = String.fromCharCode(
        c(0), c(1), c(2), c(3), 45, c(4), c(5), 45, c(6), c(7), 84, c(8), c(9), 58, c(10), c(11), 58,
        c(12), c(13), 46, 48, 48, 48, 90,
      ); // prettier-ignore
      lastGenTime = v;
      lastGenIso = iso;
      return iso;
    }
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

/**
 * The groups of an account in none: one frozen list shared by all of them (the facts are read, never
 * changed in place; a change would throw rather than reach another account).
 */
const NO_GROUPS = Object.freeze([]) as readonly string[] as string[];

/**
 * The fields every account has; the optional ones are added after, in the order the facts have always
 * listed them, and only when present (no `undefined` fields, and no object rebuilt to drop them).
 */
type Built = Omit<
  DirectoryAccount,
  'ou' | 'enabled' | 'passwordNeverExpires' | 'passwordNotRequired' | 'locked' | 'groups' | 'isAdmin'
> &
  Partial<DirectoryAccount>;

export function adAccount(e: RawEntry, ctx: AccountContext, key = dnKey(e.dn)): DirectoryAccount {
  const uac = int(e, 'userAccountControl') ?? 0;
  const lockout = bigInt(e, 'lockoutTime') ?? 0n;
  const a: Built = { dn: e.dn, username: text(e, 'sAMAccountName') ?? firstRdnValue(e.dn) };
  const upn = text(e, 'userPrincipalName');
  if (upn !== undefined) a.upn = upn;
  names(
    a,
    text(e, 'mail'),
    text(e, 'employeeID'),
    text(e, 'displayName'),
    text(e, 'givenName'),
    text(e, 'sn'),
  );
  a.ou = ouOf(key, ctx.ous);
  a.enabled = (uac & UAC.ACCOUNTDISABLE) === 0;
  a.passwordNeverExpires = (uac & UAC.DONT_EXPIRE_PASSWORD) !== 0;
  a.passwordNotRequired = (uac & UAC.PASSWD_NOTREQD) !== 0;
  a.locked = lockout > 0n;
  times(
    a,
    isoOf(latest(fromFiletime(text(e, 'lastLogon')), fromFiletime(text(e, 'lastLogonTimestamp')))),
    isoOf(fromFiletime(text(e, 'pwdLastSet'))),
    isoOf(fromFiletime(text(e, 'accountExpires'))),
    genTimeIso(text(e, 'whenCreated')),
  );
  const memberOf = texts(e, 'memberOf');
  a.groups = memberOf.length === 0 ? memberOf : memberOf.map(firstRdnValue).sort();
  a.isAdmin = ctx.adminMembers.has(key);
  a.userAccountControl = uac;
  return a as DirectoryAccount;
}

/** The optional name fields, in order, where present. */
function names(
  a: Built,
  mail: string | undefined,
  employeeId: string | undefined,
  displayName: string | undefined,
  givenName: string | undefined,
  surname: string | undefined,
): void {
  if (mail !== undefined) a.mail = mail;
  if (employeeId !== undefined) a.employeeId = employeeId;
  if (displayName !== undefined) a.displayName = displayName;
  if (givenName !== undefined) a.givenName = givenName;
  if (surname !== undefined) a.surname = surname;
}

/** The optional times, in order, where present. */
function times(
  a: Built,
  lastLogon: string | undefined,
  passwordLastSet: string | undefined,
  accountExpires: string | undefined,
  created: string | undefined,
): void {
  if (lastLogon !== undefined) a.lastLogon = lastLogon;
  if (passwordLastSet !== undefined) a.passwordLastSet = passwordLastSet;
  if (accountExpires !== undefined) a.accountExpires = accountExpires;
  if (created !== undefined) a.created = created;
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
  const a: Built = { dn: e.dn, username };
  names(
    a,
    text(e, 'mail'),
    text(e, 'employeeNumber'),
    text(e, 'displayName') ?? text(e, 'cn'),
    text(e, 'givenName'),
    text(e, 'sn'),
  );
  a.ou = ouOf(key, ctx.ous);
  // Only the administrator's lock disables; a lockout after failed binds expires by itself.
  a.enabled = lockedAt !== PPOLICY_ADMIN_LOCK;
  a.passwordNeverExpires = false;
  a.passwordNotRequired = false;
  a.locked = lockedAt !== undefined;
  times(
    a,
    genTimeIso(text(e, 'pwdLastSuccess')),
    genTimeIso(text(e, 'pwdChangedTime')),
    shadowExpire !== undefined && shadowExpire >= 0
      ? new Date(shadowExpire * 86_400_000).toISOString()
      : undefined,
    genTimeIso(text(e, 'createTimestamp')),
  );
  a.groups = NO_GROUPS;
  a.isAdmin = false;
  // Without the group scan (the leavers' dump), that is all; with it, memberships as attachMembership gives.
  if (ctx.groupsOf !== undefined || ctx.adminMembers.size > 0)
    attachMembership(a as DirectoryAccount, key, ctx);
  return a as DirectoryAccount;
}

/**
 * Group memberships and the admin flag filled in after the dump, when the group scan (read alongside it)
 * is in: `key` is the account's dnKey.
 */
export function attachMembership(a: DirectoryAccount, key: string, ctx: AccountContext): void {
  // Called 50,000 times on a big directory: no copies unless there is something to merge, and no
  // `uid:` key made when no group names members by uid.
  const uidKey = ctx.byUid === false ? undefined : `uid:${a.username}`;
  if (ctx.groupsOf && ctx.groupsOf.size > 0) {
    const byDn = ctx.groupsOf.get(key);
    const byUid = uidKey === undefined ? undefined : ctx.groupsOf.get(uidKey);
    const groups = byDn && byUid ? [...byDn, ...byUid] : (byDn ?? byUid);
    // One group: the group's own frozen list, shared (a 40,000-pupil group makes one list, not 40,000).
    if (groups) a.groups = groups.length > 1 ? [...new Set(groups)].sort() : (groups as string[]);
  }
  a.isAdmin =
    ctx.adminMembers.size > 0 &&
    (ctx.adminMembers.has(key) || (uidKey !== undefined && ctx.adminMembers.has(uidKey)));
}

/** Group graph from an OpenLDAP group scan: direct groups per member, and transitive members per group. */
export function openLdapGroups(entries: RawEntry[]): {
  groupsOf: Map<string, readonly string[]>;
  membersOf: (group: string) => Set<string>;
  cnOf: Map<string, string>;
  /** Whether any group names a member by uid (memberUid). */
  byUid: boolean;
} {
  let byUid = false;
  const cnOf = new Map<string, string>();
  const direct = new Map<string, string[]>();
  const groupsOf = new Map<string, readonly string[]>();
  for (const g of entries) {
    const gk = dnKey(g.dn);
    const cn = text(g, 'cn') ?? firstRdnValue(g.dn);
    cnOf.set(gk, cn);
    // A member's first group is this one frozen list, shared by all its members (and by their account
    // facts); a second group gives the member a list of its own.
    const only = Object.freeze([cn]);
    const members: string[] = [];
    const add = (m: string) => {
      members.push(m);
      const list = groupsOf.get(m);
      if (list === undefined) groupsOf.set(m, only);
      else groupsOf.set(m, Object.freeze([...list, cn]));
    };
    for (const m of texts(g, 'member')) add(dnKey(m));
    for (const m of texts(g, 'uniqueMember')) add(dnKey(m.replace(/#'[01]*'B$/, '')));
    for (const u of texts(g, 'memberUid')) {
      byUid = true;
      add(`uid:${u}`);
    }
    direct.set(gk, members);
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
  return { groupsOf, membersOf, cnOf, byUid };
}
