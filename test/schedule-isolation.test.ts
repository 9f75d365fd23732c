/**
 * The nightly scheduler isolates each school (issue #22, "Bounded inputs"): the real `schoolnet schedule`
 * CLI over a schools folder holding the 518 KB quadratic declaration (8,600 networks, every subnet
 * overlapping every other) and a declaration that is not YAML, beside a good school bound to the
 * testbed. The two that cannot load are each an error naming their file (capped problems, no
 * crash, no out-of-memory abort), and the good school is still audited and stored.
 */
import { mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../checks/engine/store.ts';
import { LIMITS } from '../inventory/limits.ts';
import { loadSchool } from '../inventory/load.ts';
import { NightlyRecords } from '../scripts/schedule/records.ts';
import {
  bindToTestbed,
  runCli,
  SCHOOLS_DIR,
  startSchoolRouter,
  testbedInfo,
  writeBoundSchool,
} from './support/bind-testbed.ts';
import type { RouterOsServer } from './support/routeros/server.ts';
import { demoDeclarationText } from './support/testbed.ts';

describe('schoolnet schedule: a school that cannot load does not take the night down', () => {
  let dir: string;
  let router: RouterOsServer;
  let env: NodeJS.ProcessEnv;
  let flood: string;
  let broken: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'schedule-isolation-'));
    const r = await startSchoolRouter('demo');
    router = r.server;
    const bound = await bindToTestbed(
      await loadSchool(join(SCHOOLS_DIR, 'demo', 'school.yaml')),
      testbedInfo(),
      { routers: r.endpoint },
    );
    delete bound.loaded.decl.delivery;
    await writeBoundSchool(bound, dir);
    env = bound.env;

    const demo = await demoDeclarationText();
    // 8,600 networks, all 10.0.0.0/8: every pair overlaps (37 million pairs for a quadratic check).
    const nets = Array.from(
      { length: 8600 },
      (_, i) =>
        `  - { role: staff, name: N${i}, vlan: ${(i % 4000) + 2}, subnet: 10.0.0.0/8, gateway: 10.0.0.1 }\n`,
    ).join('');
    await mkdir(join(dir, 'schools', 'flood'));
    flood = join(dir, 'schools', 'flood', 'school.yaml');
    await writeFile(
      flood,
      demo.replace(/^(\s*id:) demo$/m, '$1 flood').replace(/^networks:\n/m, `networks:\n${nets}`),
    );
    await mkdir(join(dir, 'schools', 'broken'));
    broken = join(dir, 'schools', 'broken', 'school.yaml');
    await writeFile(broken, 'school: { id: broken, name: "unterminated\n  networks: [\n');
  }, 120_000);
  afterAll(async () => {
    await router.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('--once-at: the good school is audited and stored; each bad one is one error naming its file', async () => {
    expect((await stat(flood)).size).toBeGreaterThan(500 * 1024);
    const db = join(dir, 'night.db');
    const res = await runCli(
      ['schedule', join(dir, 'schools'), '--store', db, '--once-at', '2026-11-25T01:30:00Z'],
      env,
    );
    // 3: configuration errors (the two declarations), after the good school ran.
    expect(res.signal).toBeNull();
    expect(res.code, res.stderr).toBe(3);
    const logs = res.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { msg: string; file?: string; problems?: string[]; school?: string });
    const invalid = logs.filter((l) => l.msg === 'declaration invalid; school not scheduled');
    expect(invalid.map((l) => l.file).sort()).toEqual([broken, flood].sort());
    const floodProblems = invalid.find((l) => l.file === flood)?.problems ?? [];
    expect(floodProblems.length).toBeGreaterThan(0);
    expect(floodProblems.length).toBeLessThanOrEqual(LIMITS.problems + 1);
    expect(floodProblems.join('\n')).toMatch(/overlap/i);
    expect(invalid.find((l) => l.file === broken)?.problems?.join('\n')).toMatch(/school\.yaml:\d+/);
    expect(logs.find((l) => l.msg === 'audit finished')).toMatchObject({
      school: 'demo',
      outcome: 'complete',
    });

    const store = openStore(db);
    const records = new NightlyRecords(db);
    try {
      const runs = store.listRuns();
      expect(runs.map((r) => [r.school.id, r.status])).toEqual([['demo', 'complete']]);
      expect(store.getRun(runs[0]!.id)?.findings.length).toBeGreaterThan(10);
      expect(records.scheduledRuns('demo')).toMatchObject([{ outcome: 'complete', runId: runs[0]!.id }]);
    } finally {
      records.close();
      store.close();
    }
  }, 300_000);
});
