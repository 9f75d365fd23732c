/**
 * Commit-confirm for the changes that reorder or remove what keeps the management path open: firewall
 * rule moves and the removal of `absent` objects. The RouterOS test server models the path the API
 * session arrives on (VLAN 99 tagged on ether2, test/support/routeros/path.ts); a change that cuts it drops
 * the session and refuses new ones until the router's own scheduler entry (manual: Scheduler, `on-event`
 * script run once the interval has passed) puts the table back: removed rules re-added with the properties
 * they had at the place they had (`add ... place-before=`), moved rules moved back (`move numbers
 * destination=`). A change that keeps the path is confirmed over a new session and its entry removed.
 * `pulumi destroy` (the providers' delete) is guarded the same way: removing a bridge VLAN entry the
 * management VLAN rides on, or the managed input rule that lets the API in, is rolled back; removing what
 * the path does not need is confirmed.
 */
import { afterEach, describe, expect, test } from 'vitest';
import type { DesiredFilterRule, RouterPlan } from '../intent/types.ts';
import { LockoutPrevented, type RouterConnection } from '../stacks/providers/routeros-ops.ts';
import { applyPlan, destroyPlan } from './support/routeros/apply.ts';
import { routerOsObjectProvider } from '../stacks/providers/routeros-object.dynamic.ts';
import { blankProfile, type RouterOsVersionName } from './support/routeros/profiles.ts';
import { startRouterOsServer, type RouterOsServer, type RouterUser } from './support/routeros/server.ts';
import type { RouterConfig, Row } from './support/routeros/types.ts';

const PROVISIONER: RouterUser = { name: 'provisioner', password: 'provisioner-test-password', group: 'full' };
const PATH = { port: 'ether2', vlan: 99, routerAddress: '10.99.0.1', client: '10.99.0.10' };
const FILTER = '/ip/firewall/filter';

const servers: RouterOsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** The API from the management VLAN, as a technician would have written it by hand. */
const ALLOW_API: Row = {
  chain: 'input',
  action: 'accept',
  protocol: 'tcp',
  'dst-port': '8728',
  'src-address': '10.99.0.0/24',
  'in-interface': 'MGMT',
  log: 'true',
  'log-prefix': 'mgmt-api',
  comment: 'allow management API',
};
/** A managed rule: drop what reaches the router on the management VLAN from anywhere but the admins' host. */
const MANAGED_DROP: DesiredFilterRule = {
  id: 'in-mgmt-drop',
  chain: 'input',
  action: 'drop',
  props: { 'in-interface': 'MGMT' },
  comment: 'schoolnet:in-mgmt-drop management VLAN closed',
};

function installed(version: RouterOsVersionName, filter: Row[]): RouterConfig {
  const config = blankProfile({ version, board: version.startsWith('6.') ? 'hap-ac2' : 'rb5009' });
  config.menus['/interface/bridge'] = [{ name: 'bridge1' }];
  config.menus['/interface/bridge/port'] = [{ bridge: 'bridge1', interface: 'ether2' }];
  config.menus['/interface/vlan'] = [{ name: 'MGMT', 'vlan-id': '99', interface: 'bridge1' }];
  config.menus['/ip/address'] = [{ address: '10.99.0.1/24', interface: 'MGMT' }];
  config.menus[FILTER] = filter;
  return config;
}

async function router(
  version: RouterOsVersionName,
  filter: Row[],
): Promise<{ s: RouterOsServer; c: RouterConnection }> {
  const s = await startRouterOsServer({
    fixture: installed(version, filter),
    managementPath: PATH,
    users: [PROVISIONER],
  });
  servers.push(s);
  const c = {
    device: 'core-router',
    host: '127.0.0.1',
    port: s.port,
    user: PROVISIONER.name,
    password: PROVISIONER.password,
    timeoutMs: 1500,
    confirmSeconds: 2,
  };
  return { s, c };
}

function plan(firewall: DesiredFilterRule[], objects: RouterPlan['objects'] = []): RouterPlan {
  return {
    device: 'core-router',
    objects,
    firewall,
    firewallDependsOn: [],
    secrets: [],
    requires: [],
    assumes: [],
  };
}

/** The table without ids and counters: what the router does with packets, in order. */
const table = (s: RouterOsServer) =>
  (s.config.menus[FILTER] ?? []).map(({ '.id': _id, bytes: _b, packets: _p, ...rest }) => rest);
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

describe.each(['7.20', '6.49'] as const)('commit-confirm on RouterOS %s', (version) => {
  test('moving a managed drop above the rule that lets the API in is rolled back: the rules go back in their order', async () => {
    // Someone put the management API's accept above schoolnet's drop; applying moves the managed rule
    // to the top, which would put the drop first and cut the session.
    const { s, c } = await router(version, [
      ALLOW_API,
      { chain: 'input', action: 'drop', 'in-interface': 'MGMT', comment: MANAGED_DROP.comment },
    ]);
    const before = table(s);
    const ids = (s.config.menus[FILTER] ?? []).map((r) => r['.id']);
    const error = await failure(applyPlan(plan([MANAGED_DROP]), c));
    expect(error?.name).toBe(LockoutPrevented.name);
    expect(error?.message).toMatch(
      /core-router: changing the input chain would have cut the management path/,
    );
    expect(s.writes.some((w) => w.command === `${FILTER}/move` && w.user === PROVISIONER.name)).toBe(true);
    expect(s.cut.length).toBeGreaterThan(0);
    expect(s.model.schedulerRuns.map((r) => r.error ?? 'reverted')).toEqual(['reverted']);
    // The table is as it was: same rules, same properties, same order; the hand-written rule kept its id.
    expect(table(s)).toEqual(before);
    expect(s.config.menus[FILTER]?.[0]?.['.id']).toBe(ids[0]);
    expect(s.config.menus['/system/scheduler']).toEqual([]);
    expect(s.model.pathProblem('new')).toBeUndefined();
  }, 30_000);

  test('a move that keeps the path is confirmed over a new session', async () => {
    const allowAdmin: DesiredFilterRule = {
      id: 'in-admin-allow',
      chain: 'input',
      action: 'accept',
      props: { 'src-address': '10.99.0.10', protocol: 'tcp', 'dst-port': '8728' },
      comment: 'schoolnet:in-admin-allow the admins host reaches the API',
    };
    const { s, c } = await router(version, [
      { chain: 'input', action: 'drop', 'src-address': '192.0.2.0/24', comment: 'drop the old office' },
      {
        chain: 'input',
        action: 'accept',
        'src-address': '10.99.0.10',
        protocol: 'tcp',
        'dst-port': '8728',
        comment: allowAdmin.comment,
      },
    ]);
    await applyPlan(plan([allowAdmin]), c);
    expect(s.cut).toEqual([]);
    expect(s.model.schedulerRuns).toEqual([]);
    expect(s.config.menus['/system/scheduler']).toEqual([]);
    const adds = s.writes.filter((w) => w.command === '/system/scheduler/add');
    const removes = s.writes.filter((w) => w.command === '/system/scheduler/remove');
    expect(adds).toHaveLength(1);
    expect(removes).toHaveLength(1);
    expect(s.writes.filter((w) => w.command === `${FILTER}/move`).length).toBeGreaterThan(0);
    expect(table(s).map((r) => r.comment)).toEqual([allowAdmin.comment, 'drop the old office']);
  }, 30_000);

  test('removing an absent rule that lets the API in is rolled back: it comes back with its properties, in its place', async () => {
    const { s, c } = await router(version, [
      { chain: 'input', action: 'accept', 'connection-state': 'established,related', comment: 'established' },
      ALLOW_API,
      { chain: 'input', action: 'drop', comment: 'drop the rest' },
    ]);
    const before = table(s);
    const absent = {
      role: 'old-api-rule',
      menu: FILTER,
      mode: 'absent' as const,
      key: { comment: 'allow management API' },
      props: {},
    };
    const error = await failure(applyPlan(plan([], [absent]), c));
    expect(error?.name).toBe(LockoutPrevented.name);
    expect(error?.message).toMatch(
      /core-router: remove \/ip\/firewall\/filter .* would have cut the management path/,
    );
    expect(s.writes.some((w) => w.command === `${FILTER}/remove` && w.ok)).toBe(true);
    expect(s.model.schedulerRuns.map((r) => r.error ?? 'reverted')).toEqual(['reverted']);
    expect(table(s)).toEqual(before);
    expect(s.model.pathProblem('new')).toBeUndefined();
  }, 30_000);

  test('removing an absent rule the path does not need is confirmed', async () => {
    const { s, c } = await router(version, [
      ALLOW_API,
      { chain: 'input', action: 'accept', 'src-address': '192.0.2.0/24', comment: 'old office' },
      { chain: 'input', action: 'drop', comment: 'drop the rest' },
    ]);
    const absent = {
      role: 'old-office',
      menu: FILTER,
      mode: 'absent' as const,
      key: { comment: 'old office' },
      props: {},
    };
    await applyPlan(plan([], [absent]), c);
    expect(s.cut).toEqual([]);
    expect(s.model.schedulerRuns).toEqual([]);
    expect(s.config.menus['/system/scheduler']).toEqual([]);
    expect(table(s).map((r) => r.comment)).toEqual(['allow management API', 'drop the rest']);
  }, 30_000);

  test('removing the absent management address is rolled back, a spare address is removed under confirm', async () => {
    const { s, c } = await router(version, []);
    s.config.menus['/ip/address']!.push({
      '.id': '*F0',
      address: '192.0.2.1/24',
      interface: 'MGMT',
      disabled: 'false',
    });
    const spare = {
      role: 'spare',
      menu: '/ip/address',
      mode: 'absent' as const,
      key: { address: '192.0.2.1/24' },
      props: {},
    };
    await applyPlan(plan([], [spare]), c);
    expect(s.config.menus['/ip/address']?.map((a) => a.address)).toEqual(['10.99.0.1/24']);
    expect(s.writes.filter((w) => w.command === '/system/scheduler/remove')).toHaveLength(1);
    const mgmt = {
      role: 'mgmt',
      menu: '/ip/address',
      mode: 'absent' as const,
      key: { address: '10.99.0.1/24' },
      props: {},
    };
    const error = await failure(applyPlan(plan([], [mgmt]), c));
    expect(error?.name).toBe(LockoutPrevented.name);
    expect(s.config.menus['/ip/address']).toEqual([
      expect.objectContaining({ address: '10.99.0.1/24', interface: 'MGMT', disabled: 'false' }),
    ]);
    expect(s.model.pathProblem('new')).toBeUndefined();
  }, 30_000);
  test('adding the provisioner to an address list a drop rule reads is rolled back', async () => {
    const { s, c } = await router(version, [
      { chain: 'input', action: 'drop', 'src-address-list': 'blocked', comment: 'drop the blocked' },
    ]);
    const entry = {
      role: 'blocked-mgmt',
      menu: '/ip/firewall/address-list',
      mode: 'owned' as const,
      key: { list: 'blocked', address: '10.99.0.0/24' },
      props: { comment: 'schoolnet:blocked-mgmt' },
    };
    const error = await failure(applyPlan(plan([], [entry]), c));
    expect(error?.name).toBe(LockoutPrevented.name);
    expect(error?.message).toMatch(/add \/ip\/firewall\/address-list .* would have cut the management path/);
    expect(s.config.menus['/ip/firewall/address-list']).toEqual([]);
    expect(s.model.pathProblem('new')).toBeUndefined();
  }, 30_000);
  test('destroying the owned bridge VLAN entry the management VLAN rides on is rolled back; a spare one is removed under confirm', async () => {
    const { s, c } = await router(version, []);
    const vlan = (id: string, tagged: string) => ({
      role: `vlan-${id}`,
      menu: '/interface/bridge/vlan',
      mode: 'owned' as const,
      key: { bridge: 'bridge1', 'vlan-ids': id },
      props: { tagged, comment: `schoolnet:vlan-${id}` },
      guard: true,
    });
    const filtering = {
      role: 'bridge1',
      menu: '/interface/bridge',
      mode: 'existing' as const,
      key: { name: 'bridge1' },
      props: { 'vlan-filtering': 'true' },
      guard: true,
    };
    const applied = await applyPlan(
      plan([], [vlan('99', 'bridge1,ether2'), vlan('30', 'bridge1'), filtering]),
      c,
    );
    expect(s.cut).toEqual([]);
    expect(s.config.menus['/interface/bridge']?.[0]?.['vlan-filtering']).toBe('true');
    const entries = () =>
      (s.config.menus['/interface/bridge/vlan'] ?? []).filter((r) => r.dynamic !== 'true');

    // The spare VLAN goes, under a confirmed scheduler entry.
    const spare = applied.objects.get('vlan-30')!;
    const confirmsBefore = s.writes.filter((w) => w.command === '/system/scheduler/remove').length;
    await routerOsObjectProvider.delete!(spare.id, spare.outs);
    applied.objects.delete('vlan-30');
    expect(entries().map((r) => r['vlan-ids'])).toEqual(['99']);
    expect(s.writes.filter((w) => w.command === '/system/scheduler/remove')).toHaveLength(confirmsBefore + 1);
    expect(s.model.schedulerRuns).toEqual([]);

    // Destroying the rest would take VLAN 99 off the trunk with filtering on: the router puts it back.
    const before = entries().map(({ '.id': _id, ...rest }) => rest);
    const error = await failure(destroyPlan(applied));
    expect(error?.name).toBe(LockoutPrevented.name);
    expect(error?.message).toMatch(
      /core-router: destroy \/interface\/bridge\/vlan .*"vlan-ids":"99".* would have cut the management path/,
    );
    expect(s.writes.some((w) => w.command === '/interface/bridge/vlan/remove' && w.ok)).toBe(true);
    expect(s.cut.length).toBeGreaterThan(0);
    expect(s.model.schedulerRuns.map((r) => r.error ?? 'reverted')).toEqual(['reverted']);
    expect(entries().map(({ '.id': _id, ...rest }) => rest)).toEqual(before);
    expect(s.config.menus['/system/scheduler']).toEqual([]);
    expect(s.model.pathProblem('new')).toBeUndefined();
  }, 30_000);

  test('destroying the owned bridge port of the management trunk is rolled back: the port comes back as it was', async () => {
    const { s, c } = await router(version, []);
    // An earlier apply made ether2 a bridge port (tagged with schoolnet's comment): schoolnet owns it.
    s.config.menus['/interface/bridge/port']![0]!.comment = 'schoolnet:port-ether2';
    const port = {
      role: 'port-ether2',
      menu: '/interface/bridge/port',
      mode: 'owned' as const,
      key: { interface: 'ether2' },
      props: { bridge: 'bridge1', comment: 'schoolnet:port-ether2' },
      guard: true,
    };
    const applied = await applyPlan(plan([], [port]), c);
    expect(applied.objects.get('port-ether2')?.outs.adopted).toBe(false);
    const ports = () =>
      (s.config.menus['/interface/bridge/port'] ?? []).map(({ '.id': _id, ...rest }) => rest);
    const before = ports();
    const error = await failure(destroyPlan(applied));
    expect(error?.name).toBe(LockoutPrevented.name);
    expect(error?.message).toMatch(/core-router: destroy \/interface\/bridge\/port .* would have cut/);
    expect(s.model.schedulerRuns.map((r) => r.error ?? 'reverted')).toEqual(['reverted']);
    expect(ports()).toEqual(before);
    expect(s.model.pathProblem('new')).toBeUndefined();
  }, 30_000);

  test('destroying the managed rule that lets the API in, above a hand-written drop, is rolled back; with another way in it is confirmed', async () => {
    const allowApi: DesiredFilterRule = {
      id: 'in-api-allow',
      chain: 'input',
      action: 'accept',
      props: { protocol: 'tcp', 'dst-port': '8728', 'src-address': '10.99.0.0/24', 'in-interface': 'MGMT' },
      comment: 'schoolnet:in-api-allow the management VLAN reaches the API',
    };
    for (const otherWayIn of [false, true]) {
      const { s, c } = await router(version, []);
      const applied = await applyPlan(plan([allowApi]), c);
      expect(s.cut).toEqual([]);
      // Afterwards a technician closes the management VLAN below schoolnet's rule (and, in the second
      // case, lets the API in with a rule of their own above the drop).
      s.config.menus[FILTER]!.push(...(otherWayIn ? [{ ...ALLOW_API, '.id': '*E0' }] : []), {
        '.id': '*E1',
        chain: 'input',
        action: 'drop',
        'in-interface': 'MGMT',
        comment: 'close the rest',
      });
      const before = table(s);
      const error = await failure(destroyPlan(applied));
      if (otherWayIn) {
        expect(error).toBeUndefined();
        expect(s.cut).toEqual([]);
        expect(s.model.schedulerRuns).toEqual([]);
        expect(s.writes.filter((w) => w.command === '/system/scheduler/remove').length).toBeGreaterThan(0);
        expect(table(s).map((r) => r.comment)).toEqual(['allow management API', 'close the rest']);
      } else {
        expect(error?.name).toBe(LockoutPrevented.name);
        expect(error?.message).toMatch(
          /core-router: removing the managed input rules would have cut the management path/,
        );
        expect(s.writes.some((w) => w.command === `${FILTER}/remove` && w.ok)).toBe(true);
        expect(s.model.schedulerRuns.map((r) => r.error ?? 'reverted')).toEqual(['reverted']);
        expect(table(s)).toEqual(before);
        expect(s.model.pathProblem('new')).toBeUndefined();
      }
      expect(s.config.menus['/system/scheduler']).toEqual([]);
    }
  }, 60_000);
});
