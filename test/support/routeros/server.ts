import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { serveApi, type ApiListener } from './listener.ts';
import { RouterModel } from './model.ts';
import type { ManagementPath } from './path.ts';
import { applyProfile, type RouterProfile } from './profiles.ts';
import type { FaultRule, RouterConfig, RouterUser, WriteRecord } from './types.ts';

export type { Fault, FaultRule, RouterConfig, RouterUser, Row, WriteRecord } from './types.ts';

/**
 * A faithful RouterOS API server for tests and the testbed (test support code, never shipped): the wire
 * protocol (listener.ts), an in-memory router loaded from a fixture (model.ts, catalog.ts), a log of every
 * write, and fault injection. Proven against Debian's python3-librouteros (routeros-librouteros.test.ts).
 */

export interface RouterOsServerOptions {
  host?: string;
  /** Plain api port; 0 or omitted picks a free one. */
  port?: number;
  /** api-ssl as well, on `tls.port` (a free one if omitted). */
  tls?: { cert: string | Buffer; key: string | Buffer; port?: number };
  /** A fixture name (`demo`, `good`, `bad`, `legacy`, `blank`), a path to a JSON file, or a config object. */
  fixture: RouterConfig | string;
  /**
   * A RouterOS version and board (profiles.ts): the fixture as that router would hold it, with that
   * version's menus, properties and replies. Without one, the fixture's own version and packages decide.
   */
  profile?: RouterProfile;
  /** Model the path API sessions arrive on (path.ts): a change that cuts it drops them. */
  managementPath?: ManagementPath;
  faults?: FaultRule[];
  /** Who may log in; DEFAULT_USERS when omitted. */
  users?: RouterUser[];
  /** Send `!empty` for empty results; by default when the fixture's RouterOS version is 7.18 or later. */
  emptyReplies?: boolean;
  /** Keep a transcript of commands and replies (for recording contract fixtures). */
  record?: boolean;
}

export interface RouterOsServer extends ApiListener {
  /** Every write received (add, set, remove, move, enable, disable, comment, unset), refused ones too. */
  writes: WriteRecord[];
  /** The live configuration: change it to simulate a change made outside the API. */
  config: RouterConfig;
  model: RouterModel;
}

/** `auditor` reads (the audits), `provisioner` writes (the Pulumi providers). */
export const DEFAULT_USERS: RouterUser[] = [
  { name: 'auditor', password: 'auditor-test-password', group: 'read' },
  { name: 'provisioner', password: 'provisioner-test-password', group: 'full' },
];

export const FIXTURE_DIR = resolve(import.meta.dirname, '../../fixtures/routeros');
export const FIXTURE_NAMES = ['demo', 'good', 'bad', 'legacy', 'blank'] as const;

/** A private copy of a fixture, by name, path or object. */
export function loadRouterFixture(fixture: RouterConfig | string): { config: RouterConfig; source: string } {
  if (typeof fixture !== 'string') return { config: structuredClone(fixture), source: 'fixture object' };
  const path = /[/\\]|\.json$/.test(fixture) ? resolve(fixture) : resolve(FIXTURE_DIR, `${fixture}.json`);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(
      `RouterOS fixture ${fixture}: cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`,
      { cause: e },
    );
  }
  try {
    return { config: JSON.parse(text) as RouterConfig, source: path };
  } catch (e) {
    throw new Error(`RouterOS fixture ${path}: not valid JSON: ${(e as Error).message}`, { cause: e });
  }
}

export async function startRouterOsServer(options: RouterOsServerOptions): Promise<RouterOsServer> {
  const { config, source } = loadRouterFixture(options.fixture);
  if (options.profile !== undefined) applyProfile(config, options.profile);
  // The logins exist as /user rows too (as on a router), so their group's policies can be read.
  const userRows = (config.menus['/user'] ??= []);
  for (const u of options.users ?? DEFAULT_USERS)
    if (!userRows.some((r) => r.name === u.name))
      userRows.push({ name: u.name, group: u.group, disabled: 'false' });
  const model = new RouterModel(config, source, {
    ...(options.managementPath === undefined ? {} : { managementPath: options.managementPath }),
  });
  const [major = 0, minor = 0] = model.info.version;
  const listener = await serveApi({
    ...(options.host === undefined ? {} : { host: options.host }),
    ...(options.port === undefined ? {} : { port: options.port }),
    ...(options.tls === undefined ? {} : { tls: options.tls }),
    handler: model,
    users: options.users ?? DEFAULT_USERS,
    emptyReplies: options.emptyReplies ?? (major > 7 || (major === 7 && minor >= 18)),
    faults: options.faults ?? [],
    record: options.record ?? false,
  });
  model.onChange = () => listener.recheck();
  const close = listener.close.bind(listener);
  return Object.assign(listener, {
    writes: model.writes,
    config: model.config,
    model,
    async close() {
      model.close();
      await close();
    },
  });
}
