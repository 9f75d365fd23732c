/**
 * `schoolnet inventory` as a technician runs it: import a spreadsheet with the school's own headers,
 * refuse a malformed one naming every row, export, and reconcile against the testbed live (saving the
 * facts) and again from the saved facts.
 */
import { cp, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSchool } from '../inventory/load.ts';
import { readRegisterFile } from '../inventory/register/index.ts';
import {
  bindToTestbed,
  REPO,
  runCli,
  SCHOOLS_DIR,
  startSchoolRouter,
  testbedInfo,
  writeBoundSchool,
} from './support/bind-testbed.ts';
import type { RouterOsServer } from './support/routeros/server.ts';

const FIXTURES = join(REPO, 'test', 'fixtures', 'register');

describe('schoolnet inventory import and export', () => {
  let yaml: string;
  let dir: string;
  beforeAll(async () => {
    dir = join(await mkdtemp(join(tmpdir(), 'inventory-cli-')), 'st-marks-primary');
    await cp(join(SCHOOLS_DIR, 'st-marks-primary'), dir, { recursive: true });
    yaml = join(dir, 'school.yaml');
  });

  it('refuses a malformed workbook, naming each bad row, and leaves the register as it was', async () => {
    const before = await readFile(join(dir, 'assets.csv'), 'utf8');
    const r = await runCli([
      'inventory',
      'import',
      yaml,
      '--table',
      'assets',
      '--from',
      join(FIXTURES, 'assets-malformed.xlsx'),
    ]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('4 problems; nothing was imported');
    for (const row of [7, 8, 9, 10])
      expect(r.stderr).toContain(`assets-malformed.xlsx:Sheet1:row ${row}: column`);
    expect(r.stderr).toContain(
      'assets-malformed.xlsx:Sheet1:row 7: column "Purchase Date": "31/02/2023" is not a date',
    );
    expect(await readFile(join(dir, 'assets.csv'), 'utf8')).toBe(before);
  });

  it('imports a workbook with its own headers through --map, then exports it to XLSX and back', async () => {
    const r = await runCli([
      'inventory',
      'import',
      yaml,
      '--table',
      'assets',
      '--sheet',
      'Register',
      '--from',
      join(FIXTURES, 'assets-own-headers.xlsx'),
      '--map',
      'assetTag=Item No',
      '--map',
      'serial=S/N',
      '--map',
      'purchaseDate=Bought',
    ]);
    expect(r.stderr).toContain('column "Notes" is not part of the assets register');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/imported 2 assets rows into .*assets\.csv/);
    const csv = await readFile(join(dir, 'assets.csv'), 'utf8');
    expect(csv.split('\n')[1]).toBe('K-01,KSER-01,iPad (9th generation),tablet,,,,,01/09/2022,,,in-use,,,,,');

    const out = join(dir, 'export.xlsx');
    const e = await runCli(['inventory', 'export', yaml, '--table', 'assets', '--to', out]);
    expect(e.code, e.stderr).toBe(0);
    const back = await readRegisterFile(out, 'assets');
    expect(back.records.map((a) => [a.assetTag, a.purchaseDate])).toEqual([
      ['K-01', '2022-09-01'],
      ['K-02', '2022-09-01'],
    ]);
  });

  it('is a usage error for a table the declaration does not name, or an unknown --map field', async () => {
    const r = await runCli([
      'inventory',
      'import',
      yaml,
      '--table',
      'installs',
      '--from',
      join(FIXTURES, 'assets-malformed.xlsx'),
    ]);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain('names no inventory.installs file');
    const m = await runCli([
      'inventory',
      'import',
      yaml,
      '--table',
      'assets',
      '--from',
      join(FIXTURES, 'assets-malformed.xlsx'),
      '--map',
      'colour=Colour',
    ]);
    expect(m.code).toBe(3);
  });
});

describe('schoolnet inventory reconcile', () => {
  let server: RouterOsServer;
  let yaml: string;
  let env: NodeJS.ProcessEnv;
  let root: string;
  beforeAll(async () => {
    const started = await startSchoolRouter('bad');
    server = started.server;
    const bound = await bindToTestbed(
      await loadSchool(join(SCHOOLS_DIR, 'st-marks-primary', 'school.yaml')),
      testbedInfo(),
      {
        routers: started.endpoint,
      },
    );
    env = bound.env;
    root = await mkdtemp(join(tmpdir(), 'inventory-reconcile-'));
    yaml = await writeBoundSchool(bound, root);
  }, 60_000);
  afterAll(async () => {
    await server?.close();
  });

  it('reports the disposed power supply back in the switch, live and from saved facts, with exit 1', async () => {
    const saved = join(root, 'facts.json');
    const live = await runCli(
      ['inventory', 'reconcile', yaml, '--now', '2026-11-24T02:00:00Z', '--save-facts', saved],
      env,
    );
    expect(live.code, live.stderr).toBe(1);
    expect(live.stdout).toMatch(
      /FAIL\s+inventory-disposed-not-reappearing\s+SMK-0900 \(TN-PSU-150, serial TBN2948A0017P1\) was recorded as disposed of on 2025-11-11/,
    );
    const again = await runCli(
      ['inventory', 'reconcile', yaml, '--now', '2026-11-24T02:00:00Z', '--facts', saved, '--format', 'json'],
      env,
    );
    expect(again.code, again.stderr).toBe(1);
    const out = JSON.parse(again.stdout) as {
      results: { checkId: string; status: string; evidence: { object?: string }[] }[];
    };
    const fails = out.results
      .filter((r) => r.status === 'fail')
      .map((r) => `${r.checkId} ${r.evidence[0]?.object}`);
    expect(fails.sort()).toEqual([
      'inventory-disposed-not-reappearing serial TBN2948A0017P1',
      'inventory-end-of-support SMK-0010',
      'inventory-end-of-support SMK-0010 warranty',
    ]);
  });
});
