/**
 * The engine's environment for code that drives Pulumi (the Automation API in `schoolnet preview --all`
 * and `schoolnet apply`, the engine tests): what scripts/pulumi/engine.sh --env prints, after it has made
 * sure the engine exists (an installed `pulumi` of the pinned version, or the one it builds and caches).
 */
import { execFileSync } from 'node:child_process';
import { dirname, resolve } from 'node:path';

const ENGINE_SH = resolve(import.meta.dirname, 'engine.sh');

/** KEY=VALUE lines as printed by engine.sh --env. */
export function parseEnvLines(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const at = line.indexOf('=');
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

/** The engine's environment (PATH with the engine and the providers' host first; the offline flags). */
export function engineEnvironment(): Record<string, string> {
  // The first call may build the engine (minutes): its progress goes to stderr.
  const out = execFileSync('bash', [ENGINE_SH, '--env'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    // The program and the providers run on this Node (22.18+): first on PATH.
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}` },
  });
  const env = parseEnvLines(out);
  if (!env['PATH']) throw new Error(`scripts/pulumi/engine.sh --env printed no PATH:\n${out}`);
  return env;
}
