/**
 * Fleet audits (`schoolnet audit --all DIR`, checks/engine/fleet.ts): the five example schools on the
 * testbed with one school's devices deliberately down (its router and switch CLI refuse connections,
 * its SNMP switches point at a port nobody answers) complete with that school contributing exit 2 and
 * the others audited; progress is plain lines when not a terminal and a bar when it is; the summary
 * table lists every school. A school that hangs is cut off at its overall budget without holding up
 * the rest, and its run stays incomplete in the store.
 */
import { createSocket } from 'node:dgram';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditFleet, fleetExitCode } from '../checks/engine/fleet.ts';
import type { FleetResult } from '../checks/engine/fleet.ts';
import { defaultCollectors } from '../checks/engine/inputs.ts';
import { openStore } from '../checks/engine/store.ts';
import { loadSchool } from '../inventory/load.ts';
import type { LoadedSchool } from '../inventory/types.ts';
import { FleetProgress, summaryTable } from '../scripts/schedule/progress.ts';
import {
  bindToTestbed,
  EXAMPLE_SCHOOLS,
  runCli,
  SCHOOLS_DIR,
  startSchoolRouter,
  testbedInfo,
  writeBoundSchool,
} from './support/bind-testbed.ts';
import type { RouterEndpoint } from './support/bind-testbed.ts';
import type { RouterOsServer } from './support/routeros/server.ts';

describe('schoolnet audit --all over the five example schools', () => {
  let dir: string;
  let server: RouterOsServer;
  let endpoint: RouterEndpoint;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'fleet-'));
    ({ server, endpoint } = await startSchoolRouter('demo'));
  }, 60_000);
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('completes with one school’s devices down: that school exits 2, the others are audited', async () => {
    const info = testbedInfo();
    const dead = await startSchoolRouter('bad');
    await dead.server.close(); // nothing listens there any more
    // A UDP port bound and never read: SNMP requests to it go unanswered.
    const silent = createSocket('udp4');
    await new Promise<void>((r) => silent.bind(0, '127.0.0.1', r));
    const silentPort = (silent.address() as AddressInfo).port;
    const DOWN = 'st-marks-primary';
    const env: NodeJS.ProcessEnv = { ...process.env };
    try {
      for (const s of EXAMPLE_SCHOOLS) {
        const b = await bindToTestbed(await loadSchool(join(SCHOOLS_DIR, s, 'school.yaml')), info, {
          routers: s === DOWN ? dead.endpoint : endpoint,
        });
        if (s === DOWN)
          b.loaded.decl.devices = b.loaded.decl.devices.map((d) =>
            d.driver === 'snmp'
              ? {
                  ...d,
                  port: silentPort,
                  ...(d.snmp ? { snmp: { ...d.snmp, port: silentPort } } : {}),
                  timeoutMs: 1500,
                }
              : d.driver === 'ssh-cli'
                ? { ...d, port: dead.endpoint.port }
                : d,
          );
        Object.assign(env, b.env);
        await writeBoundSchool(b, join(dir, 'all'));
      }
      const db = join(dir, 'all.db');
      const res = await runCli(
        ['audit', '--all', join(dir, 'all', 'schools'), '--store', db, '--schools', '3'],
        env,
      );
      expect(res.code, res.stderr).toBe(2);
      // Not a terminal: one plain progress line per school on stderr.
      const progress = res.stderr.split('\n').filter((l) => /^\[\d\/5\] /.test(l));
      expect(progress).toHaveLength(5);
      expect(progress.find((l) => l.includes(DOWN))).toMatch(/errors \(exit 2,/);
      // The summary table at the end: every school, the down one with exit 2.
      const table = res.stdout.slice(res.stdout.lastIndexOf('school  '));
      for (const s of EXAMPLE_SCHOOLS) expect(table).toMatch(new RegExp(`^${s}\\s`, 'm'));
      expect(table).toMatch(new RegExp(`^${DOWN}\\s.*\\s2\\s+\\d+\\.\\ds\\s+errors$`, 'm'));
      expect(table).toMatch(/5 school\(s\); exit 2$/m);

      const store = openStore(db);
      try {
        const runs = store.listRuns();
        expect(runs.map((r) => r.school.id).sort()).toEqual([...EXAMPLE_SCHOOLS].sort());
        const down = store.latestRun(DOWN);
        const net = down?.devices.filter(
          (d) => d.kind !== 'directory' && d.kind !== 'roster' && d.kind !== 'register',
        );
        expect(net?.length).toBeGreaterThan(0);
        expect(net?.every((d) => !d.ok)).toBe(true);
        for (const s of EXAMPLE_SCHOOLS.filter((x) => x !== DOWN)) {
          const r = store.latestRun(s);
          expect(r?.status).toBe('complete');
          expect(r?.devices.filter((d) => d.kind === 'router').every((d) => d.ok)).toBe(true);
        }
      } finally {
        store.close();
      }
    } finally {
      silent.close();
    }
  }, 240_000);

  it('a school that hangs is cut off at its budget; the others finish and its run stays incomplete', async () => {
    const info = testbedInfo();
    const schools: LoadedSchool[] = [];
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const s of ['miskin-primary', 'scissett-middle']) {
      const b = await bindToTestbed(await loadSchool(join(SCHOOLS_DIR, s, 'school.yaml')), info, {
        routers: endpoint,
      });
      Object.assign(env, b.env);
      schools.push(b.loaded);
    }
    let release: () => void = () => undefined;
    const never = new Promise<void>((r) => (release = r));
    const store = openStore(join(dir, 'hang.db'));
    const done: FleetResult[] = [];
    try {
      const results = await auditFleet(schools, {
        store,
        env,
        schools: 2,
        schoolTimeoutMs: 4_000,
        // Per-device budgets far beyond the school's: only the school budget can end the hang.
        timeoutMs: 120_000,
        inputs: {
          collectors: {
            ...defaultCollectors,
            // Only miskin-primary's router hangs (a mock of a wedged device: the test cannot wedge a real one).
            router: async (d, o) => {
              if (schools[0]?.decl.devices.includes(d) === true) await never;
              return defaultCollectors.router(d, o);
            },
          },
        },
        onDone: (r) => done.push(r),
      });
      const [hung, ok] = results;
      expect(hung).toMatchObject({ school: 'miskin-primary', code: 2, timedOut: true });
      expect(hung?.error).toMatch(/no result within 4000 ms/);
      expect(ok?.run?.status).toBe('complete');
      // The healthy school finished first; the hung one did not hold it up.
      expect(done.map((r) => r.school)).toEqual(['scissett-middle', 'miskin-primary']);
      expect(fleetExitCode(results)).toBe(2);
      expect(store.listRuns({ school: 'miskin-primary' })[0]?.status).toBe('incomplete');
      expect(summaryTable(results)).toMatch(/^miskin-primary\s.*timed out$/m);
    } finally {
      release();
      store.close();
    }
  }, 60_000);
});

describe('fleet progress output', () => {
  const result = (school: string, code: 0 | 1 | 2 | 3): FleetResult => ({
    school,
    file: `${school}/school.yaml`,
    code,
    ms: 1234,
  });

  it('draws a bar in place on a terminal', () => {
    let out = '';
    const p = new FleetProgress({ write: (t) => (out += t), isTTY: true, columns: 120 }, 4);
    p.start('alpha');
    p.done(result('alpha', 1));
    p.start('beta');
    expect(out).toContain('\r\x1b[2K[######..................] 1/4 schools  auditing beta');
    expect(out).not.toContain('\n');
    p.end();
    expect(out.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('writes plain lines otherwise, and the table takes the worst exit code', () => {
    let out = '';
    const p = new FleetProgress({ write: (t) => (out += t), isTTY: false }, 2);
    p.start('alpha');
    p.done(result('alpha', 2));
    p.done(result('beta', 3));
    expect(out).toBe('[1/2] alpha: error (exit 2, 1.2 s)\n[2/2] beta: configuration error (exit 3, 1.2 s)\n');
    expect(summaryTable([result('alpha', 2), result('beta', 3)])).toMatch(/2 school\(s\); exit 3$/);
  });
});
