/**
 * What the account-lifecycle provider does for one person on the roster (kept out of the provider
 * object; see directory-account-lifecycle.ts):
 * - a leaver's account is disabled and, with `disable-and-move`, moved to the leavers OU;
 * - anyone else has an account in their role's OU, member of the role group, enabled only once the
 *   acceptable-use agreement date is recorded where `requireAup` says so;
 * - a joiner without an account gets one, disabled or with a random initial password that must be
 *   changed at first logon (never stored, never output);
 * - accounts are never deleted unless `deleteAccounts: true`: by default delete only forgets.
 * AD disables with the userAccountControl ACCOUNTDISABLE bit, OpenLDAP with the ppolicy admin lock.
 * Every lookup uses an escaped filter; only what differs is written.
 */
import { randomBytes, createHash } from 'node:crypto';
import type { DirectoryWriter, Modification } from '../../devices/ldap/client.ts';
import { PPOLICY_ADMIN_LOCK, UAC } from '../../devices/ldap/accounts.ts';
import { childDn, isUnder, parseDn, sameDn } from '../../devices/ldap/dn.ts';
import { and, eq, or } from '../../devices/ldap/filter.ts';
import { int, type RawEntry, text, texts } from '../../devices/ldap/values.ts';
import type { AccountIntent } from '../../intent/directory.ts';
import {
  connectionProblems,
  type DirectoryConnectionInputs,
  entryExists,
  type Failure,
  sameConnection,
  withWriter,
} from './directory-connection.ts';

/** The account the declaration and roster intend (intent/directory.ts), and where to apply it. */
export interface AccountLifecycleInputs extends AccountIntent {
  connection: DirectoryConnectionInputs;
  /**
   * An 802.1X canary account (lifecycle.canaries): the account exists even as a leaver (disabled, in
   * the leavers OU), and carries this known password (the agent's secret) from its creation, with no
   * change required at first logon, so a refusal can only come from its being disabled.
   */
  canaryPassword?: string;
}

export interface AccountLifecycleOutputs extends AccountLifecycleInputs {
  /** Whether the account exists (a leaver who never had one: false). */
  exists: boolean;
  dn: string;
  enabled: boolean;
  /** staff | pupils | leavers | other. */
  ou: string;
  inRoleGroup: boolean;
  /** schoolnet created the account. */
  created: boolean;
  /** schoolnet gave the account it created a random initial password (when it first enabled it). */
  passwordSet: boolean;
}

type Prior = Pick<AccountLifecycleOutputs, 'created' | 'passwordSet'>;
const NEW: Prior = { created: false, passwordSet: false };

export interface Desired {
  exists: boolean;
  enabled: boolean;
  ou: 'staff' | 'pupils' | 'leavers' | undefined;
  inRoleGroup: boolean;
}

/** What the roster asks for this person (undefined ou = leave it where it is). */
export function desiredState(i: AccountLifecycleInputs): Desired {
  if (i.leaver && i.canaryPassword !== undefined)
    return { exists: true, enabled: false, ou: 'leavers', inRoleGroup: false };
  if (i.leaver)
    return {
      exists: false,
      enabled: false,
      ou: i.leaverAction === 'disable-and-move' ? 'leavers' : undefined,
      inRoleGroup: false,
    };
  return { exists: true, enabled: !i.requireAup || !!i.aupSigned, ou: i.role, inRoleGroup: !!i.roleGroup };
}

// ---------------------------------------------------------------- check and diff

// sAMAccountName rules (no " / \ [ ] : ; | = , + * ? < > @, at most 20); uid kept to the same safe set.
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9._'-]{0,19}$/;

export async function checkAccount(
  news: AccountLifecycleInputs,
): Promise<{ inputs: AccountLifecycleInputs; failures: Failure[] }> {
  const failures: Failure[] = [...connectionProblems(news.connection)];
  if (!USERNAME.test(news.username ?? ''))
    failures.push({
      property: 'username',
      reason: `not a valid account name (letters, digits, . _ ' -, up to 20): ${JSON.stringify(news.username)}`,
    });
  for (const f of ['givenName', 'surname'] as const)
    // eslint-disable-next-line no-control-regex
    if (!news[f] || /[\u0000-\u001f]/.test(news[f]))
      failures.push({ property: f, reason: 'required, without control characters' });
  if (news.role !== 'staff' && news.role !== 'pupils')
    failures.push({ property: 'role', reason: 'must be staff or pupils' });
  if (news.leaverAction !== 'disable' && news.leaverAction !== 'disable-and-move')
    failures.push({ property: 'leaverAction', reason: 'must be disable or disable-and-move' });
  if (news.misId !== undefined) {
    // eslint-disable-next-line no-control-regex
    if (news.misId.trim() === '' || /[\u0000-\u001f\u007f]/.test(news.misId) || news.misId.length > 64)
      failures.push({ property: 'misId', reason: 'a non-empty id without control characters, up to 64' });
    if (!/^[A-Za-z][A-Za-z0-9-]{0,62}$/.test(news.idAttribute ?? ''))
      failures.push({
        property: 'idAttribute',
        reason: `not an attribute name: ${JSON.stringify(news.idAttribute)}`,
      });
  }
  if (
    news.canaryPassword !== undefined &&
    // eslint-disable-next-line no-control-regex
    (news.canaryPassword.length < 8 || /[\u0000-\u001f\u007f]/.test(news.canaryPassword))
  )
    failures.push({
      property: 'canaryPassword',
      reason: 'at least 8 characters, without control characters',
    });
  if (news.aupSigned !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(news.aupSigned))
    failures.push({ property: 'aupSigned', reason: 'an ISO date (yyyy-mm-dd)' });
  for (const k of ['staff', 'pupils', 'leavers'] as const) {
    const dn = news.ous?.[k];
    if (!dn || !isUnder(dn, news.connection?.baseDn ?? '\u0000'))
      failures.push({ property: `ous.${k}`, reason: `must be a DN under the base DN (got ${dn})` });
  }
  if (failures.length > 0) return { inputs: news, failures };
  // The OUs and the role group must exist now, not be discovered missing half-way through a change.
  try {
    await withWriter(news.connection, async (w) => {
      for (const k of ['staff', 'pupils', 'leavers'] as const)
        if (!(await entryExists(w, news.ous[k])))
          failures.push({ property: `ous.${k}`, reason: `${news.ous[k]} does not exist` });
      if (news.roleGroup && !(await groupDn(w, news.connection, news.roleGroup)))
        failures.push({
          property: 'roleGroup',
          reason: `group ${news.roleGroup} not found under ${news.connection.baseDn}`,
        });
    });
  } catch (e) {
    failures.push({
      property: 'connection',
      reason: `cannot reach the directory to check the input: ${(e as Error).message}`,
    });
  }
  return { inputs: news, failures };
}

/** What the live state must be for `news`, compared with what was last applied or read. */
export function diffAccount(
  olds: AccountLifecycleOutputs,
  news: AccountLifecycleInputs,
): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
  const replaces: string[] = [];
  if (olds.username !== news.username) replaces.push('username');
  if (olds.connection?.baseDn !== news.connection.baseDn || olds.connection?.kind !== news.connection.kind)
    replaces.push('connection');
  const want = desiredState(news);
  const stateDiffers =
    (want.exists && !olds.exists) ||
    (olds.exists &&
      (olds.enabled !== want.enabled ||
        (want.ou !== undefined && olds.ou !== want.ou) ||
        (want.inRoleGroup && !olds.inRoleGroup)));
  const inputsDiffer =
    !sameConnection(olds.connection, news.connection) ||
    [
      'role',
      'roleGroup',
      'leaver',
      'aupSigned',
      'requireAup',
      'leaverAction',
      'deleteAccounts',
      'misId',
      'idAttribute',
      'canaryPassword',
    ].some(
      (k) =>
        JSON.stringify(olds[k as keyof AccountLifecycleInputs]) !==
        JSON.stringify(news[k as keyof AccountLifecycleInputs]),
    ) ||
    JSON.stringify(olds.ous) !== JSON.stringify(news.ous);
  const changes = replaces.length > 0 || stateDiffers || inputsDiffer;
  return { changes, replaces, deleteBeforeReplace: false };
}

// ---------------------------------------------------------------- reading

const AD_ATTRS = ['sAMAccountName', 'userAccountControl'];
const LDAP_ATTRS = ['uid', 'pwdAccountLockedTime'];

async function groupDn(
  w: DirectoryWriter,
  c: DirectoryConnectionInputs,
  g: string,
): Promise<string | undefined> {
  if (/^[A-Za-z][A-Za-z0-9-]*=.+,/.test(g)) return (await entryExists(w, g)) ? g : undefined;
  const cls =
    c.kind === 'ad'
      ? eq('objectClass', 'group')
      : or(eq('objectClass', 'groupOfNames'), eq('objectClass', 'groupOfUniqueNames'));
  const found = await w.search({ base: c.baseDn, filter: and(cls, eq('cn', g)), attributes: ['1.1'] });
  return found.length === 1 ? found[0]?.dn : undefined;
}

async function findAccount(w: DirectoryWriter, i: AccountLifecycleInputs): Promise<RawEntry | undefined> {
  const ad = i.connection.kind === 'ad';
  const filter = ad
    ? and(eq('objectCategory', 'person'), eq('objectClass', 'user'), eq('sAMAccountName', i.username))
    : and(eq('objectClass', 'inetOrgPerson'), eq('uid', i.username));
  const attributes = [...(ad ? AD_ATTRS : LDAP_ATTRS), ...(i.idAttribute ? [i.idAttribute] : [])];
  const found = await w.search({ base: i.connection.baseDn, filter, attributes });
  if (found.length > 1)
    throw new Error(`${found.length} accounts are named ${i.username}: ${found.map((e) => e.dn).join('; ')}`);
  return found[0];
}

function ouOf(dn: string, ous: AccountLifecycleInputs['ous']): string {
  for (const k of ['leavers', 'staff', 'pupils'] as const) if (isUnder(dn, ous[k])) return k;
  return 'other';
}

async function isMember(w: DirectoryWriter, group: string, dn: string): Promise<boolean> {
  // A base search with a filter on member: one entry back or none, however large the group.
  const r = await w.search({
    base: group,
    scope: 'base',
    filter: eq('member', dn),
    attributes: ['1.1'],
    pageSize: 0,
  });
  return r.length > 0;
}

interface Live {
  entry?: RawEntry;
  enabled: boolean;
  ou: string;
  inRoleGroup: boolean;
  group?: string;
}

async function readLive(w: DirectoryWriter, i: AccountLifecycleInputs): Promise<Live> {
  const entry = await findAccount(w, i);
  const group = i.roleGroup ? await groupDn(w, i.connection, i.roleGroup) : undefined;
  if (!entry) return { enabled: false, ou: 'other', inRoleGroup: false, ...(group ? { group } : {}) };
  const enabled =
    i.connection.kind === 'ad'
      ? ((int(entry, 'userAccountControl') ?? 0) & UAC.ACCOUNTDISABLE) === 0
      : text(entry, 'pwdAccountLockedTime') !== PPOLICY_ADMIN_LOCK;
  return {
    entry,
    enabled,
    ou: ouOf(entry.dn, i.ous),
    inRoleGroup: group ? await isMember(w, group, entry.dn) : false,
    ...(group ? { group } : {}),
  };
}

function outputs(i: AccountLifecycleInputs, live: Live, prior: Prior): AccountLifecycleOutputs {
  return {
    ...i,
    exists: !!live.entry,
    dn: live.entry?.dn ?? '',
    enabled: live.enabled,
    ou: live.ou,
    inRoleGroup: live.inRoleGroup,
    created: prior.created,
    passwordSet: prior.passwordSet,
  };
}

// ---------------------------------------------------------------- writing

function initialPassword(): string {
  return `Init-${randomBytes(18).toString('base64url')}-9a`;
}

function ssha(password: string): string {
  const salt = randomBytes(8);
  return `{SSHA}${Buffer.concat([createHash('sha1').update(password).update(salt).digest(), salt]).toString('base64')}`;
}

function upnSuffix(baseDn: string): string {
  return parseDn(baseDn)
    .filter((r) => r.type.toLowerCase() === 'dc')
    .map((r) => r.value)
    .join('.');
}

async function createEntry(w: DirectoryWriter, i: AccountLifecycleInputs, ouDn: string): Promise<RawEntry> {
  const display = i.displayName ?? `${i.givenName} ${i.surname}`;
  if (i.connection.kind === 'ad') {
    // CN is the display name, as AD tools do; a namesake in the same OU gets the username added.
    let dn = childDn('CN', display, ouDn);
    if (await entryExists(w, dn)) dn = childDn('CN', `${display} (${i.username})`, ouDn);
    const attrs: Record<string, string | string[]> = {
      objectClass: ['top', 'person', 'organizationalPerson', 'user'],
      sAMAccountName: i.username,
      userPrincipalName: `${i.username}@${upnSuffix(i.connection.baseDn)}`,
      givenName: i.givenName,
      sn: i.surname,
      displayName: display,
      // Created disabled and without a password; enabling (below) sets one.
      userAccountControl: String(UAC.NORMAL_ACCOUNT | UAC.ACCOUNTDISABLE | UAC.PASSWD_NOTREQD),
    };
    if (i.mail) attrs['mail'] = i.mail;
    if (i.misId && i.idAttribute) attrs[i.idAttribute] = i.misId;
    await w.add(dn, attrs);
    await w.modify(dn, [
      {
        op: 'replace',
        attribute: 'userAccountControl',
        values: [String(UAC.NORMAL_ACCOUNT | UAC.ACCOUNTDISABLE)],
      },
    ]);
  } else {
    const attrs: Record<string, string | string[]> = {
      objectClass: ['inetOrgPerson'],
      uid: i.username,
      cn: display,
      sn: i.surname,
      givenName: i.givenName,
      displayName: display,
      // Locked until enabled below, which also sets a password.
      pwdAccountLockedTime: PPOLICY_ADMIN_LOCK,
    };
    if (i.mail) attrs['mail'] = i.mail;
    if (i.misId && i.idAttribute) attrs[i.idAttribute] = i.misId;
    await w.add(childDn('uid', i.username, ouDn), attrs);
  }
  const entry = await findAccount(w, i);
  if (!entry) throw new Error(`${i.username} was created but cannot be found again`);
  return entry;
}

/** A canary's known password: no change required at first logon (AD pwdLastSet -1 = now). */
async function setCanaryPassword(
  w: DirectoryWriter,
  i: AccountLifecycleInputs,
  dn: string,
  password: string,
): Promise<void> {
  if (i.connection.kind === 'ad')
    await w.modify(dn, [
      { op: 'replace', attribute: 'unicodePwd', values: [Buffer.from(`"${password}"`, 'utf16le')] },
      { op: 'replace', attribute: 'pwdLastSet', values: ['-1'] },
    ]);
  else await w.modify(dn, [{ op: 'replace', attribute: 'userPassword', values: [ssha(password)] }]);
}

/** `fresh`: an account schoolnet created and has not yet given a password. */
async function setEnabled(
  w: DirectoryWriter,
  i: AccountLifecycleInputs,
  entry: RawEntry,
  enabled: boolean,
  fresh: boolean,
) {
  if (i.connection.kind === 'ad') {
    const uac = int(entry, 'userAccountControl') ?? UAC.NORMAL_ACCOUNT;
    const next = enabled ? uac & ~UAC.ACCOUNTDISABLE : uac | UAC.ACCOUNTDISABLE;
    const changes: Modification[] = [];
    // A new account has no password: give it a random one that must be changed at first logon.
    if (enabled && fresh)
      changes.push(
        {
          op: 'replace',
          attribute: 'unicodePwd',
          values: [Buffer.from(`"${initialPassword()}"`, 'utf16le')],
        },
        { op: 'replace', attribute: 'pwdLastSet', values: ['0'] },
      );
    changes.push({ op: 'replace', attribute: 'userAccountControl', values: [String(next)] });
    await w.modify(entry.dn, changes);
  } else if (enabled) {
    const changes: Modification[] = [{ op: 'delete', attribute: 'pwdAccountLockedTime', values: [] }];
    if (fresh)
      changes.push(
        { op: 'replace', attribute: 'userPassword', values: [ssha(initialPassword())] },
        { op: 'replace', attribute: 'pwdReset', values: ['TRUE'] },
      );
    await w.modify(entry.dn, changes);
  } else {
    await w.modify(entry.dn, [
      { op: 'replace', attribute: 'pwdAccountLockedTime', values: [PPOLICY_ADMIN_LOCK] },
    ]);
  }
}

async function converge(
  w: DirectoryWriter,
  i: AccountLifecycleInputs,
  before: Prior,
): Promise<AccountLifecycleOutputs> {
  const want = desiredState(i);
  let live = await readLive(w, i);
  const prior = { ...before };
  if (!live.entry) {
    // A leaver without an account is already where the roster wants them.
    if (!want.exists) return outputs(i, live, prior);
    const created = await createEntry(w, i, i.ous[i.role]);
    prior.created = true;
    prior.passwordSet = false;
    if (i.canaryPassword !== undefined) {
      await setCanaryPassword(w, i, created.dn, i.canaryPassword);
      prior.passwordSet = true;
    }
    live = await readLive(w, i);
  }
  let entry = live.entry as RawEntry;
  await adoptId(w, i, entry);
  if (want.ou !== undefined && live.ou !== want.ou) {
    const rdn = parseDn(entry.dn)[0];
    if (!rdn) throw new Error(`cannot parse ${entry.dn}`);
    const target = childDn(rdn.type, rdn.value, i.ous[want.ou]);
    if (!sameDn(target, entry.dn)) await w.rename(entry.dn, target);
    live = await readLive(w, i);
    entry = live.entry as RawEntry;
  }
  if (live.enabled !== want.enabled) {
    const fresh = prior.created && !prior.passwordSet;
    await setEnabled(w, i, entry, want.enabled, fresh);
    if (want.enabled && fresh) prior.passwordSet = true;
  }
  if (want.inRoleGroup && live.group && !live.inRoleGroup)
    await w.modify(live.group, [{ op: 'add', attribute: 'member', values: [entry.dn] }]);
  return outputs(i, await readLive(w, i), prior);
}

/**
 * Adopting an account: write the person's MIS id to the declared attribute if it is empty. An account
 * that already holds a different id belongs to someone else by the directory's own record: stop before
 * any change to it, naming both ids, rather than relabel it.
 */
async function adoptId(w: DirectoryWriter, i: AccountLifecycleInputs, entry: RawEntry): Promise<void> {
  if (!i.misId || !i.idAttribute) return;
  const held = texts(entry, i.idAttribute).filter((v) => v.trim() !== '');
  if (held.some((v) => v.trim().toLowerCase() === (i.misId as string).trim().toLowerCase())) return;
  if (held.length > 0)
    throw new Error(
      `${entry.dn} holds ${i.idAttribute} ${held.join(', ')}, but the roster gives ${i.username} the MIS id ${i.misId}: correct the roster or the account's ${i.idAttribute}, then apply again (nothing was changed on this account)`,
    );
  await w.modify(entry.dn, [{ op: 'replace', attribute: i.idAttribute, values: [i.misId] }]);
}

export function accountId(i: AccountLifecycleInputs): string {
  return `${i.connection.kind}:${i.connection.baseDn}:${i.username}`;
}

export async function createAccount(
  i: AccountLifecycleInputs,
): Promise<{ id: string; outs: AccountLifecycleOutputs }> {
  return { id: accountId(i), outs: await withWriter(i.connection, (w) => converge(w, i, NEW)) };
}

export async function updateAccount(
  olds: AccountLifecycleOutputs,
  news: AccountLifecycleInputs,
): Promise<{ outs: AccountLifecycleOutputs }> {
  return { outs: await withWriter(news.connection, (w) => converge(w, news, olds)) };
}

/** The account as the directory holds it now: enabled by hand, moved, removed from its group... */
export async function readAccount(
  id: string,
  olds: AccountLifecycleOutputs,
): Promise<{ id: string; props: AccountLifecycleOutputs }> {
  return withWriter(olds.connection, async (w) => ({
    id,
    props: outputs(olds, await readLive(w, olds), olds),
  }));
}

/** Forget the account, unless the stack explicitly allows deleting accounts. */
export async function deleteAccount(olds: AccountLifecycleOutputs): Promise<void> {
  if (!olds.deleteAccounts) return;
  await withWriter(olds.connection, async (w) => {
    const entry = await findAccount(w, olds);
    if (entry) await w.remove(entry.dn);
  });
}
