/**
 * Leavers against the directory: a pure function of the roster and one dump of the accounts, shared by
 * `schoolnet leavers` and the audit's leavers check, so the two agree row for row. Matching is in
 * memory (never a search per leaver, so no roster value ever reaches an LDAP filter), in this order:
 * 1. the MIS id (Unique Pupil Number, admission number, staff code...) against the directory attribute
 *    the school declares (`lifecycle.roster.columns.directoryAttribute`, employeeID / employeeNumber by
 *    default), which the lifecycle provider writes when it creates or adopts an account;
 * 2. the account column, where the roster maps one (a username, or an e-mail / UPN);
 * 3. only then the name (checks/lib/names.ts), and only when it is unambiguous: one account, one roster
 *    person. An account that holds another id in the declared attribute is someone else.
 * One account is never given to two people, nor two accounts to one person: such a row is `ambiguous`,
 * with the candidates. A leaver who is `unmatched` or `ambiguous` fails, like an enabled one: nobody
 * leaves this function looking safe unless an account was found and is switched off.
 */
import type { DirectoryAccount } from '../../devices/facts.ts';
import type { RosterPerson } from '../../inventory/facts.ts';
import { bareKeyOf, bareNameKey, nameKey, personKey } from './names.ts';

export type LeaverState =
  'unmatched' | 'ambiguous' | 'enabled' | 'enabled-in-leavers-ou' | 'logged-on-after-leaving' | 'disabled';

export type AccountState = 'enabled' | 'enabled-in-leavers-ou' | 'logged-on-after-leaving' | 'disabled';

export interface LeaverAccount {
  username: string;
  dn: string;
  enabled: boolean;
  ou: string;
  lastLogon?: string;
  state: AccountState;
}

export type MatchedBy = 'id' | 'account' | 'name' | 'none';

export interface LeaverResult {
  line: number;
  /** The MIS id from the roster ('' when the row has none). */
  id: string;
  /** The account column from the roster, where one is mapped. */
  account?: string;
  givenName: string;
  surname: string;
  role: string;
  leavingDate: string;
  state: LeaverState;
  matchedBy: MatchedBy;
  /** The matched account; for an ambiguous row, every candidate (none of them is judged). */
  accounts: LeaverAccount[];
  /** Every matched account sits in the leavers OU. */
  inLeaversOu: boolean;
  /** Left within the grace period: an enabled account is reported, but not (yet) a failure. */
  withinGrace: boolean;
  /** Not proven switched off as the school declares (see `isFailing`). */
  failing: boolean;
  /** Unmatched or ambiguous: why, in one sentence. */
  reason?: string;
  /** Unmatched or ambiguous: what the technician should do. */
  action?: string;
  warnings: string[];
}

export interface LeaversOptions {
  /** ISO date (yyyy-mm-dd): people whose leaving date is on or before it are leavers. */
  asOf: string;
  /** The directory attribute that holds the MIS id (employeeID, employeeNumber, or as declared). */
  idAttribute: string;
  graceDays?: number;
  /**
   * Whether a leaving date is still within the grace period on `asOf` (working days, say); default:
   * calendar days, `graceDays`.
   */
  withinGrace?: (leavingDate: string, asOf: string) => boolean;
  /** lifecycle.leavers.action: with disable-and-move, a disabled account outside the leavers OU fails. */
  action?: 'disable' | 'disable-and-move';
}

export interface LeaversReport {
  asOf: string;
  idAttribute: string;
  leavers: LeaverResult[];
  counts: Record<LeaverState, number>;
  /** Leavers not proven switched off: enabled or used after leaving (outside the grace period),
   * unmatched, or ambiguous. */
  failures: number;
}

const FAILING = new Set<LeaverState>(['logged-on-after-leaving', 'enabled', 'enabled-in-leavers-ou']);

/**
 * Unmatched or ambiguous (whatever the grace period), enabled or used after leaving (outside the grace
 * period), or, where the school moves leavers, disabled but not moved (outside the grace period).
 */
export function isFailing(r: Pick<LeaverResult, 'failing'>): boolean {
  return r.failing;
}

function failingState(
  state: LeaverState,
  withinGrace: boolean,
  inLeaversOu: boolean,
  action: LeaversOptions['action'],
): boolean {
  if (state === 'unmatched' || state === 'ambiguous') return true;
  if (withinGrace) return false;
  if (FAILING.has(state)) return true;
  return action === 'disable-and-move' && !inLeaversOu;
}

/** Ids and account names: trimmed, case-insensitive, NFKC (a fullwidth digit is a digit). */
export function matchKey(s: string): string {
  // ASCII needs no Unicode normalisation (the common case, 50,000 times per check).
  // eslint-disable-next-line no-control-regex
  return (/^[\u0000-\u007f]*$/.test(s) ? s : s.normalize('NFKC')).trim().toLowerCase();
}

/** Control characters (a NUL in an MIS export) shown escaped, so messages stay printable. */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

function shown(s: string): string {
  return s.replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** The values an account holds in a directory attribute (named case-insensitively). */
export function attributeValues(a: DirectoryAccount, attribute: string): string[] {
  const name = attribute.toLowerCase();
  const read = a.attributes?.[name];
  if (read !== undefined) return read;
  // Accounts read without the declared attribute list (tests, older stores): the typed fields.
  let v: string | undefined;
  switch (name) {
    case 'employeeid':
    case 'employeenumber':
      v = a.employeeId;
      break;
    case 'mail':
      v = a.mail;
      break;
    case 'userprincipalname':
      v = a.upn;
      break;
    case 'samaccountname':
    case 'uid':
      v = a.username;
  }
  return v === undefined ? [] : [v];
}

/** Where else an id might sit, to tell the technician when the declared attribute is the wrong one. */
function otherIdAttributes(a: DirectoryAccount, declared: string): [string, string][] {
  const out: [string, string][] = [];
  const skip = declared.toLowerCase();
  for (const [name, values] of Object.entries(a.attributes ?? {}))
    if (name !== skip) for (const v of values) out.push([name, v]);
  if (a.employeeId !== undefined && skip !== 'employeeid' && skip !== 'employeenumber')
    out.push(['employeeID/employeeNumber', a.employeeId]);
  if (a.upn !== undefined && skip !== 'userprincipalname') out.push(['userPrincipalName', a.upn]);
  if (a.mail !== undefined && skip !== 'mail') out.push(['mail', a.mail]);
  if (skip !== 'samaccountname' && skip !== 'uid') out.push(['username', a.username]);
  return out;
}

/** The keys an account answers to in the roster's account column: username, UPN, mail. */
function accountKeys(a: DirectoryAccount): string[] {
  const keys = [matchKey(a.username)];
  for (const v of [a.upn, a.mail]) if (v !== undefined && v.trim() !== '') keys.push(matchKey(v));
  return keys;
}

/**
 * Which accounts can make a difference to `matchLeavers` for this roster: those whose id, account keys
 * (username, UPN, mail), name (either key) or any other id-bearing value meets someone on the roster.
 * `matchLeavers(people, accounts.filter(relevant))` gives the same report as over every account
 * (leavers.test.ts holds the two equal), so `schoolnet leavers` keeps only these as the directory dump
 * streams past: a 2,000-row roster against 50,000 accounts keeps a few thousand.
 */
export function leaversRelevance(people: readonly RosterPerson[]): (a: DirectoryAccount) => boolean {
  // One set for ids and account names alike: an account value that meets either is kept (more than
  // strictly needed at worst, which changes nothing); names by surname first, the cheap test.
  const keys = new Set<string>();
  const surnames = new Set<string>();
  const names = new Set<string>();
  for (const p of people) {
    const id = matchKey(p.id);
    if (id !== '') keys.add(id);
    if (p.account !== undefined && p.account.trim() !== '') keys.add(matchKey(p.account));
    for (const key of [nameKey, bareNameKey]) {
      const k = personKey(p.givenName, p.surname, key);
      if (k === '') continue;
      names.add(k);
      surnames.add(key(p.surname));
    }
  }
  const meets = (v: string | undefined) => v !== undefined && keys.has(matchKey(v));
  return (a) => {
    // Every value an id or an account name can sit in: the declared attribute, the typed fields, the
    // attributes read (attributeValues, accountKeys and otherIdAttributes look nowhere else).
    if (meets(a.username) || meets(a.mail) || meets(a.upn) || meets(a.employeeId)) return true;
    if (a.attributes !== undefined)
      for (const name in a.attributes) for (const v of a.attributes[name] ?? []) if (meets(v)) return true;
    if (a.givenName === undefined || a.surname === undefined) return false;
    const surname = nameKey(a.surname);
    if (!surnames.has(surname)) {
      const bare = bareKeyOf(surname);
      if (bare === surname || !surnames.has(bare)) return false;
    }
    return (
      names.has(personKey(a.givenName, a.surname, nameKey)) ||
      names.has(personKey(a.givenName, a.surname, bareNameKey))
    );
  };
}

function daysBetween(fromIso: string, toIso: string): number {
  return Math.round((Date.parse(`${toIso}T00:00:00Z`) - Date.parse(`${fromIso}T00:00:00Z`)) / 86_400_000);
}

function accountState(a: DirectoryAccount, leavingDate: string): LeaverAccount {
  // Any logon on a later day than the leaving date counts (times are UTC; a leaving date is a whole day).
  const after = a.lastLogon !== undefined && a.lastLogon.slice(0, 10) > leavingDate;
  let state: AccountState;
  if (after) state = 'logged-on-after-leaving';
  else if (a.enabled) state = a.ou === 'leavers' ? 'enabled-in-leavers-ou' : 'enabled';
  else state = 'disabled';
  const out: LeaverAccount = { username: a.username, dn: a.dn, enabled: a.enabled, ou: a.ou, state };
  if (a.lastLogon !== undefined) out.lastLogon = a.lastLogon;
  return out;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list === undefined) m.set(k, [v]);
  else if (!list.includes(v)) list.push(v);
}

type Outcome =
  | { kind: 'matched'; by: Exclude<MatchedBy, 'none'>; account: DirectoryAccount; warnings: string[] }
  | { kind: 'ambiguous' | 'unmatched'; candidates: DirectoryAccount[]; reason: string; action: string };

const names = (as: readonly DirectoryAccount[]) => as.map((a) => a.username).join(', ');
const lines = (ps: readonly RosterPerson[]) => ps.map((p) => p.line).join(', ');

/** Match every leaver on the roster (leaving date on or before `asOf`) to the accounts. */
export function matchLeavers(
  people: readonly RosterPerson[],
  accounts: readonly DirectoryAccount[],
  opts: LeaversOptions,
): LeaversReport {
  const attr = opts.idAttribute;
  const leaving = people.filter((p) => p.leavingDate !== undefined && p.leavingDate <= opts.asOf);

  // Everyone on the roster takes part (a leaver's namesake who stays must not lend them an account).
  const byId = new Map<string, RosterPerson[]>();
  const byAccount = new Map<string, RosterPerson[]>();
  for (const p of people) {
    if (p.id.trim() !== '') push(byId, matchKey(p.id), p);
    if (p.account !== undefined && p.account.trim() !== '') push(byAccount, matchKey(p.account), p);
  }

  // One pass over the accounts (tens of thousands); the roster side is indexed.
  const idHits = new Map<RosterPerson, DirectoryAccount[]>();
  const accountHits = new Map<RosterPerson, DirectoryAccount[]>();
  const heldElsewhere = new Map<string, [string, DirectoryAccount][]>();
  const idOf = new Map<DirectoryAccount, string[]>();
  for (const a of accounts) {
    const ids = attributeValues(a, attr)
      .map(matchKey)
      .filter((v) => v !== '');
    if (ids.length > 0) idOf.set(a, ids);
    for (const v of ids) for (const p of byId.get(v) ?? []) push(idHits, p, a);
    for (const k of accountKeys(a)) for (const p of byAccount.get(k) ?? []) push(accountHits, p, a);
  }

  // Strong matches (id, else account column) for every roster person; an account claimed twice is
  // nobody's until the roster or the directory is fixed.
  const strong = new Map<RosterPerson, Outcome>();
  const claimants = new Map<DirectoryAccount, RosterPerson[]>();
  for (const p of people) {
    const id = p.id.trim();
    const byIdHits = idHits.get(p) ?? [];
    const hits = byIdHits.length > 0 ? byIdHits : (accountHits.get(p) ?? []);
    if (hits.length === 0) continue;
    const by = byIdHits.length > 0 ? 'id' : 'account';
    const what = by === 'id' ? `${attr} ${shown(id)}` : `account ${shown(p.account ?? '')}`;
    const sharers =
      by === 'id' ? (byId.get(matchKey(id)) ?? []) : (byAccount.get(matchKey(p.account ?? '')) ?? []);
    if (hits.length > 1)
      strong.set(p, {
        kind: 'ambiguous',
        candidates: hits,
        reason: `${hits.length} accounts answer to ${what}: ${names(hits)}.`,
        action:
          by === 'id'
            ? `Give each person their own ${attr}: correct the account that holds someone else's id.`
            : `Map a roster column that names one account, or match on the MIS id (lifecycle.roster.columns.misId).`,
      });
    else if (sharers.length > 1)
      strong.set(p, {
        kind: 'ambiguous',
        candidates: hits,
        reason: `roster lines ${lines(sharers)} all give ${what}.`,
        action: 'Correct the MIS export so that each person has their own id, then check again.',
      });
    else {
      const a = hits[0] as DirectoryAccount;
      strong.set(p, { kind: 'matched', by, account: a, warnings: [] });
      push(claimants, a, p);
    }
  }
  for (const [a, ps] of claimants)
    if (ps.length > 1)
      for (const p of ps)
        strong.set(p, {
          kind: 'ambiguous',
          candidates: [a],
          reason: `account ${a.username} answers to roster lines ${lines(ps)}.`,
          action: `Correct ${attr} on ${a.username} or the roster, so that the account belongs to one person.`,
        });
  const taken = new Set(claimants.keys());

  // Names, for leavers with no strong match: exact key first, then without accents; each phase takes
  // its accounts before the next, so no account is given out twice.
  const unresolved = leaving.filter((p) => !strong.has(p));
  const outcome = new Map<RosterPerson, Outcome>(strong);
  for (const key of [nameKey, bareNameKey]) {
    const todo = unresolved.filter((p) => !outcome.has(p));
    if (todo.length === 0) break;
    const wanted = new Set(todo.map((p) => personKey(p.givenName, p.surname, key)).filter((k) => k !== ''));
    const byName = new Map<string, DirectoryAccount[]>();
    for (const a of accounts) {
      if (taken.has(a) || a.givenName === undefined || a.surname === undefined) continue;
      const k = personKey(a.givenName, a.surname, key);
      if (wanted.has(k)) push(byName, k, a);
    }
    // Rivals: everyone on the roster with this name whose account is not already settled by id.
    const rivals = new Map<string, RosterPerson[]>();
    for (const p of people) {
      const k = personKey(p.givenName, p.surname, key);
      if (wanted.has(k) && strong.get(p)?.kind !== 'matched') push(rivals, k, p);
    }
    for (const p of todo) {
      const k = personKey(p.givenName, p.surname, key);
      const id = matchKey(p.id);
      // An account that holds a different id belongs to someone else, whatever its name.
      const candidates = (byName.get(k) ?? []).filter(
        (a) => id === '' || !(idOf.get(a) ?? []).some((v) => v !== id),
      );
      if (candidates.length === 0) continue;
      const others = rivals.get(k) ?? [p];
      const accented = key === bareNameKey ? ' (ignoring accents)' : '';
      if (candidates.length === 1 && others.length === 1) {
        const a = candidates[0] as DirectoryAccount;
        taken.add(a);
        const why =
          id === '' ? `the roster row has no MIS id` : `no account holds ${attr} ${shown(p.id.trim())}`;
        outcome.set(p, {
          kind: 'matched',
          by: 'name',
          account: a,
          warnings: [`matched by name${accented} only: ${why}; write the id to ${attr} on ${a.username}`],
        });
      } else
        outcome.set(p, {
          kind: 'ambiguous',
          candidates,
          reason:
            others.length > 1
              ? `roster lines ${lines(others)} have this name${accented} and ${plural(candidates.length, 'account')} (${names(candidates)}) could be theirs.`
              : `${candidates.length} accounts have this name${accented}: ${names(candidates)}.`,
          action: `Write each person's MIS id to ${attr} on their account (or export the id column), so names are not needed.`,
        });
      for (const a of candidates) if (others.length > 1 || candidates.length > 1) taken.add(a);
    }
  }

  // Ids no account holds in the declared attribute: a second pass says where else they sit, if anywhere.
  const missing = new Set(
    leaving.filter((p) => !outcome.has(p) && p.id.trim() !== '').map((p) => matchKey(p.id)),
  );
  if (missing.size > 0)
    for (const a of accounts)
      for (const [name, v] of otherIdAttributes(a, attr)) {
        const k = matchKey(v);
        if (missing.has(k)) push(heldElsewhere, k, [name, a]);
      }

  const grace = opts.graceDays ?? 0;
  const leavers: LeaverResult[] = [];
  for (const p of leaving) {
    const leavingDate = p.leavingDate as string;
    const id = p.id.trim();
    let o = outcome.get(p);
    if (o === undefined) {
      const elsewhere = id === '' ? [] : (heldElsewhere.get(matchKey(id)) ?? []);
      const hint =
        elsewhere.length > 0
          ? ` ${shown(id)} is held in ${elsewhere.map(([n, a]) => `${n} of ${a.username}`).join(', ')}, not in ${attr}.`
          : '';
      o = {
        kind: 'unmatched',
        candidates: elsewhere.map(([, a]) => a),
        reason:
          (id === ''
            ? 'the roster row has no MIS id and no account has this name.'
            : `no account holds ${attr} ${shown(id)}, and none unambiguously has this name.`) + hint,
        action:
          elsewhere.length > 0
            ? `Declare lifecycle.roster.columns.directoryAttribute as the attribute that holds the id, or write the id to ${attr}.`
            : `Find the account by hand and write the MIS id to its ${attr}; if the account was deleted, remove the row from the roster export.`,
      };
    }
    const base = {
      line: p.line,
      id: p.id,
      ...(p.account !== undefined ? { account: p.account } : {}),
      givenName: p.givenName,
      surname: p.surname,
      role: p.role,
      leavingDate,
      withinGrace:
        opts.withinGrace !== undefined
          ? opts.withinGrace(leavingDate, opts.asOf)
          : grace > 0 && daysBetween(leavingDate, opts.asOf) <= grace,
    };
    if (o.kind !== 'matched') {
      leavers.push({
        ...base,
        state: o.kind,
        matchedBy: 'none',
        accounts: o.candidates.map((a) => accountState(a, leavingDate)),
        inLeaversOu: false,
        failing: true,
        reason: o.reason,
        action: o.action,
        warnings: [],
      });
      continue;
    }
    const acc = accountState(o.account, leavingDate);
    const warnings = [...o.warnings];
    const inLeaversOu = acc.ou === 'leavers';
    if (acc.state === 'disabled' && !inLeaversOu) warnings.push('disabled but not moved to the leavers OU');
    leavers.push({
      ...base,
      state: acc.state,
      matchedBy: o.by,
      accounts: [acc],
      inLeaversOu,
      failing: failingState(acc.state, base.withinGrace, inLeaversOu, opts.action),
      warnings,
    });
  }
  const counts: Record<LeaverState, number> = {
    unmatched: 0,
    ambiguous: 0,
    enabled: 0,
    'enabled-in-leavers-ou': 0,
    'logged-on-after-leaving': 0,
    disabled: 0,
  };
  for (const l of leavers) counts[l.state]++;
  return { asOf: opts.asOf, idAttribute: attr, leavers, counts, failures: leavers.filter(isFailing).length };
}

function plural(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}
