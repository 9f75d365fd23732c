/**
 * A property `print` leaves out is its version's default, not unknown and not drift: the providers write
 * only what really differs, on RouterOS 6.49 (bridge port ingress filtering off by default, Manual:Interface/
 * Bridge "Default: no") as on 7.20 (on by default, manual: Bridging and Switching "Default: yes"), and
 * read back no drift. The test server leaves defaults out of a plain print as RouterOS does
 * (python3-librouteros shows it: routeros-librouteros.test.ts).
 */
import { afterEach, describe, expect, test } from 'vitest';
import { routerOsObjectProvider as objects } from '../stacks/providers/routeros-object.dynamic.ts';
import type { MenuObjectInputs } from '../stacks/providers/routeros-ops.ts';
import { blankProfile, type RouterOsVersionName } from './support/routeros/profiles.ts';
import { startRouterOsServer, type RouterOsServer, type RouterUser } from './support/routeros/server.ts';

const PROVISIONER: RouterUser = { name: 'provisioner', password: 'provisioner-test-password', group: 'full' };
const servers: RouterOsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

describe.each([
  ['6.49', 'hap-ac2', ['ingress-filtering']],
  ['7.20', 'rb5009', []],
] as const)('absent properties on RouterOS %s (%s)', (version, board, written) => {
  test('are read as the version default: only what differs is written, and nothing reads as drift', async () => {
    const config = blankProfile({ version: version as RouterOsVersionName, board });
    config.menus['/interface/bridge'] = [{ name: 'bridge1' }];
    config.menus['/interface/bridge/port'] = [{ bridge: 'bridge1', interface: 'ether2' }];
    const s = await startRouterOsServer({ fixture: config, users: [PROVISIONER] });
    servers.push(s);
    const inputs: MenuObjectInputs = {
      connection: {
        device: 'core-router',
        host: '127.0.0.1',
        port: s.port,
        user: PROVISIONER.name,
        password: PROVISIONER.password,
      },
      menu: '/interface/bridge/port',
      mode: 'existing',
      key: { interface: 'ether2' },
      props: { 'ingress-filtering': 'yes', 'frame-types': 'admit-all', pvid: '1', horizon: 'none' },
    };
    const created = await objects.create(inputs);
    const sets = s.writes.filter((w) => w.command === '/interface/bridge/port/set');
    expect(sets.flatMap((w) => Object.keys(w.args).filter((k) => k !== '.id' && k !== 'numbers'))).toEqual(
      written,
    );
    const read = await objects.read!(created.id, created.outs!);
    expect(read.props?.props).toEqual({
      'ingress-filtering': 'true',
      'frame-types': 'admit-all',
      pvid: '1',
      horizon: 'none',
    });
    expect((await objects.diff!(created.id, read.props!, inputs)).changes).toBe(false);
  });
});
