/**
 * The scripts commit-confirm leaves on the router: RouterOS console lines that put back what a guarded
 * change did (manual: Scripting, "Scripting language manual": commands, `[find where ...]`, quoted strings;
 * Console: `add ... place-before=`, `move numbers destination`, `remove`, `set`).
 *
 * - A `set` is undone by setting the properties back to the values printed before (a property `print`
 *   left out is its version's default, so the row must come through `withDefaults` first).
 * - An `add` is undone by removing what the key finds (the add's reply may never arrive).
 * - A removal is undone by adding the item back with every property it had, at the place it had in an
 *   ordered menu (`place-before=` the item that followed it).
 * - A move is undone by moving items back before the item that followed them (manual: Console, `move`:
 *   `numbers` are the items to move, `destination` the item they are placed before; without a
 *   destination they go to the end of the list).
 */

/** Quotes a value for a RouterOS script (manual: Scripting, strings: `\\`, `"` and `$` are escaped). */
export function quote(v: string): string {
  return `"${v.replace(/[\\"$]/g, (c) => `\\${c}`)}"`;
}

/** `/ip/address` -> `/ip address` (console syntax every version reads). */
export function consolePath(menu: string): string {
  const parts = menu.split('/').filter((p) => p !== '');
  return `/${parts.join(' ')}`;
}

/**
 * Properties RouterOS prints but computes itself: an `add` naming one is refused ("unknown parameter"),
 * so a re-add leaves them out (manual: each menu's read-only properties; Filter "Stats").
 */
const COMPUTED = new Set([
  '.id',
  '.nextid',
  '.dead',
  '.about',
  'bytes',
  'packets',
  'dynamic',
  'invalid',
  'running',
  'inactive',
  'default',
  'default-name',
  'actual-mtu',
  'actual-interface',
  'current-tagged',
  'current-untagged',
  'creation-time',
  'expired',
  'last-logged-in',
  'run-count',
  'next-run',
  'owner',
  'connection',
  'status',
  'active-address',
  'active-mac-address',
  'last-seen',
]);

/** Computed in some menus only. */
const COMPUTED_IN: Record<string, readonly string[]> = {
  '/ip/address': ['network'],
  '/interface/bridge': ['mac-address'],
  '/interface/vlan': ['mac-address'],
};

/** Ordered menus: an item's place decides what it does (firewall tables, manual: Filter, "from top to bottom"). */
export const ORDERED_MENUS = new Set([
  '/ip/firewall/filter',
  '/ip/firewall/nat',
  '/ip/firewall/mangle',
  '/ip/firewall/raw',
  '/ipv6/firewall/filter',
  '/ipv6/firewall/raw',
]);

/** Menus the input chain's rules read (lists, routes) or are (the tables): any write there is guarded. */
export const MATCHED_MENUS = new Set([
  '/ip/route',
  '/interface/list',
  '/interface/list/member',
  '/ip/firewall/address-list',
  ...ORDERED_MENUS,
]);

/**
 * Menus where removing an item can cut the management path (its address, the VLAN interface or bridge it
 * sits on, the bridge ports and VLAN table that carry it, the routes to the provisioner, the input chain
 * and the address lists and interface lists its rules match): a removal there goes under commit-confirm
 * whatever the declaration says.
 */
export const PATH_MENUS = new Set([
  '/ip/address',
  '/interface/bridge',
  '/interface/bridge/port',
  '/interface/bridge/vlan',
  '/interface/vlan',
  ...MATCHED_MENUS,
]);

/** A printed value as the console takes it back (the API prints booleans `true`/`false`, the console reads both). */
function scriptWord(k: string, v: string): string {
  const word = k === 'comment' || k === 'name' ? v : ({ true: 'yes', false: 'no' }[v] ?? v);
  return `${k}=${quote(word)}`;
}

/** A script line that puts `props` back on item `id` (values as they were; empty ones emptied). */
export function undoSet(
  menu: string,
  id: string,
  before: Record<string, string>,
  changed: Record<string, string>,
): string {
  const words = Object.keys(changed).map((k) => scriptWord(k, before[k] ?? ''));
  return `${consolePath(menu)} set ${id} ${words.join(' ')}`;
}

/** A script line that removes what an `add` made, found by its key (the add's reply may never arrive). */
export function undoAdd(menu: string, key: Record<string, string>): string {
  const where = Object.entries(key)
    .map(([k, v]) => `${k}=${quote(v)}`)
    .join(' and ');
  return `${consolePath(menu)} remove [find where ${where}]`;
}

/** A script line that adds `row` back with every property it had (before item `next`, when given). */
export function undoRemove(menu: string, row: Record<string, string>, next?: string): string {
  const computed = new Set([...COMPUTED, ...(COMPUTED_IN[menu] ?? [])]);
  const words = Object.entries(row)
    .filter(([k, v]) => !computed.has(k) && v !== '')
    .map(([k, v]) => scriptWord(k, v));
  const place = next === undefined ? '' : ` place-before=${next}`;
  return `${consolePath(menu)} add ${words.join(' ')}${place}`;
}

/** The item that follows `id` among `rows` (in print order), or undefined when it is the last. */
export function nextId(rows: readonly Record<string, string>[], id: string): string | undefined {
  const at = rows.findIndex((r) => r['.id'] === id);
  return at < 0 ? undefined : rows[at + 1]?.['.id'];
}

/**
 * Each line on its own: one that fails (an item someone removed meanwhile) does not stop the lines after
 * it, as a failing command otherwise stops a RouterOS script (manual: Scripting, "Catch run-time errors":
 * `:do { ... } on-error={ ... }`).
 */
export function eachOnItsOwn(lines: readonly string[]): string {
  return lines.map((l) => `:do { ${l} } on-error={}`).join('; ');
}

/**
 * A script that puts an ordered table back as `before` printed it (configuration rows only, in order),
 * after a change that may add, change, remove and move the rows `isOurs` selects and move any row:
 * 1. remove every row of ours (by comment: the new ones have ids nobody knows yet);
 * 2. move the other rows back into their order (each before the one that followed it);
 * 3. add our rows back with the properties they had, each before the first other row that followed it.
 */
export function restoreTable(
  menu: string,
  before: readonly Record<string, string>[],
  ourComments: readonly string[],
  isOurs: (row: Record<string, string>) => boolean,
): string[] {
  const path = consolePath(menu);
  const lines: string[] = [];
  for (const c of [...new Set(ourComments)].sort())
    lines.push(`${path} remove [find where comment=${quote(c)}]`);
  const others = before.filter((r) => !isOurs(r));
  for (let n = others.length - 2; n >= 0; n--)
    lines.push(`${path} move ${others[n]!['.id']} destination=${others[n + 1]!['.id']}`);
  before.forEach((r, n) => {
    if (!isOurs(r)) return;
    const following = before.slice(n + 1).find((x) => !isOurs(x));
    lines.push(undoRemove(menu, r, following?.['.id']));
  });
  return lines;
}
