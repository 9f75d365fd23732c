/**
 * What the RouterOS dynamic providers do, kept in an ordinary module: the providers' methods load it
 * inside themselves (see routeros-object.dynamic.ts), so the serialized provider carries only a path,
 * never a module graph. Everything goes through the project's RouterOS client (devices/routeros).
 *
 * Writes are minimal: a property is set only when the router's value differs, so applying the same
 * declaration twice writes nothing the second time.
 */
import { readFile } from 'node:fs/promises';
import { connectRouterOs, type RouterOsClient, type RouterOsRow } from '../../devices/routeros/client.ts';
import { MANAGED_TAG, type DesiredFilterRule, type ObjectMode } from '../../intent/types.ts';
import { includesAll, ruleFromRow, samePropValue, sameRule, tagOf, union } from '../../intent/values.ts';

export { normalise, ruleFromRow, samePropValue, sameRule, tagOf } from '../../intent/values.ts';

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

async function find(client: RouterOsClient, i: MenuObjectInputs): Promise<RouterOsRow | undefined> {
  if (i.mode === 'singleton') return (await client.print(i.menu))[0];
  const rows = await client.print(i.menu, { where: i.key });
  return rows[0];
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

/** Bring the router in line with the inputs; `adopted` carries over from an earlier state. */
async function converge(
  client: RouterOsClient,
  i: MenuObjectInputs,
  adopted: boolean | undefined,
): Promise<MenuObjectOutputs> {
  const row = await find(client, i);
  const base = { ...i, routerId: row?.['.id'] ?? '', adopted: adopted ?? false, present: row !== undefined };
  switch (i.mode) {
    case 'absent':
      if (row) await client.remove(i.menu, row['.id'] ?? '');
      return { ...base, routerId: '', present: false };
    case 'existing':
      if (row) await setProps(client, i, row['.id'], differing(i, row));
      return base;
    case 'singleton':
      if (row) await setProps(client, i, undefined, differing(i, row));
      return { ...base, present: row !== undefined };
    case 'owned': {
      if (row) {
        await setProps(client, i, row['.id'], differing(i, row));
        // An object found under our key that does not carry our tag existed before us.
        const ours = i.props.comment !== undefined && row.comment === i.props.comment;
        return { ...base, adopted: adopted ?? !ours };
      }
      const add = Object.fromEntries(Object.entries({ ...i.key, ...i.props }).filter(([, v]) => v !== ''));
      const id = await client.add(i.menu, add);
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
  const row = await withRouter(olds.connection, (c) => find(c, olds));
  if (olds.mode === 'absent')
    return { id, props: { ...olds, present: row !== undefined, routerId: row?.['.id'] ?? '' } };
  if (!row) {
    // Deleted behind schoolnet's back: an owned object is gone from the state (the next `up` adds it).
    if (olds.mode === 'owned') return { id: '', props: { ...olds, present: false } };
    return { id, props: { ...olds, present: false } };
  }
  const props: Record<string, string> = {};
  for (const k of Object.keys(olds.props)) {
    // The router never prints some secrets (passphrases): keep what was applied.
    props[k] = olds.secretProps?.includes(k) && row[k] === undefined ? (olds.props[k] ?? '') : (row[k] ?? '');
  }
  return { id, props: { ...olds, props, present: true, routerId: row['.id'] ?? '' } };
}

export async function deleteObject(olds: MenuObjectOutputs): Promise<void> {
  // Only what schoolnet added is removed: adopted, default, settings and absent objects stay.
  if (olds.mode !== 'owned' || olds.adopted) return;
  await withRouter(olds.connection, async (c) => {
    const row = await find(c, olds);
    if (!row) return;
    // Someone replaced it with their own object under the same key: not ours to remove.
    if (olds.props.comment !== undefined && row.comment !== olds.props.comment) return;
    await c.remove(olds.menu, row['.id'] ?? '');
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
async function applyRules(client: RouterOsClient, desired: DesiredFilterRule[]): Promise<UnmanagedRule[]> {
  const rows = (await client.print(FILTER_MENU)).filter((r) => r.dynamic !== 'true');
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

  const now = (await client.print(FILTER_MENU)).filter((r) => r.dynamic !== 'true');
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

export async function createFirewall(i: FirewallInputs): Promise<{ id: string; outs: FirewallOutputs }> {
  const unmanaged = await withRouter(i.connection, (c) => applyRules(c, i.rules));
  return { id: `${FILTER_MENU}?tag=${MANAGED_TAG}`, outs: { ...i, unmanaged } };
}

export async function updateFirewall(news: FirewallInputs): Promise<{ outs: FirewallOutputs }> {
  const unmanaged = await withRouter(news.connection, (c) => applyRules(c, news.rules));
  return { outs: { ...news, unmanaged } };
}

export async function readFirewall(
  id: string,
  olds: FirewallOutputs,
): Promise<{ id: string; props: FirewallOutputs }> {
  const rows = (await withRouter(olds.connection, (c) => c.print(FILTER_MENU))).filter(
    (r) => r.dynamic !== 'true',
  );
  const rules = rows.filter((r) => tagOf(r.comment) !== undefined).map(ruleFromRow);
  return { id, props: { ...olds, rules, unmanaged: unmanagedOf(rows) } };
}

export async function deleteFirewall(olds: FirewallOutputs): Promise<void> {
  const ours = new Set(olds.rules.map((r) => r.id));
  await withRouter(olds.connection, async (c) => {
    const rows = await c.print(FILTER_MENU, { proplist: ['.id', 'comment', 'dynamic'] });
    const ids = rows.filter((r) => ours.has(tagOf(r.comment) ?? '')).map((r) => r['.id'] ?? '');
    if (ids.length > 0) await c.remove(FILTER_MENU, ids);
  });
}
