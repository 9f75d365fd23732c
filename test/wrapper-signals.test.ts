/**
 * bin/schoolnet.js, what `npx schoolnet` runs, as a supervisor stops it: the real wrapper starts the
 * real CLI running `schedule` (a daemon that waits for its cron), the test sends SIGTERM (then, in a
 * second run, SIGINT) to the wrapper only, and the daemon must get it, stop gracefully, and be gone;
 * the wrapper exits with the daemon's code.
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO, SCHOOLS_DIR } from './support/bind-testbed.ts';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('bin/schoolnet.js passes signals on', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'wrapper-signals-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(['SIGTERM', 'SIGINT'] as const)(
    '%s to the wrapper stops `schedule` gracefully; no orphan; the wrapper exits with its code',
    async (signal) => {
      const wrapper = spawn(
        process.execPath,
        [join(REPO, 'bin', 'schoolnet.js'), 'schedule', SCHOOLS_DIR, '--store', join(dir, `${signal}.db`)],
        { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      wrapper.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
      const running = new Promise<void>((ok) =>
        wrapper.stdout.setEncoding('utf8').on('data', (d: string) => {
          out += d;
          if (out.includes('schoolnet schedule running')) ok();
        }),
      );
      const closed = new Promise<{ code: number | null; signal: string | null }>((ok) =>
        wrapper.on('close', (code, sig) => ok({ code, signal: sig })),
      );
      const pid = wrapper.pid ?? 0;
      await running;
      const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
        .split('\n')
        .map((l) => Number(l.trim()))
        .filter((n) => n > 0);
      expect(children, 'the wrapper runs the CLI as its child').toHaveLength(1);
      const daemon = children[0] ?? 0;
      expect(alive(daemon)).toBe(true);

      wrapper.kill(signal); // the wrapper only, as a supervisor or `kill` does
      const end = await closed;
      expect(end, err).toEqual({ code: 0, signal: null });
      // The daemon got the signal itself and stopped gracefully (its log says so), and is gone.
      expect(out).toMatch(new RegExp(`"signal":"${signal}".*shutdown requested`));
      expect(out).toMatch(/"msg":"stopped"/);
      expect(alive(daemon)).toBe(false);
    },
    60_000,
  );

  it("exits with the CLI's own code (3 for a usage error)", async () => {
    const code = await new Promise<number | null>((ok) =>
      spawn(process.execPath, [join(REPO, 'bin', 'schoolnet.js'), 'audit', '--school-timeout', 'soon'], {
        cwd: REPO,
        stdio: 'ignore',
      }).on('close', ok),
    );
    expect(code).toBe(3);
  }, 30_000);
});
