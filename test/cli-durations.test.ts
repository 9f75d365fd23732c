/**
 * One unit for every time option: `audit --school-timeout 300` is 300 seconds (as in `schedule`), not
 * 300 ms. The school is the demo bound to the testbed router, with its SNMP switch pointed at a UDP
 * port that never answers (1.5 s per-device budget), so the run surely lasts longer than 300 ms.
 */
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSchool } from '../inventory/load.ts';
import {
  bindToTestbed,
  runCli,
  SCHOOLS_DIR,
  startSchoolRouter,
  testbedInfo,
  writeBoundSchool,
} from './support/bind-testbed.ts';
import type { RouterOsServer } from './support/routeros/server.ts';

describe('duration options on the real CLI', () => {
  let dir: string;
  let server: RouterOsServer;
  let env: NodeJS.ProcessEnv;
  let file: string;
  const silent = createSocket('udp4');

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'cli-durations-'));
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    const silentPort = (silent.address() as AddressInfo).port;
    let endpoint;
    ({ server, endpoint } = await startSchoolRouter('demo'));
    const bound = await bindToTestbed(
      await loadSchool(join(SCHOOLS_DIR, 'demo', 'school.yaml')),
      testbedInfo(),
      { routers: endpoint },
    );
    bound.loaded.decl.devices = bound.loaded.decl.devices.map((d) =>
      d.driver === 'snmp'
        ? {
            ...d,
            port: silentPort,
            ...(d.snmp ? { snmp: { ...d.snmp, port: silentPort } } : {}),
            timeoutMs: 1500,
          }
        : d,
    );
    env = bound.env;
    file = await writeBoundSchool(bound, dir);
  }, 60_000);
  afterAll(async () => {
    silent.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('audit --school-timeout 300 is 300 seconds: the slow school finishes, not cut off at 300 ms', async () => {
    const res = await runCli(
      ['audit', file, '--store', join(dir, 'bare.db'), '--format', 'json', '--school-timeout', '300'],
      env,
    );
    expect(res.stderr).not.toMatch(/no result within/);
    expect(res.code, res.stderr).toBe(2); // the silent switch is an error; the run is complete
    const run = JSON.parse(res.stdout) as { status: string; devices: { kind: string; ok: boolean }[] };
    expect(run.status).toBe('complete');
    expect(run.devices.some((d) => !d.ok)).toBe(true);
  }, 120_000);

  it('a unit is honoured: --school-timeout 250ms cuts the same school off at 250 ms', async () => {
    const res = await runCli(
      ['audit', file, '--store', join(dir, 'ms.db'), '--school-timeout', '250ms'],
      env,
    );
    expect(res.code).toBe(2);
    expect(res.stderr).toMatch(/no result within 250 ms/);
  }, 120_000);

  it.each([
    ['audit', 'school.yaml', '--school-timeout', '5 minutes'],
    ['audit', 'school.yaml', '--timeout', '-1'],
    ['schedule', 'x', '--grace', '2d'],
    ['drift', 'school.yaml', '--timeout', 'soon'],
    ['leavers', 'school.yaml', '--roster', 'r.csv', '--timeout', '1e3'],
  ])('%s ... %s %s %j is a usage error (exit 3) naming the accepted forms', async (...args) => {
    const res = await runCli(args, env);
    expect(res.code).toBe(3);
    expect(res.stderr).toContain('must be a duration: 250ms, 300s, 5m, 1h, or bare seconds (300)');
  });

  it.each(['audit', 'schedule', 'drift', 'leavers', 'agent'])(
    '%s --help says what a duration is',
    async (cmd) => {
      const res = await runCli([cmd, '--help'], env);
      expect(res.code).toBe(0);
      expect(res.stdout).toContain('250ms, 300s, 5m, 1h, or bare seconds (300)');
      expect(res.stdout).not.toMatch(/<ms>|<seconds>/);
    },
  );
});
