/**
 * `collectDirectoryFacts`: the directory as the audit sees it, read-only, for AD (Samba AD DC) and
 * OpenLDAP with ppolicy: the effective password policy and fine-grained ones, every user account with its
 * state, the members of the declared admin groups, and (AD) computer objects.
 *
 * Everything is read over verified-TLS connections with read-only sessions; the account dump is one
 * search (./dump.ts) in pages of 5000, or unpaged from a Samba DC, whose paged searches cost it several
 * times as much. The whole collection is bounded by `opts.timeoutMs`.
 */
import type { Directory } from '../../inventory/types.ts';
import { type CollectOptions, DeviceError } from '../errors.ts';
import type {
  DirectoryAccount,
  DirectoryComputer,
  DirectoryFacts,
  DirectoryPasswordPolicy,
} from '../facts.ts';
import {
  AD_COMPUTER_ATTRS,
  AD_LEAVER_ATTRS,
  AD_USER_ATTRS,
  type AccountContext,
  adAccount,
  adComputer,
  adUserFilter,
  attachMembership,
  dnKey,
  OPENLDAP_GROUP_ATTRS,
  OPENLDAP_LEAVER_ATTRS,
  OPENLDAP_USER_ATTRS,
  openLdapAccount,
  openLdapGroupFilter,
  openLdapGroups,
  openLdapUserFilter,
  ouContext,
} from './accounts.ts';
import { type DirectoryReader, openDirectoryReader } from './client.ts';
import { directoryConnection, directoryName } from './connection.ts';
import { firstRdnValue } from './dn.ts';
import { dumpEntries, servesUnpaged } from './dump.ts';
import { and, eq } from './filter.ts';
import {
  AD_DOMAIN_POLICY_ATTRS,
  adDomainPolicy,
  FGPP_ATTRS,
  fgppPolicy,
  ppolicy,
  PPOLICY_ATTRS,
  ppolicyCheckModule,
  psoContainer,
} from './policy.ts';
import { lookup, type RawEntry, text, texts } from './values.ts';

export interface DirectoryTuning {
  /**
   * Concurrent partitions for the account dump (default 1 = one search). Partitions overlap page round
   * trips, which pays when latency dominates (a DC across a WAN); on a local directory the client's
   * parsing is the bottleneck and each partition costs the server a scan (slapd has no substring index
   * on uid), so measured on slapd with 50,000 users, 1 was fastest (test/bench/directory.ts).
   */
  partitions?: number;
  /**
   * Read the accounts in one unpaged search (paging only if the server stops it at a limit). Default: for
   * a Samba AD DC, whose paged searches cost it several times an unpaged one (./dump.ts servesUnpaged).
   */
  unpaged?: boolean;
  /** Extra account attributes to read and keep in `DirectoryAccount.attributes` (the roster's MIS id
   * attribute); set from `CollectOptions.accountAttributes`. */
  accountAttributes?: readonly string[];
  /**
   * Entries per page of the account dump (default 5000). Each page costs a round trip and the server's
   * setting up of the next page, during which nothing arrives: fewer, larger pages keep the stream
   * going (test/bench/directory.ts). Active Directory returns at most its MaxPageSize (1000) whatever is
   * asked ("Any value over 1000 will be ignored", learn.microsoft.com/previous-versions/ms180880); a
   * server that refuses the size (slapd's `size.pr` limit) is asked again with 1000 (./wire.ts).
   */
  pageSize?: number;
  /**
   * `collectDirectoryAccounts` keeps only the accounts this accepts, dropping the rest as they arrive
   * (`schoolnet leavers` keeps those that can meet the roster: checks/lib/leavers.ts leaversRelevance).
   * A promise of it lets the caller work it out (parse the roster) while the session connects and
   * binds: the dump starts once it settles, and if it rejects nothing is read and that is the error.
   */
  keep?: Keep | Promise<Keep>;
}

type Keep = (a: DirectoryAccount) => boolean;

const DEFAULTS = { partitions: 1, pageSize: 5000 };

function hostOf(url: string): string {
  try {
    return new URL(url).hostname;
  } catch {
    return url;
  }
}

/**
 * Run `fn` with a read-only session, the whole of it within `timeoutMs`. `abandonOn`, when given, is
 * something the caller works out meanwhile: if it rejects first, so does this, with its error, and the
 * session is dropped (even while still connecting) and `fn` never runs.
 */
export async function withDirectoryReader<T>(
  dir: Directory,
  opts: CollectOptions,
  fn: (r: DirectoryReader) => Promise<T>,
  abandonOn?: Promise<unknown>,
): Promise<T> {
  const name = directoryName(dir);
  let reader: DirectoryReader | undefined;
  let timer: NodeJS.Timeout | undefined;
  const stop = new AbortController();
  const give = (e: unknown) => {
    stop.abort(e);
    void reader?.close();
  };
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const e = new DeviceError(
        'E-TIMEOUT',
        name,
        `directory collection did not finish within ${opts.timeoutMs} ms`,
        {
          hint: 'The directory is slow or unreachable; raise the timeout for large directories.',
        },
      );
      give(e);
      reject(e);
    }, opts.timeoutMs);
  });
  expired.catch(() => undefined);
  const abandoned = abandonOn?.then(
    () => new Promise<never>(() => {}),
    (e: unknown) => {
      give(e);
      throw e;
    },
  );
  abandoned?.catch(() => undefined);
  try {
    const work = (async () => {
      const conn = await directoryConnection(dir, opts.resolveSecret, opts.timeoutMs);
      const opened = await openDirectoryReader(conn, stop.signal);
      if (stop.signal.aborted) {
        await opened.close();
        throw stop.signal.reason;
      }
      reader = opened;
      return fn(opened);
    })();
    // Settled after the race was decided elsewhere: nothing waits for it.
    work.catch(() => undefined);
    return await Promise.race(abandoned ? [work, expired, abandoned] : [work, expired]);
  } finally {
    clearTimeout(timer);
    await reader?.close();
  }
}

export async function collectDirectoryFacts(
  dir: Directory,
  opts: CollectOptions,
  tuning: DirectoryTuning = {},
): Promise<DirectoryFacts> {
  const now = opts.now?.() ?? new Date();
  const t = withAccountAttributes(tuning, opts);
  return withDirectoryReader(dir, opts, (r) => readDirectoryFacts(r, dir, now, t));
}

/**
 * Just the accounts, with the attributes the leavers check needs (ids, names, enabled, last logon, OU):
 * one partitioned dump, no policy or group reads. Fields it does not ask for are absent.
 */
export async function collectDirectoryAccounts(
  dir: Directory,
  opts: CollectOptions,
  tuning: DirectoryTuning = {},
): Promise<DirectoryAccount[]> {
  const keepLater = tuning.keep instanceof Promise ? tuning.keep : undefined;
  return withDirectoryReader(
    dir,
    opts,
    async (r) => {
      const ctx: AccountContext = { ous: ouContext(dir), adminMembers: new Set() };
      const t = withAccountAttributes(tuning, opts);
      // The dump starts as soon as the session is bound, even while `keep` is still being worked out
      // (the roster parsed): the accounts mapped meanwhile are held, and sifted once it settles. If it
      // rejects, withDirectoryReader drops the session and this never returns.
      let keep: Keep | undefined = keepLater === undefined ? (t.keep as Keep | undefined) : undefined;
      let known = keepLater === undefined;
      keepLater?.then(
        (k) => {
          keep = k;
          known = true;
        },
        () => undefined,
      );
      const held: DirectoryAccount[] = [];
      const unpaged = tuning.unpaged ?? (dir.kind === 'ad' && (await servesUnpaged(r)));
      const later = await dumpUsers(
        r,
        dir,
        t,
        true,
        (e) => {
          const a = keepAttributes(dir.kind === 'ad' ? adAccount(e, ctx) : openLdapAccount(e, ctx), e, t);
          if (!known) {
            held.push(a);
            return undefined;
          }
          return keep === undefined || keep(a) ? a : undefined;
        },
        true,
        unpaged,
      );
      if (held.length === 0) return later;
      const k = await keepLater;
      // In the order the directory sent them: the held ones came first.
      return [...(k === undefined ? held : held.filter(k)), ...later];
    },
    keepLater,
  );
}

export async function readDirectoryFacts(
  r: DirectoryReader,
  dir: Directory,
  now: Date,
  tuning: DirectoryTuning = {},
): Promise<DirectoryFacts> {
  const origin = { device: 'directory', host: hostOf(dir.url), collectedAt: now.toISOString() };
  const body = dir.kind === 'ad' ? await readAd(r, dir, tuning) : await readOpenLdap(r, dir, tuning);
  return { ...origin, kind: dir.kind, baseDn: dir.baseDn, ...body };
}

type Body = Omit<DirectoryFacts, 'device' | 'host' | 'collectedAt' | 'kind' | 'baseDn'>;

function withAccountAttributes(tuning: DirectoryTuning, opts: CollectOptions): DirectoryTuning {
  return opts.accountAttributes?.length ? { ...tuning, accountAttributes: opts.accountAttributes } : tuning;
}

/** The declared extra attributes' lower-case names, made once per list (not once per account). */
let lowerOf: { names: readonly string[]; lower: string[] } | undefined;

/** A value's non-blank text, added to `out`. */
function keepText(v: string | Buffer, out: string[]): void {
  const t = typeof v === 'string' ? v : v.toString('utf8');
  if (t.trim() !== '') out.push(t);
}

/** The declared extra attributes, by lower-case name (an attribute the entry lacks: no values). */
function keepAttributes(a: DirectoryAccount, e: RawEntry, tuning: DirectoryTuning): DirectoryAccount {
  const names = tuning.accountAttributes;
  if (names === undefined || names.length === 0) return a;
  if (lowerOf?.names !== names) lowerOf = { names, lower: names.map((n) => n.toLowerCase()) };
  const lower = lowerOf.lower;
  const out: Record<string, string[]> = {};
  for (let i = 0; i < names.length; i++) {
    const kept: string[] = [];
    const v = lookup(e, names[i] as string);
    if (Array.isArray(v)) for (const x of v) keepText(x, kept);
    else if (v !== undefined) keepText(v, kept);
    out[lower[i] as string] = kept;
  }
  a.attributes = out;
  return a;
}

/** The attributes to request: `attrs` and the declared extras, each named once (case-insensitively). */
function withExtra(attrs: string[], extra: readonly string[] | undefined): string[] {
  if (extra === undefined || extra.length === 0) return attrs;
  const seen = new Set(attrs.map((a) => a.toLowerCase()));
  const out = [...attrs];
  for (const a of extra)
    if (!seen.has(a.toLowerCase())) {
      seen.add(a.toLowerCase());
      out.push(a);
    }
  return out;
}

/** Every user account, mapped as it arrives; `lean` asks only for what the leavers check needs. */
function dumpUsers<T>(
  r: DirectoryReader,
  dir: Directory,
  tuning: DirectoryTuning,
  lean: boolean,
  map: (e: RawEntry) => T | undefined,
  exclusive: boolean,
  unpaged: boolean,
): Promise<T[]> {
  const ad = dir.kind === 'ad';
  const attrs = ad
    ? lean
      ? AD_LEAVER_ATTRS
      : AD_USER_ATTRS
    : lean
      ? OPENLDAP_LEAVER_ATTRS
      : OPENLDAP_USER_ATTRS;
  return dumpEntries(
    r,
    {
      base: dir.baseDn,
      filter: ad ? adUserFilter() : openLdapUserFilter(),
      attributes: withExtra(attrs, tuning.accountAttributes),
      partitionBy: ad ? 'sAMAccountName' : 'uid',
      partitions: tuning.partitions ?? DEFAULTS.partitions,
      pageSize: tuning.pageSize ?? DEFAULTS.pageSize,
      unpaged,
    },
    map,
    exclusive,
  );
}

/**
 * `read` on a second session of `r`'s, closed afterwards: the reads that run beside the account dump,
 * which has `r` to itself (and so starts without waiting for a second TLS handshake and bind). A dump
 * read unpaged leaves `r`'s one paged search free (slapd keeps one per connection): then `read` shares
 * `r`, and the directory is spared a second connection and bind (`share`).
 */
async function besideDump<T>(
  r: DirectoryReader,
  read: (other: DirectoryReader) => Promise<T>,
  share = false,
): Promise<T> {
  if (share) return read(r);
  const other = await r.fork();
  try {
    return await read(other);
  } finally {
    await other.close();
  }
}

/** Accounts mapped during the dump, memberships attached once the group reads are in. */
type Pending = { account: DirectoryAccount; key: string };

/** A declared admin group: a DN, or a CN looked up under the base. */
function isDn(s: string): boolean {
  return /^[A-Za-z][A-Za-z0-9-]*=/.test(s) && s.includes(',');
}

// ---------------------------------------------------------------- AD

async function optional<T>(p: Promise<T>, fallback: T): Promise<T> {
  try {
    return await p;
  } catch (e) {
    // Not there, or not readable by the audit account: report what can be read.
    if (
      e instanceof DeviceError &&
      (e.code === 'E-NOTFOUND' || e.code === 'E-PROTOCOL' || e.code === 'E-AUTH')
    )
      return fallback;
    throw e;
  }
}

/** A declared admin group found, and its direct `member` values. */
interface AdminGroupHead {
  dn: string;
  member: string[];
}

/**
 * Each declared admin group found (a CN looked up under the base) with its direct members: the round
 * trips that wait on the DC, read beside the account dump; what the members are is settled after it
 * (`adAdminMembers`).
 */
async function adAdminGroupHeads(r: DirectoryReader, dir: Directory): Promise<AdminGroupHead[]> {
  const heads: AdminGroupHead[] = [];
  // One after the other: these share one connection, where a DC allows one paged search.
  for (const g of dir.adminGroups) {
    let groupDn = g;
    if (!isDn(g)) {
      const found = await r.search({
        base: dir.baseDn,
        filter: and(eq('objectClass', 'group'), eq('cn', g)),
        attributes: ['cn'],
        pageSize: 0,
      });
      if (found.length !== 1 || !found[0])
        throw new DeviceError(
          'E-CONFIG',
          directoryName(dir),
          found.length === 0
            ? `admin group ${g} not found under ${dir.baseDn}`
            : `admin group name ${g} is ambiguous`,
          { hint: 'directory.adminGroups lists group CNs or DNs that exist in the directory.' },
        );
      groupDn = found[0].dn;
    }
    heads.push({ dn: groupDn, member: await groupMembers(r, dir, groupDn) });
  }
  return heads;
}

/** A group's direct `member` values (ranged past 1,500 values: the reader reads the rest). */
async function groupMembers(r: DirectoryReader, dir: Directory, gdn: string): Promise<string[]> {
  const [entry] = await r.search({ base: gdn, scope: 'base', attributes: ['member'], pageSize: 0 });
  if (!entry)
    throw new DeviceError('E-NOTFOUND', directoryName(dir), `admin group ${gdn} cannot be read`, {
      hint: 'The audit account needs read access to the admin groups and their members.',
    });
  return texts(entry, 'member');
}

/**
 * The transitive members of each declared admin group, expanded here from the groups' `member` values.
 *
 * AD can answer this itself with the in-chain matching rule (`memberOf:1.2.840.113556.1.4.1941:=`), but
 * the server then walks every person under the base: on Samba AD with 5,000 users that one search took
 * 550 ms idle and 4 s loaded, against 3 ms to read a group's `member` (test/bench/directory.ts). So: read
 * each group's members (ranged past 1,500 values; the declared groups' own were read beside the dump,
 * `heads`), name the ones the account dump already holds, read anything else once (a nested group is
 * followed, cycles once; a contact counts as a person as it does for the in-chain rule; computers and
 * foreign principals do not). test/directory-admin-nesting.test.ts holds the result equal to the
 * server's own in-chain answer.
 */
async function adAdminMembers(
  r: DirectoryReader,
  dir: Directory,
  heads: readonly AdminGroupHead[],
  known: ReadonlyMap<string, string>,
): Promise<{ members: Set<string>; byGroup: Record<string, string[]> }> {
  const members = new Set<string>();
  const byGroup: Record<string, string[]> = {};
  for (const head of heads) {
    const groupDn = head.dn;
    const names = new Map<string, string>();
    const groups = new Set<string>([dnKey(groupDn)]);
    let level = [groupDn];
    while (level.length > 0) {
      const next: string[] = [];
      for (const gdn of level) {
        const member = gdn === groupDn ? head.member : await groupMembers(r, dir, gdn);
        for (const m of member) {
          const key = dnKey(m);
          if (names.has(key) || groups.has(key)) continue;
          const user = known.get(key);
          if (user !== undefined) {
            names.set(key, user);
            continue;
          }
          // Not an account of the dump: a nested group, or something outside it. Unreadable is skipped,
          // as the in-chain search would not return it either.
          const [obj] = await optional(
            r.search({
              base: m,
              scope: 'base',
              attributes: ['objectClass', 'objectCategory', 'sAMAccountName'],
              pageSize: 0,
            }),
            [],
          );
          if (!obj) continue;
          const classes = texts(obj, 'objectClass').map((c) => c.toLowerCase());
          if (classes.includes('group')) {
            groups.add(key);
            next.push(m);
          } else if (/^cn=person,/i.test(text(obj, 'objectCategory') ?? ''))
            names.set(key, text(obj, 'sAMAccountName') ?? firstRdnValue(m));
        }
      }
      level = next;
    }
    for (const key of names.keys()) members.add(key);
    byGroup[firstRdnValue(groupDn)] = [...names.values()].sort();
  }
  return { members, byGroup };
}

async function readAd(r: DirectoryReader, dir: Directory, tuning: DirectoryTuning): Promise<Body> {
  // The account dump starts at once on this session; the rest is read meanwhile, one search at a time,
  // on a second one, or on this one when the dump is unpaged (besideDump).
  const bare: AccountContext = { ous: ouContext(dir), adminMembers: new Set() };
  const unpaged = tuning.unpaged ?? (await servesUnpaged(r));
  const [users, [head, psos, computers, recovery, adminHeads]] = await Promise.all([
    dumpUsers(
      r,
      dir,
      tuning,
      false,
      (e): Pending => {
        const key = dnKey(e.dn);
        return { account: keepAttributes(adAccount(e, bare, key), e, tuning), key };
      },
      true,
      unpaged,
    ),
    besideDump(
      r,
      async (r) =>
        [
          await r.search({
            base: dir.baseDn,
            scope: 'base',
            attributes: AD_DOMAIN_POLICY_ATTRS,
            pageSize: 0,
          }),
          // No filter on objectClass: an account without read access still sees the PSOs' names, and an
          // unreadable policy must be reported as such, not as absent.
          await optional(
            r.search({ base: psoContainer(dir.baseDn), scope: 'one', attributes: FGPP_ATTRS }),
            undefined,
          ),
          await r.search({
            base: dir.baseDn,
            filter: eq('objectClass', 'computer'),
            attributes: AD_COMPUTER_ATTRS,
          }),
          await optional(
            r.search({
              base: dir.baseDn,
              filter: eq('objectClass', 'msFVE-RecoveryInformation'),
              attributes: ['1.1'],
            }),
            undefined,
          ),
          // The admin groups and their direct members, while the dump still runs.
          await adAdminGroupHeads(r, dir),
        ] as const,
      unpaged,
    ),
  ]);
  const domain = head[0];
  if (!domain)
    throw new DeviceError('E-NOTFOUND', directoryName(dir), `the domain head ${dir.baseDn} cannot be read`, {
      hint: 'Check directory.baseDn.',
    });
  const passwordPolicy: DirectoryPasswordPolicy = { source: 'domain', ...adDomainPolicy(domain) };
  const readable = (e: RawEntry) => text(e, 'msDS-PasswordSettingsPrecedence') !== undefined;
  // The container itself not readable: say so, rather than report "no fine-grained policies".
  const unreadable = psos
    ? psos.filter((e) => !readable(e)).map((e) => `fine-grained password policy ${firstRdnValue(e.dn)}`)
    : [`fine-grained password policies (${psoContainer(dir.baseDn)})`];
  const fineGrainedPolicies = (psos ?? [])
    .filter(readable)
    .map((e): DirectoryPasswordPolicy => {
      const p = fgppPolicy(e);
      return {
        source: text(e, 'cn') ?? firstRdnValue(e.dn),
        ...p,
        appliesTo: p.appliesTo.map(firstRdnValue).sort(),
      };
    })
    .sort((a, b) => (a.precedence ?? 0) - (b.precedence ?? 0));
  const known = new Map<string, string>();
  for (const u of users) known.set(u.key, u.account.username);
  const admins = await adAdminMembers(r, dir, adminHeads, known);
  const ctx: AccountContext = { ous: bare.ous, adminMembers: admins.members };
  for (const u of users) attachMembership(u.account, u.key, ctx);
  // A BitLocker recovery object sits under its computer: its parent DN is the computer's.
  const withKey = recovery
    ? new Set(recovery.map((e) => dnKey(e.dn.replace(/^(?:[^,\\]|\\.)*,/, ''))))
    : undefined;
  return {
    passwordPolicy,
    fineGrainedPolicies,
    accounts: users.map((u) => u.account),
    computers: computers.map((e): DirectoryComputer => adComputer(e, withKey)),
    adminGroups: admins.byGroup,
    ...(unreadable.length > 0 ? { unreadable } : {}),
  };
}

// ---------------------------------------------------------------- OpenLDAP

/**
 * Which pwdPolicy entry is slapd's `ppolicy_default` is in slapd's configuration, not in the tree. So:
 * the only policy; else the one named `default`; else the one no account names in pwdPolicySubentry.
 */
function pickDefaultPolicy(policies: RawEntry[], referenced: Set<string>): RawEntry | undefined {
  if (policies.length <= 1) return policies[0];
  const named = policies.find((p) => (text(p, 'cn') ?? '').toLowerCase() === 'default');
  if (named) return named;
  const unreferenced = policies.filter((p) => !referenced.has(dnKey(p.dn)));
  return unreferenced.length === 1 ? unreferenced[0] : undefined;
}

async function readOpenLdap(r: DirectoryReader, dir: Directory, tuning: DirectoryTuning): Promise<Body> {
  const name = directoryName(dir);
  const bare: AccountContext = { ous: ouContext(dir), adminMembers: new Set() };
  // The group scan (a few entries, on this session) is usually in while the accounts are still arriving
  // on their own: from then on each account gets its groups and admin flag as it is mapped, and only
  // those mapped before are gone over again at the end.
  let groups:
    | {
        ctx: AccountContext;
        graph: ReturnType<typeof openLdapGroups>;
        adminGroupKeys: string[];
        adminMembersOf: Set<string>[];
      }
    | undefined;
  const early: DirectoryAccount[] = [];
  // Usernames of the admin groups' members found by DN (a few), for the adminGroups lists.
  const usernameOfAdmin = new Map<string, string>();
  // The accounts that name a policy, by the policy's key.
  const subentryOf = new Map<string, string[]>();
  const [accounts, policies] = await Promise.all([
    dumpUsers(
      r,
      dir,
      tuning,
      false,
      (e): DirectoryAccount => {
        const key = dnKey(e.dn);
        const account = keepAttributes(openLdapAccount(e, groups?.ctx ?? bare, key), e, tuning);
        if (groups === undefined) early.push(account);
        else if (groups.ctx.adminMembers.has(key)) usernameOfAdmin.set(key, account.username);
        const sub = text(e, 'pwdPolicySubentry');
        if (sub) {
          const k = dnKey(sub);
          const list = subentryOf.get(k);
          if (list) list.push(account.username);
          else subentryOf.set(k, [account.username]);
        }
        return account;
      },
      true,
      tuning.unpaged ?? false,
    ),
    besideDump(r, async (r) => {
      const entries = await r.search({
        base: dir.baseDn,
        filter: openLdapGroupFilter(),
        attributes: OPENLDAP_GROUP_ATTRS,
      });
      const graph = openLdapGroups(entries);
      const adminGroupKeys = dir.adminGroups.map((g) => {
        const key = isDn(g)
          ? dnKey(g)
          : [...graph.cnOf.entries()].find(([, cn]) => cn.toLowerCase() === g.toLowerCase())?.[0];
        if (key === undefined || !graph.cnOf.has(key))
          throw new DeviceError('E-CONFIG', name, `admin group ${g} not found under ${dir.baseDn}`, {
            hint: 'directory.adminGroups lists group CNs or DNs that exist in the directory.',
          });
        return key;
      });
      const adminMembersOf = adminGroupKeys.map((gk) => graph.membersOf(gk));
      const adminMembers = new Set<string>();
      for (const members of adminMembersOf) for (const m of members) adminMembers.add(m);
      groups = {
        ctx: { ous: bare.ous, adminMembers, groupsOf: graph.groupsOf, byUid: graph.byUid },
        graph,
        adminGroupKeys,
        adminMembersOf,
      };
      return r.search({
        base: dir.baseDn,
        filter: eq('objectClass', 'pwdPolicy'),
        attributes: PPOLICY_ATTRS,
      });
    }),
  ]);
  if (groups === undefined) throw new Error('unreachable: the group scan ended without its result');
  const { ctx, graph, adminGroupKeys, adminMembersOf } = groups;
  for (const a of early) {
    const key = dnKey(a.dn);
    attachMembership(a, key, ctx);
    if (ctx.adminMembers.has(key)) usernameOfAdmin.set(key, a.username);
  }
  const adminGroups: Record<string, string[]> = {};
  adminGroupKeys.forEach((gk, i) => {
    adminGroups[graph.cnOf.get(gk) ?? gk] = [...(adminMembersOf[i] as Set<string>)]
      .map((m) => (m.startsWith('uid:') ? m.slice(4) : usernameOfAdmin.get(m)))
      .filter((u): u is string => u !== undefined)
      .sort();
  });

  const def = pickDefaultPolicy(policies, new Set(subentryOf.keys()));
  if (!def)
    throw new DeviceError('E-NOTFOUND', name, `no default ppolicy entry found under ${dir.baseDn}`, {
      hint: 'slapd needs the ppolicy overlay with ppolicy_default pointing at a pwdPolicy entry the audit account can read.',
    });
  const fineGrainedPolicies = policies
    .filter((p) => p !== def)
    .map((p): DirectoryPasswordPolicy => ({
      source: p.dn,
      ...ppolicy(p),
      checkModule: ppolicyCheckModule(p),
      appliesTo: (subentryOf.get(dnKey(p.dn)) ?? []).sort(),
    }));
  return {
    passwordPolicy: { source: def.dn, ...ppolicy(def), checkModule: ppolicyCheckModule(def) },
    fineGrainedPolicies,
    accounts,
    computers: [],
    adminGroups,
  };
}
