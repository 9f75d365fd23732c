import { readFileSync, readdirSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { CollectOptions } from '../../../devices/errors.ts';
import type { RouterFacts } from '../../../devices/facts.ts';
import type { Device } from '../../../inventory/types.ts';
import { allProfiles, applyProfile, type RouterProfile } from './profiles.ts';
import { DEFAULT_USERS, loadRouterFixture, startRouterOsServer } from './server.ts';
import type { Exchange, RouterConfig } from './types.ts';

/**
 * Recorded-replies scenarios for the contract test (`test/fixtures/routeros/recorded/<scenario>/`):
 * `replies.json` (what the router said to each command), `device.json` (the declaration used) and
 * `expected.json` (the facts). Recorded from the test server by `node test/support/routeros/scenarios.ts`;
 * read `expected.json` by eye before committing it: it is the contract.
 */
export const RECORDED_DIR = resolve(import.meta.dirname, '../../fixtures/routeros/recorded');
export const RECORDED_AT = new Date('2026-11-24T02:00:00Z');
const AUDITOR = DEFAULT_USERS[0] as (typeof DEFAULT_USERS)[0];

export interface Scenario {
  name: string;
  device: Device;
  exchanges: Exchange[];
  expected: RouterFacts;
}

/** Device as declared; host and port are the replay server's, filled in at run time. */
export function scenarioDevice(over: Partial<Device> = {}): Device {
  return {
    name: 'core-router',
    kind: 'router',
    driver: 'routeros',
    host: '127.0.0.1',
    credentials: { user: AUDITOR.name, password: 'env:ROUTER_PASSWORD' },
    insecure: true, // replayed over the plain API on loopback
    minFirmware: '7.14',
    ...over,
  };
}

export function scenarioOptions(): CollectOptions {
  return { resolveSecret: async () => AUDITOR.password, timeoutMs: 5000, now: () => RECORDED_AT };
}

export function loadScenarios(): Scenario[] {
  return readdirSync(RECORDED_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => {
      const read = <T>(file: string): T =>
        JSON.parse(readFileSync(join(RECORDED_DIR, d.name, file), 'utf8')) as T;
      return {
        name: d.name,
        device: { ...read<Device>('device.json'), insecure: true }, // replayed over the plain API on loopback
        exchanges: read<Exchange[]>('replies.json'),
        expected: read<RouterFacts>('expected.json'),
      };
    });
}

/** A router with the quirks real ones have: VLAN ranges, inline Wi-Fi overrides, a disabled rule, `!empty` replies (a CHR without RouterBOARD is the chr profiles). */
function quirks(): RouterConfig {
  const { config } = loadRouterFixture('good');
  const m = config.menus;
  m['/interface/bridge/vlan']?.push({
    bridge: 'bridge1',
    'vlan-ids': '100-102,200',
    tagged: 'bridge1,ether2',
    untagged: '',
  });
  const wifi = m['/interface/wifi'] ?? [];
  wifi.push({
    name: 'wifi4',
    'master-interface': 'wifi2',
    'configuration.ssid': 'Demo-Events',
    security: 'sec-guest',
    'security.authentication-types': 'wpa2-psk,wpa3-psk',
    disabled: 'true',
  });
  m['/ip/firewall/filter']?.splice(2, 0, {
    chain: 'input',
    action: 'accept',
    'src-address': '192.0.2.0/24',
    disabled: 'true',
    comment: 'old vendor access',
  });
  m['/system/history'] = [];
  return config;
}

/** The `good` router as each supported version and board would hold it (profiles.ts). */
function onProfile(p: RouterProfile): () => RouterConfig {
  return () => applyProfile(loadRouterFixture('good').config, p);
}

export const PROFILE_SCENARIOS = Object.fromEntries(
  allProfiles().map((p) => [`profile-${p.board}-${p.version}`, { fixture: onProfile(p) }]),
);

const SCENARIOS: Record<string, { fixture: string | (() => RouterConfig); device?: Partial<Device> }> = {
  demo: { fixture: 'demo' },
  good: { fixture: 'good' },
  bad: { fixture: 'bad' },
  legacy: { fixture: 'legacy', device: { wifiPackage: 'wireless' } },
  quirks: { fixture: quirks },
  ...PROFILE_SCENARIOS,
};

export async function recordScenario(name: string): Promise<void> {
  const { collectRouterFacts } = await import('../../../devices/routeros/collect.ts');
  const spec = SCENARIOS[name];
  if (spec === undefined)
    throw new Error(`unknown scenario ${name}; known: ${Object.keys(SCENARIOS).join(', ')}`);
  const server = await startRouterOsServer({
    fixture: typeof spec.fixture === 'string' ? spec.fixture : spec.fixture(),
    record: true,
  });
  try {
    const device = scenarioDevice(spec.device);
    const facts = await collectRouterFacts({ ...device, port: server.port }, scenarioOptions());
    const dir = join(RECORDED_DIR, name);
    mkdirSync(dir, { recursive: true });
    const json = (v: unknown): string => `${JSON.stringify(v, null, 2)}\n`;
    const exchanges = [...server.transcript].sort((a, b) =>
      (a.sentence[0] ?? '').localeCompare(b.sentence[0] ?? ''),
    );
    writeFileSync(join(dir, 'replies.json'), json(exchanges));
    writeFileSync(join(dir, 'device.json'), json(device));
    writeFileSync(join(dir, 'expected.json'), json(facts));
  } finally {
    await server.close();
  }
}

if (import.meta.main) {
  const names = process.argv.slice(2);
  for (const name of names.length > 0 ? names : Object.keys(SCENARIOS)) {
    await recordScenario(name);
    console.log(`recorded ${name} in ${join(RECORDED_DIR, name)}`);
  }
}
