/**
 * Which engine `npm run pulumi` (scripts/pulumi/engine.sh) runs. The `pulumi` programs here are small
 * shell stand-ins that print a version: a Pulumi installed "the normal way" cannot exist on these
 * machines (the vendor's site is unreachable), and what is under test is engine.sh's choice, not the
 * engine (test/pulumi-engine.test.ts runs the real one). Each case has its own empty cache folder
 * (SCHOOLNET_PULUMI_CACHE), so a wrong choice would start a build there and leave a trace.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const ENGINE_SH = resolve(import.meta.dirname, 'engine.sh');
const PINNED = 'v3.248.0';
const base = mkdtempSync(join(tmpdir(), 'engine-sh-'));

/** A folder holding a `pulumi` that reports `version` and echoes any other call. */
function fakePulumi(name: string, version: string, withHost = false): string {
  const dir = join(base, name);
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'pulumi');
  writeFileSync(
    file,
    `#!/bin/sh\nif [ "$1" = version ]; then echo ${version}; else echo "${name} ran: $*"; fi\n`,
  );
  chmodSync(file, 0o755);
  if (withHost) {
    writeFileSync(join(dir, 'pulumi-language-nodejs'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(dir, 'pulumi-language-nodejs'), 0o755);
  }
  return dir;
}

function run(args: string[], path: string[], cache: string): string {
  return execFileSync('bash', [ENGINE_SH, ...args], {
    encoding: 'utf8',
    env: {
      PATH: [...path, '/usr/bin', '/bin'].join(':'),
      HOME: base,
      SCHOOLNET_PULUMI_CACHE: cache,
    },
  });
}

function emptyCache(name: string): string {
  const dir = join(base, 'caches', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

afterAll(() => rmSync(base, { recursive: true, force: true }));

describe('engine.sh chooses the engine', () => {
  test('an installed pulumi of the pinned version is used, and nothing is built', () => {
    const installed = fakePulumi('installed', PINNED);
    const cache = emptyCache('installed');
    expect(run(['--ensure'], [installed], cache).trim()).toBe(installed);
    expect(run(['stack', 'ls'], [installed], cache).trim()).toBe('installed ran: stack ls');
    expect(readdirSync(cache)).toEqual([]);
  });

  test('an installed pulumi of another version is passed over for the cached build of the pinned one', () => {
    const old = fakePulumi('old', 'v3.100.0');
    const cache = emptyCache('cached');
    const built = join(cache, PINNED.slice(1));
    mkdirSync(built);
    writeFileSync(
      join(built, 'pulumi'),
      `#!/bin/sh\nif [ "$1" = version ]; then echo ${PINNED}; else echo "cached ran: $*"; fi\n`,
    );
    chmodSync(join(built, 'pulumi'), 0o755);
    expect(run(['--ensure'], [old], cache).trim()).toBe(built);
    expect(run(['version'], [old], cache).trim()).toBe(PINNED);
    expect(run(['whoami'], [old], cache).trim()).toBe('cached ran: whoami');
    // Reused, not rebuilt: no build folder, not even the build lock.
    expect(readdirSync(built)).toEqual(['pulumi']);
  });

  test('the environment: offline flags, the dynamic-provider host, and the stand-in host only where no real one sits beside the engine', () => {
    const bare = fakePulumi('bare', PINNED);
    const env = run(['--env'], [bare], emptyCache('env1'));
    expect(env).toContain('PULUMI_SKIP_UPDATE_CHECK=true');
    expect(env).toContain('PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION=true');
    const path = /^PATH=(.*)$/m.exec(env)?.[1]?.split(':') ?? [];
    expect(path[0]).toBe(bare);
    expect(path).toContain(resolve(import.meta.dirname, 'bin'));
    expect(path).toContain(resolve(import.meta.dirname, '../../node_modules/@pulumi/pulumi'));
    const real = fakePulumi('with-host', PINNED, true);
    const withHost = /^PATH=(.*)$/m.exec(run(['--env'], [real], emptyCache('env2')))?.[1]?.split(':') ?? [];
    expect(withHost[0]).toBe(real);
    expect(withHost).not.toContain(resolve(import.meta.dirname, 'bin'));
  });
});
