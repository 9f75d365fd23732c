import {
  CATALOG,
  INTERFACE_MENUS,
  READ_ONLY,
  SINGLETON_READONLY,
  isPresent,
  knownProps,
  type MenuSpec,
  type RouterInfo,
} from './catalog.ts';
import { expandVlanIds, pathProblem, vlanMembers, type ManagementPath } from './path.ts';
import { QueryError, compileQuery } from './query.ts';
import { runScript, parseDuration } from './script.ts';
import type {
  CommandHandler,
  CommandResult,
  Request,
  RouterConfig,
  RouterUser,
  Row,
  SessionInfo,
  WriteRecord,
} from './types.ts';
import {
  choicesFor,
  defaultGroups,
  defaultsFor,
  missingProps,
  ruledProps,
  versionAtLeast,
} from './versions.ts';

export interface RouterModelOptions {
  /** The path API sessions arrive on; without one every session is admitted. */
  managementPath?: ManagementPath;
  /** The router's API ports, as the filter rules see them. */
  apiPort?: number;
  apiSslPort?: number;
}

/** The scheduler's own identity when it runs a script (manual: Scheduler, `policy`). */
const SCHEDULER: RouterUser = { name: '*sys', password: '', group: 'full' };

/**
 * The in-memory router behind the test server: the configuration (live, `config`), the commands RouterOS's
 * API accepts on it, and the log of every write. Kept free of sockets so it can be tested on its own.
 */

const WRITE_VERBS = new Set(['add', 'set', 'remove', 'move', 'enable', 'disable', 'comment', 'unset']);
const PRINT_FLAGS = new Set([
  'detail',
  'stats',
  'terse',
  'without-paging',
  'brief',
  'count-only',
  'from',
  '.proplist',
]);
const MIKROTIK_OUI = '48:8F:5A';
/**
 * Printed whatever their value: the item's flags (X disabled, D dynamic, I invalid, R running...), its
 * counters and the state RouterOS computes; `print` leaves out only configurable properties at default.
 */
const ALWAYS_PRINTED = [
  'name',
  'disabled',
  'dynamic',
  'invalid',
  'running',
  'inactive',
  'default',
  'expired',
  'connection',
  'bytes',
  'packets',
  'actual-mtu',
  'l2mtu',
  'creation-time',
  'status',
  'last-seen',
  'last-logged-in',
  'run-count',
  'owner',
];

type Trap = Extract<CommandResult, { kind: 'trap' }>;
const trap = (message: string, category?: number): Trap =>
  category === undefined ? { kind: 'trap', message } : { kind: 'trap', message, category };
// Categories as the API manual defines them: 0 missing item or command, 1 argument value failure,
// 2 command interrupted, 4 general failure.
const NO_PREFIX = trap('no such command prefix', 0);
const NO_COMMAND = trap('no such command', 0);
const NO_ITEM = trap('no such item', 0);
const NOT_ENOUGH = trap('not enough permissions (9)');
/** Bridge VLAN Table: dynamic entries cannot be changed (manual; mikrotik-manager#151). */
const DYNAMIC = trap('failure: can not change dynamic', 4);
/** 7.19+ /ip/service connection rows (terraform-provider-routeros #769). */
const ELSEWHERE = trap('failure: this is configured elsewhere', 4);

export function parseVersion(printed: string): number[] {
  const m = /^(\d+)\.(\d+)(?:\.(\d+))?/.exec(printed.trim());
  if (!m) throw new Error(`not a RouterOS version: ${JSON.stringify(printed)}`);
  return [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
}

export class RouterModel implements CommandHandler {
  readonly config: RouterConfig;
  readonly writes: WriteRecord[] = [];
  /** Scripts the scheduler ran: name, when, and what went wrong (if anything). */
  readonly schedulerRuns: { name: string; time: string; error?: string }[] = [];
  /** Called after anything changed outside a command (a scheduled script): the listener re-checks paths. */
  onChange: (() => void) | undefined;
  private nextId = 1;
  private readonly options: RouterModelOptions;
  private sessions: readonly SessionInfo[] = [];
  private readonly timers = new Map<Row, NodeJS.Timeout>();

  /** Takes ownership of `config` (pass a copy); numbers rows and checks the menus exist on this version. */
  constructor(config: RouterConfig, source = 'fixture', options: RouterModelOptions = {}) {
    this.options = options;
    this.config = config;
    for (const [menu, rows] of Object.entries(config.menus)) {
      if (!(menu in CATALOG)) throw new Error(`${source}: unknown menu ${menu}`);
      if (!Array.isArray(rows)) throw new Error(`${source}: ${menu} must be a list of rows`);
      for (const row of rows) {
        const id = row['.id'];
        if (id !== undefined && /^\*[0-9A-F]+$/.test(id))
          this.nextId = Math.max(this.nextId, parseInt(id.slice(1), 16) + 1);
      }
    }
    const resource = config.menus['/system/resource']?.[0];
    if (!resource?.version) throw new Error(`${source}: /system/resource must have one row with a version`);
    parseVersion(resource.version);
    const info = this.info;
    if ((config.menus['/user/group'] ?? []).length === 0)
      config.menus['/user/group'] = defaultGroups(info.version).map((g) => ({ ...g, skin: 'default' }));
    for (const [menu, spec] of Object.entries(CATALOG)) {
      const present = isPresent(menu, info);
      const rows = config.menus[menu];
      if (!present) {
        if (rows !== undefined && rows.length > 0) {
          throw new Error(
            `${source}: ${menu} does not exist on RouterOS ${resource.version} with its packages`,
          );
        }
        delete config.menus[menu];
        continue;
      }
      if (spec.kind === 'singleton' || SINGLETON_READONLY.has(menu)) {
        if (rows !== undefined && rows.length !== 1)
          throw new Error(`${source}: ${menu} is a singleton: give one row`);
        config.menus[menu] = [{ ...this.defaults(menu), ...(rows?.[0] ?? {}) }];
        continue;
      }
      // `.id` first, as RouterOS prints it; every property RouterOS always has takes its default.
      config.menus[menu] = (rows ?? []).map((row) => ({
        '.id': row['.id'] ?? this.newId(),
        ...(spec.kind === 'list' || spec.kind === 'ordered' ? this.defaults(menu) : {}),
        ...row,
      }));
    }
  }

  get info(): RouterInfo {
    const resource = this.config.menus['/system/resource']?.[0] ?? {};
    const version = parseVersion(resource.version ?? '0.0');
    const packages = new Set(
      (this.config.menus['/system/package'] ?? [])
        .filter((p) => p.disabled !== 'true' && p.available !== 'true')
        .map((p) => p.name ?? ''),
    );
    const board = resource['board-name'] ?? '';
    const routerboard = board !== 'CHR' && !/^x86/.test(board) && resource['architecture-name'] !== 'x86_64';
    return { version, packages, routerboard };
  }

  /** What `add` gives `menu`'s properties on this router's version (catalog + versions.ts DEFAULT_RULES). */
  defaults(menu: string): Record<string, string> {
    return defaultsFor(menu, CATALOG[menu]?.defaults, this.info.version);
  }

  /** The policies of a user's group (manual: User); `!x` entries deny. */
  policies(user: RouterUser): Set<string> {
    const group = (this.config.menus['/user/group'] ?? []).find((g) => g.name === user.group);
    return new Set((group?.policy ?? '').split(',').filter((p) => p !== '' && !p.startsWith('!')));
  }

  sessionsChanged(sessions: readonly SessionInfo[]): void {
    this.sessions = sessions;
  }

  /** Whether the management path still carries API packets (always, without a path model). */
  admits(state: 'new' | 'established', session: SessionInfo): boolean {
    return this.pathProblem(state, session.service) === undefined;
  }

  pathProblem(state: 'new' | 'established', service: 'api' | 'api-ssl' = 'api'): string | undefined {
    const path = this.options.managementPath;
    if (path === undefined) return undefined;
    return pathProblem(this.config, path, {
      state,
      service,
      apiPort: service === 'api' ? (this.options.apiPort ?? 8728) : (this.options.apiSslPort ?? 8729),
      serviceKey: versionAtLeast(this.info.version, '7.24') ? 'available-from' : 'address',
    });
  }

  /** Stops the scheduler's timers. */
  close(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  execute(req: Request, user: RouterUser, _session?: SessionInfo): CommandResult {
    const slash = req.command.lastIndexOf('/');
    const menu = req.command.slice(0, slash);
    const verb = req.command.slice(slash + 1);
    const isWrite = WRITE_VERBS.has(verb);
    let result: CommandResult;
    const policies = this.policies(user);
    if (menu === '' || !isPresent(menu, this.info)) result = NO_PREFIX;
    else if (verb === 'print' || verb === 'getall')
      result = policies.has('read') ? this.print(menu, req) : NOT_ENOUGH;
    else if (!isWrite) result = NO_COMMAND;
    else if (!policies.has('write')) result = NOT_ENOUGH;
    else if (CATALOG[menu]?.needsPolicy === true && !policies.has('policy')) result = NOT_ENOUGH;
    else result = this.write(menu, CATALOG[menu] as MenuSpec, verb, req);
    if (isWrite) {
      this.writes.push({
        command: req.command,
        args: { ...req.attrs },
        time: new Date().toISOString(),
        user: user.name,
        ok: result.kind !== 'trap',
        ...(result.kind === 'trap' ? { error: result.message } : {}),
      });
    }
    return result;
  }

  // ------------------------------------------------------------------ print

  private print(menu: string, req: Request): CommandResult {
    for (const key of Object.keys(req.attrs)) {
      if (!PRINT_FLAGS.has(key)) return trap(`unknown parameter ${key}`, 1);
    }
    let test: (row: Row) => boolean;
    try {
      test = compileQuery(req.query);
    } catch (e) {
      if (e instanceof QueryError) return trap(e.message, 1);
      throw e;
    }
    const spec = CATALOG[menu] as MenuSpec;
    let rows = this.printable(menu);
    const from = req.attrs.from;
    if (from !== undefined) {
      const found = this.resolve(menu, from);
      if (found === null) return NO_ITEM;
      const ids = new Set(found.map((r) => r['.id']));
      rows = rows.filter((r) => ids.has(r['.id']));
    }
    rows = rows.filter(test);
    if (req.attrs['count-only'] !== undefined) return { kind: 'done', ret: String(rows.length) };
    const proplist = req.attrs['.proplist']?.split(',').filter((p) => p !== '');
    const hidden = new Set([...(spec.writeOnly ?? []), ...missingProps(menu, this.info.version)]);
    const printEmpty = new Set(spec.printEmpty ?? []);
    // A plain print leaves out what holds its version's default; `detail` or a `.proplist` naming the
    // property brings it back (manual: API, print; Console, "print detail").
    const full = req.attrs.detail !== undefined || proplist !== undefined;
    const atDefault = full ? {} : this.defaults(menu);
    for (const k of ALWAYS_PRINTED) delete atDefault[k];
    const singleton = spec.kind === 'singleton' || SINGLETON_READONLY.has(menu);
    return {
      kind: 'rows',
      rows: rows.map((row) => {
        const out: Row = {};
        const keys = proplist ?? Object.keys(row);
        for (const key of keys) {
          const v = row[key];
          if (v === undefined || hidden.has(key) || (singleton && key === '.id')) continue;
          if (v === '' && !printEmpty.has(key)) continue;
          if (atDefault[key] === v && !printEmpty.has(key)) continue;
          out[key] = v;
        }
        return out;
      }),
    };
  }

  /** Rows as RouterOS prints them, with the values it computes. */
  private printable(menu: string): Row[] {
    if (menu === '/interface') return this.interfaceView();
    const rows = this.config.menus[menu] ?? [];
    if (menu === '/interface/vlan') {
      const view = new Map(this.interfaceView().map((r) => [r.name, r]));
      return rows.map((r) => {
        const parent = view.get(r.interface ?? '');
        return {
          ...r,
          'mac-address': r['mac-address'] ?? parent?.['mac-address'] ?? '',
          running: String(parent?.running === 'true' && r.disabled !== 'true'),
        };
      });
    }
    if (menu === '/interface/bridge')
      return rows.map((r) => ({ ...r, running: String(r.disabled !== 'true') }));
    if (menu === '/interface/bridge/vlan')
      return [...this.dynamicBridgeVlans(), ...rows.map((r) => ({ ...r }))];
    if (menu === '/interface/bridge/port')
      return [...rows.map((r) => ({ ...r })), ...this.dynamicBridgePorts()];
    if (menu === '/ip/service') return [...rows.map((r) => ({ ...r })), ...this.connectionRows()];
    if (menu === '/ip/address') {
      const names = this.interfaceNames();
      return rows.map((r) => ({
        ...r,
        network: networkOf(r.address ?? ''),
        'actual-interface': r.interface ?? '',
        invalid: String(!names.has(r.interface ?? '')),
      }));
    }
    return rows.map((r) => ({ ...r }));
  }

  /**
   * Bridge VLAN Table: with vlan-filtering on, RouterOS adds a dynamic entry for every PVID in use that no
   * static entry carries untagged (manual: Bridge VLAN Table), listed first and flagged dynamic.
   */
  private dynamicBridgeVlans(): Row[] {
    const out: Row[] = [];
    const statics = this.config.menus['/interface/bridge/vlan'] ?? [];
    const ports = [...(this.config.menus['/interface/bridge/port'] ?? []), ...this.dynamicBridgePorts()];
    for (const bridge of this.config.menus['/interface/bridge'] ?? []) {
      if (bridge['vlan-filtering'] !== 'true') continue;
      const name = bridge.name ?? '';
      const members = vlanMembers([], name, ports, bridge);
      for (const [vid, m] of [...members].sort((a, b) => a[0] - b[0])) {
        const staticUntagged = new Set(
          statics
            .filter((r) => r.bridge === name && expandVlanIds(r['vlan-ids'] ?? '').includes(vid))
            .flatMap((r) => (r.untagged ?? '').split(',')),
        );
        const dynamic = [...m.untagged].filter((p) => !staticUntagged.has(p));
        if (dynamic.length === 0) continue;
        out.push({
          '.id': `*${(0x800000 + parseInt((bridge['.id'] ?? '*0').slice(1), 16) * 0x1000 + vid).toString(16).toUpperCase()}`,
          bridge: name,
          'vlan-ids': String(vid),
          tagged: '',
          untagged: '',
          'current-tagged': '',
          'current-untagged': dynamic.sort().join(','),
          disabled: 'false',
          dynamic: 'true',
        });
      }
    }
    return out;
  }

  /**
   * The wifi package puts an interface with `datapath.bridge` on that bridge as a dynamic port whose PVID is
   * `datapath.vlan-id`; wifi-qcom-ac (802.11ac) has no datapath VLAN, so its port keeps PVID 1 (manual: WiFi).
   */
  private dynamicBridgePorts(): Row[] {
    const info = this.info;
    const menu = isPresent('/interface/wifi', info)
      ? '/interface/wifi'
      : isPresent('/interface/wifiwave2', info)
        ? '/interface/wifiwave2'
        : undefined;
    if (menu === undefined) return [];
    const qcomAc = info.packages.has('wifi-qcom-ac');
    const statics = new Set((this.config.menus['/interface/bridge/port'] ?? []).map((p) => p.interface));
    return (this.config.menus[menu] ?? [])
      .filter((w) => (w['datapath.bridge'] ?? '') !== '' && !statics.has(w.name) && w.disabled !== 'true')
      .map((w) => ({
        '.id': `*${(0x700000 + parseInt((w['.id'] ?? '*0').slice(1), 16)).toString(16).toUpperCase()}`,
        interface: w.name ?? '',
        bridge: w['datapath.bridge'] ?? '',
        pvid: qcomAc ? '1' : (w['datapath.vlan-id'] ?? '1'),
        'frame-types': 'admit-all',
        'ingress-filtering': 'true',
        disabled: 'false',
        dynamic: 'true',
      }));
  }

  /** 7.19+: /ip/service also lists live connections under the service's name (flags D, c). */
  private connectionRows(): Row[] {
    if (!versionAtLeast(this.info.version, '7.19')) return [];
    const port = (name: string) => this.config.menus['/ip/service']?.find((s) => s.name === name)?.port ?? '';
    return this.sessions.map((s) => ({
      '.id': `*${(0x600000 + s.id).toString(16).toUpperCase()}`,
      name: s.service,
      port: port(s.service),
      proto: 'tcp',
      local: s.local,
      remote: s.remote,
      dynamic: 'true',
      connection: 'true',
      disabled: 'false',
      invalid: 'false',
    }));
  }

  private interfaceView(): Row[] {
    const info = this.info;
    const out: Row[] = [];
    const running = new Map<string, boolean>();
    const vlans: Row[] = [];
    for (const menu of INTERFACE_MENUS) {
      if (!isPresent(menu, info)) continue;
      const type = CATALOG[menu]?.interfaceType as string;
      for (const r of this.config.menus[menu] ?? []) {
        const disabled = r.disabled === 'true';
        const row: Row = {
          '.id': r['.id'] ?? '',
          name: r.name ?? '',
          ...(r['default-name'] ? { 'default-name': r['default-name'] } : {}),
          type,
          mtu: r.mtu === 'auto' || r.mtu === undefined ? '1500' : r.mtu,
          'actual-mtu': r.mtu === 'auto' || r.mtu === undefined ? '1500' : r.mtu,
          'mac-address': r['mac-address'] ?? '',
          running: 'false',
          disabled: String(disabled),
          ...(r.comment ? { comment: r.comment } : {}),
        };
        const up = !disabled && (type === 'bridge' || r.running !== 'false');
        running.set(row.name as string, up);
        row.running = String(up);
        if (type === 'vlan') vlans.push(row);
        out.push(row);
      }
    }
    for (const row of vlans) {
      const src = this.config.menus['/interface/vlan']?.find((r) => r['.id'] === row['.id']);
      const parent = out.find((r) => r.name === src?.interface);
      row['mac-address'] = parent?.['mac-address'] ?? '';
      row.running = String(row.disabled !== 'true' && running.get(src?.interface ?? '') === true);
    }
    for (const extra of this.config.menus['/interface'] ?? []) out.push({ ...extra });
    return out;
  }

  private interfaceNames(): Set<string> {
    return new Set(this.interfaceView().map((r) => r.name ?? ''));
  }

  // ------------------------------------------------------------------ writes

  private write(menu: string, spec: MenuSpec, verb: string, req: Request): CommandResult {
    const kind = spec.kind;
    const ref = req.attrs['.id'] ?? req.attrs.numbers;
    if (ref !== undefined && verb !== 'add' && DYNAMIC_MENUS.has(menu)) {
      const computed = this.printable(menu).filter((r) => r.dynamic === 'true');
      const hit = ref.split(',').some((part) => computed.some((r) => r['.id'] === part));
      if (hit) return menu === '/ip/service' ? ELSEWHERE : DYNAMIC;
    }
    if (menu === '/system/scheduler') {
      const result = this.writeBase(menu, spec, kind, verb, req);
      this.arm();
      return result;
    }
    return this.writeBase(menu, spec, kind, verb, req);
  }

  private writeBase(
    menu: string,
    spec: MenuSpec,
    kind: MenuSpec['kind'],
    verb: string,
    req: Request,
  ): CommandResult {
    const lists = kind === 'list' || kind === 'ordered';
    switch (verb) {
      case 'add':
        return lists ? this.add(menu, spec, req.attrs) : NO_COMMAND;
      case 'set':
        return kind === 'readonly' ? NO_COMMAND : this.set(menu, spec, req.attrs);
      case 'remove':
        return lists ? this.remove(menu, req.attrs) : NO_COMMAND;
      case 'move':
        return kind === 'ordered' ? this.move(menu, req.attrs) : NO_COMMAND;
      case 'enable':
      case 'disable':
        if (!lists && kind !== 'fixed' && kind !== 'view') return NO_COMMAND;
        return this.setEach(menu, spec, req.attrs, { disabled: verb === 'disable' ? 'true' : 'false' });
      case 'comment':
        if (!lists && kind !== 'fixed' && kind !== 'view') return NO_COMMAND;
        return this.setEach(menu, spec, req.attrs, { comment: req.attrs.comment ?? '' });
      case 'unset':
        return lists || kind === 'fixed' || kind === 'singleton'
          ? this.unset(menu, spec, req.attrs)
          : NO_COMMAND;
      default:
        return NO_COMMAND;
    }
  }

  private add(menu: string, spec: MenuSpec, attrs: Record<string, string>): CommandResult {
    const { 'place-before': before, ...props } = attrs;
    if (before !== undefined && spec.kind !== 'ordered') return trap('unknown parameter place-before', 1);
    const missing = (spec.required ?? []).filter((p) => props[p] === undefined || props[p] === '');
    if (missing.length > 0) return trap(`missing value(s) of argument(s) ${missing.join(', ')}`, 1);
    if (menu === '/ip/address' && props.address !== undefined && !props.address.includes('/')) {
      props.address = `${props.address}/32`;
    }
    const result = this.check(menu, spec, props, undefined);
    if (!('props' in result)) return result;
    const checked = result.props;
    const rows = (this.config.menus[menu] ??= []);
    const id = this.newId();
    const row: Row = { '.id': id };
    if (spec.autoName !== undefined && checked.name === undefined)
      row.name = this.freeName(rows, spec.autoName);
    Object.assign(row, this.defaults(menu), checked);
    if (
      spec.interfaceType !== undefined &&
      spec.interfaceType !== 'vlan' &&
      row['mac-address'] === undefined
    ) {
      row['mac-address'] = macFor(id);
    }
    if (before !== undefined) {
      const at = rows.findIndex((r) => r['.id'] === before);
      if (at < 0) return NO_ITEM;
      rows.splice(at, 0, row);
    } else {
      rows.push(row);
    }
    return { kind: 'done', ret: id };
  }

  private set(menu: string, spec: MenuSpec, attrs: Record<string, string>): CommandResult {
    const { '.id': id, numbers, ...props } = attrs;
    if (spec.kind === 'singleton') {
      const row = this.config.menus[menu]?.[0] as Row;
      const result = this.check(menu, spec, props, row);
      if (!('props' in result)) return result;
      Object.assign(row, result.props);
      return { kind: 'done' };
    }
    const ref = id ?? numbers;
    if (ref === undefined) return trap('missing value(s) of argument(s) numbers', 1);
    return this.setEach(menu, spec, { '.id': ref }, props);
  }

  /** Applies the same properties to every item named by `.id`/`numbers`. */
  private setEach(
    menu: string,
    spec: MenuSpec,
    attrs: Record<string, string>,
    props: Record<string, string>,
  ): CommandResult {
    const ref = attrs['.id'] ?? attrs.numbers;
    if (ref === undefined) return trap('missing value(s) of argument(s) numbers', 1);
    const targets = this.resolve(menu, ref);
    if (targets === null) return NO_ITEM;
    for (const target of targets) {
      const [sourceMenu, row] = menu === '/interface' ? this.interfaceSource(target) : [menu, target];
      const sourceSpec = CATALOG[sourceMenu] as MenuSpec;
      const result = this.check(
        sourceMenu,
        menu === '/interface' ? (CATALOG['/interface'] as MenuSpec) : sourceSpec,
        props,
        row,
      );
      if (!('props' in result)) return result;
      const checked = result.props;
      const oldName = row.name;
      Object.assign(row, checked);
      if (checked.name !== undefined && oldName !== undefined && oldName !== checked.name) {
        this.renameReferences(sourceMenu, oldName, checked.name);
      }
    }
    return { kind: 'done' };
  }

  private remove(menu: string, attrs: Record<string, string>): CommandResult {
    const ref = attrs['.id'] ?? attrs.numbers;
    if (ref === undefined) return trap('missing value(s) of argument(s) numbers', 1);
    const targets = this.resolve(menu, ref);
    if (targets === null) return NO_ITEM;
    if (targets.some((r) => r.default === 'true')) return trap('failure: default item cannot be removed', 4);
    const gone = new Set(targets);
    this.config.menus[menu] = (this.config.menus[menu] ?? []).filter((r) => !gone.has(r));
    return { kind: 'done' };
  }

  private move(menu: string, attrs: Record<string, string>): CommandResult {
    const ref = attrs.numbers ?? attrs['.id'];
    if (ref === undefined) return trap('missing value(s) of argument(s) numbers', 1);
    const moving = this.resolve(menu, ref);
    if (moving === null) return NO_ITEM;
    const rows = this.config.menus[menu] ?? [];
    const destination = attrs.destination;
    let target: Row | undefined;
    if (destination !== undefined) {
      const found = this.resolve(menu, destination);
      if (found === null || found.length !== 1) return NO_ITEM;
      target = found[0];
    }
    const movingSet = new Set(moving);
    const ordered = rows.filter((r) => movingSet.has(r));
    const rest = rows.filter((r) => !movingSet.has(r));
    // Moving items before one of themselves leaves the order as it is.
    if (target !== undefined && movingSet.has(target)) return { kind: 'done' };
    rest.splice(target === undefined ? rest.length : rest.indexOf(target), 0, ...ordered);
    this.config.menus[menu] = rest;
    return { kind: 'done' };
  }

  private unset(menu: string, spec: MenuSpec, attrs: Record<string, string>): CommandResult {
    const name = attrs['value-name'];
    if (name === undefined) return trap('missing value(s) of argument(s) value-name', 1);
    const known = knownProps(spec);
    for (const p of ruledProps(menu)) known.add(p);
    for (const p of missingProps(menu, this.info.version)) known.delete(p);
    if (!known.has(name) || READ_ONLY.has(name) || (spec.required ?? []).includes(name)) {
      return trap(`unknown parameter ${name}`, 1);
    }
    let rows: Row[];
    if (spec.kind === 'singleton') rows = this.config.menus[menu] ?? [];
    else {
      const ref = attrs['.id'] ?? attrs.numbers;
      if (ref === undefined) return trap('missing value(s) of argument(s) numbers', 1);
      const found = this.resolve(menu, ref);
      if (found === null) return NO_ITEM;
      rows = found;
    }
    const fallback = this.defaults(menu)[name];
    for (const row of rows) {
      if (fallback === undefined) delete row[name];
      else row[name] = fallback;
    }
    return { kind: 'done' };
  }

  // ------------------------------------------------------------------ helpers

  /** Validates and normalises properties for add/set; returns a trap for the first problem. */
  private check(
    menu: string,
    spec: MenuSpec,
    props: Record<string, string>,
    current: Row | undefined,
  ): { props: Row } | Trap {
    const version = this.info.version;
    const known = knownProps(spec);
    for (const p of ruledProps(menu)) known.add(p);
    for (const p of missingProps(menu, version)) known.delete(p);
    const out: Row = {};
    for (const [key, raw] of Object.entries(props)) {
      if (READ_ONLY.has(key) || !known.has(key)) return trap(`unknown parameter ${key}`, 1);
      let v = raw;
      if (spec.booleans?.includes(key)) {
        const b = { yes: 'true', no: 'false', true: 'true', false: 'false' }[v];
        if (b === undefined) return trap(`value of ${key} must be yes or no`, 1);
        v = b;
      }
      const range = spec.integers?.[key];
      if (range !== undefined) {
        const n = Number(v);
        if (!/^\d+$/.test(v) || n < range[0] || n > range[1]) {
          return trap(`value of ${key} out of range (${range[0]}..${range[1]})`, 1);
        }
      }
      const choices = choicesFor(menu, key, version) ?? spec.choices?.[key];
      // A list property (`policy=read,write,!ftp`) is checked item by item.
      const items = key === 'policy' ? v.split(',').map((x) => x.replace(/^!/, '')) : [v];
      if (choices !== undefined && items.some((x) => !choices.includes(x)))
        return trap(`input does not match any value of ${key}`, 1);
      if (key === 'interval' && parseDuration(v) === undefined)
        return trap(`invalid value for argument ${key}`, 1);
      if (key === 'vlan-ids' && !validVlanIds(v)) return trap('invalid value for argument vlan-ids', 1);
      if (key === 'address' && menu === '/ip/address' && !/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/.test(v)) {
        return trap('invalid value for argument address', 1);
      }
      const target = spec.refs?.[key];
      if (target !== undefined && v !== '') {
        const names =
          target === 'interface'
            ? this.interfaceNames()
            : new Set((this.config.menus[target] ?? []).map((r) => r.name));
        for (const part of v.split(',')) {
          const name = part.startsWith('!') ? part.slice(1) : part;
          if (name !== '' && !names.has(name)) return trap(`input does not match any value of ${key}`, 1);
        }
      }
      out[key] = v;
    }
    const unique = spec.unique;
    const wanted = unique === undefined ? undefined : out[unique];
    // Interface names are unique across every interface menu (and /interface, which shows them all).
    const isInterface = CATALOG[menu]?.interfaceType !== undefined;
    if (unique !== undefined && wanted !== undefined && wanted !== current?.[unique]) {
      const taken = isInterface
        ? this.interfaceNames().has(wanted)
        : (this.config.menus[menu] ?? []).some((r) => r !== current && r[unique] === wanted);
      if (taken) {
        return trap(`failure: already have ${isInterface ? 'interface' : 'item'} with such ${unique}`, 4);
      }
    }
    return { props: out };
  }

  /** `.id` list (`*1,*2`) or names; null if any is missing. */
  private resolve(menu: string, ref: string): Row[] | null {
    const rows = menu === '/interface' ? this.interfaceView() : (this.config.menus[menu] ?? []);
    const found: Row[] = [];
    for (const part of ref.split(',')) {
      const row =
        rows.find((r) => r['.id'] === part) ?? rows.find((r) => r.name !== undefined && r.name === part);
      if (row === undefined) return null;
      if (!found.includes(row)) found.push(row);
    }
    return found;
  }

  private interfaceSource(viewRow: Row): [string, Row] {
    for (const menu of INTERFACE_MENUS) {
      const row = this.config.menus[menu]?.find((r) => r['.id'] === viewRow['.id']);
      if (row) return [menu, row];
    }
    const extra = this.config.menus['/interface']?.find((r) => r['.id'] === viewRow['.id']);
    return ['/interface', extra ?? viewRow];
  }

  /** RouterOS refers by id, so a rename shows everywhere; the model stores names, so it rewrites them. */
  private renameReferences(menu: string, from: string, to: string): void {
    const isInterface = CATALOG[menu]?.interfaceType !== undefined;
    for (const [path, spec] of Object.entries(CATALOG)) {
      for (const [prop, target] of Object.entries(spec.refs ?? {})) {
        if (target !== menu && !(isInterface && target === 'interface')) continue;
        for (const row of this.config.menus[path] ?? []) {
          const v = row[prop];
          if (v === undefined || v === '') continue;
          row[prop] = v
            .split(',')
            .map((p) => (p === from ? to : p === `!${from}` ? `!${to}` : p))
            .join(',');
        }
      }
    }
  }

  /** (Re)starts the scheduler's timers: an entry with an interval runs its script every interval. */
  private arm(): void {
    const rows = this.config.menus['/system/scheduler'] ?? [];
    for (const [row, timer] of this.timers)
      if (!rows.includes(row) || row.disabled === 'true') {
        clearTimeout(timer);
        this.timers.delete(row);
      }
    for (const row of rows) {
      if (this.timers.has(row) || row.disabled === 'true') continue;
      const ms = parseDuration(row.interval ?? '0s');
      if (ms === undefined || ms === 0) continue;
      const fire = (): void => {
        this.timers.delete(row);
        if (!(this.config.menus['/system/scheduler'] ?? []).includes(row)) return;
        row['run-count'] = String(Number(row['run-count'] ?? '0') + 1);
        const error = runScript(row['on-event'] ?? '', (req) => this.execute(req, SCHEDULER));
        this.schedulerRuns.push({
          name: row.name ?? '',
          time: new Date().toISOString(),
          ...(error === undefined ? {} : { error }),
        });
        this.arm();
        this.onChange?.();
      };
      const timer = setTimeout(fire, ms);
      timer.unref();
      this.timers.set(row, timer);
    }
  }

  private newId(): string {
    return `*${(this.nextId++).toString(16).toUpperCase()}`;
  }

  private freeName(rows: Row[], prefix: string): string {
    const taken = this.interfaceNames();
    for (const r of rows) taken.add(r.name ?? '');
    for (let n = 1; ; n++) if (!taken.has(`${prefix}${n}`)) return `${prefix}${n}`;
  }
}

/** Menus with rows RouterOS makes itself, which `set`/`remove` refuse. */
const DYNAMIC_MENUS = new Set(['/interface/bridge/vlan', '/interface/bridge/port', '/ip/service']);

function macFor(id: string): string {
  const n = parseInt(id.slice(1), 16);
  const hex = n.toString(16).toUpperCase().padStart(6, '0').slice(-6);
  return `${MIKROTIK_OUI}:${hex.slice(0, 2)}:${hex.slice(2, 4)}:${hex.slice(4, 6)}`;
}

function networkOf(cidr: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) return '';
  const ip = ((Number(m[1]) << 24) | (Number(m[2]) << 16) | (Number(m[3]) << 8) | Number(m[4])) >>> 0;
  const bits = Number(m[5]);
  const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
  const net = (ip & mask) >>> 0;
  return [net >>> 24, (net >>> 16) & 255, (net >>> 8) & 255, net & 255].join('.');
}

function validVlanIds(v: string): boolean {
  return v.split(',').every((part) => {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return false;
    const a = Number(m[1]);
    const b = Number(m[2] ?? m[1]);
    return a >= 1 && b <= 4094 && a <= b;
  });
}
