/**
 * `schoolnet audit --all` over a schools folder holding one invalid declaration beside two good ones
 * (bound to the testbed's RouterOS server): every school is a row of the summary table, the invalid one
 * with its reason; the exit code the table prints is the one the process returns. On a real terminal
 * (a pty from util-linux `script`) the progress bar is cleared before each school's summary and the table.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSchool } from '../inventory/load.ts';
import {
  bindToTestbed,
  EXAMPLE_SCHOOLS,
  REPO,
  runCli,
  SCHOOLS_DIR,
  startSchoolRouter,
  testbedInfo,
  writeBoundSchool,
} from './support/bind-testbed.ts';
import type { RouterOsServer } from './support/routeros/server.ts';

const GOOD = EXAMPLE_SCHOOLS.slice(0, 2);
const BROKEN = 'broken-school';

describe('schoolnet audit --all with one invalid declaration', () => {
  let dir: string;
  let server: RouterOsServer;
  const env: NodeJS.ProcessEnv = { ...process.env };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'audit-all-invalid-'));
    let endpoint;
    ({ server, endpoint } = await startSchoolRouter('demo'));
    for (const s of GOOD) {
      const b = await bindToTestbed(await loadSchool(join(SCHOOLS_DIR, s, 'school.yaml')), testbedInfo(), {
        routers: endpoint,
      });
      Object.assign(env, b.env);
      await writeBoundSchool(b, dir);
    }
    mkdirSync(join(dir, 'schools', BROKEN), { recursive: true });
    writeFileSync(
      join(dir, 'schools', BROKEN, 'school.yaml'),
      'school:\n  id: broken-school\n  name: Broken\nnetwork: 12\n',
    );
  }, 60_000);
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('lists every school, the invalid one with its reason, and exits with the code it prints', async () => {
    const res = await runCli(['audit', '--all', join(dir, 'schools'), '--store', join(dir, 'a.db')], env);
    const table = res.stdout.slice(res.stdout.lastIndexOf('\nschool  ') + 1);
    for (const s of GOOD) expect(table).toMatch(new RegExp(`^${s}\\s+\\d`, 'm'));
    expect(table).toMatch(
      new RegExp(
        `^${BROKEN}\\s+-\\s+-\\s+-\\s+-\\s+-\\s+3\\s+0\\.0s\\s+configuration error: .*school\\.yaml:\\d+`,
        'm',
      ),
    );
    const printed = /(\d+) school\(s\); exit (\d)$/m.exec(table);
    expect(printed?.[1]).toBe('3');
    expect(res.code).toBe(3);
    expect(Number(printed?.[2])).toBe(res.code);
    // The full list of problems still goes to stderr.
    expect(res.stderr).toContain(`${BROKEN}/school.yaml: not audited:`);
  }, 180_000);

  it('on a terminal, clears the progress bar before each summary and the table', async () => {
    const cmd = [process.execPath, join(REPO, 'bin', 'schoolnet.js'), 'audit', '--all', join(dir, 'schools')]
      .concat(['--store', join(dir, 'tty.db')])
      .join(' ');
    const { code, out } = await new Promise<{ code: number | null; out: string }>((done, reject) => {
      const child = spawn('script', ['-qefc', cmd, '/dev/null'], { env, cwd: REPO });
      let out = '';
      child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
      child.on('error', reject);
      child.on('close', (c) => done({ code: c, out }));
    });
    expect(code).toBe(3);
    expect(out).toContain('\x1b[2K['); // the bar was drawn in place
    const lines = out.split(/\r?\n/);
    const starts = [...GOOD.map((s) => `(${s}): score`), 'school  ', '3 school(s); exit 3'];
    for (const marker of starts) {
      const line = lines.find((l) => l.includes(marker));
      expect(line, marker).toBeDefined();
      // What the line shows after its last clear: the summary alone, no bar before it.
      const shown = (line ?? '').split('\x1b[2K').pop() ?? '';
      expect(shown.replace(/^\r/, ''), JSON.stringify(line)).not.toMatch(/^\[[#.]+\]/);
      expect(shown).not.toContain('schools  auditing');
    }
  }, 180_000);
});
