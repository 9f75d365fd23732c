/**
 * Never lock a school out: the demo school applied to a router managed over VLAN 99 tagged on ether2, with
 * the RouterOS test server modelling that path (test/support/routeros/path.ts). A change that cuts it drops
 * the session and refuses new ones; RouterOS's own scheduler (commit-confirm) puts it back.
 * - The declaration without the router's trunk port: the VLAN table leaves ether2 out of VLAN 99, so
 *   turning VLAN filtering on would cut management. It is rolled back by the router and reported.
 * - The declaration with the trunk port: every guarded step is confirmed over a new session, and a second
 *   apply writes nothing.
 * - A provisioner whose group lacks the `policy` policy is refused before anything is written.
 */
import { afterEach, describe, expect, test } from 'vitest';
import { loadSchool } from '../inventory/load.ts';
import type { SchoolDeclaration } from '../inventory/types.ts';
import { planRouter, routerDevices } from '../intent/router.ts';
import { LockoutPrevented, type RouterConnection } from '../stacks/providers/routeros-ops.ts';
import { applyPlan, reapply } from './support/routeros/apply.ts';
import { blankProfile } from './support/routeros/profiles.ts';
import { startRouterOsServer, type RouterOsServer, type RouterUser } from './support/routeros/server.ts';
import type { RouterConfig } from './support/routeros/types.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const PROVISIONER: RouterUser = { name: 'provisioner', password: 'provisioner-test-password', group: 'full' };
const PATH = { port: 'ether2', vlan: 99, routerAddress: '10.99.0.1', client: '10.99.0.10' };

const servers: RouterOsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** A router as installed: ether2 on bridge1, and the management VLAN interface and address bootstrapped. */
function installed(): RouterConfig {
  const config = blankProfile({ version: '7.20', board: 'hap-ax3' });
  config.menus['/interface/bridge'] = [{ name: 'bridge1' }];
  config.menus['/interface/bridge/port'] = [{ bridge: 'bridge1', interface: 'ether2' }];
  config.menus['/interface/vlan'] = [{ name: 'MGMT', 'vlan-id': '99', interface: 'bridge1' }];
  config.menus['/ip/address'] = [{ address: '10.99.0.1/24', interface: 'MGMT' }];
  return config;
}

async function router(
  users: RouterUser[] = [PROVISIONER],
): Promise<{ s: RouterOsServer; c: RouterConnection }> {
  const s = await startRouterOsServer({ fixture: installed(), managementPath: PATH, users });
  servers.push(s);
  // Short windows so the test waits seconds, not the default two minutes.
  const c = {
    device: 'core-router',
    host: '127.0.0.1',
    port: s.port,
    user: users[0]!.name,
    password: users[0]!.password,
    timeoutMs: 1500,
    confirmSeconds: 2,
  };
  return { s, c };
}

async function demo(trunk: boolean): Promise<SchoolDeclaration> {
  const { decl } = await loadSchool(`${ROOT}inventory/schools/demo/school.yaml`);
  const device = routerDevices(decl)[0]!;
  device.routeros = { version: '7.20', board: 'hap-ax3' };
  if (trunk) device.ports = [{ port: 2, mode: 'trunk', tagged: decl.networks.map((n) => n.name) }];
  return decl;
}

describe('commit-confirm against the management-path model', () => {
  test('turning VLAN filtering on without ether2 in VLAN 99 is rolled back by the router and reported', async () => {
    const { s, c } = await router();
    const decl = await demo(false);
    const plan = planRouter(decl, routerDevices(decl)[0]!);
    const error = await applyPlan(plan, c).then(
      () => undefined,
      (e: unknown) => e,
    );
    // The provider runs from its own module copy (as under the engine): compare by name.
    expect((error as Error).name).toBe(LockoutPrevented.name);
    expect((error as Error).message).toMatch(
      /core-router: set vlan-filtering on \/interface\/bridge .* would have cut the management path .* rolled the change back after 2 s/,
    );
    // The session was cut and new ones refused until the rollback.
    expect(s.cut.length).toBeGreaterThan(0);
    expect(s.model.schedulerRuns).toHaveLength(1);
    expect(s.model.schedulerRuns[0]?.error).toBeUndefined();
    const bridge = s.config.menus['/interface/bridge']?.find((b) => b.name === 'bridge1');
    expect(bridge?.['vlan-filtering']).toBe('false');
    expect(s.config.menus['/system/scheduler']).toEqual([]);
    // The path answers again.
    expect(s.model.pathProblem('new')).toBeUndefined();
  }, 30_000);

  test('with the trunk port declared every guarded step is confirmed, and a second apply writes nothing', async () => {
    const { s, c } = await router();
    const decl = await demo(true);
    const plan = planRouter(decl, routerDevices(decl)[0]!);
    const applied = await applyPlan(plan, c);
    expect(s.cut).toEqual([]);
    expect(s.model.schedulerRuns).toEqual([]);
    expect(s.config.menus['/system/scheduler']).toEqual([]);
    const bridge = s.config.menus['/interface/bridge']?.find((b) => b.name === 'bridge1');
    expect(bridge).toMatchObject({ 'vlan-filtering': 'true', 'frame-types': 'admit-only-vlan-tagged' });
    // Each guarded write sat between a scheduler add and its removal over a new session.
    const adds = s.writes.filter((w) => w.command === '/system/scheduler/add');
    const removes = s.writes.filter((w) => w.command === '/system/scheduler/remove');
    expect(adds.length).toBeGreaterThan(5);
    expect(removes).toHaveLength(adds.length);
    expect(s.writes.every((w) => w.ok)).toBe(true);
    const before = s.writes.length;
    expect(await reapply(applied)).toEqual([]);
    expect(s.writes.slice(before)).toEqual([]);
  }, 60_000);

  test('a provisioner without the policy policy is refused before anything is written', async () => {
    const writer: RouterUser = { name: 'writer', password: 'writer-test-password', group: 'write' };
    const { s, c } = await router([writer]);
    const decl = await demo(true);
    const plan = planRouter(decl, routerDevices(decl)[0]!);
    expect(plan.requires).toContain('policy');
    await expect(applyPlan(plan, c)).rejects.toThrow(
      /the RouterOS user writer is in group write, which lacks the policy policy .*remove users such as admin.*Nothing was written/,
    );
    expect(s.writes).toEqual([]);
  });
});
