/**
 * A folder a service that drops root (snmpsim as `nobody`, PostgreSQL as `postgres`) can reach. The run folder
 * is private (the CLI runs with umask 077), so when any folder above it is closed to others the service gets a
 * fresh 0755 temp folder instead, removed when the testbed stops. What goes inside stays as private as the
 * service allows (PostgreSQL's data folder is 0700, owned by `postgres`).
 */
import { chmod, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import type { ServiceContext } from './context.ts';

/** True when every directory from `dir` up to `/` is traversable by others (o+x). */
export async function traversableByOthers(dir: string): Promise<boolean> {
  for (let d = dir; ; d = dirname(d)) {
    if (((await stat(d)).mode & 0o001) === 0) return false;
    if (dirname(d) === d) return true;
  }
}

/** `ctx.dir` when another user can reach it, otherwise a 0755 temp folder removed on stop. */
export async function reachableDir(ctx: ServiceContext, prefix: string): Promise<string> {
  if (await traversableByOthers(dirname(ctx.dir)).catch(() => false)) return ctx.dir;
  const base = await mkdtemp(join(tmpdir(), prefix));
  await chmod(base, 0o755);
  ctx.onStop(() => rm(base, { recursive: true, force: true }));
  return base;
}
