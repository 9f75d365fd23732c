/**
 * What the RouterOS dynamic providers do, kept in an ordinary module: the providers' methods load it
 * inside themselves (see routeros-object.dynamic.ts), so the serialized provider carries only a path,
 * never a module graph. Everything goes through the project's RouterOS client (devices/routeros).
 *
 * Writes are minimal: a property is set only when the router's value differs, so applying the same
 * declaration twice writes nothing the second time.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  parseRouterOsVersion,
  securityProfileComment,
  serviceAddressProperty,
} from '../../intent/routeros-capabilities.ts';
import { connectRouterOs, type RouterOsClient, type RouterOsRow } from '../../devices/routeros/client.ts';
import { MANAGED_TAG, type DesiredFilterRule, type ObjectMode } from '../../intent/types.ts';
import { withDefaults, withoutDefaults } from '../../devices/routeros/defaults.ts';
import {
  includesAll,
  normalise,
  ruleFromRow,
  samePropValue,
  sameRule,
  tagOf,
  union,
} from '../../intent/values.ts';
import {
  MATCHED_MENUS,
  eachOnItsOwn,
  ORDERED_MENUS,
  PATH_MENUS,
  nextId,
  quote,
  restoreTable,
  undoAdd,
  undoRemove,
  undoSet,
} from './routeros-undo.ts';

export { normalise, ruleFromRow, samePropValue, sameRule, tagOf } from '../../intent/values.ts';
export { undoAdd, undoRemove, undoSet } from './routeros-undo.ts';

/** How a provider reaches one router. `password` is a secret: it only ever travels as a Pulumi secret. */
export interface RouterConnection {
  device: string;
  host: string;
  port: number;
  user: string;
  password: string;
  /** api-ssl: the CA file (absolute path) and/or a pinned certificate fingerprint, and the name to verify. */
  tls?: { caFile?: string; fingerprint?: string; servername?: string };
  timeoutMs?: number;
  /**
   * Commit-confirm window in seconds (default 120): how long RouterOS waits before it reverts a guarded
   * change that was not confirmed over this connection's path.
   */
  confirmSeconds?: number;
}

export interface MenuObjectInputs {
  connection: RouterConnection;
  menu: string;
  mode: ObjectMode;
  key: Record<string, string>;
  props: Record<string, string>;
  secretProps?: string[];
  /** List properties where the router may hold more members than `props` names. */
  atLeast?: string[];
  /**
   * The change can cut the management path (bridge VLAN filtering, management addressing, service
   * restrictions): written under commit-confirm, reverted by the router unless the API answers again.
   */
  guard?: boolean;
  /** Policies the provisioner's group needs for the whole plan: checked before this object writes. */
  requires?: string[];
  /** What the whole plan takes the router to have (RouterPlan.assumes): checked before this object writes. */
  assumes?: string[];
}

export interface MenuObjectOutputs extends MenuObjectInputs {
  /** The router's `.id` for the object, when it has one. */
  routerId: string;
  /** It existed before schoolnet managed it: kept as declared, never removed by schoolnet. */
  adopted: boolean;
  /** Whether the object exists on the router (for `absent`: whether it came back). */
  present: boolean;
}

export interface FirewallInputs {
  connection: RouterConnection;
  rules: DesiredFilterRule[];
  /** Policies the provisioner's group needs for the whole plan: checked before the rules are written. */
  requires?: string[];
  /** What the whole plan takes the router to have (RouterPlan.assumes): checked before the rules are written. */
  assumes?: string[];
}

/** A rule schoolnet did not write: reported, never removed. */
export interface UnmanagedRule {
  id: string;
  chain: string;
  action: string;
  comment: string;
  matchers: string;
}

export interface FirewallOutputs extends FirewallInputs {
  unmanaged: UnmanagedRule[];
}

export const FILTER_MENU = '/ip/firewall/filter';

// ---------------------------------------------------------------- values

export function sameConnection(a: RouterConnection, b: RouterConnection): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

// ---------------------------------------------------------------- connection

export async function withRouter<T>(
  c: RouterConnection,
  fn: (client: RouterOsClient) => Promise<T>,
): Promise<T> {
  const tls = c.tls
    ? {
        ...(c.tls.caFile ? { ca: await readFile(c.tls.caFile, 'utf8') } : {}),
        ...(c.tls.fingerprint ? { fingerprint: c.tls.fingerprint } : {}),
        ...(c.tls.servername ? { servername: c.tls.servername } : {}),
      }
    : false;
  const timeout = c.timeoutMs ?? 10_000;
  const client = await connectRouterOs({
    device: c.device,
    host: c.host,
    port: c.port,
    user: c.user,
    password: c.password,
    tls,
    connectTimeoutMs: timeout,
    commandTimeoutMs: timeout,
  });
  try {
    return await fn(client);
  } finally {
    await client.close();
  }
}

// ---------------------------------------------------------------- menu objects

export function objectId(i: Pick<MenuObjectInputs, 'menu' | 'mode' | 'key'>): string {
  if (i.mode === 'singleton') return i.menu;
  return `${i.menu}?${Object.entries(i.key)
    .map(([k, v]) => `${k}=${v}`)
    .join('&')}`;
}

/**
 * Rows RouterOS makes itself (dynamic bridge VLAN entries for PVIDs, the 7.19+ /ip/service connection
 * rows, dynamic bridge ports of wifi interfaces) are not configuration: they cannot be changed, and a
 * lookup by name or key must not land on them.
 */
export function isConfigRow(r: RouterOsRow): boolean {
  return r.dynamic !== 'true' && r.connection !== 'true';
}

function vlanList(v: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (v ?? '').split(',')) {
    const [a, b] = part.split('-').map(Number);
    if (a === undefined || Number.isNaN(a)) continue;
    for (let x = a; x <= (b ?? a); x++) out.push(x);
  }
  return out;
}

/**
 * The row the inputs name, with every property `print` left out at its default filled in (an absent
 * property is the version's default, not a difference: devices/routeros/defaults.ts).
 */
async function find(
  client: RouterOsClient,
  i: MenuObjectInputs,
  version: readonly number[],
): Promise<RouterOsRow | undefined> {
  const full = (r: RouterOsRow | undefined) => (r === undefined ? r : withDefaults(i.menu, r, version));
  if (i.mode === 'singleton') return full((await client.print(i.menu))[0]);
  const rows = (await client.print(i.menu, { where: i.key })).filter(isConfigRow);
  if (rows[0] !== undefined || i.menu !== '/interface/bridge/vlan') return full(rows[0]);
  // Routers often hold one entry for several VLANs (`vlan-ids=10,20,30`); `?vlan-ids=10` does not match it.
  const wanted = Number(i.key['vlan-ids']);
  const { 'vlan-ids': _, ...rest } = i.key;
  const all = (await client.print(i.menu, { where: rest })).filter(isConfigRow);
  return full(all.find((r) => vlanList(r['vlan-ids']).includes(wanted)));
}

// ---------------------------------------------------------------- the router's version

/** The version the router runs (`/system/resource`). */
export async function routerVersion(client: RouterOsClient): Promise<number[]> {
  const row = (await client.print('/system/resource', { proplist: ['version'] }))[0];
  return parseRouterOsVersion(row?.version ?? '0.0');
}

/** The inputs in this version's property names: `available-from` on 7.24+, no security-profile comment before 7.15. */
export function forVersion(i: MenuObjectInputs, version: readonly number[]): MenuObjectInputs {
  if (i.menu === '/ip/service' && 'address' in i.props) {
    const name = serviceAddressProperty(version);
    if (name !== 'address') {
      const { address, ...props } = i.props;
      return { ...i, props: { ...props, [name]: address ?? '' } };
    }
  }
  if (i.menu === '/interface/wireless/security-profiles' && !securityProfileComment(version)) {
    const { comment: _c, ...props } = i.props;
    return { ...i, props };
  }
  return i;
}

// ---------------------------------------------------------------- the provisioner's policies

/**
 * Checks that the router has what the plan was made for (RouterPlan.assumes), before anything is written:
 * a plan made for another version or board (none declared, or a wrong one) is refused whole, naming the
 * router's version and board and what it lacks, instead of failing at the first Wi-Fi write with the
 * bridge and addresses already changed, or putting SSIDs in a VLAN wifi-qcom-ac ignores.
 */
export async function checkAssumptions(
  client: RouterOsClient,
  c: RouterConnection,
  assumes: readonly string[] | undefined,
): Promise<void> {
  if (assumes === undefined || assumes.length === 0) return;
  const lacks: string[] = [];
  for (const a of assumes) {
    if (a.startsWith('menu:')) {
      const menu = a.slice('menu:'.length);
      const missing = await client.print(menu, { proplist: ['.id'] }).then(
        () => false,
        (e: { detail?: { message?: string } }) => {
          if (/no such command/.test(String(e.detail?.message))) return true;
          throw e;
        },
      );
      if (missing) lacks.push(`${menu} (no such menu)`);
    } else if (a === 'datapath-vlan') {
      const qcomAc = await client.print('/system/package', {
        where: { name: 'wifi-qcom-ac' },
        proplist: ['name', 'available', 'disabled'],
      });
      if (qcomAc.some((p) => p.available !== 'true' && p.disabled !== 'true'))
        lacks.push('datapath.vlan-id (its wifi-qcom-ac radios have no datapath VLAN)');
    }
  }
  if (lacks.length === 0) return;
  const r = (await client.print('/system/resource', { proplist: ['version', 'board-name'] }))[0];
  throw new Error(
    `${c.device}: the plan needs ${lacks.join(' and ')}, which this router (RouterOS ${r?.version ?? '?'}, ${r?.['board-name'] ?? '?'}) does not have: nothing written. ` +
      `Declare routeros: { version, board } on the device so the plan is made for this router.`,
  );
}

/**
 * Checks that the login's group has every policy the plan needs, before anything is written (manual:
 * User: `write` changes configuration, `policy` is needed to add, change or remove users).
 */
export async function checkPolicies(
  client: RouterOsClient,
  c: RouterConnection,
  requires: readonly string[] | undefined,
): Promise<void> {
  if (requires === undefined || requires.length === 0) return;
  const user = (await client.print('/user', { where: { name: c.user }, proplist: ['name', 'group'] }))[0];
  // A login RouterOS does not list (RADIUS) cannot be checked here; its writes fail with the router's error.
  if (user === undefined) return;
  const group = user.group ?? '';
  const row = (
    await client.print('/user/group', { where: { name: group }, proplist: ['name', 'policy'] })
  )[0];
  const has = new Set((row?.policy ?? '').split(',').filter((p) => p !== '' && !p.startsWith('!')));
  const missing = requires.filter((p) => !has.has(p));
  if (missing.length > 0)
    throw new Error(
      `${c.device}: the RouterOS user ${c.user} is in group ${group}, which lacks the ${missing.join(', ')} ` +
        `polic${missing.length === 1 ? 'y' : 'ies'} this declaration needs (${requires.join(', ')})` +
        (missing.includes('policy') ? '; `policy` is needed to change or remove users such as admin' : '') +
        '. Nothing was written. Put the user in a group with those policies (for example full).',
    );
}

// ---------------------------------------------------------------- commit-confirm

/** A guarded change that would have cut management, rolled back by the router (`name` survives module copies). */
export class LockoutPrevented extends Error {
  override name = 'LockoutPrevented';
}

/**
 * Commit-confirm with RouterOS's own scheduler (manual: Scheduler): before a change that may cut the
 * management path, a scheduler entry is added whose script first removes itself and then undoes the
 * change; it runs once `confirmSeconds` after it was added. The change is confirmed (the entry removed)
 * only over a NEW API session on the declared path (host and port), so a change that lets the current
 * session live but refuses new ones is rolled back too. If no new session gets through, RouterOS reverts
 * the change on its own and this throws LockoutPrevented once the path answers again.
 * (Safe Mode, RouterOS's interactive equivalent, exists only in the console and WinBox, not in the API.)
 */
export async function commitConfirm(
  client: RouterOsClient,
  c: RouterConnection,
  what: string,
  undo: string,
  write: () => Promise<void>,
): Promise<void> {
  const seconds = c.confirmSeconds ?? 120;
  const name = `schoolnet-confirm-${randomBytes(4).toString('hex')}`;
  await client.add('/system/scheduler', {
    name,
    interval: `${seconds}s`,
    policy: 'read,write,policy,test',
    'on-event': `/system scheduler remove [find where name=${quote(name)}]; ${undo}`,
    comment: `schoolnet commit-confirm: reverts "${what}" unless confirmed`,
  });
  let writeError: unknown;
  try {
    await write();
  } catch (e) {
    writeError = e;
  }
  // Confirm over a new session on the declared management path.
  const confirmed = await withRouter(
    { ...c, timeoutMs: Math.min(c.timeoutMs ?? 10_000, 5000) },
    async (fresh) => {
      await fresh.remove('/system/scheduler', name);
      return true;
    },
  ).catch(() => false);
  if (confirmed) {
    if (writeError !== undefined) throw writeError;
    return;
  }
  // Nothing gets through: RouterOS reverts the change when the window ends. Wait for the path to return.
  const deadline = Date.now() + seconds * 1000 + Math.max(30_000, seconds * 1000);
  await sleep(seconds * 1000);
  for (;;) {
    const back = await withRouter(
      { ...c, timeoutMs: 3000 },
      async (fresh) =>
        (await fresh.print('/system/scheduler', { where: { name }, proplist: ['.id'] })).length === 0,
    ).catch(() => undefined);
    if (back === true)
      throw new LockoutPrevented(
        `${c.device}: ${what} would have cut the management path (${c.host}:${c.port}): no new API session ` +
          `got through, so RouterOS rolled the change back after ${seconds} s. Nothing of it remains; ` +
          'apply the VLAN table and the management VLAN interface first, or correct the declaration.',
      );
    if (Date.now() > deadline)
      throw new Error(
        `${c.device}: ${what} cut the management path (${c.host}:${c.port}) and the router has not answered ` +
          `since; its commit-confirm entry ${name} should have reverted it after ${seconds} s: check the router.`,
      );
    await sleep(1000);
  }
}

/** The desired properties whose value on the router differs. Secrets the router never prints are skipped. */
function differing(i: MenuObjectInputs, row: RouterOsRow): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(i.props)) {
    if (i.secretProps?.includes(k) && row[k] === undefined) continue;
    if (i.atLeast?.includes(k)) {
      if (!includesAll(v, row[k])) out[k] = union(v, row[k]);
    } else if (!samePropValue(k, row[k], v)) out[k] = v;
  }
  return out;
}

async function setProps(
  client: RouterOsClient,
  i: MenuObjectInputs,
  id: string | undefined,
  changed: Record<string, string>,
): Promise<void> {
  const values = Object.fromEntries(Object.entries(changed).filter(([, v]) => v !== ''));
  if (Object.keys(values).length > 0) await client.set(i.menu, id, values);
  for (const [k, v] of Object.entries(changed))
    if (v === '')
      await client.command(`${i.menu}/unset`, {
        ...(id === undefined ? {} : { numbers: id }),
        'value-name': k,
      });
}

/**
 * Removes `row` from `i.menu`: for an `absent` object on apply, and for an owned one on destroy. A removal
 * that can cut the management path (its address, interface, bridge port, VLAN entry, route, an input
 * rule or an address list a rule matches) goes under commit-confirm: the undo adds the item back with
 * every property it had, in its place in an ordered table.
 */
async function removeRow(
  client: RouterOsClient,
  i: MenuObjectInputs,
  row: RouterOsRow,
  version: readonly number[],
  what: string,
): Promise<void> {
  const id = row['.id'] ?? '';
  if (i.guard !== true && !PATH_MENUS.has(i.menu)) return client.remove(i.menu, id);
  const next = ORDERED_MENUS.has(i.menu)
    ? nextId((await client.print(i.menu, { proplist: ['.id', 'dynamic'] })).filter(isConfigRow), id)
    : undefined;
  // The add that undoes the removal names what the router printed; the rest comes back at its default.
  const undo = undoRemove(i.menu, withoutDefaults(i.menu, row, version), next);
  await commitConfirm(client, i.connection, what, undo, () => client.remove(i.menu, id));
}

/** Bring the router in line with the inputs; `adopted` carries over from an earlier state. */
async function converge(
  client: RouterOsClient,
  declared: MenuObjectInputs,
  adopted: boolean | undefined,
): Promise<MenuObjectOutputs> {
  const version = await routerVersion(client);
  const i = forVersion(declared, version);
  const row = await find(client, i, version);
  const base = {
    ...declared,
    routerId: row?.['.id'] ?? '',
    adopted: adopted ?? false,
    present: row !== undefined,
  };
  const c = declared.connection;
  let checked = false;
  const before = async (): Promise<void> => {
    if (!checked) {
      await checkPolicies(client, c, declared.requires);
      await checkAssumptions(client, c, declared.assumes);
    }
    checked = true;
  };
  const what = (verb: string) => `${verb} ${i.menu} ${JSON.stringify(i.key)}`;
  // What the input chain matches on (address lists, interface lists, routes, the rules themselves) can
  // cut the path whatever the planner said: an entry added to a list a drop rule reads is enough.
  const guarded = declared.guard === true || MATCHED_MENUS.has(i.menu);
  const update = async (id: string | undefined, current: RouterOsRow): Promise<void> => {
    const changed = differing(i, current);
    if (Object.keys(changed).length === 0) return;
    await before();
    if (guarded && id !== undefined)
      await commitConfirm(
        client,
        c,
        what(`set ${Object.keys(changed).join(', ')} on`),
        undoSet(i.menu, id, current, changed),
        () => setProps(client, i, id, changed),
      );
    else await setProps(client, i, id, changed);
  };
  switch (i.mode) {
    case 'absent':
      if (row) {
        await before();
        if (i.menu === '/user' && row.name === c.user)
          throw new Error(
            `${c.device}: the declaration removes the user ${c.user}, which schoolnet logs in as: refused`,
          );
        await removeRow(client, declared, row, version, what('remove'));
      }
      return { ...base, routerId: '', present: false };
    case 'existing':
      if (row) await update(row['.id'], row);
      return base;
    case 'singleton':
      if (row) await update(undefined, row);
      return { ...base, present: row !== undefined };
    case 'owned': {
      if (row && i.menu === '/interface/bridge/vlan' && row['vlan-ids'] !== i.key['vlan-ids']) {
        // An existing combined entry (`vlan-ids=10,20,30`) carries this VLAN: adopt it when it already has
        // what is declared; otherwise take this VLAN out of it into an entry of its own, so the change does
        // not spill onto the other VLANs.
        if (Object.keys(differing(i, row)).length === 0) return { ...base, adopted: true };
        await before();
        const rest = vlanList(row['vlan-ids']).filter((v) => String(v) !== i.key['vlan-ids']);
        await client.set(i.menu, row['.id'], { 'vlan-ids': rest.join(',') });
        const merged = Object.fromEntries(
          Object.entries({ ...i.key, ...i.props, ...differing(i, row) }).filter(([, v]) => v !== ''),
        );
        for (const k of i.atLeast ?? []) if (merged[k] !== undefined) merged[k] = union(merged[k], row[k]);
        const id = await client.add(i.menu, merged);
        return { ...base, routerId: id, present: true, adopted: false };
      }
      if (row) {
        await update(row['.id'], row);
        // An object found under our key that does not carry our tag existed before us.
        const ours = i.props.comment !== undefined && row.comment === i.props.comment;
        return { ...base, adopted: adopted ?? !ours };
      }
      await before();
      const add = Object.fromEntries(Object.entries({ ...i.key, ...i.props }).filter(([, v]) => v !== ''));
      let id = '';
      if (guarded)
        await commitConfirm(client, c, what('add'), undoAdd(i.menu, i.key), async () => {
          id = await client.add(i.menu, add);
        });
      else id = await client.add(i.menu, add);
      return { ...base, routerId: id, present: true };
    }
  }
}

export function checkObject(news: MenuObjectInputs): {
  inputs: MenuObjectInputs;
  failures: { property: string; reason: string }[];
} {
  const failures: { property: string; reason: string }[] = [];
  if (!/^(\/[a-z0-9][a-z0-9-]*)+$/.test(news.menu ?? ''))
    failures.push({ property: 'menu', reason: `not a RouterOS menu: ${news.menu}` });
  if (!['owned', 'existing', 'singleton', 'absent'].includes(news.mode))
    failures.push({ property: 'mode', reason: `unknown mode ${news.mode}` });
  if (news.mode !== 'singleton' && Object.keys(news.key ?? {}).length === 0)
    failures.push({ property: 'key', reason: 'an object needs at least one key property to be found again' });
  for (const [k, v] of Object.entries(news.props ?? {}))
    if (typeof v !== 'string')
      failures.push({ property: `props.${k}`, reason: 'RouterOS values are strings' });
  if (!news.connection?.host)
    failures.push({ property: 'connection', reason: 'the router connection needs a host' });
  return { inputs: news, failures };
}

export function diffObject(
  olds: MenuObjectOutputs,
  news: MenuObjectInputs,
): { changes: boolean; replaces: string[]; deleteBeforeReplace: boolean } {
  const replaces: string[] = [];
  if (olds.menu !== news.menu) replaces.push('menu');
  if (olds.mode !== news.mode) replaces.push('mode');
  if (JSON.stringify(olds.key) !== JSON.stringify(news.key)) replaces.push('key');
  const propsDiffer = Object.entries(news.props).some(([k, v]) =>
    news.atLeast?.includes(k) ? !includesAll(v, olds.props?.[k]) : !samePropValue(k, olds.props?.[k], v),
  );
  const gone = news.mode === 'owned' && olds.present === false;
  const back = news.mode === 'absent' && olds.present === true;
  const changes =
    replaces.length > 0 || propsDiffer || gone || back || !sameConnection(olds.connection, news.connection);
  return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
}

export async function createObject(i: MenuObjectInputs): Promise<{ id: string; outs: MenuObjectOutputs }> {
  const outs = await withRouter(i.connection, (c) => converge(c, i, undefined));
  return { id: objectId(i), outs };
}

export async function updateObject(
  olds: MenuObjectOutputs,
  news: MenuObjectInputs,
): Promise<{ outs: MenuObjectOutputs }> {
  return { outs: await withRouter(news.connection, (c) => converge(c, news, olds.adopted)) };
}

/** What the router holds now, in the same shape as the state (so `diff` shows drift). */
export async function readObject(
  id: string,
  olds: MenuObjectOutputs,
): Promise<{ id: string; props: MenuObjectOutputs }> {
  const { row, version } = await withRouter(olds.connection, async (c) => {
    const v = await routerVersion(c);
    return { row: await find(c, forVersion(olds, v), v), version: v };
  });
  if (olds.mode === 'absent')
    return { id, props: { ...olds, present: row !== undefined, routerId: row?.['.id'] ?? '' } };
  if (!row) {
    // Deleted behind schoolnet's back: an owned object is gone from the state (the next `up` adds it).
    if (olds.mode === 'owned') return { id: '', props: { ...olds, present: false } };
    return { id, props: { ...olds, present: false } };
  }
  const props: Record<string, string> = {};
  const renamed = olds.menu === '/ip/service' ? serviceAddressProperty(version) : 'address';
  const noComment = olds.menu === '/interface/wireless/security-profiles' && !securityProfileComment(version);
  for (const k of Object.keys(olds.props)) {
    const on = k === 'address' ? renamed : k;
    // The router never prints some secrets (passphrases), nor a comment it cannot hold: keep what was applied.
    props[k] =
      (olds.secretProps?.includes(k) && row[on] === undefined) || (k === 'comment' && noComment)
        ? (olds.props[k] ?? '')
        : (row[on] ?? '');
  }
  return { id, props: { ...olds, props, present: true, routerId: row['.id'] ?? '' } };
}

export async function deleteObject(olds: MenuObjectOutputs): Promise<void> {
  // Only what schoolnet added is removed: adopted, default, settings and absent objects stay.
  if (olds.mode !== 'owned' || olds.adopted) return;
  await withRouter(olds.connection, async (c) => {
    const version = await routerVersion(c);
    const row = await find(c, forVersion(olds, version), version);
    if (!row) return;
    // A combined entry (`vlan-ids=10,20`) was adopted, never ours.
    if (olds.menu === '/interface/bridge/vlan' && row['vlan-ids'] !== olds.key['vlan-ids']) return;
    // Someone replaced it with their own object under the same key: not ours to remove (a router that
    // cannot hold the comment, RouterOS < 7.15 security profiles, cannot tell: the state says it is ours).
    if (olds.props.comment !== undefined && row.comment !== undefined && row.comment !== olds.props.comment)
      return;
    const conn = olds.connection;
    if (olds.menu === '/user' && row.name === conn.user)
      throw new Error(
        `${conn.device}: destroying the user ${conn.user}, which schoolnet logs in as: refused`,
      );
    await checkPolicies(c, conn, olds.requires);
    // `pulumi destroy`, or a declaration that drops the object, is guarded as an `absent` removal is: a
    // VLAN entry, bridge port or address the management session rides on comes back if it cut the path.
    await removeRow(c, olds, row, version, `destroy ${olds.menu} ${JSON.stringify(olds.key)}`);
  });
}

// ---------------------------------------------------------------- firewall rules

export function sameRules(a: DesiredFilterRule[], b: DesiredFilterRule[]): boolean {
  return a.length === b.length && a.every((r, i) => sameRule(r, b[i]!));
}

function unmanagedOf(rows: RouterOsRow[]): UnmanagedRule[] {
  return rows
    .filter((r) => tagOf(r.comment) === undefined && r.dynamic !== 'true')
    .map((r) => {
      const rule = ruleFromRow(r);
      return {
        id: r['.id'] ?? '',
        chain: rule.chain,
        action: rule.action,
        comment: rule.comment,
        matchers: Object.entries(rule.props)
          .map(([k, v]) => `${k}=${v}`)
          .join(' '),
      };
    });
}

/** Make the tagged rules exactly `desired`, in order, at the top of the table; leave every other rule alone. */
async function applyRules(
  client: RouterOsClient,
  desired: DesiredFilterRule[],
  version: readonly number[],
): Promise<UnmanagedRule[]> {
  const rows = (await client.print(FILTER_MENU))
    .filter(isConfigRow)
    .map((r) => withDefaults(FILTER_MENU, r, version));
  const byTag = new Map<string, RouterOsRow[]>();
  for (const r of rows) {
    const t = tagOf(r.comment);
    if (t !== undefined) byTag.set(t, [...(byTag.get(t) ?? []), r]);
  }
  const wanted = new Set(desired.map((d) => d.id));
  const idOf = new Map<string, string>();
  for (const d of desired) {
    const [keep, ...dupes] = byTag.get(d.id) ?? [];
    for (const x of dupes) await client.remove(FILTER_MENU, x['.id'] ?? '');
    if (keep) {
      const actual = ruleFromRow(keep);
      const matcherKeys = (p: Record<string, string>) =>
        Object.keys(p)
          .filter((k) => k !== 'disabled' && k !== 'log')
          .sort()
          .join(',');
      if (actual.chain === d.chain && matcherKeys(actual.props) === matcherKeys(d.props)) {
        const changed: Record<string, string> = {};
        for (const [k, v] of Object.entries(d.props))
          if (!samePropValue(k, actual.props[k], v)) changed[k] = v;
        if (actual.action !== d.action) changed.action = d.action;
        if (actual.comment !== d.comment) changed.comment = d.comment;
        if (actual.props.disabled === 'yes') changed.disabled = 'no';
        if (actual.props.log === 'yes') changed.log = 'no';
        if (Object.keys(changed).length > 0) await client.set(FILTER_MENU, keep['.id'], changed);
        idOf.set(d.id, keep['.id'] ?? '');
        continue;
      }
      // Different matchers (one added or taken away by hand): replace the rule rather than patch it.
      await client.remove(FILTER_MENU, keep['.id'] ?? '');
    }
    idOf.set(
      d.id,
      await client.add(FILTER_MENU, { chain: d.chain, action: d.action, ...d.props, comment: d.comment }),
    );
  }
  // Tagged rules the declaration no longer has.
  for (const [t, list] of byTag)
    if (!wanted.has(t)) for (const r of list) await client.remove(FILTER_MENU, r['.id'] ?? '');

  const now = (await client.print(FILTER_MENU))
    .filter(isConfigRow)
    .map((r) => withDefaults(FILTER_MENU, r, version));
  // Target: the managed rules in order, then every other rule in its current order. Rules already in
  // the right relative order (the longest such run) stay; each other one moves once.
  const managedIds = desired.map((d) => idOf.get(d.id) ?? '');
  const target = [...managedIds, ...now.map((r) => r['.id'] ?? '').filter((id) => !managedIds.includes(id))];
  const rank = new Map(target.map((id, i) => [id, i]));
  const stay = longestIncreasing(now.map((r) => rank.get(r['.id'] ?? '') ?? -1).filter((x) => x >= 0));
  for (let t = target.length - 1; t >= 0; t--) {
    if (stay.has(t)) continue;
    await client.move(FILTER_MENU, target[t]!, target[t + 1]);
  }
  return unmanagedOf(now);
}

/** Values of the longest strictly increasing subsequence of `xs`. */
export function longestIncreasing(xs: number[]): Set<number> {
  const tails: number[] = []; // index into xs of the smallest tail of each length
  const prev: number[] = new Array<number>(xs.length).fill(-1);
  xs.forEach((x, i) => {
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (xs[tails[mid]!]! < x) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[i] = tails[lo - 1]!;
    tails[lo] = i;
  });
  const out = new Set<number>();
  for (let i = tails.at(-1) ?? -1; i >= 0; i = prev[i]!) out.add(xs[i]!);
  return out;
}

export function checkFirewall(news: FirewallInputs): {
  inputs: FirewallInputs;
  failures: { property: string; reason: string }[];
} {
  const failures: { property: string; reason: string }[] = [];
  const seen = new Set<string>();
  (news.rules ?? []).forEach((r, i) => {
    if (seen.has(r.id))
      failures.push({ property: `rules[${i}].id`, reason: `rule id ${r.id} appears twice` });
    seen.add(r.id);
    if (tagOf(r.comment) !== r.id)
      failures.push({ property: `rules[${i}].comment`, reason: `must start with ${MANAGED_TAG}${r.id}` });
  });
  if (!news.connection?.host)
    failures.push({ property: 'connection', reason: 'the router connection needs a host' });
  return { inputs: news, failures };
}

export function diffFirewall(olds: FirewallOutputs, news: FirewallInputs): { changes: boolean } {
  return { changes: !sameRules(olds.rules, news.rules) || !sameConnection(olds.connection, news.connection) };
}

/** What an input rule does, for comparing chains: its action and matchers (not its comment or id). */
function verdictKey(r: DesiredFilterRule): string {
  const props = Object.keys(r.props)
    .sort()
    .map((k) => `${k}=${normalise(k, r.props[k])}`);
  return `${r.action} ${props.join(' ')}`;
}

/**
 * The input chain after `applyRules` (the managed input rules in declared order, then every other input
 * rule in its current order) differs from the one the router evaluates now: in a rule, in its place (a
 * move), or by a rule added or removed. Such a change can cut the management path.
 */
export function inputChainChanges(rows: RouterOsRow[], desired: DesiredFilterRule[]): boolean {
  const input = rows.filter((r) => r.chain === 'input');
  const now = input.map((r) => verdictKey(ruleFromRow(r)));
  const after = [
    ...desired.filter((d) => d.chain === 'input').map(verdictKey),
    ...input.filter((r) => tagOf(r.comment) === undefined).map((r) => verdictKey(ruleFromRow(r))),
  ];
  return now.length !== after.length || now.some((k, n) => k !== after[n]);
}

/** The managed rules are exactly `desired`, in order, above every other rule: applying writes nothing. */
function inSync(rows: RouterOsRow[], desired: DesiredFilterRule[]): boolean {
  const tagged = rows.filter((r) => tagOf(r.comment) !== undefined);
  const firstOther = rows.findIndex((r) => tagOf(r.comment) === undefined);
  const lastOurs = rows.findLastIndex((r) => tagOf(r.comment) !== undefined);
  return (
    tagged.length === desired.length &&
    tagged.every((r, n) => sameRule(ruleFromRow(r), desired[n]!)) &&
    (firstOther < 0 || lastOurs < firstOther)
  );
}

/**
 * The managed rules, with any change to the input chain (which can cut the management path) under
 * commit-confirm: a rule added, changed or removed, or a rule moved to another place in the chain. The
 * undo puts the whole table back as it was: our rules removed, the other rules moved back into their
 * order, and our rules as they were added back where they were.
 */
async function applyGuarded(client: RouterOsClient, i: FirewallInputs): Promise<UnmanagedRule[]> {
  const c = i.connection;
  const version = await routerVersion(client);
  const rows = (await client.print(FILTER_MENU))
    .filter(isConfigRow)
    .map((r) => withDefaults(FILTER_MENU, r, version));
  if (inSync(rows, i.rules)) return applyRules(client, i.rules, version);
  await checkPolicies(client, c, i.requires);
  await checkAssumptions(client, c, i.assumes);
  if (!inputChainChanges(rows, i.rules)) return applyRules(client, i.rules, version);
  const ours = (r: RouterOsRow): boolean => tagOf(r.comment) !== undefined;
  const comments = [...rows.filter(ours).map((r) => r.comment ?? ''), ...i.rules.map((d) => d.comment)];
  const undo = restoreTable(FILTER_MENU, rows, comments, ours);
  let unmanaged: UnmanagedRule[] = [];
  await commitConfirm(client, c, 'changing the input chain', eachOnItsOwn(undo), async () => {
    unmanaged = await applyRules(client, i.rules, version);
  });
  return unmanaged;
}

export async function createFirewall(i: FirewallInputs): Promise<{ id: string; outs: FirewallOutputs }> {
  const unmanaged = await withRouter(i.connection, (c) => applyGuarded(c, i));
  return { id: `${FILTER_MENU}?tag=${MANAGED_TAG}`, outs: { ...i, unmanaged } };
}

export async function updateFirewall(news: FirewallInputs): Promise<{ outs: FirewallOutputs }> {
  const unmanaged = await withRouter(news.connection, (c) => applyGuarded(c, news));
  return { outs: { ...news, unmanaged } };
}

export async function readFirewall(
  id: string,
  olds: FirewallOutputs,
): Promise<{ id: string; props: FirewallOutputs }> {
  const rows = await withRouter(olds.connection, async (c) => {
    const version = await routerVersion(c);
    return (await c.print(FILTER_MENU)).filter(isConfigRow).map((r) => withDefaults(FILTER_MENU, r, version));
  });
  const rules = rows.filter((r) => tagOf(r.comment) !== undefined).map(ruleFromRow);
  return { id, props: { ...olds, rules, unmanaged: unmanagedOf(rows) } };
}

/**
 * `pulumi destroy` of the managed rules. Taking an input rule away changes what reaches the router (the
 * rule that let the API in, with a drop below it that schoolnet did not write), so a removal that touches
 * the input chain goes under commit-confirm; the undo puts the table back as it was.
 */
export async function deleteFirewall(olds: FirewallOutputs): Promise<void> {
  const ours = new Set(olds.rules.map((r) => r.id));
  const isOurs = (r: RouterOsRow): boolean => ours.has(tagOf(r.comment) ?? '');
  const conn = olds.connection;
  await withRouter(conn, async (c) => {
    const version = await routerVersion(c);
    const rows = (await c.print(FILTER_MENU))
      .filter(isConfigRow)
      .map((r) => withDefaults(FILTER_MENU, r, version));
    const gone = rows.filter(isOurs);
    const ids = gone.map((r) => r['.id'] ?? '');
    if (ids.length === 0) return;
    await checkPolicies(c, conn, olds.requires);
    if (!gone.some((r) => r.chain === 'input')) return c.remove(FILTER_MENU, ids);
    const undo = restoreTable(
      FILTER_MENU,
      rows,
      gone.map((r) => r.comment ?? ''),
      isOurs,
    );
    await commitConfirm(c, conn, 'removing the managed input rules', eachOnItsOwn(undo), () =>
      c.remove(FILTER_MENU, ids),
    );
  });
}
