/**
 * The real Pulumi engine for tests: scripts/pulumi/engine.sh builds it on first use (cached per version
 * under ~/.cache/schoolnet/pulumi/) or takes an installed `pulumi` of the pinned version, and says which
 * environment it runs in. Each test gives it a private PULUMI_HOME and a file backend.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

export { engineEnvironment } from '../../scripts/pulumi/engine.ts';
export const ROOT = resolve(import.meta.dirname, '../..');

export interface EngineRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `pulumi <args>` in `cwd` with `env`; never throws on a non-zero exit (the caller asserts it). */
export function runPulumi(
  args: string[],
  cwd: string,
  env: Record<string, string>,
  timeoutMs = 300_000,
): Promise<EngineRun> {
  return new Promise((done) => {
    execFile(
      'pulumi',
      args,
      { cwd, env: { ...process.env, ...env }, maxBuffer: 64 * 1024 * 1024, timeout: timeoutMs },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        done({ code, stdout, stderr });
      },
    );
  });
}
