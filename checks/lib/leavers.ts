/**
 * Leavers against the directory: a pure function of the roster and one dump of the accounts, shared by
 * `schoolnet leavers` and the audit's leavers check. Matching is in memory (never a search per leaver,
 * so no roster value ever reaches an LDAP filter):
 * 1. by the stable id the declaration names (`idKind`): employee number, UPN, e-mail or uid;
 * 2. failing that, by exact name: forename + surname, Unicode NFC, case-insensitive, with a warning.
 * Nothing fuzzy: "O'Neill" and "O’Neill" are different names, and a name like `*` matches nobody.
 */
import type { DirectoryAccount } from '../../devices/facts.ts';
import type { RosterPerson } from '../../inventory/facts.ts';

export type IdKind = 'employee' | 'upn' | 'email' | 'uid';

export type LeaverState =
  'not-found' | 'enabled' | 'enabled-in-leavers-ou' | 'logged-on-after-leaving' | 'disabled';

export interface LeaverAccount {
  username: string;
  dn: string;
  enabled: boolean;
  ou: string;
  lastLogon?: string;
  state: Exclude<LeaverState, 'not-found'>;
}

export interface LeaverResult {
  line: number;
  id: string;
  givenName: string;
  surname: string;
  role: string;
  leavingDate: string;
  state: LeaverState;
  matchedBy: 'id' | 'name' | 'none';
  accounts: LeaverAccount[];
  /** Every matched account sits in the leavers OU. */
  inLeaversOu: boolean;
  /** Left within the grace period: reported, but not (yet) a failure. */
  withinGrace: boolean;
  warnings: string[];
}

export interface LeaversOptions {
  /** ISO date (yyyy-mm-dd): people whose leaving date is on or before it are leavers. */
  asOf: string;
  idKind: IdKind;
  graceDays?: number;
}

export interface LeaversReport {
  asOf: string;
  leavers: LeaverResult[];
  counts: Record<LeaverState, number>;
  /** Leavers whose account is still usable (or was used after they left), outside the grace period. */
  failures: number;
}

const SEVERITY: Record<LeaverState, number> = {
  'logged-on-after-leaving': 4,
  enabled: 3,
  'enabled-in-leavers-ou': 2,
  disabled: 1,
  'not-found': 0,
};

const FAILING = new Set<LeaverState>(['logged-on-after-leaving', 'enabled', 'enabled-in-leavers-ou']);

export function isFailing(r: LeaverResult): boolean {
  return FAILING.has(r.state) && !r.withinGrace;
}

/** NFC + case-insensitive + trimmed: the only normalisation names and ids get. */
export function matchKey(s: string): string {
  // ASCII needs no Unicode normalisation (the common case, 50,000 times per check).
  // eslint-disable-next-line no-control-regex
  return (/^[\u0000-\u007f]*$/.test(s) ? s : s.normalize('NFC')).trim().toLowerCase();
}

/** Control characters (a NUL in an MIS export) shown escaped, so messages stay printable. */
function shown(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function nameKey(given: string, surname: string): string {
  return `${matchKey(given)}\u0000${matchKey(surname)}`;
}

/** The account attributes that can carry each kind of id. UPN and e-mail stand in for each other,
 * because OpenLDAP has no UPN and schools usually make the two equal. */
function idValues(a: DirectoryAccount, kind: IdKind): (string | undefined)[] {
  switch (kind) {
    case 'employee':
      return [a.employeeId];
    case 'upn':
      return [a.upn, a.mail];
    case 'email':
      return [a.mail, a.upn];
    case 'uid':
      return [a.username];
  }
}

function daysBetween(fromIso: string, toIso: string): number {
  return Math.round((Date.parse(`${toIso}T00:00:00Z`) - Date.parse(`${fromIso}T00:00:00Z`)) / 86_400_000);
}

function accountState(a: DirectoryAccount, leavingDate: string): LeaverAccount {
  // Any logon on a later day than the leaving date counts (times are UTC; a leaving date is a whole day).
  const after = a.lastLogon !== undefined && a.lastLogon.slice(0, 10) > leavingDate;
  let state: LeaverAccount['state'];
  if (after) state = 'logged-on-after-leaving';
  else if (a.enabled) state = a.ou === 'leavers' ? 'enabled-in-leavers-ou' : 'enabled';
  else state = 'disabled';
  const out: LeaverAccount = { username: a.username, dn: a.dn, enabled: a.enabled, ou: a.ou, state };
  if (a.lastLogon !== undefined) out.lastLogon = a.lastLogon;
  return out;
}

/** Match every leaver on the roster (leaving date on or before `asOf`) to the accounts. */
export function matchLeavers(
  people: readonly RosterPerson[],
  accounts: readonly DirectoryAccount[],
  opts: LeaversOptions,
): LeaversReport {
  // Index the leavers (a few hundred), not the accounts (tens of thousands), then pass over the
  // accounts once: every account whose id or name is a leaver's is collected for that leaver.
  const leaving = people.filter((p) => p.leavingDate !== undefined && p.leavingDate <= opts.asOf);
  const wantedIds = new Map<string, DirectoryAccount[]>();
  const wantedNames = new Map<string, DirectoryAccount[]>();
  for (const p of leaving) {
    if (p.id.trim() !== '') wantedIds.set(matchKey(p.id), []);
    wantedNames.set(nameKey(p.givenName, p.surname), []);
  }
  for (const a of accounts) {
    for (const v of idValues(a, opts.idKind)) {
      const hits = v === undefined ? undefined : wantedIds.get(matchKey(v));
      if (hits && !hits.includes(a)) hits.push(a);
    }
    if (a.givenName !== undefined && a.surname !== undefined)
      wantedNames.get(nameKey(a.givenName, a.surname))?.push(a);
  }
  const grace = opts.graceDays ?? 0;
  const leavers: LeaverResult[] = [];
  for (const p of leaving) {
    if (p.leavingDate === undefined) continue;
    const warnings: string[] = [];
    let matched: DirectoryAccount[] = [];
    let matchedBy: LeaverResult['matchedBy'] = 'none';
    const id = p.id.trim();
    if (id !== '') {
      matched = wantedIds.get(matchKey(id)) ?? [];
      if (matched.length > 0) matchedBy = 'id';
    }
    if (matched.length === 0) {
      const named = wantedNames.get(nameKey(p.givenName, p.surname)) ?? [];
      if (named.length > 0) {
        matched = named;
        matchedBy = 'name';
        warnings.push(
          id === ''
            ? `matched by name only: the roster row has no ${opts.idKind} id`
            : `${opts.idKind} ${shown(id)} is not in the directory; matched by name only`,
        );
        if (named.length > 1)
          warnings.push(
            `${named.length} accounts have this name (${named.map((a) => a.username).join(', ')}): all are reported`,
          );
      } else if (id !== '') warnings.push(`no account has ${opts.idKind} ${shown(id)} or this name`);
      else warnings.push('no account has this name, and the roster row has no id');
    }
    const accs = matched.map((a) => accountState(a, p.leavingDate as string));
    const worst = accs.reduce<LeaverState>(
      (w, a) => (SEVERITY[a.state] > SEVERITY[w] ? a.state : w),
      accs.length > 0 ? 'disabled' : 'not-found',
    );
    const inLeaversOu = accs.length > 0 && accs.every((a) => a.ou === 'leavers');
    if (worst === 'disabled' && !inLeaversOu) warnings.push('disabled but not moved to the leavers OU');
    leavers.push({
      line: p.line,
      id: p.id,
      givenName: p.givenName,
      surname: p.surname,
      role: p.role,
      leavingDate: p.leavingDate,
      state: worst,
      matchedBy,
      accounts: accs,
      inLeaversOu,
      withinGrace: daysBetween(p.leavingDate, opts.asOf) <= grace && grace > 0,
      warnings,
    });
  }
  const counts: Record<LeaverState, number> = {
    'not-found': 0,
    enabled: 0,
    'enabled-in-leavers-ou': 0,
    'logged-on-after-leaving': 0,
    disabled: 0,
  };
  for (const l of leavers) counts[l.state]++;
  return { asOf: opts.asOf, leavers, counts, failures: leavers.filter(isFailing).length };
}
