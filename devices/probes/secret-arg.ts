/**
 * Running a tool whose only way to take a secret is a command-line argument (eapol_test's `-s <RADIUS
 * shared secret>`: its `getopt` loop has no other source for it) without the secret ever appearing in
 * /proc/<pid>/cmdline, which the kernel lets every user on the host read (`ps`). A private PID namespace
 * does not help: the host's /proc lists the namespace's processes with their arguments all the same.
 *
 * The tool is started with the placeholder where the secret goes, the secret written to its fd 3 (a
 * private pipe, gone once read), and a small shim preloaded (secret-arg.c, LD_PRELOAD) that swaps the
 * placeholder for the secret in `argv` before `main` runs. The kernel's copy of the arguments keeps the
 * placeholder. The shim is built once per machine with the C compiler (gcc, scripts/setup.sh) into a
 * cache folder only this user can write to, named by a hash of its source.
 */
import { execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstat, mkdir, readFile, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Writable } from 'node:stream';
import { promisify } from 'node:util';

/** The argument the shim replaces with the secret read from fd 3. */
export const SECRET_PLACEHOLDER = '@schoolnet-secret-fd3';

const SOURCE = new URL('./secret-arg.c', import.meta.url).pathname;

export class SecretArgError extends Error {
  readonly code = 'E-SECRET-ARG';
}

/** The cache folder must be ours and writable by nobody else: the shim is loaded into a tool we run. */
async function privateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const st = await lstat(dir);
  const uid = process.getuid?.();
  if (!st.isDirectory() || (uid !== undefined && st.uid !== uid) || (st.mode & 0o022) !== 0)
    throw new SecretArgError(
      `${dir} must be a folder owned by this user and writable by nobody else (it holds the secret-argument shim)`,
    );
}

let built: Promise<string> | undefined;

/** The shim's shared library, built on first use (SCHOOLNET_CACHE_DIR, default ~/.cache/schoolnet). */
export function secretArgLibrary(): Promise<string> {
  built ??= (async () => {
    const src = await readFile(SOURCE);
    const dir = process.env.SCHOOLNET_CACHE_DIR ?? join(homedir(), '.cache', 'schoolnet');
    await privateDir(dir);
    const lib = join(dir, `secret-arg-${createHash('sha256').update(src).digest('hex').slice(0, 16)}.so`);
    const seen = await lstat(lib).catch(() => undefined);
    if (seen?.isFile() && seen.uid === (process.getuid?.() ?? seen.uid) && (seen.mode & 0o022) === 0)
      return lib;
    const tmp = `${lib}.${process.pid}.tmp`;
    try {
      await promisify(execFile)(process.env.CC ?? 'cc', [
        '-shared',
        '-fPIC',
        '-O2',
        '-Wall',
        '-Werror',
        '-o',
        tmp,
        SOURCE,
      ]);
      await rename(tmp, lib);
    } catch (e) {
      await rm(tmp, { force: true });
      throw new SecretArgError(
        `cannot build the secret-argument shim (${SOURCE}) with ${process.env.CC ?? 'cc'}: ${
          (e as Error).message.split('\n')[0]
        }; install gcc and libc6-dev (scripts/setup.sh)`,
      );
    }
    return lib;
  })();
  built.catch(() => (built = undefined));
  return built;
}

export interface ToolResult {
  code: number;
  /** stdout, a newline, stderr. */
  output: string;
  spawnError?: string;
}

/**
 * Runs `cmd` with `args`, in which SECRET_PLACEHOLDER stands where `secret` goes; stopped after
 * `timeoutMs`. The secret reaches the tool only through its fd 3.
 */
export async function runWithSecretArg(
  cmd: string,
  args: readonly string[],
  secret: string,
  timeoutMs: number,
): Promise<ToolResult> {
  if (!args.includes(SECRET_PLACEHOLDER))
    throw new Error('runWithSecretArg: no placeholder in the arguments');
  if (secret === '' || secret.includes('\0'))
    throw new SecretArgError('the secret is empty or holds a NUL byte');
  const lib = await secretArgLibrary();
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
      env: { ...process.env, LD_PRELOAD: lib },
    });
    let out = '';
    let err = '';
    const cap = 8 << 20;
    child.stdout?.on('data', (c: Buffer) => void (out.length < cap && (out += c.toString('utf8'))));
    child.stderr?.on('data', (c: Buffer) => void (err.length < cap && (err += c.toString('utf8'))));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    let spawnError: string | undefined;
    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = `${cmd}: ${e.code ?? 'error'} (${e.message.split('\n')[0]})`;
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (spawnError !== undefined) resolve({ code: -1, output: '', spawnError });
      else resolve({ code: code ?? -1, output: `${out}\n${err}` });
    });
    const fd3 = child.stdio[3] as Writable | null;
    fd3?.on('error', () => undefined); // a tool that died at once is reported by 'close'
    fd3?.end(secret);
  });
}
