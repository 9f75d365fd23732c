/**
 * Every example school applied, through the real dynamic providers, to every RouterOS version and board it
 * supports (test/support/routeros/profiles.ts): a second apply writes nothing, `destroy` removes exactly
 * what the apply created, and the audit of the applied router gives the same verdicts on every profile
 * (the drift report finds nothing; the checks engine's findings agree except where the version itself is
 * judged). A profile a school cannot run on is refused at plan time, naming the device, its version and
 * board, and the feature, before anything is written.
 *
 * Cost: one in-process server per school and profile; the schools of one profile run concurrently.
 */
import { readdirSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { auditSchool } from '../checks/engine/index.ts';
import { collectRouterFacts } from '../devices/routeros/collect.ts';
import { loadSchool } from '../inventory/load.ts';
import type { Device } from '../inventory/types.ts';
import { routerDrift } from '../intent/drift/router.ts';
import { planRouter, routerDevices } from '../intent/router.ts';
import { PlanError } from '../intent/types.ts';
import type { RouterConnection } from '../stacks/providers/routeros-ops.ts';
import { applyPlan, destroyPlan, reapply } from './support/routeros/apply.ts';
import {
  allProfiles,
  BETWEEN_PROFILES,
  blankProfile,
  type RouterProfile,
} from './support/routeros/profiles.ts';
import { startRouterOsServer, type RouterUser } from './support/routeros/server.ts';
import type { Row } from './support/routeros/types.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const SCHOOLS = readdirSync(`${ROOT}inventory/schools`).sort();
const FULL: RouterUser = { name: 'provisioner', password: 'provisioner-test-password', group: 'full' };
const NOW = new Date('2026-12-01T02:00:00Z');

/** Verdicts of the router's checks, by finding key: what must agree across profiles. */
type Verdicts = Record<string, string>;
const verdicts = new Map<string, Map<string, Verdicts>>();
const refused: string[] = [];

async function school(id: string, p: RouterProfile): Promise<Awaited<ReturnType<typeof loadSchool>>> {
  const loaded = await loadSchool(`${ROOT}inventory/schools/${id}/school.yaml`);
  for (const d of routerDevices(loaded.decl)) d.routeros = { version: p.version, board: p.board };
  return loaded;
}

/** The router as the test server serves it: plain api on its port (declared `insecure`, as the collector
 * refuses a plain API otherwise), the provisioning login. */
function onServer(d: Device, port: number): Device {
  const { tls: _tls, ...plain } = d;
  return {
    ...plain,
    host: '127.0.0.1',
    port,
    insecure: true,
    credentials: { user: FULL.name, password: 'env:X' },
  };
}

const ids = (rows: Record<string, Row[]>) =>
  new Set(Object.entries(rows).flatMap(([menu, list]) => list.map((r) => `${menu} ${r['.id']}`)));

/** Releases between the matrix's, where a threshold falls (7.10 hAP ax^3's first, 7.13 wifi, 7.18 !empty,
 * 7.19 connection rows, 7.24.x available-from): the same apply, audit and destroy, and the same verdicts. */
const BETWEEN = BETWEEN_PROFILES.filter(
  (p) => p.legacyWireless !== true && ['7.10', '7.13', '7.18.2', '7.19', '7.24.1'].includes(p.version),
);

describe.each([...allProfiles(), ...BETWEEN].map((p) => [`${p.board} on ${p.version}`, p] as const))(
  '%s',
  (_, p) => {
    test.concurrent.each(SCHOOLS)('%s: applied, re-applied with no write, audited, destroyed', async (id) => {
      const loaded = await school(id, p);
      const device = routerDevices(loaded.decl)[0]!;
      let plan;
      try {
        plan = planRouter(loaded.decl, device);
      } catch (e) {
        // Refused at plan time: the message names the device, its board and version, and the feature.
        expect(e).toBeInstanceOf(PlanError);
        expect((e as Error).message).toContain(`${device.name} (${p.board}, RouterOS ${p.version})`);
        refused.push(`${id} on ${p.board} ${p.version}: ${(e as Error).message}`);
        expect((e as Error).message).toMatch(/no radio|legacy wireless|WPA3|does not run|has no port/);
        return;
      }
      // A hAP ac^2 declared with the legacy package runs it (the owner installed wireless, not wifi-qcom-ac).
      const legacy = p.board === 'hap-ac2' && device.wifiPackage === 'wireless';
      const s = await startRouterOsServer({
        fixture: blankProfile({ ...p, ...(legacy ? { legacyWireless: true } : {}) }),
        users: [FULL],
      });
      try {
        const before = structuredClone(s.config.menus);
        const c: RouterConnection = {
          device: device.name,
          host: '127.0.0.1',
          port: s.port,
          user: FULL.name,
          password: FULL.password,
          timeoutMs: 5000,
        };
        const applied = await applyPlan(plan, c);
        expect(s.writes.filter((w) => !w.ok)).toEqual([]);

        // A second apply: nothing differs, nothing is written.
        const mark = s.writes.length;
        expect(await reapply(applied)).toEqual([]);
        expect(s.writes.slice(mark)).toEqual([]);

        // The audit reads back what was applied: no drift on any profile.
        const facts = await collectRouterFacts(onServer(device, s.port), {
          resolveSecret: async () => FULL.password,
          timeoutMs: 5000,
          now: () => NOW,
        });
        const drift = routerDrift(loaded.decl, device, facts);
        expect(
          drift.features.filter((f) => !f.compliant).map((f) => [f.feature, f.missing, f.extra, f.different]),
        ).toEqual([]);
        const run = await auditSchool(loaded, {
          now: NOW,
          clock: () => NOW,
          inputs: {
            collectors: {
              router: (d, o) =>
                collectRouterFacts(onServer(d, s.port), { ...o, resolveSecret: async () => FULL.password }),
              switch: async () => Promise.reject(new Error('not in this test')),
              switchCli: async () => Promise.reject(new Error('not in this test')),
              directory: async () => Promise.reject(new Error('not in this test')),
            },
          },
        });
        const mine: Verdicts = {};
        // Firmware checks judge the version itself: the one thing that may differ between profiles.
        // The SSID's interface is wlan-* on legacy wireless and wifi-* on the wifi package: same SSID.
        for (const f of run.findings)
          if (!f.checkId.includes('firmware')) mine[f.key.replace(/\((wlan|wifi)-/, '(ssid-')] = f.status;
        const bySchool = verdicts.get(id) ?? new Map<string, Verdicts>();
        verdicts.set(id, bySchool);
        bySchool.set(`${p.board}@${p.version}`, mine);
        const first = [...bySchool.values()][0]!;
        expect(mine).toEqual(first);

        // destroy: everything the apply added is gone, everything that was there stays (but `admin`).
        const added = [...ids(s.config.menus)].filter((k) => !ids(before).has(k));
        expect(added.length).toBeGreaterThan(0);
        await destroyPlan(applied);
        const after = ids(s.config.menus);
        expect(added.filter((k) => after.has(k))).toEqual([]);
        const kept = [...ids(before)].filter((k) => !after.has(k));
        const admin = before['/user']?.find((u) => u.name === 'admin')?.['.id'];
        expect(kept).toEqual(admin === undefined ? [] : [`/user ${admin}`]);
      } finally {
        await s.close();
      }
    });
  },
);

// A declaration without routeros: { version, board } is planned for a current router with 802.11ax radios.
// On a router that is not one, the providers check what the plan assumes before the first write and refuse
// the whole plan, naming the router's version and board and what it lacks: nothing is written (no bridge,
// no address, then a failure at the first Wi-Fi write), and no SSID is put in a VLAN its radio ignores.
describe('a plan made for another router is refused whole before anything is written', () => {
  test.each([
    [
      { version: '7.12.1', board: 'hap-ax3' },
      /needs \/interface\/wifi\/security \(no such menu\) and \/interface\/wifi \(no such menu\), which this router \(RouterOS 7\.12\.1 \(stable\), hAP ax\^3\)/,
    ],
    [
      { version: '6.49.7', board: 'hap-ac2' },
      /\/interface\/wifi \(no such menu\).*RouterOS 6\.49\.7 \(long-term\), hAP ac\^2/,
    ],
    [
      { version: '7.19', board: 'rb5009' },
      /\/interface\/wifi \(no such menu\).*RouterOS 7\.19 \(stable\), RB5009UG\+S\+/,
    ],
    [
      { version: '7.16.2', board: 'hap-ac2' },
      /needs datapath\.vlan-id \(its wifi-qcom-ac radios have no datapath VLAN\).*RouterOS 7\.16\.2 \(stable\), hAP ac\^2/,
    ],
  ] as const)('%o', async (p, why) => {
    const { decl } = await loadSchool(`${ROOT}inventory/schools/miskin-primary/school.yaml`);
    const device = routerDevices(decl)[0]!;
    expect(device.routeros).toBeUndefined();
    const plan = planRouter(decl, device);
    const s = await startRouterOsServer({ fixture: blankProfile(p), users: [FULL] });
    try {
      const before = structuredClone(s.config.menus);
      const c: RouterConnection = {
        device: device.name,
        host: '127.0.0.1',
        port: s.port,
        user: FULL.name,
        password: FULL.password,
        timeoutMs: 5000,
      };
      await expect(applyPlan(plan, c)).rejects.toThrow(why);
      await expect(applyPlan(plan, c)).rejects.toThrow(
        /nothing written. Declare routeros: \{ version, board \}/,
      );
      expect(s.writes).toEqual([]);
      expect(s.config.menus).toEqual(before);
    } finally {
      await s.close();
    }
  });

  test('the same school declared for that router applies (the check passes where the plan fits)', async () => {
    const { decl } = await loadSchool(`${ROOT}inventory/schools/miskin-primary/school.yaml`);
    const device = routerDevices(decl)[0]!;
    device.routeros = { version: '7.16.2', board: 'hap-ac2' };
    const plan = planRouter(decl, device);
    expect(plan.assumes).toEqual(['menu:/interface/wifi/security', 'menu:/interface/wifi']);
    const s = await startRouterOsServer({
      fixture: blankProfile({ version: '7.16.2', board: 'hap-ac2' }),
      users: [FULL],
    });
    try {
      await applyPlan(plan, {
        device: device.name,
        host: '127.0.0.1',
        port: s.port,
        user: FULL.name,
        password: FULL.password,
        timeoutMs: 5000,
      });
      expect(s.writes.filter((w) => !w.ok)).toEqual([]);
    } finally {
      await s.close();
    }
  });
});
