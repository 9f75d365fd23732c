/**
 * A device that stops answering mid-run: the RouterOS test server is closed while the real CLI is
 * collecting from it. Its checks become `error` findings naming the cause, the CLI exits 2, and the
 * switch and directory are still read and judged in the same run.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditRun } from '../checks/engine/types.ts';
import { getCheck } from '../checks/registry.ts';
import { loadSchool } from '../inventory/load.ts';
import {
  bindToTestbed,
  runCli,
  SCHOOLS_DIR,
  startSchoolRouter,
  testbedInfo,
  writeBoundSchool,
} from './support/bind-testbed.ts';
import type { CliResult } from './support/bind-testbed.ts';

const SCHOOL = 'demo';

async function until(what: string, ok: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a router that goes away mid-run', () => {
  let dir: string;
  let result: CliResult;
  let run: AuditRun;
  let routerName: string;
  let switchName: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-faults-'));
    // The firewall print never answers in time: the collector is mid-conversation when the server goes.
    const { server, endpoint } = await startSchoolRouter('demo', [
      { fault: { kind: 'delay', ms: 60_000 }, command: '/ip/firewall/filter/print' },
    ]);
    const bound = await bindToTestbed(
      await loadSchool(join(SCHOOLS_DIR, SCHOOL, 'school.yaml')),
      testbedInfo(),
      {
        routers: endpoint,
      },
    );
    routerName = bound.loaded.decl.devices.find((d) => d.driver === 'routeros')?.name ?? '';
    switchName = bound.loaded.decl.devices.find((d) => d.driver === 'snmp')?.name ?? '';
    const file = await writeBoundSchool(bound, dir);
    const pending = runCli(
      ['audit', file, '--store', join(dir, 'results.db'), '--format', 'json'],
      bound.env,
    );
    await until(
      'the audit to log in to the router',
      () => server.logins.some((l) => l.ok) && server.connections() > 0,
    );
    await server.close();
    result = await pending;
    run = JSON.parse(result.stdout) as AuditRun;
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('exits 2 (errors)', () => {
    expect(result.code, result.stderr).toBe(2);
    expect(run.status).toBe('complete');
  });

  it('records the router as unreadable, with the cause', () => {
    const router = run.devices.find((d) => d.kind === 'router');
    expect(router).toMatchObject({
      ok: false,
      error: { code: expect.stringMatching(/^E-(CLOSED|REFUSED|PROTOCOL)$/) },
    });
  });

  it('turns every router check into an error naming the router, never a pass', () => {
    const routerChecks = run.findings.filter((f) => getCheck(f.checkId)?.meta.needs.includes('router'));
    expect(routerChecks.length).toBeGreaterThan(5);
    const onRouter = routerChecks.filter((f) => f.evidence.some((e) => e.source === routerName));
    expect(onRouter.length).toBeGreaterThan(0);
    for (const f of onRouter) {
      expect(f.status, f.key).toBe('error');
      expect(f.reason).toMatch(new RegExp(`${routerName}.*E-(CLOSED|REFUSED|PROTOCOL)`));
    }
    expect(
      run.findings.some((f) => f.status === 'pass' && f.evidence.some((e) => e.source === routerName)),
    ).toBe(false);
  });

  it('still reads and judges the switch and the directory', () => {
    for (const kind of ['switch', 'directory'] as const)
      expect(run.devices.find((d) => d.kind === kind)?.ok, kind).toBe(true);
    const judged = (source: string) =>
      run.findings.filter(
        (f) => f.evidence.some((e) => e.source === source) && (f.status === 'pass' || f.status === 'fail'),
      );
    expect(judged(switchName).length).toBeGreaterThan(0);
    expect(judged('directory').length).toBeGreaterThan(0);
    // The switch's deliberate fault is still found.
    expect(
      run.findings.find((f) => f.checkId === 'switch-vlans-declared-present' && f.status === 'fail'),
    ).toBeDefined();
  });
});
